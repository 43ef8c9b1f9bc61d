"""The devices every end-to-end test runs a module on, shared by the test
generators: host and sim always, cuda only where lit found an NVIDIA GPU
(the lit feature cuda-device; test/lit.cfg.py)."""

DEVICES = ("host", "sim", "cuda")


def gated(device, *commands):
    """`commands` as they run on `device`: on cuda inside `%if cuda-device`,
    elsewhere as they are."""
    if device != "cuda":
        return commands if len(commands) > 1 else commands[0]
    wrapped = tuple(f"%if cuda-device %{{ {c} %}}" for c in commands)
    return wrapped if len(wrapped) > 1 else wrapped[0]

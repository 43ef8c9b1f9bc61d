#!/usr/bin/env python3
"""Writes test/ONNX/Node/<name>.test, one lit test per ONNX node test of
Debian's libonnx-testdata (/usr/share/libonnx-testdata/data/node/<name>).

Each test converts the node test's input_N.pb and output_N.pb to .npy
(test/lib/onnx_pb.py), compiles model.onnx with recur-compile, runs it with
recur-run on every input in order, writes every output, and compares them
with the expected outputs the way ONNX's own backend tests do
(numpy.testing.assert_allclose with rtol 1e-3, atol 1e-7, same dtype):
`npycheck.py --rtol=1e-3 --atol=1e-7`.

The list: every LSTM, GRU, RNN (test_simple_rnn_*, test_rnn_*), Scan and
Loop node test the package ships (found in its directory, so none is
missed), plus the names in test/gen/onnx_node_ops.txt (one a line,
optionally followed by `# unsupported: REASON`). A test that cannot run is
still written, with `UNSUPPORTED: true` and a comment line giving the
reason, so lit reports it as unsupported and the file says why. Reasons
found here (besides those in onnx_node_ops.txt and REASONS below): an input
or output that is not a tensor (a sequence or optional), or a tensor of a
dtype recur-run cannot pass or write.

Needs no numpy or onnx. Rerun after changing the list:
    /usr/bin/python3 test/gen/gen_onnx_node_tests.py
Tests of names no longer listed are removed.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import onnx_pb  # noqa: E402
from devices import gated

DATA = "/usr/share/libonnx-testdata/data/node"
OUT = os.path.join(ROOT, "test", "ONNX", "Node")
OPS_LIST = os.path.join(ROOT, "test", "gen", "onnx_node_ops.txt")
RTOL, ATOL = "1e-3", "1e-7"

# The recurrent and control-flow node tests: all of them must be listed.
RECURRENT = re.compile(r"test_(lstm|gru|rnn|simple_rnn|scan|scan9|loop)"
                       r"(_|\d|$)")

# Why a listed test cannot run, where that is known from the model (the
# .pb files only show that an input is not a tensor).
# Tests the GPU targets (sim, cuda) cannot compile yet, and why; these run on
# the host only. recur-compile says the same at the node.
F64_MATH = ("float64 exp/log in kernels: no expansion without libdevice yet "
            "(GPU targets approximate float32 math only)")
HOST_READ = ("the host would read tensor data (sizes computed from tensor "
             "values at run time): not supported on GPU targets yet")
GPU_REASONS = {
    "test_loop11": HOST_READ,
    "test_slice_default_axes": HOST_READ,
    "test_pow_types_float": F64_MATH,
    "test_pow_types_int32_float32": F64_MATH,
    "test_pow_types_int32_int32": F64_MATH,
    "test_pow_types_int64_float32": F64_MATH,
    "test_pow_types_int64_int64": F64_MATH,
    **{f"test_reduce_log_sum_exp_{v}": F64_MATH for v in [
        "default_axes_keepdims_example", "default_axes_keepdims_random",
        "do_not_keepdims_example", "do_not_keepdims_random",
        "keepdims_example", "keepdims_random",
        "negative_axes_keepdims_example", "negative_axes_keepdims_random"]},
}

REASONS = {
    "test_loop13_seq":
        "graph input 'seq_empty' and output 'seq_res' are ONNX sequences "
        "(seq(tensor(float))), not tensors. A Recur module's inputs and "
        "outputs are tensors, as are recur-run's .npy files, and this "
        "output cannot be one: its elements have different shapes ([1], "
        "[2], ... [5], one element longer each iteration).",
    "test_loop16_seq_none":
        "graph input 'opt_seq' is an optional sequence "
        "(optional(seq(tensor(float))), here holding one scalar) and output "
        "'seq_res' a sequence, not tensors. A Recur module's inputs and "
        "outputs are tensors, as are recur-run's .npy files, and this "
        "output cannot be one: its elements differ in rank and shape (a "
        "scalar, then [1], [2], ... [5]).",
}

# The .npy dtypes recur-run reads and writes (docs/recur-run.md).
RUN_DTYPES = {"<f4", "<f8", "<f2", "|b1", "|i1", "|u1", "<i2", "<i4", "<i8"}


def data_sets(name):
    d = os.path.join(DATA, name)
    return sorted(s for s in os.listdir(d)
                  if re.fullmatch(r"test_data_set_\d+", s))


def pb_files(path, kind):
    names = [n for n in os.listdir(path)
             if re.fullmatch(kind + r"_\d+\.pb", n)]
    return sorted(names, key=lambda n: int(n[len(kind) + 1:-3]))


def check_tensors(name):
    """Returns why the test's data cannot go through recur-run, or None."""
    for ds in data_sets(name):
        path = os.path.join(DATA, name, ds)
        for kind in ("input", "output"):
            for pb in pb_files(path, kind):
                with open(os.path.join(path, pb), "rb") as f:
                    data = f.read()
                try:
                    _, descr, _, _ = onnx_pb.tensor_from_pb(data)
                except onnx_pb.PbError as e:
                    return f"{ds}/{pb}: {e}"
                if descr not in RUN_DTYPES:
                    return (f"{ds}/{pb} is a tensor of {descr}, a dtype "
                            f"recur-run cannot pass or write (see "
                            f"docs/recur-run.md)")
    return None


def read_ops_list():
    """(name, reason or None) for each line of onnx_node_ops.txt."""
    if not os.path.exists(OPS_LIST):
        print(f"note: {os.path.relpath(OPS_LIST, ROOT)} does not exist yet; "
              f"writing the recurrent tests only")
        return []
    out = []
    with open(OPS_LIST) as f:
        for lineno, line in enumerate(f, 1):
            text, _, comment = line.partition("#")
            text = text.strip()
            if not text:
                continue
            if not re.fullmatch(r"test_\w+", text):
                sys.exit(f"{OPS_LIST}:{lineno}: '{text}' is not a test name")
            reason = None
            m = re.match(r"\s*unsupported:\s*(.*)", comment)
            if m:
                reason = m.group(1).strip() or "(no reason given)"
            out.append((text, reason))
    return out


def wrap(text, prefix="# ", width=78):
    words, lines, cur = text.split(), [], prefix
    for w in words:
        if len(cur) + len(w) + 1 > width and cur != prefix:
            lines.append(cur.rstrip())
            cur = prefix
        cur += w + " "
    lines.append(cur.rstrip())
    return lines


def test_text(name, why_listed, reason):
    lines = wrap(
        f"ONNX node test {name} (libonnx-testdata; {why_listed}): "
        f"recur-compile for host, sim and cuda, then recur-run on the "
        f"test's inputs on host and sim (and cuda where there is a GPU); "
        f"each device's outputs are compared with the test's expected outputs as ONNX's backend "
        f"tests do: same dtype and shape, |got - want| <= {ATOL} + {RTOL} "
        f"|want|.")
    lines += [
        "#",
        "# Generated by test/gen/gen_onnx_node_tests.py; do not edit. "
        "Regenerate with",
        "#   /usr/bin/python3 test/gen/gen_onnx_node_tests.py",
        "#",
    ]
    if reason:
        lines += wrap("Cannot run: " + reason)
        lines.append("# UNSUPPORTED: true")
    lines.append("# REQUIRES: onnx-testdata, recur-compile")
    model = f"%onnx-node-data/{name}/model.onnx"
    # Host and sim (the GPU kernels on the CPU) from one module; cuda where
    # lit found a GPU. Compiling for cuda assembles the kernels with ptxas
    # where it exists.
    devices = ("host", "sim", "cuda")
    if name in GPU_REASONS:
        lines += wrap("Host only: " + GPU_REASONS[name])
        devices = ("host",)
    lines.append(f"# RUN: recur-compile {model} "
                 f"--target={','.join(devices)} -o %t.rmod")
    sets = data_sets(name)
    for ds in sets:
        path = os.path.join(DATA, name, ds)
        ins = pb_files(path, "input")
        outs = pb_files(path, "output")
        d = f"%t.{ds}"
        lines.append(f"# RUN: rm -rf {d} && %onnx-pb --dir "
                     f"%onnx-node-data/{name}/{ds} {d}")
        for device in devices:
            run = f"recur-run %t.rmod --device={device}"
            for pb in ins:
                run += f" --input=@{d}/{pb[:-3]}.npy"
            for pb in outs:
                run += f" --output=@{d}/{device}_{pb[len('output_'):-3]}.npy"
            check = f"%npycheck --rtol={RTOL} --atol={ATOL}"
            for pb in outs:
                n = pb[len("output_"):-3]
                check += f" {d}/{device}_{n}.npy {d}/output_{n}.npy"
            run, check = gated(device, run, check)
            lines += [f"# RUN: {run}", f"# RUN: {check}"]
    return "\n".join(lines) + "\n"


def main():
    if not os.path.isdir(DATA):
        sys.exit(f"{DATA} not found: install Debian's libonnx-testdata")
    tests = {}
    for name in sorted(os.listdir(DATA)):
        if RECURRENT.match(name):
            tests[name] = ("recurrent and control flow", REASONS.get(name))
    for name, reason in read_ops_list():
        if name in tests:
            continue
        if not os.path.isdir(os.path.join(DATA, name)):
            sys.exit(f"{OPS_LIST}: {name}: no such node test in {DATA}")
        tests[name] = ("ops", reason or REASONS.get(name))
    os.makedirs(OUT, exist_ok=True)
    unsupported = 0
    for name, (why, reason) in tests.items():
        if not reason:
            reason = check_tensors(name)
        unsupported += bool(reason)
        with open(os.path.join(OUT, name + ".test"), "w") as f:
            f.write(test_text(name, why, reason))
    for old in os.listdir(OUT):
        if old.endswith(".test") and old[:-5] not in tests:
            os.remove(os.path.join(OUT, old))
    print(f"wrote {len(tests)} tests to {os.path.relpath(OUT, ROOT)} "
          f"({unsupported} unsupported)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes test/ONNX/Torch/<name>.test for the PyTorch fixtures that
export_models.py made (test/ONNX/Inputs/torch). Needs neither torch nor
numpy: it reads the fixture folders for the inputs and outputs.

Each test compiles the model with the default strategy (auto) and
--explain, checks with FileCheck the strategy the analyses chose, runs the
module on both (T, B) and compares its outputs with PyTorch's at
|got - want| <= 1e-4 (1 + |want|), the end-to-end tests' tolerance (float32
both sides, but another order of operations: the scans reassociate). The
affine models are also compiled with --strategy=scan --chunk-size=4 (several
chunks, on a 2-thread pool) and with --strategy=sequential, so a failure
says whether the import or the scan is wrong.

    /usr/bin/python3 test/gen/torch/gen_torch_tests.py
"""
import os
import re

import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from devices import gated  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
INPUTS = os.path.join(ROOT, "test", "ONNX", "Inputs", "torch")
OUT = os.path.join(ROOT, "test", "ONNX", "Torch")
TOL = "1e-4"

# name: (what it is, the --explain lines FileCheck expects (one CHECK
# each, then no other recurrence), whether it is affine)
MODELS = {
    "gru_bidir": (
        "nn.GRU(4, 8, num_layers=2, bidirectional=True), time-major: two "
        "ONNX GRU nodes (one per layer, both directions each), nonlinear "
        "in h, so sequential.",
        ["/rnn/GRU (GRU): recurrence: nonlinear {{.*}}strategy=sequential",
         "/rnn/GRU_1 (GRU): recurrence: nonlinear {{.*}}strategy=sequential"],
        False),
    "lstm_bidir": (
        "nn.LSTM(4, 8, num_layers=2, bidirectional=True, batch_first=True):"
        " two ONNX LSTM nodes with Transposes around them; nonlinear, so "
        "sequential.",
        ["/rnn/LSTM (LSTM): recurrence: nonlinear {{.*}}strategy=sequential",
         "/rnn/LSTM_1 (LSTM): recurrence: nonlinear "
         "{{.*}}strategy=sequential"], False),
    "mingru": (
        "scripted minGRU loop, h0 an input: h = (1 - z) h + z (Wh x + bh), "
        "z = sigmoid(Wz x + bz). Affine in h, elementwise: a diagonal "
        "scan.",
        ["/Loop (Loop): recurrence: linear, structure=diagonal, "
         "batch_dims=0, strategy=scan"], True),
    "selective_ssm": (
        "scripted diagonal selective SSM (Mamba-like), state (B, 8, 4) "
        "from zeros: h = exp(dt A) h + (dt u) B, y = sum(h C), dt = "
        "softplus(Wdt x). Affine in h, elementwise: a diagonal scan.",
        ["/Loop (Loop): recurrence: linear, structure=diagonal, "
         "batch_dims=0, strategy=scan"], True),
    "linear_attn_decay": (
        "scripted linear attention with a decay, state S (B, 8, 8) from "
        "zeros: S = g S + k^T v, o = q S, g = sigmoid(wg x) one per batch "
        "row. Affine in S with one decay per batch entry: a scalar scan "
        "over the batch.",
        ["/Loop (Loop): recurrence: linear, structure=scalar, batch_dims=1, "
         "strategy=scan"], True),
    "delta_rule": (
        "scripted delta rule (DeltaNet), state S (B, 8, 8) from zeros: "
        "S = S - beta k^T (k S) + beta k^T v, o = q S, k L2-normalized. "
        "Affine in S with a rank-one update of the identity: the analyses "
        "give identity_plus_low_rank, rank 1, a scan.",
        ["/Loop (Loop): recurrence: linear, "
         "structure=identity_plus_low_rank, batch_dims=1, rank=1, "
         "strategy=scan"], True),
    "gru_diag": (
        "scripted GRU with diagonal recurrent weights (u * h): nonlinear "
        "in h (sigmoid, tanh of terms in h), so sequential.",
        ["/Loop (Loop): recurrence: nonlinear {{.*}}strategy=sequential"],
        False),
}


def wrap(text, prefix="# ", width=78):
    lines, cur = [], prefix
    for w in text.split():
        if len(cur) + len(w) + 1 > width and cur != prefix:
            lines.append(cur.rstrip())
            cur = prefix
        cur += w + " "
    lines.append(cur.rstrip())
    return lines


def sizes(name):
    d = os.path.join(INPUTS, name)
    return sorted((s for s in os.listdir(d) if re.fullmatch(r"T\d+B\d+", s)),
                  key=lambda s: [int(n) for n in re.findall(r"\d+", s)])


def count(path, kind):
    return len([n for n in os.listdir(path)
                if re.fullmatch(kind + r"\d+\.npy", n)])


def run_lines(name, rmod, tag, extra="", devices=("host", "sim", "cuda")):
    """recur-run on each device (extra: host flags), each compared with
    PyTorch's outputs; cuda only where lit found a GPU."""
    lines = []
    for sz in sizes(name):
        d = f"%S/../Inputs/torch/{name}/{sz}"
        path = os.path.join(INPUTS, name, sz)
        n_in, n_out = count(path, "in"), count(path, "want")
        for device in devices:
            run = f"recur-run {rmod} --device={device}"
            run += "".join(f" --input=@{d}/in{k}.npy" for k in range(n_in))
            run += "".join(f" --output=@%t.{tag}.{device}.{sz}.out{k}.npy"
                           for k in range(n_out))
            if device == "host":
                run += extra
            check = f"%npycheck {TOL}" + "".join(
                f" %t.{tag}.{device}.{sz}.out{k}.npy {d}/want{k}.npy"
                for k in range(n_out))
            run, check = gated(device, run, check)
            lines += [f"# RUN: {run}", f"# RUN: {check}"]
    return lines


def test_text(name, what, checks, affine):
    model = f"%S/../Inputs/torch/{name}.onnx"
    lines = wrap(f"PyTorch fixture {name}: {what}") + wrap(
        f"recur-compile (auto; host, sim and cuda) with --explain, checked "
        f"below; then recur-run on host and sim (and cuda where there is a "
        f"GPU) at each (T, B) of the fixture, outputs compared with "
        f"PyTorch's own (eager) at |got - want| <= {TOL} (1 + |want|).")
    lines += [
        "#",
        "# Generated by test/gen/torch/gen_torch_tests.py; do not edit. The "
        "fixtures:",
        "# test/gen/torch/export_models.py (see test/gen/torch/README.md).",
        "# REQUIRES: recur-compile",
        f"# RUN: recur-compile {model} --target=host,sim,cuda --explain "
        f"-o %t.auto.rmod "
        f"| FileCheck %s",
    ]
    lines += [f"# CHECK: {name}.onnx: {c}" for c in checks]
    lines.append("# CHECK-NOT: recurrence:")
    lines += run_lines(name, "%t.auto.rmod", "auto")
    if affine:
        lines += wrap("The scan again with chunks of 4 steps (T = 7 and 12 "
                      "span several chunks, the last one partial), every "
                      "parallel loop on a 2-thread pool:")
        lines.append(f"# RUN: recur-compile {model} --strategy=scan "
                     f"--chunk-size=4 --min-parallel-work=0 --target=host,sim "
                     f"-o %t.chunk.rmod")
        lines += run_lines(name, "%t.chunk.rmod", "chunk", " --threads=2",
                           ("host", "sim"))
        lines.append("# The sequential reference too: if only the scan "
                     "fails, the import is right.")
        lines.append(f"# RUN: recur-compile {model} --strategy=sequential "
                     f"--target=host,sim -o %t.seq.rmod")
        lines += run_lines(name, "%t.seq.rmod", "seq", "", ("host", "sim"))
    return "\n".join(lines) + "\n"


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (what, checks, affine) in MODELS.items():
        with open(os.path.join(OUT, name + ".test"), "w") as f:
            f.write(test_text(name, what, checks, affine))
    print(f"wrote {len(MODELS)} tests to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()

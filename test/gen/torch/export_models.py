#!/usr/bin/env python3
"""Exports the PyTorch fixtures of test/ONNX/Torch: small recurrent models,
their inputs, and PyTorch's own (eager) outputs for them.

For each model NAME it writes, under test/ONNX/Inputs/torch/:
  NAME.onnx              the model, exported by PyTorch's TorchScript
                         exporter (dynamo=False), T and B dynamic;
  NAME/TtBb/inK.npy      the inputs, in the model's input order, at two
                         sizes (T, B) = (7, 2) and (12, 3);
  NAME/TtBb/wantK.npy    the outputs of the PyTorch module itself, run
                         eagerly (not the exported graph), float32;
and test/gen/torch/ops.txt: the ONNX ops of each model, Loop bodies
included.

The models (seeded, hidden sizes 8):
  gru_bidir      nn.GRU, 2 layers, bidirectional, time-major
  lstm_bidir     nn.LSTM, 2 layers, bidirectional, batch_first
  mingru         scripted loop: h = (1 - z) h + z h~, z = sigmoid(Wz x),
                 h~ = Wh x (Feng et al. 2024); h0 is an input
  selective_ssm  scripted loop, diagonal Mamba-like SSM: dt = softplus(Wdt
                 x), h = exp(dt A) h + dt B x, y = C h (per channel, state 4)
  linear_attn_decay  scripted loop: S = g S + k^T v, o = q S, g = sigmoid(
                 wg x) per step and batch row
  delta_rule     scripted loop, DeltaNet: S = S - beta k^T (k S) + beta k^T v,
                 o = q S, k L2-normalized, beta = sigmoid(wb x)
  gru_diag       scripted loop: a GRU whose recurrent weights are diagonal
                 (elementwise), still nonlinear in h

The scripted loops are `for t in range(x.shape[0])` over the time axis,
appending per-step outputs to a list and torch.stack'ing it, which the
TorchScript exporter turns into Loop + SequenceEmpty/SequenceInsert +
ConcatFromSequence (issue 5). If onnxruntime is installed, each exported
model is also run by it and compared with PyTorch, as a check of the export
(not used by the tests).

Run from anywhere, with torch, onnx and numpy (see README.md here):
    /work/venv-torch/bin/python test/gen/torch/export_models.py
"""
import os
import sys
from typing import List, Tuple

import numpy as np
import onnx
import torch
from torch import Tensor, nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "test", "ONNX", "Inputs", "torch")
OPS_FILE = os.path.join(ROOT, "test", "gen", "torch", "ops.txt")
SIZES = [(7, 2), (12, 3)]  # (T, B)
D_IN, H = 4, 8
OPSET = 17


class GRUBidir(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(D_IN, H, num_layers=2, bidirectional=True)

    def forward(self, x):
        y, h = self.rnn(x)
        return y, h


class LSTMBidir(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(D_IN, H, num_layers=2, bidirectional=True,
                           batch_first=True)

    def forward(self, x):
        y, (h, c) = self.rnn(x)
        return y, h, c


class MinGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.wz = nn.Linear(D_IN, H)
        self.wh = nn.Linear(D_IN, H)

    def forward(self, x: Tensor, h0: Tensor) -> Tuple[Tensor, Tensor]:
        h = h0
        ys: List[Tensor] = []
        for t in range(x.shape[0]):
            xt = x[t]
            z = torch.sigmoid(self.wz(xt))
            h = (1 - z) * h + z * self.wh(xt)
            ys.append(h)
        return torch.stack(ys), h


class SelectiveSSM(nn.Module):
    N = 4

    def __init__(self):
        super().__init__()
        self.h, self.n = H, self.N  # TorchScript reads no globals
        self.w_dt = nn.Linear(D_IN, H)
        self.w_b = nn.Linear(D_IN, self.N, bias=False)
        self.w_c = nn.Linear(D_IN, self.N, bias=False)
        self.w_in = nn.Linear(D_IN, H, bias=False)
        # A = -exp(A_log) < 0, one decay rate per (channel, state).
        self.a_log = nn.Parameter(torch.log(
            torch.arange(1, self.N + 1, dtype=torch.float32).repeat(H, 1)))

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        a = -torch.exp(self.a_log)                           # (H, N)
        h = torch.zeros(x.shape[1], self.h, self.n, dtype=x.dtype)  # B,H,N
        ys: List[Tensor] = []
        for t in range(x.shape[0]):
            xt = x[t]
            u = self.w_in(xt)                                # (B, H)
            dt = nn.functional.softplus(self.w_dt(xt))       # (B, H)
            b = self.w_b(xt)                                 # (B, N)
            c = self.w_c(xt)                                 # (B, N)
            da = torch.exp(dt.unsqueeze(-1) * a)             # (B, H, N)
            h = da * h + (dt * u).unsqueeze(-1) * b.unsqueeze(1)
            ys.append((h * c.unsqueeze(1)).sum(-1))          # (B, H)
        return torch.stack(ys), h


class LinearAttnDecay(nn.Module):
    def __init__(self):
        super().__init__()
        self.h = H
        self.wq = nn.Linear(D_IN, H, bias=False)
        self.wk = nn.Linear(D_IN, H, bias=False)
        self.wv = nn.Linear(D_IN, H, bias=False)
        self.wg = nn.Linear(D_IN, 1)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        s = torch.zeros(x.shape[1], self.h, self.h, dtype=x.dtype)  # B,dk,dv
        os_: List[Tensor] = []
        for t in range(x.shape[0]):
            xt = x[t]
            q, k, v = self.wq(xt), self.wk(xt), self.wv(xt)
            g = torch.sigmoid(self.wg(xt)).unsqueeze(-1)     # (B, 1, 1)
            s = g * s + torch.matmul(k.unsqueeze(-1), v.unsqueeze(-2))
            os_.append(torch.matmul(q.unsqueeze(-2), s)[:, 0])  # (B, dv)
        return torch.stack(os_), s


class DeltaRule(nn.Module):
    def __init__(self):
        super().__init__()
        self.h = H
        self.wq = nn.Linear(D_IN, H, bias=False)
        self.wk = nn.Linear(D_IN, H, bias=False)
        self.wv = nn.Linear(D_IN, H, bias=False)
        self.wb = nn.Linear(D_IN, 1)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        s = torch.zeros(x.shape[1], self.h, self.h, dtype=x.dtype)  # B,dk,dv
        os_: List[Tensor] = []
        for t in range(x.shape[0]):
            xt = x[t]
            q, k, v = self.wq(xt), self.wk(xt), self.wv(xt)
            k = k / torch.sqrt((k * k).sum(-1, keepdim=True) + 1e-6)
            beta = torch.sigmoid(self.wb(xt)).unsqueeze(-1)  # (B, 1, 1)
            kc = k.unsqueeze(-1)                             # (B, dk, 1)
            ks = torch.matmul(k.unsqueeze(-2), s)            # (B, 1, dv)
            s = s - beta * torch.matmul(kc, ks) + \
                beta * torch.matmul(kc, v.unsqueeze(-2))
            os_.append(torch.matmul(q.unsqueeze(-2), s)[:, 0])  # (B, dv)
        return torch.stack(os_), s


class GRUDiag(nn.Module):
    def __init__(self):
        super().__init__()
        self.h = H
        self.wx = nn.Linear(D_IN, 3 * H)
        self.u = nn.Parameter(torch.randn(3, H) * 0.5)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        hs = self.h
        h = torch.zeros(x.shape[1], hs, dtype=x.dtype)
        ys: List[Tensor] = []
        for t in range(x.shape[0]):
            gx = self.wx(x[t])
            xz, xr, xn = gx[:, :hs], gx[:, hs:2 * hs], gx[:, 2 * hs:]
            z = torch.sigmoid(xz + self.u[0] * h)
            r = torch.sigmoid(xr + self.u[1] * h)
            n = torch.tanh(xn + r * (self.u[2] * h))
            h = (1 - z) * n + z * h
            ys.append(h)
        return torch.stack(ys), h


def inputs_for(name, t, b, gen):
    x = torch.randn(t, b, D_IN, generator=gen)
    if name == "lstm_bidir":
        return [x.transpose(0, 1).contiguous()]  # batch_first
    if name == "mingru":
        return [x, torch.randn(b, H, generator=gen)]
    return [x]


# name: (module class, scripted?, input names, output names, time axis of
# the inputs (None: no time axis), time axis of the outputs)
MODELS = {
    "gru_bidir": (GRUBidir, False, ["x"], ["y", "h_n"], [0], [0, None]),
    "lstm_bidir": (LSTMBidir, False, ["x"], ["y", "h_n", "c_n"], [1],
                   [1, None, None]),
    "mingru": (MinGRU, True, ["x", "h0"], ["y", "h_last"], [0, None],
               [0, None]),
    "selective_ssm": (SelectiveSSM, True, ["x"], ["y", "h_last"], [0],
                      [0, None]),
    "linear_attn_decay": (LinearAttnDecay, True, ["x"], ["o", "s_last"],
                          [0], [0, None]),
    "delta_rule": (DeltaRule, True, ["x"], ["o", "s_last"], [0], [0, None]),
    "gru_diag": (GRUDiag, True, ["x"], ["y", "h_last"], [0], [0, None]),
}


def dynamic_axes(name, in_names, out_names, in_time, out_time):
    """T and B named on every input and output. nn.GRU/LSTM's h_n/c_n are
    (layers*dirs, B, H); the scripted models' final states (B, ...)."""
    axes = {}
    for n, ta in zip(in_names, in_time):
        if ta is None:
            axes[n] = {0: "B"}
        else:
            axes[n] = {ta: "T", 1 - ta: "B"}
    for n, ta in zip(out_names, out_time):
        if ta is None:
            axes[n] = {1: "B"} if name in ("gru_bidir", "lstm_bidir") \
                else {0: "B"}
        else:
            axes[n] = {ta: "T", 1 - ta: "B"}
    return axes


def op_types(graph, acc):
    for node in graph.node:
        acc.add(node.op_type)
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                op_types(attr.g, acc)
            for g in attr.graphs:
                op_types(g, acc)
    return acc


def save_npy(path, a):
    np.save(path, np.ascontiguousarray(a.detach().numpy().astype("<f4")))


def main():
    os.makedirs(OUT, exist_ok=True)
    try:
        import onnxruntime as ort
    except ImportError:
        ort = None
        print("onnxruntime not installed: exported models not cross-checked")
    op_lines = []
    for index, (name, (cls, scripted, in_names, out_names, in_time,
                       out_time)) in enumerate(MODELS.items()):
        torch.manual_seed(1000 + index)
        model = cls().eval()
        gen = torch.Generator().manual_seed(2000 + index)
        sample = inputs_for(name, *SIZES[0], gen)
        exported = torch.jit.script(model) if scripted else model
        path = os.path.join(OUT, name + ".onnx")
        torch.onnx.export(
            exported, tuple(sample), path, input_names=in_names,
            output_names=out_names, opset_version=OPSET, dynamo=False,
            dynamic_axes=dynamic_axes(name, in_names, out_names, in_time,
                                      out_time))
        m = onnx.load(path)
        onnx.checker.check_model(m)
        ops = sorted(op_types(m.graph, set()))
        op_lines.append(f"{name}: {' '.join(ops)}")
        print(f"{name}.onnx: {os.path.getsize(path)} bytes; ops: "
              f"{' '.join(ops)}")
        sess = ort.InferenceSession(path) if ort else None
        for t, b in SIZES:
            gen = torch.Generator().manual_seed(3000 + 10 * index + t)
            ins = inputs_for(name, t, b, gen)
            with torch.no_grad():
                outs = model(*ins)  # eager PyTorch: the reference
            d = os.path.join(OUT, name, f"T{t}B{b}")
            os.makedirs(d, exist_ok=True)
            for k, a in enumerate(ins):
                save_npy(os.path.join(d, f"in{k}.npy"), a)
            for k, a in enumerate(outs):
                save_npy(os.path.join(d, f"want{k}.npy"), a)
            if sess:
                got = sess.run(None, {n: a.numpy()
                                      for n, a in zip(in_names, ins)})
                for n, g, w in zip(out_names, got, outs):
                    err = np.max(np.abs(g - w.numpy()) /
                                 (1 + np.abs(w.numpy())))
                    if g.shape != tuple(w.shape) or err > 1e-5:
                        sys.exit(f"{name} T{t}B{b} {n}: onnxruntime differs "
                                 f"from PyTorch ({g.shape}, {err})")
    with open(OPS_FILE, "w") as f:
        f.write("# ONNX ops of each model of test/ONNX/Inputs/torch (Loop "
                "bodies included),\n# written by export_models.py (torch "
                f"{torch.__version__}, opset {OPSET}).\n")
        f.write("\n".join(op_lines) + "\n")


if __name__ == "__main__":
    main()

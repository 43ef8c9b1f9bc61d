#!/usr/bin/env python3
"""Recur against ONNX Runtime on the CPU, side by side in one run.

    bench/ort/run.sh [--quick] [--rows=NAME,...] [--min-time=SECONDS]

(run.sh makes the virtual environment and builds the tools, then runs this
with --build=DIR.) For each row: builds an ONNX model with onnx.helper and
random weights (fixed seed), compiles it with recur-compile (timed), runs it
with recur-run --benchmark and with onnxruntime, each with one thread and
with one per core, on the same inputs, checks that the outputs agree, and
prints one Markdown table of medians and ratios. docs/performance.md says
how to read it.

The models are the graphs PyTorch's TorchScript exporter (opset 17) writes,
built here directly rather than exported, so that the benchmark needs no
torch install (gigabytes, and only PyPI's CUDA build is reachable here; the
committed test fixtures in test/ONNX/Inputs/torch are real exports): nn.LSTM / nn.GRU become one LSTM / GRU node per
layer (gates in ONNX's order, W, R and B initializers, zero initial states
made with Shape/Gather/ConstantOfShape, Squeeze of the direction axis), and
a scripted `for t in range(x.shape[0])` loop becomes a Loop with Gather,
SequenceInsert and ConcatFromSequence (as test/ONNX/Inputs/torch/mingru.onnx
and selective_ssm.onnx, which were exported by torch, at larger sizes).
"""

import argparse
import ctypes
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OPSET = 17  # torch.onnx.export's default opset (TorchScript exporter)
IR_VERSION = 8  # what torch writes with opset 17
TOLERANCE = 1e-3  # max relative error above which a row is WRONG
F32 = TensorProto.FLOAT


# --- Graph building ----------------------------------------------------------


class Graph:
    """Nodes and initializers, named like the exporter names them."""

    def __init__(self):
        self.nodes, self.inits, self.counts = [], [], {}

    def fresh(self, op):
        n = self.counts.get(op, 0)
        self.counts[op] = n + 1
        return f"/{op}" if n == 0 else f"/{op}_{n}"

    def op(self, op, inputs, n_out=1, outputs=None, **attrs):
        name = self.fresh(op)
        if outputs is None:
            outputs = [f"{name}_output_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name,
                                           **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def const(self, value, dtype=np.int64):
        return self.op("Constant", [], value=numpy_helper.from_array(
            np.asarray(value, dtype=dtype)))

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(
            np.ascontiguousarray(array, dtype=np.float32), name))
        return name


def model(graph, name, inputs, outputs):
    g = helper.make_graph(graph.nodes, name, inputs, outputs, graph.inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)],
                          producer_name="recur-bench-ort")
    m.ir_version = IR_VERSION
    onnx.checker.check_model(m)
    return m


def tensor(name, dims):
    return helper.make_tensor_value_info(name, F32, dims)


def torch_uniform(rng, shape, fan):
    """PyTorch's RNN/Linear initialization: U(-1/sqrt(fan), 1/sqrt(fan))."""
    k = 1.0 / np.sqrt(fan)
    return rng.uniform(-k, k, size=shape).astype(np.float32)


def zeros_state(g, x, leading, trailing):
    """Exporter's torch.zeros(leading..., x.shape[1], trailing...)."""
    shape = g.op("Shape", [x])
    batch = g.op("Gather", [shape, g.const(1)], axis=0)
    batch = g.op("Unsqueeze", [batch, g.const([0])])
    parts = [g.const([d]) for d in leading] + [batch] + \
        [g.const([d]) for d in trailing]
    return g.op("ConstantOfShape", [g.op("Concat", parts, axis=0)],
                value=numpy_helper.from_array(np.zeros(1, np.float32)))


def rnn_model(cell, layers, I, H, seed):
    """nn.LSTM / nn.GRU(I, H, num_layers) called as rnn(x), x: [T, B, I].

    torch's weights are (i, f, g, o) for the LSTM and (r, z, n) for the GRU;
    the exporter reorders them into ONNX's (i, o, f, c) and (z, r, h), puts
    b_ih and b_hh side by side in B, and sets linear_before_reset=1 on the
    GRU (torch applies the reset gate after the recurrent matmul)."""
    rng = np.random.default_rng(seed)
    gates, order = (4, [0, 3, 1, 2]) if cell == "LSTM" else (3, [1, 0, 2])

    def onnx_order(w):  # [gates*H, ...] in torch's order -> ONNX's
        return np.concatenate([w[k * H:(k + 1) * H] for k in order])

    g = Graph()
    h0 = zeros_state(g, "x", [layers], [H])
    inp, hs, cs = "x", [], []
    for layer in range(layers):
        fan_in = I if layer == 0 else H
        w_ih = torch_uniform(rng, (gates * H, fan_in), H)
        w_hh = torch_uniform(rng, (gates * H, H), H)
        b_ih = torch_uniform(rng, (gates * H,), H)
        b_hh = torch_uniform(rng, (gates * H,), H)
        w = g.init(f"onnx::{cell}_W{layer}", onnx_order(w_ih)[None])
        r = g.init(f"onnx::{cell}_R{layer}", onnx_order(w_hh)[None])
        b = g.init(f"onnx::{cell}_B{layer}", np.concatenate(
            [onnx_order(b_ih), onnx_order(b_hh)])[None])
        if layers == 1:
            state = h0
        else:  # the exporter slices each layer's state out of h0
            state = g.op("Slice", [h0, g.const([layer]),
                                   g.const([layer + 1]), g.const([0])])
        attrs = {"hidden_size": H}
        if cell == "LSTM":
            y, yh, yc = g.op("LSTM", [inp, w, r, b, "", state, state],
                             n_out=3, **attrs)
            cs.append(yc)
        else:
            y, yh = g.op("GRU", [inp, w, r, b, "", state], n_out=2,
                         linear_before_reset=1, **attrs)
        hs.append(yh)
        last = layer == layers - 1
        inp = g.op("Squeeze", [y, g.const([1])],
                   outputs=["y"] if last else None)
    out_names = [("h_n", hs)] + ([("c_n", cs)] if cell == "LSTM" else [])
    for name, parts in out_names:
        if layers == 1:
            g.op("Identity", parts, outputs=[name])
        else:
            g.op("Concat", parts, outputs=[name], axis=0)
    outputs = [tensor("y", ["T", "B", H])] + \
        [tensor(n, [layers, "B", H]) for n, _ in out_names]
    return model(g, "main_graph", [tensor("x", ["T", "B", I])], outputs)


def loop_model(name, inputs, state_in, state_dims, body_fn, y_dims,
               inits=()):
    """A scripted `for t in range(x.shape[0])` loop as torch exports it:
    state = state_in; ys = []; for t: state = body(...); ys.append(out);
    returns (torch.stack(ys), state). body_fn(b, t, state) builds the body
    in Graph b and returns (new state, per-step output)."""
    g = Graph()
    for n, v in inits:
        g.init(n, v)
    state0 = state_in(g)
    seq = g.op("SequenceEmpty", [], dtype=F32)
    trip = g.op("Gather", [g.op("Shape", [inputs[0].name]), g.const(0)],
                axis=0)
    cond = g.const(True, np.bool_)
    b = Graph()
    b.counts = dict(g.counts)  # the exporter numbers on across the body
    new_state, out = body_fn(b, "t.1", "h.1")
    inserted = b.op("SequenceInsert", ["ys", out])
    cond_out = b.op("Identity", ["cond"])
    body = helper.make_graph(
        b.nodes, "sub_graph",
        [helper.make_tensor_value_info("t.1", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
         tensor("h.1", state_dims),
         helper.make_tensor_sequence_value_info("ys", F32, None)],
        [helper.make_tensor_value_info(cond_out, TensorProto.BOOL, []),
         tensor(new_state, state_dims),
         helper.make_tensor_sequence_value_info(inserted, F32, None)])
    g.counts = b.counts
    g.op("Loop", [trip, cond, state0, seq], outputs=["h_last", "ys_seq"],
         body=body)
    g.op("ConcatFromSequence", ["ys_seq"], outputs=["y"], axis=0, new_axis=1)
    return model(g, name, inputs,
                 [tensor("y", y_dims), tensor("h_last", state_dims)])


def gated_update(b, s, h, cand):
    """h' = (1 - s) * h + s * cand, the ops torch exports for it."""
    one_minus = b.op("Add", [b.op("Neg", [s]), b.const(1.0, np.float32)])
    return b.op("Add", [b.op("Mul", [one_minus, h]), b.op("Mul", [s, cand])])


def mingru_model(I, H, seed):
    """minGRU with its projections in the loop (test/gen/torch/
    export_models.py's MinGRU): z = sigmoid(wz(x_t)),
    h = (1 - z) * h + z * wh(x_t). Inputs x [T, B, I], h0 [B, H]."""
    rng = np.random.default_rng(seed)
    inits = [(n, torch_uniform(rng, s, I)) for n, s in [
        ("wz.weight", (H, I)), ("wz.bias", (H,)),
        ("wh.weight", (H, I)), ("wh.bias", (H,))]]

    def body(b, t, h):
        xt = b.op("Gather", ["x", t], axis=0)
        z = b.op("Sigmoid", [b.op("Gemm", [xt, "wz.weight", "wz.bias"],
                                  alpha=1.0, beta=1.0, transB=1)])
        cand = b.op("Gemm", [xt, "wh.weight", "wh.bias"], alpha=1.0,
                    beta=1.0, transB=1)
        h2 = gated_update(b, z, h, cand)
        return h2, h2

    return loop_model("main_graph", [tensor("x", ["T", "B", I]),
                                     tensor("h0", ["B", H])],
                      lambda g: "h0", ["B", H], body, ["T", "B", H], inits)


def mingru_scan_model(H):
    """minGRU's scan alone, the gates' pre-activations given:
    `s = sigmoid(z[t]); h = (1 - s) * h + s * c[t]`. A diagonal scan with
    its coefficients computed in the step (fused). Inputs z, c [T, B, H],
    h0 [B, H]."""

    def body(b, t, h):
        s = b.op("Sigmoid", [b.op("Gather", ["z", t], axis=0)])
        h2 = gated_update(b, s, h, b.op("Gather", ["c", t], axis=0))
        return h2, h2

    return loop_model("main_graph", [tensor("z", ["T", "B", H]),
                                     tensor("c", ["T", "B", H]),
                                     tensor("h0", ["B", H])],
                      lambda g: "h0", ["B", H], body, ["T", "B", H])


def mingru_scan_op_model(H):
    """The same scan as mingru_scan_model as one ONNX Scan (scan inputs z
    and c, state h, scan output y) rather than a Loop: ONNX Runtime runs
    the exporter's Loop + SequenceInsert in time quadratic in T (76 s for
    one call at T=65536 on this machine), the Scan in linear time."""
    b = Graph()
    s = b.op("Sigmoid", ["z_t"])
    h2 = gated_update(b, s, "h", "c_t")
    b.op("Identity", [h2], outputs=["h_out"])
    b.op("Identity", [h2], outputs=["y_t"])
    body = helper.make_graph(
        b.nodes, "scan_body",
        [tensor("h", ["B", H]), tensor("z_t", ["B", H]),
         tensor("c_t", ["B", H])],
        [tensor("h_out", ["B", H]), tensor("y_t", ["B", H])])
    g = Graph()
    g.op("Scan", ["h0", "z", "c"], outputs=["h_last", "y"], body=body,
         num_scan_inputs=2)
    return model(g, "main_graph", [tensor("z", ["T", "B", H]),
                                   tensor("c", ["T", "B", H]),
                                   tensor("h0", ["B", H])],
                 [tensor("y", ["T", "B", H]), tensor("h_last", ["B", H])])


def mamba_scan_model(D, N):
    """Mamba-1's selective scan with the projections given (the loop of
    test/gen/torch/export_models.py's SelectiveSSM without its Linear
    layers): h = exp(dt[t] * A) * h + (dt[t] * u[t]) * Bm[t];
    y[t] = sum_n h * Cm[t]. A = -exp(a_log) [D, N]. Inputs u, dt [T, B, D],
    Bm, Cm [T, B, N]; the state [B, D, N] starts at zero."""
    a_log = np.log(np.tile(np.arange(1, N + 1, dtype=np.float32), (D, 1)))

    def body(b, t, h):
        u, dt, bm, cm = (b.op("Gather", [n, t], axis=0)
                         for n in ("u", "dt", "Bm", "Cm"))
        da = b.op("Exp", [b.op("Mul", [b.op("Unsqueeze", [dt, b.const([-1])]),
                                       "/Neg_output_0"])])
        dbu = b.op("Mul", [b.op("Unsqueeze", [b.op("Mul", [dt, u]),
                                              b.const([-1])]),
                           b.op("Unsqueeze", [bm, b.const([1])])])
        h2 = b.op("Add", [b.op("Mul", [da, h]), dbu])
        y = b.op("ReduceSum", [b.op("Mul", [h2, b.op(
            "Unsqueeze", [cm, b.const([1])])]), b.const([-1])], keepdims=0)
        return h2, y

    def state(g):
        g.op("Neg", [g.op("Exp", ["a_log"])])  # /Neg_output_0: A
        return zeros_state(g, "u", [], [D, N])

    return loop_model("main_graph", [tensor(n, ["T", "B", d]) for n, d in
                                     [("u", D), ("dt", D), ("Bm", N),
                                      ("Cm", N)]],
                      state, ["B", D, N], body, ["T", "B", D],
                      [("a_log", a_log)])


# --- Rows --------------------------------------------------------------------


def uniform(rng, shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def rows(quick):
    """(name, description, model builder, input maker, bytes that must move
    or None, the recurrent cell's shape for its floor or None). `quick`
    shrinks T for a fast check of the harness."""
    t512, t4096 = (64, 256) if quick else (512, 4096)
    out = []

    def rnn_row(cell, layers, T, B, I, H):
        label = cell.lower() + (f"x{layers}" if layers > 1 else "")
        out.append((f"{label}-T{T}-B{B}-H{H}",
                    f"{cell} {layers} layer{'s' if layers > 1 else ''}, "
                    f"T={T} B={B} I={I} H={H}",
                    lambda: rnn_model(cell, layers, I, H, seed=1),
                    lambda rng: [uniform(rng, (T, B, I))], None,
                    dict(T=T, B=B, I=I, H=H, layers=layers,
                         gates=4 if cell == "LSTM" else 3)))

    rnn_row("LSTM", 1, t512, 1, 256, 256)
    rnn_row("LSTM", 1, t512, 16, 256, 256)
    rnn_row("GRU", 1, t512, 1, 256, 256)
    rnn_row("GRU", 1, t512, 16, 256, 256)
    rnn_row("GRU", 1, t4096, 1, 64, 64)
    rnn_row("LSTM", 2, t512, 1, 256, 256)

    T, B, H = t4096, 1, 256
    out.append((f"mingru-T{T}-B{B}-H{H}",
                f"minGRU loop with projections, T={T} B={B} I=H={H}",
                lambda: mingru_model(H, H, seed=2),
                lambda rng: [uniform(rng, (T, B, H)), uniform(rng, (B, H))],
                None, None))
    def scan_inputs(T):
        return lambda rng: [uniform(rng, (T, B, H), -3, 3),
                            uniform(rng, (T, B, H)), uniform(rng, (B, H))]

    out.append((f"mingru-scan-T{T}-B{B}-H{H}",
                f"minGRU scan (gates given), Loop, T={T} B={B} H={H}",
                lambda: mingru_scan_model(H), scan_inputs(T),
                4 * (3 * T * B * H + 2 * B * H), None))
    # The streaming row: 200 MB moved, far larger than the caches; an ONNX
    # Scan, since onnxruntime's Loop is quadratic in T (mingru_scan_op_model).
    Ts = 4096 if quick else 65536
    out.append((f"mingru-scanop-T{Ts}-B{B}-H{H}",
                f"minGRU scan (gates given), Scan op, T={Ts} B={B} H={H}",
                lambda: mingru_scan_op_model(H), scan_inputs(Ts),
                4 * (3 * Ts * B * H + 2 * B * H), None))
    # T=4096, not the 65536: one call of today's module takes
    # about 0.8 s at T=4096.
    D, N = 256, 16
    out.append((f"mamba-scan-T{T}-B{B}-D{D}-N{N}",
                f"Mamba selective scan (projections given), T={T} B={B} "
                f"D={D} N={N}",
                lambda: mamba_scan_model(D, N),
                lambda rng: [uniform(rng, (T, B, D)),
                             uniform(rng, (T, B, D), 0.001, 0.1),
                             uniform(rng, (T, B, N)),
                             uniform(rng, (T, B, N))],
                4 * (T * B * (3 * D + 2 * N) + B * D * N), None))
    return out


# --- Measuring ---------------------------------------------------------------


def median_ms(fn, min_time, max_calls=200):
    """Median wall time of fn() in ms after one warm-up call: at least three
    calls and min_time seconds, or as many as fit in 4 * min_time when
    three do not (at least one)."""
    fn()
    times, start = [], time.perf_counter()
    while True:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        spent = time.perf_counter() - start
        if len(times) >= max_calls:
            break
        if len(times) >= 3 and spent >= min_time:
            break
        if spent + times[-1] > 4 * min_time:
            break
    return 1e3 * statistics.median(times), len(times)


def ort_session(path, threads):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


BENCH_LINE = re.compile(r"benchmark: .*?(\d+) calls after a warm-up: "
                        r"min ([\d.e+-]+) ms, median ([\d.e+-]+) ms")


def recur_run(tool, rmod, in_files, out_files, threads, calls):
    cmd = [tool, rmod, f"--threads={threads}", f"--benchmark={calls}"]
    cmd += [f"--input=@{f}" for f in in_files]
    cmd += [f"--output=@{f}" for f in out_files]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\n{p.stderr.strip()}")
    m = BENCH_LINE.search(p.stdout)
    if not m:
        raise RuntimeError(f"no benchmark line in: {p.stdout!r}")
    return float(m.group(3))


def recur_median_ms(tool, rmod, in_files, out_files, threads, min_time):
    """recur-run's median: a short run to size a longer one, the same
    policy as median_ms (the warm-up call is recur-run's own)."""
    ms = recur_run(tool, rmod, in_files, out_files, threads, 3)
    calls = int(min(200, max(3, min_time * 1e3 / max(ms, 1e-3))))
    if ms * 3 > 4e3 * min_time:
        return ms, 3
    if calls > 3:
        ms = recur_run(tool, rmod, in_files, out_files, threads, calls)
    return ms, calls


def rel_err(got, want):
    """max |got - want| / max |want| over the outputs (the largest)."""
    worst = 0.0
    for g, w in zip(got, want):
        if g.shape != w.shape:
            return float("inf")
        scale = float(np.max(np.abs(w))) or 1.0
        worst = max(worst, float(np.max(np.abs(g.astype(np.float64) - w)))
                    / scale)
    return worst


STREAM_C = r"""
#include <pthread.h>
#include <stddef.h>
typedef struct { const float *a, *h, *b; float *o; size_t n; } Part;
static void *run(void *p) {
  Part *q = p;
  for (size_t i = 0; i < q->n; ++i) q->o[i] = q->a[i] * q->h[i] + q->b[i];
  return 0;
}
/* o = a * h + b over n floats on `threads` threads (at most 64). */
void axpb(const float *a, const float *h, const float *b, float *o, size_t n,
          int threads) {
  pthread_t t[64];
  Part p[64];
  int started[64] = {0};
  if (threads > 64) threads = 64;
  size_t chunk = (n + threads - 1) / threads;
  for (int k = 0; k < threads; ++k) {
    size_t lo = k * chunk, hi = lo + chunk < n ? lo + chunk : n;
    p[k] = (Part){a + lo, h + lo, b + lo, o + lo, hi > lo ? hi - lo : 0};
    if (k) started[k] = pthread_create(&t[k], 0, run, &p[k]) == 0;
  }
  run(&p[0]);
  for (int k = 1; k < threads; ++k) {
    if (started[k]) pthread_join(t[k], 0);
    else run(&p[k]);
  }
}
"""


def stream_bandwidth(tmp, threads_list, min_time):
    """GB/s of `o = a*h + b` over four 128 MiB arrays (16 bytes per
    element: three read, one written), compiled with -O3 -march=native;
    {threads: GB/s}, or {} without a C compiler."""
    cc = next((c for c in ("clang-22", "clang", "cc") if shutil.which(c)),
              None)
    if cc is None:
        return {}
    src, lib = os.path.join(tmp, "stream.c"), os.path.join(tmp, "stream.so")
    with open(src, "w") as f:
        f.write(STREAM_C)
    subprocess.run([cc, "-O3", "-march=native", "-shared", "-fPIC",
                    "-pthread", src, "-o", lib], check=True)
    axpb = ctypes.CDLL(lib).axpb
    n = 32 << 20
    arrays = [np.full(n, v, np.float32) for v in (0.5, 2.0, 1.0, 0.0)]
    ptrs = [a.ctypes.data_as(ctypes.c_void_p) for a in arrays]
    out = {}
    for threads in threads_list:
        ms, _ = median_ms(lambda: axpb(*ptrs, ctypes.c_size_t(n), threads),
                          min_time)
        out[threads] = 16 * n / (ms * 1e-3) / 1e9
    assert arrays[3][0] == 2.0 and arrays[3][-1] == 2.0
    return out


FLOOR_C = r"""
#include <pthread.h>
#include <stddef.h>
typedef float v16 __attribute__((vector_size(64), aligned(64)));
typedef struct { const v16 *w; const float *x; v16 *y; long tiles, k, steps;
                 long iters; float out; } Part;
/* Independent 16-float multiply-add chains, as many as the registers hold
   (12 of 32 zmm with AVX-512, 6 pairs of 16 ymm below): the core's peak. */
#ifdef __AVX512F__
#define CHAINS 12
#else
#define CHAINS 6
#endif
int fma_chains(void) { return CHAINS; }
static void *fma_run(void *p) {
  Part *q = p;
  v16 acc[CHAINS] = {0};
  v16 m = {0}, c = {0};
  for (int j = 0; j < 16; ++j) { m[j] = 0.999f; c[j] = 1e-3f * j; }
  for (long i = 0; i < q->iters; ++i)
    for (int a = 0; a < CHAINS; ++a) acc[a] = acc[a] * m + c;
  float s = 0;
  for (int a = 0; a < CHAINS; ++a) s += acc[a][0];
  q->out = s;
  return 0;
}
/* y = x W, W packed [tiles][k][4 x 16 floats], `steps` times: a B=1
   recurrence's step over weights that stay in this thread's caches. */
static void *mv_run(void *p) {
  Part *q = p;
  for (long s = 0; s < q->steps; ++s)
    for (long t = 0; t < q->tiles; ++t) {
      const v16 *w = q->w + t * q->k * 4;
      v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
      for (long k = 0; k < q->k; ++k) {
        float x = q->x[k];
        a0 += x * w[4 * k]; a1 += x * w[4 * k + 1];
        a2 += x * w[4 * k + 2]; a3 += x * w[4 * k + 3];
      }
      q->y[4 * t] = a0; q->y[4 * t + 1] = a1;
      q->y[4 * t + 2] = a2; q->y[4 * t + 3] = a3;
    }
  return 0;
}
/* Runs fn on p[0] here and p[1..threads) on threads of their own (at
   most 64 in all, as the callers' arrays); a thread that cannot start runs
   its part here afterwards. */
static void spread(void *(*fn)(void *), Part *p, int threads) {
  pthread_t t[64];
  int started[64] = {0};
  for (int i = 1; i < threads; ++i)
    started[i] = pthread_create(&t[i], 0, fn, &p[i]) == 0;
  fn(&p[0]);
  for (int i = 1; i < threads; ++i) {
    if (started[i]) pthread_join(t[i], 0);
    else fn(&p[i]);
  }
}
float fma_peak(long iters, int threads) {
  Part p[64] = {0};
  if (threads > 64) threads = 64;
  for (int i = 0; i < threads; ++i) p[i].iters = iters;
  spread(fma_run, p, threads);
  return p[0].out;
}
/* Each thread its own `tiles` tiles of 64 columns (w holds threads times
   as many), x [k], y [threads * tiles * 64]. */
void matvec(const float *w, const float *x, float *y, long tiles, long k,
            long steps, int threads) {
  Part p[64] = {0};
  if (threads > 64) threads = 64;
  for (int i = 0; i < threads; ++i)
    p[i] = (Part){(const v16 *)w + i * tiles * k * 4, x,
                  (v16 *)y + i * tiles * 4, tiles, k, steps, 0, 0};
  spread(mv_run, p, threads);
}
"""


def aligned_full(n, value):
    """n float32s of `value` at a 64-byte aligned address (the C probes
    load them as 64-byte vectors)."""
    buf = np.full(n + 16, value, np.float32)
    skip = (-buf.ctypes.data % 64) // 4
    return buf[skip:skip + n]


def floor_probes(tmp, threads_list, shapes, min_time):
    """The two rates a recurrent cell's floor is made of, measured with C
    (clang, -O3 -march=native): {threads: multiply-adds per second} at the
    core's peak (register-resident), and {(threads, weight bytes): seconds
    per step} of a matrix-vector product that reads a packed recurrent
    weight from the caches every step, each thread its share of the
    weight's 64-column tiles (as Recur's pool deals a step's tiles; the
    largest share counts). `shapes`: (K, N) weights. Empty without a C
    compiler."""
    cc = next((c for c in ("clang-22", "clang", "cc") if shutil.which(c)),
              None)
    if cc is None:
        return {}, {}
    src, lib = os.path.join(tmp, "floor.c"), os.path.join(tmp, "floor.so")
    with open(src, "w") as f:
        f.write(FLOOR_C)
    subprocess.run([cc, "-O3", "-march=native", "-shared", "-fPIC",
                    "-pthread", src, "-o", lib], check=True)
    so = ctypes.CDLL(lib)
    so.fma_peak.restype = ctypes.c_float
    chains = so.fma_chains()
    peak, mv = {}, {}
    iters = 1 << 22
    for threads in threads_list:
        threads_run = min(threads, 64)  # the probes' arrays
        ms, _ = median_ms(lambda: so.fma_peak(ctypes.c_long(iters), threads),
                          min_time / 4)
        peak[threads] = chains * 16 * iters * threads_run / (ms * 1e-3)
        for K, N in shapes:
            tiles = -(-N // 64 // threads_run) if N >= 64 else 1
            w = aligned_full(threads_run * tiles * K * 64, 1e-3)
            x = np.ones(K, np.float32)
            y = aligned_full(threads_run * tiles * 64, 0.0)
            steps = max(1, int(2e8 // w.nbytes))
            args = [a.ctypes.data_as(ctypes.c_void_p) for a in (w, x, y)]
            ms, _ = median_ms(lambda: so.matvec(*args, ctypes.c_long(tiles),
                                                ctypes.c_long(K),
                                                ctypes.c_long(steps),
                                                threads), min_time / 4)
            mv[(threads, K * N * 4)] = ms * 1e-3 / steps
    return peak, mv


def cell_floor_ms(cell, threads, peak, mv):
    """A lower bound on one call of an LSTM/GRU row: per layer, the input
    projection at the peak multiply-add rate, and per step the recurrent
    matrix product, whichever is slower of its multiply-adds at the peak
    and its weight read from the caches at the measured rate (gate math,
    copies and the threads' hand-offs not counted)."""
    T, B, I, H, G = (cell[k] for k in ("T", "B", "I", "H", "gates"))
    total, inputs = 0.0, I
    for _ in range(cell["layers"]):
        step = max(B * H * G * H / peak[threads],
                   mv[(threads, 4 * H * G * H)])
        total += T * B * inputs * G * H / peak[threads] + T * step
        inputs = H
    return total * 1e3


# --- Main --------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True,
                    help="build directory with bin/recur-compile, recur-run")
    ap.add_argument("--min-time", type=float, default=0.5,
                    help="seconds of timed calls per measurement")
    ap.add_argument("--rows", default="",
                    help="comma-separated substrings of the rows to run")
    ap.add_argument("--quick", action="store_true",
                    help="short sequences: checks the harness, not speed")
    ap.add_argument("--keep", help="directory to keep models and modules in")
    args = ap.parse_args()

    compile_tool = os.path.join(args.build, "bin", "recur-compile")
    run_tool = os.path.join(args.build, "bin", "recur-run")
    cores = os.cpu_count() or 1
    threads_list = [1] if cores == 1 else [1, cores]
    tmp = args.keep or tempfile.mkdtemp(prefix="recur-bench-ort-")
    os.makedirs(tmp, exist_ok=True)

    print(f"Recur vs onnxruntime {ort.__version__} on {cores} cores; "
          f"onnx {onnx.__version__}, numpy {np.__version__}; "
          f"{time.strftime('%Y-%m-%d', time.gmtime())}; "
          f"load average {os.getloadavg()[0]:.2f} at the start",
          flush=True)
    bandwidth = stream_bandwidth(tmp, threads_list, args.min_time)
    for t, gbs in bandwidth.items():
        print(f"streaming bandwidth (o = a*h + b, 512 MiB moved), "
              f"{t} thread{'s' if t > 1 else ''}: {gbs:.1f} GB/s", flush=True)

    table, failures = [], 0
    selected = [r for r in rows(args.quick)
                if not args.rows or any(s in r[0]
                                        for s in args.rows.split(","))]
    shapes = sorted({(c["H"], c["gates"] * c["H"])
                     for *_, c in selected if c})
    peak, mv = floor_probes(tmp, threads_list, shapes, args.min_time)
    for t in peak:
        rates = ", ".join(
            f"{w >> 10} KiB weight {mv[(t, w)] * 1e6:.2f} us/step "
            f"({w / mv[(t, w)] / 1e9:.0f} GB/s)"
            for (tt, w) in sorted(mv) if tt == t)
        print(f"floor rates, {t} thread{'s' if t > 1 else ''}: "
              f"{peak[t] / 1e9:.0f} G multiply-adds/s; matrix-vector from "
              f"cache: {rates}", flush=True)
    for name, desc, build, make_inputs, must_move, cell in selected:
        onnx_path = os.path.join(tmp, name + ".onnx")
        rmod = os.path.join(tmp, name + ".rmod")
        onnx.save(build(), onnx_path)
        t0 = time.perf_counter()
        p = subprocess.run([compile_tool, onnx_path, "-o", rmod],
                           capture_output=True, text=True)
        compile_s = time.perf_counter() - t0
        if p.returncode != 0:
            print(f"{name}: recur-compile failed:\n{p.stderr.strip()}",
                  file=sys.stderr)
            table.append((desc, "-", f"{compile_s:.2f}", "-", "-", "-", "-",
                          "-", "-", "COMPILE FAILED"))
            failures += 1
            continue

        inputs = make_inputs(np.random.default_rng(42))
        in_files = []
        for k, a in enumerate(inputs):
            in_files.append(os.path.join(tmp, f"{name}.in{k}.npy"))
            np.save(in_files[-1], a)

        for threads in threads_list:
            sess = ort_session(onnx_path, threads)
            feed = {i.name: a for i, a in zip(sess.get_inputs(), inputs)}
            want = sess.run(None, feed)
            ort_ms, _ = median_ms(lambda: sess.run(None, feed),
                                  args.min_time)
            sess = None  # stops its threads before recur-run runs
            out_files = [os.path.join(tmp, f"{name}.out{k}.npy")
                         for k in range(len(want))]
            try:
                recur_ms, _ = recur_median_ms(run_tool, rmod, in_files,
                                              out_files, threads,
                                              args.min_time)
            except RuntimeError as e:
                print(f"{name}: recur-run failed:\n{e}", file=sys.stderr)
                table.append((desc, threads, f"{compile_s:.2f}", "-",
                              f"{ort_ms:.2f}", "-", "-", "-", "-",
                              "RUN FAILED"))
                failures += 1
                continue
            err = rel_err([np.load(f) for f in out_files], want)
            verdict = f"{err:.1e}"
            if not err <= TOLERANCE:
                verdict += " WRONG"
                failures += 1
            bw = "-"
            if must_move and threads in bandwidth:
                gbs = must_move / (recur_ms * 1e-3) / 1e9
                bw = f"{gbs:.2f} ({100 * gbs / bandwidth[threads]:.0f}%)"
            floor = "-"
            if cell and threads in peak:
                floor = f"{cell_floor_ms(cell, threads, peak, mv):.2f}"
            table.append((desc, threads, f"{compile_s:.2f}",
                          f"{recur_ms:.2f}", f"{ort_ms:.2f}",
                          f"{ort_ms / recur_ms:.2f}", floor, bw,
                          f"{must_move / 1e6:.1f}" if must_move else "-",
                          verdict))
            print(f"  {name} threads={threads}: recur {recur_ms:.2f} ms, "
                  f"ort {ort_ms:.2f} ms, err {verdict}", flush=True)

    print()
    print("| model | threads | compile s | recur ms | onnxruntime ms | ratio "
          "| floor ms | recur GB/s (% of stream) | MB moved | max rel err |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
          "| ---: |")
    for row in table:
        print("| " + " | ".join(str(c) for c in row) + " |")
    print()
    print("ratio = onnxruntime ms / recur ms (above 1: Recur is faster). "
          "floor: a lower bound for LSTM/GRU rows from the floor rates (the "
          "projections at the peak multiply-add rate, each step's recurrent "
          "product at that rate or its weight's read from cache, whichever "
          "is slower). GB/s: the bytes that must move (inputs read once, "
          "outputs written once) over recur's time, against the streaming "
          "bandwidth at the same thread count.")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

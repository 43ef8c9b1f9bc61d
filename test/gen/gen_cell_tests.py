#!/usr/bin/env python3
"""Generates the execution tests of the ONNX cell decomposition.

Writes test/Passes/DecomposeCells/{lstm,gru,rnn}-*.mlir. Each case builds
small random inputs as dense constants, runs recur.lstm / recur.gru /
recur.rnn through --recur-reference-to-llvm (which decomposes the cell into
recur.recurrence ops and lowers those to loops) and prints every result; the
EXPECT lines next to it hold what numpy computes in float64 from ONNX's
equations (opset 14), written here from the ONNX operator documentation and
not from the C++ lowering: every batch entry is run on its own, a reverse
direction by walking its first seq_lens[b] inputs backwards (as ONNX Runtime's
ReverseSequence does), with explicit per-gate matrices.

Where ONNX is silent the reference follows ONNX Runtime, as the dialect
documents: activation_alpha / activation_beta are consumed in order by the
activations that take them; input_forget means f = 1 - i (after the input
gate's activation, the forget gate's peephole unused); clip clamps every
gate pre-activation (the LSTM's cell state is not clipped); an entry of
length 0 has zero y_h and y_c even with initial states.

Tolerance: the default 1e-5, relative to 1 + |expected|. Inputs have two
decimals and are exactly representable once read as f32, and the reference
computes from those very f32 values in float64, so the only difference is
float32 rounding in the compiled code: a few ulps (6e-8 each) per operation,
over at most 6 steps of sums of about 10 terms of order one (weights are in
[-0.5, 0.5], inputs in [-1, 1]), i.e. around 1e-6 at worst, ten times below
the tolerance. The one discontinuous activation, ThresholdedRelu, could flip
on a rounding difference; the generator checks that no pre-activation lies
within 1e-3 of its threshold and fails otherwise. Clip cases check that the
clip actually binds.

Seeded, so rerunning rewrites the same files:

    /usr/bin/python3 test/gen/gen_cell_tests.py
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlirgen  # noqa: E402  (the shared MLIR writer, next to this script)
from mlirgen import fmt_f32, tensor_type  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "Passes", "DecomposeCells")
SCRIPT = "test/gen/gen_cell_tests.py"

# ---------------------------------------------------------------------------
# Reference semantics (numpy, float64), from the ONNX operator docs
# ---------------------------------------------------------------------------

# Which activations take alpha and beta; the defaults of the corresponding
# ONNX operators where ONNX and ONNX Runtime agree on one (the tests give
# Affine, ThresholdedRelu and ScaledTanh explicit values).
TAKES = {
    "relu": (False, False), "tanh": (False, False), "sigmoid": (False, False),
    "affine": (True, True), "leakyrelu": (True, False),
    "thresholdedrelu": (True, False), "scaledtanh": (True, True),
    "hardsigmoid": (True, True), "elu": (True, False),
    "softsign": (False, False), "softplus": (False, False),
}
DEFAULT_ALPHA = {"leakyrelu": 0.01, "hardsigmoid": 0.2, "elu": 1.0}
DEFAULT_BETA = {"hardsigmoid": 0.5}


class Stats:
    """What a case's run saw: the smallest distance of a ThresholdedRelu
    input to its threshold, how many pre-activations the clip clamped and
    how many HardSigmoid values saturated at 0 and at 1."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.threshold_margin = np.inf
        self.clipped = 0
        self.saturated = [0, 0]


STATS = Stats()


def f32(v):
    """A scalar attribute as the f32 the compiled code reads."""
    return float(np.float32(v))


def resolve(names, alphas, betas):
    """[(name, alpha, beta)]: alphas and betas consumed in order by the
    activations that take them."""
    alphas, betas = list(alphas or []), list(betas or [])
    out = []
    for name in names:
        key = name.lower()
        takes_alpha, takes_beta = TAKES[key]
        alpha = beta = None
        if takes_alpha:
            alpha = alphas.pop(0) if alphas else DEFAULT_ALPHA[key]
        if takes_beta:
            beta = betas.pop(0) if betas else DEFAULT_BETA[key]
        out.append((key, None if alpha is None else f32(alpha),
                    None if beta is None else f32(beta)))
    assert not alphas and not betas, "unused activation_alpha/beta values"
    return out


def activate(act, x):
    name, alpha, beta = act
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "tanh":
        return np.tanh(x)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if name == "affine":
        return alpha * x + beta
    if name == "leakyrelu":
        return np.where(x >= 0, x, alpha * x)
    if name == "thresholdedrelu":
        STATS.threshold_margin = min(STATS.threshold_margin,
                                     float(np.min(np.abs(x - alpha))))
        return np.where(x > alpha, x, 0.0)
    if name == "scaledtanh":
        return alpha * np.tanh(beta * x)
    if name == "hardsigmoid":
        STATS.saturated[0] += int(np.sum(alpha * x + beta < 0.0))
        STATS.saturated[1] += int(np.sum(alpha * x + beta > 1.0))
        return np.minimum(np.maximum(alpha * x + beta, 0.0), 1.0)
    if name == "elu":
        return np.where(x >= 0, x, alpha * (np.exp(x) - 1.0))
    if name == "softsign":
        return x / (1.0 + np.abs(x))
    if name == "softplus":
        return np.log(1.0 + np.exp(x))
    raise ValueError(name)


def clipped(x, clip):
    if clip is None:
        return x
    STATS.clipped += int(np.sum(np.abs(x) > clip))
    return np.clip(x, -clip, clip)


def rnn_step(x, h, c, w, r, wb, rb, p, acts, clip, opts):
    # Ht = f(Xt*(Wi^T) + Ht-1*(Ri^T) + Wbi + Rbi)
    return activate(acts[0], clipped(w @ x + r @ h + wb + rb, clip)), None


def gru_step(x, h, c, w, r, wb, rb, p, acts, clip, opts):
    f, g = acts
    wz, wr, wh = np.split(w, 3)
    rz, rr, rh = np.split(r, 3)
    wbz, wbr, wbh = np.split(wb, 3)
    rbz, rbr, rbh = np.split(rb, 3)
    z = activate(f, clipped(wz @ x + rz @ h + wbz + rbz, clip))
    rt = activate(f, clipped(wr @ x + rr @ h + wbr + rbr, clip))
    if opts.get("linear_before_reset"):
        # ht = g(Xt*(Wh^T) + (rt (.) (Ht-1*(Rh^T) + Rbh)) + Wbh)
        hh = activate(g, clipped(wh @ x + rt * (rh @ h + rbh) + wbh, clip))
    else:
        # ht = g(Xt*(Wh^T) + (rt (.) Ht-1)*(Rh^T) + Rbh + Wbh)
        hh = activate(g, clipped(wh @ x + rh @ (rt * h) + rbh + wbh, clip))
    # Ht = (1 - zt) (.) ht + zt (.) Ht-1
    return (1.0 - z) * hh + z * h, None


def lstm_step(x, h, c, w, r, wb, rb, p, acts, clip, opts):
    f, g, hf = acts
    wi, wo, wf, wc = np.split(w, 4)
    ri, ro, rf, rc = np.split(r, 4)
    wbi, wbo, wbf, wbc = np.split(wb, 4)
    rbi, rbo, rbf, rbc = np.split(rb, 4)
    pi, po, pf = np.split(p, 3)
    # it = f(Xt*(Wi^T) + Ht-1*(Ri^T) + Pi (.) Ct-1 + Wbi + Rbi)
    i = activate(f, clipped(wi @ x + ri @ h + pi * c + wbi + rbi, clip))
    if opts.get("input_forget"):
        ft = 1.0 - i
    else:
        # ft = f(Xt*(Wf^T) + Ht-1*(Rf^T) + Pf (.) Ct-1 + Wbf + Rbf)
        ft = activate(f, clipped(wf @ x + rf @ h + pf * c + wbf + rbf, clip))
    # ct = g(Xt*(Wc^T) + Ht-1*(Rc^T) + Wbc + Rbc)
    ct = activate(g, clipped(wc @ x + rc @ h + wbc + rbc, clip))
    # Ct = ft (.) Ct-1 + it (.) ct
    c_new = ft * c + i * ct
    # ot = f(Xt*(Wo^T) + Ht-1*(Ro^T) + Po (.) Ct + Wbo + Rbo)
    o = activate(f, clipped(wo @ x + ro @ h + po * c_new + wbo + rbo, clip))
    # Ht = ot (.) h(Ct)
    return o * activate(hf, c_new), c_new


CELLS = {
    # kind: (gates, activations per direction, step, default activations)
    "rnn": (1, 1, rnn_step, ["Tanh"]),
    "gru": (3, 2, gru_step, ["Sigmoid", "Tanh"]),
    "lstm": (4, 3, lstm_step, ["Sigmoid", "Tanh", "Tanh"]),
}


def reference(kind, x, w, r, bias, lens, h0, c0, p, hidden, direction,
              acts, clip, layout, opts):
    """ONNX's outputs (Y, Y_h[, Y_c]) for the given inputs (None: absent)."""
    gates, _, step, _ = CELLS[kind]
    if layout == 1:
        x = x.transpose(1, 0, 2)
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        c0 = None if c0 is None else c0.transpose(1, 0, 2)
    steps, batch, _ = x.shape
    dirs = 2 if direction == "bidirectional" else 1
    per_dir = len(acts) // dirs
    if bias is None:
        bias = np.zeros((dirs, 2 * gates * hidden))
    if lens is None:
        lens = [steps] * batch
    if h0 is None:
        h0 = np.zeros((dirs, batch, hidden))
    if c0 is None:
        c0 = np.zeros((dirs, batch, hidden))
    if p is None:
        p = np.zeros((dirs, 3 * hidden))
    y = np.zeros((steps, dirs, batch, hidden))
    y_h = np.zeros((dirs, batch, hidden))
    y_c = np.zeros((dirs, batch, hidden))
    for d in range(dirs):
        reverse = direction == "reverse" or d == 1
        wb, rb = np.split(bias[d], 2)
        for b in range(batch):
            n = lens[b]
            h, c = h0[d, b], c0[d, b]
            # A reverse direction reads the entry's own n inputs backwards.
            for t in (reversed(range(n)) if reverse else range(n)):
                h, c_next = step(x[t, b], h, c, w[d], r[d], wb, rb, p[d],
                                 acts[d * per_dir:(d + 1) * per_dir], clip,
                                 opts)
                c = c if c_next is None else c_next
                y[t, d, b] = h
            if n > 0:
                y_h[d, b], y_c[d, b] = h, c
    if layout == 1:
        y = y.transpose(2, 0, 1, 3)
        y_h = y_h.transpose(1, 0, 2)
        y_c = y_c.transpose(1, 0, 2)
    return [y, y_h, y_c] if kind == "lstm" else [y, y_h]


# ---------------------------------------------------------------------------
# Random inputs
# ---------------------------------------------------------------------------

rng = np.random.default_rng(20240612)


def rand(shape, scale=1.0):
    """Uniform values in [-scale, scale] with two decimals, exactly what the
    test's f32 constants hold (the reference computes from the same f32
    values)."""
    return np.round(rng.uniform(-scale, scale, size=shape), 2).astype(
        np.float32)


def f64(a):
    return None if a is None else np.asarray(a, dtype=np.float32).astype(
        np.float64)


# ---------------------------------------------------------------------------
# MLIR emission (the shared pieces are in mlirgen.py)
# ---------------------------------------------------------------------------

class TestFile(mlirgen.TestFile):
    out_dir = OUT_DIR
    script = SCRIPT
    source = "ONNX's equations"


def cell_case(test, comment, kind, steps, batch, inputs, hidden,
              direction="forward", bias=False, lens=None, lens_type="i32",
              initial_h=False, initial_c=False, peepholes=False,
              activations=None, alpha=None, beta=None, clip=None, layout=0,
              dynamic_batch=None, dynamic_weights=False, weight_scale=0.5,
              saturate=False, **opts):
    """Adds one case: a cell over random inputs of the given sizes, its
    results printed and checked against the reference. `dynamic_batch`:
    None, "x" (only x's batch dimension is dynamic) or "all" (every operand
    and result with a batch dimension has it dynamic). `dynamic_weights`: w
    and r with every dimension dynamic."""
    gates, per_dir, _, defaults = CELLS[kind]
    dirs = 2 if direction == "bidirectional" else 1
    gh = gates * hidden
    x_shape = (steps, batch, inputs) if layout == 0 else (batch, steps, inputs)
    state_shape = (dirs, batch, hidden) if layout == 0 else (batch, dirs,
                                                             hidden)
    batch_dim = 1 if layout == 0 else 0
    state_batch_dim = 1 if layout == 0 else 0
    vals = {
        "x": rand(x_shape),
        "w": rand((dirs, gh, inputs), weight_scale),
        "r": rand((dirs, gh, hidden), weight_scale),
        "bias": rand((dirs, 2 * gh), 0.2) if bias else None,
        "lens": None if lens is None else np.array(lens, dtype=np.int64),
        "h0": rand(state_shape) if initial_h else None,
        "c0": rand(state_shape) if initial_c else None,
        "p": rand((dirs, 3 * hidden), 0.5) if peepholes else None,
    }
    acts = resolve(activations or defaults * dirs, alpha, beta)
    assert len(acts) == per_dir * dirs

    STATS.reset()
    want = reference(kind, *(f64(vals[k]) if k != "lens" else vals[k]
                             for k in ("x", "w", "r", "bias", "lens", "h0",
                                       "c0", "p")),
                     hidden, direction, acts,
                     None if clip is None else f32(clip), layout, opts)
    if any(a[0] == "thresholdedrelu" for a in acts):
        assert STATS.threshold_margin > 1e-3, (
            "%s: a ThresholdedRelu input lies within %g of its threshold; "
            "change the inputs" % (comment, STATS.threshold_margin))
    if clip is not None:
        assert STATS.clipped > 0, "%s: the clip never binds" % comment
    if saturate:
        assert min(STATS.saturated) > 0, (
            "%s: HardSigmoid does not saturate both ways" % comment)

    c = test.case(comment)

    def const(arr, elem, batch_axis):
        """A constant, cast to a dynamic batch where the case asks."""
        dyn = dynamic_batch == "all" or (dynamic_batch == "x" and
                                         batch_axis == "x")
        if batch_axis == "weight" and dynamic_weights:
            dims = tuple(range(arr.ndim))
        elif batch_axis not in (None, "weight") and dyn:
            dims = (batch_dim if batch_axis == "x" else batch_axis,)
        else:
            dims = ()
        return c.const(arr, elem, dims)

    x = const(vals["x"], "f32", "x")
    w = const(vals["w"], "f32", "weight")
    r = const(vals["r"], "f32", "weight")
    head = "recur.%s(%s, %s, %s : %s, %s, %s)" % (
        kind, x[0], w[0], r[0], x[1], w[1], r[1])
    groups = [("bias", "bias", None), ("seq_lens", "lens", 0),
              ("initial_h", "h0", state_batch_dim),
              ("initial_c", "c0", state_batch_dim),
              ("peepholes", "p", None)]
    for keyword, key, axis in groups:
        if vals[key] is None:
            continue
        elem = lens_type if key == "lens" else "f32"
        v, t = const(vals[key], elem, axis)
        head += " %s(%s : %s)" % (keyword, v, t)

    attrs = ["hidden_size = %d : i64" % hidden]
    if direction != "forward":
        attrs.append("direction = #recur<direction %s>" % direction)
    if activations:
        attrs.append("activations = [%s]"
                     % ", ".join('"%s"' % a for a in activations))
    if alpha:
        attrs.append("activation_alpha = [%s]"
                     % ", ".join("%s : f32" % fmt_f32(a) for a in alpha))
    if beta:
        attrs.append("activation_beta = [%s]"
                     % ", ".join("%s : f32" % fmt_f32(b) for b in beta))
    if clip is not None:
        attrs.append("clip = %s : f32" % fmt_f32(clip))
    if layout:
        attrs.append("layout = %d : i64" % layout)
    for key, value in sorted(opts.items()):
        attrs.append("%s = %s" % (key, "true" if value else "false"))

    result_batch_axes = [2 if layout == 0 else 0] + \
        [state_batch_dim] * (len(want) - 1)
    result_types = [
        tensor_type(arr.shape, "f32",
                    (axis,) if dynamic_batch == "all" else ())
        for arr, axis in zip(want, result_batch_axes)]
    names = [c.name(n) for n in ("y", "yh", "yc")[:len(want)]]
    c.ops.append("%s = %s {%s}" % (", ".join(names), head, ", ".join(attrs)))
    c.ops.append("    -> %s" % ", ".join(result_types))
    for v, t, arr in zip(names, result_types, want):
        c.print(v, t, arr)


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------

def gen_direction_tests(kind, title):
    """Directions, sequence lengths, initial states, bias, layout 1 and a
    dynamic batch for one cell."""
    t = TestFile("%s-directions.mlir" % kind, """
%s: directions, sequence lengths, initial states, bias, layout 1 and a
dynamic batch, with the default activations. An entry of length n runs
steps 0..n-1 (a reverse direction from n-1 down to 0); y is zero past n and
y_h%s is its last state.""" % (title, " / y_c" if kind == "lstm" else ""))
    lstm = kind == "lstm"
    cell_case(t, "Forward, nothing optional: zero initial states, no bias.",
              kind, 4, 2, 3, 3)
    cell_case(t, "Forward with bias, initial states and lengths [4, 2] "
              "(one full, one shorter).", kind, 4, 2, 3, 3, bias=True,
              lens=[4, 2], initial_h=True, initial_c=lstm)
    cell_case(t, "Reverse with bias and initial states: the recurrence "
              "starts at the last step.", kind, 5, 2, 3, 4, direction="reverse",
              bias=True, initial_h=True, initial_c=lstm)
    cell_case(t, "Reverse with lengths [2, 5, 3]: entry b starts at its own "
              "step len-1.", kind, 5, 3, 2, 3, direction="reverse", bias=True,
              lens=[2, 5, 3], initial_h=True, initial_c=lstm)
    cell_case(t, "Bidirectional with bias, initial states and lengths "
              "[3, 6, 1] (i64):\ny stacks the directions on axis 1, y_h on "
              "axis 0.", kind, 6, 3, 3, 4, direction="bidirectional",
              bias=True, lens=[3, 6, 1], lens_type="i64", initial_h=True,
              initial_c=lstm)
    cell_case(t, "Bidirectional, lengths [0, 4] with initial states: an "
              "entry of length 0 has\nzero outputs and zero final states "
              "(as ONNX Runtime), not its initial states.", kind, 4, 2, 3, 2,
              direction="bidirectional", bias=True, lens=[0, 4],
              initial_h=True, initial_c=lstm)
    cell_case(t, "Layout 1: x [B, T, I], y [B, T, D, H], states [B, D, H]; "
              "bidirectional\nwith lengths [5, 3].", kind, 5, 2, 3, 3,
              direction="bidirectional", bias=True, lens=[5, 3],
              initial_h=True, initial_c=lstm, layout=1)
    cell_case(t, "Layout 1, reverse, no optional inputs.", kind, 4, 3, 2, 3,
              direction="reverse", layout=1)
    cell_case(t, "w and r with every dimension dynamic, forward.", kind, 3, 2,
              3, 2, bias=True, initial_h=True, dynamic_weights=True)
    cell_case(t, "Dynamic batch everywhere (x, lengths, states and "
              "results), bidirectional.", kind, 4, 3, 3, 3,
              direction="bidirectional", bias=True, lens=[4, 2, 3],
              initial_h=True, initial_c=lstm, dynamic_batch="all")
    cell_case(t, "Dynamic batch in x only (initial states, lengths and "
              "results static),\nreverse, layout 1.", kind, 3, 2, 3, 2,
              direction="reverse", bias=True, lens=[1, 3], initial_h=True,
              initial_c=lstm, layout=1, dynamic_batch="x")
    t.write()


def gen_lstm_option_tests():
    t = TestFile("lstm-options.mlir", """
recur.lstm: peepholes, input_forget, clip and activations with alpha/beta.
With input_forget the forget gate is 1 - it (ONNX Runtime's reading); clip
clamps every gate pre-activation, peephole terms included, and not the cell
state.""")
    cell_case(t, "Peepholes, forward, with initial c (so Pi and Pf matter "
              "from step 0).", "lstm", 4, 2, 3, 3, bias=True,
              initial_h=True, initial_c=True, peepholes=True)
    cell_case(t, "Peepholes, bidirectional with lengths [2, 4]: Po looks at "
              "the new cell state.", "lstm", 4, 2, 2, 3,
              direction="bidirectional", bias=True, lens=[2, 4],
              initial_c=True, peepholes=True)
    cell_case(t, "input_forget: ft = 1 - it (the peephole Pf is unused).",
              "lstm", 5, 2, 3, 3, bias=True, initial_h=True, initial_c=True,
              peepholes=True, input_forget=True)
    cell_case(t, "input_forget, reverse, with lengths [3, 1].", "lstm", 4, 2,
              3, 2, direction="reverse", lens=[3, 1], initial_c=True,
              input_forget=True)
    cell_case(t, "clip = 0.4 with large weights: gate pre-activations are "
              "clamped to\n[-0.4, 0.4] before their activations.", "lstm", 4,
              2, 3, 3, bias=True, initial_h=True, initial_c=True,
              peepholes=True, clip=0.4, weight_scale=1.0)
    cell_case(t, "clip, bidirectional.", "lstm", 3, 2, 2, 2,
              direction="bidirectional", clip=0.7, weight_scale=1.0,
              initial_c=True)
    cell_case(t, "f = HardSigmoid(0.3, 0.6), g = Softsign, h = "
              "ScaledTanh(0.9, 1.3): alphas\n[0.3, 0.9] and betas "
              "[0.6, 1.3] consumed in order.", "lstm", 4, 2, 3, 3,
              bias=True, initial_c=True,
              activations=["HardSigmoid", "Softsign", "ScaledTanh"],
              alpha=[0.3, 0.9], beta=[0.6, 1.3])
    cell_case(t, "Bidirectional, per-direction activations: forward "
              "(HardSigmoid, Elu, Softplus),\nreverse (Sigmoid, Affine, "
              "LeakyRelu); alphas [0.3, 0.7, 0.8] and betas [0.6, 0.1]\n"
              "consumed in order: HardSigmoid(0.3, 0.6), Elu(0.7), "
              "Affine(0.8, 0.1), and\nLeakyRelu, the lists spent, its "
              "default 0.01.", "lstm", 4, 2, 3, 3,
              direction="bidirectional", bias=True, lens=[4, 3],
              initial_c=True,
              activations=["HardSigmoid", "Elu", "Softplus",
                           "Sigmoid", "Affine", "LeakyRelu"],
              alpha=[0.3, 0.7, 0.8], beta=[0.6, 0.1])
    t.write()


def gen_gru_option_tests():
    t = TestFile("gru-options.mlir", """
recur.gru: linear_before_reset, clip and activations with alpha/beta.
linear_before_reset = 1 applies the reset gate after the recurrent product:
rt (.) (Ht-1*Rh^T + Rbh); 0 (the default) before it: (rt (.) Ht-1)*Rh^T + Rbh.""")
    cell_case(t, "linear_before_reset = 1, forward, with bias (Rbh inside the "
              "reset product).", "gru", 5, 2, 3, 3, bias=True,
              initial_h=True, linear_before_reset=True)
    cell_case(t, "linear_before_reset = 0 spelled out: the same inputs' "
              "other reading.", "gru", 5, 2, 3, 3, bias=True,
              initial_h=True, linear_before_reset=False)
    cell_case(t, "linear_before_reset = 1, bidirectional, lengths [3, 1, 4].",
              "gru", 4, 3, 2, 3, direction="bidirectional", bias=True,
              lens=[3, 1, 4], initial_h=True, linear_before_reset=True)
    cell_case(t, "linear_before_reset = 1, layout 1, dynamic batch, reverse.",
              "gru", 4, 2, 3, 2, direction="reverse", bias=True,
              lens=[2, 4], initial_h=True, layout=1, dynamic_batch="all",
              linear_before_reset=True)
    cell_case(t, "clip = 0.5 with large weights (all three gates clamped, "
              "the h gate after the reset).", "gru", 4, 2, 3, 3, bias=True,
              initial_h=True, clip=0.5, weight_scale=1.0)
    cell_case(t, "clip with linear_before_reset = 1, reverse.", "gru", 4, 2,
              3, 3, direction="reverse", bias=True, initial_h=True, clip=0.6,
              weight_scale=1.0, linear_before_reset=True)
    cell_case(t, "f = HardSigmoid(0.25, 0.45), g = Elu(0.6).", "gru", 4, 2,
              3, 3, bias=True, initial_h=True,
              activations=["HardSigmoid", "Elu"], alpha=[0.25, 0.6],
              beta=[0.45])
    cell_case(t, "Bidirectional: forward (Sigmoid, Softsign), reverse "
              "(HardSigmoid with defaults,\nLeakyRelu with its default "
              "alpha 0.01): no alpha/beta given.", "gru", 4, 2, 2, 3,
              direction="bidirectional", bias=True, initial_h=True,
              activations=["Sigmoid", "Softsign", "HardSigmoid",
                           "LeakyRelu"])
    t.write()


def gen_rnn_option_tests():
    t = TestFile("rnn-activations.mlir", """
recur.rnn with each of ONNX's activation functions, alpha/beta given where
they take them (consumed in order across the two directions of a
bidirectional cell), and clip.""")
    cell_case(t, "Relu.", "rnn", 5, 2, 3, 4, bias=True, initial_h=True,
              activations=["Relu"])
    cell_case(t, "Sigmoid, reverse.", "rnn", 4, 2, 3, 3, bias=True,
              direction="reverse", activations=["Sigmoid"])
    cell_case(t, "Affine(0.7, 0.2) forward, ScaledTanh(1.5, 0.8) reverse: "
              "alphas [0.7, 1.5],\nbetas [0.2, 0.8].", "rnn", 4, 2, 3, 3,
              direction="bidirectional", bias=True, initial_h=True,
              activations=["Affine", "ScaledTanh"], alpha=[0.7, 1.5],
              beta=[0.2, 0.8])
    cell_case(t, "LeakyRelu(0.1) forward, ThresholdedRelu(0.15) reverse: "
              "alphas [0.1, 0.15].", "rnn", 4, 2, 3, 4,
              direction="bidirectional", bias=True, initial_h=True,
              activations=["LeakyRelu", "ThresholdedRelu"],
              alpha=[0.1, 0.15])
    cell_case(t, "HardSigmoid(0.8, 0.45) forward (saturating at both 0 and 1), "
              "Elu(0.9) reverse:\nalphas [0.8, 0.9], betas [0.45].", "rnn",
              4, 2, 3, 3, direction="bidirectional", bias=True,
              initial_h=True, activations=["HardSigmoid", "Elu"],
              alpha=[0.8, 0.9], beta=[0.45], weight_scale=1.0,
              saturate=True)
    cell_case(t, "Softsign forward, Softplus reverse, lengths [2, 4].", "rnn",
              4, 2, 3, 3, direction="bidirectional", bias=True,
              lens=[2, 4], initial_h=True,
              activations=["Softsign", "Softplus"])
    cell_case(t, "Tanh with clip = 0.3: pre-activations clamped to "
              "[-0.3, 0.3].", "rnn", 4, 2, 3, 3, bias=True, initial_h=True,
              clip=0.3, weight_scale=1.0, activations=["Tanh"])
    cell_case(t, "Relu with clip = 0.5, bidirectional, layout 1.", "rnn", 3,
              2, 3, 3, direction="bidirectional", bias=True, initial_h=True,
              clip=0.5, weight_scale=1.0, layout=1,
              activations=["Relu", "Relu"])
    t.write()


if __name__ == "__main__":
    gen_direction_tests("lstm", "recur.lstm")
    gen_direction_tests("gru", "recur.gru")
    gen_direction_tests("rnn", "recur.rnn")
    gen_lstm_option_tests()
    gen_gru_option_tests()
    gen_rnn_option_tests()

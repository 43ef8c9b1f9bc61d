#!/usr/bin/env python3
"""Generates the execution tests of recur.recurrence's sequential lowering.

Writes test/Passes/LowerToLoops/recurrence-*.mlir (all but
recurrence-loops.mlir, which is written by hand). Each case builds small
random inputs as dense constants, runs one recur.recurrence (in a function of
its own, so that sizes cast to `?` stay dynamic at run time) through
--recur-reference-to-llvm and prints its results; the EXPECT lines next to it
hold what numpy computes in float64 from the op's definition in
dialects/Recur/IR/RecurOps.td, written here independently of the lowering:
`reference_recurrence` steps through time as the definition reads, and every
body has its numpy twin. Seeded, so rerunning rewrites the same files:

    /usr/bin/python3 test/gen/gen_recurrence_tests.py

Tolerance: the default 1e-5 of numcheck. The bodies are contractive (tanh,
weights of norm below one), so float32 rounding stays a few ulps; a step out
of order, a wrong mask or a dropped step is off by O(0.1).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlirgen  # noqa: E402  (the shared MLIR writer, next to this script)
from mlirgen import tensor_type  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "Passes", "LowerToLoops")
SCRIPT = "test/gen/gen_recurrence_tests.py"


# ---------------------------------------------------------------------------
# Reference semantics (numpy, float64)
# ---------------------------------------------------------------------------

def reference_recurrence(step, inits, seqs, captures, axis=0, reverse=False,
                         lens=None):
    """recur.recurrence, as RecurOps.td defines it.

    `step(states, slices, captures)` returns (next states, step outputs).
    Steps run t = 0 .. T-1 (T-1 .. 0 with `reverse`); the slice of each
    sequence is its index t along `axis`, and each step output is stored at
    index t of its stacked result, along `axis`. With `lens`, batch entry b
    (dimension 0 of every state, slice and output) is active at step t only
    when t < lens[b]: an inactive step keeps the entry's state and writes
    zeros to its outputs. Returns the final states, then the stacked
    outputs."""
    T = seqs[0].shape[axis]
    states = [np.asarray(s, dtype=np.float64) for s in inits]
    # The step outputs' shapes, from one step on zeros (T may be 0).
    probe_slices = [np.zeros(s.shape[:axis] + s.shape[axis + 1:])
                    for s in seqs]
    _, probe_outs = step(states, probe_slices, captures)
    stacked = [np.zeros(y.shape[:axis] + (T,) + y.shape[axis:])
               for y in probe_outs]
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        slices = [np.take(s, t, axis=axis).astype(np.float64) for s in seqs]
        new_states, outs = step(states, slices, captures)
        if lens is not None:
            def active_like(v):
                active = np.array([t < n for n in lens])
                return active.reshape((-1,) + (1,) * (v.ndim - 1))
            new_states = [np.where(active_like(n), n, s)
                          for n, s in zip(new_states, states)]
            outs = [np.where(active_like(y), y, 0.0) for y in outs]
        states = new_states
        for acc, y in zip(stacked, outs):
            index = [slice(None)] * acc.ndim
            index[axis] = t
            acc[tuple(index)] = y
    return states + stacked


# ---------------------------------------------------------------------------
# Random inputs
# ---------------------------------------------------------------------------

rng = np.random.default_rng(20240623)


def rand(shape, lo=-1.0, hi=1.0):
    """Uniform values with two decimals, exactly what the test's f32
    constants hold (the reference computes from the same f32 values)."""
    return np.asarray(np.round(rng.uniform(lo, hi, size=shape), 2),
                      dtype=np.float32)


def weights(shape, norm=0.8):
    """A matrix scaled to spectral norm `norm`, so the recurrence is
    contractive and float32 rounding does not grow over the steps."""
    m = rng.uniform(-1, 1, size=shape)
    m *= norm / max(np.linalg.norm(m, 2), 1e-9)
    return np.round(m, 2).astype(np.float32)


# ---------------------------------------------------------------------------
# MLIR emission (the shared pieces are in mlirgen.py)
# ---------------------------------------------------------------------------

class Operand:
    """An operand of the recurrence: its value (a numpy array, or a Python
    float / int for an f32 / index scalar) and the dimensions made dynamic."""

    def __init__(self, value, dynamic=(), elem="f32"):
        self.value, self.dynamic, self.elem = value, tuple(dynamic), elem

    @property
    def is_tensor(self):
        return isinstance(self.value, np.ndarray)

    @property
    def shape(self):
        """The static shape with None at the dynamic dimensions."""
        return tuple(None if d in self.dynamic else s
                     for d, s in enumerate(self.value.shape))

    @property
    def type(self):
        if not self.is_tensor:
            return self.elem
        return tensor_type(self.shape, self.elem)


class Body:
    """A recurrence body: `emit(b, args)` writes its MLIR (through the
    BodyBuilder `b`; `args` are (name, shape) of the block arguments, shape
    None for a non-tensor) and returns the yielded (name, shape); `step` is
    its numpy meaning, as reference_recurrence takes it."""

    def __init__(self, emit, step):
        self.emit, self.step = emit, step


class BodyBuilder:
    """Fresh names and the few idioms the bodies need."""

    def __init__(self, case):
        self.case, self.lines = case, []
        self.index_constants = {}

    def name(self, base):
        return self.case.name(base)

    def op(self, text, base="v"):
        v = self.name(base)
        self.lines.append("%s = %s" % (v, text))
        return v

    def dim(self, value, shape, d):
        if d not in self.index_constants:
            self.index_constants[d] = self.op("arith.constant %d : index" % d,
                                              "i")
        return self.op("tensor.dim %s, %s : %s"
                       % (value, self.index_constants[d], tensor_type(shape)),
                       "dim")

    def filled(self, scalar, shape, dyn_sizes):
        """A tensor of `shape` filled with the f32 `scalar`; `dyn_sizes`
        are the index values of its dynamic dimensions, in order."""
        typ = tensor_type(shape)
        e = self.op("tensor.empty(%s) : %s" % (", ".join(dyn_sizes), typ),
                    "empty")
        return self.op("linalg.fill ins(%s : f32) outs(%s : %s) -> %s"
                       % (scalar, e, typ, typ), "fill")

    def zeros(self, shape, dyn_sizes):
        z = self.op("arith.constant 0.0 : f32", "zero")
        return self.filled(z, shape, dyn_sizes)

    def binary(self, op, a, b, shape):
        return self.op("arith.%s %s, %s : %s" % (op, a, b, tensor_type(shape)))

    def unary(self, op, a, shape):
        return self.op("%s %s : %s" % (op, a, tensor_type(shape)))


def dynamic_sizes(b, value, shape):
    """The dynamic sizes of `shape` read off `value` (of that shape)."""
    return [b.dim(value, shape, d) for d, s in enumerate(shape) if s is None]


# -- The bodies ---------------------------------------------------------------

def elman_vector_emit(b, args):
    """h' = tanh(W h + U x + c), h of shape [H]: linalg.matvec on captured
    matrices. Yields h', then h' and W h as step outputs."""
    (h, hs), (x, xs), (w, ws), (u, us), (c, cs) = args
    f = b.zeros(hs, [])
    wh = b.op("linalg.matvec ins(%s, %s : %s, %s) outs(%s : %s) -> %s"
              % (w, h, tensor_type(ws), tensor_type(hs), f, tensor_type(hs),
                 tensor_type(hs)), "wh")
    ux = b.op("linalg.matvec ins(%s, %s : %s, %s) outs(%s : %s) -> %s"
              % (u, x, tensor_type(us), tensor_type(xs), f, tensor_type(hs),
                 tensor_type(hs)), "ux")
    s = b.binary("addf", wh, ux, hs)
    s = b.binary("addf", s, c, hs)
    n = b.unary("math.tanh", s, hs)
    return [(n, hs), (n, hs), (wh, hs)]


def elman_vector_step(states, slices, caps):
    (h,), (x,), (w, u, c) = states, slices, caps
    wh = w @ h
    n = np.tanh(wh + u @ x + c)
    return [n], [n, wh]


ELMAN_VECTOR = Body(elman_vector_emit, elman_vector_step)


def elman_batch_body(outputs):
    """h' = tanh(h W + x U), h of shape [B, H], with linalg.matmul on
    captured matrices. `outputs` picks the step outputs among "h" (h') and
    "y" (h' V, of shape [B, O], V the third capture)."""

    def emit(b, args):
        (h, hs), (x, xs), (w, ws), (u, us) = args[:4]
        dyn = dynamic_sizes(b, h, hs)
        f = b.zeros(hs, dyn)
        hw = b.op("linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s"
                  % (h, w, tensor_type(hs), tensor_type(ws), f,
                     tensor_type(hs), tensor_type(hs)), "hw")
        xu = b.op("linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s"
                  % (x, u, tensor_type(xs), tensor_type(us), f,
                     tensor_type(hs), tensor_type(hs)), "xu")
        s = b.binary("addf", hw, xu, hs)
        n = b.unary("math.tanh", s, hs)
        yielded = [(n, hs)]
        for o in outputs:
            if o == "h":
                yielded.append((n, hs))
            else:
                v, vs = args[4]
                ys = (hs[0], vs[1])
                g = b.zeros(ys, dyn)
                y = b.op("linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) "
                         "-> %s" % (n, v, tensor_type(hs), tensor_type(vs), g,
                                    tensor_type(ys), tensor_type(ys)), "y")
                yielded.append((y, ys))
        return yielded

    def step(states, slices, caps):
        (h,), (x,) = states, slices
        n = np.tanh(h @ caps[0] + x @ caps[1])
        outs = [n if o == "h" else n @ caps[2] for o in outputs]
        return [n], outs

    return Body(emit, step)


def two_states_emit(b, args):
    """States a [B, F] and m [B]; sequences x [B, F] and z [B]; an f32
    capture alpha. a' = alpha a + x, m' = max(m, z); the step outputs are
    m' (the second state first) and a' * a (the new state times the old)."""
    (a, as_), (m, ms), (x, _), (z, _), (alpha, _) = args
    dyn = dynamic_sizes(b, a, as_)
    al = b.filled(alpha, as_, dyn)
    s = b.binary("mulf", al, a, as_)
    a2 = b.binary("addf", s, x, as_)
    m2 = b.binary("maximumf", m, z, ms)
    p = b.binary("mulf", a2, a, as_)
    return [(a2, as_), (m2, ms), (m2, ms), (p, as_)]


def two_states_step(states, slices, caps):
    (a, m), (x, z), (alpha,) = states, slices, caps
    a2 = alpha * a + x
    m2 = np.maximum(m, z)
    return [a2, m2], [m2, a2 * a]


TWO_STATES = Body(two_states_emit, two_states_step)


def scalar_emit(b, args):
    """Rank-0 state and slices: m = h x, h' = m + x; the step output is m."""
    (h, hs), (x, _) = args
    m = b.binary("mulf", h, x, hs)
    n = b.binary("addf", m, x, hs)
    return [(n, hs), (m, hs)]


def scalar_step(states, slices, caps):
    (h,), (x,) = states, slices
    return [h * x + x], [h * x]


SCALAR = Body(scalar_emit, scalar_step)


def map_emit(b, args):
    """No state: two step outputs, tanh(x) and x * x."""
    (x, xs), = args
    return [(b.unary("math.tanh", x, xs), xs),
            (b.binary("mulf", x, x, xs), xs)]


def map_step(states, slices, caps):
    (x,) = slices
    return [], [np.tanh(x), x * x]


MAP = Body(map_emit, map_step)


def delay_emit(b, args):
    """Yields block arguments as they are: the next state is the step's
    slice, the outputs the previous state and the capture (a delay line)."""
    (h, hs), (x, _), (w, _) = args
    return [(x, hs), (h, hs), (w, hs)]


def delay_step(states, slices, caps):
    return [slices[0]], [states[0], caps[0]]


DELAY = Body(delay_emit, delay_step)


def prefix_emit(b, args):
    """h' = tanh(h + x) over [B, F]; the step output is h'[:, :k], k an
    index capture, so its size is dynamic and only running the body tells
    it (the lowering probes the body on step 0)."""
    (h, hs), (x, _), (k, _) = args
    n = b.unary("math.tanh", b.binary("addf", h, x, hs), hs)
    ys = (hs[0], None)
    rows = dynamic_sizes(b, h, hs)[:1] if hs[0] is None else [str(hs[0])]
    y = b.op("tensor.extract_slice %s[0, 0] [%s, %s] [1, 1] : %s to %s"
             % (n, rows[0], k, tensor_type(hs), tensor_type(ys)), "y")
    return [(n, hs), (y, ys)]


def prefix_step(states, slices, caps):
    (h,), (x,), (k,) = states, slices, caps
    n = np.tanh(h + x)
    return [n], [n[:, :k]]


PREFIX = Body(prefix_emit, prefix_step)


def corner_emit(b, args):
    """As PREFIX, but the output is the corner h'[:r, :k], r and k index
    captures: two dynamic sizes, on either side of a time axis 1."""
    (h, hs), (x, _), (r, _), (k, _) = args
    n = b.unary("math.tanh", b.binary("addf", h, x, hs), hs)
    ys = (None, None)
    y = b.op("tensor.extract_slice %s[0, 0] [%s, %s] [1, 1] : %s to %s"
             % (n, r, k, tensor_type(hs), tensor_type(ys)), "y")
    return [(n, hs), (y, ys)]


def corner_step(states, slices, caps):
    (h,), (x,), (r, k) = states, slices, caps
    n = np.tanh(h + x)
    return [n], [n[:r, :k]]


CORNER = Body(corner_emit, corner_step)


def nested_emit(b, args):
    """A recurrence inside the body: for each outer step, an inner reverse
    recurrence a' = a z_s + x_t over the captured z [S, F], started from the
    outer state, with the outer slice x_t as its capture. h' = tanh(inner
    result); the step output is the inner result."""
    (h, hs), (x, _), (z, zs) = args
    ht, zt = tensor_type(hs), tensor_type(zs)
    a, zz, xc = b.name("a"), b.name("zt"), b.name("xc")
    inner = b.name("inner")
    b.lines += [
        "%s = recur.recurrence init(%s : %s) seq(%s : %s) captures(%s : %s) "
        "{reverse} -> %s {" % (inner, h, ht, z, zt, x, ht, ht),
        "^bb0(%s: %s, %s: %s, %s: %s):" % (a, ht, zz, ht, xc, ht)]
    m = b.name("m")
    n = b.name("n")
    b.lines += [
        "  %s = arith.mulf %s, %s : %s" % (m, a, zz, ht),
        "  %s = arith.addf %s, %s : %s" % (n, m, xc, ht),
        "  recur.yield %s : %s" % (n, ht),
        "}"]
    return [(b.unary("math.tanh", inner, hs), hs), (inner, hs)]


def nested_step(states, slices, caps):
    (h,), (x,), (z,) = states, slices, caps
    a = h
    for s in reversed(range(z.shape[0])):
        a = a * z[s] + x
    return [np.tanh(a)], [a]


NESTED = Body(nested_emit, nested_step)


# ---------------------------------------------------------------------------
# Test files and cases (the shared pieces are in mlirgen.py)
# ---------------------------------------------------------------------------

class Case(mlirgen.Case):
    def operand(self, operand):
        """Materializes the Operand `operand` in @main; returns its name."""
        if operand.is_tensor:
            return self.const(operand.value, operand.elem,
                              operand.dynamic)[0]
        v = self.name("s")
        text = (mlirgen.fmt_f32(operand.value) if operand.elem == "f32"
                else str(operand.value))
        self.ops.append("%s = arith.constant %s : %s"
                        % (v, text, operand.elem))
        return v


class TestFile(mlirgen.TestFile):
    """One generated test (`xfail`: see mlirgen.TestFile)."""

    out_dir = OUT_DIR
    script = SCRIPT
    case_class = Case


def drop(shape, axis):
    return shape[:axis] + shape[axis + 1:]


def recurrence_case(test, comment, body, inits, seqs, captures=(), axis=0,
                    reverse=False, lens=None):
    """Adds a case running `body` over Operands `inits`, `seqs`, `captures`
    (and `lens`, an Operand of integers) in a function of its own."""
    c = test.case(comment)
    operands = list(inits) + list(seqs) + list(captures)
    if lens is not None:
        operands.append(lens)
    names = [c.operand(o) for o in operands]

    # The function holding the recurrence.
    fn = "@case%d" % len(test.cases)
    args = ["%%arg%d" % i for i in range(len(operands))]
    b = BodyBuilder(c)
    n_init, n_seq = len(inits), len(seqs)
    block_names = [b.name("h") for _ in inits] + [b.name("x") for _ in seqs] \
        + [b.name("w") for _ in captures]
    block_shapes = [o.shape for o in inits] + \
        [drop(o.shape, axis) for o in seqs] + \
        [o.shape if o.is_tensor else None for o in captures]
    block_types = [o.type for o in inits] + \
        [tensor_type(drop(o.shape, axis)) for o in seqs] + \
        [o.type for o in captures]
    yielded = body.emit(b, list(zip(block_names, block_shapes)))
    steps = seqs[0].shape[axis]
    result_types = [o.type for o in inits] + [
        tensor_type(s[:axis] + (steps,) + s[axis:]) for _, s in
        yielded[n_init:]]
    yield_types = [tensor_type(s) for _, s in yielded]

    head = "%r = recur.recurrence" if len(result_types) == 1 else \
        "%%r:%d = recur.recurrence" % len(result_types)

    def group(keyword, lo, hi):
        if lo == hi:
            return ""
        return " %s(%s : %s)" % (keyword, ", ".join(args[lo:hi]), ", ".join(
            o.type for o in operands[lo:hi]))

    head += group("init", 0, n_init)
    head += group("seq", n_init, n_init + n_seq)
    head += group("captures", n_init + n_seq, n_init + n_seq + len(captures))
    if lens is not None:
        head += group("seq_lens", len(operands) - 1, len(operands))
    attrs = []
    if axis:
        attrs.append("time_axis = %d" % axis)
    if reverse:
        attrs.append("reverse")
    if attrs:
        head += " {%s}" % ", ".join(attrs)
    head += " -> %s {" % ", ".join(result_types)
    results = ["%r"] if len(result_types) == 1 else \
        ["%%r#%d" % k for k in range(len(result_types))]
    fn_body = [head, "^bb0(%s):" % ", ".join(
        "%s: %s" % (n, t) for n, t in zip(block_names, block_types))]
    fn_body += ["  " + l for l in b.lines]
    fn_body += ["  recur.yield %s : %s" % (
        ", ".join(v for v, _ in yielded), ", ".join(yield_types)), "}"]
    operand_types = [o.type for o in operands]
    test.funcs += ["// " + comment.strip().splitlines()[0]] + \
        mlirgen.func_def(fn, args, operand_types, result_types, fn_body,
                         results)

    line, outs = mlirgen.call(c.name("r"), fn, names, operand_types,
                              result_types)
    c.ops.append(line)

    def value(o):
        return o.value.astype(np.float64) if o.is_tensor else o.value

    want = reference_recurrence(
        body.step, [value(o) for o in inits], [value(o) for o in seqs],
        [value(o) for o in captures], axis=axis, reverse=reverse,
        lens=None if lens is None else [int(v) for v in lens.value])
    for out, typ, w in zip(outs, result_types, want):
        c.print(out, typ, w)


def T(value, dynamic=()):
    return Operand(value, dynamic)


def lens_of(values, elem="i32", dynamic=()):
    return Operand(np.array(values, dtype=np.int64), dynamic, elem)


def elman_vector_operands(steps, hidden=4, inputs=3):
    inits = [T(rand((hidden,)))]
    seqs = [T(rand((steps, inputs)))]
    caps = [T(weights((hidden, hidden))), T(weights((hidden, inputs))),
            T(rand((hidden,), -0.5, 0.5))]
    return inits, seqs, caps


def elman_batch_operands(steps, batch, hidden=3, inputs=2, outputs=0, axis=0,
                         dynamic_batch=False, dynamic_time=False):
    seq_shape = [batch, inputs]
    seq_shape.insert(axis, steps)
    seq_dyn = ([axis] if dynamic_time else []) + \
        ([1 if axis == 0 else 0] if dynamic_batch else [])
    inits = [T(rand((batch, hidden)), (0,) if dynamic_batch else ())]
    seqs = [T(rand(tuple(seq_shape)), seq_dyn)]
    caps = [T(weights((hidden, hidden))), T(weights((inputs, hidden)))]
    if outputs:
        caps.append(T(weights((hidden, outputs))))
    return inits, seqs, caps


# ---------------------------------------------------------------------------
# The files
# ---------------------------------------------------------------------------

def gen_nonlinear():
    t = TestFile("recurrence-nonlinear.mlir", """
recur.recurrence with nonlinear bodies: Elman cells h' = tanh(W h + U x + c)
on captured weights (linalg.matvec, linalg.matmul inside the body), whose
steps neither commute nor associate, so any step out of order shows; and a
recurrence nested in the body of another.""")
    inits, seqs, caps = elman_vector_operands(6)
    recurrence_case(t, "Elman cell on a vector state [4], T = 6, inputs [3]:\n"
                    "outputs h_t and W h_{t-1} (the matvec before the "
                    "update).",
                    ELMAN_VECTOR, inits, seqs, caps)
    inits, seqs, caps = elman_batch_operands(5, 2, outputs=4)
    recurrence_case(t, "Batched Elman cell, state [2, 3] (linalg.matmul), "
                    "T = 5:\noutputs h_t and the readout h_t V of shape "
                    "[2, 4].", elman_batch_body(["h", "y"]), inits, seqs,
                    caps)
    recurrence_case(t, "A reverse recurrence over a captured [4, 3] nested "
                    "in the body of one over\nT = 3: h' = tanh(inner), the "
                    "inner result as output.", NESTED, [T(rand((3,)))],
                    [T(rand((3, 3)))], [T(rand((4, 3)))])
    t.write()


def gen_multiple():
    t = TestFile("recurrence-multiple.mlir", """
recur.recurrence with several states, several sequences and several step
outputs of different shapes, yielded in an order other than the states';
with no state at all (a map over the steps); with no step output; and with
block arguments yielded as they are.""")
    B, F, steps = 3, 2, 5
    recurrence_case(
        t, "Two states a [3, 2] and m [3] from two sequences, an f32 capture"
        "\nalpha = 0.5: a' = alpha a + x, m' = max(m, z); outputs m' and "
        "a' * a.", TWO_STATES,
        [T(rand((B, F))), T(rand((B,)))],
        [T(rand((steps, B, F))), T(rand((steps, B)))],
        [Operand(0.5)])
    recurrence_case(t, "No init: a map over 4 steps with two outputs, "
                    "tanh(x) and x * x.", MAP, [], [T(rand((4, 3)))])
    inits, seqs, caps = elman_batch_operands(4, 2)
    recurrence_case(t, "No step outputs: only the final state of a batched "
                    "Elman cell.", elman_batch_body([]), inits, seqs, caps)
    recurrence_case(t, "A delay line: the next state is the slice x_t, the "
                    "outputs the previous\nstate and the captured w, yielded "
                    "straight from the block arguments.", DELAY,
                    [T(rand((3,)))], [T(rand((4, 3)))], [T(rand((3,)))])
    t.write()


def gen_reverse():
    t = TestFile("recurrence-reverse.mlir", """
recur.recurrence with `reverse`: steps run t = T-1 down to 0, each output
stored at the index of the step that produced it.""")
    inits, seqs, caps = elman_vector_operands(6)
    recurrence_case(t, "Reverse Elman cell, T = 6: output t holds h_t, which "
                    "saw x_{T-1} .. x_t.", ELMAN_VECTOR, inits, seqs, caps,
                    reverse=True)
    B, F, steps = 2, 3, 4
    recurrence_case(
        t, "Reverse with two states and outputs of different shapes.",
        TWO_STATES, [T(rand((B, F))), T(rand((B,)))],
        [T(rand((steps, B, F))), T(rand((steps, B)))], [Operand(-0.7)],
        reverse=True)
    recurrence_case(t, "Reverse delay line: output t is the state after "
                    "step t+1, the init at t = T-1.", DELAY,
                    [T(rand((2,)))], [T(rand((5, 2)))], [T(rand((2,)))],
                    reverse=True)
    inits, seqs, caps = elman_vector_operands(1)
    recurrence_case(t, "Reverse, T = 1.", ELMAN_VECTOR, inits, seqs, caps,
                    reverse=True)
    t.write()


def gen_seq_lens():
    t = TestFile("recurrence-seq-lens.mlir", """
recur.recurrence with seq_lens: batch entry b is active at step t only when
t < seq_lens[b]; an inactive step keeps the entry's state and writes zeros to
its outputs. Lengths include 0 (the state stays the init, every output zero)
and T (every step active), forward and reverse (where entry b runs from
t = seq_lens[b]-1 down to 0).""")
    inits, seqs, caps = elman_batch_operands(5, 4, outputs=2)
    recurrence_case(t, "Forward Elman cell, T = 5, lengths [0, 5, 2, 3] "
                    "(i32); outputs h_t [4, 3]\nand the readout [4, 2].",
                    elman_batch_body(["h", "y"]), inits, seqs, caps,
                    lens=lens_of([0, 5, 2, 3]))
    inits, seqs, caps = elman_batch_operands(5, 4, outputs=2)
    recurrence_case(t, "Reverse, lengths [3, 0, 5, 1] (i64).",
                    elman_batch_body(["h", "y"]), inits, seqs, caps,
                    reverse=True, lens=lens_of([3, 0, 5, 1], "i64"))
    B, F, steps = 3, 2, 4
    recurrence_case(
        t, "Two states, one of them [3] (the mask without broadcast), lengths"
        "\n[4, 1, 0].", TWO_STATES, [T(rand((B, F))), T(rand((B,)))],
        [T(rand((steps, B, F))), T(rand((steps, B)))], [Operand(0.9)],
        lens=lens_of([4, 1, 0]))
    recurrence_case(
        t, "Reverse, two states, lengths [2, 4, 3] (i64).", TWO_STATES,
        [T(rand((B, F))), T(rand((B,)))],
        [T(rand((steps, B, F))), T(rand((steps, B)))], [Operand(0.9)],
        reverse=True, lens=lens_of([2, 4, 3], "i64"))
    inits, seqs, caps = elman_batch_operands(4, 3)
    recurrence_case(t, "Lengths of dynamic size [?] (i32) on a static batch "
                    "of 3: [1, 4, 0].", elman_batch_body(["h"]), inits, seqs,
                    caps, lens=lens_of([1, 4, 0], dynamic=(0,)))
    inits, seqs, caps = elman_batch_operands(4, 3, dynamic_batch=True)
    recurrence_case(t, "Static lengths [3] on a dynamic batch: [2, 0, 4], "
                    "reverse.", elman_batch_body(["h"]), inits, seqs, caps,
                    reverse=True, lens=lens_of([2, 0, 4]))
    recurrence_case(t, "No init, lengths [2, 0, 3]: a map whose outputs are "
                    "zero past each length.", MAP, [],
                    [T(rand((3, 3, 2)))], lens=lens_of([2, 0, 3]))
    t.write()


def gen_time_axis():
    t = TestFile("recurrence-time-axis.mlir", """
recur.recurrence along a time axis other than 0: the step slice drops axis
time_axis of every sequence, and the outputs are stacked along it.""")
    inits, seqs, caps = elman_batch_operands(5, 2, outputs=3, axis=1)
    recurrence_case(t, "time_axis = 1: sequence [2, 5, 2] (batch first), "
                    "outputs [2, 5, 3] and [2, 5, 3].",
                    elman_batch_body(["h", "y"]), inits, seqs, caps, axis=1)
    inits, seqs, caps = elman_batch_operands(4, 2, axis=2)
    recurrence_case(t, "time_axis = 2: sequence [2, 2, 4], output "
                    "[2, 3, 4].", elman_batch_body(["h"]), inits, seqs, caps,
                    axis=2)
    inits, seqs, caps = elman_batch_operands(5, 3, outputs=2, axis=1)
    recurrence_case(t, "time_axis = 1, reverse, lengths [5, 0, 3].",
                    elman_batch_body(["y", "h"]), inits, seqs, caps, axis=1,
                    reverse=True, lens=lens_of([5, 0, 3]))
    t.write()


def gen_shapes():
    t = TestFile("recurrence-shapes.mlir", """
recur.recurrence at the edges of its shapes: T = 1, T = 0 (the final states
are the inits, the stacked outputs empty and printed as their shape) and
rank-0 states and slices.""")
    inits, seqs, caps = elman_vector_operands(1)
    recurrence_case(t, "T = 1: one Elman step.", ELMAN_VECTOR, inits, seqs,
                    caps)
    recurrence_case(t, "Rank-0 state and slices, T = 5: h' = h x + x, "
                    "output h x.", SCALAR, [T(rand(()))],
                    [T(rand((5,)))])
    recurrence_case(t, "Rank-0, T = 0: the final state is the init.", SCALAR,
                    [T(rand(()))], [T(rand((0,)))])
    inits, seqs, caps = elman_batch_operands(0, 2, outputs=3)
    recurrence_case(t, "T = 0 with a batch: outputs [0, 2, 3] and [0, 2, 3].",
                    elman_batch_body(["h", "y"]), inits, seqs, caps)
    t.write()


def gen_dynamic():
    t = TestFile("recurrence-dynamic.mlir", """
recur.recurrence with dynamic sizes: the constants are cast to `?` sizes and
the recurrence sits in a function of its own, so T, the batch and the step
outputs' sizes are only known at run time. A step output whose size follows
from no operand (a prefix of k columns, k a captured index) makes the
lowering run the body once on step 0 to size the stacked result.""")
    inits, seqs, caps = elman_vector_operands(7)
    seqs[0].dynamic = (0,)
    recurrence_case(t, "Dynamic T (7), Elman cell on a vector state.",
                    ELMAN_VECTOR, inits, seqs, caps)
    inits, seqs, caps = elman_batch_operands(4, 3, outputs=2,
                                             dynamic_batch=True)
    recurrence_case(t, "Dynamic batch (3), static T = 4, outputs [4, ?, 3] "
                    "and [4, ?, 2].", elman_batch_body(["h", "y"]), inits,
                    seqs, caps)
    inits, seqs, caps = elman_batch_operands(5, 2, outputs=2,
                                             dynamic_batch=True,
                                             dynamic_time=True)
    recurrence_case(t, "Dynamic T and batch, reverse, dynamic lengths "
                    "[4, 5].", elman_batch_body(["h", "y"]), inits, seqs,
                    caps, reverse=True, lens=lens_of([4, 5], dynamic=(0,)))
    B, F, steps = 3, 2, 4
    recurrence_case(
        t, "Every size dynamic, two states and lengths [0, 4, 2].",
        TWO_STATES, [T(rand((B, F)), (0, 1)), T(rand((B,)), (0,))],
        [T(rand((steps, B, F)), (0, 1, 2)), T(rand((steps, B)), (0, 1))],
        [Operand(0.25)], lens=lens_of([0, 4, 2], dynamic=(0,)))
    inits, seqs, caps = elman_batch_operands(0, 2, outputs=3,
                                             dynamic_time=True)
    recurrence_case(t, "Dynamic T = 0: the final state is the init, the "
                    "outputs empty.", elman_batch_body(["h", "y"]), inits,
                    seqs, caps)
    recurrence_case(t, "A step output of probed size: h_t[:, :k] with k = 2 "
                    "of 4 columns, T = 4.", PREFIX, [T(rand((2, 4)))],
                    [T(rand((4, 2, 4)))], [Operand(2, elem="index")])
    recurrence_case(t, "Probed size with dynamic T and batch, lengths "
                    "[3, 1, 0], k = 3.", PREFIX,
                    [T(rand((3, 4)), (0,))], [T(rand((5, 3, 4)), (0, 1))],
                    [Operand(3, elem="index")], lens=lens_of([3, 1, 0]))
    recurrence_case(t, "Probed size, reverse, k = 4 (every column).", PREFIX,
                    [T(rand((2, 4)))], [T(rand((3, 2, 4)))],
                    [Operand(4, elem="index")], reverse=True)
    recurrence_case(t, "Probed sizes around time axis 1: the corner "
                    "h_t[:2, :3] of [3, 4],\nstacked as [2, 5, 3].", CORNER,
                    [T(rand((3, 4)))], [T(rand((3, 5, 4)), (1,))],
                    [Operand(2, elem="index"), Operand(3, elem="index")],
                    axis=1)
    t.write()


def gen_zero_size():
    t = TestFile("recurrence-zero-size.mlir", """
recur.recurrence over sequences with a static size-0 dimension other than
time (a batch of 0, a state of 0 features): the steps hold no data, but the
other states must still step and the results keep their shapes.""")
    inits, seqs, caps = elman_batch_operands(4, 0, outputs=2)
    recurrence_case(t, "A batch of 0 with lengths of 0 entries, T = 4.",
                    elman_batch_body(["h", "y"]), inits, seqs, caps,
                    lens=lens_of([]))
    recurrence_case(
        t, "Two states, a [2, 0] empty and m [2] not: m still steps.",
        TWO_STATES, [T(rand((2, 0))), T(rand((2,)))],
        [T(rand((3, 2, 0))), T(rand((3, 2)))], [Operand(0.5)])
    t.write()


if __name__ == "__main__":
    gen_nonlinear()
    gen_multiple()
    gen_reverse()
    gen_seq_lens()
    gen_time_axis()
    gen_shapes()
    gen_dynamic()
    gen_zero_size()

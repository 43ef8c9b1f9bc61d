#!/usr/bin/env python3
"""Generates the execution tests of the sequential scan lowerings.

Writes test/Passes/LowerToLoops/scan-*.mlir and linear-scan-*.mlir. Each case
builds small random inputs as dense constants, runs recur.scan or
recur.linear_scan through --recur-reference-to-llvm, and prints the results;
the EXPECT lines next to it hold what numpy computes in float64 from the ops'
definitions in dialects/Recur/IR/RecurOps.td, written here independently of
the lowering (scans fold each output's terms from scratch; linear scans build
every transition as an explicit matrix). Seeded, so rerunning rewrites the
same files:

    /usr/bin/python3 test/gen/gen_scan_tests.py
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlirgen  # noqa: E402  (the shared MLIR writer, next to this script)
from mlirgen import tensor_type  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "Passes", "LowerToLoops")
SCRIPT = "test/gen/gen_scan_tests.py"


# ---------------------------------------------------------------------------
# Reference semantics (numpy, float64)
# ---------------------------------------------------------------------------

def ref_scan(xs, combine, axis, init=None, exclusive=False, reverse=False):
    """recur.scan: out_t folds, left to right with `combine`, init (if any)
    then x_0 .. x_t (x_0 .. x_{t-1} when exclusive); in reverse the elements
    run from x_{T-1} down to x_t (x_{t+1})."""
    T = xs[0].shape[axis]
    outs = [np.zeros(x.shape) for x in xs]
    for t in range(T):
        if not reverse:
            folded = range(0, t if exclusive else t + 1)
        else:
            folded = range(T - 1, t if exclusive else t - 1, -1)
        terms = [init] if init is not None else []
        terms += [tuple(np.take(x, s, axis=axis) for x in xs) for s in folded]
        value = terms[0]
        for term in terms[1:]:
            value = combine(value, term)
        for out, v in zip(outs, value):
            index = [slice(None)] * out.ndim
            index[axis] = t
            out[tuple(index)] = v
    return outs


def block_diag(blocks):
    """The dense matrix with `blocks` ([g, k, k]) on its diagonal."""
    g, k, _ = blocks.shape
    m = np.zeros((g * k, g * k))
    for i in range(g):
        m[i * k:(i + 1) * k, i * k:(i + 1) * k] = blocks[i]
    return m


def transition(structure, coeffs, h, batch_dims):
    """A_t h, one batch entry at a time, every matrix spelled out in full."""
    out = np.empty_like(h)
    for idx in np.ndindex(*h.shape[:batch_dims]):
        unit = h[idx]
        if structure in ("scalar", "diagonal"):
            out[idx] = coeffs[0][idx] * unit
            continue
        n = unit.shape[0]
        if structure == "dense":
            a = coeffs[0][idx]
        elif structure == "block_diagonal":
            a = block_diag(coeffs[0][idx])
        elif structure == "identity_plus_low_rank":
            u, v = coeffs[0][idx], coeffs[1][idx]
            a = np.eye(n) + u @ v.T
        else:
            raise ValueError(structure)
        out[idx] = (a @ unit.reshape(n, -1)).reshape(unit.shape)
    return out


def ref_linear_scan(structure, coeffs, b, axis, batch_dims, init=None,
                    lens=None, reverse=False):
    """recur.linear_scan: h_t = A_t h_{t-1} + b_t; steps of batch entry e at
    t >= lens[e] keep the state and output zero. Returns (states, last)."""
    b_t = np.moveaxis(b, axis, 0)
    coeffs_t = [np.moveaxis(c, axis, 0) for c in coeffs]
    T, state_shape = b_t.shape[0], b_t.shape[1:]
    h = np.zeros(state_shape) if init is None else init.astype(np.float64)
    states = np.zeros(b_t.shape)
    for t in (reversed(range(T)) if reverse else range(T)):
        new = transition(structure, [c[t] for c in coeffs_t], h, batch_dims)
        new = new + b_t[t]
        active = np.ones(state_shape, dtype=bool)
        if lens is not None:
            for e in range(state_shape[0]):
                active[e] = t < lens[e]
        states[t] = np.where(active, new, 0.0)
        h = np.where(active, new, h)
    return np.moveaxis(states, 0, axis), h


# ---------------------------------------------------------------------------
# Random inputs
# ---------------------------------------------------------------------------

rng = np.random.default_rng(20240611)


def rand(shape, lo=-1.0, hi=1.0):
    """Uniform values with two decimals, exactly what the test's f32
    constants hold (the reference computes from the same f32 values)."""
    return np.round(rng.uniform(lo, hi, size=shape), 2).astype(np.float32)


def near_identity(shape, scale=0.3):
    """Stacks of square matrices I + scale * noise, so products of a few stay
    of order one."""
    n = shape[-1]
    m = np.eye(n) + scale * rng.uniform(-1, 1, size=shape)
    return np.round(m, 2).astype(np.float32)


def f64(a):
    return None if a is None else np.asarray(a, dtype=np.float32).astype(
        np.float64)


# ---------------------------------------------------------------------------
# MLIR emission (the shared pieces are in mlirgen.py)
# ---------------------------------------------------------------------------

class Case(mlirgen.Case):
    """A case whose op may be outlined into a function of its own."""

    def emit(self, operands, build, outlined):
        """Emits the op that `build` makes from the names of `operands`
        ([(value, type)]; it returns its lines and its [(result, type)]),
        inline in @main, or, when `outlined`, in a function of its own that
        @main calls, where dynamic sizes stay dynamic at run time (in @main,
        canonicalization would fold them back to the constants' sizes).
        Returns the results' names in @main."""
        if not outlined:
            lines, results = build([v for v, _ in operands])
            self.ops += lines
            return [v for v, _ in results]
        args = [self.name("arg") for _ in operands]
        lines, results = build(args)
        self.test.counter += 1
        fn = "@case%d" % self.test.counter
        first = self.comment.strip().splitlines()[0]
        self.test.funcs += [
            "// Outlined, so its sizes stay dynamic: " + first
        ] + mlirgen.func_def(fn, args, [t for _, t in operands],
                             [t for _, t in results], lines,
                             [v for v, _ in results])
        line, outs = mlirgen.call(self.name("r"), fn,
                                  [v for v, _ in operands],
                                  [t for _, t in operands],
                                  [t for _, t in results])
        self.ops.append(line)
        return outs


class TestFile(mlirgen.TestFile):
    out_dir = OUT_DIR
    script = SCRIPT
    case_class = Case


# ---------------------------------------------------------------------------
# recur.scan cases
# ---------------------------------------------------------------------------

class Combiner:
    """A combiner: its MLIR body (from the names of the accumulated values,
    the elements and the step types) and its numpy meaning."""

    def __init__(self, arity, body, fn):
        self.arity, self.body, self.fn = arity, body, fn


def elementwise(op):
    def body(case, acc, elem, types):
        s = case.name("s")
        return (["%s = arith.%s %s, %s : %s" % (s, op, acc[0], elem[0],
                                                types[0])], [s])
    return body


ADD = Combiner(1, elementwise("addf"), lambda a, e: (a[0] + e[0],))
MAX = Combiner(1, elementwise("maximumf"),
               lambda a, e: (np.maximum(a[0], e[0]),))


def matmul_body(case, acc, elem, types):
    z, m = case.name("z"), case.name("m")
    t = types[0]
    return ([
        "%s = arith.constant dense<0.0> : %s" % (z, t),
        "%s = linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s"
        % (m, acc[0], elem[0], t, t, z, t, t)], [m])


# Products of 2x2 matrices: associative, not commutative, so the order of
# the combiner's arguments shows.
MATMUL = Combiner(1, matmul_body, lambda a, e: (a[0] @ e[0],))


def affine_body(case, acc, elem, types):
    a, m, b = case.name("a"), case.name("m"), case.name("b")
    return ([
        "%s = arith.mulf %s, %s : %s" % (a, acc[0], elem[0], types[0]),
        "%s = arith.mulf %s, %s : %s" % (m, elem[0], acc[1], types[1]),
        "%s = arith.addf %s, %s : %s" % (b, m, elem[1], types[1])], [a, b])


# Composition of affine maps x -> a x + b, first (a1, b1) then (a2, b2):
# the tuple scan of linear recurrences, associative and not commutative.
AFFINE = Combiner(2, affine_body,
                  lambda acc, e: (acc[0] * e[0], e[0] * acc[1] + e[1]))


def scan_case(test, comment, xs, combiner, axis=0, init=None,
              exclusive=False, reverse=False, dynamic=()):
    """Adds a recur.scan case over inputs `xs` (f32 arrays); `dynamic` names
    the dimensions of the inputs made dynamic (and of the inits, minus the
    time axis)."""
    c = test.case(comment)
    ins = [c.const(x, dynamic=dynamic) for x in xs]
    step_dyn = tuple(d if d < axis else d - 1 for d in dynamic if d != axis)
    step_types = [tensor_type(x.shape[:axis] + x.shape[axis + 1:],
                              dynamic=step_dyn) for x in xs]
    inits = [c.const(i, dynamic=step_dyn) for i in init] if init else []
    attrs = []
    if axis:
        attrs.append("time_axis = %d : i64" % axis)
    if exclusive:
        attrs.append("exclusive")
    if reverse:
        attrs.append("reverse")
    n = len(xs)
    in_types = [t for _, t in ins]

    def build(names):
        results = c.name("r")
        head = "%s%s = recur.scan(%s : %s)" % (
            results, ":%d" % n if n > 1 else "", ", ".join(names[:n]),
            ", ".join(in_types))
        if inits:
            head += " init(%s : %s)" % (", ".join(names[n:]),
                                        ", ".join(t for _, t in inits))
        if attrs:
            head += " {%s}" % ", ".join(attrs)
        head += " -> %s {" % ", ".join(in_types)
        acc = [c.name("acc") for _ in xs]
        elem = [c.name("e") for _ in xs]
        body, yielded = combiner.body(c, acc, elem, step_types)
        lines = [head, "^bb0(%s):" % ", ".join(
            "%s: %s" % (v, t) for v, t in zip(acc + elem, step_types * 2))]
        lines += ["  " + l for l in body]
        lines += ["  recur.yield %s : %s" % (", ".join(yielded),
                                             ", ".join(step_types)), "}"]
        return lines, [(results + ("#%d" % k if n > 1 else ""), t)
                       for k, t in enumerate(in_types)]

    outs = c.emit(ins + inits, build, outlined=bool(dynamic))
    want = ref_scan([f64(x) for x in xs], combiner.fn, axis,
                    init=tuple(f64(i) for i in init) if init else None,
                    exclusive=exclusive, reverse=reverse)
    for out, typ, w in zip(outs, in_types, want):
        c.print(out, typ, w)


def affine_pair(shape):
    """(a, b) for AFFINE: a in [0.5, 1] keeps the composed maps tame."""
    return [rand(shape, 0.5, 1.0), rand(shape)]


def gen_scan_tests():
    t = TestFile("scan-inclusive.mlir", """
recur.scan, inclusive (the default): out_t = [init (+)] x_0 (+) ... (+) x_t.""")
    scan_case(t, "Cumulative sum over a prime number of steps (T = 7), no "
              "init:\nstep 0's output is x_0 itself.", [rand((7, 3))], ADD)
    scan_case(t, "Cumulative sum with init: out_t = init + x_0 + ... + x_t.",
              [rand((7, 3))], ADD, init=[rand((3,))])
    scan_case(t, "Running maximum, no init.", [rand((7, 4))], MAX)
    scan_case(t, "T = 1, no init: the output is the input.", [rand((1, 3))],
              ADD)
    scan_case(t, "T = 1 with init: out_0 = init (+) x_0.", [rand((1, 3))],
              ADD, init=[rand((3,))])
    scan_case(t, "Products of 2x2 matrices (not commutative): out_t = "
              "x_0 x_1 ... x_t.", [near_identity((5, 2, 2))], MATMUL)
    scan_case(t, "Matrix products with init: out_t = init x_0 ... x_t.",
              [near_identity((4, 2, 2))], MATMUL,
              init=[near_identity((2, 2))])
    t.write()

    t = TestFile("scan-exclusive.mlir", """
recur.scan with `exclusive` (init required): out_0 = init,
out_t = init (+) x_0 (+) ... (+) x_{t-1}.""")
    scan_case(t, "Exclusive cumulative sum, T = 7.", [rand((7, 3))], ADD,
              init=[rand((3,))], exclusive=True)
    scan_case(t, "Exclusive, T = 1: the output is init.", [rand((1, 3))], ADD,
              init=[rand((3,))], exclusive=True)
    scan_case(t, "Exclusive matrix products: out_t = init x_0 ... x_{t-1}.",
              [near_identity((5, 2, 2))], MATMUL,
              init=[near_identity((2, 2))], exclusive=True)
    t.write()

    t = TestFile("scan-reverse.mlir", """
recur.scan with `reverse`: from the last element to the first, the
accumulated value always the combiner's first argument:
out_t = [init (+)] x_{T-1} (+) ... (+) x_t.""")
    scan_case(t, "Reverse cumulative sum, T = 7, no init.", [rand((7, 3))],
              ADD, reverse=True)
    scan_case(t, "Reverse cumulative sum with init.", [rand((7, 3))], ADD,
              init=[rand((3,))], reverse=True)
    scan_case(t, "Reverse matrix products: out_t = x_{T-1} ... x_t (not "
              "x_t ... x_{T-1}).", [near_identity((5, 2, 2))], MATMUL,
              reverse=True)
    scan_case(t, "Reverse exclusive matrix products with init:\n"
              "out_{T-1} = init, out_t = init x_{T-1} ... x_{t+1}.",
              [near_identity((5, 2, 2))], MATMUL,
              init=[near_identity((2, 2))], exclusive=True, reverse=True)
    scan_case(t, "Reverse, T = 1.", [near_identity((1, 2, 2))], MATMUL,
              reverse=True)
    t.write()

    t = TestFile("scan-tuple.mlir", """
recur.scan over two operands at once: composition of affine maps,
(a1, b1) (+) (a2, b2) = (a1 a2, a2 b1 + b2), associative and not
commutative (the scan form of h_t = a_t h_{t-1} + b_t).""")
    scan_case(t, "Forward, T = 7, no init.", affine_pair((7, 3)), AFFINE)
    scan_case(t, "Forward with init (a0, b0).", affine_pair((6, 3)), AFFINE,
              init=affine_pair((3,)))
    scan_case(t, "Reverse, no init.", affine_pair((7, 3)), AFFINE,
              reverse=True)
    scan_case(t, "Exclusive with init.", affine_pair((5, 2)), AFFINE,
              init=affine_pair((2,)), exclusive=True)
    scan_case(t, "Reverse exclusive with init.", affine_pair((5, 2)), AFFINE,
              init=affine_pair((2,)), exclusive=True, reverse=True)
    t.write()

    t = TestFile("scan-time-axis.mlir", """
recur.scan along a time axis other than 0.""")
    scan_case(t, "time_axis = 1: cumulative sum of [2, 7, 3] along its 7.",
              [rand((2, 7, 3))], ADD, axis=1)
    scan_case(t, "time_axis = 2, exclusive with init.", [rand((2, 3, 5))],
              ADD, axis=2, init=[rand((2, 3))], exclusive=True)
    scan_case(t, "time_axis = 1, reverse tuple scan with init.",
              affine_pair((3, 5)), AFFINE, axis=1, init=affine_pair((3,)),
              reverse=True)
    scan_case(t, "time_axis = 1, matrix products of [2, 5, 2]: element t is "
              "x[:, t, :].", [np.moveaxis(near_identity((5, 2, 2)), 0, 1)],
              MATMUL, axis=1)
    t.write()

    t = TestFile("scan-dynamic.mlir", """
recur.scan with a dynamic number of steps (and other dynamic sizes): the
constants are cast to dynamic shapes, so T is only known at run time. T = 0
gives empty results (printed as their shape).""")
    scan_case(t, "Dynamic T (7), cumulative sum, no init.", [rand((7, 3))],
              ADD, dynamic=(0,))
    scan_case(t, "Every size dynamic, reverse with init.", [rand((6, 4))],
              ADD, init=[rand((4,))], reverse=True, dynamic=(0, 1))
    scan_case(t, "Dynamic T, exclusive tuple scan.", affine_pair((5, 3)),
              AFFINE, init=affine_pair((3,)), exclusive=True, dynamic=(0,))
    scan_case(t, "Dynamic T, time_axis = 1, reverse, no init.",
              [rand((2, 7))], ADD, axis=1, reverse=True, dynamic=(0, 1))
    scan_case(t, "T = 0 (dynamic), no init: an empty [0, 3] result.",
              [rand((0, 3))], ADD, dynamic=(0,))
    scan_case(t, "T = 0 (dynamic), reverse, no init.", [rand((0, 3))], ADD,
              reverse=True, dynamic=(0, 1))
    scan_case(t, "T = 0 (static), exclusive with init.", [rand((0, 3))], ADD,
              init=[rand((3,))], exclusive=True)
    t.write()


# ---------------------------------------------------------------------------
# recur.linear_scan cases
# ---------------------------------------------------------------------------

def linear_scan_case(test, comment, structure, coeffs, b, axis=0,
                     batch_dims=0, init=None, lens=None, lens_type="i32",
                     reverse=False, dynamic="none"):
    """Adds a recur.linear_scan case. `dynamic`: "none"; "time" (T only);
    "b" (every size of b and init, coefficients static); "all" (every size of
    every operand)."""
    c = test.case(comment)

    def seq_dynamic(arr):
        if dynamic == "time":
            return (axis,)
        if dynamic == "all" or (dynamic == "b" and arr is b):
            return tuple(range(arr.ndim))
        return ()

    operands = [c.const(x, dynamic=seq_dynamic(x)) for x in coeffs]
    bv, b_type = c.const(b, dynamic=seq_dynamic(b))
    operands.append((bv, b_type))
    state_dyn = () if dynamic in ("none", "time") else tuple(
        range(b.ndim - 1))
    state_type = tensor_type(b.shape[:axis] + b.shape[axis + 1:],
                             dynamic=state_dyn)
    if init is not None:
        operands.append(c.const(init, dynamic=state_dyn))
    if lens is not None:
        operands.append(c.const(np.array(lens, dtype=np.int64),
                                elem=lens_type,
                                dynamic=(0,) if dynamic == "all" else ()))
    attrs = []
    if axis:
        attrs.append("time_axis = %d : i64" % axis)
    if batch_dims:
        attrs.append("batch_dims = %d : i64" % batch_dims)
    if reverse:
        attrs.append("reverse")
    k = len(coeffs)

    def build(names):
        hs, last = c.name("hs"), c.name("last")
        line = "%s, %s = recur.linear_scan %s a(%s : %s) b(%s : %s)" % (
            hs, last, structure, ", ".join(names[:k]),
            ", ".join(t for _, t in operands[:k]), names[k], b_type)
        rest = list(zip(names[k + 1:], operands[k + 1:]))
        if init is not None:
            v, (_, t) = rest.pop(0)
            line += " init(%s : %s)" % (v, t)
        if lens is not None:
            v, (_, t) = rest.pop(0)
            line += " seq_lens(%s : %s)" % (v, t)
        if attrs:
            line += " {%s}" % ", ".join(attrs)
        line += " -> %s, %s" % (b_type, state_type)
        return [line], [(hs, b_type), (last, state_type)]

    hs, last = c.emit(operands, build, outlined=dynamic != "none")
    states, final = ref_linear_scan(structure, [f64(x) for x in coeffs],
                                    f64(b), axis, batch_dims, init=f64(init),
                                    lens=lens, reverse=reverse)
    c.print(hs, b_type, states)
    c.print(last, state_type, final)


def delta_rule(T, lead, dk, r):
    """u = -beta k, v = k (the delta rule's I - beta k k^T), k of unit
    norm and beta in [0, 1], over leading dims `lead`; shapes
    [T, *lead, dk, r]."""
    k = rng.uniform(-1, 1, size=(T,) + lead + (dk, r))
    k /= np.linalg.norm(k, axis=-2, keepdims=True) * np.sqrt(r)
    beta = rng.uniform(0, 1, size=(T,) + lead + (1, r))
    u = np.round(-beta * k, 2).astype(np.float32)
    v = np.round(k, 2).astype(np.float32)
    return [u, v]


def contraction(shape):
    """Matrices of size n with entries in [-1/n, 1/n], so norm below one."""
    n = shape[-1]
    return rand(shape, -1.0 / n, 1.0 / n)


def gen_linear_scan_tests():
    t = TestFile("linear-scan-scalar.mlir", """
recur.linear_scan with structure `scalar`: one decay per unit (shape
S[:batch_dims]), broadcast over the unit.""")
    linear_scan_case(t, "Linear attention with a scalar decay: state "
                     "[B, H, dk, dv] = [2, 2, 3, 2],\nbatch_dims = 2, T = 5, "
                     "with init.", "scalar", [rand((5, 2, 2), 0.5, 1)],
                     rand((5, 2, 2, 3, 2)), batch_dims=2,
                     init=rand((2, 2, 3, 2)))
    linear_scan_case(t, "The same without init (zero).", "scalar",
                     [rand((5, 2, 2), 0.5, 1)], rand((5, 2, 2, 3, 2)),
                     batch_dims=2)
    linear_scan_case(t, "batch_dims = 0: one decay per step for the whole "
                     "state [4], T = 7.", "scalar", [rand((7,), 0.5, 1)],
                     rand((7, 4)), init=rand((4,)))
    linear_scan_case(t, "Gated linear attention, batch_dims = 3 over "
                     "[2, 2, 3, 2].", "scalar", [rand((4, 2, 2, 3), 0.5, 1)],
                     rand((4, 2, 2, 3, 2)), batch_dims=3)
    t.write()

    t = TestFile("linear-scan-diagonal.mlir", """
recur.linear_scan with structure `diagonal`: an elementwise decay of the
state's shape.""")
    linear_scan_case(t, "Mamba: state [B, D, N] = [2, 3, 4], T = 6, with "
                     "init.", "diagonal", [rand((6, 2, 3, 4), 0.3, 1)],
                     rand((6, 2, 3, 4)), init=rand((2, 3, 4)))
    linear_scan_case(t, "No init, T = 7.", "diagonal", [rand((7, 3), -1, 1)],
                     rand((7, 3)))
    linear_scan_case(t, "T = 1: h_0 = a_0 init + b_0.", "diagonal",
                     [rand((1, 4))], rand((1, 4)), init=rand((4,)))
    linear_scan_case(t, "batch_dims = 1 (no effect on a diagonal "
                     "transition).", "diagonal", [rand((5, 2, 3))],
                     rand((5, 2, 3)), batch_dims=1, init=rand((2, 3)))
    t.write()

    t = TestFile("linear-scan-block-diagonal.mlir", """
recur.linear_scan with structure `block_diagonal`: blocks [n/k, k, k] acting
on the unit's first dimension.""")
    linear_scan_case(t, "State [B, n] = [2, 6], batch_dims = 1, k = 2 (three "
                     "blocks), T = 5, init.", "block_diagonal",
                     [contraction((5, 2, 3, 2, 2))], rand((5, 2, 6)),
                     batch_dims=1, init=rand((2, 6)))
    linear_scan_case(t, "Matrix state [n, c] = [6, 2], batch_dims = 0, k = 3, "
                     "no init, T = 7:\nthe blocks act on every column.",
                     "block_diagonal", [contraction((7, 2, 3, 3))],
                     rand((7, 6, 2)))
    linear_scan_case(t, "One block (k = n = 4): a dense transition.",
                     "block_diagonal", [contraction((4, 1, 4, 4))],
                     rand((4, 4)), init=rand((4,)))
    linear_scan_case(t, "k = 1: a diagonal transition, batch_dims = 1.",
                     "block_diagonal", [rand((5, 2, 3, 1, 1))],
                     rand((5, 2, 3)), batch_dims=1)
    t.write()

    t = TestFile("linear-scan-low-rank.mlir", """
recur.linear_scan with structure `identity_plus_low_rank`: A_t = I + u v^T,
u and v of shape S[:batch_dims] ++ [n, r] (the delta rule: u = -beta k,
v = k).""")
    linear_scan_case(t, "Delta rule, matrix state [dk, dv] = [4, 3], r = 1, "
                     "T = 6, init.", "identity_plus_low_rank",
                     delta_rule(6, (), 4, 1), rand((6, 4, 3)),
                     init=rand((4, 3)))
    linear_scan_case(t, "batch_dims = 1, state [2, 4, 3], r = 2, no init.",
                     "identity_plus_low_rank", delta_rule(5, (2,), 4, 2),
                     rand((5, 2, 4, 3)), batch_dims=1)
    linear_scan_case(t, "Multi-head delta rule, batch_dims = 2, state "
                     "[B, H, dk, dv] = [2, 2, 3, 2], r = 1.",
                     "identity_plus_low_rank", delta_rule(4, (2, 2), 3, 1),
                     rand((4, 2, 2, 3, 2)), batch_dims=2,
                     init=rand((2, 2, 3, 2)))
    linear_scan_case(t, "A vector state [5], T = 7, arbitrary u and v.",
                     "identity_plus_low_rank",
                     [rand((7, 5, 2), -0.3, 0.3), rand((7, 5, 2), -0.3, 0.3)],
                     rand((7, 5)), init=rand((5,)))
    t.write()

    t = TestFile("linear-scan-dense.mlir", """
recur.linear_scan with structure `dense`: A_t of shape S[:batch_dims] ++
[n, n], (A h)[i, ...] = sum_j A[i, j] h[j, ...].""")
    linear_scan_case(t, "State [B, n] = [2, 3], batch_dims = 1, T = 7, init.",
                     "dense", [contraction((7, 2, 3, 3))], rand((7, 2, 3)),
                     batch_dims=1, init=rand((2, 3)))
    linear_scan_case(t, "Matrix state [n, c] = [3, 2], batch_dims = 0, no "
                     "init.", "dense", [contraction((5, 3, 3))],
                     rand((5, 3, 2)))
    linear_scan_case(t, "batch_dims = 2, state [2, 2, 3], T = 4.", "dense",
                     [contraction((4, 2, 2, 3, 3))], rand((4, 2, 2, 3)),
                     batch_dims=2, init=rand((2, 2, 3)))
    t.write()

    t = TestFile("linear-scan-reverse.mlir", """
recur.linear_scan with `reverse`: steps run from t = T-1 down to 0 and h_t
is stored at t.""")
    linear_scan_case(t, "Scalar, batch_dims = 1, init.", "scalar",
                     [rand((6, 2), 0.5, 1)], rand((6, 2, 3)), batch_dims=1,
                     init=rand((2, 3)), reverse=True)
    linear_scan_case(t, "Diagonal, no init, T = 7.", "diagonal",
                     [rand((7, 2, 3))], rand((7, 2, 3)), reverse=True)
    linear_scan_case(t, "Block-diagonal, k = 2, init.", "block_diagonal",
                     [contraction((5, 2, 2, 2))], rand((5, 4, 2)),
                     init=rand((4, 2)), reverse=True)
    linear_scan_case(t, "Delta rule, init.", "identity_plus_low_rank",
                     delta_rule(5, (), 3, 1), rand((5, 3, 2)),
                     init=rand((3, 2)), reverse=True)
    linear_scan_case(t, "Dense, batch_dims = 1, no init.", "dense",
                     [contraction((6, 2, 3, 3))], rand((6, 2, 3)),
                     batch_dims=1, reverse=True)
    t.write()

    t = TestFile("linear-scan-seq-lens.mlir", """
recur.linear_scan with `seq_lens` (dimension 0 of the state is the batch):
entry e is active at steps t < seq_lens[e]; an inactive step keeps the state
and outputs zero. Lengths include 0 and the full T.""")
    linear_scan_case(t, "Diagonal, B = 4, T = 7, lengths [0, 7, 3, 1] (i32), "
                     "init.", "diagonal", [rand((7, 4, 3))], rand((7, 4, 3)),
                     init=rand((4, 3)), lens=[0, 7, 3, 1])
    linear_scan_case(t, "Dense, batch_dims = 1, lengths [5, 0, 2] (i64), no "
                     "init.", "dense", [contraction((5, 3, 3, 3))],
                     rand((5, 3, 3)), batch_dims=1, lens=[5, 0, 2],
                     lens_type="i64")
    linear_scan_case(t, "Reverse diagonal, lengths [0, 6, 2]: entry e runs "
                     "from t = len-1 down to 0.", "diagonal",
                     [rand((6, 3, 2))], rand((6, 3, 2)), init=rand((3, 2)),
                     lens=[0, 6, 2], reverse=True)
    linear_scan_case(t, "Delta rule, batch_dims = 1, lengths [4, 1, 0].",
                     "identity_plus_low_rank", delta_rule(4, (3,), 4, 1),
                     rand((4, 3, 4, 2)), batch_dims=1, init=rand((3, 4, 2)),
                     lens=[4, 1, 0])
    linear_scan_case(t, "Scalar, batch_dims = 1, lengths [2, 5, 0].",
                     "scalar", [rand((5, 3), 0.5, 1)], rand((5, 3, 2)),
                     batch_dims=1, init=rand((3, 2)), lens=[2, 5, 0])
    linear_scan_case(t, "Reverse block-diagonal, batch_dims = 1, lengths "
                     "[3, 5].", "block_diagonal",
                     [contraction((5, 2, 2, 2, 2))], rand((5, 2, 4)),
                     batch_dims=1, lens=[3, 5], reverse=True)
    linear_scan_case(t, "A vector state [B] = [3] (rank 1), lengths "
                     "[1, 0, 4].", "diagonal", [rand((4, 3))], rand((4, 3)),
                     init=rand((3,)), lens=[1, 0, 4])
    linear_scan_case(t, "A rank-1 state whose batch size is dynamic while "
                     "seq_lens is static: the mask is cast to match.",
                     "diagonal", [rand((4, 3))], rand((4, 3)), lens=[1, 0, 4],
                     dynamic="b")
    t.write()

    t = TestFile("linear-scan-time-axis.mlir", """
recur.linear_scan with the time axis elsewhere than dimension 0: b and every
coefficient carry it at `time_axis`.""")
    linear_scan_case(t, "Diagonal, b [B, T, D] = [2, 7, 3], time_axis = 1, "
                     "init.", "diagonal", [rand((2, 7, 3))], rand((2, 7, 3)),
                     axis=1, init=rand((2, 3)))
    linear_scan_case(t, "Dense, time_axis = 1, batch_dims = 1, reverse, "
                     "lengths [4, 2].", "dense",
                     [contraction((2, 4, 3, 3))], rand((2, 4, 3)), axis=1,
                     batch_dims=1, lens=[4, 2], reverse=True)
    u, v = delta_rule(5, (2,), 4, 1)
    linear_scan_case(t, "Delta rule, time_axis = 2: b [B, dk, T, dv], u and v "
                     "[B, dk, T, r].", "identity_plus_low_rank",
                     [np.moveaxis(u, 0, 2), np.moveaxis(v, 0, 2)],
                     rand((2, 4, 5, 3)), axis=2, batch_dims=1,
                     init=rand((2, 4, 3)))
    t.write()

    t = TestFile("linear-scan-dynamic.mlir", """
recur.linear_scan with dynamic sizes: the constants are cast to dynamic
shapes, so T, the state's sizes, the block size and the rank are only known
at run time. T = 0 gives empty stacked states (printed as their shape) and
the init (or zero) as the last state.""")
    linear_scan_case(t, "Diagonal, every size dynamic, lengths [3, 0, 6], "
                     "init.", "diagonal", [rand((6, 3, 2))], rand((6, 3, 2)),
                     init=rand((3, 2)), lens=[3, 0, 6], dynamic="all")
    linear_scan_case(t, "Scalar, batch_dims = 2, every size dynamic.",
                     "scalar", [rand((5, 2, 2), 0.5, 1)],
                     rand((5, 2, 2, 3, 2)), batch_dims=2, dynamic="all")
    linear_scan_case(t, "Block-diagonal, every size dynamic (the block size "
                     "too), reverse.", "block_diagonal",
                     [contraction((5, 2, 3, 2, 2))], rand((5, 2, 6)),
                     batch_dims=1, init=rand((2, 6)), reverse=True,
                     dynamic="all")
    linear_scan_case(t, "Block-diagonal, b and init dynamic, blocks static.",
                     "block_diagonal", [contraction((4, 2, 3, 3))],
                     rand((4, 6, 2)), init=rand((6, 2)), dynamic="b")
    linear_scan_case(t, "Delta rule, every size dynamic (the rank too).",
                     "identity_plus_low_rank", delta_rule(6, (2,), 3, 2),
                     rand((6, 2, 3, 2)), batch_dims=1, init=rand((2, 3, 2)),
                     dynamic="all")
    linear_scan_case(t, "Dense, b dynamic, coefficients static, lengths "
                     "[2, 4].", "dense", [contraction((4, 2, 3, 3))],
                     rand((4, 2, 3)), batch_dims=1, lens=[2, 4], dynamic="b")
    linear_scan_case(t, "Dense, dynamic T only.", "dense",
                     [contraction((7, 3, 3))], rand((7, 3)), init=rand((3,)),
                     dynamic="time")
    linear_scan_case(t, "T = 0 (dynamic) with init: the last state is init.",
                     "diagonal", [rand((0, 2, 3))], rand((0, 2, 3)),
                     init=rand((2, 3)), dynamic="all")
    linear_scan_case(t, "T = 0 (dynamic T) without init: the last state is "
                     "zero.", "dense", [rand((0, 3, 3))], rand((0, 3)),
                     dynamic="time")
    t.write()


if __name__ == "__main__":
    gen_scan_tests()
    gen_linear_scan_tests()

#!/usr/bin/env python3
"""Differential test of the chunked scan lowering (--recur-lower-scans).

Draws seeded random recur.linear_scan and recur.scan ops (every structure,
batch dimensions, time axes, reverse, init, sequence lengths, exclusive and
tuple scans, static and dynamic T from 1 to a few thousand steps), writes
them into modules, runs every module through the chunked pipeline
(--recur-lower-scans=chunk-size=K, K drawn per module, and for half the
modules sequential-min-state=1, the host's sequential path for elementwise
linear scans) and the sequential
reference (--recur-reference-to-llvm alone), executes both with mlir-runner
and compares the two outputs with each other and with numpy (float64, from
the ops' definitions in dialects/Recur/IR/RecurOps.td, never from the
compiler). Each failure is reported with its case, seed and chunk size,
and its module is kept on disk to rerun by hand.

    /usr/bin/python3 test/lib/differential_scans.py --opt RECUR_OPT \\
        --runner MLIR_RUNNER --runner-libs LIBS [--cases N] [--seed S]

RECUR_DIFF_CASES raises the number of cases for local soaks (the lit test
keeps to a budget of about a minute on two cores).

This file is also the library test/gen/gen_chunked_scan_tests.py builds its
execution tests with: the numpy semantics of the two ops, the random inputs
and the MLIR each case is written as.
"""

import argparse
import concurrent.futures
import math
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    sys.exit("differential_scans.py needs numpy: run it with /usr/bin/python3 "
             "after tools/install-deps.sh (which installs python3-numpy)")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import mlirgen  # noqa: E402  (how a test is spelled, shared by the generators)
from numcheck import parse_printed  # noqa: E402


# ---------------------------------------------------------------------------
# Reference semantics (numpy, float64)
# ---------------------------------------------------------------------------

def dense_transitions(structure, coeffs, batch_dims, state_shape):
    """Every A_t as an explicit matrix (or, for scalar and diagonal, the
    factor broadcast to the state's shape); coeffs are time-major."""
    if structure == "scalar":
        a = coeffs[0]
        extra = len(state_shape) - (a.ndim - 1)
        return a.reshape(a.shape + (1,) * extra)
    if structure == "diagonal":
        return coeffs[0]
    if structure == "dense":
        return coeffs[0]
    if structure == "block_diagonal":
        blocks = coeffs[0]
        g, k = blocks.shape[-3], blocks.shape[-1]
        mats = np.zeros(blocks.shape[:-3] + (g * k, g * k))
        for i in range(g):
            mats[..., i * k:(i + 1) * k, i * k:(i + 1) * k] = blocks[..., i, :, :]
        return mats
    if structure == "identity_plus_low_rank":
        u, v = coeffs
        n = u.shape[-2]
        return np.eye(n) + u @ np.swapaxes(v, -1, -2)
    raise ValueError(structure)


def ref_linear_scan(structure, coeffs, b, axis=0, batch_dims=0, init=None,
                    lens=None, reverse=False):
    """recur.linear_scan: h_t = A_t h_{t-1} + b_t, one step at a time; steps
    of batch entry e (dimension 0 of the state) at t >= lens[e] keep the
    state and output zero. Returns [states, last], float64."""
    b_t = np.moveaxis(np.asarray(b, np.float64), axis, 0)
    coeffs_t = [np.moveaxis(np.asarray(c, np.float64), axis, 0)
                for c in coeffs]
    T, state_shape = b_t.shape[0], b_t.shape[1:]
    mats = dense_transitions(structure, coeffs_t, batch_dims, state_shape)
    elementwise = structure in ("scalar", "diagonal")
    h = (np.zeros(state_shape) if init is None
         else np.asarray(init, np.float64).copy())
    states = np.zeros(b_t.shape)
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        if elementwise:
            new = mats[t] * h
        else:
            unit = h.reshape(h.shape[:batch_dims + 1] + (-1,))
            new = (mats[t] @ unit).reshape(h.shape)
        new = new + b_t[t]
        if lens is not None:
            active = (t < np.asarray(lens)).reshape(
                (-1,) + (1,) * (len(state_shape) - 1))
            active = np.broadcast_to(active, state_shape)
            new_out = np.where(active, new, 0.0)
            h = np.where(active, new, h)
        else:
            new_out = h = new
        states[t] = new_out
    return [np.moveaxis(states, 0, axis), h]


def ref_scan(xs, combine, axis=0, init=None, exclusive=False, reverse=False):
    """recur.scan: the accumulated value (the combiner's first argument)
    starts at init, or at the first element in scan order without init, and
    takes in one element after the other, from x_0 up (x_{T-1} down in
    reverse); out_t is the value after taking in x_t (before, exclusive)."""
    xs_t = [np.moveaxis(np.asarray(x, np.float64), axis, 0) for x in xs]
    T = xs_t[0].shape[0]
    outs = [np.zeros(x.shape) for x in xs_t]
    acc = None if init is None else tuple(np.asarray(i, np.float64)
                                          for i in init)
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        elem = tuple(x[t] for x in xs_t)
        before = acc
        acc = elem if acc is None else tuple(combine(acc, elem))
        for out, v in zip(outs, before if exclusive else acc):
            out[t] = v
    return [np.moveaxis(o, 0, axis) for o in outs]


# ---------------------------------------------------------------------------
# Combiners of recur.scan: MLIR body and numpy meaning
# ---------------------------------------------------------------------------

class Combiner:
    """`body(names, acc, elem, types)` returns the combiner's lines and the
    yielded names; `fn(acc, elem)` is its meaning; `arity` the number of
    operands it scans."""

    def __init__(self, name, arity, body, fn):
        self.name, self.arity, self.body, self.fn = name, arity, body, fn


def _elementwise(op):
    def body(names, acc, elem, types):
        s = names.new("s")
        return ["%s = arith.%s %s, %s : %s" % (s, op, acc[0], elem[0],
                                               types[0])], [s]
    return body


def _matmul_body(names, acc, elem, types):
    z, m = names.new("z"), names.new("m")
    t = types[0]
    return ["%s = arith.constant dense<0.0> : %s" % (z, t),
            "%s = linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s"
            % (m, acc[0], elem[0], t, t, z, t, t)], [m]


def _affine_body(names, acc, elem, types):
    a, m, b = names.new("a"), names.new("m"), names.new("b")
    return ["%s = arith.mulf %s, %s : %s" % (a, acc[0], elem[0], types[0]),
            "%s = arith.mulf %s, %s : %s" % (m, elem[0], acc[1], types[1]),
            "%s = arith.addf %s, %s : %s" % (b, m, elem[1], types[1])], [a, b]


ADD = Combiner("add", 1, _elementwise("addf"), lambda a, e: (a[0] + e[0],))
MAX = Combiner("max", 1, _elementwise("maximumf"),
               lambda a, e: (np.maximum(a[0], e[0]),))
# Matrix products: associative, not commutative, so an argument swapped or a
# chunk taken out of order shows.
MATMUL = Combiner("matmul", 1, _matmul_body, lambda a, e: (a[0] @ e[0],))
# Composition of affine maps x -> a x + b, (a1, b1) then (a2, b2): a tuple
# scan, associative, not commutative.
AFFINE = Combiner("affine", 2, _affine_body,
                  lambda acc, e: (acc[0] * e[0], e[0] * acc[1] + e[1]))


# ---------------------------------------------------------------------------
# Random inputs (float32, with a float64 reference computed from them)
# ---------------------------------------------------------------------------

def uniform(rng, shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def contractive(rng, shape, lo=0.5, hi=0.95):
    """Stacks of square matrices of spectral norm in [lo, hi]: their products
    neither explode nor vanish too fast, over thousands of steps."""
    m = rng.uniform(-1.0, 1.0, size=shape)
    norms = np.linalg.norm(m, 2, axis=(-2, -1))[..., None, None]
    scale = rng.uniform(lo, hi, size=shape[:-2])[..., None, None]
    return (m / np.maximum(norms, 1e-3) * scale).astype(np.float32)


def low_rank_factors(rng, shape):
    """u, v ([..., n, r]) with I + u v^T = I - K diag(beta) K^T, K of
    orthonormal columns and beta in (0.1, 1.9): the delta rule's transition,
    of norm at most one."""
    n, r = shape[-2], shape[-1]
    k, _ = np.linalg.qr(rng.normal(size=shape[:-2] + (n, n)))
    k = k[..., :r]
    beta = rng.uniform(0.1, 1.9, size=shape[:-2] + (1, r))
    return [(-k * beta).astype(np.float32), k.astype(np.float32)]


def coefficient_shapes(structure, state_shape, batch_dims, block=None,
                       rank=None):
    """The per-step shape of each coefficient operand."""
    batch, n = tuple(state_shape[:batch_dims]), None
    if batch_dims < len(state_shape):
        n = state_shape[batch_dims]
    if structure == "scalar":
        return [batch]
    if structure == "diagonal":
        return [tuple(state_shape)]
    if structure == "dense":
        return [batch + (n, n)]
    if structure == "block_diagonal":
        return [batch + (n // block, block, block)]
    if structure == "identity_plus_low_rank":
        return [batch + (n, rank)] * 2
    raise ValueError(structure)


def random_coefficients(rng, structure, T, state_shape, batch_dims,
                        block=None, rank=None):
    """Time-major coefficients of a stable recurrence."""
    shapes = coefficient_shapes(structure, state_shape, batch_dims, block,
                                rank)
    if structure in ("scalar", "diagonal"):
        return [uniform(rng, (T,) + shapes[0], 0.5, 1.0)]
    if structure in ("dense", "block_diagonal"):
        return [contractive(rng, (T,) + shapes[0])]
    return low_rank_factors(rng, (T,) + shapes[0])


# ---------------------------------------------------------------------------
# MLIR emission
# ---------------------------------------------------------------------------

def hex_constant(fresh, arr, elem, typ):
    """A dense constant of `arr` as hex bytes, exact and compact for the
    large inputs of the differential test; returns (lines, value)."""
    v = fresh("c")
    little = arr.astype(arr.dtype.newbyteorder("<"))
    return ['%s = arith.constant dense<"0x%s"> : %s'
            % (v, little.tobytes().hex().upper(), typ)], v


class Names:
    """Fresh SSA names for one module (mlirgen's `fresh`)."""

    def __init__(self):
        self.counter = 0

    def new(self, base):
        self.counter += 1
        return "%%%s%d" % (base, self.counter)

    __call__ = new


class Operand:
    """An input of a case: its array, its element type and which dimensions
    the case's function sees as dynamic."""

    def __init__(self, array, dynamic=(), elem="f32"):
        self.array, self.dynamic, self.elem = array, tuple(dynamic), elem

    @property
    def type(self):
        return mlirgen.tensor_type(self.array.shape, self.elem, self.dynamic)

    @property
    def static_type(self):
        return mlirgen.tensor_type(self.array.shape, self.elem)


class LinearScanCase:
    """One recur.linear_scan. Arrays are float32 (lens int32) in the op's
    layout (time at `axis`); `dyn_time` makes T dynamic, `dyn_state` names
    state dimensions (batch dimensions only) to make dynamic."""

    def __init__(self, structure, coeffs, b, axis=0, batch_dims=0, init=None,
                 lens=None, reverse=False, dyn_time=False, dyn_state=(),
                 comment=""):
        self.structure, self.coeffs, self.b = structure, coeffs, b
        self.axis, self.batch_dims = axis, batch_dims
        self.init, self.lens, self.reverse = init, lens, reverse
        self.dyn_time, self.dyn_state = dyn_time, tuple(dyn_state)
        self.comment = comment

    def expected(self):
        return ref_linear_scan(self.structure, self.coeffs, self.b, self.axis,
                               self.batch_dims, self.init, self.lens,
                               self.reverse)

    def _stacked_dyn(self, step_dyn):
        dims = [d if d < self.axis else d + 1 for d in step_dyn]
        if self.dyn_time:
            dims.append(self.axis)
        return dims

    def operands(self):
        ops = [Operand(c, self._stacked_dyn(
            [d for d in self.dyn_state if d < self.batch_dims or
             self.structure == "diagonal"])) for c in self.coeffs]
        ops.append(Operand(self.b, self._stacked_dyn(self.dyn_state)))
        if self.init is not None:
            ops.append(Operand(self.init, self.dyn_state))
        if self.lens is not None:
            ops.append(Operand(self.lens, (0,) if 0 in self.dyn_state else (),
                               "i32"))
        return ops

    def build(self, names, args, types):
        """The op's lines and its results [(name, type)], printed in order:
        the stacked states unless empty, then the last state."""
        nc = len(self.coeffs)
        hs, last = names.new("hs"), names.new("last")
        line = "%s, %s = recur.linear_scan %s a(%s : %s) b(%s : %s)" % (
            hs, last, self.structure, ", ".join(args[:nc]),
            ", ".join(types[:nc]), args[nc], types[nc])
        k = nc + 1
        if self.init is not None:
            line += " init(%s : %s)" % (args[k], types[k])
            k += 1
        if self.lens is not None:
            line += " seq_lens(%s : %s)" % (args[k], types[k])
        attrs = []
        if self.axis:
            attrs.append("time_axis = %d : i64" % self.axis)
        if self.batch_dims:
            attrs.append("batch_dims = %d : i64" % self.batch_dims)
        if self.reverse:
            attrs.append("reverse")
        if attrs:
            line += " {%s}" % ", ".join(attrs)
        state_type = mlirgen.tensor_type(
            np.moveaxis(self.b, self.axis, 0).shape[1:],
            dynamic=self.dyn_state)
        line += " -> %s, %s" % (types[nc], state_type)
        results = [(last, state_type)]
        if self.b.size:
            results.insert(0, (hs, types[nc]))
        return [line], results

    def expected_printed(self):
        states, last = self.expected()
        return ([states] if self.b.size else []) + [last]


class ScanCase:
    """One recur.scan over `xs` (float32, time at `axis`)."""

    def __init__(self, combiner, xs, axis=0, init=None, exclusive=False,
                 reverse=False, dyn_time=False, comment=""):
        self.combiner, self.xs, self.axis = combiner, xs, axis
        self.init, self.exclusive, self.reverse = init, exclusive, reverse
        self.dyn_time, self.comment = dyn_time, comment

    def expected(self):
        return ref_scan(self.xs, self.combiner.fn, self.axis, self.init,
                        self.exclusive, self.reverse)

    def operands(self):
        dyn = (self.axis,) if self.dyn_time else ()
        ops = [Operand(x, dyn) for x in self.xs]
        ops += [Operand(i) for i in (self.init or [])]
        return ops

    def build(self, names, args, types):
        n = len(self.xs)
        step_types = [
            mlirgen.tensor_type(np.moveaxis(x, self.axis, 0).shape[1:])
            for x in self.xs]
        r = names.new("r")
        head = "%s%s = recur.scan(%s : %s)" % (
            r, ":%d" % n if n > 1 else "", ", ".join(args[:n]),
            ", ".join(types[:n]))
        if self.init:
            head += " init(%s : %s)" % (", ".join(args[n:]),
                                        ", ".join(types[n:]))
        attrs = []
        if self.axis:
            attrs.append("time_axis = %d : i64" % self.axis)
        if self.exclusive:
            attrs.append("exclusive")
        if self.reverse:
            attrs.append("reverse")
        if attrs:
            head += " {%s}" % ", ".join(attrs)
        head += " -> %s {" % ", ".join(types[:n])
        acc = [names.new("acc") for _ in range(n)]
        elem = [names.new("e") for _ in range(n)]
        body, yielded = self.combiner.body(names, acc, elem, step_types)
        lines = [head, "^bb0(%s):" % ", ".join(
            "%s: %s" % (v, t) for v, t in zip(acc + elem, step_types * 2))]
        lines += ["  " + l for l in body]
        lines += ["  recur.yield %s : %s" % (", ".join(yielded),
                                             ", ".join(step_types)), "}"]
        results = [(r + ("#%d" % k if n > 1 else ""), t)
                   for k, t in enumerate(types[:n])]
        return lines, (results if self.xs[0].size else [])

    def expected_printed(self):
        return self.expected() if self.xs[0].size else []


def write_module(cases, hex_data=False, comments=True):
    """A module with one function per case and a @main that builds the
    inputs as constants, calls every case and prints its results. Each case
    is its own function so that its sizes stay what its types say (dynamic
    ones dynamic at run time; in @main they would fold to the constants').
    With `comments`, each case's comment and EXPECT lines precede it.
    Returns (text, the expected arrays in print order)."""
    names = Names()
    main, funcs, expected = [], [], []
    for i, case in enumerate(cases):
        operands = case.operands()
        args = [names("arg") for _ in operands]
        types = [o.type for o in operands]
        body, results = case.build(names, args, types)
        if not results:
            continue  # nothing to print (T = 0 and no final state)
        fn = "@case%d" % i
        result_types = [t for _, t in results]
        notes = mlirgen.comment_lines(case.comment) if comments else []
        funcs += notes + mlirgen.func_def(fn, args, types, result_types, body,
                                          [v for v, _ in results])
        want = case.expected_printed()
        expected += want
        if comments:
            main += mlirgen.comment_lines(case.comment, "  // ")
            main += ["  " + mlirgen.expect_line(w) for w in want]
        values = []
        for o in operands:
            if hex_data and o.array.size:
                lines, v = hex_constant(names, o.array, o.elem, o.static_type)
                if o.type != o.static_type:
                    d = names("d")
                    lines.append("%s = tensor.cast %s : %s to %s"
                                 % (d, v, o.static_type, o.type))
                    v = d
            else:
                lines, v, _ = mlirgen.constant(names, o.array, o.elem,
                                               o.dynamic)
            main += ["  " + l for l in lines]
            values.append(v)
        line, outs = mlirgen.call(names("r"), fn, values, types, result_types)
        main.append("  " + line)
        for out, t in zip(outs, result_types):
            main += ["  " + l for l in mlirgen.print_call(names, out, t)]
        main.append("")
    text = "\n".join([mlirgen.PRINT_DECL, "", "func.func @main() {"] + main +
                     ["  return", "}", ""] + funcs)
    return text, expected


# ---------------------------------------------------------------------------
# Random cases
# ---------------------------------------------------------------------------

STRUCTURES = ["scalar", "diagonal", "block_diagonal", "identity_plus_low_rank",
              "dense"]


def random_steps(rng, max_steps, edges=(1, 2, 3, 5, 7, 13, 15, 16, 17, 63,
                                         64, 65)):
    """T: edge cases (1, 2, primes, around common chunk sizes) a third of
    the time, else log-uniform up to max_steps."""
    if rng.random() < 0.35:
        return int(rng.choice(edges))
    return int(round(math.exp(rng.uniform(0.0, math.log(max_steps)))))


def random_linear_case(rng, max_steps):
    structure = STRUCTURES[rng.integers(len(STRUCTURES))]
    # T = 0 too: no chunk at all, the last state is init (or zero).
    T = random_steps(rng, max_steps,
                     (0, 1, 2, 3, 5, 7, 13, 15, 16, 17, 63, 64, 65))
    matrix = structure not in ("scalar", "diagonal")
    batch_dims = int(rng.integers(0, 3))
    batch = tuple(int(d) for d in rng.integers(1, 4, size=batch_dims))
    if matrix:
        block = rank = None
        if structure == "block_diagonal":
            block = int(rng.choice([1, 2, 3]))
            n = block * int(rng.integers(1, 3))
        else:
            n = int(rng.integers(1, 5))
        if structure == "identity_plus_low_rank":
            rank = int(rng.integers(1, n + 1))
        cols = tuple(int(d) for d in rng.integers(1, 3, size=rng.integers(0, 2)))
        state = batch + (n,) + cols
    else:
        block = rank = None
        unit = tuple(int(d) for d in rng.integers(1, 4, size=rng.integers(0, 3)))
        state = batch + unit
        if not state:
            state = (int(rng.integers(1, 4)),)
    lens = None
    if rng.random() < 0.4:
        lens = rng.integers(0, T + 1, size=state[0]).astype(np.int32)
        lens[rng.integers(state[0])] = T
    coeffs = random_coefficients(rng, structure, T, state, batch_dims, block,
                                 rank)
    b = uniform(rng, (T,) + state)
    init = uniform(rng, state) if rng.random() < 0.5 else None
    # The time axis goes anywhere every operand has room for it.
    max_axis = min([c.ndim for c in coeffs] + [b.ndim]) - 1
    axis = int(rng.integers(0, max_axis + 1)) if rng.random() < 0.3 else 0
    coeffs = [np.ascontiguousarray(np.moveaxis(c, 0, axis)) for c in coeffs]
    b = np.ascontiguousarray(np.moveaxis(b, 0, axis))
    dyn_state = (0,) if batch_dims and rng.random() < 0.2 else ()
    return LinearScanCase(
        structure, coeffs, b, axis=axis, batch_dims=batch_dims, init=init,
        lens=lens, reverse=bool(rng.random() < 0.5),
        dyn_time=bool(rng.random() < 0.3), dyn_state=dyn_state,
        comment="%s T=%d state=%s batch_dims=%d axis=%d" % (
            structure, T, list(state), batch_dims, axis))


def random_scan_case(rng, max_steps):
    combiner = [ADD, MAX, AFFINE, MATMUL][rng.integers(4)]
    T = random_steps(rng, max_steps)
    if combiner is MATMUL:
        # Products of many matrices drift (rounding compounds): keep T small.
        T = min(T, 64)
        k = int(rng.integers(2, 4))
        step = (k, k)
        xs = [contractive(rng, (T, k, k), 0.9, 1.0)]
    else:
        step = tuple(int(d) for d in rng.integers(1, 4, size=rng.integers(0, 3)))
        if combiner is AFFINE:
            xs = [uniform(rng, (T,) + step, 0.5, 1.0), uniform(rng, (T,) + step)]
        else:
            xs = [uniform(rng, (T,) + step)]
    exclusive = bool(rng.random() < 0.3)
    init = None
    if exclusive or rng.random() < 0.4:
        init = [uniform(rng, x.shape[1:], 0.5, 1.0) if i == 0 and
                combiner is AFFINE else uniform(rng, x.shape[1:])
                for i, x in enumerate(xs)]
        if combiner is MATMUL:
            init = [contractive(rng, step, 0.9, 1.0)]
    axis = int(rng.integers(0, len(step) + 1)) if rng.random() < 0.3 else 0
    xs = [np.ascontiguousarray(np.moveaxis(x, 0, axis)) for x in xs]
    return ScanCase(combiner, xs, axis=axis, init=init, exclusive=exclusive,
                    reverse=bool(rng.random() < 0.5),
                    dyn_time=bool(rng.random() < 0.3),
                    comment="scan %s T=%d step=%s axis=%d" % (
                        combiner.name, T, list(step), axis))


def describe(case):
    flags = []
    for flag in ("reverse", "exclusive", "dyn_time"):
        if getattr(case, flag, False):
            flags.append(flag)
    if getattr(case, "init", None) is not None:
        flags.append("init")
    if getattr(case, "lens", None) is not None:
        flags.append("seq_lens=%s" % list(case.lens))
    if getattr(case, "dyn_state", ()):
        flags.append("dyn_state=%s" % list(case.dyn_state))
    return case.comment + " " + " ".join(flags)


# ---------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------

# |got - want| <= TOL * (1 + |want|). The chunked scan reassociates (a
# chunk's product P times its carry plus its offset q, instead of one step
# after the other), which changes float32 rounding; the recurrences drawn
# here are contractive, so that rounding stays a few ulps times the state's
# magnitude, far below TOL, while any real mistake (a wrong carry, a step
# dropped or taken out of order) is off by the size of a step: O(1).
TOL = 2e-4
CHUNK_SIZES = [1, 2, 3, 4, 7, 16, 64, 256]
# sequential-min-state: 0 chunks every scan, 1 makes every scalar and
# diagonal linear scan one sequential recurrence.
MIN_STATES = [0, 1]


def close(got, want):
    return np.all(np.abs(got - want) <= TOL * (1.0 + np.abs(want)))


def run_pipeline(args, path, chunk_size, min_state=0):
    """Returns (stdout, None) or (None, what went wrong). A miscompiled
    module can crash, or hang in the crash handler: hence the timeout.
    min_state > 0 also turns scalar and diagonal linear scans with at least
    that many state elements into sequential recurrences
    (sequential-min-state)."""
    passes = ["--recur-reference-to-llvm"]
    if chunk_size:
        passes.insert(0, "--recur-lower-scans=chunk-size=%d "
                      "sequential-min-state=%d" % (chunk_size, min_state))
    try:
        opt = subprocess.run([args.opt, path] + passes, capture_output=True,
                             text=True, timeout=args.timeout)
        if opt.returncode:
            return None, "recur-opt %s failed:\n%s" % (" ".join(passes),
                                                       opt.stderr[-4000:])
        run = subprocess.run(
            [args.runner, "-e", "main", "-entry-point-result=void",
             "--shared-libs=" + args.runner_libs],
            input=opt.stdout, capture_output=True, text=True,
            timeout=args.timeout)
    except subprocess.TimeoutExpired as e:
        return None, "%s timed out after %ss" % (e.cmd[0], args.timeout)
    except OSError as e:
        return None, "cannot run %s: %s" % (e.filename, e.strerror)
    if run.returncode:
        return None, "mlir-runner failed (exit %d):\n%s" % (
            run.returncode, run.stderr[-4000:])
    return run.stdout, None


def check_module(args, index, seed):
    """Draws one module of cases, runs it both ways, returns None or a
    failure report."""
    rng = np.random.default_rng([seed, index])
    cases = []
    for _ in range(args.cases_per_module):
        draw = random_linear_case if rng.random() < 0.6 else random_scan_case
        cases.append(draw(rng, args.max_steps))
    chunk_size = int(rng.choice(CHUNK_SIZES))
    # Every other module also sends its wide elementwise scans down the
    # host's sequential path.
    min_state = int(rng.choice(MIN_STATES))
    text, expected = write_module(cases, hex_data=True, comments=False)
    fd, path = tempfile.mkstemp(prefix="recur-diff-%d-%d-" % (seed, index),
                                suffix=".mlir")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    outputs = {}
    for label, size in (("chunked", chunk_size), ("sequential", 0)):
        out, err = run_pipeline(args, path, size, min_state)
        if err:
            return ("module %d (seed %d, chunk-size %d, sequential-min-state "
                    "%d), %s: %s\n  kept: %s" % (index, seed, chunk_size,
                                                 min_state, label, err, path))
        outputs[label] = [np.array(v, np.float64).reshape(s)
                          for s, v in parse_printed(out)]
    # Which printed memref belongs to which case, for the report.
    owners = [describe(c) for c in cases for _ in c.expected_printed()]
    chunked, sequential = outputs["chunked"], outputs["sequential"]
    if len(chunked) != len(expected) or len(sequential) != len(expected):
        return ("module %d (seed %d, chunk-size %d): printed %d (chunked) and "
                "%d (sequential) memrefs, expected %d\n  kept: %s" % (
                    index, seed, chunk_size, len(chunked), len(sequential),
                    len(expected), path))
    for k, (want, c, s) in enumerate(zip(expected, chunked, sequential)):
        for label, got, ref in (("chunked vs numpy", c, want),
                                ("sequential vs numpy", s, want),
                                ("chunked vs sequential", c, s)):
            if got.shape != ref.shape or not close(got, ref):
                worst = ("shapes %s and %s" % (got.shape, ref.shape)
                         if got.shape != ref.shape else
                         "max |diff| %.3g" % np.max(np.abs(got - ref)))
                return ("module %d (seed %d, chunk-size %d), result %d of "
                        "case `%s`: %s differ (%s)\n  kept: %s" % (
                            index, seed, chunk_size, k, owners[k], label,
                            worst, path))
    os.unlink(path)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opt", required=True, help="recur-opt")
    parser.add_argument("--runner", required=True, help="mlir-runner")
    parser.add_argument("--runner-libs", required=True,
                        help="mlir-runner's --shared-libs value")
    parser.add_argument("--cases", type=int,
                        default=int(os.environ.get("RECUR_DIFF_CASES", "160")),
                        help="number of random cases (env RECUR_DIFF_CASES)")
    parser.add_argument("--cases-per-module", type=int, default=8)
    parser.add_argument("--max-steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20250607)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=120,
                        help="seconds for one recur-opt or mlir-runner run")
    args = parser.parse_args()

    modules = max(1, math.ceil(args.cases / args.cases_per_module))
    failures = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for report in pool.map(lambda i: check_module(args, i, args.seed),
                                range(modules)):
            if report:
                failures.append(report)
    for report in failures:
        print("FAIL " + report)
    if failures:
        sys.exit(1)
    print("differential_scans: %d modules of %d cases agree (chunked, "
          "sequential, numpy) within %g" % (modules, args.cases_per_module,
                                            TOL))


if __name__ == "__main__":
    main()

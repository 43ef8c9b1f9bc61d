#!/usr/bin/env python3
"""Generates the execution tests of the chunked scan lowering.

Writes test/Passes/LowerScans/chunked-*.mlir. Each file runs its cases
through --recur-lower-scans at three chunk sizes (1: every step its own
chunk; 3: T rarely a multiple, so a partial last chunk and dynamic chunk
lengths; 16: four full chunks of static length for T = 64, a dynamic T of 13
in one chunk at run time, and static T <= 16 left alone) and through the
sequential reference alone, all checked against the
same EXPECT lines: numpy (float64) from the ops' definitions in
dialects/Recur/IR/RecurOps.td, computed in test/lib/differential_scans.py
one step at a time, never by the compiler. Seeded, so rerunning rewrites
the same files:

    /usr/bin/python3 test/gen/gen_chunked_scan_tests.py

Tolerance: the chunked scan reassociates (a chunk's composed transition
times its carry, plus the chunk's own contribution, instead of one step
after the other; a chunk total combined with the total before it), which
changes float32 rounding by a few ulps per step. The recurrences drawn are
contractive (transitions of norm at most one), so that rounding stays below
the six digits mlir-runner prints: every file passes at 3e-6 at every chunk
size. TOLERANCE 2e-5 leaves a margin for that, while a wrong carry, a
dropped step or a step out of order is off by the size of a step, O(0.1).
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import differential_scans as ds  # noqa: E402  (the numpy semantics)
import mlirgen  # noqa: E402  (how a test is spelled)

OUT_DIR = os.path.join(HERE, "..", "Passes", "LowerScans")
SCRIPT = "test/gen/gen_chunked_scan_tests.py"
CHUNK_SIZES = [1, 3, 16]
TOLERANCE = "2e-5"

rng = np.random.default_rng(20250607)


def rounded(arrays):
    """Two decimals, so the constants stay readable; the reference
    computes from exactly these float32 values."""
    return [np.round(a.astype(np.float64), 2).astype(np.float32)
            for a in arrays]


def linear_case(structure, T, state, batch_dims, comment, init=False,
                lens=None, reverse=False, axis=0, dyn_time=False,
                dyn_state=(), block=None, rank=None):
    coeffs = ds.random_coefficients(rng, structure, T, state, batch_dims,
                                    block, rank)
    if structure == "identity_plus_low_rank":
        # Rounding the factors must not lose the norm-one property over 64
        # steps: keep them exact (they print with all their digits).
        coeffs = [c.astype(np.float32) for c in coeffs]
    else:
        coeffs = rounded(coeffs)
    b = rounded([ds.uniform(rng, (T,) + tuple(state))])[0]
    h0 = rounded([ds.uniform(rng, tuple(state))])[0] if init else None
    coeffs = [np.ascontiguousarray(np.moveaxis(c, 0, axis)) for c in coeffs]
    b = np.ascontiguousarray(np.moveaxis(b, 0, axis))
    if lens is not None:
        lens = np.array(lens, dtype=np.int32)
    return ds.LinearScanCase(structure, coeffs, b, axis=axis,
                             batch_dims=batch_dims, init=h0, lens=lens,
                             reverse=reverse, dyn_time=dyn_time,
                             dyn_state=dyn_state, comment=comment)


def scan_case(combiner, T, step, comment, init=False, exclusive=False,
              reverse=False, axis=0, dyn_time=False):
    if combiner is ds.MATMUL:
        xs = rounded([ds.contractive(rng, (T,) + step, 0.9, 1.0)])
        inits = rounded([ds.contractive(rng, step, 0.9, 1.0)])
    elif combiner is ds.AFFINE:
        xs = rounded([ds.uniform(rng, (T,) + step, 0.5, 1.0),
                      ds.uniform(rng, (T,) + step)])
        inits = rounded([ds.uniform(rng, step, 0.5, 1.0),
                         ds.uniform(rng, step)])
    else:
        xs = rounded([ds.uniform(rng, (T,) + step)])
        inits = rounded([ds.uniform(rng, step)])
    xs = [np.ascontiguousarray(np.moveaxis(x, 0, axis)) for x in xs]
    return ds.ScanCase(combiner, xs, axis=axis,
                       init=inits if init or exclusive else None,
                       exclusive=exclusive, reverse=reverse,
                       dyn_time=dyn_time, comment=comment)


def write(filename, summary, cases):
    text, _ = ds.write_module(cases, hex_data=False, comments=True)
    runs = ["// RUN: recur-opt %%s --recur-lower-scans=chunk-size=%d "
            "--recur-reference-to-llvm | %%recur-runner | %%numcheck" % k
            for k in CHUNK_SIZES]
    runs += [mlirgen.RUN_REFERENCE,
             "// TOLERANCE: %s (the chunked runs reassociate; see the script)"
             % TOLERANCE]
    lines = mlirgen.header(SCRIPT, "the op's definition", summary, runs)
    with open(os.path.join(OUT_DIR, filename), "w") as f:
        f.write("\n".join(lines) + "\n\n" + text)


def structure_file(structure, name, summary, state, batch_dims, matrix_args,
                   extra=()):
    """Every structure gets the same ladder of T and options; `state` and
    `batch_dims` describe its main shape."""
    B = state[0]
    lens7 = [7, 3][:B] + [0] * max(0, B - 2)
    lens13 = [13, 0, 5][:B] + [9] * max(0, B - 3)
    lens64 = [40, 64, 1][:B] + [17] * max(0, B - 3)
    axis1 = batch_dims >= 1 or structure == "diagonal"
    cases = [
        linear_case(structure, 1, state, batch_dims,
                    "T = 1 with init: one chunk of one step at every size.",
                    init=True, **matrix_args),
        linear_case(structure, 2, state, batch_dims,
                    "T = 2, reverse, no init.", reverse=True, **matrix_args),
        linear_case(structure, 7, state, batch_dims,
                    "T = 7 (prime), init, seq_lens %s: inactive steps are "
                    "identity\nmaps inside a chunk's composed transition."
                    % lens7, init=True, lens=lens7, **matrix_args),
        linear_case(structure, 13, state, batch_dims,
                    "T = 13, reverse, init, seq_lens %s%s: reverse chunks "
                    "and steps." % (lens13, ", time_axis = 1" if axis1
                                    else ""),
                    init=True, lens=lens13, reverse=True,
                    axis=1 if axis1 else 0, **matrix_args),
        linear_case(structure, 64, state, batch_dims,
                    "T = 64 dynamic (?), init: the chunk count is computed at "
                    "run time.", init=True, dyn_time=True, **matrix_args),
        linear_case(structure, 64, state, batch_dims,
                    "T = 64, reverse, no init, seq_lens %s." % lens64,
                    lens=lens64, reverse=True, **matrix_args),
    ]
    cases += [f() for f in extra]
    write(name, summary, cases)


def gen_linear_scans():
    structure_file(
        "scalar", "chunked-linear-scan-scalar.mlir", """
recur.linear_scan `scalar` through --recur-lower-scans: one factor per unit
(state [B, d] with batch_dims = 1); a chunk's composed transition is the
product of its factors, one per batch entry.""", (3, 2), 1, {},
        extra=[
            lambda: linear_case(
                "scalar", 13, (3, 2), 0,
                "batch_dims = 0 with seq_lens [13, 4, 0]: one factor for the "
                "whole state, but\nmasks differ per batch entry, so the "
                "composed transition keeps one per entry.",
                init=True, lens=[13, 4, 0]),
            lambda: linear_case(
                "scalar", 7, (2, 2, 3), 2,
                "Linear attention's state [B, H, d] with batch_dims = 2, "
                "time_axis = 2, T = 7.", init=True, axis=2),
        ])
    structure_file(
        "diagonal", "chunked-linear-scan-diagonal.mlir", """
recur.linear_scan `diagonal` through --recur-lower-scans: elementwise
transitions over a state [B, D] (batch_dims = 1); a chunk's composed
transition is the elementwise product of its factors.""", (2, 3), 1, {},
        extra=[
            lambda: linear_case(
                "diagonal", 0, (2, 3), 1,
                "T = 0 (dynamic): no chunk; the last state is init.",
                init=True, dyn_time=True),
            lambda: linear_case(
                "diagonal", 13, (3, 2), 1,
                "Dynamic batch (state [?, 2]) with seq_lens [2, 13, 6].",
                init=True, lens=[2, 13, 6], dyn_state=(0,)),
        ])
    structure_file(
        "block_diagonal", "chunked-linear-scan-block-diagonal.mlir", """
recur.linear_scan `block_diagonal` through --recur-lower-scans: blocks of
size k = 2 on a state [B, n = 4] (batch_dims = 1); a chunk's composed
transition is a dense [n, n] matrix per batch entry.""", (2, 4), 1,
        {"block": 2},
        extra=[lambda: linear_case(
            "block_diagonal", 13, (6, 2), 0,
            "Matrix state [n = 6, 2] (batch_dims = 0, k = 3), seq_lens over "
            "the rows\n[13, 2, 7, 0, 13, 9], reverse.", init=True,
            lens=[13, 2, 7, 0, 13, 9], reverse=True, block=3)])
    structure_file(
        "identity_plus_low_rank", "chunked-linear-scan-low-rank.mlir", """
recur.linear_scan `identity_plus_low_rank` through --recur-lower-scans: the
delta rule's A_t = I + u v^T (rank r = 2) on a state [B, n = 3, dv = 2]
(batch_dims = 1); a chunk's composed transition is a dense [n, n] matrix.""",
        (2, 3, 2), 1, {"rank": 2},
        extra=[lambda: linear_case(
            "identity_plus_low_rank", 13, (4,), 0,
            "Rank 1 on a vector state [4], no batch, T = 13, time_axis = 0.",
            init=True, rank=1)])
    structure_file(
        "dense", "chunked-linear-scan-dense.mlir", """
recur.linear_scan `dense` through --recur-lower-scans: full [n, n]
transitions on a state [B, n = 3] (batch_dims = 1).""", (2, 3), 1, {},
        extra=[lambda: linear_case(
            "dense", 13, (3, 2), 0,
            "Matrix state [n = 3, 2] (batch_dims = 0, the transition acts on "
            "every\ncolumn), time_axis = 2, reverse.", init=True, axis=2,
            reverse=True)])


def gen_scans():
    T_LADDER = [1, 2, 7, 13, 64]
    cases = []
    for T in T_LADDER:
        cases.append(scan_case(ds.ADD, T, (3,), "Cumulative sum, T = %d, no "
                               "init: the first chunk has no carry." % T))
    cases += [
        scan_case(ds.ADD, 13, (3,), "T = 13 with init.", init=True),
        scan_case(ds.MAX, 64, (2, 2), "Running max, T = 64, time_axis = 1.",
                  axis=1),
        scan_case(ds.ADD, 64, (2,), "T = 64 dynamic (?), init.", init=True,
                  dyn_time=True),
        scan_case(ds.ADD, 13, (2,), "T = 13 dynamic (?), no init.",
                  dyn_time=True),
    ]
    write("chunked-scan-inclusive.mlir", """
recur.scan, inclusive, through --recur-lower-scans: out_t = [init (+)] x_0
(+) ... (+) x_t; each chunk is rescanned with the total before it as init.""",
          cases)

    cases = [scan_case(ds.ADD, T, (3,), "Exclusive sum, T = %d: out_0 = init."
                       % T, exclusive=True) for T in T_LADDER]
    cases += [
        scan_case(ds.MATMUL, 13, (2, 2), "Exclusive matrix products, T = 13 "
                  "(non-commutative).", exclusive=True),
        scan_case(ds.ADD, 13, (2, 2), "Exclusive, reverse, time_axis = 1.",
                  exclusive=True, reverse=True, axis=1),
        scan_case(ds.ADD, 64, (2,), "Exclusive, T = 64 dynamic (?).",
                  exclusive=True, dyn_time=True),
    ]
    write("chunked-scan-exclusive.mlir", """
recur.scan, exclusive, through --recur-lower-scans: out_0 = init, out_t =
init (+) x_0 (+) ... (+) x_{t-1}.""", cases)

    cases = []
    for T in T_LADDER:
        cases.append(scan_case(ds.AFFINE, T, (2,), "Affine maps composed, T = "
                               "%d, no init: a tuple scan whose combiner\n"
                               "does not commute." % T))
    cases += [
        scan_case(ds.AFFINE, 13, (2,), "Affine maps, init, reverse.",
                  init=True, reverse=True),
        scan_case(ds.MATMUL, 64, (2, 2), "Matrix products, T = 64, init: "
                  "order of the factors matters.", init=True),
        scan_case(ds.MATMUL, 13, (3, 3), "Matrix products, T = 13, reverse, "
                  "no init.", reverse=True),
        scan_case(ds.AFFINE, 64, (2,), "Affine maps, T = 64 dynamic (?), "
                  "init, exclusive.", exclusive=True, dyn_time=True),
    ]
    write("chunked-scan-tuple.mlir", """
recur.scan with non-commutative combiners through --recur-lower-scans: a
tuple of two operands (composition of affine maps) and matrix products. The
accumulated value is always the combiner's first argument.""", cases)

    cases = []
    for T in T_LADDER:
        cases.append(scan_case(ds.ADD, T, (2,), "Reverse cumulative sum, T = "
                               "%d, no init: chunks run from the last." % T,
                               reverse=True))
    cases += [
        scan_case(ds.ADD, 13, (2,), "Reverse with init.", init=True,
                  reverse=True),
        scan_case(ds.MAX, 13, (2, 3), "Reverse running max, time_axis = 1, "
                  "T = 13.", reverse=True, axis=1),
        scan_case(ds.ADD, 64, (2,), "Reverse, T = 64 dynamic (?), no init.",
                  reverse=True, dyn_time=True),
    ]
    write("chunked-scan-reverse.mlir", """
recur.scan with `reverse` through --recur-lower-scans: out_t = x_{T-1} (+)
... (+) x_t; the last chunk goes first and carries into the one before.""",
          cases)


if __name__ == "__main__":
    gen_linear_scans()
    gen_scans()

#!/usr/bin/env python3
"""Generates the execution tests of --recur-hoist-invariants and
--recur-fuse-gates.

Writes test/Passes/HoistInvariants/exec-*.mlir and
test/Passes/FuseGates/exec-*.mlir. Each case is a recur.recurrence written
out by hand (a minGRU body, a GRU-like body with sibling matmuls on x and on
h, a body whose captures feed both the state-independent and the
state-dependent part, a stateless map) in a function of its own, called from
@main on small random constants, every result printed. Every file runs the
reference lowering without the passes, with each pass alone and with both,
and all four must print what numpy computes in float64 from the equations
below, written here from the recurrences' definitions (recur.recurrence's
semantics: reverse, sequence lengths that keep the state and zero the
outputs of inactive steps), not from the C++ rewrites. A FileCheck run per
file checks that the rewrites really fire on that very input, so a pass that
did nothing would fail it.

Tolerance: the default 1e-5, relative to 1 + |expected|. Inputs have two
decimals and are exactly representable once read as f32, and the reference
computes from those very f32 values in float64; the compiled code rounds
each operation to f32 (a few ulps, 6e-8 each) over at most 6 steps of sums of
a few terms of order one, around 1e-6 at worst.

Seeded, so rerunning rewrites the same files:

    /usr/bin/python3 test/gen/gen_hoist_fuse_tests.py
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlirgen  # noqa: E402  (the shared MLIR writer, next to this script)
from mlirgen import tensor_type  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Passes")
SCRIPT = "test/gen/gen_hoist_fuse_tests.py"

# ---------------------------------------------------------------------------
# Reference semantics (numpy, float64)
# ---------------------------------------------------------------------------


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def mingru_step(h, x, c):
    # z = sigmoid(x Wz); h~ = x Wh; h' = (1 - z) h + z h~
    z = sigmoid(x @ c["wz"])
    hn = (1.0 - z) * h + z * (x @ c["wh"])
    return hn, [hn]


def gru_step(h, x, c):
    # z = sigmoid(x Wz + bz + h Rz); r = sigmoid(x Wr + br + h Rr)
    # h~ = tanh(x Wh + bh + r (h Rh)); h' = (1 - z) h~ + z h
    z = sigmoid(x @ c["wz"] + c["bz"] + h @ c["rz"])
    r = sigmoid(x @ c["wr"] + c["br"] + h @ c["rr"])
    cand = np.tanh(x @ c["wh"] + c["bh"] + r * (h @ c["rh"]))
    hn = (1.0 - z) * cand + z * h
    return hn, [hn]


def captures_step(h, x, c):
    # W = transpose(WT); u = x W; h' = tanh(h d + u d); y = h' + u
    u = x @ c["wt"].T
    hn = np.tanh(h * c["d"] + u * c["d"])
    return hn, [hn + u]


def map_step(h, x, c):
    # p = x W + b; q = tanh(x V)
    return None, [x @ c["w"] + c["b"], np.tanh(x @ c["v"])]


def run(step, x, h0, caps, axis, reverse, lens):
    """The final state and stacked outputs of a recurrence (or a map when
    h0 is None) over x, per recur.recurrence's definition."""
    xs = np.moveaxis(x, axis, 0)
    steps, batch = xs.shape[0], xs.shape[1]
    h = None if h0 is None else h0.copy()
    outs = None
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for t in order:
        hn, ys = step(h, xs[t], caps)
        if outs is None:
            outs = [np.zeros((steps,) + y.shape) for y in ys]
        active = np.ones(batch, dtype=bool) if lens is None else t < lens
        for k, y in enumerate(ys):
            outs[k][t] = np.where(active[:, None], y, 0.0)
        if h is not None:
            h = np.where(active[:, None], hn, h)
    if outs is None:  # no steps: outputs are empty
        hn, ys = step(h if h is not None else np.zeros((batch, 1)),
                      np.zeros(xs.shape[1:]), caps)
        outs = [np.zeros((0,) + y.shape) for y in ys]
    outs = [np.moveaxis(o, 0, axis) for o in outs]
    return ([] if h is None else [h]) + outs


# ---------------------------------------------------------------------------
# Bodies (MLIR text) of the recurrences
# ---------------------------------------------------------------------------


def empty(name, like, typ, dyn):
    """`name` = tensor.empty of type `typ` with the row count of `like`."""
    if not dyn:
        return ["%s = tensor.empty() : %s" % (name, typ)]
    return ["%s_rows = tensor.dim %s, %%c0 : %s" % (name, like[0], like[1]),
            "%s = tensor.empty(%s_rows) : %s" % (name, name, typ)]


def sigmoid_mlir(v, out, typ):
    return ["%s_neg = arith.negf %s : %s" % (out, v, typ),
            "%s_exp = math.exp %s_neg : %s" % (out, out, typ),
            "%s_den = arith.addf %%ones, %s_exp : %s" % (out, out, typ),
            "%s = arith.divf %%ones, %s_den : %s" % (out, out, typ)]


def matmul(out, a, b, acc, at, bt, rt):
    return ["%s = linalg.matmul ins(%s, %s : %s, %s) outs(%s : %s) -> %s"
            % (out, a, b, at, bt, acc, rt, rt)]


def broadcast(out, v, vt, init, rt):
    return ["%s = linalg.broadcast ins(%s : %s) outs(%s : %s) dimensions = [0]"
            % (out, v, vt, init, rt)]


def body_mingru(s):
    X, H, W = s["XS"], s["HT"], tensor_type([s["I"], s["H"]])
    args = "%%h: %s, %%xt: %s, %%wz: %s, %%wh: %s" % (H, X, W, W)
    ops = ["%c0 = arith.constant 0 : index",
           "%zero = arith.constant 0.0 : f32",
           "%one = arith.constant 1.0 : f32"]
    ops += empty("%ex", ("%xt", X), H, s["dynB"])
    ops += ["%acc = linalg.fill ins(%zero : f32) outs(%ex : {0}) -> {0}".format(H),
            "%ones = linalg.fill ins(%one : f32) outs(%ex : {0}) -> {0}".format(H)]
    ops += matmul("%zpre", "%xt", "%wz", "%acc", X, W, H)
    ops += matmul("%cand", "%xt", "%wh", "%acc", X, W, H)
    ops += sigmoid_mlir("%zpre", "%z", H)
    ops += ["%keep = arith.subf %ones, %z : " + H,
            "%old = arith.mulf %keep, %h : " + H,
            "%new = arith.mulf %z, %cand : " + H,
            "%hn = arith.addf %old, %new : " + H,
            "recur.yield %hn, %hn : {0}, {0}".format(H)]
    return args, ops, [H]


def body_gru(s):
    X, H = s["XS"], s["HT"]
    W, R = tensor_type([s["I"], s["H"]]), tensor_type([s["H"], s["H"]])
    V = tensor_type([s["H"]])
    args = ("%%h: %s, %%xt: %s, %%wz: %s, %%wr: %s, %%wh: %s, %%rz: %s, "
            "%%rr: %s, %%rh: %s, %%bz: %s, %%br: %s, %%bh: %s"
            % (H, X, W, W, W, R, R, R, V, V, V))
    ops = ["%c0 = arith.constant 0 : index",
           "%zero = arith.constant 0.0 : f32",
           "%one = arith.constant 1.0 : f32"]
    ops += empty("%ex", ("%xt", X), H, s["dynB"])
    ops += empty("%eh", ("%h", H), H, s["dynB"])
    ops += ["%accx = linalg.fill ins(%zero : f32) outs(%ex : {0}) -> {0}".format(H),
            "%acch = linalg.fill ins(%zero : f32) outs(%eh : {0}) -> {0}".format(H),
            "%ones = linalg.fill ins(%one : f32) outs(%eh : {0}) -> {0}".format(H)]
    # Input projections with their biases: x W_g + b_g.
    for g in "zrh":
        ops += matmul("%%x%s0" % g, "%xt", "%%w%s" % g, "%accx", X, W, H)
        ops += broadcast("%%b%sb" % g, "%%b%s" % g, V, "%ex", H)
        ops += ["%%x%s = arith.addf %%x%s0, %%b%sb : %s" % (g, g, g, H)]
    # Recurrent products, siblings of h: h R_g.
    for g in "zrh":
        ops += matmul("%%h%s" % g, "%h", "%%r%s" % g, "%acch", H, R, H)
    ops += ["%zp = arith.addf %xz, %hz : " + H]
    ops += sigmoid_mlir("%zp", "%z", H)
    ops += ["%rp = arith.addf %xr, %hr : " + H]
    ops += sigmoid_mlir("%rp", "%r", H)
    ops += ["%rhh = arith.mulf %r, %hh : " + H,
            "%cp = arith.addf %xh, %rhh : " + H,
            "%cand = math.tanh %cp : " + H,
            "%keep = arith.subf %ones, %z : " + H,
            "%a = arith.mulf %keep, %cand : " + H,
            "%b = arith.mulf %z, %h : " + H,
            "%hn = arith.addf %a, %b : " + H,
            "recur.yield %hn, %hn : {0}, {0}".format(H)]
    return args, ops, [H]


def body_captures(s):
    X, H = s["XS"], s["HT"]
    W, WT = tensor_type([s["I"], s["H"]]), tensor_type([s["H"], s["I"]])
    V = tensor_type([s["H"]])
    args = "%%h: %s, %%xt: %s, %%wt: %s, %%d: %s" % (H, X, WT, V)
    ops = ["%c0 = arith.constant 0 : index",
           "%zero = arith.constant 0.0 : f32"]
    ops += empty("%ex", ("%xt", X), H, s["dynB"])
    ops += ["%acc = linalg.fill ins(%zero : f32) outs(%ex : {0}) -> {0}".format(H),
            # Depends on a capture only: computed once, outside.
            "%ew = tensor.empty() : " + W,
            "%%w = linalg.transpose ins(%%wt : %s) outs(%%ew : %s) "
            "permutation = [1, 0]" % (WT, W)]
    ops += matmul("%u", "%xt", "%w", "%acc", X, W, H)
    ops += broadcast("%db", "%d", V, "%ex", H)
    ops += ["%g = arith.mulf %u, %db : " + H,
            "%hd = arith.mulf %h, %db : " + H,
            "%s = arith.addf %hd, %g : " + H,
            "%hn = math.tanh %s : " + H,
            "%y = arith.addf %hn, %u : " + H,
            "recur.yield %hn, %y : {0}, {0}".format(H)]
    return args, ops, [H]


def body_map(s):
    X, H = s["XS"], s["HT"]
    W, V = tensor_type([s["I"], s["H"]]), tensor_type([s["H"]])
    args = "%%xt: %s, %%w: %s, %%b: %s, %%v: %s" % (X, W, V, W)
    ops = ["%c0 = arith.constant 0 : index",
           "%zero = arith.constant 0.0 : f32"]
    ops += empty("%ex", ("%xt", X), H, s["dynB"])
    ops += ["%acc = linalg.fill ins(%zero : f32) outs(%ex : {0}) -> {0}".format(H)]
    ops += matmul("%p0", "%xt", "%w", "%acc", X, W, H)
    ops += broadcast("%bb", "%b", V, "%ex", H)
    ops += ["%p = arith.addf %p0, %bb : " + H]
    ops += matmul("%q0", "%xt", "%v", "%acc", X, W, H)
    ops += ["%q = math.tanh %q0 : " + H,
            "recur.yield %p, %q : {0}, {0}".format(H)]
    return args, ops, [H, H]


KINDS = {
    # kind: (step, body, captures in order as (name, shape in (I, H)))
    "mingru": (mingru_step, body_mingru, [("wz", "IH"), ("wh", "IH")]),
    "gru": (gru_step, body_gru,
            [("wz", "IH"), ("wr", "IH"), ("wh", "IH"), ("rz", "HH"),
             ("rr", "HH"), ("rh", "HH"), ("bz", "H"), ("br", "H"),
             ("bh", "H")]),
    "captures": (captures_step, body_captures, [("wt", "HI"), ("d", "H")]),
    "map": (map_step, body_map, [("w", "IH"), ("b", "H"), ("v", "IH")]),
}

# ---------------------------------------------------------------------------
# MLIR emission (the shared pieces are in mlirgen.py)
# ---------------------------------------------------------------------------


class TestFile:
    def __init__(self, folder, name, summary, checks):
        self.path = os.path.join(ROOT, folder, name)
        self.summary, self.checks = summary, checks
        self.main, self.funcs, self.expects = [], [], []
        self.counter, self.cases = 0, 0

    def fresh(self, base):
        self.counter += 1
        return "%%%s%d" % (base, self.counter)

    def const(self, arr, elem, dynamic):
        lines, value, typ = mlirgen.constant(self.fresh, arr, elem, dynamic)
        self.main += lines
        return value, typ

    def print(self, value, typ, expected):
        """Prints `value`, expecting `expected` (an empty tensor prints its
        shape instead)."""
        lines, expect = mlirgen.print_tensor(self.fresh, value, typ, expected)
        self.main += lines
        self.expects.append(expect)

    def case(self, comment, kind, rng, T, B, I, H, axis=0, reverse=False,
             lens=None, dynamic=""):
        """One recurrence of `kind` over x [T, B, I] (time_axis 0) or
        [B, T, I] (time_axis 1); `dynamic` names the sizes ("T", "B") the
        recurrence's function sees as dynamic."""
        step, body, cap_specs = KINDS[kind]
        stateless = kind == "map"
        size = {"I": I, "H": H}
        xshape = (T, B, I) if axis == 0 else (B, T, I)
        x = rng.uniform(-1, 1, xshape).round(2)
        h0 = None if stateless else rng.uniform(-1, 1, (B, H)).round(2)
        caps = {name: rng.uniform(-0.6, 0.6, [size[c] for c in shape]).round(2)
                for name, shape in cap_specs}
        lens_arr = None if lens is None else np.array(lens, dtype=np.int32)
        f = lambda a: a.astype(np.float32).astype(np.float64)
        expected = run(step, f(x), None if h0 is None else f(h0),
                       {k: f(v) for k, v in caps.items()}, axis, reverse,
                       lens_arr)

        Td = "?" if "T" in dynamic else T
        Bd = "?" if "B" in dynamic else B
        shapes = {"I": I, "H": H, "dynB": "B" in dynamic,
                  "XS": tensor_type([Bd, I]), "HT": tensor_type([Bd, H])}
        XT = tensor_type([Td, Bd, I] if axis == 0 else [Bd, Td, I])
        YT = tensor_type([Td, Bd, H] if axis == 0 else [Bd, Td, H])
        args, ops, _ = body(shapes)

        self.main.append("")
        self.main += ["// " + l for l in comment.strip().splitlines()]
        tdim, bdim = (0, 1) if axis == 0 else (1, 0)
        xdyn = tuple(d for d, n in ((tdim, "T"), (bdim, "B")) if n in dynamic)
        bdyn = (0,) if "B" in dynamic else ()
        operands = [self.const(x, "f32", xdyn)]
        if not stateless:
            operands.append(self.const(h0, "f32", bdyn))
        for name, _ in cap_specs:
            operands.append(self.const(caps[name], "f32", ()))
        if lens_arr is not None:
            operands.append(self.const(lens_arr, "i32", bdyn))

        self.cases += 1
        fn = "@%s%d" % (kind, self.cases)
        names = ["%x"] + ([] if stateless else ["%h0"]) + \
            ["%%%s_" % n for n, _ in cap_specs] + \
            (["%lens"] if lens_arr is not None else [])
        cap_types = ", ".join(t for _, t in operands[1 if stateless else 2:]
                              [:len(cap_specs)])
        result_types = [YT, YT] if stateless else [shapes["HT"], YT]
        attrs = []
        if reverse:
            attrs.append("reverse")
        if axis:
            attrs.append("time_axis = %d : i64" % axis)
        head = "%%res:2 = recur.recurrence %sseq(%%x : %s) captures(%s : %s)%s%s -> %s {" % (
            "" if stateless else "init(%%h0 : %s) " % shapes["HT"], XT,
            ", ".join("%%%s_" % n for n, _ in cap_specs), cap_types,
            "" if lens_arr is None else " seq_lens(%%lens : %s)" % operands[-1][1],
            " {%s}" % ", ".join(attrs) if attrs else "",
            ", ".join(result_types))
        types = [t for _, t in operands]
        self.funcs += mlirgen.func_def(
            fn, names, types, result_types,
            [head, "^bb0(%s):" % args] + ["  " + o for o in ops] + ["}"],
            ["%res#0", "%res#1"])
        line, results = mlirgen.call(self.fresh("r"), fn,
                                     [v for v, _ in operands], types,
                                     result_types)
        self.main.append(line)
        for r, typ, want in zip(results, result_types, expected):
            self.print(r, typ, want)

    def siblings_case(self, comment, rng, M, K, widths, dynamic):
        """Matmuls of one x [M, K] by matrices [K, N_i] (`widths`), each onto
        its own accumulator c_i (not a fill: y_i = c_i + x W_i), outside any
        recurrence; `dynamic` names the sizes ("M", "N") seen as dynamic."""
        x = rng.uniform(-1, 1, (M, K)).round(2)
        ws = [rng.uniform(-0.6, 0.6, (K, n)).round(2) for n in widths]
        cs = [rng.uniform(-1, 1, (M, n)).round(2) for n in widths]
        f = lambda a: a.astype(np.float32).astype(np.float64)
        expected = [f(c) + f(x) @ f(w) for w, c in zip(ws, cs)]
        rows = (0,) if "M" in dynamic else ()
        cols = (1,) if "N" in dynamic else ()
        self.main.append("")
        self.main += ["// " + l for l in comment.strip().splitlines()]
        operands = [self.const(x, "f32", rows)]
        operands += [self.const(w, "f32", cols) for w in ws]
        operands += [self.const(c, "f32", rows + cols) for c in cs]
        self.cases += 1
        fn = "@siblings%d" % self.cases
        n = len(widths)
        names = ["%x"] + ["%%w%d" % i for i in range(n)] + \
            ["%%c%d" % i for i in range(n)]
        types = [t for _, t in operands]
        body = ["%%y%d = linalg.matmul ins(%%x, %%w%d : %s, %s) outs(%%c%d : %s) -> %s"
                % (i, i, types[0], types[1 + i], i, types[1 + n + i],
                   types[1 + n + i]) for i in range(n)]
        result_types = types[1 + n:]
        self.funcs += mlirgen.func_def(fn, names, types, result_types, body,
                                       ["%%y%d" % i for i in range(n)])
        line, results = mlirgen.call(self.fresh("r"), fn,
                                     [v for v, _ in operands], types,
                                     result_types)
        self.main.append(line)
        for r, typ, want in zip(results, result_types, expected):
            self.print(r, typ, want)

    def write(self):
        passes = ["", " --recur-hoist-invariants", " --recur-fuse-gates",
                  " --recur-hoist-invariants --recur-fuse-gates"]
        runs = ["// RUN: recur-opt %%s%s --recur-reference-to-llvm | "
                "%%recur-runner | %%numcheck" % p for p in passes]
        runs += ["// RUN: recur-opt %s --recur-hoist-invariants "
                 "--recur-fuse-gates | FileCheck %s"]
        lines = mlirgen.header(SCRIPT, "the recurrences' equations",
                               self.summary, runs)
        lines += [""] + self.expects + [""]
        lines += mlirgen.comment_lines(self.checks)
        lines += ["", mlirgen.PRINT_DECL, ""]
        lines += self.funcs
        lines += ["func.func @main() {"] + ["  " + l if l else "" for l in self.main]
        lines += ["  return", "}"]
        with open(self.path, "w") as out:
            out.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------


def main():
    rng = np.random.default_rng(20251125)

    t = TestFile("HoistInvariants", "exec-mingru.mlir", """
minGRU: z = sigmoid(x Wz), h' = (1 - z) h + z (x Wh). After hoisting, both
input projections are one matmul each over all T*B rows, the gate math is a
stateless map, and the recurrence proper keeps two ops; fusion then makes
the two projections one matmul by [Wz | Wh].
""", """
CHECK-LABEL: func.func @mingru1(
CHECK-SAME: %[[X:[^:]*]]: tensor<5x2x3xf32>
CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[X]] {{\\[\\[}}0, 1], [2]] : tensor<5x2x3xf32> into tensor<10x3xf32>
CHECK: %[[W:.*]] = tensor.concat dim(1) %{{.*}}, %{{.*}} : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x8xf32>
CHECK: linalg.matmul ins(%[[ROWS]], %[[W]] : tensor<10x3xf32>, tensor<3x8xf32>)
CHECK-NOT: linalg.matmul
CHECK: recur.recurrence seq(
CHECK-NOT: linalg.matmul
CHECK: recur.recurrence init(
CHECK-NOT: linalg.matmul
CHECK: return
""")
    t.case("T = 5, B = 2, I = 3, H = 4.", "mingru", rng, 5, 2, 3, 4)
    t.case("One step.", "mingru", rng, 1, 3, 3, 4)
    t.write()

    t = TestFile("FuseGates", "exec-gru.mlir", """
A GRU-like body (ONNX's linear_before_reset form) written with one matmul per
gate: x W_z, x W_r, x W_h are siblings of x (hoisted, then fused outside into
one matmul over all steps), h R_z, h R_r, h R_h are siblings of h (fused in
the body; their matrices are concatenated outside and captured).
  z = sigmoid(x Wz + bz + h Rz), r = sigmoid(x Wr + br + h Rr)
  h~ = tanh(x Wh + bh + r (h Rh)), h' = (1 - z) h~ + z h
""", """
CHECK-LABEL: func.func @gru1(
CHECK: %[[ROWS:.*]] = tensor.collapse_shape
CHECK: %[[W:.*]] = tensor.concat dim(1) %{{.*}}, %{{.*}}, %{{.*}} : (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x12xf32>
CHECK: linalg.matmul ins(%[[ROWS]], %[[W]] : tensor<12x3xf32>, tensor<3x12xf32>)
CHECK: %[[R:.*]] = tensor.concat dim(1) %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x12xf32>
CHECK: recur.recurrence init({{.*}}) seq({{.*}}) captures(%[[R]] : tensor<4x12xf32>)
CHECK: ^bb0(%[[H:[^:]*]]: tensor<3x4xf32>,
CHECK: linalg.matmul ins(%[[H]], %{{.*}} : tensor<3x4xf32>, tensor<4x12xf32>)
CHECK-NOT: linalg.matmul
CHECK: linalg.generic
CHECK: math.exp
CHECK: math.exp
CHECK: math.tanh
CHECK: linalg.yield
CHECK-NEXT: } -> tensor<3x4xf32>
CHECK-NEXT: recur.yield
""")
    t.case("T = 4, B = 3, I = 3, H = 4.", "gru", rng, 4, 3, 3, 4)
    t.case("T = 6, B = 2, I = 3, H = 4, reverse.", "gru", rng, 6, 2, 3, 4,
           reverse=True)
    t.write()

    t = TestFile("FuseGates", "exec-siblings.mlir", """
Sibling matmuls outside recurrences whose accumulators are not one fill
(y_i = c_i + x W_i): the accumulators are concatenated like the matrices,
and with dynamic widths the slices start at offsets computed at run time.
""", """
CHECK-LABEL: func.func @siblings1(
CHECK: tensor.concat dim(1)
CHECK: tensor.concat dim(1)
CHECK: linalg.matmul
CHECK-NOT: linalg.matmul
CHECK: return
CHECK-LABEL: func.func @siblings2(
CHECK: tensor.concat dim(1) {{.*}} -> tensor<3x?xf32>
CHECK: linalg.matmul {{.*}} -> tensor<?x?xf32>
CHECK-COUNT-3: tensor.extract_slice
CHECK-NOT: linalg.matmul
CHECK: return
""")
    t.siblings_case("Static: three siblings of widths 4, 2, 3.", rng, 3, 3,
                    [4, 2, 3], "")
    t.siblings_case("Dynamic rows and widths (4, 1, 3).", rng, 2, 3, [4, 1, 3],
                    "MN")
    t.write()

    t = TestFile("HoistInvariants", "exec-captures.mlir", """
Captures read by both parts: W = transpose(WT) depends on a capture only and
is computed once, outside; u = x W and u d are state-independent; the state
update reads d too and the step output reads u.
  u = x W, h' = tanh(h d + u d), y = h' + u
""", """
CHECK-LABEL: func.func @captures1(
CHECK: %[[W:.*]] = linalg.transpose
CHECK: %[[ROWS:.*]] = tensor.collapse_shape
CHECK: linalg.matmul ins(%[[ROWS]], %[[W]] : tensor<8x3xf32>, tensor<3x4xf32>)
CHECK: %[[P:.*]] = tensor.expand_shape
CHECK: %[[G:.*]] = recur.recurrence seq(%[[P]] : tensor<4x2x4xf32>) captures(%[[D:[^ ]*]] : tensor<4xf32>)
CHECK-NOT: linalg.transpose
CHECK-NOT: linalg.matmul
CHECK: recur.recurrence init({{.*}}) seq(%[[P]], %[[G]] : {{.*}}) captures(%[[D]] : tensor<4xf32>)
CHECK-NOT: linalg.transpose
CHECK-NOT: linalg.matmul
CHECK: return
""")
    t.case("T = 4, B = 2, I = 3, H = 4.", "captures", rng, 4, 2, 3, 4)
    t.case("T = 3, B = 3, I = 3, H = 4, reverse, lengths [3, 1, 0].",
           "captures", rng, 3, 3, 3, 4, reverse=True, lens=[3, 1, 0])
    t.write()

    t = TestFile("HoistInvariants", "exec-layouts.mlir", """
Reverse, sequence lengths and time_axis = 1: the hoisted work is computed for
every step (inactive ones too), the recurrence proper still masks its states
and outputs, and the step indexing of the map matches the recurrence's.
""", """
CHECK-LABEL: func.func @gru1(
CHECK: tensor.collapse_shape %{{.*}} {{\\[\\[}}0, 1], [2]] : tensor<6x3x3xf32> into tensor<18x3xf32>
CHECK: recur.recurrence init({{.*}}) seq({{.*}}) captures({{.*}}) seq_lens({{.*}}) {reverse} ->
CHECK-LABEL: func.func @mingru2(
CHECK: recur.recurrence seq({{.*}}) -> tensor<5x2x4xf32>, tensor<5x2x4xf32>
CHECK: recur.recurrence init({{.*}}) seq({{.*}}) seq_lens({{.*}}) ->
CHECK-LABEL: func.func @mingru3(
CHECK: tensor.collapse_shape %{{.*}} {{\\[\\[}}0, 1], [2]] : tensor<2x5x3xf32> into tensor<10x3xf32>
CHECK: tensor.expand_shape %{{.*}} {{\\[\\[}}0, 1], [2]] output_shape [2, 5, 4] : tensor<10x4xf32> into tensor<2x5x4xf32>
CHECK: recur.recurrence seq({{.*}}) {time_axis = 1 : i64} ->
CHECK: recur.recurrence init({{.*}}) seq({{.*}}) {reverse, time_axis = 1 : i64} ->
""")
    t.case("GRU-like, reverse, lengths [6, 0, 3].", "gru", rng, 6, 3, 3, 4,
           reverse=True, lens=[6, 0, 3])
    t.case("minGRU, lengths [2, 5].", "mingru", rng, 5, 2, 3, 4,
           lens=[2, 5])
    t.case("minGRU, time_axis = 1 (x is [B, T, I]), reverse.", "mingru", rng,
           5, 2, 3, 4, axis=1, reverse=True)
    t.write()

    t = TestFile("HoistInvariants", "exec-dynamic.mlir", """
Dynamic T and B: the constants are cast to dynamic shapes in functions of
their own, so the collapsed row count T*B is only known at run time. T = 0
gives empty outputs (printed as their shape) and the initial state.
""", """
CHECK-LABEL: func.func @mingru1(
CHECK: %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\\[\\[}}0, 1], [2]] : tensor<?x?x3xf32> into tensor<?x3xf32>
CHECK: linalg.matmul ins(%[[ROWS]], %{{.*}} : tensor<?x3xf32>, tensor<3x8xf32>)
CHECK: tensor.reshape %{{.*}} : (tensor<?x4xf32>, tensor<3xindex>) -> tensor<?x?x4xf32>
CHECK: recur.recurrence seq(
CHECK: recur.recurrence init(
CHECK-NOT: linalg.matmul
CHECK: return
CHECK-LABEL: func.func @gru4(
CHECK: tensor.collapse_shape %{{.*}} {{\\[\\[}}0, 1], [2]] : tensor<?x2x3xf32> into tensor<?x3xf32>
CHECK: tensor.expand_shape %{{.*}} {{\\[\\[}}0, 1], [2]] output_shape [%{{.*}}, 2, 4] : tensor<?x4xf32> into tensor<?x2x4xf32>
""")
    t.case("minGRU, T = 5, B = 3.", "mingru", rng, 5, 3, 3, 4, dynamic="TB")
    t.case("GRU-like, T = 4, B = 2, lengths [1, 4].", "gru", rng, 4, 2, 3, 4,
           lens=[1, 4], dynamic="TB")
    t.case("Captures in both parts, T = 3, B = 2.", "captures", rng, 3, 2, 3,
           4, dynamic="TB")
    t.case("GRU-like, T = 0 (dynamic, B static).", "gru", rng, 0, 2, 3, 4,
           dynamic="T")
    t.write()

    t = TestFile("HoistInvariants", "exec-map.mlir", """
Stateless recurrences (maps over time) written by hand: p = x W + b is an
input projection with a bias and becomes one matmul over all steps (the map
no longer computes it); q = tanh(x V) keeps its tanh in the map, its matmul
peeled out. Fusion then makes x W and x V one matmul by [W | V].
""", """
CHECK-LABEL: func.func @map1(
CHECK: %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\\[\\[}}0, 1], [2]] : tensor<4x2x3xf32> into tensor<8x3xf32>
CHECK: linalg.matmul ins(%[[ROWS]], %{{.*}} : tensor<8x3xf32>, tensor<3x8xf32>)
CHECK: %[[P:.*]] = tensor.expand_shape
CHECK: %[[Q:.*]] = tensor.expand_shape
CHECK: %[[M:.*]] = recur.recurrence seq(%[[Q]] : tensor<4x2x4xf32>) -> tensor<4x2x4xf32>
CHECK-NOT: linalg.matmul
CHECK: math.tanh
CHECK: return %[[P]], %[[M]]
CHECK-LABEL: func.func @map2(
CHECK: tensor.collapse_shape %{{.*}} : tensor<?x?x3xf32> into tensor<?x3xf32>
CHECK: recur.recurrence seq({{.*}}) {time_axis = 1 : i64}
CHECK-NOT: linalg.matmul
CHECK: return
""")
    t.case("T = 4, B = 2.", "map", rng, 4, 2, 3, 4)
    t.case("time_axis = 1, dynamic T = 3 and B = 2.", "map", rng, 3, 2, 3, 4,
           axis=1, dynamic="TB")
    t.write()


if __name__ == "__main__":
    main()

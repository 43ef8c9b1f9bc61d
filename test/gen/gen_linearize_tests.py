#!/usr/bin/env python3
"""Generates the tests of --recur-linearize, --recur-explain and the affine
decomposition analysis, one family of recurrent models per file.

Each family is written the way a user writes it, as a plain recur.recurrence
(see examples/mingru.mlir), and implemented a second time here in numpy
(float64), independently of the compiler. For every family this writes

  test/Passes/Linearize/<name>.mlir  FileCheck of the rewrite (linear families
      become a recur.linear_scan of the expected structure and no recurrence
      with a state is left; nonlinear ones are left alone), and two execution
      runs checked against the same numpy EXPECT lines: the original through
      the sequential reference, and the linearized form;
  test/Analysis/<name>.mlir          the remarks of
      --recur-test-affine-decomposition and --recur-explain, checked with
      -verify-diagnostics (obstacles are named with their exact line).

Seeded, so rerunning rewrites the same files:

    /usr/bin/python3 test/gen/gen_linearize_tests.py
"""

import os

import numpy as np

import mlirgen

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
LINEARIZE_DIR = os.path.join(ROOT, "Passes", "Linearize")
ANALYSIS_DIR = os.path.join(ROOT, "Analysis")
SCRIPT = "test/gen/gen_linearize_tests.py"
TOLERANCE = "1e-4"

rng = np.random.default_rng(20241125)


# ---------------------------------------------------------------------------
# Data and formatting
# ---------------------------------------------------------------------------

def rand(*shape, scale=1.0):
    """Values with two decimals (exact in the printed IR), as float64 of their
    float32 rounding, so numpy and the test read the same inputs."""
    v = np.round(rng.uniform(-1, 1, size=shape) * scale, 2)
    return v.astype(np.float32).astype(np.float64)


def positive(*shape, lo=0.05, hi=1.0):
    v = np.round(rng.uniform(lo, hi, size=shape), 2)
    return v.astype(np.float32).astype(np.float64)


def ty(shape, elem="f32"):
    return mlirgen.tensor_type(shape, elem)


literal = mlirgen.literal
expect = mlirgen.expect_line


def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------------------
# MLIR snippets
# ---------------------------------------------------------------------------

def sigmoid(out, x, ones, t):
    """out = 1 / (1 + exp(-x)), spelled out on tensors of type t."""
    return (f"    %{out}_neg = arith.negf %{x} : {t}\n"
            f"    %{out}_exp = math.exp %{out}_neg : {t}\n"
            f"    %{out}_den = arith.addf %{ones}, %{out}_exp : {t}\n"
            f"    %{out} = arith.divf %{ones}, %{out}_den : {t}\n")


def matmul(out, a, b, acc, ta, tb, tc):
    return (f"    %{out} = linalg.matmul ins(%{a}, %{b} : {ta}, {tb}) "
            f"outs(%{acc} : {tc}) -> {tc}\n")


def fill(out, scalar, empty, t):
    return f"    %{out} = linalg.fill ins(%{scalar} : f32) outs(%{empty} : {t}) -> {t}\n"


def bcast(out, x, tx, empty, t, dims):
    return (f"    %{out} = linalg.broadcast ins(%{x} : {tx}) outs(%{empty} : {t}) "
            f"dimensions = [{', '.join(str(d) for d in dims)}]\n")


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

class Case:
    """One family: its function, inputs, numpy results and expectations.

    func: the MLIR function (named like the case, '-' as '_'); args:
    [(array, signature type, constant type)]; results: numpy arrays in the
    function's result order, result_types their MLIR types; checks:
    FileCheck lines for the rewrite; remarks: the analysis remarks on the
    recurrence, in order, and explain: the explain remark (both may hold
    {{regex}} parts; LINE(marker) becomes file:line:col of the op on the
    line that ends with `// marker`, where the test pass's notes go too);
    passes: the rewrite the file runs."""

    def __init__(self, name, summary, func, args, results, result_types,
                 checks, remarks, explain, passes="--recur-linearize"):
        self.name, self.summary, self.func = name, summary, func
        self.args, self.results, self.result_types = args, results, result_types
        self.checks, self.remarks, self.explain = checks, remarks, explain
        # The rewrite under test; `remarks` None: no analysis file (a named
        # cell, which test/Analysis/explain*.mlir cover).
        self.passes = passes


def header(runs, summary):
    return "\n".join(mlirgen.header(
        SCRIPT, "the family, implemented independently of the compiler",
        summary, ["// RUN: " + r for r in runs])) + "\n"


def main_func(case):
    lines = ["func.func private @printMemrefF32(tensor<*xf32>)", "",
             "func.func @main() {"]
    names = []
    for i, (a, sig_t, const_t) in enumerate(case.args):
        lines.append(f"  %in{i} = arith.constant dense<{literal(a)}> : {const_t}")
        if sig_t != const_t:
            lines.append(f"  %arg{i} = tensor.cast %in{i} : {const_t} to {sig_t}")
            names.append(f"%arg{i}")
        else:
            names.append(f"%in{i}")
    sig_types = ", ".join(t for _, t, _ in case.args)
    res_types = ", ".join(case.result_types)
    n = len(case.result_types)
    fn = case.name.replace("-", "_")
    lines.append(f"  %r:{n} = call @{fn}({', '.join(names)}) : "
                 f"({sig_types}) -> ({res_types})" if n > 1 else
                 f"  %r = call @{fn}({', '.join(names)}) : "
                 f"({sig_types}) -> {res_types}")
    for k, t in enumerate(case.result_types):
        r = f"%r#{k}" if n > 1 else "%r"
        lines.append(f"  %p{k} = tensor.cast {r} : {t} to tensor<*xf32>")
        lines.append(f"  call @printMemrefF32(%p{k}) : (tensor<*xf32>) -> ()")
    lines += ["  return", "}"]
    return "\n".join(lines) + "\n"


def marker_position(text, marker):
    """(line, column) of the op (its name) on the line holding
    `// <marker>`."""
    for i, line in enumerate(text.split("\n")):
        if f"// {marker}" in line:
            return i + 1, line.index(" = ") + 4
    raise ValueError(marker)


def write_linearize(case):
    runs = [f"recur-opt %s {case.passes} | FileCheck %s",
            "recur-opt %s --recur-reference-to-llvm | %recur-runner | %numcheck",
            f"recur-opt %s {case.passes} --recur-reference-to-llvm "
            "| %recur-runner | %numcheck"]
    text = header(runs, case.summary)
    text += f"//\n// TOLERANCE: {TOLERANCE}\n"
    text += "\n".join(expect(r) for r in case.results) + "\n\n"
    text += "\n".join("// " + c for c in case.checks) + "\n"
    text += case.func + "\n" + main_func(case)
    with open(os.path.join(LINEARIZE_DIR, case.name + ".mlir"), "w") as f:
        f.write(text)


def write_analysis(case):
    runs = ["recur-opt %s --recur-test-affine-decomposition --recur-explain "
            "-verify-diagnostics -o /dev/null"]
    # The remarks are written here by hand, so no "Expected values" line.
    lines = header(runs, case.summary).split("\n")
    lines = [l for l in lines if not l.startswith("// Expected values:")]
    text = "\n".join(lines) + "\n"
    func_lines = case.func.split("\n")
    at = next(i for i, l in enumerate(func_lines) if "= recur.recurrence" in l)
    indent = func_lines[at][:len(func_lines[at]) - len(func_lines[at].lstrip())]
    remarks = []
    for r in case.remarks + [case.explain]:
        kind = "expected-remark-re" if "{{" in r else "expected-remark"
        remarks.append(f"{indent}// {kind} @below {{{{{r}}}}}")
    func_lines[at:at] = remarks
    # The test pass attaches a note at each obstacle, one per state it stops.
    notes = sum("not affine" in r for r in case.remarks)
    for i, line in enumerate(func_lines):
        if "// obstacle" in line:
            pad = line[:len(line) - len(line.lstrip())]
            func_lines[i:i] = [f"{pad}// expected-note @below {{{{state #{s} "
                               f"stops being affine here}}}}"
                               for s in range(notes)]
            break
    text += "\n".join(func_lines)
    # Obstacle markers name lines of the final file.
    while "LINE(" in text:
        start = text.index("LINE(")
        end = text.index(")", start)
        marker = text[start + 5:end]
        line, col = marker_position(text.replace(text[start:end + 1], ""),
                                    marker)
        text = text[:start] + f"{case.name}.mlir:{line}:{col}" + text[end + 1:]
    with open(os.path.join(ANALYSIS_DIR, case.name + ".mlir"), "w") as f:
        f.write(text)


NO_STATEFUL = ["CHECK-NOT: recur.recurrence init"]


def linear_checks(name, scan_line):
    return ([f"CHECK-LABEL: func.func @{name}("] + NO_STATEFUL +
            [f"CHECK: {scan_line}"] + NO_STATEFUL + ["CHECK: return"])


def nonlinear_checks(name):
    return [f"CHECK-LABEL: func.func @{name}(",
            "CHECK-NOT: recur.linear_scan",
            "CHECK: recur.recurrence init",
            "CHECK-NOT: recur.linear_scan",
            "CHECK: return"]


# ---------------------------------------------------------------------------
# Linear families
# ---------------------------------------------------------------------------

def mingru():
    T, B, I, H = 6, 2, 3, 4
    x, h0 = rand(T, B, I), rand(B, H)
    wz, wh = rand(I, H), rand(I, H)
    h, hs = h0.copy(), []
    for t in range(T):
        z = sig(x[t] @ wz)
        h = (1 - z) * h + z * (x[t] @ wh)
        hs.append(h)
    tx, th, tw = ty([None, None, I]), ty([None, H]), ty([I, H])
    tstep, ths = ty([None, I]), ty([None, None, H])
    func = f"""func.func @mingru(%x: {tx}, %h0: {th}, %wz: {tw}, %wh: {tw})
    -> ({th}, {ths}) {{
  %hT, %hs = recur.recurrence init(%h0 : {th}) seq(%x : {tx})
      captures(%wz, %wh : {tw}, {tw}) -> {th}, {ths} {{
  ^bb0(%h: {th}, %xt: {tstep}, %Wz: {tw}, %Wh: {tw}):
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %b = tensor.dim %xt, %c0 : {tstep}
    %empty = tensor.empty(%b) : {th}
{fill("acc", "zero", "empty", th)}{fill("ones", "one", "empty", th)}\
{matmul("zpre", "xt", "Wz", "acc", tstep, tw, th)}\
{matmul("cand", "xt", "Wh", "acc", tstep, tw, th)}\
{sigmoid("z", "zpre", "ones", th)}\
    %keep = arith.subf %ones, %z : {th}
    %old = arith.mulf %keep, %h : {th}
    %new = arith.mulf %z, %cand : {th}
    %hn = arith.addf %old, %new : {th}
    recur.yield %hn, %hn : {th}, {th}
  }}
  return %hT, %hs : {th}, {ths}
}}
"""
    return Case(
        "mingru",
        """minGRU (Feng et al. 2024): h_t = (1 - z_t) * h_{t-1} + z_t * (x_t Wh),
z_t = sigmoid(x_t Wz). Diagonal (elementwise) transition; T and B dynamic.""",
        func,
        [(x, tx, ty([T, B, I])), (h0, th, ty([B, H])), (wz, tw, tw),
         (wh, tw, tw)],
        [h, np.stack(hs)], [th, ths],
        linear_checks("mingru",
                      "recur.linear_scan diagonal a({{.*}} : tensor<?x?x4xf32>) "
                      "b({{.*}} : tensor<?x?x4xf32>) init(%arg1 : "
                      "tensor<?x4xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>"),
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=diagonal, batch_dims=0"],
        "recurrence: linear, structure=diagonal, batch_dims=0, "
        "strategy=scan (h_next = a(x_t) * h + b(x_t), "
        "elementwise)")


def minlstm():
    T, B, I, H = 7, 3, 3, 4
    x, h0 = rand(T, B, I), rand(B, H)
    wf, wi, wh = rand(I, H), rand(I, H), rand(I, H)
    lens = np.array([7, 0, 4], dtype=np.int32)
    h, hs = h0.copy(), np.zeros((T, B, H))
    for t in range(T):
        f, i = sig(x[t] @ wf), sig(x[t] @ wi)
        nxt = f / (f + i) * h + i / (f + i) * (x[t] @ wh)
        active = (t < lens)[:, None]
        h = np.where(active, nxt, h)
        hs[t] = np.where(active, nxt, 0.0)
    tx, th, tw, tstep = ty([T, B, I]), ty([B, H]), ty([I, H]), ty([B, I])
    ths, tl = ty([T, B, H]), ty([B], "i32")
    func = f"""func.func @minlstm(%x: {tx}, %h0: {th}, %wf: {tw}, %wi: {tw},
                   %wh: {tw}, %lens: {tl}) -> ({th}, {ths}) {{
  %hT, %hs = recur.recurrence init(%h0 : {th}) seq(%x : {tx})
      captures(%wf, %wi, %wh : {tw}, {tw}, {tw}) seq_lens(%lens : {tl})
      -> {th}, {ths} {{
  ^bb0(%h: {th}, %xt: {tstep}, %Wf: {tw}, %Wi: {tw}, %Wh: {tw}):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %empty = tensor.empty() : {th}
{fill("acc", "zero", "empty", th)}{fill("ones", "one", "empty", th)}\
{matmul("fpre", "xt", "Wf", "acc", tstep, tw, th)}\
{matmul("ipre", "xt", "Wi", "acc", tstep, tw, th)}\
{matmul("cand", "xt", "Wh", "acc", tstep, tw, th)}\
{sigmoid("f", "fpre", "ones", th)}{sigmoid("i", "ipre", "ones", th)}\
    // Normalized gates: f' = f / (f + i), i' = i / (f + i).
    %sum = arith.addf %f, %i : {th}
    %fn = arith.divf %f, %sum : {th}
    %in = arith.divf %i, %sum : {th}
    %old = arith.mulf %h, %fn : {th}
    %new = arith.mulf %in, %cand : {th}
    %hn = arith.addf %old, %new : {th}
    recur.yield %hn, %hn : {th}, {th}
  }}
  return %hT, %hs : {th}, {ths}
}}
"""
    return Case(
        "minlstm",
        """minLSTM (Feng et al. 2024) with sequence lengths [7, 0, 4]:
h_t = f'_t * h_{t-1} + i'_t * (x_t Wh), the gates normalized to sum to one.
Diagonal; inactive steps keep the state and output zero.""",
        func,
        [(x, tx, tx), (h0, th, th), (wf, tw, tw), (wi, tw, tw), (wh, tw, tw),
         (lens, tl, tl)],
        [h, hs], [th, ths],
        linear_checks("minlstm",
                      "recur.linear_scan diagonal a({{.*}}) b({{.*}}) "
                      "init(%arg1 : tensor<3x4xf32>) seq_lens(%arg5 : "
                      "tensor<3xi32>) -> tensor<7x3x4xf32>, tensor<3x4xf32>"),
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=diagonal, batch_dims=0"],
        "recurrence: linear, structure=diagonal, batch_dims=0, strategy=scan")


def lru():
    T, B, I, N, O = 5, 2, 3, 4, 2
    x, h0 = rand(T, B, I), rand(B, N)
    nu = rand(N)
    gamma = positive(N)
    bm, c, d = rand(I, N), rand(N, O), rand(I, O)
    lam = np.exp(-np.exp(nu))
    h, hs, ys = h0.copy(), np.zeros((T, B, N)), np.zeros((T, B, O))
    for t in reversed(range(T)):
        h = lam * h + gamma * (x[t] @ bm)
        hs[t] = h
        ys[t] = h @ c + x[t] @ d
    tx, th, tstep = ty([T, B, I]), ty([B, N]), ty([B, I])
    tn, tb, tc, td = ty([N]), ty([I, N]), ty([N, O]), ty([I, O])
    ty_, tys = ty([B, O]), ty([T, B, O])
    func = f"""func.func @lru(%x: {tx}, %h0: {th}, %nu: {tn}, %gamma: {tn},
               %bm: {tb}, %c: {tc}, %d: {td}) -> ({th}, {tys}) {{
  %hT, %ys = recur.recurrence init(%h0 : {th}) seq(%x : {tx})
      captures(%nu, %gamma, %bm, %c, %d : {tn}, {tn}, {tb}, {tc}, {td})
      {{reverse}} -> {th}, {tys} {{
  ^bb0(%h: {th}, %xt: {tstep}, %Nu: {tn}, %G: {tn}, %Bm: {tb}, %C: {tc},
       %D: {td}):
    %zero = arith.constant 0.0 : f32
    // lambda = exp(-exp(nu)), broadcast over the batch.
    %enu = math.exp %Nu : {tn}
    %nenu = arith.negf %enu : {tn}
    %lam = math.exp %nenu : {tn}
    %empty = tensor.empty() : {th}
{bcast("lamb", "lam", tn, "empty", th, [0])}{bcast("gb", "G", tn, "empty", th, [0])}\
{fill("acc", "zero", "empty", th)}\
{matmul("u", "xt", "Bm", "acc", tstep, tb, th)}\
    %gu = arith.mulf %gb, %u : {th}
    %decay = arith.mulf %lamb, %h : {th}
    %hn = arith.addf %decay, %gu : {th}
    // y = h_t C + x_t D
    %yempty = tensor.empty() : {ty_}
{fill("yacc", "zero", "yempty", ty_)}\
{matmul("hc", "hn", "C", "yacc", th, tc, ty_)}\
{matmul("y", "xt", "D", "hc", tstep, td, ty_)}\
    recur.yield %hn, %y : {th}, {ty_}
  }}
  return %hT, %ys : {th}, {tys}
}}
"""
    return Case(
        "lru",
        """LRU-style diagonal recurrence (Orvieto et al. 2023), real part, run in
reverse: h_t = lambda * h_{t+1} + gamma * (x_t B), lambda = exp(-exp(nu)),
and the readout y_t = h_t C + x_t D, which the rewrite computes from the
scanned states in a second map.""",
        func,
        [(x, tx, tx), (h0, th, th), (nu, tn, tn), (gamma, tn, tn),
         (bm, tb, tb), (c, tc, tc), (d, td, td)],
        [h, ys], [th, tys],
        linear_checks("lru", "recur.linear_scan diagonal a({{.*}}) b({{.*}}) "
                      "init(%arg1 : tensor<2x4xf32>) {reverse}")[:-1] +
        ["CHECK: recur.recurrence seq(%{{.*}}, %arg0 : tensor<5x2x4xf32>, "
         "tensor<5x2x3xf32>)", "CHECK: return"],
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=diagonal, batch_dims=0"],
        "recurrence: linear, structure=diagonal, batch_dims=0, strategy=scan")


def lru_coupled():
    T, B, I, N = 6, 3, 2, 3
    x = rand(T, B, I)
    re0, im0 = rand(B, N), rand(B, N)
    r, theta = positive(N, lo=0.5, hi=0.95), rand(N, scale=3.0)
    lr = (r * np.cos(theta)).astype(np.float32).astype(np.float64)
    li = (r * np.sin(theta)).astype(np.float32).astype(np.float64)
    lr, li = np.round(lr, 2), np.round(li, 2)
    bre, bim, cre, cim = rand(I, N), rand(I, N), rand(N), rand(N)
    lens = np.array([6, 2, 0], dtype=np.int64)
    re, im = re0.copy(), im0.copy()
    ys = np.zeros((T, B, N))
    for t in range(T):
        nre = lr * re - li * im + x[t] @ bre
        nim = li * re + lr * im + x[t] @ bim
        active = (t < lens)[:, None]
        re, im = np.where(active, nre, re), np.where(active, nim, im)
        ys[t] = np.where(active, cre * nre - cim * nim, 0.0)
    tx, th, tstep, tn, tb = (ty([T, B, I]), ty([B, N]), ty([B, I]), ty([N]),
                             ty([I, N]))
    tys, tl = ty([T, B, N]), ty([B], "i64")
    func = f"""func.func @lru_coupled(%x: {tx}, %re0: {th}, %im0: {th},
    %lr: {tn}, %li: {tn}, %bre: {tb}, %bim: {tb}, %cre: {tn}, %cim: {tn},
    %lens: {tl}) -> ({th}, {th}, {tys}) {{
  %reT, %imT, %ys = recur.recurrence init(%re0, %im0 : {th}, {th})
      seq(%x : {tx})
      captures(%lr, %li, %bre, %bim, %cre, %cim : {tn}, {tn}, {tb}, {tb}, {tn}, {tn})
      seq_lens(%lens : {tl}) -> {th}, {th}, {tys} {{
  ^bb0(%re: {th}, %im: {th}, %xt: {tstep}, %Lr: {tn}, %Li: {tn},
       %Bre: {tb}, %Bim: {tb}, %Cre: {tn}, %Cim: {tn}):
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : {th}
{bcast("lrb", "Lr", tn, "empty", th, [0])}{bcast("lib", "Li", tn, "empty", th, [0])}\
{fill("acc", "zero", "empty", th)}\
{matmul("ure", "xt", "Bre", "acc", tstep, tb, th)}\
{matmul("uim", "xt", "Bim", "acc", tstep, tb, th)}\
    // (re + i im) * (lr + i li) + u
    %a = arith.mulf %lrb, %re : {th}
    %b = arith.mulf %lib, %im : {th}
    %c = arith.subf %a, %b : {th}
    %ren = arith.addf %c, %ure : {th}
    %d = arith.mulf %lib, %re : {th}
    %e = arith.mulf %lrb, %im : {th}
    %f = arith.addf %d, %e : {th}
    %imn = arith.addf %f, %uim : {th}
    // y = Re(c h) = cre * re - cim * im
{bcast("creb", "Cre", tn, "empty", th, [0])}{bcast("cimb", "Cim", tn, "empty", th, [0])}\
    %yr = arith.mulf %creb, %ren : {th}
    %yi = arith.mulf %cimb, %imn : {th}
    %y = arith.subf %yr, %yi : {th}
    recur.yield %ren, %imn, %y : {th}, {th}, {th}
  }}
  return %reT, %imT, %ys : {th}, {th}, {tys}
}}
"""
    return Case(
        "lru-coupled",
        """LRU with a complex state kept as two real states (real and imaginary
parts), coupled by the rotation of lambda = lr + i li, and sequence lengths
[6, 2, 0] (i64). The two states form one system: stacked on a trailing
dimension, the transition is a dense 2x2 block per element.""",
        func.replace("@lru_coupled", "@lru_coupled"),
        [(x, tx, tx), (re0, th, th), (im0, th, th), (lr, tn, tn), (li, tn, tn),
         (bre, tb, tb), (bim, tb, tb), (cre, tn, tn), (cim, tn, tn),
         (lens, tl, tl)],
        [re, im, ys], [th, th, tys],
        ["CHECK-LABEL: func.func @lru_coupled("] + NO_STATEFUL +
        ["CHECK: recur.linear_scan dense a({{.*}} : tensor<6x3x3x2x2xf32>) "
         "b({{.*}} : tensor<6x3x3x2xf32>) init({{.*}} : tensor<3x3x2xf32>) "
         "seq_lens(%arg9 : tensor<3xi64>) {batch_dims = 2 : i64}"] +
        NO_STATEFUL + ["CHECK: return"],
        ["state #0: depends on states [0, 1]; affine, 2 linear term(s)",
         "state #1: depends on states [0, 1]; affine, 2 linear term(s)",
         "output #0: depends on states [0, 1]",
         "system [0, 1]: structure=dense, batch_dims=2, stacked at dim 2"],
        "recurrence: linear, structure=dense, batch_dims=2, stacked at dim 2, "
        "strategy=scan (h_next = A(x_t) h + b(x_t), A dense; "
        "coupled states stacked along a new dimension)")


def mamba():
    B, T, D, N = 2, 5, 3, 4
    x, dt = rand(B, T, D), positive(B, T, D, lo=0.05, hi=0.6)
    bm, cm = rand(B, T, N), rand(B, T, N)
    a_log = -positive(D, N, lo=0.2, hi=2.0)
    h0 = rand(B, D, N)
    h, ys = h0.copy(), np.zeros((B, T, D))
    for t in range(T):
        a = np.exp(dt[:, t, :, None] * a_log[None])
        h = a * h + (dt[:, t] * x[:, t])[:, :, None] * bm[:, t, None, :]
        ys[:, t] = np.einsum("bdn,bn->bd", h, cm[:, t])
    tx, tb, th, tA = ty([B, T, D]), ty([B, T, N]), ty([B, D, N]), ty([D, N])
    tsx, tsb, tys = ty([B, D]), ty([B, N]), ty([B, T, D])
    func = f"""func.func @mamba(%x: {tx}, %dt: {tx}, %bm: {tb}, %cm: {tb},
                 %A: {tA}, %h0: {th}) -> ({th}, {tys}) {{
  // Batch-first sequences: the time axis is 1.
  %hT, %ys = recur.recurrence init(%h0 : {th})
      seq(%x, %dt, %bm, %cm : {tx}, {tx}, {tb}, {tb}) captures(%A : {tA})
      {{time_axis = 1 : i64}} -> {th}, {tys} {{
  ^bb0(%h: {th}, %xt: {tsx}, %dtt: {tsx}, %Bt: {tsb}, %Ct: {tsb}, %Am: {tA}):
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : {th}
    // a = exp(dt * A), per (batch, channel, state).
{bcast("dtb", "dtt", tsx, "empty", th, [2])}{bcast("Ab", "Am", tA, "empty", th, [0])}\
    %dA = arith.mulf %dtb, %Ab : {th}
    %a = math.exp %dA : {th}
    // b = (dt * x) B^T
    %dx = arith.mulf %dtt, %xt : {tsx}
{bcast("dxb", "dx", tsx, "empty", th, [2])}{bcast("Bb", "Bt", tsb, "empty", th, [1])}\
    %bx = arith.mulf %dxb, %Bb : {th}
    %ah = arith.mulf %a, %h : {th}
    %hn = arith.addf %ah, %bx : {th}
    // y = sum_n h[b, d, n] C[b, n]
{bcast("Cb", "Ct", tsb, "empty", th, [1])}\
    %hc = arith.mulf %hn, %Cb : {th}
    %yempty = tensor.empty() : {tsx}
{fill("yacc", "zero", "yempty", tsx)}\
    %y = linalg.reduce ins(%hc : {th}) outs(%yacc : {tsx}) dimensions = [2]
      (%in: f32, %init: f32) {{
        %s = arith.addf %in, %init : f32
        linalg.yield %s : f32
      }}
    recur.yield %hn, %y : {th}, {tsx}
  }}
  return %hT, %ys : {th}, {tys}
}}
"""
    return Case(
        "mamba",
        """Mamba-1 selective SSM (Gu & Dao 2023), batch-first (time_axis = 1):
state [B, D, N], h_t = exp(dt_t A) * h_{t-1} + (dt_t x_t) B_t^T, readout
y_t = sum_n h_t C_t. Diagonal over the whole state.""",
        func,
        [(x, tx, tx), (dt, tx, tx), (bm, tb, tb), (cm, tb, tb), (a_log, tA, tA),
         (h0, th, th)],
        [h, ys], [th, tys],
        ["CHECK-LABEL: func.func @mamba("] + NO_STATEFUL +
        ["CHECK: recur.linear_scan diagonal a({{.*}} : tensor<2x5x3x4xf32>) "
         "b({{.*}} : tensor<2x5x3x4xf32>) init(%arg5 : tensor<2x3x4xf32>) "
         "{time_axis = 1 : i64}",
         "CHECK: recur.recurrence seq(%states, %arg3 : tensor<2x5x3x4xf32>, "
         "tensor<2x5x4xf32>) {time_axis = 1 : i64}"] +
        NO_STATEFUL + ["CHECK: return"],
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=diagonal, batch_dims=0"],
        "recurrence: linear, structure=diagonal, batch_dims=0, strategy=scan")


def attention_body(name, decay_lines, dims):
    """The common part of linear attention bodies: S_next = decay(S) + k v^T,
    o = q^T S_next, on a state [B, H, dk, dv]."""
    B, H, dk, dv = dims
    th, tk, tv = ty([B, H, dk, dv]), ty([B, H, dk]), ty([B, H, dv])
    return f"""{decay_lines}\
{bcast("kb", "kt", tk, "empty", th, [3])}{bcast("vb", "vt", tv, "empty", th, [2])}\
    %kv = arith.mulf %kb, %vb : {th}
    %Sn = arith.addf %decayed, %kv : {th}
    // o[b, h, v] = sum_k q[b, h, k] S[b, h, k, v]
    %oempty = tensor.empty() : {tv}
{fill("oacc", "zero", "oempty", tv)}\
    %o = linalg.generic {{indexing_maps = [
        affine_map<(b, h, v, k) -> (b, h, k)>,
        affine_map<(b, h, v, k) -> (b, h, k, v)>,
        affine_map<(b, h, v, k) -> (b, h, v)>],
        iterator_types = ["parallel", "parallel", "parallel", "reduction"]}}
        ins(%qt, %Sn : {tk}, {th}) outs(%oacc : {tv}) {{
      ^bb0(%qa: f32, %sa: f32, %acc: f32):
        %m = arith.mulf %qa, %sa : f32
        %s = arith.addf %acc, %m : f32
        linalg.yield %s : f32
    }} -> {tv}
"""


def ref_attention(q, k, v, decay, S0, lens=None):
    T = q.shape[0]
    S, os_ = S0.copy(), np.zeros(v.shape)
    for t in range(T):
        nS = decay(S, t) + np.einsum("bhk,bhv->bhkv", k[t], v[t])
        o = np.einsum("bhk,bhkv->bhv", q[t], nS)
        if lens is None:
            S, os_[t] = nS, o
        else:
            act = t < lens
            S = np.where(act[:, None, None, None], nS, S)
            os_[t] = np.where(act[:, None, None], o, 0.0)
    return S, os_


def linear_attention():
    T, B, H, dk, dv = 4, 2, 2, 3, 2
    q, k, v = rand(T, B, H, dk), rand(T, B, H, dk), rand(T, B, H, dv)
    g, S0 = rand(T, B, H, scale=2.0), rand(B, H, dk, dv)
    S, os_ = ref_attention(q, k, v,
                           lambda S, t: sig(g[t])[:, :, None, None] * S, S0)
    th, tk, tv, tg = (ty([B, H, dk, dv]), ty([B, H, dk]), ty([B, H, dv]),
                      ty([B, H]))
    tq, tvs, tgs = ty([T, B, H, dk]), ty([T, B, H, dv]), ty([T, B, H])
    decay = f"""    %gones = tensor.empty() : {tg}
{fill("ones", "one", "gones", tg)}{sigmoid("gamma", "gt", "ones", tg)}\
{bcast("gb", "gamma", tg, "empty", th, [2, 3])}\
    %decayed = arith.mulf %gb, %S : {th}
"""
    func = f"""func.func @linear_attention(%q: {tq}, %k: {tq}, %v: {tvs}, %g: {tgs},
    %S0: {th}) -> ({th}, {tvs}) {{
  %ST, %os = recur.recurrence init(%S0 : {th})
      seq(%q, %k, %v, %g : {tq}, {tq}, {tvs}, {tgs}) -> {th}, {tvs} {{
  ^bb0(%S: {th}, %qt: {tk}, %kt: {tk}, %vt: {tv}, %gt: {tg}):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %empty = tensor.empty() : {th}
{attention_body("la", decay, (B, H, dk, dv))}\
    recur.yield %Sn, %o : {th}, {tv}
  }}
  return %ST, %os : {th}, {tvs}
}}
"""
    return Case(
        "linear-attention",
        """Linear attention with a scalar decay per head (RetNet / Lightning
style with a data-dependent gate): S_t = sigmoid(g_t) S_{t-1} + k_t v_t^T on a
matrix state [B, H, dk, dv], o_t = q_t^T S_t. Scalar structure with
batch_dims = 2: one decay per (batch, head).""",
        func,
        [(q, tq, tq), (k, tq, tq), (v, tvs, tvs), (g, tgs, tgs), (S0, th, th)],
        [S, os_], [th, tvs],
        linear_checks("linear_attention",
                      "recur.linear_scan scalar a({{.*}} : tensor<4x2x2xf32>) "
                      "b({{.*}} : tensor<4x2x2x3x2xf32>) init(%arg4 : "
                      "tensor<2x2x3x2xf32>) {batch_dims = 2 : i64}"),
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=scalar, batch_dims=2"],
        "recurrence: linear, structure=scalar, batch_dims=2, strategy=scan "
        "(h_next = a(x_t) h + b(x_t), one a per batch entry)")


def gla():
    T, B, H, dk, dv = 5, 3, 2, 3, 2
    q, k, v = rand(T, B, H, dk), rand(T, B, H, dk), rand(T, B, H, dv)
    ga, S0 = rand(T, B, H, dk, scale=2.0), rand(B, H, dk, dv)
    lens = np.array([3, 5, 1], dtype=np.int32)
    S, os_ = ref_attention(q, k, v,
                           lambda S, t: sig(ga[t])[..., None] * S, S0, lens)
    th, tk, tv = ty([B, H, dk, dv]), ty([B, H, dk]), ty([B, H, dv])
    tq, tvs, tl = ty([T, B, H, dk]), ty([T, B, H, dv]), ty([B], "i32")
    decay = f"""    %kempty = tensor.empty() : {tk}
{fill("ones", "one", "kempty", tk)}{sigmoid("alpha", "at", "ones", tk)}\
{bcast("ab", "alpha", tk, "empty", th, [3])}\
    %decayed = arith.mulf %S, %ab : {th}
"""
    func = f"""func.func @gla(%q: {tq}, %k: {tq}, %v: {tvs}, %a: {tq},
    %S0: {th}, %lens: {tl}) -> ({th}, {tvs}) {{
  %ST, %os = recur.recurrence init(%S0 : {th})
      seq(%q, %k, %v, %a : {tq}, {tq}, {tvs}, {tq}) seq_lens(%lens : {tl})
      -> {th}, {tvs} {{
  ^bb0(%S: {th}, %qt: {tk}, %kt: {tk}, %vt: {tv}, %at: {tk}):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %empty = tensor.empty() : {th}
{attention_body("gla", decay, (B, H, dk, dv))}\
    recur.yield %Sn, %o : {th}, {tv}
  }}
  return %ST, %os : {th}, {tvs}
}}
"""
    return Case(
        "gla",
        """Gated linear attention (Yang et al. 2024): S_t = diag(alpha_t) S_{t-1}
+ k_t v_t^T, alpha_t = sigmoid(a_t) per key dimension, o_t = q_t^T S_t, with
sequence lengths [3, 5, 1]. Scalar structure with batch_dims = 3: one decay
per (batch, head, key), shared by the value columns.""",
        func,
        [(q, tq, tq), (k, tq, tq), (v, tvs, tvs), (ga, tq, tq), (S0, th, th),
         (lens, tl, tl)],
        [S, os_], [th, tvs],
        linear_checks("gla",
                      "recur.linear_scan scalar a({{.*}} : tensor<5x3x2x3xf32>) "
                      "b({{.*}} : tensor<5x3x2x3x2xf32>) init(%arg4 : "
                      "tensor<3x2x3x2xf32>) seq_lens(%arg5 : tensor<3xi32>) "
                      "{batch_dims = 3 : i64}"),
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=scalar, batch_dims=3"],
        "recurrence: linear, structure=scalar, batch_dims=3, strategy=scan")


def deltanet():
    T, B, dk, dv = 5, 2, 4, 3
    q, v = rand(T, B, dk), rand(T, B, dv)
    k = rand(T, B, dk)
    k = k / np.linalg.norm(k, axis=-1, keepdims=True)
    k = np.round(k, 2).astype(np.float32).astype(np.float64)
    beta = positive(T, B, lo=0.1, hi=0.9)
    S0 = rand(B, dk, dv)
    lens = np.array([5, 3], dtype=np.int32)
    S, os_ = S0.copy(), np.zeros((T, B, dv))
    for t in range(T):
        kS = np.einsum("bk,bkv->bv", k[t], S)
        nS = (S - beta[t][:, None, None] * np.einsum("bk,bv->bkv", k[t], kS)
              + beta[t][:, None, None] * np.einsum("bk,bv->bkv", k[t], v[t]))
        act = t < lens
        S = np.where(act[:, None, None], nS, S)
        os_[t] = np.where(act[:, None], np.einsum("bk,bkv->bv", q[t], nS), 0.0)
    th, tk, tv, tb = ty([B, dk, dv]), ty([B, dk]), ty([B, dv]), ty([B])
    tq, tvs, tbs, tl = ty([T, B, dk]), ty([T, B, dv]), ty([T, B]), ty([B], "i32")
    func = f"""func.func @deltanet(%q: {tq}, %k: {tq}, %v: {tvs}, %beta: {tbs},
    %S0: {th}, %lens: {tl}) -> ({th}, {tvs}) {{
  %ST, %os = recur.recurrence init(%S0 : {th})
      seq(%q, %k, %v, %beta : {tq}, {tq}, {tvs}, {tbs}) seq_lens(%lens : {tl})
      -> {th}, {tvs} {{
  ^bb0(%S: {th}, %qt: {tk}, %kt: {tk}, %vt: {tv}, %bt: {tb}):
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : {th}
    %vempty = tensor.empty() : {tv}
{fill("vacc", "zero", "vempty", tv)}\
    // kS[b, v] = sum_k k[b, k] S[b, k, v]
    %kS = linalg.generic {{indexing_maps = [
        affine_map<(b, v, k) -> (b, k)>,
        affine_map<(b, v, k) -> (b, k, v)>,
        affine_map<(b, v, k) -> (b, v)>],
        iterator_types = ["parallel", "parallel", "reduction"]}}
        ins(%kt, %S : {tk}, {th}) outs(%vacc : {tv}) {{
      ^bb0(%ka: f32, %sa: f32, %acc: f32):
        %m = arith.mulf %ka, %sa : f32
        %s = arith.addf %acc, %m : f32
        linalg.yield %s : f32
    }} -> {tv}
    // S - beta k (k^T S) + beta k v^T
{bcast("kb", "kt", tk, "empty", th, [2])}{bcast("kSb", "kS", tv, "empty", th, [1])}\
{bcast("betab", "bt", tb, "empty", th, [1, 2])}{bcast("vb", "vt", tv, "empty", th, [1])}\
    %outer = arith.mulf %kb, %kSb : {th}
    %corr = arith.mulf %betab, %outer : {th}
    %S1 = arith.subf %S, %corr : {th}
    %kv = arith.mulf %kb, %vb : {th}
    %bkv = arith.mulf %betab, %kv : {th}
    %Sn = arith.addf %S1, %bkv : {th}
    // o[b, v] = sum_k q[b, k] S[b, k, v]
    %o = linalg.generic {{indexing_maps = [
        affine_map<(b, v, k) -> (b, k)>,
        affine_map<(b, v, k) -> (b, k, v)>,
        affine_map<(b, v, k) -> (b, v)>],
        iterator_types = ["parallel", "parallel", "reduction"]}}
        ins(%qt, %Sn : {tk}, {th}) outs(%vacc : {tv}) {{
      ^bb0(%qa: f32, %sa: f32, %acc: f32):
        %m = arith.mulf %qa, %sa : f32
        %s = arith.addf %acc, %m : f32
        linalg.yield %s : f32
    }} -> {tv}
    recur.yield %Sn, %o : {th}, {tv}
  }}
  return %ST, %os : {th}, {tvs}
}}
"""
    return Case(
        "deltanet",
        """DeltaNet (Schlag et al. 2021; Yang et al. 2024), the delta rule on a
matrix state [B, dk, dv]: S_t = S_{t-1} - beta_t k_t (k_t^T S_{t-1})
+ beta_t k_t v_t^T, o_t = q_t^T S_t, with sequence lengths [5, 3]. Identity
plus rank one: A_t = I + u v^T with u = -beta_t k_t, v = k_t, acting on dk.""",
        func,
        [(q, tq, tq), (k, tq, tq), (v, tvs, tvs), (beta, tbs, tbs),
         (S0, th, th), (lens, tl, tl)],
        [S, os_], [th, tvs],
        linear_checks("deltanet",
                      "recur.linear_scan identity_plus_low_rank "
                      "a({{.*}}, {{.*}} : tensor<5x2x4x1xf32>, "
                      "tensor<5x2x4x1xf32>) b({{.*}} : tensor<5x2x4x3xf32>) "
                      "init(%arg4 : tensor<2x4x3xf32>) seq_lens(%arg5 : "
                      "tensor<2xi32>) {batch_dims = 1 : i64}"),
        ["state #0: depends on states [0]; affine, 2 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=identity_plus_low_rank, batch_dims=1, rank=1"],
        "recurrence: linear, structure=identity_plus_low_rank, batch_dims=1, "
        "rank=1, strategy=scan (h_next = (I + u(x_t) v(x_t)^T) "
        "h + b(x_t))")


def dense_rnn():
    T, B, I, H = 6, 3, 2, 4
    x, h0 = rand(T, B, I), rand(B, H)
    w, u = rand(H, H, scale=0.6), rand(I, H)
    h, hs = h0.copy(), np.zeros((T, B, H))
    for t in reversed(range(T)):
        h = h @ w + x[t] @ u
        hs[t] = h
    tx, th, tw, tu, tstep = (ty([None, B, I]), ty([B, H]), ty([H, H]),
                             ty([I, H]), ty([B, I]))
    ths = ty([None, B, H])
    func = f"""func.func @dense_rnn(%x: {tx}, %h0: {th}, %w: {tw}, %u: {tu})
    -> ({th}, {ths}) {{
  %hT, %hs = recur.recurrence init(%h0 : {th}) seq(%x : {tx})
      captures(%w, %u : {tw}, {tu}) {{reverse}} -> {th}, {ths} {{
  ^bb0(%h: {th}, %xt: {tstep}, %W: {tw}, %U: {tu}):
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : {th}
{fill("acc", "zero", "empty", th)}\
{matmul("hw", "h", "W", "acc", th, tw, th)}\
{matmul("hn", "xt", "U", "hw", tstep, tu, th)}\
    recur.yield %hn, %hn : {th}, {th}
  }}
  return %hT, %hs : {th}, {ths}
}}
"""
    return Case(
        "dense-rnn",
        """A dense linear RNN, h_t = h_{t+1} W + x_t U, run in reverse over a
dynamic number of steps. Right multiplication acts on the last dimension:
dense with A = W^T on the unit [H], batch_dims = 1.""",
        func,
        [(x, tx, ty([T, B, I])), (h0, th, th), (w, tw, tw), (u, tu, tu)],
        [h, hs], [th, ths],
        linear_checks("dense_rnn",
                      "recur.linear_scan dense a({{.*}} : tensor<?x3x4x4xf32>) "
                      "b({{.*}} : tensor<?x3x4xf32>) init(%arg1 : "
                      "tensor<3x4xf32>) {batch_dims = 1 : i64, reverse}"),
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=dense, batch_dims=1"],
        "recurrence: linear, structure=dense, batch_dims=1, strategy=scan "
        "(h_next = A(x_t) h + b(x_t), A dense)")


def ref_diagonal(a, b, h0, lens=None, reverse=False):
    """h_t = a_t * h_{t-1} + b_t; returns the final state, the states h_t and
    the states each step starts from (zero at inactive steps, like h_t)."""
    T = a.shape[0]
    h, hs, prev = h0.copy(), np.zeros(a.shape), np.zeros(a.shape)
    order = reversed(range(T)) if reverse else range(T)
    for t in order:
        nh = a[t] * h + b[t]
        act = np.ones(a.shape[1], bool) if lens is None else t < lens
        m = act.reshape((-1,) + (1,) * (a.ndim - 2))
        prev[t] = np.where(m, h, 0.0)
        hs[t] = np.where(m, nh, 0.0)
        h = np.where(m, nh, h)
    return h, hs, prev


def outputs_prev():
    T, B, N = 5, 2, 3
    a, b, h0, c = rand(T, B, N), rand(T, B, N), rand(B, N), rand(N)
    lens = np.array([5, 3], dtype=np.int32)
    h, hs, prev = ref_diagonal(a, b, h0, lens)
    act = (np.arange(T)[:, None] < lens[None, :])[..., None]
    y1 = np.where(act, prev * c, 0.0)
    y2 = np.where(act, np.tanh(hs), 0.0)
    ts, th, tn, tl = ty([T, B, N]), ty([B, N]), ty([N]), ty([B], "i32")
    func = f"""func.func @outputs_prev(%a: {ts}, %b: {ts}, %h0: {th}, %c: {tn},
    %lens: {tl}) -> ({th}, {ts}, {ts}) {{
  %hT, %y1, %y2 = recur.recurrence init(%h0 : {th}) seq(%a, %b : {ts}, {ts})
      captures(%c : {tn}) seq_lens(%lens : {tl}) -> {th}, {ts}, {ts} {{
  ^bb0(%h: {th}, %at: {th}, %bt: {th}, %C: {tn}):
    %ah = arith.mulf %at, %h : {th}
    %hn = arith.addf %ah, %bt : {th}
    // y1 reads the state the step starts from, y2 a nonlinear function of
    // the next one: neither stops the state update from being affine.
    %empty = tensor.empty() : {th}
{bcast("cb", "C", tn, "empty", th, [0])}\
    %y1 = arith.mulf %h, %cb : {th}
    %y2 = math.tanh %hn : {th}
    recur.yield %hn, %y1, %y2 : {th}, {th}, {th}
  }}
  return %hT, %y1, %y2 : {th}, {ts}, {ts}
}}
"""
    return Case(
        "outputs-prev",
        """Step outputs of an affine recurrence that read h_{t-1} (the state
the step starts from) and a nonlinear function of h_t, with sequence lengths
[5, 3]. The rewrite computes them in a map from the scanned states and the
scanned states one step back (init at step 0); inactive steps output zero.""",
        func,
        [(a, ts, ts), (b, ts, ts), (h0, th, th), (c, tn, tn), (lens, tl, tl)],
        [h, y1, y2], [th, ts, ts],
        ["CHECK-LABEL: func.func @outputs_prev("] + NO_STATEFUL +
        ["CHECK: %[[S:.*]], %[[LAST:.*]] = recur.linear_scan diagonal",
         "CHECK: %[[PREV:.*]] = linalg.generic {{.*}} ins(%arg2 : "
         "tensor<2x3xf32>)",
         "CHECK: arith.subi",
         "CHECK: tensor.extract %[[S]]",
         "CHECK: recur.recurrence seq(%[[PREV]], %[[S]] : tensor<5x2x3xf32>, "
         "tensor<5x2x3xf32>) captures(%arg3 : tensor<3xf32>) "
         "seq_lens(%arg4 : tensor<2xi32>)",
         "CHECK: math.tanh"] + NO_STATEFUL + ["CHECK: return"],
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "output #0: depends on states [0]",
         "output #1: depends on states [0]",
         "system [0]: structure=diagonal, batch_dims=0"],
        "recurrence: linear, structure=diagonal, batch_dims=0, strategy=scan")


def outputs_prev_reverse():
    T, B, N = 5, 4, 2
    a, b, h0 = rand(T, B, N), rand(T, B, N), rand(B, N)
    lens = np.array([5, 2, 0, 3], dtype=np.int64)
    h, hs, prev = ref_diagonal(a, b, h0, lens, reverse=True)
    y = prev + 2.0 * hs
    ts, th, tl = ty([T, B, N]), ty([B, N]), ty([B], "i64")
    func = f"""func.func @outputs_prev_reverse(%a: {ts}, %b: {ts}, %h0: {th},
    %lens: {tl}) -> ({th}, {ts}) {{
  %hT, %ys = recur.recurrence init(%h0 : {th}) seq(%a, %b : {ts}, {ts})
      seq_lens(%lens : {tl}) {{reverse}} -> {th}, {ts} {{
  ^bb0(%h: {th}, %at: {th}, %bt: {th}):
    %ah = arith.mulf %at, %h : {th}
    %hn = arith.addf %ah, %bt : {th}
    %two = arith.constant dense<2.0> : {th}
    %hn2 = arith.mulf %hn, %two : {th}
    %y = arith.addf %h, %hn2 : {th}
    recur.yield %hn, %y : {th}, {th}
  }}
  return %hT, %ys : {th}, {ts}
}}
"""
    return Case(
        "outputs-prev-reverse",
        """y_t = h_{t+1} + 2 h_t in reverse with sequence lengths [5, 2, 0, 3]:
entry e starts at step len_e - 1 from init, so the state a step starts from
is init there, not the zeros the scan stores past an entry's length.""",
        func,
        [(a, ts, ts), (b, ts, ts), (h0, th, th), (lens, tl, tl)],
        [h, y], [th, ts],
        ["CHECK-LABEL: func.func @outputs_prev_reverse("] + NO_STATEFUL +
        ["CHECK: %[[S:.*]], %{{.*}} = recur.linear_scan diagonal {{.*}} "
         "seq_lens(%arg3 : tensor<4xi64>) {reverse}",
         "CHECK: %[[PREV:.*]] = linalg.generic {{.*}} ins(%arg2, %arg3 : "
         "tensor<4x2xf32>, tensor<4xi64>)",
         "CHECK: arith.addi",
         "CHECK: arith.cmpi sge",
         "CHECK: arith.ori",
         "CHECK: tensor.extract %[[S]]",
         "CHECK: recur.recurrence seq(%[[PREV]], %[[S]] : "] + NO_STATEFUL +
        ["CHECK: return"],
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=diagonal, batch_dims=0"],
        "recurrence: linear, structure=diagonal, batch_dims=0, strategy=scan")


def permuted():
    T, dk, dv = 5, 3, 2
    x, alpha = rand(T, dk, dv), positive(T, dv, lo=0.3, hi=1.0)
    w, S0 = rand(dk, dk, scale=0.7), rand(dk, dv)
    S, Ss = S0.copy(), np.zeros((T, dk, dv))
    for t in range(T):
        S = (w @ S) * alpha[t][None, :] + x[t]
        Ss[t] = S
    tS, ts, ta, tw, tas = (ty([dk, dv]), ty([T, dk, dv]), ty([dv]),
                           ty([dk, dk]), ty([T, dv]))
    func = f"""func.func @permuted(%x: {ts}, %alpha: {tas}, %w: {tw}, %S0: {tS})
    -> ({tS}, {ts}) {{
  %ST, %Ss = recur.recurrence init(%S0 : {tS}) seq(%x, %alpha : {ts}, {tas})
      captures(%w : {tw}) -> {tS}, {ts} {{
  ^bb0(%S: {tS}, %xt: {tS}, %at: {ta}, %W: {tw}):
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : {tS}
{fill("acc", "zero", "empty", tS)}\
{matmul("ws", "W", "S", "acc", tw, tS, tS)}\
{bcast("ab", "at", ta, "empty", tS, [0])}\
    %decayed = arith.mulf %ws, %ab : {tS}
    %Sn = arith.addf %decayed, %xt : {tS}
    recur.yield %Sn, %Sn : {tS}, {tS}
  }}
  return %ST, %Ss : {tS}, {ts}
}}
"""
    return Case(
        "permuted",
        """S_t = (W S_{t-1}) * alpha_t + x_t on a matrix state [dk, dv]: W mixes
the rows (dimension 0) but the decay depends on the column (dimension 1),
so the scan runs on the transposed state [dv, dk] with batch_dims = 1,
A_t[v] = alpha_t[v] W; inits and results are transposed in and out.""",
        func,
        [(x, ts, ts), (alpha, tas, tas), (w, tw, tw), (S0, tS, tS)],
        [S, Ss], [tS, ts],
        linear_checks("permuted",
                      "recur.linear_scan dense a({{.*}} : tensor<5x2x3x3xf32>) "
                      "b({{.*}} : tensor<5x2x3xf32>) init({{.*}} : "
                      "tensor<2x3xf32>) {batch_dims = 1 : i64}")[:-1] +
        ["CHECK: linalg.transpose", "CHECK: return"],
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=dense, batch_dims=1, permutation=[1, 0]"],
        "recurrence: linear, structure=dense, batch_dims=1, "
        "permutation=[1, 0], strategy=scan (h_next = A(x_t) h + b(x_t), "
        "A dense; state dimensions permuted)")


def two_systems():
    T, B, H = 4, 2, 3
    g, x1, x2 = rand(T, B, H, scale=2.0), rand(T, B, H), rand(T, B, H)
    w, h10, h20 = rand(H, H, scale=0.7), rand(B, H), rand(B, H)
    h1, h2, ys = h10.copy(), h20.copy(), np.zeros((T, B, H))
    for t in range(T):
        h1 = sig(g[t]) * h1 + x1[t]
        h2 = h2 @ w + x2[t]
        ys[t] = h1 + h2
    ts, th, tw = ty([T, B, H]), ty([B, H]), ty([H, H])
    func = f"""func.func @two_systems(%g: {ts}, %x1: {ts}, %x2: {ts}, %w: {tw},
    %h10: {th}, %h20: {th}) -> ({th}, {th}, {ts}) {{
  %h1T, %h2T, %ys = recur.recurrence init(%h10, %h20 : {th}, {th})
      seq(%g, %x1, %x2 : {ts}, {ts}, {ts}) captures(%w : {tw})
      -> {th}, {th}, {ts} {{
  ^bb0(%h1: {th}, %h2: {th}, %gt: {th}, %x1t: {th}, %x2t: {th}, %W: {tw}):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %empty = tensor.empty() : {th}
{fill("ones", "one", "empty", th)}{fill("acc", "zero", "empty", th)}\
{sigmoid("decay", "gt", "ones", th)}\
    %d1 = arith.mulf %decay, %h1 : {th}
    %h1n = arith.addf %d1, %x1t : {th}
{matmul("hw", "h2", "W", "acc", th, tw, th)}\
    %h2n = arith.addf %hw, %x2t : {th}
    %y = arith.addf %h1n, %h2n : {th}
    recur.yield %h1n, %h2n, %y : {th}, {th}, {th}
  }}
  return %h1T, %h2T, %ys : {th}, {th}, {ts}
}}
"""
    return Case(
        "two-systems",
        """Two states that never read each other: a gated diagonal one and a
dense one. Each is its own linear system and its own recur.linear_scan; the
output reads both.""",
        func,
        [(g, ts, ts), (x1, ts, ts), (x2, ts, ts), (w, tw, tw), (h10, th, th),
         (h20, th, th)],
        [h1, h2, ys], [th, th, ts],
        ["CHECK-LABEL: func.func @two_systems("] + NO_STATEFUL +
        ["CHECK: %[[C:.*]]:2 = recur.recurrence seq(%arg0 : tensor<4x2x3xf32>) "
         "captures(%arg3 : tensor<3x3xf32>)",
         "CHECK: %[[S1:.*]], %{{.*}} = recur.linear_scan diagonal "
         "a(%[[C]]#0 : tensor<4x2x3xf32>) b(%arg1 : tensor<4x2x3xf32>) "
         "init(%arg4 : tensor<2x3xf32>)",
         "CHECK: %[[S2:.*]], %{{.*}} = recur.linear_scan dense "
         "a(%[[C]]#1 : tensor<4x2x3x3xf32>) b(%arg2 : tensor<4x2x3xf32>) "
         "init(%arg5 : tensor<2x3xf32>) {batch_dims = 1 : i64}",
         "CHECK: recur.recurrence seq(%[[S1]], %[[S2]] :"] + NO_STATEFUL +
        ["CHECK: return"],
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "state #1: depends on states [1]; affine, 1 linear term(s)",
         "output #0: depends on states [0, 1]",
         "system [0]: structure=diagonal, batch_dims=0",
         "system [1]: structure=dense, batch_dims=1"],
        "recurrence: linear, systems=2, strategy=scan (states [0]: "
        "structure=diagonal, batch_dims=0; states [1]: structure=dense, "
        "batch_dims=1)")


def shared_decay():
    B, T, N = 2, 5, 3
    x, h0, lam = rand(B, T, N), rand(B, N), positive(lo=0.5, hi=0.95)
    h, hs = h0.copy(), np.zeros((B, T, N))
    for t in range(T):
        h = lam * h + x[:, t]
        hs[:, t] = h
    tx, th, tl = ty([B, T, N]), ty([B, N]), ty([])
    func = f"""func.func @shared_decay(%x: {tx}, %h0: {th}, %lam: {tl})
    -> ({th}, {tx}) {{
  %hT, %hs = recur.recurrence init(%h0 : {th}) seq(%x : {tx})
      captures(%lam : {tl}) {{time_axis = 1 : i64}} -> {th}, {tx} {{
  ^bb0(%h: {th}, %xt: {th}, %L: {tl}):
    %empty = tensor.empty() : {th}
{bcast("lb", "L", tl, "empty", th, [0, 1])}\
    %d = arith.mulf %lb, %h : {th}
    %hn = arith.addf %d, %xt : {th}
    recur.yield %hn, %hn : {th}, {th}
  }}
  return %hT, %hs : {th}, {tx}
}}
"""
    return Case(
        "shared-decay",
        """One decay (a captured rank-0 tensor) for the whole state, with
batch-first sequences (time_axis = 1): scalar structure. A per-step
coefficient of rank 0 cannot carry a time axis at 1, so the decay is
materialized per batch entry (batch_dims = 1).""",
        func, [(x, tx, tx), (h0, th, th), (np.array(lam), tl, tl)],
        [h, hs], [th, tx],
        linear_checks("shared_decay",
                      "recur.linear_scan scalar a({{.*}} : tensor<2x5xf32>) "
                      "b(%arg0 : tensor<2x5x3xf32>) init(%arg1 : "
                      "tensor<2x3xf32>) {batch_dims = 1 : i64, "
                      "time_axis = 1 : i64}"),
        ["state #0: depends on states [0]; affine, 1 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=scalar, batch_dims=1"],
        "recurrence: linear, structure=scalar, batch_dims=1, strategy=scan")


def dense_gated():
    T, B, H = 5, 3, 3
    g, x, h0 = rand(T, B, H, scale=2.0), rand(T, B, H), rand(B, H)
    w = rand(H, H, scale=0.5)
    h, hs = h0.copy(), np.zeros((T, B, H))
    for t in range(T):
        h = sig(g[t]) * h + h @ w + x[t]
        hs[t] = h
    ts, th, tw, tstep = ty([T, None, H]), ty([None, H]), ty([H, H]), ty([None, H])
    func = f"""func.func @dense_gated(%g: {ts}, %x: {ts}, %w: {tw}, %h0: {th})
    -> ({th}, {ts}) {{
  %hT, %hs = recur.recurrence init(%h0 : {th}) seq(%g, %x : {ts}, {ts})
      captures(%w : {tw}) -> {th}, {ts} {{
  ^bb0(%h: {th}, %gt: {tstep}, %xt: {tstep}, %W: {tw}):
    %c0 = arith.constant 0 : index
    %one = arith.constant 1.0 : f32
    %b = tensor.dim %h, %c0 : {th}
    %empty = tensor.empty(%b) : {th}
{fill("ones", "one", "empty", th)}{sigmoid("z", "gt", "ones", th)}\
    %zh = arith.mulf %z, %h : {th}
{matmul("hw", "h", "W", "xt", th, tw, th)}\
    %hn = arith.addf %zh, %hw : {th}
    recur.yield %hn, %hn : {th}, {th}
  }}
  return %hT, %hs : {th}, {ts}
}}
"""
    return Case(
        "dense-gated",
        """h_t = sigmoid(g_t) * h_{t-1} + h_{t-1} W + x_t with a dynamic batch: a
dense transition whose diagonal also carries the gate,
A_t[b] = diag(sigmoid(g_t[b])) + W^T.""",
        func,
        [(g, ts, ty([T, B, H])), (x, ts, ty([T, B, H])), (w, tw, tw),
         (h0, th, ty([B, H]))],
        [h, hs], [th, ts],
        linear_checks("dense_gated",
                      "recur.linear_scan dense a({{.*}} : tensor<5x?x3x3xf32>) "
                      "b(%arg1 : tensor<5x?x3xf32>) init(%arg3 : "
                      "tensor<?x3xf32>) {batch_dims = 1 : i64}"),
        ["state #0: depends on states [0]; affine, 2 linear term(s)",
         "output #0: depends on states [0]",
         "system [0]: structure=dense, batch_dims=1"],
        "recurrence: linear, structure=dense, batch_dims=1, strategy=scan")


def rnn_affine():
    T, B, I, H = 5, 2, 3, 4
    alpha, beta = 0.5, 0.1
    x, w, r = rand(T, B, I), rand(1, H, I), rand(1, H, H)
    h0 = rand(1, B, H)
    h, y = h0[0].copy(), np.zeros((T, 1, B, H))
    for t in range(T):
        h = alpha * (x[t] @ w[0].T + h @ r[0].T) + beta
        y[t, 0] = h
    tx, tw, tr, th = ty([T, B, I]), ty([1, H, I]), ty([1, H, H]), ty([1, B, H])
    ty_ = ty([T, 1, B, H])
    func = f"""func.func @rnn_affine(%x: {tx}, %w: {tw}, %r: {tr}, %h0: {th})
    -> ({ty_}, {th}) {{
  %y, %yh = recur.rnn(%x, %w, %r : {tx}, {tw}, {tr}) initial_h(%h0 : {th})
      {{hidden_size = {H}, activations = ["Affine"],
       activation_alpha = [{alpha} : f32], activation_beta = [{beta} : f32]}}
      -> {ty_}, {th}
  return %y, %yh : {ty_}, {th}
}}
"""
    return Case(
        "rnn-affine",
        """An ONNX RNN cell with the Affine activation, h_t = 0.5 (x_t W^T +
h_{t-1} R^T) + 0.1, is linear in its state: decomposed into a recurrence
(--recur-decompose-cells), it becomes a dense linear scan.""",
        func, [(x, tx, tx), (w, tw, tw), (r, tr, tr), (h0, th, th)],
        [y, h[None]], [ty_, th],
        ["CHECK-LABEL: func.func @rnn_affine("] + NO_STATEFUL +
        ["CHECK: recur.linear_scan dense a({{.*}} : tensor<5x2x4x4xf32>) "
         "b({{.*}} : tensor<5x2x4xf32>) init({{.*}} : tensor<2x4xf32>) "
         "{batch_dims = 1 : i64}"] + NO_STATEFUL + ["CHECK: return"],
        None, None, passes="--recur-decompose-cells --recur-linearize")


# ---------------------------------------------------------------------------
# Nonlinear families
# ---------------------------------------------------------------------------

def tanh_rnn():
    T, B, I, H = 4, 2, 3, 3
    x, h0 = rand(T, B, I), rand(B, H)
    w, r, bias = rand(I, H), rand(H, H), rand(H)
    h, hs = h0.copy(), np.zeros((T, B, H))
    for t in range(T):
        h = np.tanh(x[t] @ w + h @ r + bias)
        hs[t] = h
    tx, th, tw, tr, tb, tstep, ths = (ty([T, B, I]), ty([B, H]), ty([I, H]),
                                      ty([H, H]), ty([H]), ty([B, I]),
                                      ty([T, B, H]))
    func = f"""func.func @tanh_rnn(%x: {tx}, %h0: {th}, %w: {tw}, %r: {tr},
                    %bias: {tb}) -> ({th}, {ths}) {{
  %hT, %hs = recur.recurrence init(%h0 : {th}) seq(%x : {tx})
      captures(%w, %r, %bias : {tw}, {tr}, {tb}) -> {th}, {ths} {{
  ^bb0(%h: {th}, %xt: {tstep}, %W: {tw}, %R: {tr}, %Bias: {tb}):
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : {th}
{fill("acc", "zero", "empty", th)}\
{matmul("xw", "xt", "W", "acc", tstep, tw, th)}\
{matmul("pre", "h", "R", "xw", th, tr, th)}\
{bcast("bb", "Bias", tb, "empty", th, [0])}\
    %pb = arith.addf %pre, %bb : {th}
    %hn = math.tanh %pb : {th}  // obstacle
    recur.yield %hn, %hn : {th}, {th}
  }}
  return %hT, %hs : {th}, {ths}
}}
"""
    return Case(
        "tanh-rnn",
        """The Elman RNN, h_t = tanh(x_t W + h_{t-1} R + b): nonlinear in the
state (the tanh), so --recur-linearize leaves it alone.""",
        func,
        [(x, tx, tx), (h0, th, th), (w, tw, tw), (r, tr, tr), (bias, tb, tb)],
        [h, hs], [th, ths], nonlinear_checks("tanh_rnn"),
        ["state #0: depends on states [0]; not affine (math.tanh at "
         "{{.*}}LINE(obstacle) depends on state #0)",
         "output #0: depends on states [0]"],
        "recurrence: nonlinear (math.tanh at {{.*}}LINE(obstacle) depends on "
        "state #0), strategy=sequential (cost model: T=4 is too short for Newton "
        "to pay off)")


def gru_func(name, diagonal):
    """A GRU cell body; with `diagonal` the recurrent weights are vectors
    (h * u instead of h U)."""
    T, B, I, H = 4, 2, 3, 3
    x, h0 = rand(T, B, I), rand(B, H)
    wz, wr, wn = rand(I, H), rand(I, H), rand(I, H)
    if diagonal:
        uz, ur, un = rand(H), rand(H), rand(H)
    else:
        uz, ur, un = rand(H, H), rand(H, H), rand(H, H)
    h, hs = h0.copy(), np.zeros((T, B, H))
    for t in range(T):
        rec = (lambda v, m: v * m) if diagonal else (lambda v, m: v @ m)
        z = sig(x[t] @ wz + rec(h, uz))
        r = sig(x[t] @ wr + rec(h, ur))
        n = np.tanh(x[t] @ wn + rec(r * h, un))
        h = (1 - z) * n + z * h
        hs[t] = h
    tx, th, tw, tstep, ths = (ty([T, B, I]), ty([B, H]), ty([I, H]),
                              ty([B, I]), ty([T, B, H]))
    tu = ty([H]) if diagonal else ty([H, H])

    def rec(out, v, m, acc):
        if diagonal:
            return (bcast(f"{m}b", m, tu, "empty", th, [0]) +
                    f"    %{out}_r = arith.mulf %{v}, %{m}b : {th}\n"
                    f"    %{out} = arith.addf %{acc}, %{out}_r : {th}\n")
        return matmul(out, v, m, acc, th, tu, th)

    func = f"""func.func @{name}(%x: {tx}, %h0: {th}, %wz: {tw}, %wr: {tw},
    %wn: {tw}, %uz: {tu}, %ur: {tu}, %un: {tu}) -> ({th}, {ths}) {{
  %hT, %hs = recur.recurrence init(%h0 : {th}) seq(%x : {tx})
      captures(%wz, %wr, %wn, %uz, %ur, %un : {tw}, {tw}, {tw}, {tu}, {tu}, {tu})
      -> {th}, {ths} {{
  ^bb0(%h: {th}, %xt: {tstep}, %Wz: {tw}, %Wr: {tw}, %Wn: {tw}, %Uz: {tu},
       %Ur: {tu}, %Un: {tu}):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %empty = tensor.empty() : {th}
{fill("acc", "zero", "empty", th)}{fill("ones", "one", "empty", th)}\
{matmul("xz", "xt", "Wz", "acc", tstep, tw, th)}\
{matmul("xr", "xt", "Wr", "acc", tstep, tw, th)}\
{matmul("xn", "xt", "Wn", "acc", tstep, tw, th)}\
{rec("zpre", "h", "Uz", "xz")}\
{rec("rpre", "h", "Ur", "xr")}\
    %z_neg = arith.negf %zpre : {th}
    %z_exp = math.exp %z_neg : {th}  // obstacle
    %z_den = arith.addf %ones, %z_exp : {th}
    %z = arith.divf %ones, %z_den : {th}
{sigmoid("r", "rpre", "ones", th)}\
    %rh = arith.mulf %r, %h : {th}
{rec("npre", "rh", "Un", "xn")}\
    %n = math.tanh %npre : {th}
    %keep = arith.subf %ones, %z : {th}
    %kn = arith.mulf %keep, %n : {th}
    %zh = arith.mulf %z, %h : {th}
    %hn = arith.addf %kn, %zh : {th}
    recur.yield %hn, %hn : {th}, {th}
  }}
  return %hT, %hs : {th}, {ths}
}}
"""
    args = [(x, tx, tx), (h0, th, th), (wz, tw, tw), (wr, tw, tw),
            (wn, tw, tw), (uz, tu, tu), (ur, tu, tu), (un, tu, tu)]
    return func, args, [h, hs], [th, ths]


def gru():
    func, args, results, types = gru_func("gru", diagonal=False)
    return Case(
        "gru",
        """A GRU written out as a recurrence: the gates depend on the state
through sigmoid and tanh, so it is nonlinear; the first obstacle on the way
to the next state is the exp inside the update gate's sigmoid.""",
        func, args, results, types, nonlinear_checks("gru"),
        ["state #0: depends on states [0]; not affine (math.exp at "
         "{{.*}}LINE(obstacle) depends on state #0)",
         "output #0: depends on states [0]"],
        "recurrence: nonlinear (math.exp at {{.*}}LINE(obstacle) depends on "
        "state #0), strategy=sequential (cost model: T=4 is too short for Newton "
        "to pay off)")


def gru_diagonal():
    func, args, results, types = gru_func("gru_diagonal", diagonal=True)
    return Case(
        "gru-diagonal",
        """A GRU with diagonal recurrent weights (h * u instead of h U): the
Jacobian is diagonal, but the update is still nonlinear in the state.""",
        func, args, results, types, nonlinear_checks("gru_diagonal"),
        ["state #0: depends on states [0]; not affine (math.exp at "
         "{{.*}}LINE(obstacle) depends on state #0)",
         "output #0: depends on states [0]"],
        "recurrence: nonlinear (math.exp at {{.*}}LINE(obstacle) depends on "
        "state #0), strategy=sequential")


def lstm():
    T, B, I, H = 4, 2, 3, 3
    x, h0, c0 = rand(T, B, I), rand(B, H), rand(B, H)
    w, r = rand(I, 4 * H), rand(H, 4 * H)
    h, c, hs = h0.copy(), c0.copy(), np.zeros((T, B, H))
    for t in range(T):
        g = x[t] @ w + h @ r
        i, f = sig(g[:, :H]), sig(g[:, H:2 * H])
        o, cand = sig(g[:, 2 * H:3 * H]), np.tanh(g[:, 3 * H:])
        c = f * c + i * cand
        h = o * np.tanh(c)
        hs[t] = h
    tx, th, tw, tr, tstep, ths = (ty([T, B, I]), ty([B, H]), ty([I, 4 * H]),
                                  ty([H, 4 * H]), ty([B, I]), ty([T, B, H]))
    tg = ty([B, 4 * H])

    def gate(name, k):
        return (f"    %{name}pre = tensor.extract_slice %g[0, {k * H}] [{B}, {H}] "
                f"[1, 1] : {tg} to {th}\n")

    func = f"""func.func @lstm(%x: {tx}, %h0: {th}, %c0: {th}, %w: {tw}, %r: {tr})
    -> ({th}, {th}, {ths}) {{
  %hT, %cT, %hs = recur.recurrence init(%h0, %c0 : {th}, {th}) seq(%x : {tx})
      captures(%w, %r : {tw}, {tr}) -> {th}, {th}, {ths} {{
  ^bb0(%h: {th}, %c: {th}, %xt: {tstep}, %W: {tw}, %R: {tr}):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %gempty = tensor.empty() : {tg}
    %empty = tensor.empty() : {th}
{fill("gacc", "zero", "gempty", tg)}{fill("ones", "one", "empty", th)}\
{matmul("xw", "xt", "W", "gacc", tstep, tw, tg)}\
{matmul("g", "h", "R", "xw", th, tr, tg)}\
    // Gates i, f, o, c: slices of one matmul.
{gate("i", 0)}{gate("f", 1)}{gate("o", 2)}{gate("c", 3)}\
    %i_neg = arith.negf %ipre : {th}
    %i_exp = math.exp %i_neg : {th}  // obstacle
    %i_den = arith.addf %ones, %i_exp : {th}
    %i = arith.divf %ones, %i_den : {th}
{sigmoid("f", "fpre", "ones", th)}\
{sigmoid("o", "opre", "ones", th)}\
    %cand = math.tanh %cpre : {th}
    %fc = arith.mulf %f, %c : {th}
    %ic = arith.mulf %i, %cand : {th}
    %cn = arith.addf %fc, %ic : {th}
    %tc = math.tanh %cn : {th}
    %hn = arith.mulf %o, %tc : {th}
    recur.yield %hn, %cn, %hn : {th}, {th}, {th}
  }}
  return %hT, %cT, %hs : {th}, {th}, {ths}
}}
"""
    return Case(
        "lstm",
        """An LSTM written out as a recurrence, with states h and c. The gates
are slices of one matmul with h (linear so far); the first nonlinearity on
the way to both next states is the exp in the input gate's sigmoid.""",
        func,
        [(x, tx, tx), (h0, th, th), (c0, th, th), (w, tw, tw), (r, tr, tr)],
        [h, c, hs], [th, th, ths], nonlinear_checks("lstm"),
        ["state #0: depends on states [0, 1]; not affine (math.exp "
         "at {{.*}}LINE(obstacle) depends on state #0)",
         "state #1: depends on states [0, 1]; not affine (math.exp "
         "at {{.*}}LINE(obstacle) depends on state #0)",
         "output #0: depends on states [0, 1]"],
        "recurrence: nonlinear (math.exp at {{.*}}LINE(obstacle) "
        "depends on state #0), strategy=sequential")


# ---------------------------------------------------------------------------

CASES = [mingru, minlstm, lru, lru_coupled, mamba, linear_attention, gla,
         deltanet, dense_rnn, tanh_rnn, gru, gru_diagonal, lstm, outputs_prev,
         outputs_prev_reverse, permuted, two_systems, shared_decay, dense_gated,
         rnn_affine]


def main():
    os.makedirs(LINEARIZE_DIR, exist_ok=True)
    os.makedirs(ANALYSIS_DIR, exist_ok=True)
    for make in CASES:
        case = make()
        write_linearize(case)
        if case.remarks is not None:
            write_analysis(case)


if __name__ == "__main__":
    main()

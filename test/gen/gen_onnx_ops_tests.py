#!/usr/bin/env python3
"""Writes the ONNX op import tests: test/ONNX/Ops/NAME.test, with their
models and data under test/ONNX/Inputs/ops/.

ONNX's own node tests (test/ONNX/Node) have static shapes and feed shapes
as graph inputs; these cover what they do not: dynamic dimensions
(broadcasting a dynamic size against a static 1, batched and vector
MatMul, reductions, Softmax and LayerNormalization over dynamic sizes),
PyTorch-style shape arithmetic (Shape, Gather, Concat, Unsqueeze, Mul
feeding Reshape, Expand, ConstantOfShape, Slice) that must resolve at
compile time, Gather and Slice with negative indices and steps on dynamic
sizes, and the errors the op converters give. One module per model runs
at several sizes; expected outputs come from numpy, written out here from
the ONNX operator definitions (float64, then the output's dtype).

Needs the onnx and numpy packages (e.g. a virtual environment with
`pip install onnx numpy`):

    VENV/bin/python test/gen/gen_onnx_ops_tests.py

Models are written with IR version 8 and opsets <= 17, which the ONNX 1.12
checker that Recur links reads.
"""
import os
import shutil
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from devices import gated

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INPUTS = os.path.join(ROOT, "ONNX", "Inputs", "ops")
TESTS = os.path.join(ROOT, "ONNX", "Ops")
F = TensorProto.FLOAT
I64 = TensorProto.INT64
BOOL = TensorProto.BOOL
NP = {F: np.float32, I64: np.int64, BOOL: np.bool_}
INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


def const(name, value):
    return helper.make_node("Constant", [], [name],
                            value=numpy_helper.from_array(np.asarray(value),
                                                          name))


def init(name, value):
    return numpy_helper.from_array(np.asarray(value), name)


def node(op, inputs, outputs, **attrs):
    return helper.make_node(op, inputs, outputs, **attrs)


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def make_model(name, nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, name, [vi(*i) for i in inputs],
                              [vi(*o) for o in outputs], list(inits))
    m = helper.make_model(graph,
                          opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


class Case:
    """A model, its reference and the sizes it runs at."""

    def __init__(self, name, doc, nodes, inputs, outputs, ref, sizes,
                 inits=(), opset=17, checks=(), tol=("1e-4", "1e-5"),
                 gen=None):
        self.name, self.doc = name, doc
        self.model = make_model(name, nodes, inputs, outputs, inits, opset)
        self.inputs, self.outputs = inputs, outputs
        self.ref, self.sizes = ref, sizes
        self.checks, self.tol = checks, tol
        self.gen = gen or {}


class ErrorCase:
    """A model recur-compile must reject with `message`."""

    def __init__(self, name, doc, nodes, inputs, outputs, message, inits=(),
                 opset=17):
        self.name, self.doc, self.message = name, doc, message
        self.model = make_model(name, nodes, inputs, outputs, inits, opset)


def concrete(shape, sizes):
    return [sizes[d] if isinstance(d, str) else d for d in shape]


def random_input(rng, name, elem, shape, sizes, gen):
    if name in gen:
        return gen[name](rng, concrete(shape, sizes))
    dims = concrete(shape, sizes)
    if elem == F:
        return rng.uniform(-2, 2, dims).astype(np.float32)
    if elem == BOOL:
        return rng.uniform(size=dims) < 0.5
    return rng.integers(-5, 6, dims).astype(np.int64)


# --------------------------------------------------------------------------
# Cases with dynamic sizes
# --------------------------------------------------------------------------

CASES = []
ERRORS = []


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def broadcast_case():
    bias = np.array([0.5, -1.0, 2.0, 0.25], np.float32)
    lo, hi = np.float32(-0.5), np.float32(0.75)

    def ref(x, s, a, c, m):
        x, s, a, c = (v.astype(np.float64) for v in (x, s, a, c))
        y0 = (x + bias) * s                     # [B,T,4] + [4], * [B,1,1]
        y1 = np.where(x > 0, x, 0.1 * x)        # Where, scalar constant
        y2 = a + c                              # [B,1] + [1,N] -> [B,N]
        y3 = np.clip(x, lo, hi)                 # Clip with input bounds
        y4 = np.maximum(x, bias) - np.minimum(x, 0.0) / (1 + np.abs(x))
        y5 = np.where(m, sigmoid(x), np.tanh(x))  # bool mask [T,1]
        y6 = (x > s).astype(np.float32) - np.float32(0.5)  # compare+Cast
        y7 = x + 2 * x[:, -1:]                  # a slice of at most one
        return [y0, y1, y2, y3, y4, y5, y6, y7]

    nodes = [
        node("Add", ["x", "bias"], ["xb"]),
        node("Mul", ["xb", "s"], ["y0"]),
        const("zero", np.float32(0)),
        const("tenth", np.float32(0.1)),
        node("Greater", ["x", "zero"], ["pos"]),
        node("Mul", ["x", "tenth"], ["xs"]),
        node("Where", ["pos", "x", "xs"], ["y1"]),
        node("Add", ["a", "c"], ["y2"]),
        node("Clip", ["x", "lo", "hi"], ["y3"]),
        node("Max", ["x", "bias"], ["mx"]),
        node("Min", ["x", "zero"], ["mn"]),
        node("Abs", ["x"], ["ax"]),
        const("one", np.float32(1)),
        node("Add", ["ax", "one"], ["den"]),
        node("Div", ["mn", "den"], ["q"]),
        node("Sub", ["mx", "q"], ["y4"]),
        node("Sigmoid", ["x"], ["sg"]),
        node("Tanh", ["x"], ["th"]),
        node("Where", ["m", "sg", "th"], ["y5"]),
        node("Greater", ["x", "s"], ["gt"]),
        node("Cast", ["gt"], ["gtf"], to=F),
        const("half", np.float32(0.5)),
        node("Sub", ["gtf", "half"], ["y6"]),
        const("m1", np.array([-1], np.int64)),
        const("big", np.array([INT64_MAX], np.int64)),
        const("ax1", np.array([1], np.int64)),
        node("Slice", ["x", "m1", "big", "ax1"], ["last"]),
        const("two", np.float32(2)),
        node("Mul", ["last", "two"], ["last2"]),
        node("Add", ["x", "last2"], ["y7"]),
    ]
    CASES.append(Case(
        "broadcast_dynamic",
        "Elementwise ops broadcasting dynamic sizes: [B,T,4] with [4], "
        "[B,1,1] and a [T,1] bool mask; [B,1] + [1,N] (each dynamic size "
        "against a static 1); x + 2 x[:, -1:] (a dynamic size known to be "
        "at most 1 broadcasts); Where, Clip with bound inputs, Max/Min, "
        "comparisons and Cast.",
        nodes,
        [("x", F, ["B", "T", 4]), ("s", F, ["B", 1, 1]), ("a", F, ["B", 1]),
         ("c", F, [1, "N"]), ("m", BOOL, ["T", 1])],
        [("y0", F, ["B", "T", 4]), ("y1", F, ["B", "T", 4]),
         ("y2", F, ["B", "N"]), ("y3", F, ["B", "T", 4]),
         ("y4", F, ["B", "T", 4]), ("y5", F, ["B", "T", 4]),
         ("y6", F, ["B", "T", 4]), ("y7", F, ["B", "T", 4])],
        ref, [dict(B=2, T=3, N=5), dict(B=1, T=1, N=1), dict(B=3, T=4, N=2)],
        inits=[init("bias", bias), init("lo", lo), init("hi", hi)],
        checks=[
            # The elementwise ops are linalg.generic with the scalar op in
            # the body; [4] is read through a projected map.
            "CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, "
            "#{{.*}}], iterator_types = [\"parallel\", \"parallel\", "
            "\"parallel\"]}",
            "CHECK: arith.addf",
        ]))


def matmul_case():
    rng = np.random.default_rng(7)
    w = rng.uniform(-1, 1, (3, 5)).astype(np.float32)
    wt = rng.uniform(-1, 1, (6, 3)).astype(np.float32)  # Gemm B, transB
    gc = rng.uniform(-1, 1, (6,)).astype(np.float32)

    def ref(x, a, b, v, g):
        x, a, b, v, g = (t.astype(np.float64) for t in (x, a, b, v, g))
        return [x @ w,                      # [B,T,3] x [3,5]
                a @ b,                      # [B,M,3] x [B,3,N]
                v @ b,                      # [3] x [B,3,N] -> [B,N]
                a @ v,                      # [B,M,3] x [3] -> [B,M]
                v @ v,                      # [3] x [3] -> []
                g @ wt.T.astype(np.float64) + gc,           # Gemm, bias row
                0.5 * (g.T @ g) + 2.0 * g[0, 0]]            # Gemm transA

    nodes = [
        node("MatMul", ["x", "w"], ["y0"]),
        node("MatMul", ["a", "b"], ["y1"]),
        node("MatMul", ["v", "b"], ["y2"]),
        node("MatMul", ["a", "v"], ["y3"]),
        node("MatMul", ["v", "v"], ["y4"]),
        node("Gemm", ["g", "wt", "gc"], ["y5"], transB=1),
        node("Slice", ["g", "zero1", "one1", "zero1"], ["g0"]),
        node("Slice", ["g0", "zero1", "one1", "one1"], ["g00"]),
        node("Gemm", ["g", "g", "g00"], ["y6"], transA=1, alpha=0.5,
             beta=2.0),
    ]
    CASES.append(Case(
        "matmul_dynamic",
        "MatMul with numpy semantics over dynamic sizes (3-D by 2-D, "
        "batched, vectors on either side, vector by vector) and Gemm "
        "(a transposed constant B with a bias row; transA with alpha, beta "
        "and a [1,1] C).",
        nodes,
        [("x", F, ["B", "T", 3]), ("a", F, ["B", "M", 3]),
         ("b", F, ["B", 3, "N"]), ("v", F, [3]), ("g", F, ["R", 3])],
        [("y0", F, ["B", "T", 5]), ("y1", F, ["B", "M", "N"]),
         ("y2", F, ["B", "N"]), ("y3", F, ["B", "M"]), ("y4", F, []),
         ("y5", F, ["R", 6]), ("y6", F, [3, 3])],
        ref, [dict(B=2, T=3, M=4, N=2, R=5), dict(B=1, T=1, M=1, N=1, R=1)],
        inits=[init("w", w), init("wt", wt), init("gc", gc),
               init("zero1", np.array([0], np.int64)),
               init("one1", np.array([1], np.int64))],
        checks=[
            # Gemm: B transposed at import, the bias row added as
            # recur-hoist-invariants expects.
            "CHECK: linalg.matmul ins({{.*}} : tensor<?x3xf32>, "
            "tensor<3x6xf32>)",
            "CHECK: linalg.broadcast",
            "CHECK: arith.addf {{.*}} : tensor<?x6xf32>",
        ]))


def shape_arith_case():
    """PyTorch's export of x.reshape(B * T, F), x.view(B, T, 2, F // 2),
    torch.zeros(x.shape), bias.expand(B, T, F), x[:, 1:T - 1] and
    x[:, -1]."""
    bias = np.array([[1.0, 2.0, 3.0, 4.0]], np.float32)

    def ref(x):
        B, T, Fd = x.shape
        xd = x.astype(np.float64)
        return [(xd.reshape(B * T, Fd) * 2.0),
                xd.reshape(B, T, 2, Fd // 2),
                np.zeros(x.shape) + xd,
                np.broadcast_to(bias, (B, T, Fd)) * xd,
                xd[:, 1:T - 1],
                xd[:, -1],
                np.array(x.shape[:2], np.int64) * 3]

    nodes = [
        node("Shape", ["x"], ["shp"]),
        const("i0", np.int64(0)), const("i1", np.int64(1)),
        const("i2", np.int64(2)),
        node("Gather", ["shp", "i0"], ["b"], axis=0),
        node("Gather", ["shp", "i1"], ["t"], axis=0),
        node("Gather", ["shp", "i2"], ["f"], axis=0),
        node("Mul", ["b", "t"], ["bt"]),
        const("ax0", np.array([0], np.int64)),
        node("Unsqueeze", ["bt", "ax0"], ["bt1"]),
        node("Unsqueeze", ["f", "ax0"], ["f1"]),
        node("Concat", ["bt1", "f1"], ["s2"], axis=0),
        node("Reshape", ["x", "s2"], ["x2"]),
        const("two", np.float32(2)),
        node("Mul", ["x2", "two"], ["y0"]),
        # view(B, T, 2, F // 2)
        node("Unsqueeze", ["b", "ax0"], ["b1"]),
        node("Unsqueeze", ["t", "ax0"], ["t1"]),
        const("two1", np.array([2], np.int64)),
        const("two_i", np.int64(2)),
        node("Div", ["f", "two_i"], ["fh"]),
        node("Unsqueeze", ["fh", "ax0"], ["fh1"]),
        node("Concat", ["b1", "t1", "two1", "fh1"], ["s4"], axis=0),
        node("Reshape", ["x", "s4"], ["y1"]),
        # zeros(x.shape) + x
        node("ConstantOfShape", ["shp"], ["z"],
             value=numpy_helper.from_array(np.array([0], np.float32))),
        node("Add", ["z", "x"], ["y2"]),
        # bias.expand(B, T, F) * x
        node("Concat", ["b1", "t1", "f1"], ["s3"], axis=0),
        node("Expand", ["bias", "s3"], ["be"]),
        node("Mul", ["be", "x"], ["y3"]),
        # x[:, 1:T-1]
        const("one1", np.array([1], np.int64)),
        node("Sub", ["t1", "one1"], ["tm1"]),
        node("Slice", ["x", "one1", "tm1", "one1"], ["y4"]),
        # x[:, -1]
        const("m1", np.int64(-1)),
        node("Gather", ["x", "m1"], ["y5"], axis=1),
        # Shape arithmetic as an output: Shape(x)[0:2] * 3
        const("three", np.array([3], np.int64)),
        const("st0", np.array([0], np.int64)),
        const("en2", np.array([2], np.int64)),
        node("Slice", ["shp", "st0", "en2"], ["bt2"]),
        node("Mul", ["bt2", "three"], ["y6"]),
    ]
    CASES.append(Case(
        "shape_arithmetic",
        "Shapes computed the way PyTorch exports them (Shape, Gather, Mul, "
        "Div, Sub, Unsqueeze, Concat, Slice) feeding Reshape, Expand, "
        "ConstantOfShape and Slice: all resolved at compile time, so the "
        "reshapes are tensor.collapse_shape / expand_shape, not "
        "tensor.reshape of a runtime shape.",
        nodes, [("x", F, ["B", "T", 4])],
        [("y0", F, ["BT", 4]), ("y1", F, ["B", "T", 2, 2]),
         ("y2", F, ["B", "T", 4]), ("y3", F, ["B", "T", 4]),
         ("y4", F, ["B", "T2", 4]), ("y5", F, ["B", 4]), ("y6", I64, [2])],
        ref, [dict(B=2, T=3), dict(B=1, T=5), dict(B=3, T=2)],
        inits=[init("bias", bias)],
        checks=["CHECK-NOT: tensor.reshape",
                "CHECK: tensor.collapse_shape {{.*}} : tensor<?x?x4xf32> "
                "into tensor<?x4xf32>",
                "CHECK-NOT: tensor.reshape",
                "CHECK: tensor.expand_shape {{.*}} : tensor<?x?x4xf32> "
                "into tensor<?x?x2x2xf32>",
                "CHECK-NOT: tensor.reshape"]))


def reduce_case():
    rng = np.random.default_rng(3)
    scale = rng.uniform(0.5, 1.5, (4,)).astype(np.float32)
    lnb = rng.uniform(-0.5, 0.5, (4,)).astype(np.float32)

    def ref(x):
        x = x.astype(np.float64)
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        ln = (x - mean) / np.sqrt(var + 1e-5) * scale + lnb
        e = np.exp(x - x.max(axis=1, keepdims=True))
        sm = e / e.sum(axis=1, keepdims=True)
        lsm = (x - x.max(axis=2, keepdims=True)) - np.log(
            np.exp(x - x.max(axis=2, keepdims=True)).sum(axis=2,
                                                          keepdims=True))
        return [x.mean(axis=1, keepdims=True),     # over dynamic T
                x.sum(axis=(0, 2)),                 # two axes, no keepdims
                np.sqrt((x ** 2).sum(axis=-1)),     # ReduceL2
                x.max(axis=1),
                sm, lsm, ln]

    nodes = [
        node("ReduceMean", ["x"], ["y0"], axes=[1], keepdims=1),
        const("ax02", np.array([0, -1], np.int64)),
        node("ReduceSum", ["x", "ax02"], ["y1"], keepdims=0),
        node("ReduceL2", ["x"], ["y2"], axes=[-1], keepdims=0),
        node("ReduceMax", ["x"], ["y3"], axes=[1], keepdims=0),
        node("Softmax", ["x"], ["y4"], axis=1),
        node("LogSoftmax", ["x"], ["y5"], axis=-1),
        node("LayerNormalization", ["x", "scale", "lnb"], ["y6"], axis=-1,
             epsilon=1e-5),
    ]
    CASES.append(Case(
        "reduce_dynamic",
        "Reductions over dynamic and static axes (ReduceMean's count "
        "computed at run time), Softmax over the dynamic axis, LogSoftmax "
        "and LayerNormalization.",
        nodes, [("x", F, ["B", "T", 4])],
        [("y0", F, ["B", 1, 4]), ("y1", F, ["T"]), ("y2", F, ["B", "T"]),
         ("y3", F, ["B", 4]), ("y4", F, ["B", "T", 4]),
         ("y5", F, ["B", "T", 4]), ("y6", F, ["B", "T", 4])],
        ref, [dict(B=2, T=3), dict(B=1, T=1), dict(B=3, T=6)],
        inits=[init("scale", scale), init("lnb", lnb)]))


def movement_case():
    idx = np.array([[0, -1], [1, -2]], np.int64)

    def ref(x):
        xd = x.astype(np.float64)
        T = x.shape[1]
        return [np.take(xd, np.where(idx < 0, idx + T, idx), axis=1),
                xd[:, ::-1],                 # Slice, step -1
                xd[:, 1::2, 1:],             # steps 2, two axes
                np.transpose(xd, (2, 0, 1)),
                np.concatenate([xd, 2 * xd], axis=1),
                xd[:, :1][:, 0][:, :, None],  # Squeeze then Unsqueeze
                np.tile(xd, (1, 2, 1)),
                xd.reshape(x.shape[0], -1),  # Flatten
                np.split(xd, 2, axis=2)[1]]  # Split

    nodes = [
        node("Gather", ["x", "idx"], ["y0"], axis=1),
        const("s0", np.array([-1], np.int64)),
        const("e0", np.array([INT64_MIN], np.int64)),
        const("a1", np.array([1], np.int64)),
        const("st", np.array([-1], np.int64)),
        node("Slice", ["x", "s0", "e0", "a1", "st"], ["y1"]),
        const("s2", np.array([1, 1], np.int64)),
        const("e2", np.array([INT64_MAX, 100], np.int64)),
        const("a2", np.array([1, 2], np.int64)),
        const("st2", np.array([2, 1], np.int64)),
        node("Slice", ["x", "s2", "e2", "a2", "st2"], ["y2"]),
        node("Transpose", ["x"], ["y3"], perm=[2, 0, 1]),
        const("two", np.float32(2)),
        node("Mul", ["x", "two"], ["x2"]),
        node("Concat", ["x", "x2"], ["y4"], axis=1),
        const("zero1", np.array([0], np.int64)),
        node("Slice", ["x", "zero1", "a1", "a1"], ["first"]),
        node("Squeeze", ["first", "a1"], ["sq"]),
        const("ax2", np.array([2], np.int64)),
        node("Unsqueeze", ["sq", "ax2"], ["y5"]),
        const("reps", np.array([1, 2, 1], np.int64)),
        node("Tile", ["x", "reps"], ["y6"]),
        node("Flatten", ["x"], ["y7"], axis=1),
        node("Split", ["x"], ["h0", "y8"], axis=2),
    ]
    CASES.append(Case(
        "movement_dynamic",
        "Data movement on dynamic sizes: Gather with a [2,2] index tensor "
        "holding negative indices, Slice with step -1 from the end and "
        "with step 2, Transpose, Concat, Squeeze/Unsqueeze, Tile, Flatten, "
        "Split.",
        nodes, [("x", F, ["B", "T", 4])],
        [("y0", F, ["B", 2, 2, 4]), ("y1", F, ["B", "T", 4]),
         ("y2", F, ["B", "T2", 3]), ("y3", F, [4, "B", "T"]),
         ("y4", F, ["B", "T3", 4]), ("y5", F, ["B", 4, 1]),
         ("y6", F, ["B", "T4", 4]), ("y7", F, ["B", "F"]),
         ("y8", F, ["B", "T", 2])],
        ref, [dict(B=2, T=3), dict(B=1, T=2), dict(B=2, T=5)],
        inits=[init("idx", idx)]))


def int_case():
    def ref(a, b):
        return [a + b * 3, np.where(a < b, a, b) - np.abs(a),
                np.maximum(a, 0), (a == b)]

    nodes = [
        const("three", np.int64(3)),
        node("Mul", ["b", "three"], ["b3"]),
        node("Add", ["a", "b3"], ["y0"]),
        node("Less", ["a", "b"], ["lt"]),
        node("Where", ["lt", "a", "b"], ["mn"]),
        node("Abs", ["a"], ["aa"]),
        node("Sub", ["mn", "aa"], ["y1"]),
        node("Relu", ["a"], ["y2"]),
        node("Equal", ["a", "b"], ["y3"]),
    ]
    CASES.append(Case(
        "int_dynamic",
        "Integer elementwise ops and comparisons broadcasting [N] against "
        "[B,N].",
        nodes, [("a", I64, ["B", "N"]), ("b", I64, ["N"])],
        [("y0", I64, ["B", "N"]), ("y1", I64, ["B", "N"]),
         ("y2", I64, ["B", "N"]), ("y3", BOOL, ["B", "N"])],
        ref, [dict(B=2, N=3), dict(B=1, N=1)], tol=("0", "0")))


def old_opsets_case():
    def ref(x):
        xd = x.astype(np.float64)
        B = x.shape[0]
        flat = xd.reshape(B, -1)                      # Softmax-1: 2-D view
        e = np.exp(flat - flat.max(axis=1, keepdims=True))
        sm = (e / e.sum(axis=1, keepdims=True)).reshape(x.shape)
        parts = np.split(xd, [1], axis=2)
        return [np.clip(xd, -0.5, 1.0), xd[:, 1:, ::1][:, :, :2], sm,
                xd.sum(axis=(1,), keepdims=True)[:, None],
                parts[0], parts[1]]

    nodes = [
        node("Clip", ["x"], ["y0"], min=-0.5, max=1.0),
        node("Slice", ["x"], ["y1"], starts=[1, 0], ends=[INT64_MAX, 2],
             axes=[1, 2]),
        node("Softmax", ["x"], ["y2"], axis=1),
        node("ReduceSum", ["x"], ["r"], axes=[1], keepdims=1),
        node("Unsqueeze", ["r"], ["y3"], axes=[1]),
        node("Split", ["x"], ["y4", "y5"], axis=2, split=[1, 3]),
    ]
    CASES.append(Case(
        "old_opsets",
        "Opset 9 forms: Clip's bounds, Slice's starts/ends/axes, "
        "Unsqueeze's axes, ReduceSum's axes and Split's sizes as "
        "attributes; Softmax over the input seen as a matrix from the "
        "axis on.",
        nodes, [("x", F, ["B", "T", 4])],
        [("y0", F, ["B", "T", 4]), ("y1", F, ["B", "T1", 2]),
         ("y2", F, ["B", "T", 4]), ("y3", F, ["B", 1, 1, 4]),
         ("y4", F, ["B", "T", 1]), ("y5", F, ["B", "T", 3])],
        ref, [dict(B=2, T=3), dict(B=1, T=1)], opset=9))


def constants_case():
    def ref(x, i, j):
        xd = x.astype(np.float64)
        T = x.shape[1]
        k = int(i)
        return [xd * 1.5 + np.array([1.0, 2.0, 3.0, 4.0]),
                np.array([3, 4, 5], np.int64) * 2,
                xd[:, k + T if k < 0 else k],
                np.take(xd, np.where(j < 0, j + T, j), axis=1),
                np.full((x.shape[0], 2), 7, np.int64),
                np.array(x.size, np.int64)]

    nodes = [
        helper.make_node("Constant", [], ["cf"], value_float=1.5),
        helper.make_node("Constant", [], ["cfs"],
                         value_floats=[1.0, 2.0, 3.0, 4.0]),
        helper.make_node("Constant", [], ["ci"], value_int=2),
        helper.make_node("Constant", [], ["cis"], value_ints=[3, 4, 5]),
        node("Mul", ["x", "cf"], ["xm"]),
        node("Add", ["xm", "cfs"], ["y0"]),
        node("Mul", ["cis", "ci"], ["y1"]),
        node("Gather", ["x", "i"], ["y2"], axis=1),
        node("Gather", ["x", "j"], ["y3"], axis=1),
        # ConstantOfShape of [B, 2] built from Shape, Cast to int32 and back
        node("Shape", ["x"], ["shp"]),
        node("Cast", ["shp"], ["shp32"], to=TensorProto.INT32),
        node("Cast", ["shp32"], ["shp64"], to=I64),
        const("st", np.array([0], np.int64)),
        const("en", np.array([1], np.int64)),
        node("Slice", ["shp64", "st", "en"], ["b1"]),
        const("two", np.array([2], np.int64)),
        node("Concat", ["b1", "two"], ["s2"], axis=0),
        node("ConstantOfShape", ["s2"], ["y4"],
             value=numpy_helper.from_array(np.array([7], np.int64))),
        node("Size", ["x"], ["y5"]),
    ]

    def index_gen(rng, dims):
        return np.array(rng.integers(-2, 2), np.int64)

    def indices_gen(rng, dims):
        return rng.integers(-2, 2, dims).astype(np.int64)

    CASES.append(Case(
        "constants_gather",
        "Constant's value_float(s) and value_int(s); Gather by an index "
        "and by an index tensor given at run time (negative ones count from "
        "the end of a dynamic size); Cast, Slice and Concat of a known "
        "shape feeding ConstantOfShape; Size.",
        nodes,
        [("x", F, ["B", "T", 4]), ("i", I64, []), ("j", I64, [3])],
        [("y0", F, ["B", "T", 4]), ("y1", I64, [3]), ("y2", F, ["B", 4]),
         ("y3", F, ["B", 3, 4]), ("y4", I64, ["B", 2]), ("y5", I64, [])],
        ref, [dict(B=2, T=3), dict(B=1, T=2)], opset=13,
        gen={"i": index_gen, "j": indices_gen}, tol=("1e-4", "1e-5")))


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

def error_cases():
    ERRORS.append(ErrorCase(
        "error_broadcast", "Two static sizes that do not broadcast.",
        [node("Add", ["x", "y"], ["z"])],
        [("x", F, [2, 3]), ("y", F, [4])], [("z", F, [2, 3])],
        "cannot broadcast shapes [2, 3] and [4]: dimension 1 is 3 and 4 "
        "(node 'z', op Add, opset 17)"))
    ERRORS.append(ErrorCase(
        "error_matmul_inner", "MatMul's inner sizes differ.",
        [node("MatMul", ["x", "y"], ["z"])],
        [("x", F, ["B", 3]), ("y", F, [4, 2])], [("z", F, ["B", 2])],
        "cannot multiply [?, 3] by [4, 2]: inner sizes 3 and 4 differ "
        "(node 'z', op MatMul, opset 17)"))
    ERRORS.append(ErrorCase(
        "error_runtime_axes", "Axes that are a graph input.",
        [node("Unsqueeze", ["x", "axes"], ["z"])],
        [("x", F, [3]), ("axes", I64, [1])], [("z", F, [1, 3])],
        "axes must be a compile-time constant (node 'z', op Unsqueeze, "
        "opset 17)"))
    ERRORS.append(ErrorCase(
        "error_shape_unknown_length",
        "A Reshape whose shape has a length unknown at compile time.",
        [node("Reshape", ["x", "s"], ["z"])],
        [("x", F, [6]), ("s", I64, ["K"])], [("z", F, ["A"])],
        "shape must be computable at compile time (or a 1-D integer tensor "
        "of static length) (node 'z', op Reshape, opset 17)"))
    ERRORS.append(ErrorCase(
        "error_axis_range", "An axis out of range.",
        [node("Softmax", ["x"], ["z"], axis=2)],
        [("x", F, [2, 3])], [("z", F, [2, 3])],
        "axis 2 is out of range for rank 2 (node 'z', op Softmax, "
        "opset 17)"))
    ERRORS.append(ErrorCase(
        "error_reshape_count", "A static Reshape that changes the count.",
        [node("Reshape", ["x", "s"], ["z"])],
        [("x", F, [2, 3])], [("z", F, [4, 2])],
        "cannot reshape [2, 3] to [4, 2]: element counts differ "
        "(node 'z', op Reshape, opset 17)",
        inits=[init("s", np.array([4, 2], np.int64))]))
    ERRORS.append(ErrorCase(
        "error_cast_string", "A Cast to strings.",
        [node("Cast", ["x"], ["z"], to=TensorProto.STRING)],
        [("x", F, [2])], [("z", TensorProto.STRING, [2])],
        "casts to an unsupported element type (STRING) (node 'z', op Cast, "
        "opset 17)"))
    sparse = helper.make_sparse_tensor(
        numpy_helper.from_array(np.array([1.0], np.float32), "v"),
        numpy_helper.from_array(np.array([1], np.int64), "i"), [3])
    ERRORS.append(ErrorCase(
        "error_sparse_constant", "A sparse Constant.",
        [helper.make_node("Constant", [], ["c"], sparse_value=sparse),
         node("Add", ["x", "c"], ["z"])],
        [("x", F, [3])], [("z", F, [3])],
        "sparse constants are not supported (node 'c', op Constant, "
        "opset 17)"))
    ERRORS.append(ErrorCase(
        "error_layernorm_scale",
        "A LayerNormalization scale that does not broadcast to X.",
        [node("LayerNormalization", ["x", "s"], ["z"])],
        [("x", F, ["B", 4]), ("s", F, [3])], [("z", F, ["B", 4])],
        "cannot broadcast tensor<3xf32> to shape [?, 4] (node 'z', op "
        "LayerNormalization, opset 17)"))
    ERRORS.append(ErrorCase(
        "error_squeeze_size", "Squeezing a dimension that is not 1.",
        [node("Squeeze", ["x", "a"], ["z"])],
        [("x", F, [2, 3])], [("z", F, [3])],
        "cannot squeeze dimension 0 of size 2 (node 'z', op Squeeze, "
        "opset 17)",
        inits=[init("a", np.array([0], np.int64))]))


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

HEADER = "# Generated by test/gen/gen_onnx_ops_tests.py; do not edit.\n"


def wrap(text, prefix="# "):
    words, lines, line = text.split(), [], prefix.rstrip()
    for w in words:
        if len(line) + len(w) + 1 > 78:
            lines.append(line)
            line = prefix.rstrip()
        line += " " + w
    lines.append(line)
    return "\n".join(lines) + "\n"


# Cases the GPU targets cannot compile yet, and why; these run on the host
# only. recur-compile says the same at the node.
HOST_ONLY = {
    "constants_gather": "Gather at an index read from tensor data: the GPU "
                        "targets' driver cannot read device memory (not "
                        "supported yet)",
}


def write_case(c):
    model_path = os.path.join(INPUTS, c.name + ".onnx")
    onnx.save(c.model, model_path)
    data_dir = os.path.join(INPUTS, c.name)
    os.makedirs(data_dir)
    rel = "%S/../Inputs/ops/"
    rtol, atol = c.tol
    lines = [wrap(f"ONNX ops {c.name}: {c.doc}"),
             "# recur-compile (host, sim, cuda), then recur-run at each size on "
             "host and sim\n# (cuda where there is a GPU); outputs compared "
             f"with numpy's (see the generator)\n# at |got - want| <= {atol} "
             f"+ {rtol} |want|, same dtype.\n#\n", HEADER,
             "# REQUIRES: recur-compile\n"]
    devices = ("host",) if c.name in HOST_ONLY else ("host", "sim", "cuda")
    if c.name in HOST_ONLY:
        lines.append(wrap("Host only: " + HOST_ONLY[c.name]))
    lines.append(f"# RUN: recur-compile {rel}{c.name}.onnx "
                 f"--target={','.join(devices)} -o %t.rmod\n")
    if c.checks:
        lines.append(f"# RUN: recur-compile {rel}{c.name}.onnx "
                     "--strategy=sequential --emit=recur -o - | FileCheck %s\n")
    rng = np.random.default_rng(zlib.crc32(c.name.encode()))
    for sizes in c.sizes:
        tag = "".join(f"{k}{v}" for k, v in sorted(sizes.items()))
        os.makedirs(os.path.join(data_dir, tag))
        args = [random_input(rng, n, e, s, sizes, c.gen)
                for n, e, s in c.inputs]
        wants = c.ref(*args)
        assert len(wants) == len(c.outputs)
        ins = []
        for i, a in enumerate(args):
            np.save(os.path.join(data_dir, tag, f"in{i}.npy"), a)
            ins.append(f"--input=@{rel}{c.name}/{tag}/in{i}.npy")
        for i, (w, (_, elem, _)) in enumerate(zip(wants, c.outputs)):
            w = np.array(np.asarray(w).astype(NP[elem]), order="C")
            np.save(os.path.join(data_dir, tag, f"want{i}.npy"), w)
        for device in devices:
            run = [f"recur-run %t.rmod --device={device}"] + ins
            check = [f"%npycheck --rtol={rtol} --atol={atol}"]
            for i in range(len(wants)):
                run.append(f"--output=@%t.{tag}.{device}.out{i}.npy")
                check.append(f"%t.{tag}.{device}.out{i}.npy "
                             f"{rel}{c.name}/{tag}/want{i}.npy")
            run, check = " ".join(run), " ".join(check)
            run, check = gated(device, run, check)
            lines.append("# RUN: " + run + "\n")
            lines.append("# RUN: " + check + "\n")
    for ch in c.checks:
        lines.append(f"# {ch}\n")
    with open(os.path.join(TESTS, c.name + ".test"), "w") as f:
        f.writelines(lines)


def write_error(c):
    onnx.save(c.model, os.path.join(INPUTS, c.name + ".onnx"))
    rel = "%S/../Inputs/ops/"
    text = [wrap(f"ONNX ops {c.name}: {c.doc} recur-compile fails with the "
                 "error below, naming the node, its op and opset, and "
                 "writes nothing."),
            "#\n", HEADER, "# REQUIRES: recur-compile\n",
            f"# RUN: rm -f %t.rmod\n",
            f"# RUN: not recur-compile {rel}{c.name}.onnx -o %t.rmod 2>&1 "
            "| FileCheck %s\n",
            "# RUN: not test -e %t.rmod\n",
            f"# CHECK: {c.name}.onnx: {{{{.*}}}}error: {c.message}\n"]
    with open(os.path.join(TESTS, c.name + ".test"), "w") as f:
        f.writelines(text)


def main():
    broadcast_case()
    matmul_case()
    shape_arith_case()
    reduce_case()
    movement_case()
    int_case()
    old_opsets_case()
    constants_case()
    error_cases()
    for d in (INPUTS, TESTS):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    for c in CASES:
        write_case(c)
    for c in ERRORS:
        write_error(c)


if __name__ == "__main__":
    main()

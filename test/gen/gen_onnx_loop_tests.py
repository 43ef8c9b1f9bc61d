#!/usr/bin/env python3
"""Writes the ONNX Loop/Scan import tests: test/ONNX/ControlFlow/NAME.test,
with their models and data under test/ONNX/Inputs/controlflow/.

Each model exercises one form the importer turns into recur.recurrence
(docs/onnx.md): Loop with scan outputs, a run-time trip count and
condition, Slice [i, i+1) reads, other uses of the iteration number,
ConcatFromSequence's axes, a trip count shorter than the sequence; Scan
with input/output axes and directions, opset 8's batch axis. Expected
outputs come from numpy loops written out here, in float64, from the ONNX
operator definitions (onnx.reference is no help: its Scan reads every input
forward, and its Loop concatenates scan outputs with np.vstack where ONNX's
shape inference and ONNX Runtime stack them).

Needs the onnx and numpy packages (e.g. a virtual environment with
`pip install onnx numpy`):

    VENV/bin/python test/gen/gen_onnx_loop_tests.py

Models are written with IR version 8 and opsets <= 17, which the ONNX 1.12
checker that Recur links reads.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from devices import gated

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INPUTS = os.path.join(ROOT, "ONNX", "Inputs", "controlflow")
TESTS = os.path.join(ROOT, "ONNX", "ControlFlow")
F = TensorProto.FLOAT
I64 = TensorProto.INT64
BOOL = TensorProto.BOOL


def const(name, value):
    return helper.make_node("Constant", [], [name],
                            value=numpy_helper.from_array(np.asarray(value),
                                                          name))


def model(graph, opset=17):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def loop_scan_outputs():
    """h = 0.5 h + x_t; a scan output 2 h per step. T from Shape(x)[0]."""
    body = helper.make_graph(
        [helper.make_node("Gather", ["x", "i"], ["xt"], axis=0),
         const("half", np.float32(0.5)),
         helper.make_node("Mul", ["h", "half"], ["hh"]),
         helper.make_node("Add", ["hh", "xt"], ["h2"]),
         const("two", np.float32(2.0)),
         helper.make_node("Mul", ["h2", "two"], ["y"]),
         helper.make_node("Identity", ["c"], ["c2"])],
        "body",
        [helper.make_tensor_value_info("i", I64, []),
         helper.make_tensor_value_info("c", BOOL, []),
         helper.make_tensor_value_info("h", F, ["B", 3])],
        [helper.make_tensor_value_info("c2", BOOL, []),
         helper.make_tensor_value_info("h2", F, ["B", 3]),
         helper.make_tensor_value_info("y", F, ["B", 3])])
    graph = helper.make_graph(
        [helper.make_node("Shape", ["x"], ["shape"]),
         const("zero", np.int64(0)),
         helper.make_node("Gather", ["shape", "zero"], ["T"], axis=0),
         const("true", np.bool_(True)),
         helper.make_node("Loop", ["T", "true", "h0"], ["h_last", "ys"],
                          body=body, name="loop")],
        "loop_scan_outputs",
        [helper.make_tensor_value_info("x", F, ["T", "B", 3]),
         helper.make_tensor_value_info("h0", F, ["B", 3])],
        [helper.make_tensor_value_info("h_last", F, ["B", 3]),
         helper.make_tensor_value_info("ys", F, ["T", "B", 3])])
    rng = np.random.default_rng(1)
    cases = {"T5B2": [rng.standard_normal((5, 2, 3), np.float32),
                      rng.standard_normal((2, 3), np.float32)],
             "T9B1": [rng.standard_normal((9, 1, 3), np.float32),
                      rng.standard_normal((1, 3), np.float32)]}

    def reference(x, h0):
        h, ys = h0.astype(np.float64), []
        for xt in x:
            h = 0.5 * h + xt
            ys.append(2 * h)
        return [h, np.array(ys)]
    return model(graph), cases, "linear, structure=scalar", reference


def loop_runtime_trip():
    """Trip count and condition are inputs; the body reads x[i:i+1] with
    Slice (Unsqueeze(i), Unsqueeze(i + 1)) and returns its condition
    unchanged."""
    body = helper.make_graph(
        [const("one", np.int64(1)),
         helper.make_node("Add", ["i", "one"], ["i1"]),
         const("axes0", np.array([0], np.int64)),
         helper.make_node("Unsqueeze", ["i", "axes0"], ["start"]),
         helper.make_node("Unsqueeze", ["i1", "axes0"], ["end"]),
         helper.make_node("Slice", ["x", "start", "end"], ["xt"]),
         helper.make_node("Mul", ["h", "xt"], ["h2"]),
         helper.make_node("Identity", ["c"], ["c2"])],
        "body",
        [helper.make_tensor_value_info("i", I64, []),
         helper.make_tensor_value_info("c", BOOL, []),
         helper.make_tensor_value_info("h", F, [1, 4])],
        [helper.make_tensor_value_info("c2", BOOL, []),
         helper.make_tensor_value_info("h2", F, [1, 4]),
         helper.make_tensor_value_info("xt", F, [1, 4])])
    graph = helper.make_graph(
        [helper.make_node("Loop", ["M", "cond", "h0"], ["h_last", "xs"],
                          body=body, name="loop")],
        "loop_runtime_trip",
        [helper.make_tensor_value_info("M", I64, []),
         helper.make_tensor_value_info("cond", BOOL, []),
         helper.make_tensor_value_info("h0", F, [1, 4]),
         helper.make_tensor_value_info("x", F, [6, 4])],
        [helper.make_tensor_value_info("h_last", F, [1, 4]),
         helper.make_tensor_value_info("xs", F, ["N", 1, 4])])
    rng = np.random.default_rng(2)
    x = rng.uniform(0.5, 1.5, (6, 4)).astype(np.float32)
    h0 = rng.uniform(0.5, 1.5, (1, 4)).astype(np.float32)
    cases = {"M4": [np.array(4, np.int64), np.array(True), h0, x],
             "M6": [np.array(6, np.int64), np.array(True), h0, x]}

    def reference(m, cond, h0, x):
        h, xs = h0.astype(np.float64), []
        for i in range(int(m) if cond else 0):
            h = h * x[i:i + 1]
            xs.append(x[i:i + 1])
        return [h, np.array(xs)]
    return model(graph, 13), cases, "linear, structure=diagonal", reference


def loop_iteration_value():
    """The body uses the iteration number as a value: h = h + i * x_t."""
    body = helper.make_graph(
        [helper.make_node("Gather", ["x", "i"], ["xt"], axis=0),
         helper.make_node("Cast", ["i"], ["fi"], to=F),
         helper.make_node("Mul", ["xt", "fi"], ["ix"]),
         helper.make_node("Add", ["h", "ix"], ["h2"]),
         const("c2", np.bool_(True))],
        "body",
        [helper.make_tensor_value_info("i", I64, []),
         helper.make_tensor_value_info("c", BOOL, []),
         helper.make_tensor_value_info("h", F, [3])],
        [helper.make_tensor_value_info("c2", BOOL, []),
         helper.make_tensor_value_info("h2", F, [3])])
    graph = helper.make_graph(
        [helper.make_node("Shape", ["x"], ["shape"]),
         const("zero", np.array([0], np.int64)),
         helper.make_node("Gather", ["shape", "zero"], ["T"], axis=0),
         helper.make_node("Loop", ["T", "", "h0"], ["h_last"], body=body,
                          name="loop")],
        "loop_iteration_value",
        [helper.make_tensor_value_info("x", F, ["T", 3]),
         helper.make_tensor_value_info("h0", F, [3])],
        [helper.make_tensor_value_info("h_last", F, [3])])
    rng = np.random.default_rng(3)
    cases = {"T7": [rng.standard_normal((7, 3), np.float32),
                    rng.standard_normal(3, np.float32)]}

    def reference(x, h0):
        h = h0.astype(np.float64)
        for i, xt in enumerate(x):
            h = h + i * xt
        return [h]
    return model(graph), cases, "linear, structure=scalar", reference


def loop_sequences():
    """Two sequence accumulators, stacked with ConcatFromSequence along
    axis 1 (new_axis=1) and concatenated along axis 0 (new_axis=0); a
    constant trip count shorter than the sequence."""
    body = helper.make_graph(
        [helper.make_node("Gather", ["x", "i"], ["xt"], axis=0),
         helper.make_node("Tanh", ["xt"], ["tx"]),
         helper.make_node("Add", ["h", "tx"], ["h2"]),
         helper.make_node("SequenceInsert", ["s1", "h2"], ["s1n"]),
         helper.make_node("Neg", ["h2"], ["nh"]),
         helper.make_node("SequenceInsert", ["s2", "nh"], ["s2n"]),
         helper.make_node("Identity", ["c"], ["c2"])],
        "body",
        [helper.make_tensor_value_info("i", I64, []),
         helper.make_tensor_value_info("c", BOOL, []),
         helper.make_tensor_value_info("h", F, [2, 3]),
         helper.make_tensor_sequence_value_info("s1", F, None),
         helper.make_tensor_sequence_value_info("s2", F, None)],
        [helper.make_tensor_value_info("c2", BOOL, []),
         helper.make_tensor_value_info("h2", F, [2, 3]),
         helper.make_tensor_sequence_value_info("s1n", F, None),
         helper.make_tensor_sequence_value_info("s2n", F, None)])
    graph = helper.make_graph(
        [const("M", np.int64(4)),
         const("true", np.bool_(True)),
         helper.make_node("SequenceEmpty", [], ["e1"], dtype=F),
         helper.make_node("SequenceEmpty", [], ["e2"], dtype=F),
         helper.make_node("Loop", ["M", "true", "h0", "e1", "e2"],
                          ["h_last", "q1", "q2"], body=body, name="loop"),
         helper.make_node("ConcatFromSequence", ["q1"], ["stacked"], axis=1,
                          new_axis=1),
         helper.make_node("ConcatFromSequence", ["q2"], ["joined"], axis=0)],
        "loop_sequences",
        [helper.make_tensor_value_info("x", F, [6, 2, 3]),
         helper.make_tensor_value_info("h0", F, [2, 3])],
        [helper.make_tensor_value_info("h_last", F, [2, 3]),
         helper.make_tensor_value_info("stacked", F, [2, 4, 3]),
         helper.make_tensor_value_info("joined", F, [8, 3])])
    rng = np.random.default_rng(4)
    cases = {"x6": [rng.standard_normal((6, 2, 3), np.float32),
                    rng.standard_normal((2, 3), np.float32)]}

    def reference(x, h0):
        h, s1, s2 = h0.astype(np.float64), [], []
        for xt in x[:4]:
            h = h + np.tanh(xt)
            s1.append(h)
            s2.append(-h)
        return [h, np.stack(s1, axis=1), np.concatenate(s2, axis=0)]
    return model(graph), cases, "linear, structure=scalar", reference


def scan_axes_directions():
    """Scan (opset 11) over two inputs, one along axis 1 read in reverse;
    outputs along axis 1, one prepended."""
    body = helper.make_graph(
        [helper.make_node("Mul", ["a", "decay"], ["ad"]),
         helper.make_node("Add", ["ad", "u"], ["a1"]),
         helper.make_node("Add", ["a1", "v"], ["a2"]),
         helper.make_node("Identity", ["a2"], ["o1"]),
         helper.make_node("Sub", ["u", "v"], ["o2"])],
        "body",
        [helper.make_tensor_value_info("a", F, [2]),
         helper.make_tensor_value_info("u", F, [2]),
         helper.make_tensor_value_info("v", F, [2])],
        [helper.make_tensor_value_info("a2", F, [2]),
         helper.make_tensor_value_info("o1", F, [2]),
         helper.make_tensor_value_info("o2", F, [2])])
    graph = helper.make_graph(
        [const("decay", np.array([0.9, 0.5], np.float32)),
         helper.make_node("Scan", ["a0", "U", "V"], ["aT", "O1", "O2"],
                          body=body, num_scan_inputs=2, name="scan",
                          scan_input_axes=[0, 1],
                          scan_input_directions=[0, 1],
                          scan_output_axes=[1, -1],
                          scan_output_directions=[1, 0])],
        "scan_axes_directions",
        [helper.make_tensor_value_info("a0", F, [2]),
         helper.make_tensor_value_info("U", F, ["T", 2]),
         helper.make_tensor_value_info("V", F, [2, "T"])],
        [helper.make_tensor_value_info("aT", F, [2]),
         helper.make_tensor_value_info("O1", F, [2, "T"]),
         helper.make_tensor_value_info("O2", F, [2, "T"])])
    rng = np.random.default_rng(5)
    cases = {"T5": [rng.standard_normal(2, np.float32),
                    rng.standard_normal((5, 2), np.float32),
                    rng.standard_normal((2, 5), np.float32)]}

    def reference(a0, u, v):
        # ONNX's reference evaluator reads every scan input forward, so
        # this one is written out: step k reads U[k] and V[:, T-1-k];
        # O1 is prepended (step k at T-1-k), O2 appended, both on axis 1.
        t = u.shape[0]
        a = a0.astype(np.float64)
        o1 = np.zeros((2, t))
        o2 = np.zeros((2, t))
        for k in range(t):
            uk, vk = u[k], v[:, t - 1 - k]
            a = a * np.array([0.9, 0.5], np.float32) + uk + vk
            o1[:, t - 1 - k] = a
            o2[:, k] = uk - vk
        return [a.astype(np.float32), o1.astype(np.float32),
                o2.astype(np.float32)]
    return model(graph, 11), cases, "linear, structure=diagonal", reference


def scan_reverse():
    """Scan with every input reversed: a suffix sum, outputs appended."""
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "x"], ["s2"]),
         helper.make_node("Identity", ["s2"], ["y"])],
        "body",
        [helper.make_tensor_value_info("s", F, [3]),
         helper.make_tensor_value_info("x", F, [3])],
        [helper.make_tensor_value_info("s2", F, [3]),
         helper.make_tensor_value_info("y", F, [3])])
    graph = helper.make_graph(
        [helper.make_node("Scan", ["s0", "X"], ["sT", "Y"], body=body,
                          num_scan_inputs=1, scan_input_directions=[1],
                          name="scan")],
        "scan_reverse",
        [helper.make_tensor_value_info("s0", F, [3]),
         helper.make_tensor_value_info("X", F, ["T", 3])],
        [helper.make_tensor_value_info("sT", F, [3]),
         helper.make_tensor_value_info("Y", F, ["T", 3])])
    rng = np.random.default_rng(6)
    cases = {"T6": [rng.standard_normal(3, np.float32),
                    rng.standard_normal((6, 3), np.float32)]}

    def reference(s0, x):
        # Step k reads X[T-1-k]; Y appended in step order.
        s = s0.astype(np.float64)
        ys = []
        for row in x[::-1]:
            s = s + row
            ys.append(s)
        return [s.astype(np.float32), np.array(ys, np.float32)]
    return model(graph, 16), cases, "linear, structure=scalar", reference


def scan8_batch():
    """Scan from opset 8: a batch of 2 in front, time second."""
    body = helper.make_graph(
        [helper.make_node("Mul", ["s", "x"], ["s2"]),
         helper.make_node("Add", ["s2", "x"], ["y"])],
        "body",
        [helper.make_tensor_value_info("s", F, [3]),
         helper.make_tensor_value_info("x", F, [3])],
        [helper.make_tensor_value_info("s2", F, [3]),
         helper.make_tensor_value_info("y", F, [3])])
    graph = helper.make_graph(
        [helper.make_node("Scan", ["", "s0", "X"], ["sT", "Y"], body=body,
                          num_scan_inputs=1, directions=[1], name="scan")],
        "scan8_batch",
        [helper.make_tensor_value_info("s0", F, [2, 3]),
         helper.make_tensor_value_info("X", F, [2, 4, 3])],
        [helper.make_tensor_value_info("sT", F, [2, 3]),
         helper.make_tensor_value_info("Y", F, [2, 4, 3])])
    rng = np.random.default_rng(7)
    cases = {"B2": [rng.uniform(0.5, 1.5, (2, 3)).astype(np.float32),
                    rng.uniform(0.5, 1.5, (2, 4, 3)).astype(np.float32)]}

    def reference(s0, x):
        # Per batch entry, steps read X[b, T-1-k]; Y appended in step order.
        states, outs = [], []
        for b in range(x.shape[0]):
            s = s0[b].astype(np.float64)
            ys = []
            for row in x[b, ::-1]:
                s = s * row
                ys.append(s + row)
            states.append(s)
            outs.append(ys)
        return [np.array(states, np.float32), np.array(outs, np.float32)]
    return model(graph, 8), cases, "linear, structure=diagonal", reference


def loop_batch_first():
    """Batch first, as `for t in range(x.shape[1])` exports: Gather(x, t,
    axis=1), a Slice of u along axis -2 ([t, t+1)), and the steps stacked
    with ConcatFromSequence(axis=1, new_axis=1)."""
    body = helper.make_graph(
        [helper.make_node("Gather", ["x", "t"], ["xt"], axis=1),
         const("one", np.int64(1)),
         helper.make_node("Add", ["t", "one"], ["t1"]),
         const("axes0", np.array([0], np.int64)),
         helper.make_node("Unsqueeze", ["t", "axes0"], ["start"]),
         helper.make_node("Unsqueeze", ["t1", "axes0"], ["end"]),
         const("axis", np.array([-2], np.int64)),
         helper.make_node("Slice", ["u", "start", "end", "axis"], ["ut"]),
         helper.make_node("Squeeze", ["ut", "axis"], ["us"]),
         helper.make_node("Sigmoid", ["us"], ["a"]),
         helper.make_node("Mul", ["a", "h"], ["ah"]),
         helper.make_node("Add", ["ah", "xt"], ["h2"]),
         helper.make_node("SequenceInsert", ["s", "h2"], ["s2"]),
         helper.make_node("Identity", ["c"], ["c2"])],
        "body",
        [helper.make_tensor_value_info("t", I64, []),
         helper.make_tensor_value_info("c", BOOL, []),
         helper.make_tensor_value_info("h", F, ["B", 3]),
         helper.make_tensor_sequence_value_info("s", F, None)],
        [helper.make_tensor_value_info("c2", BOOL, []),
         helper.make_tensor_value_info("h2", F, ["B", 3]),
         helper.make_tensor_sequence_value_info("s2", F, None)])
    graph = helper.make_graph(
        [helper.make_node("Shape", ["x"], ["shape"]),
         const("dim1", np.int64(1)),
         helper.make_node("Gather", ["shape", "dim1"], ["T"], axis=0),
         const("true", np.bool_(True)),
         helper.make_node("SequenceEmpty", [], ["e"], dtype=F),
         helper.make_node("Loop", ["T", "true", "h0", "e"], ["h_last", "q"],
                          body=body, name="loop"),
         helper.make_node("ConcatFromSequence", ["q"], ["y"], axis=1,
                          new_axis=1)],
        "loop_batch_first",
        [helper.make_tensor_value_info("x", F, ["B", "T", 3]),
         helper.make_tensor_value_info("u", F, ["B", "T", 3]),
         helper.make_tensor_value_info("h0", F, ["B", 3])],
        [helper.make_tensor_value_info("h_last", F, ["B", 3]),
         helper.make_tensor_value_info("y", F, ["B", "T", 3])])
    rng = np.random.default_rng(9)
    cases = {"B2T6": [rng.standard_normal((2, 6, 3), np.float32),
                      rng.standard_normal((2, 6, 3), np.float32),
                      rng.standard_normal((2, 3), np.float32)]}

    def reference(x, u, h0):
        h, ys = h0.astype(np.float64), []
        for t in range(x.shape[1]):
            h = h / (1 + np.exp(-u[:, t].astype(np.float64))) + x[:, t]
            ys.append(h)
        return [h, np.stack(ys, axis=1)]
    return model(graph), cases, "linear, structure=diagonal", reference


def loop_nested_scan():
    """A Scan inside a Loop body: each step sums x_t's entries with an inner
    scan (which reads the outer weights w) and adds that to the state."""
    inner = helper.make_graph(
        [helper.make_node("Mul", ["e", "w"], ["ew"]),
         helper.make_node("Add", ["acc", "ew"], ["acc2"])],
        "inner",
        [helper.make_tensor_value_info("acc", F, [2]),
         helper.make_tensor_value_info("e", F, [2])],
        [helper.make_tensor_value_info("acc2", F, [2])])
    body = helper.make_graph(
        [helper.make_node("Gather", ["x", "i"], ["xt"], axis=0),
         helper.make_node("Scan", ["h", "xt"], ["h2"], body=inner,
                          num_scan_inputs=1, name="inner_scan"),
         helper.make_node("Identity", ["c"], ["c2"])],
        "body",
        [helper.make_tensor_value_info("i", I64, []),
         helper.make_tensor_value_info("c", BOOL, []),
         helper.make_tensor_value_info("h", F, [2])],
        [helper.make_tensor_value_info("c2", BOOL, []),
         helper.make_tensor_value_info("h2", F, [2]),
         helper.make_tensor_value_info("h2", F, [2])])
    graph = helper.make_graph(
        [helper.make_node("Shape", ["x"], ["shape"]),
         const("zero", np.int64(0)),
         helper.make_node("Gather", ["shape", "zero"], ["T"], axis=0),
         const("true", np.bool_(True)),
         helper.make_node("Loop", ["T", "true", "h0"], ["h_last", "hs"],
                          body=body, name="loop")],
        "loop_nested_scan",
        [helper.make_tensor_value_info("x", F, ["T", 4, 2]),
         helper.make_tensor_value_info("h0", F, [2]),
         helper.make_tensor_value_info("w", F, [2])],
        [helper.make_tensor_value_info("h_last", F, [2]),
         helper.make_tensor_value_info("hs", F, ["T", 2])])
    rng = np.random.default_rng(8)
    cases = {"T5": [rng.standard_normal((5, 4, 2), np.float32),
                    rng.standard_normal(2, np.float32),
                    rng.standard_normal(2, np.float32)]}

    def reference(x, h0, w):
        h, hs = h0.astype(np.float64), []
        for xt in x:
            for e in xt:
                h = h + e * w
            hs.append(h)
        return [h, np.array(hs)]
    # The inner scan is linear; the outer loop's body holds a recurrence,
    # which the analyses do not look into: it runs step by step.
    return model(graph), cases, "nonlinear", reference


MODELS = [loop_scan_outputs, loop_runtime_trip, loop_iteration_value,
          loop_sequences, loop_batch_first, loop_nested_scan,
          scan_axes_directions,
          scan_reverse, scan8_batch]


def main():
    os.makedirs(INPUTS, exist_ok=True)
    os.makedirs(TESTS, exist_ok=True)
    for make in MODELS:
        name = make.__name__
        m, cases, explain, reference = make()
        path = os.path.join(INPUTS, name + ".onnx")
        onnx.save(m, path)
        doc = [l.strip() for l in make.__doc__.strip().splitlines()]
        lines = [f"# ONNX {name}: {doc[0]}"] + [f"# {l}" for l in doc[1:]]
        # A trip count read from tensor data at run time: the GPU targets'
        # driver cannot read device memory (not supported yet).
        devices = (("host",) if name == "loop_runtime_trip"
                   else ("host", "sim", "cuda"))
        targets = ",".join(devices)
        if len(devices) == 1:
            lines.append("# Host only: the trip count is read from tensor data "
                         "at run time, which GPU targets do not support yet.")
        lines += [
            "# recur-compile (auto, then sequential; host, sim and cuda) and "
            "recur-run on host",
            "# and sim (cuda where there is a GPU); outputs compared with",
            "# numpy's (see the generator) at |got - want| <= 1e-5 "
            "(1 + |want|).",
            "#",
            "# Generated by test/gen/gen_onnx_loop_tests.py; do not edit.",
            "# REQUIRES: recur-compile",
            f"# RUN: recur-compile %S/../Inputs/controlflow/{name}.onnx "
            f"--target={targets} --explain -o %t.auto.rmod "
            f"| FileCheck %s",
            f"# CHECK: {'scan (Scan)' if name.startswith('scan') else 'loop (Loop)'}: "
            f"recurrence: {explain}",
            f"# RUN: recur-compile %S/../Inputs/controlflow/{name}.onnx "
            f"--strategy=sequential --target={targets} -o %t.seq.rmod",
        ]
        for case, inputs in cases.items():
            outs = reference(*inputs)
            folder = os.path.join(INPUTS, name, case)
            os.makedirs(folder, exist_ok=True)
            for k, v in enumerate(inputs):
                np.save(os.path.join(folder, f"in{k}.npy"), v)
            for k, v in enumerate(outs):
                v = np.asarray(v)
                if v.dtype == np.float64:
                    v = v.astype(np.float32)
                np.save(os.path.join(folder, f"want{k}.npy"), v)
            data = f"%S/../Inputs/controlflow/{name}/{case}"
            ins = " ".join(f"--input=@{data}/in{k}.npy"
                           for k in range(len(inputs)))
            for mode in ("auto", "seq"):
                for device in devices:
                    got = [f"%t.{mode}.{device}.{case}.out{k}.npy"
                           for k in range(len(outs))]
                    outs_flags = " ".join(f"--output=@{g}" for g in got)
                    pairs = " ".join(f"{g} {data}/want{k}.npy"
                                     for k, g in enumerate(got))
                    run = (f"recur-run %t.{mode}.rmod --device={device} "
                           f"{ins} {outs_flags}")
                    check = f"%npycheck 1e-5 {pairs}"
                    run, check = gated(device, run, check)
                    lines += [f"# RUN: {run}", f"# RUN: {check}"]
        with open(os.path.join(TESTS, name + ".test"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print("wrote", name)


if __name__ == "__main__":
    sys.exit(main())

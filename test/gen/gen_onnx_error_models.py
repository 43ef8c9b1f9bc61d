#!/usr/bin/env python3
"""Writes the malformed and unsupported ONNX models that
test/ONNX/Errors/*.test feed to recur-compile, into
test/ONNX/Inputs/errors/.

Each is a small variation of one valid model (an LSTM over X[T, B, 3]
with hidden size 2): broken bytes, a wrong proto, a missing initializer, a
cycle, a weight of the wrong shape, an op or an attribute value the importer
does not take, and so on. The tests check that each gives one clear error
naming the file (and the node, op and opset where one is at fault), exit
code 1, and no output file.

Needs the onnx and numpy packages (e.g. a virtual environment with
`pip install onnx numpy`):

    VENV/bin/python test/gen/gen_onnx_error_models.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   "ONNX", "Inputs", "errors")
F = TensorProto.FLOAT
I64 = TensorProto.INT64
BOOL = TensorProto.BOOL
H = 2


def weights(gates=4, input_size=3):
    rng = np.random.default_rng(0)
    w = rng.uniform(-1, 1, (1, gates * H, input_size)).astype(np.float32)
    r = rng.uniform(-1, 1, (1, gates * H, H)).astype(np.float32)
    return numpy_helper.from_array(w, "W"), numpy_helper.from_array(r, "R")


def lstm_model(node=None, initializers=None, inputs=None, opset=14):
    node = node or helper.make_node("LSTM", ["X", "W", "R"], ["Y", "Y_h"],
                                    hidden_size=H, name="lstm")
    graph = helper.make_graph(
        [node], "lstm",
        inputs or [helper.make_tensor_value_info("X", F, ["T", "B", 3])],
        [helper.make_tensor_value_info("Y_h", F, [1, "B", H])],
        initializers if initializers is not None else list(weights()))
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def save(name, model, check=True):
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name))


def loop_model(body_nodes, body_cond="cond_out", trip="T", name="loop"):
    """A Loop over x[T, 3] with state h[3]; the body given by the caller."""
    body = helper.make_graph(
        body_nodes, "body",
        [helper.make_tensor_value_info("i", I64, []),
         helper.make_tensor_value_info("cond", BOOL, []),
         helper.make_tensor_value_info("h", F, [3])],
        [helper.make_tensor_value_info(body_cond, BOOL, []),
         helper.make_tensor_value_info("h_next", F, [3])])
    nodes = [helper.make_node("Shape", ["x"], ["shape"]),
             helper.make_node("Constant", [], ["zero"],
                              value=numpy_helper.from_array(np.int64(0))),
             helper.make_node("Gather", ["shape", "zero"], ["T"], axis=0),
             helper.make_node("Constant", [], ["true"],
                              value=numpy_helper.from_array(np.bool_(True))),
             helper.make_node("Loop", [trip, "true", "h0"], ["h_last"],
                              body=body, name=name)]
    graph = helper.make_graph(
        nodes, "loop",
        [helper.make_tensor_value_info("x", F, ["T", 3]),
         helper.make_tensor_value_info("h0", F, [3])],
        [helper.make_tensor_value_info("h_last", F, [3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def main():
    os.makedirs(OUT, exist_ok=True)
    good = lstm_model()
    onnx.checker.check_model(good)
    data = good.SerializeToString()

    # Bytes that are not a whole ModelProto.
    with open(os.path.join(OUT, "truncated.onnx"), "wb") as f:
        f.write(data[:len(data) // 2])
    # A TensorProto where a ModelProto should be: it parses (protobuf keeps
    # unknown fields) but is no model.
    tensor = numpy_helper.from_array(np.ones((2, 2), np.float32), "t")
    with open(os.path.join(OUT, "tensor-not-model.onnx"), "wb") as f:
        f.write(tensor.SerializeToString())

    # An input nobody defines: R is neither an initializer nor an input.
    w, _ = weights()
    save("missing-initializer.onnx", lstm_model(initializers=[w]), check=False)

    # A cycle: each Add reads the other's output.
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "b"], ["a"], name="first"),
         helper.make_node("Add", ["x", "a"], ["b"], name="second")],
        "cycle", [helper.make_tensor_value_info("x", F, [2])],
        [helper.make_tensor_value_info("b", F, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    save("cycle.onnx", model, check=False)

    # W for 3 gates where LSTM has 4: [1, 6, 3] instead of [1, 8, 3].
    save("lstm-wrong-w.onnx", lstm_model(initializers=list(weights(gates=3))))

    # An op the importer does not convert.
    graph = helper.make_graph(
        [helper.make_node("Det", ["x"], ["d"], name="determinant")],
        "det", [helper.make_tensor_value_info("x", F, [3, 3])],
        [helper.make_tensor_value_info("d", F, [])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    save("unsupported-op.onnx", model)

    # An attribute value outside what the op defines.
    save("lstm-bad-direction.onnx", lstm_model(node=helper.make_node(
        "LSTM", ["X", "W", "R"], ["Y", "Y_h"], hidden_size=H,
        direction="sideways", name="lstm")))

    # A node of another domain.
    graph = helper.make_graph(
        [helper.make_node("Gelu", ["x"], ["y"], domain="com.example",
                          name="gelu")],
        "custom", [helper.make_tensor_value_info("x", F, [3])],
        [helper.make_tensor_value_info("y", F, [3])])
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
    model.ir_version = 8
    save("custom-domain.onnx", model)

    # Weights stored in an external file.
    w, r = weights()
    r.data_location = TensorProto.EXTERNAL
    r.ClearField("raw_data")
    r.ClearField("float_data")
    entry = r.external_data.add()
    entry.key, entry.value = "location", "weights.bin"
    save("external-data.onnx", lstm_model(initializers=[w, r]), check=False)

    # A graph input without a shape.
    save("input-no-shape.onnx", lstm_model(
        inputs=[helper.make_tensor_value_info("X", F, None)]), check=False)

    # A declared output shape the model does not compute (H = 5, not 2).
    model = lstm_model()
    model.graph.output[0].type.tensor_type.shape.dim[2].dim_value = 5
    save("output-shape-mismatch.onnx", model)

    # A newer IR version than the importer knows.
    model = lstm_model()
    model.ir_version = 99
    save("ir-version.onnx", model, check=False)

    # Loop bodies outside the supported pattern.
    step = [helper.make_node("Gather", ["x", "i"], ["xt"], axis=0),
            helper.make_node("Add", ["h", "xt"], ["h_next"])]
    # The condition computed from the data (a while loop).
    save("loop-data-cond.onnx", loop_model(step + [
        helper.make_node("ReduceSum", ["h_next"], ["s"], keepdims=0),
        helper.make_node("Constant", [], ["limit"],
                         value=numpy_helper.from_array(np.float32(10))),
        helper.make_node("Less", ["s", "limit"], ["cond_out"])]))
    # No trip count.
    save("loop-no-trip-count.onnx", loop_model(
        step + [helper.make_node("Identity", ["cond"], ["cond_out"])],
        trip=""))

    # Scan with a direction that is neither 0 nor 1.
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "x"], ["s2"])], "body",
        [helper.make_tensor_value_info("s", F, [3]),
         helper.make_tensor_value_info("x", F, [3])],
        [helper.make_tensor_value_info("s2", F, [3])])
    graph = helper.make_graph(
        [helper.make_node("Scan", ["s0", "X"], ["sT"], body=body,
                          num_scan_inputs=1, scan_input_directions=[2],
                          name="scan")],
        "scan", [helper.make_tensor_value_info("s0", F, [3]),
                 helper.make_tensor_value_info("X", F, ["T", 3])],
        [helper.make_tensor_value_info("sT", F, [3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)])
    model.ir_version = 8
    save("scan-bad-direction.onnx", model)
    fuzz_regressions()
    review_regressions()
    print("wrote", OUT)


def simple_model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def fuzz_regressions():
    """Models that crashed the importer or the pipeline, or were imported
    silently wrong, in a structural fuzz run (test/ONNX/Errors/
    fuzz-regressions.test)."""
    def ints(name, values):
        return numpy_helper.from_array(np.array(values, np.int64), name)

    big = 2**62
    # A graph input whose static sizes overflow int64 arithmetic (a
    # negative size came out of Concat).
    save("fuzz-huge-input.onnx", simple_model(
        [helper.make_node("Concat", ["a", "a"], ["y"], axis=0, name="cat")],
        [helper.make_tensor_value_info("a", F, [2**63 - 1])],
        [helper.make_tensor_value_info("y", F, [None])]), check=False)
    # ConstantOfShape / Expand / Tile to sizes from constants that overflow
    # (an abort on allocation; a wrapped size).
    save("fuzz-constantofshape-huge.onnx", simple_model(
        [helper.make_node("ConstantOfShape", ["s"], ["y"], name="fill")],
        [], [helper.make_tensor_value_info("y", F, [big, big])],
        [ints("s", [big, big])]), check=False)
    save("fuzz-expand-huge.onnx", simple_model(
        [helper.make_node("Expand", ["x", "s"], ["y"], name="expand")],
        [helper.make_tensor_value_info("x", F, [1, 2])],
        [helper.make_tensor_value_info("y", F, [big, 2])],
        [ints("s", [big, 2])]), check=False)
    save("fuzz-tile-huge.onnx", simple_model(
        [helper.make_node("Tile", ["x", "r"], ["y"], name="tile")],
        [helper.make_tensor_value_info("x", F, [4, 2])],
        [helper.make_tensor_value_info("y", F, [None, None])],
        [ints("r", [big, 4])]), check=False)
    # A large splat ConstantOfShape (2^40 floats): imported as a fill, not
    # a constant the translation to LLVM would expand (an abort).
    save("fuzz-constantofshape-large.onnx", simple_model(
        [helper.make_node("ConstantOfShape", ["s"], ["y"], name="fill")],
        [], [helper.make_tensor_value_info("y", F, [2**40])],
        [ints("s", [2**40])]), check=False)
    # keepdims neither 0 nor 1 (ONNX Runtime keeps only for 1; the importer
    # kept for any non-zero value).
    save("fuzz-keepdims.onnx", simple_model(
        [helper.make_node("ReduceMax", ["x"], ["y"], keepdims=10,
                          axes=[1], name="rmax")],
        [helper.make_tensor_value_info("x", F, [3, 2])],
        [helper.make_tensor_value_info("y", F, [3])], opset=13))
    # An attribute of the wrong type in a model newer than ONNX's checker
    # knows (opset 18): axis read as an INT was 0.
    model = simple_model(
        [helper.make_node("Softmax", ["x"], ["y"], axis=0, name="softmax")],
        [helper.make_tensor_value_info("x", F, [2, 3])],
        [helper.make_tensor_value_info("y", F, [2, 3])], opset=18)
    attr = model.graph.node[0].attribute[0]
    attr.type = onnx.AttributeProto.FLOAT
    attr.ClearField("i")
    attr.f = 1.0
    save("fuzz-attr-type.onnx", model, check=False)


def review_regressions():
    """Cases a review found: Scan (opset 8) batches the importer must refuse
    (each entry becomes its own recurrence), and a Loop whose body reads
    its own initializer (which must not be looked up outside)."""
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "x"], ["s2"]),
         helper.make_node("Identity", ["s2"], ["y"])], "b",
        [helper.make_tensor_value_info("s", F, [2]),
         helper.make_tensor_value_info("x", F, [2])],
        [helper.make_tensor_value_info("s2", F, [2]),
         helper.make_tensor_value_info("y", F, [2])])

    def scan8(name, s0_batch, xs_batch):
        node = helper.make_node("Scan", ["", "s0", "xs"], ["sf", "ys"],
                                body=body, num_scan_inputs=1, name="scan")
        graph = helper.make_graph(
            [node], "g",
            [helper.make_tensor_value_info("s0", F, [s0_batch, 2]),
             helper.make_tensor_value_info("xs", F, [xs_batch, 3, 2])],
            [helper.make_tensor_value_info("sf", F, [s0_batch, 2]),
             helper.make_tensor_value_info("ys", F, [xs_batch, 3, 2])])
        model = helper.make_model(graph,
                                  opset_imports=[helper.make_opsetid("", 8)])
        model.ir_version = 4
        save(name, model, check=False)

    scan8("scan8-dynamic-batch.onnx", "B", 2)   # one input's batch dynamic
    scan8("scan8-batch-mismatch.onnx", 2, 3)
    scan8("scan8-batch-zero.onnx", 0, 0)
    scan8("scan8-batch-large.onnx", 20000, 20000)

    # Loop over x[t:t+1] with t + 1 computed from the body's initializer.
    one = numpy_helper.from_array(np.array(1, dtype=np.int64), "one")
    loop_body = helper.make_graph(
        [helper.make_node("Add", ["t", "one"], ["t1"]),
         helper.make_node("Unsqueeze", ["t"], ["st"], axes=[0]),
         helper.make_node("Unsqueeze", ["t1"], ["en"], axes=[0]),
         helper.make_node("Slice", ["x", "st", "en"], ["xt"]),
         helper.make_node("Squeeze", ["xt"], ["xs"], axes=[0]),
         helper.make_node("Add", ["h", "xs"], ["h2"]),
         helper.make_node("Identity", ["c"], ["c2"])], "b",
        [helper.make_tensor_value_info("t", TensorProto.INT64, []),
         helper.make_tensor_value_info("c", TensorProto.BOOL, []),
         helper.make_tensor_value_info("h", F, [2])],
        [helper.make_tensor_value_info("c2", TensorProto.BOOL, []),
         helper.make_tensor_value_info("h2", F, [2])], initializer=[one])
    graph = helper.make_graph(
        [helper.make_node("Shape", ["x"], ["sh"]),
         helper.make_node("Gather", ["sh", "zero"], ["T"], axis=0),
         helper.make_node("Loop", ["T", "", "h0"], ["hT"], body=loop_body,
                          name="loop")], "g",
        [helper.make_tensor_value_info("x", F, ["T", 2]),
         helper.make_tensor_value_info("h0", F, [2])],
        [helper.make_tensor_value_info("hT", F, [2])],
        initializer=[numpy_helper.from_array(np.array(0, dtype=np.int64),
                                             "zero")])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 6
    save("loop-body-initializer.onnx", model)


if __name__ == "__main__":
    main()

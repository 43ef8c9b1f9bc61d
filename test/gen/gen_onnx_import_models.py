#!/usr/bin/env python3
"""Writes the models of test/ONNX/Import/*.test into
test/ONNX/Inputs/import/: how graph names, inputs, outputs, symbolic
dimensions and initializers map to a module's signature and constants
(docs/onnx.md).

Needs the onnx and numpy packages (e.g. a virtual environment with
`pip install onnx numpy`):

    VENV/bin/python test/gen/gen_onnx_import_models.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   "ONNX", "Inputs", "import")
F = TensorProto.FLOAT


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(0)
    hidden = 16
    w = rng.uniform(-0.3, 0.3, (1, 3 * hidden, 3)).astype(np.float32)
    r = rng.uniform(-0.3, 0.3, (1, 3 * hidden, hidden)).astype(np.float32)
    b = rng.uniform(-0.3, 0.3, (1, 6 * hidden)).astype(np.float32)
    # A GRU whose graph has a name that is no identifier, inputs with
    # symbolic sizes, an initializer also listed as an input (a default:
    # Recur keeps it a constant), and output names PyTorch-style.
    graph = helper.make_graph(
        [helper.make_node("GRU", ["x.in", "W", "R", "B", "", "h0"],
                          ["onnx::Y_3", "h_n"], hidden_size=hidden,
                          linear_before_reset=1, name="gru")],
        "my-model.v2",
        [helper.make_tensor_value_info("x.in", F, ["T", "batch", 3]),
         helper.make_tensor_value_info("h0", F, [1, "batch", hidden]),
         helper.make_tensor_value_info("B", F, [1, 6 * hidden])],
        [helper.make_tensor_value_info("onnx::Y_3", F,
                                       ["T", 1, "batch", hidden]),
         helper.make_tensor_value_info("h_n", F, [1, "batch", hidden])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(r, "R"),
         numpy_helper.from_array(b, "B")])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, "names.onnx"))
    # The same model as a current exporter writes it: IR version 10 and
    # opset 22, newer than Debian's ONNX 1.12 checker knows (the importer
    # then does without it).
    del model.opset_import[:]
    model.opset_import.append(helper.make_opsetid("", 22))
    model.ir_version = 10
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, "newer.onnx"))
    np.save(os.path.join(OUT, "gru_x.npy"),
            rng.standard_normal((5, 2, 3)).astype(np.float32))
    np.save(os.path.join(OUT, "gru_h0.npy"),
            rng.standard_normal((1, 2, hidden)).astype(np.float32))

    # Initializers of every element type the importer reads, each stored
    # both ways ONNX allows (raw little-endian bytes, and the typed field),
    # cast to float and returned. tensors/wantK.npy holds what they hold.
    values = [-3, -1, 0, 1, 2, 5]
    kinds = [("f32", TensorProto.FLOAT, np.float32),
             ("f64", TensorProto.DOUBLE, np.float64),
             ("f16", TensorProto.FLOAT16, np.float16),
             ("i8", TensorProto.INT8, np.int8),
             ("i16", TensorProto.INT16, np.int16),
             ("i32", TensorProto.INT32, np.int32),
             ("i64", TensorProto.INT64, np.int64),
             ("bool", TensorProto.BOOL, np.bool_)]
    inits, nodes, outputs, wants = [], [], [], []
    for name, dtype, np_type in kinds:
        array = np.array(values, np_type).reshape(2, 3)
        for raw in (True, False):
            tag = f"{name}_{'raw' if raw else 'typed'}"
            if raw:
                t = numpy_helper.from_array(array, tag)
            else:
                # (helper.make_tensor stores float16 values as their bit
                # patterns in int32_data, as ONNX specifies.)
                t = helper.make_tensor(tag, dtype, [2, 3],
                                       array.flatten().tolist())
            inits.append(t)
            nodes.append(helper.make_node("Cast", [tag], ["out_" + tag],
                                          to=F))
            outputs.append(helper.make_tensor_value_info("out_" + tag, F,
                                                         [2, 3]))
            wants.append(array.astype(np.float32))
    graph = helper.make_graph(nodes, "tensors", [], outputs, inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, "tensors.onnx"))
    os.makedirs(os.path.join(OUT, "tensors"), exist_ok=True)
    for k, want in enumerate(wants):
        np.save(os.path.join(OUT, "tensors", f"want{k}.npy"), want)
    print("wrote", OUT)


if __name__ == "__main__":
    main()

//===- Passes.td - recur passes --------------------------------*- tablegen -*-===//
//
// Every recur pass: its flag, a summary, a description with a small
// before/after example, and its options. `recur-opt --help` shows these.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PASSES_TD
#define RECUR_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecurDecomposeCells : Pass<"recur-decompose-cells"> {
  let summary = "Rewrite recur.lstm/gru/rnn into generic recur.recurrence ops";
  let description = [{
    Replaces each named cell by one `recur.recurrence` per direction whose
    body spells out ONNX's equations with `linalg`, `arith` and `math` ops on
    tensors: weights are transposed and captured, gates are slices of one
    matmul, activations are expanded (sigmoid as 1 / (1 + exp(-x))), clip is
    a clamp of every gate pre-activation. Bidirectional cells become two
    recurrences whose results are stacked along ONNX's direction axis.

    ```mlir
    %y, %yh = recur.rnn(%x, %w, %r : tensor<5x2x3xf32>, tensor<1x4x3xf32>,
                                     tensor<1x4x4xf32>) {hidden_size = 4 : i64}
        -> tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
    ```
    becomes
    ```mlir
    %hT, %ys = recur.recurrence init(%h0 : tensor<2x4xf32>)
        seq(%x : tensor<5x2x3xf32>) captures(%wT, %rT, %bias : ...)
        -> tensor<2x4xf32>, tensor<5x2x4xf32> { ... tanh(x W^T + h R^T + b) ... }
    ```
    followed by reshapes into ONNX's result layout.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

def RecurLowerToLoops : Pass<"recur-lower-to-loops"> {
  let summary = "Lower every recur op to sequential loops (the reference)";
  let description = [{
    Gives every recur op its exact sequential meaning as an `scf.for` over
    time on tensors: each step extracts its slices, runs the body (inlined)
    and inserts its outputs. Named cells are decomposed first
    (--recur-decompose-cells). Sequence lengths become per-batch masks
    (`arith.select`) on the states and outputs. This is the reference every
    parallel rewrite is compared against, so it does nothing clever.

    ```mlir
    %hT, %ys = recur.recurrence init(%h0 : tensor<4xf32>)
        seq(%x : tensor<8x4xf32>) -> tensor<4xf32>, tensor<8x4xf32> {...}
    ```
    becomes
    ```mlir
    %r:2 = scf.for %t = %c0 to %c8 step %c1
        iter_args(%h = %h0, %ys = %empty) -> (tensor<4xf32>, tensor<8x4xf32>) {
      %xt = tensor.extract_slice %x[%t, 0] [1, 4] [1, 1] ...
      ... body ...
      %ys2 = tensor.insert_slice %y into %ys[%t, 0] [1, 4] [1, 1] ...
      scf.yield %hn, %ys2 : tensor<4xf32>, tensor<8x4xf32>
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // RECUR_PASSES_TD

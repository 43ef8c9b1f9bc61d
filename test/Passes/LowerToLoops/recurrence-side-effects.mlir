// RUN: recur-opt %s --recur-lower-to-loops -split-input-file -verify-diagnostics
//
// The body of recur.recurrence runs exactly once per step. When a step
// output's dynamic size follows from no operand, the reference lowering sizes
// the stacked output by running the body once on step 0 (a probe that folds
// away when the body is pure). A body with side effects would have them T+1
// times, so the lowering refuses it with a clear error instead.

// The step output is the first k entries of the state (k captured), and the
// body counts its runs in a captured memref.
func.func @counted(%h0: tensor<2xf32>, %x: tensor<3x2xf32>, %k: index, %runs: memref<1xf32>) -> tensor<3x?xf32> {
  // expected-error @+1 {{could not be lowered to loops: a step output's dynamic size is known only by running the body, and the body has side effects}}
  %h, %ys = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<3x2xf32>) captures(%k, %runs : index, memref<1xf32>) -> tensor<2xf32>, tensor<3x?xf32> {
  ^bb0(%s: tensor<2xf32>, %xt: tensor<2xf32>, %kc: index, %rc: memref<1xf32>):
    %c0 = arith.constant 0 : index
    %one = arith.constant 1.0 : f32
    %r = memref.load %rc[%c0] : memref<1xf32>
    %r1 = arith.addf %r, %one : f32
    memref.store %r1, %rc[%c0] : memref<1xf32>
    %n = arith.addf %s, %xt : tensor<2xf32>
    %y = tensor.extract_slice %n[0] [%kc] [1] : tensor<2xf32> to tensor<?xf32>
    recur.yield %n, %y : tensor<2xf32>, tensor<?xf32>
  }
  return %ys : tensor<3x?xf32>
}

// -----

// The same body with static step outputs needs no probe and lowers.
func.func @counted_static(%h0: tensor<2xf32>, %x: tensor<3x2xf32>, %runs: memref<1xf32>) -> tensor<3x2xf32> {
  %h, %ys = recur.recurrence init(%h0 : tensor<2xf32>) seq(%x : tensor<3x2xf32>) captures(%runs : memref<1xf32>) -> tensor<2xf32>, tensor<3x2xf32> {
  ^bb0(%s: tensor<2xf32>, %xt: tensor<2xf32>, %rc: memref<1xf32>):
    %c0 = arith.constant 0 : index
    %one = arith.constant 1.0 : f32
    %r = memref.load %rc[%c0] : memref<1xf32>
    %r1 = arith.addf %r, %one : f32
    memref.store %r1, %rc[%c0] : memref<1xf32>
    %n = arith.addf %s, %xt : tensor<2xf32>
    recur.yield %n, %n : tensor<2xf32>, tensor<2xf32>
  }
  return %ys : tensor<3x2xf32>
}

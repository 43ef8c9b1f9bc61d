// RUN: recur-opt %s --split-input-file --recur-linearize | FileCheck %s
//
// What --recur-linearize does not touch: recurrences that are not affine in
// their state, affine ones without a linear_scan structure, bodies with side
// effects (a map would run them once per step, not in step order with the
// state), and stateless maps.

// CHECK-LABEL: func.func @nonlinear
// CHECK-NOT: recur.linear_scan
// CHECK: recur.recurrence init
// CHECK: math.tanh
func.func @nonlinear(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %s = arith.addf %h, %xt : tensor<3xf32>
    %t = math.tanh %s : tensor<3xf32>
    recur.yield %t : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_square
// CHECK-NOT: recur.linear_scan
// CHECK: recur.recurrence init
func.func @transpose_square(%x: tensor<4x2x2xf32>, %h0: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %hT = recur.recurrence init(%h0 : tensor<2x2xf32>) seq(%x : tensor<4x2x2xf32>) -> tensor<2x2xf32> {
  ^bb0(%h: tensor<2x2xf32>, %xt: tensor<2x2xf32>):
    %e = tensor.empty() : tensor<2x2xf32>
    %t = linalg.transpose ins(%h : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) permutation = [1, 0]
    %hn = arith.addf %t, %xt : tensor<2x2xf32>
    recur.yield %hn : tensor<2x2xf32>
  }
  return %hT : tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func.func @side_effects
// CHECK-NOT: recur.linear_scan
// CHECK: recur.recurrence init
// CHECK: memref.store
func.func @side_effects(%x: tensor<4x3xf32>, %h0: tensor<3xf32>, %log: memref<1xf32>) -> tensor<3xf32> {
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) captures(%log : memref<1xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>, %l: memref<1xf32>):
    %c0 = arith.constant 0 : index
    %one = arith.constant 1.0 : f32
    memref.store %one, %l[%c0] : memref<1xf32>
    %hn = arith.addf %h, %xt : tensor<3xf32>
    recur.yield %hn : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @map
// CHECK-NOT: recur.linear_scan
// CHECK: recur.recurrence seq
func.func @map(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %ys = recur.recurrence seq(%x : tensor<4x3xf32>) -> tensor<4x3xf32> {
  ^bb0(%xt: tensor<3xf32>):
    %y = arith.addf %xt, %xt : tensor<3xf32>
    recur.yield %y : tensor<3xf32>
  }
  return %ys : tensor<4x3xf32>
}

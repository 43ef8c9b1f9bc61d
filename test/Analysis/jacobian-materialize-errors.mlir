// RUN: recur-opt %s --recur-materialize-jacobian --split-input-file -verify-diagnostics
//
// --recur-materialize-jacobian refuses, with an error at the recurrence (or
// at the declaration it would fill), what it cannot build.

// An op without a derivative rule on the state's path.
func.func @no_rule(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error-re @below {{cannot derive this recurrence's Jacobian: unsupported (math.sin at {{.*}}jacobian-materialize-errors.mlir:{{[0-9]+}}:10: no derivative rule for it)}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %a = arith.addf %h, %xt : tensor<3xf32>
    %s = math.sin %a : tensor<3xf32>
    recur.yield %s : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// A declaration of the function's name with another type.
func.func @wrong_decl(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %t = math.tanh %h : tensor<3xf32>
    recur.yield %t : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}
// expected-error @below {{@wrong_decl_jacobian exists and is not a declaration of type '(tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>'}}
func.func private @wrong_decl_jacobian(tensor<3xf32>, tensor<3xf32>) -> tensor<3x3xf32>

// -----

// A dense Jacobian of a state with more than two dimensions.
func.func @dense_rank3(%x: tensor<4x2x3x3xf32>, %h0: tensor<2x3x3xf32>) -> tensor<2x3x3xf32> {
  // expected-error @below {{materializing a dense Jacobian needs states of shape [H] or [B, H]}}
  %hT = recur.recurrence init(%h0 : tensor<2x3x3xf32>) seq(%x : tensor<4x2x3x3xf32>) -> tensor<2x3x3xf32> {
  ^bb0(%h: tensor<2x3x3xf32>, %xt: tensor<2x3x3xf32>):
    %e = tensor.empty() : tensor<2x3x3xf32>
    %ht = linalg.transpose ins(%h : tensor<2x3x3xf32>) outs(%e : tensor<2x3x3xf32>) permutation = [0, 2, 1]
    %n = arith.addf %ht, %xt : tensor<2x3x3xf32>
    recur.yield %n : tensor<2x3x3xf32>
  }
  return %hT : tensor<2x3x3xf32>
}

// RUN: recur-opt %s --split-input-file --recur-test-affine-decomposition -verify-diagnostics -o /dev/null
//
// Which states each next state and each output depends on: forward
// propagation through the body, nested regions included; shapes
// (tensor.dim) are not values.

func.func @sets(%x: tensor<4x3xf32>, %a0: tensor<3xf32>, %b0: tensor<3xf32>, %c0: tensor<3xf32>)
    -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{state #1: depends on states [0, 1]; affine, 2 linear term(s)}}
  // expected-remark @below {{state #2: depends on states []; affine, 0 linear term(s)}}
  // expected-remark @below {{output #0: depends on states [2]}}
  // expected-remark @below {{output #1: depends on states []}}
  // expected-remark @below {{system [0, 1]: structure=dense, batch_dims=1, stacked at dim 1}}
  // expected-remark @below {{system [2]: structure=scalar, batch_dims=0}}
  %aT, %bT, %cT, %y0, %y1 = recur.recurrence init(%a0, %b0, %c0 : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
      seq(%x : tensor<4x3xf32>) -> tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<4x3xf32> {
  ^bb0(%a: tensor<3xf32>, %b: tensor<3xf32>, %c: tensor<3xf32>, %xt: tensor<3xf32>):
    %an = arith.mulf %a, %xt : tensor<3xf32>
    %bn = arith.addf %a, %b : tensor<3xf32>
    // The shape of a state is known before any step runs.
    %c0i = arith.constant 0 : index
    %n = tensor.dim %b, %c0i : tensor<3xf32>
    %e = tensor.empty(%n) : tensor<?xf32>
    %one = arith.constant 1.0 : f32
    %f = linalg.fill ins(%one : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
    %ones = tensor.cast %f : tensor<?xf32> to tensor<3xf32>
    recur.yield %an, %bn, %xt, %c, %ones : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  }
  return %aT, %bT, %cT, %y0, %y1 : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

// Values used inside nested regions count: the scf.if reads state #1 from
// above, so its result depends on it (and is not traced as affine).
func.func @nested(%x: tensor<4x3xf32>, %a0: tensor<3xf32>, %b0: tensor<3xf32>, %c: i1)
    -> (tensor<3xf32>, tensor<3xf32>, tensor<4x3xf32>) {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{state #1: depends on states [1]; affine, 1 linear term(s)}}
  // expected-remark @below {{output #0: depends on states [1]}}
  // expected-remark @below {{system [0]: structure=scalar, batch_dims=0}}
  // expected-remark @below {{system [1]: structure=scalar, batch_dims=0}}
  %aT, %bT, %ys = recur.recurrence init(%a0, %b0 : tensor<3xf32>, tensor<3xf32>) seq(%x : tensor<4x3xf32>)
      captures(%c : i1) -> tensor<3xf32>, tensor<3xf32>, tensor<4x3xf32> {
  ^bb0(%a: tensor<3xf32>, %b: tensor<3xf32>, %xt: tensor<3xf32>, %cond: i1):
    %y = scf.if %cond -> tensor<3xf32> {
      %s = arith.addf %b, %xt : tensor<3xf32>
      scf.yield %s : tensor<3xf32>
    } else {
      scf.yield %xt : tensor<3xf32>
    }
    recur.yield %a, %b, %y : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  }
  return %aT, %bT, %ys : tensor<3xf32>, tensor<3xf32>, tensor<4x3xf32>
}

// -----

// Through a linalg region's block arguments.
func.func @region(%x: tensor<4x3xf32>, %a0: tensor<3xf32>) -> (tensor<3xf32>, tensor<4x3xf32>) {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{output #0: depends on states [0]}}
  // expected-remark @below {{system [0]: structure=diagonal, batch_dims=0}}
  %aT, %ys = recur.recurrence init(%a0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32>, tensor<4x3xf32> {
  ^bb0(%a: tensor<3xf32>, %xt: tensor<3xf32>):
    %g = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                         iterator_types = ["parallel"]}
        ins(%a : tensor<3xf32>) outs(%xt : tensor<3xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.mulf %in, %out : f32
      %h = arith.constant 0.5 : f32
      %r = arith.mulf %m, %h : f32
      linalg.yield %r : f32
    } -> tensor<3xf32>
    recur.yield %g, %g : tensor<3xf32>, tensor<3xf32>
  }
  return %aT, %ys : tensor<3xf32>, tensor<4x3xf32>
}

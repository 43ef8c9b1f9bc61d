// RUN: recur-opt %s --split-input-file --recur-test-affine-decomposition -verify-diagnostics -o /dev/null
//
// What makes a next state not affine in the states, and where the analysis
// says it happens: the remark names the op, the note points at it.

// h * h: both operands depend on the state.
func.func @square(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-remark @below {{state #0: depends on states [0]; not affine (arith.mulf at}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    // expected-note @below {{state #0 stops being affine here}}
    %sq = arith.mulf %h, %h : tensor<3xf32>
    %hn = arith.addf %sq, %xt : tensor<3xf32>
    recur.yield %hn : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// Division by the state.
func.func @divide(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-remark-re @below {{not affine (arith.divf at {{.*}}obstacles.mlir:{{[0-9]+}}:{{[0-9]+}} depends on state #0: divides by a value that depends on the state)}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    // expected-note @below {{state #0 stops being affine here}}
    %q = arith.divf %xt, %h : tensor<3xf32>
    recur.yield %q : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// A ReLU: the select's condition depends on the state; the comparison is
// where it stops.
func.func @relu(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-remark @below {{not affine (arith.cmpf}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %zero = arith.constant dense<0.0> : tensor<3xf32>
    %s = arith.addf %h, %xt : tensor<3xf32>
    // expected-note @below {{state #0 stops being affine here}}
    %pos = arith.cmpf ogt, %s, %zero : tensor<3xf32>
    %r = arith.select %pos, %s, %zero : tensor<3xi1>, tensor<3xf32>
    recur.yield %r : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// exp of the state, after linear steps (negf, a scaling by an input).
func.func @exp(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-remark @below {{not affine (math.exp at}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %n = arith.negf %h : tensor<3xf32>
    %s = arith.mulf %n, %xt : tensor<3xf32>
    // expected-note @below {{state #0 stops being affine here}}
    %e = math.exp %s : tensor<3xf32>
    recur.yield %e : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// Ops the analysis does not trace count as obstacles too: an element of the
// state read as a scalar.
func.func @extract(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-remark @below {{not affine (tensor.extract at}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %c0 = arith.constant 0 : index
    // expected-note @below {{state #0 stops being affine here}}
    %e = tensor.extract %h[%c0] : tensor<3xf32>
    %b = linalg.fill ins(%e : f32) outs(%xt : tensor<3xf32>) -> tensor<3xf32>
    recur.yield %b : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// A region op that reads the state from above (scf.if) is not traced.
func.func @branch(%x: tensor<4x3xf32>, %h0: tensor<3xf32>, %c: i1) -> tensor<3xf32> {
  // expected-remark @below {{not affine (scf.if at}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) captures(%c : i1) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>, %cond: i1):
    // expected-note @below {{state #0 stops being affine here}}
    %r = scf.if %cond -> tensor<3xf32> {
      scf.yield %h : tensor<3xf32>
    } else {
      scf.yield %xt : tensor<3xf32>
    }
    recur.yield %r : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// Inside a linalg region: the op named is the scalar op of the region.
func.func @region_max(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-remark @below {{not affine (arith.maximumf at}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %m = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                         iterator_types = ["parallel"]}
        ins(%h, %xt : tensor<3xf32>, tensor<3xf32>) outs(%xt : tensor<3xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      // expected-note @below {{state #0 stops being affine here}}
      %r = arith.maximumf %a, %b : f32
      linalg.yield %r : f32
    } -> tensor<3xf32>
    recur.yield %m : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// A reduction that multiplies instead of adding is not a linear map: the
// accumulator carries the state, so the product multiplies two values that
// depend on it.
func.func @product_reduction(%x: tensor<4x3xf32>, %h0: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // expected-remark @below {{not affine (arith.mulf at}}
  %hT = recur.recurrence init(%h0 : tensor<3x2xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3x2xf32> {
  ^bb0(%h: tensor<3x2xf32>, %xt: tensor<3xf32>):
    %one = arith.constant dense<1.0> : tensor<3xf32>
    %p = linalg.reduce ins(%h : tensor<3x2xf32>) outs(%one : tensor<3xf32>) dimensions = [1]
      (%in: f32, %acc: f32) {
        // expected-note @below {{state #0 stops being affine here}}
        %m = arith.mulf %in, %acc : f32
        linalg.yield %m : f32
      }
    %e = tensor.empty() : tensor<3x2xf32>
    %b = linalg.broadcast ins(%p : tensor<3xf32>) outs(%e : tensor<3x2xf32>) dimensions = [1]
    recur.yield %b : tensor<3x2xf32>
  }
  return %hT : tensor<3x2xf32>
}

// -----

// A reshape that merges two dimensions larger than 1 is not traced.
func.func @merge(%x: tensor<4x6xf32>, %h0: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-remark-re @below {{not affine (tensor.collapse_shape at {{.*}}: the reshape merges dimensions larger than 1)}}
  %hT = recur.recurrence init(%h0 : tensor<2x3xf32>) seq(%x : tensor<4x6xf32>) -> tensor<2x3xf32> {
  ^bb0(%h: tensor<2x3xf32>, %xt: tensor<6xf32>):
    // expected-note @below {{state #0 stops being affine here}}
    %f = tensor.collapse_shape %h [[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
    %s = arith.addf %f, %xt : tensor<6xf32>
    %r = tensor.expand_shape %s [[0, 1]] output_shape [2, 3] : tensor<6xf32> into tensor<2x3xf32>
    recur.yield %r : tensor<2x3xf32>
  }
  return %hT : tensor<2x3xf32>
}

// -----

// Only the next states need to be affine: outputs may be anything.
func.func @nonlinear_output(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> (tensor<3xf32>, tensor<4x3xf32>) {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{output #0: depends on states [0]}}
  // expected-remark @below {{system [0]: structure=scalar, batch_dims=0}}
  %hT, %ys = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32>, tensor<4x3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %hn = arith.addf %h, %xt : tensor<3xf32>
    %y = math.tanh %hn : tensor<3xf32>
    recur.yield %hn, %y : tensor<3xf32>, tensor<3xf32>
  }
  return %hT, %ys : tensor<3xf32>, tensor<4x3xf32>
}

// -----

// Each state is judged on its own: #0 is affine, #1 is not. No system is
// formed while any next state is not affine.
func.func @mixed(%x: tensor<4x3xf32>, %h0: tensor<3xf32>, %c0: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{state #1: depends on states [0, 1]; not affine (math.sin at}}
  %hT, %cT = recur.recurrence init(%h0, %c0 : tensor<3xf32>, tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32>, tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %c: tensor<3xf32>, %xt: tensor<3xf32>):
    %hn = arith.mulf %h, %xt : tensor<3xf32>
    %s = arith.addf %h, %c : tensor<3xf32>
    // expected-note @below {{state #1 stops being affine here}}
    %cn = math.sin %s : tensor<3xf32>
    recur.yield %hn, %cn : tensor<3xf32>, tensor<3xf32>
  }
  return %hT, %cT : tensor<3xf32>, tensor<3xf32>
}

// -----

// Of several obstacles on the way to a next state, the earliest in the body
// is reported.
func.func @earliest(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-remark @below {{not affine (math.sin at}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    // expected-note @below {{state #0 stops being affine here}}
    %a = math.sin %h : tensor<3xf32>
    %b = math.cos %h : tensor<3xf32>
    %r = arith.addf %b, %a : tensor<3xf32>
    recur.yield %r : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

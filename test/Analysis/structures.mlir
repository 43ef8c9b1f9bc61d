// RUN: recur-opt %s --split-input-file --recur-test-affine-decomposition -verify-diagnostics -o /dev/null
//
// The structure of the transition, as recur.linear_scan defines it (matrix
// structures act on the first dimension of the unit U = S[batch_dims:]),
// for the ways a body can spell a linear map.

// h_next = h: the identity, one scalar 1 for the whole state.
func.func @identity(%x: tensor<4x3xf32>, %h0: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0]: structure=scalar, batch_dims=0}}
  %hT = recur.recurrence init(%h0 : tensor<2x3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<2x3xf32> {
  ^bb0(%h: tensor<2x3xf32>, %xt: tensor<3xf32>):
    recur.yield %h : tensor<2x3xf32>
  }
  return %hT : tensor<2x3xf32>
}

// -----

// A next state that ignores the state: A = 0 (scalar zero).
func.func @overwrite(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-remark @below {{state #0: depends on states []; affine, 0 linear term(s)}}
  // expected-remark @below {{system [0]: structure=scalar, batch_dims=0}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %c0 = arith.constant 0 : index
    %d = tensor.dim %h, %c0 : tensor<3xf32>
    recur.yield %xt : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// Left multiplication W h of a matrix state [n, m] mixes its rows: dense on
// dimension 0, the m columns independent (batch_dims = 0).
func.func @left_matmul(%x: tensor<4x3x2xf32>, %h0: tensor<3x2xf32>, %w: tensor<3x3xf32>) -> tensor<3x2xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0]: structure=dense, batch_dims=0}}
  %hT = recur.recurrence init(%h0 : tensor<3x2xf32>) seq(%x : tensor<4x3x2xf32>) captures(%w : tensor<3x3xf32>) -> tensor<3x2xf32> {
  ^bb0(%h: tensor<3x2xf32>, %xt: tensor<3x2xf32>, %W: tensor<3x3xf32>):
    %wh = linalg.matmul ins(%W, %h : tensor<3x3xf32>, tensor<3x2xf32>) outs(%xt : tensor<3x2xf32>) -> tensor<3x2xf32>
    recur.yield %wh : tensor<3x2xf32>
  }
  return %hT : tensor<3x2xf32>
}

// -----

// linalg.matvec on a vector state; the accumulator x_t is the offset.
func.func @matvec(%x: tensor<4x3xf32>, %h0: tensor<3xf32>, %w: tensor<3x3xf32>) -> tensor<3xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0]: structure=dense, batch_dims=0}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) captures(%w : tensor<3x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>, %W: tensor<3x3xf32>):
    %wh = linalg.matvec ins(%W, %h : tensor<3x3xf32>, tensor<3xf32>) outs(%xt : tensor<3xf32>) -> tensor<3xf32>
    recur.yield %wh : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// The accumulator may itself carry the state: h W + h.
func.func @residual(%x: tensor<4x3xf32>, %h0: tensor<3xf32>, %w: tensor<3x3xf32>) -> tensor<3xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 2 linear term(s)}}
  // expected-remark @below {{system [0]: structure=dense, batch_dims=0}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) captures(%w : tensor<3x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>, %W: tensor<3x3xf32>):
    %hw = linalg.vecmat ins(%h, %W : tensor<3xf32>, tensor<3x3xf32>) outs(%h : tensor<3xf32>) -> tensor<3xf32>
    %hn = arith.addf %hw, %xt : tensor<3xf32>
    recur.yield %hn : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// The delta rule on one head, with vecmat and broadcasts: S - beta k (k^T S)
// + beta k v^T is the identity plus rank one on the rows (dk).
func.func @delta_rule(%k: tensor<4x3xf32>, %v: tensor<4x2xf32>, %beta: tensor<4xf32>, %S0: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 2 linear term(s)}}
  // expected-remark @below {{system [0]: structure=identity_plus_low_rank, batch_dims=0, rank=1}}
  %ST = recur.recurrence init(%S0 : tensor<3x2xf32>) seq(%k, %v, %beta : tensor<4x3xf32>, tensor<4x2xf32>, tensor<4xf32>) -> tensor<3x2xf32> {
  ^bb0(%S: tensor<3x2xf32>, %kt: tensor<3xf32>, %vt: tensor<2xf32>, %bt: tensor<f32>):
    %zero = arith.constant 0.0 : f32
    %e2 = tensor.empty() : tensor<2xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2xf32>) -> tensor<2xf32>
    %kS = linalg.vecmat ins(%kt, %S : tensor<3xf32>, tensor<3x2xf32>) outs(%acc : tensor<2xf32>) -> tensor<2xf32>
    %e = tensor.empty() : tensor<3x2xf32>
    %kb = linalg.broadcast ins(%kt : tensor<3xf32>) outs(%e : tensor<3x2xf32>) dimensions = [1]
    %kSb = linalg.broadcast ins(%kS : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
    %vb = linalg.broadcast ins(%vt : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
    %bb = linalg.broadcast ins(%bt : tensor<f32>) outs(%e : tensor<3x2xf32>) dimensions = [0, 1]
    %outer = arith.mulf %kb, %kSb : tensor<3x2xf32>
    %corr = arith.mulf %bb, %outer : tensor<3x2xf32>
    %S1 = arith.subf %S, %corr : tensor<3x2xf32>
    %kv = arith.mulf %kb, %vb : tensor<3x2xf32>
    %bkv = arith.mulf %bb, %kv : tensor<3x2xf32>
    %Sn = arith.addf %S1, %bkv : tensor<3x2xf32>
    recur.yield %Sn : tensor<3x2xf32>
  }
  return %ST : tensor<3x2xf32>
}

// -----

// Two rank-one corrections, each a reshape of a vector to a column [n, 1]
// times a row: identity plus rank two on a state of 4 rows.
func.func @rank_two(%a: tensor<5x4xf32>, %b: tensor<5x4xf32>, %S0: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 3 linear term(s)}}
  // expected-remark @below {{system [0]: structure=identity_plus_low_rank, batch_dims=0, rank=2}}
  %ST = recur.recurrence init(%S0 : tensor<4x2xf32>) seq(%a, %b : tensor<5x4xf32>, tensor<5x4xf32>) -> tensor<4x2xf32> {
  ^bb0(%S: tensor<4x2xf32>, %at: tensor<4xf32>, %bt: tensor<4xf32>):
    %zero = arith.constant 0.0 : f32
    %e1 = tensor.empty() : tensor<1x2xf32>
    %acc1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x2xf32>) -> tensor<1x2xf32>
    %arow = tensor.expand_shape %at [[0, 1]] output_shape [1, 4] : tensor<4xf32> into tensor<1x4xf32>
    %acol = tensor.expand_shape %at [[0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
    %aS = linalg.matmul ins(%arow, %S : tensor<1x4xf32>, tensor<4x2xf32>) outs(%acc1 : tensor<1x2xf32>) -> tensor<1x2xf32>
    %e = tensor.empty() : tensor<4x2xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
    %u1 = linalg.matmul ins(%acol, %aS : tensor<4x1xf32>, tensor<1x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
    %brow = tensor.expand_shape %bt [[0, 1]] output_shape [1, 4] : tensor<4xf32> into tensor<1x4xf32>
    %bcol = tensor.expand_shape %bt [[0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
    %bS = linalg.matmul ins(%brow, %S : tensor<1x4xf32>, tensor<4x2xf32>) outs(%acc1 : tensor<1x2xf32>) -> tensor<1x2xf32>
    %u2 = linalg.matmul ins(%bcol, %bS : tensor<4x1xf32>, tensor<1x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
    %s1 = arith.subf %S, %u1 : tensor<4x2xf32>
    %s2 = arith.addf %s1, %u2 : tensor<4x2xf32>
    recur.yield %s2 : tensor<4x2xf32>
  }
  return %ST : tensor<4x2xf32>
}

// -----

// The same two corrections on a state of 2 rows: a rank-2 update of a 2x2
// matrix is no cheaper than the matrix, so dense.
func.func @rank_two_dense(%a: tensor<5x2xf32>, %b: tensor<5x2xf32>, %S0: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 3 linear term(s)}}
  // expected-remark @below {{system [0]: structure=dense, batch_dims=0}}
  %ST = recur.recurrence init(%S0 : tensor<2x3xf32>) seq(%a, %b : tensor<5x2xf32>, tensor<5x2xf32>) -> tensor<2x3xf32> {
  ^bb0(%S: tensor<2x3xf32>, %at: tensor<2xf32>, %bt: tensor<2xf32>):
    %zero = arith.constant 0.0 : f32
    %e3 = tensor.empty() : tensor<3xf32>
    %acc3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<3xf32>) -> tensor<3xf32>
    %e = tensor.empty() : tensor<2x3xf32>
    %aS = linalg.vecmat ins(%at, %S : tensor<2xf32>, tensor<2x3xf32>) outs(%acc3 : tensor<3xf32>) -> tensor<3xf32>
    %bS = linalg.vecmat ins(%bt, %S : tensor<2xf32>, tensor<2x3xf32>) outs(%acc3 : tensor<3xf32>) -> tensor<3xf32>
    %ab = linalg.broadcast ins(%at : tensor<2xf32>) outs(%e : tensor<2x3xf32>) dimensions = [1]
    %bb = linalg.broadcast ins(%bt : tensor<2xf32>) outs(%e : tensor<2x3xf32>) dimensions = [1]
    %aSb = linalg.broadcast ins(%aS : tensor<3xf32>) outs(%e : tensor<2x3xf32>) dimensions = [0]
    %bSb = linalg.broadcast ins(%bS : tensor<3xf32>) outs(%e : tensor<2x3xf32>) dimensions = [0]
    %u1 = arith.mulf %ab, %aSb : tensor<2x3xf32>
    %u2 = arith.mulf %bb, %bSb : tensor<2x3xf32>
    %s1 = arith.subf %S, %u1 : tensor<2x3xf32>
    %s2 = arith.subf %s1, %u2 : tensor<2x3xf32>
    recur.yield %s2 : tensor<2x3xf32>
  }
  return %ST : tensor<2x3xf32>
}

// -----

// Transposes of the state cancel out: an elementwise decay.
func.func @transposed(%x: tensor<4x3x2xf32>, %h0: tensor<3x2xf32>, %c: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0]: structure=diagonal, batch_dims=0}}
  %hT = recur.recurrence init(%h0 : tensor<3x2xf32>) seq(%x : tensor<4x3x2xf32>) captures(%c : tensor<2x3xf32>) -> tensor<3x2xf32> {
  ^bb0(%h: tensor<3x2xf32>, %xt: tensor<3x2xf32>, %C: tensor<2x3xf32>):
    %e = tensor.empty() : tensor<2x3xf32>
    %t = linalg.transpose ins(%h : tensor<3x2xf32>) outs(%e : tensor<2x3xf32>) permutation = [1, 0]
    %d = arith.mulf %t, %C : tensor<2x3xf32>
    %e2 = tensor.empty() : tensor<3x2xf32>
    %back = linalg.transpose ins(%d : tensor<2x3xf32>) outs(%e2 : tensor<3x2xf32>) permutation = [1, 0]
    %hn = arith.addf %back, %xt : tensor<3x2xf32>
    recur.yield %hn : tensor<3x2xf32>
  }
  return %hT : tensor<3x2xf32>
}

// -----

// A decay that depends on the rows only, over a matrix state: scalar per row
// (batch_dims = 1); divisions by state-independent values are fine.
func.func @row_decay(%x: tensor<4x3x2xf32>, %h0: tensor<3x2xf32>, %d: tensor<4x3xf32>) -> tensor<3x2xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0]: structure=scalar, batch_dims=1}}
  %hT = recur.recurrence init(%h0 : tensor<3x2xf32>) seq(%x, %d : tensor<4x3x2xf32>, tensor<4x3xf32>) -> tensor<3x2xf32> {
  ^bb0(%h: tensor<3x2xf32>, %xt: tensor<3x2xf32>, %dt: tensor<3xf32>):
    %e = tensor.empty() : tensor<3x2xf32>
    %db = linalg.broadcast ins(%dt : tensor<3xf32>) outs(%e : tensor<3x2xf32>) dimensions = [1]
    %s = arith.divf %h, %db : tensor<3x2xf32>
    %hn = arith.addf %s, %xt : tensor<3x2xf32>
    recur.yield %hn : tensor<3x2xf32>
  }
  return %hT : tensor<3x2xf32>
}

// -----

// A matrix on the rows whose coefficient also depends on the column: the
// scan state is the transposed state.
func.func @column_scaled(%x: tensor<4x3x2xf32>, %h0: tensor<3x2xf32>, %w: tensor<3x3xf32>, %c: tensor<2xf32>) -> tensor<3x2xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0]: structure=dense, batch_dims=1, permutation=[1, 0]}}
  %hT = recur.recurrence init(%h0 : tensor<3x2xf32>) seq(%x : tensor<4x3x2xf32>) captures(%w, %c : tensor<3x3xf32>, tensor<2xf32>) -> tensor<3x2xf32> {
  ^bb0(%h: tensor<3x2xf32>, %xt: tensor<3x2xf32>, %W: tensor<3x3xf32>, %C: tensor<2xf32>):
    %e = tensor.empty() : tensor<3x2xf32>
    %cb = linalg.broadcast ins(%C : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
    %hc = arith.mulf %h, %cb : tensor<3x2xf32>
    %whc = linalg.matmul ins(%W, %hc : tensor<3x3xf32>, tensor<3x2xf32>) outs(%xt : tensor<3x2xf32>) -> tensor<3x2xf32>
    recur.yield %whc : tensor<3x2xf32>
  }
  return %hT : tensor<3x2xf32>
}

// -----

// ... which seq_lens forbids when it would move the batch dimension.
func.func @column_scaled_lens(%x: tensor<4x3x2xf32>, %h0: tensor<3x2xf32>, %w: tensor<3x3xf32>, %c: tensor<2xf32>, %lens: tensor<3xi32>) -> tensor<3x2xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0]: unsupported (the state needs its batch dimension moved, but seq_lens needs it first)}}
  %hT = recur.recurrence init(%h0 : tensor<3x2xf32>) seq(%x : tensor<4x3x2xf32>) captures(%w, %c : tensor<3x3xf32>, tensor<2xf32>) seq_lens(%lens : tensor<3xi32>) -> tensor<3x2xf32> {
  ^bb0(%h: tensor<3x2xf32>, %xt: tensor<3x2xf32>, %W: tensor<3x3xf32>, %C: tensor<2xf32>):
    %e = tensor.empty() : tensor<3x2xf32>
    %cb = linalg.broadcast ins(%C : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
    %hc = arith.mulf %h, %cb : tensor<3x2xf32>
    %whc = linalg.matmul ins(%W, %hc : tensor<3x3xf32>, tensor<3x2xf32>) outs(%xt : tensor<3x2xf32>) -> tensor<3x2xf32>
    recur.yield %whc : tensor<3x2xf32>
  }
  return %hT : tensor<3x2xf32>
}

// -----

// W h V mixes both dimensions of a matrix state: affine, but no structure
// of recur.linear_scan expresses it.
func.func @two_sided(%x: tensor<4x2x2xf32>, %h0: tensor<2x2xf32>, %w: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0]: unsupported (a term reads the state at an index the transition structures cannot express)}}
  %hT = recur.recurrence init(%h0 : tensor<2x2xf32>) seq(%x : tensor<4x2x2xf32>) captures(%w : tensor<2x2xf32>) -> tensor<2x2xf32> {
  ^bb0(%h: tensor<2x2xf32>, %xt: tensor<2x2xf32>, %W: tensor<2x2xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<2x2xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
    %wh = linalg.matmul ins(%W, %h : tensor<2x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<2x2xf32>) -> tensor<2x2xf32>
    %whw = linalg.matmul ins(%wh, %W : tensor<2x2xf32>, tensor<2x2xf32>) outs(%xt : tensor<2x2xf32>) -> tensor<2x2xf32>
    recur.yield %whw : tensor<2x2xf32>
  }
  return %hT : tensor<2x2xf32>
}

// -----

// Coupled states of one shape with elementwise coefficients: one system,
// stacked right after the dimensions the coefficients depend on.
func.func @coupled(%x: tensor<4x3x2xf32>, %a0: tensor<3x2xf32>, %b0: tensor<3x2xf32>, %r: tensor<3xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  // expected-remark @below {{state #0: depends on states [0, 1]; affine, 2 linear term(s)}}
  // expected-remark @below {{state #1: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0, 1]: structure=dense, batch_dims=1, stacked at dim 1}}
  %aT, %bT = recur.recurrence init(%a0, %b0 : tensor<3x2xf32>, tensor<3x2xf32>) seq(%x : tensor<4x3x2xf32>) captures(%r : tensor<3xf32>) -> tensor<3x2xf32>, tensor<3x2xf32> {
  ^bb0(%a: tensor<3x2xf32>, %b: tensor<3x2xf32>, %xt: tensor<3x2xf32>, %R: tensor<3xf32>):
    %e = tensor.empty() : tensor<3x2xf32>
    %rb = linalg.broadcast ins(%R : tensor<3xf32>) outs(%e : tensor<3x2xf32>) dimensions = [1]
    %ra = arith.mulf %rb, %a : tensor<3x2xf32>
    %an = arith.subf %ra, %b : tensor<3x2xf32>
    %bn = arith.addf %a, %xt : tensor<3x2xf32>
    recur.yield %an, %bn : tensor<3x2xf32>, tensor<3x2xf32>
  }
  return %aT, %bT : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// Coupled states of different shapes: affine, not expressible.
func.func @coupled_shapes(%x: tensor<4x3xf32>, %a0: tensor<3xf32>, %b0: tensor<3x1xf32>) -> (tensor<3xf32>, tensor<3x1xf32>) {
  // expected-remark @below {{state #0: depends on states [0, 1]; affine, 2 linear term(s)}}
  // expected-remark @below {{state #1: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0, 1]: unsupported (coupled states #0 and #1 have different types)}}
  %aT, %bT = recur.recurrence init(%a0, %b0 : tensor<3xf32>, tensor<3x1xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32>, tensor<3x1xf32> {
  ^bb0(%a: tensor<3xf32>, %b: tensor<3x1xf32>, %xt: tensor<3xf32>):
    %bc = tensor.collapse_shape %b [[0, 1]] : tensor<3x1xf32> into tensor<3xf32>
    %an = arith.addf %a, %bc : tensor<3xf32>
    %ae = tensor.expand_shape %a [[0, 1]] output_shape [3, 1] : tensor<3xf32> into tensor<3x1xf32>
    recur.yield %an, %ae : tensor<3xf32>, tensor<3x1xf32>
  }
  return %aT, %bT : tensor<3xf32>, tensor<3x1xf32>
}

// -----

// Slices with static offsets are traced: a row of the state broadcast to
// two rows is the state itself.
func.func @slice(%x: tensor<4x3xf32>, %h0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0]: structure=scalar, batch_dims=0}}
  %hT = recur.recurrence init(%h0 : tensor<3xf32>) seq(%x : tensor<4x3xf32>) -> tensor<3xf32> {
  ^bb0(%h: tensor<3xf32>, %xt: tensor<3xf32>):
    %e = tensor.empty() : tensor<2x3xf32>
    %b = linalg.broadcast ins(%h : tensor<3xf32>) outs(%e : tensor<2x3xf32>) dimensions = [0]
    %row = tensor.extract_slice %b[1, 0] [1, 3] [1, 1] : tensor<2x3xf32> to tensor<3xf32>
    %hn = arith.addf %row, %xt : tensor<3xf32>
    recur.yield %hn : tensor<3xf32>
  }
  return %hT : tensor<3xf32>
}

// -----

// The transpose of a square state: affine, but no structure of recur.linear_scan reads the state that way.
func.func @transpose_square(%x: tensor<4x2x2xf32>, %h0: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-remark @below {{state #0: depends on states [0]; affine, 1 linear term(s)}}
  // expected-remark @below {{system [0]: unsupported (a term reads the state at an index the transition structures cannot express)}}
  %hT = recur.recurrence init(%h0 : tensor<2x2xf32>) seq(%x : tensor<4x2x2xf32>) -> tensor<2x2xf32> {
  ^bb0(%h: tensor<2x2xf32>, %xt: tensor<2x2xf32>):
    %e = tensor.empty() : tensor<2x2xf32>
    %t = linalg.transpose ins(%h : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) permutation = [1, 0]
    %hn = arith.addf %t, %xt : tensor<2x2xf32>
    recur.yield %hn : tensor<2x2xf32>
  }
  return %hT : tensor<2x2xf32>
}

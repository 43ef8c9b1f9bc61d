// RUN: recur-opt %s --split-input-file --recur-hoist-invariants | FileCheck %s

// The input projection x_t W leaves the body: one matmul over the collapsed
// [T*B, I] sequence, expanded back and read as a sequence. The fill of ones
// the state update reads is recomputed in the body, not passed over time.

// CHECK-LABEL: func.func @projection(
// CHECK-SAME: %[[X:[^:]*]]: tensor<6x2x3xf32>, %[[H0:[^:]*]]: tensor<2x4xf32>, %[[W:[^:]*]]: tensor<3x4xf32>
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<6x2x3xf32> into tensor<12x3xf32>
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[ROWS]], %[[W]] : tensor<12x3xf32>, tensor<3x4xf32>)
// CHECK: %[[SEQ:.*]] = tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2]] output_shape [6, 2, 4] : tensor<12x4xf32> into tensor<6x2x4xf32>
// CHECK: recur.recurrence init(%[[H0]] : tensor<2x4xf32>) seq(%[[SEQ]] : tensor<6x2x4xf32>) -> tensor<2x4xf32>, tensor<6x2x4xf32> {
// CHECK-NEXT: ^bb0(%[[H:[^:]*]]: tensor<2x4xf32>, %[[PT:[^:]*]]: tensor<2x4xf32>):
// CHECK-NOT: linalg.matmul
// CHECK: linalg.fill
// CHECK: arith.addf %[[H]], %[[PT]]
// CHECK: recur.yield
func.func @projection(%x: tensor<6x2x3xf32>, %h0: tensor<2x4xf32>,
                      %w: tensor<3x4xf32>) -> (tensor<2x4xf32>, tensor<6x2x4xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<2x4xf32>) seq(%x : tensor<6x2x3xf32>)
      captures(%w : tensor<3x4xf32>) -> tensor<2x4xf32>, tensor<6x2x4xf32> {
  ^bb0(%h: tensor<2x4xf32>, %xt: tensor<2x3xf32>, %wc: tensor<3x4xf32>):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %e = tensor.empty() : tensor<2x4xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    %ones = linalg.fill ins(%one : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    %p = linalg.matmul ins(%xt, %wc : tensor<2x3xf32>, tensor<3x4xf32>)
                       outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
    %s = arith.addf %h, %p : tensor<2x4xf32>
    %hn = arith.mulf %s, %ones : tensor<2x4xf32>
    recur.yield %hn, %hn : tensor<2x4xf32>, tensor<2x4xf32>
  }
  return %hT, %hs : tensor<2x4xf32>, tensor<6x2x4xf32>
}

// -----

// Work on captures alone (a transpose) runs once, before the recurrence, and
// its result is captured; nothing depends on the step slices, so no map.

// CHECK-LABEL: func.func @capture_only(
// CHECK-SAME: %[[R:[^:]*]]: tensor<4x4xf32>
// CHECK: %[[RT:.*]] = linalg.transpose ins(%[[R]] : tensor<4x4xf32>)
// CHECK-NOT: recur.recurrence seq(
// CHECK: recur.recurrence init({{.*}}) seq({{.*}}) captures(%[[RT]] : tensor<4x4xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul
// CHECK: recur.yield
func.func @capture_only(%x: tensor<5x2x4xf32>, %h0: tensor<2x4xf32>,
                        %r: tensor<4x4xf32>) -> (tensor<2x4xf32>, tensor<5x2x4xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<2x4xf32>) seq(%x : tensor<5x2x4xf32>)
      captures(%r : tensor<4x4xf32>) -> tensor<2x4xf32>, tensor<5x2x4xf32> {
  ^bb0(%h: tensor<2x4xf32>, %xt: tensor<2x4xf32>, %rc: tensor<4x4xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<2x4xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    %et = tensor.empty() : tensor<4x4xf32>
    %rt = linalg.transpose ins(%rc : tensor<4x4xf32>) outs(%et : tensor<4x4xf32>)
                           permutation = [1, 0]
    %p = linalg.matmul ins(%h, %rt : tensor<2x4xf32>, tensor<4x4xf32>)
                       outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
    %hn = arith.addf %p, %xt : tensor<2x4xf32>
    recur.yield %hn, %hn : tensor<2x4xf32>, tensor<2x4xf32>
  }
  return %hT, %hs : tensor<2x4xf32>, tensor<5x2x4xf32>
}

// -----

// Nothing is independent of the state but the step slice itself: unchanged.

// CHECK-LABEL: func.func @nothing_to_hoist(
// CHECK-NEXT: recur.recurrence init(
// CHECK-NEXT: ^bb0(
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: math.tanh
// CHECK-NEXT: recur.yield
func.func @nothing_to_hoist(%x: tensor<5x4xf32>, %h0: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<5x4xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<4xf32>) seq(%x : tensor<5x4xf32>)
      -> tensor<4xf32>, tensor<5x4xf32> {
  ^bb0(%h: tensor<4xf32>, %xt: tensor<4xf32>):
    %m = arith.mulf %h, %xt : tensor<4xf32>
    %n = math.tanh %m : tensor<4xf32>
    recur.yield %n, %m : tensor<4xf32>, tensor<4xf32>
  }
  return %hT, %hs : tensor<4xf32>, tensor<5x4xf32>
}

// -----

// A use inside a nested region counts: the generic reads only x_t as an
// operand, but its region reads a scalar of the state, so it stays; the
// negation of x_t before it does not, and is mapped over time.

// CHECK-LABEL: func.func @nested_region_use(
// CHECK: %[[NEG:.*]] = recur.recurrence seq(%{{.*}} : tensor<5x4xf32>) -> tensor<5x4xf32> {
// CHECK: arith.negf
// CHECK: recur.recurrence init({{.*}}) seq(%[[NEG]] : tensor<5x4xf32>)
// CHECK: tensor.extract
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: recur.yield
func.func @nested_region_use(%x: tensor<5x4xf32>, %h0: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<5x4xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<4xf32>) seq(%x : tensor<5x4xf32>)
      -> tensor<4xf32>, tensor<5x4xf32> {
  ^bb0(%h: tensor<4xf32>, %xt: tensor<4xf32>):
    %c0 = arith.constant 0 : index
    %neg = arith.negf %xt : tensor<4xf32>
    %s = tensor.extract %h[%c0] : tensor<4xf32>
    %e = tensor.empty() : tensor<4xf32>
    %g = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                         iterator_types = ["parallel"]}
        ins(%neg : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.mulf %in, %s : f32
      linalg.yield %m : f32
    } -> tensor<4xf32>
    recur.yield %g, %g : tensor<4xf32>, tensor<4xf32>
  }
  return %hT, %hs : tensor<4xf32>, tensor<5x4xf32>
}

// -----

// Under sequence lengths every step slice needs the batch as dimension 0: a
// per-step value the state update reads without it (a sum over the batch,
// [I]) stays in the body.
// Without sequence lengths it is mapped over time like anything else.

// CHECK-LABEL: func.func @unbatched_with_lens(
// CHECK-NOT: recur.recurrence seq(
// CHECK: recur.recurrence init({{.*}}) seq({{.*}}) seq_lens(
// CHECK: linalg.reduce
// CHECK-LABEL: func.func @unbatched_without_lens(
// CHECK: %[[SUM:.*]] = recur.recurrence seq(%{{.*}} : tensor<5x2x4xf32>) -> tensor<5x4xf32> {
// CHECK: linalg.reduce
// CHECK: recur.recurrence init({{.*}}) seq(%[[SUM]] : tensor<5x4xf32>)
// CHECK-NOT: linalg.reduce
// CHECK: return
func.func @unbatched_with_lens(%x: tensor<5x2x4xf32>, %h0: tensor<2x4xf32>,
                               %lens: tensor<2xi32>) -> (tensor<2x4xf32>, tensor<5x2x4xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<2x4xf32>) seq(%x : tensor<5x2x4xf32>)
      seq_lens(%lens : tensor<2xi32>) -> tensor<2x4xf32>, tensor<5x2x4xf32> {
  ^bb0(%h: tensor<2x4xf32>, %xt: tensor<2x4xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
    %sum = linalg.reduce ins(%xt : tensor<2x4xf32>) outs(%acc : tensor<4xf32>) dimensions = [0]
      (%in: f32, %init: f32) {
        %a = arith.addf %in, %init : f32
        linalg.yield %a : f32
      }
    %hr = tensor.extract_slice %h[0, 0] [1, 4] [1, 1] : tensor<2x4xf32> to tensor<4xf32>
    %s = arith.addf %hr, %sum : tensor<4xf32>
    %e2 = tensor.empty() : tensor<2x4xf32>
    %b = linalg.broadcast ins(%s : tensor<4xf32>) outs(%e2 : tensor<2x4xf32>) dimensions = [0]
    %hn = arith.addf %h, %b : tensor<2x4xf32>
    recur.yield %hn, %hn : tensor<2x4xf32>, tensor<2x4xf32>
  }
  return %hT, %hs : tensor<2x4xf32>, tensor<5x2x4xf32>
}

func.func @unbatched_without_lens(%x: tensor<5x2x4xf32>, %h0: tensor<2x4xf32>)
    -> (tensor<2x4xf32>, tensor<5x2x4xf32>) {
  %hT, %hs = recur.recurrence init(%h0 : tensor<2x4xf32>) seq(%x : tensor<5x2x4xf32>)
      -> tensor<2x4xf32>, tensor<5x2x4xf32> {
  ^bb0(%h: tensor<2x4xf32>, %xt: tensor<2x4xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
    %sum = linalg.reduce ins(%xt : tensor<2x4xf32>) outs(%acc : tensor<4xf32>) dimensions = [0]
      (%in: f32, %init: f32) {
        %a = arith.addf %in, %init : f32
        linalg.yield %a : f32
      }
    %hr = tensor.extract_slice %h[0, 0] [1, 4] [1, 1] : tensor<2x4xf32> to tensor<4xf32>
    %s = arith.addf %hr, %sum : tensor<4xf32>
    %e2 = tensor.empty() : tensor<2x4xf32>
    %b = linalg.broadcast ins(%s : tensor<4xf32>) outs(%e2 : tensor<2x4xf32>) dimensions = [0]
    %hn = arith.addf %h, %b : tensor<2x4xf32>
    recur.yield %hn, %hn : tensor<2x4xf32>, tensor<2x4xf32>
  }
  return %hT, %hs : tensor<2x4xf32>, tensor<5x2x4xf32>
}

// -----

// In a stateless map, only a step slice times a capture is a projection: a
// product of two step slices stays in the map.

// CHECK-LABEL: func.func @map_of_two_slices(
// CHECK-NOT: tensor.collapse_shape
// CHECK: recur.recurrence seq(
// CHECK: linalg.matmul
// CHECK: recur.yield
func.func @map_of_two_slices(%a: tensor<5x2x3xf32>, %b: tensor<5x3x4xf32>)
    -> tensor<5x2x4xf32> {
  %ys = recur.recurrence seq(%a, %b : tensor<5x2x3xf32>, tensor<5x3x4xf32>)
      -> tensor<5x2x4xf32> {
  ^bb0(%at: tensor<2x3xf32>, %bt: tensor<3x4xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<2x4xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    %p = linalg.matmul ins(%at, %bt : tensor<2x3xf32>, tensor<3x4xf32>)
                       outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
    recur.yield %p : tensor<2x4xf32>
  }
  return %ys : tensor<5x2x4xf32>
}

// -----

// A map whose only output is a projection with its bias disappears: one
// matmul plus the broadcast bias over all rows.

// CHECK-LABEL: func.func @projection_map(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x?x3xf32>, %[[W:[^:]*]]: tensor<3x4xf32>, %[[B:[^:]*]]: tensor<4xf32>
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[X]]
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[ROWS]], %[[W]] : tensor<?x3xf32>, tensor<3x4xf32>)
// CHECK: %[[BR:.*]] = linalg.broadcast ins(%[[B]] : tensor<4xf32>) outs(%{{.*}} : tensor<?x4xf32>) dimensions = [0]
// CHECK: %[[SUM:.*]] = arith.addf %[[P]], %[[BR]] : tensor<?x4xf32>
// CHECK: %[[Y:.*]] = tensor.reshape %[[SUM]]
// CHECK-NOT: recur.recurrence
// CHECK: return %[[Y]]
func.func @projection_map(%x: tensor<?x?x3xf32>, %w: tensor<3x4xf32>,
                          %b: tensor<4xf32>) -> tensor<?x?x4xf32> {
  %ys = recur.recurrence seq(%x : tensor<?x?x3xf32>)
      captures(%w, %b : tensor<3x4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32> {
  ^bb0(%xt: tensor<?x3xf32>, %wc: tensor<3x4xf32>, %bc: tensor<4xf32>):
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %rows = tensor.dim %xt, %c0 : tensor<?x3xf32>
    %e = tensor.empty(%rows) : tensor<?x4xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
    %p = linalg.matmul ins(%xt, %wc : tensor<?x3xf32>, tensor<3x4xf32>)
                       outs(%acc : tensor<?x4xf32>) -> tensor<?x4xf32>
    %bb = linalg.broadcast ins(%bc : tensor<4xf32>) outs(%e : tensor<?x4xf32>) dimensions = [0]
    %y = arith.addf %p, %bb : tensor<?x4xf32>
    recur.yield %y : tensor<?x4xf32>
  }
  return %ys : tensor<?x?x4xf32>
}

// RUN: recur-opt %s --recur-host-fuse-elementwise | FileCheck %s
//
// A producer with two consumers is fused into both (upstream's pass would
// leave it: it fuses single-use producers only), and the fill of ones folds
// into the bodies as a constant.

#map = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @gate(
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT:     linalg.generic
// CHECK-NOT:     linalg.fill
// CHECK:         return
func.func @gate(%x: tensor<?x8xf32>, %h: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %b = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%b) : tensor<?x8xf32>
  %ones = linalg.fill ins(%one : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %z = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %ex = math.exp %n : f32
    linalg.yield %ex : f32
  } -> tensor<?x8xf32>
  %keep = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%ones, %z : tensor<?x8xf32>, tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%a: f32, %c: f32, %out: f32):
    %s = arith.subf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  %new = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%z, %h : tensor<?x8xf32>, tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%a: f32, %c: f32, %out: f32):
    %m = arith.mulf %a, %c : f32
    linalg.yield %m : f32
  } -> tensor<?x8xf32>
  return %keep, %new : tensor<?x8xf32>, tensor<?x8xf32>
}

// A producer that reads its own output (`out + l` on a filled init: a
// scalar broadcast to a vector) is not fused into a consumer that reads it
// broadcast over a further dimension: the fused op would add l once per
// element of that dimension. (Found by test/E2E/shared-decay.test.)
// CHECK-LABEL: func.func @reads_own_output(
// CHECK:         %[[A:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<f32>) outs(%{{.*}} : tensor<2xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[A]], %arg1 : tensor<2xf32>, tensor<2x3xf32>)
func.func @reads_own_output(%l: tensor<f32>, %h: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2xf32>
  %zeros = linalg.fill ins(%zero : f32) outs(%e : tensor<2xf32>) -> tensor<2xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%l : tensor<f32>) outs(%zeros : tensor<2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  %e2 = tensor.empty() : tensor<2x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%a, %h : tensor<2xf32>, tensor<2x3xf32>) outs(%e2 : tensor<2x3xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %m = arith.mulf %x, %y : f32
    linalg.yield %m : f32
  } -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// A producer read by an elementwise op and by a reduction is fused into
// the elementwise op only: recomputed inside the reduction it would run in
// scalar code.
// CHECK-LABEL: func.func @shared_with_reduction(
// CHECK:         %[[E:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<4x16xf32>)
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[E]] : tensor<4x16xf32>)
// CHECK-NOT:       math.exp
// CHECK:         return
func.func @shared_with_reduction(%x: tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x16xf32>
  %ex = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x16xf32>) outs(%e0 : tensor<4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = math.exp %in : f32
    linalg.yield %v : f32
  } -> tensor<4x16xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %zeros = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4xf32>) -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [#map, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%ex : tensor<4x16xf32>) outs(%zeros : tensor<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %ex, %sum : tensor<4x16xf32>, tensor<4xf32>
}

// A bias added to a matmul on a zero fill starts the matmul's sum instead:
// the matmul accumulates into `x + bias` (the broadcast fused into it), in
// place of a fill and one more pass over the output. The additions other
// than X's keep their order.
// CHECK-LABEL: func.func @bias_into_matmul(
// CHECK-SAME:      %[[A:[^:]*]]: tensor<?x4xf32>, %[[W:[^:]*]]: tensor<4x8xf32>, %[[X:[^:]*]]: tensor<?x8xf32>, %[[BIAS:[^:]*]]: tensor<8xf32>)
// CHECK-NOT:     linalg.fill
// CHECK:         %[[REST:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[BIAS]] : tensor<?x8xf32>, tensor<8xf32>)
// CHECK-NEXT:    ^bb0(%[[XI:.*]]: f32, %[[BI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[XI]], %[[BI]] : f32
// CHECK-NEXT:      linalg.yield %[[S]]
// CHECK:         %[[MM:.*]] = linalg.matmul ins(%[[A]], %[[W]] : tensor<?x4xf32>, tensor<4x8xf32>) outs(%[[REST]] : tensor<?x8xf32>)
// CHECK-NEXT:    return %[[MM]]
func.func @bias_into_matmul(%a: tensor<?x4xf32>, %w: tensor<4x8xf32>, %x: tensor<?x8xf32>, %bias: tensor<8xf32>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %a, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%m) : tensor<?x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<?x4xf32>, tensor<4x8xf32>) outs(%z : tensor<?x8xf32>) -> tensor<?x8xf32>
  %e2 = tensor.empty(%m) : tensor<?x8xf32>
  %b = linalg.broadcast ins(%bias : tensor<8xf32>) outs(%e2 : tensor<?x8xf32>) dimensions = [0]
  %e3 = tensor.empty(%m) : tensor<?x8xf32>
  %r = linalg.generic {indexing_maps = [#map, #map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mm, %b : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) outs(%e3 : tensor<?x8xf32>) {
  ^bb0(%xi: f32, %mi: f32, %bi: f32, %out: f32):
    %s = arith.addf %mi, %bi : f32
    %t = arith.addf %xi, %s : f32
    linalg.yield %t : f32
  } -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// Not when the matmul's result is used as more than a term of the sum (a
// GRU's reset gate multiplies it), when something else reads it, or when
// its init is not zero.
// CHECK-LABEL: func.func @not_a_sum(
// CHECK-COUNT-3: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<4x8xf32>) outs(%{{.*}} : tensor<2x8xf32>)
func.func @not_a_sum(%a: tensor<2x4xf32>, %w: tensor<4x8xf32>, %x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<2x4xf32>, tensor<4x8xf32>) outs(%z : tensor<2x8xf32>) -> tensor<2x8xf32>
  %r = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mm : tensor<2x8xf32>, tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%xi: f32, %mi: f32, %out: f32):
    %s = arith.addf %xi, %mi : f32
    %t = arith.mulf %s, %xi : f32
    linalg.yield %t : f32
  } -> tensor<2x8xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %mm2 = linalg.matmul ins(%a, %w : tensor<2x4xf32>, tensor<4x8xf32>) outs(%z2 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %r2 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mm2 : tensor<2x8xf32>, tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%xi: f32, %mi: f32, %out: f32):
    %s = arith.addf %xi, %mi : f32
    linalg.yield %s : f32
  } -> tensor<2x8xf32>
  %o = linalg.fill ins(%one : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %mm3 = linalg.matmul ins(%a, %w : tensor<2x4xf32>, tensor<4x8xf32>) outs(%o : tensor<2x8xf32>) -> tensor<2x8xf32>
  %r3 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mm3 : tensor<2x8xf32>, tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%xi: f32, %mi: f32, %out: f32):
    %s = arith.addf %xi, %mi : f32
    linalg.yield %s : f32
  } -> tensor<2x8xf32>
  return %r, %r2, %mm2, %r3 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// A splat of a dynamic shape (a sigmoid's 1 - ...) folds into its reader
// as the scalar, like a fill.
// CHECK-LABEL: func.func @splat_operand(
// CHECK:         %[[ONE:.*]] = arith.constant 1.0
// CHECK-NOT:     tensor.splat
// CHECK-NOT:     linalg.fill
// CHECK:         linalg.generic {{.*}} ins(%arg0 : tensor<?x8xf32>)
// CHECK:           arith.subf %[[ONE]], %
func.func @splat_operand(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x8xf32>
  %ones = tensor.splat %one[%m] : tensor<?x8xf32>
  %e = tensor.empty(%m) : tensor<?x8xf32>
  %r = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%ones, %x : tensor<?x8xf32>, tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%o: f32, %xi: f32, %out: f32):
    %s = arith.subf %o, %xi : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// Nor when the sum is inside a loop and the matmul outside it (the matmul
// would run every iteration), or when the matmul's operands are not of the
// output's type (its `cast` would be lost).
// CHECK-LABEL: func.func @not_moved_or_cast(
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<4x8xf32>)
// CHECK:         scf.for
// CHECK-NOT:       linalg.matmul
// CHECK:         }
// CHECK:         linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%{{.*}}, %{{.*}} : tensor<2x4xi8>, tensor<4x8xi8>) outs(%{{.*}} : tensor<2x8xf32>)
func.func @not_moved_or_cast(%a: tensor<2x4xf32>, %w: tensor<4x8xf32>, %x: tensor<2x8xf32>, %n: index,
                             %ai: tensor<2x4xi8>, %wi: tensor<4x8xi8>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<2x4xf32>, tensor<4x8xf32>) outs(%z : tensor<2x8xf32>) -> tensor<2x8xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (tensor<2x8xf32>) {
    %s = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
        ins(%acc, %mm : tensor<2x8xf32>, tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
    ^bb0(%p: f32, %q: f32, %out: f32):
      %t = arith.addf %p, %q : f32
      linalg.yield %t : f32
    } -> tensor<2x8xf32>
    scf.yield %s : tensor<2x8xf32>
  }
  %z2 = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %mi = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%ai, %wi : tensor<2x4xi8>, tensor<4x8xi8>) outs(%z2 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %r2 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mi : tensor<2x8xf32>, tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %t = arith.addf %p, %q : f32
    linalg.yield %t : f32
  } -> tensor<2x8xf32>
  return %r, %r2 : tensor<2x8xf32>, tensor<2x8xf32>
}

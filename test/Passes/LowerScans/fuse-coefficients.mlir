// RUN: recur-opt %s --split-input-file --recur-lower-scans="chunk-size=4 fuse-coefficients=1" --canonicalize | FileCheck %s
// RUN: recur-opt %s --split-input-file --recur-lower-scans="chunk-size=4" --canonicalize | FileCheck %s --check-prefix=OFF
//
// With fuse-coefficients, a linear scan's coefficients that a map (a
// stateless recurrence) computes only for linear scans are computed again
// in phases 1 and 3 by a chunk-local copy of the map over the chunk's steps
// of its inputs; the [T, ...] map is gone. Without it, the map stays and
// the phases read its results. (Execution: every scan family of
// test/E2E compiles for the host with it, against numpy.)

// CHECK-LABEL: func.func @mingru(
// CHECK-NOT:     recur.recurrence {{.*}}seq(%arg0, %arg1 : tensor<?x?x8xf32>
// CHECK:         scf.forall
// CHECK:           %[[ZS:.*]] = tensor.extract_slice %arg0
// CHECK:           %[[CS:.*]] = tensor.extract_slice %arg1
// CHECK:           %[[AB:.*]]:2 = recur.recurrence seq(%[[ZS]], %[[CS]] : {{.*}}) {{.*}}recur.chunk_local
// CHECK:           recur.recurrence init({{.*}}) seq(%[[AB]]#0, %[[AB]]#1 :
// CHECK:         recur.linear_scan
// CHECK:         scf.forall
// CHECK:           recur.recurrence seq({{.*}}) {{.*}}recur.chunk_local
// CHECK:           recur.linear_scan diagonal
// OFF-LABEL: func.func @mingru(
// OFF:         %[[MAP:.*]]:2 = recur.recurrence seq(%arg0, %arg1 :
// OFF:         scf.forall
// OFF:           tensor.extract_slice %[[MAP]]#0
func.func @mingru(%z: tensor<?x?x8xf32>, %c: tensor<?x?x8xf32>, %h0: tensor<?x8xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x8xf32>) {
  %a, %b = recur.recurrence seq(%z, %c : tensor<?x?x8xf32>, tensor<?x?x8xf32>)
      -> tensor<?x?x8xf32>, tensor<?x?x8xf32> {
  ^bb0(%zt: tensor<?x8xf32>, %ct: tensor<?x8xf32>):
    %one = arith.constant 1.0 : f32
    %c0 = arith.constant 0 : index
    %n = tensor.dim %zt, %c0 : tensor<?x8xf32>
    %e = tensor.empty(%n) : tensor<?x8xf32>
    %ones = linalg.fill ins(%one : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
    %nz = arith.negf %zt : tensor<?x8xf32>
    %ex = math.exp %nz : tensor<?x8xf32>
    %den = arith.addf %ones, %ex : tensor<?x8xf32>
    %g = arith.divf %ones, %den : tensor<?x8xf32>
    %ag = arith.subf %ones, %g : tensor<?x8xf32>
    %bg = arith.mulf %g, %ct : tensor<?x8xf32>
    recur.yield %ag, %bg : tensor<?x8xf32>, tensor<?x8xf32>
  }
  %hs, %hT = recur.linear_scan diagonal a(%a : tensor<?x?x8xf32>) b(%b : tensor<?x?x8xf32>)
      init(%h0 : tensor<?x8xf32>) -> tensor<?x?x8xf32>, tensor<?x8xf32>
  return %hs, %hT : tensor<?x?x8xf32>, tensor<?x8xf32>
}

// -----

// The map's b is also an output: it stays, and the scan reads it.
// CHECK-LABEL: func.func @also_returned(
// CHECK:         %[[MAP:.*]]:2 = recur.recurrence seq(%arg0, %arg1 :
// CHECK:         scf.forall
// CHECK:           tensor.extract_slice %[[MAP]]#0
func.func @also_returned(%z: tensor<?x?x8xf32>, %c: tensor<?x?x8xf32>, %h0: tensor<?x8xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x8xf32>, tensor<?x?x8xf32>) {
  %a, %b = recur.recurrence seq(%z, %c : tensor<?x?x8xf32>, tensor<?x?x8xf32>)
      -> tensor<?x?x8xf32>, tensor<?x?x8xf32> {
  ^bb0(%zt: tensor<?x8xf32>, %ct: tensor<?x8xf32>):
    %ex = math.exp %zt : tensor<?x8xf32>
    %bg = arith.mulf %ex, %ct : tensor<?x8xf32>
    recur.yield %ex, %bg : tensor<?x8xf32>, tensor<?x8xf32>
  }
  %hs, %hT = recur.linear_scan diagonal a(%a : tensor<?x?x8xf32>) b(%b : tensor<?x?x8xf32>)
      init(%h0 : tensor<?x8xf32>) -> tensor<?x?x8xf32>, tensor<?x8xf32>
  return %hs, %hT, %b : tensor<?x?x8xf32>, tensor<?x8xf32>, tensor<?x?x8xf32>
}

// -----

// Review regression: the map's steps are static, b's are not; the states
// keep the op's (dynamic) type.
// CHECK-LABEL: func.func @static_map_dynamic_b(
// CHECK:         %[[S:.*]] = tensor.cast %{{.*}} : tensor<128x8xf32> to tensor<?x8xf32>
// CHECK:         return %[[S]]
func.func @static_map_dynamic_b(%z: tensor<128x8xf32>, %c: tensor<?x8xf32>, %h0: tensor<8xf32>)
    -> (tensor<?x8xf32>, tensor<8xf32>) {
  %a = recur.recurrence seq(%z : tensor<128x8xf32>) -> tensor<128x8xf32> {
  ^bb0(%zt: tensor<8xf32>):
    %e = math.exp %zt : tensor<8xf32>
    recur.yield %e : tensor<8xf32>
  }
  %hs, %hT = recur.linear_scan diagonal a(%a : tensor<128x8xf32>) b(%c : tensor<?x8xf32>)
      init(%h0 : tensor<8xf32>) -> tensor<?x8xf32>, tensor<8xf32>
  return %hs, %hT : tensor<?x8xf32>, tensor<8xf32>
}

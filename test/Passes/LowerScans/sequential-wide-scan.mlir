// RUN: recur-opt %s --split-input-file --recur-lower-scans="chunk-size=4 sequential-min-state=128" --canonicalize | FileCheck %s
//
// With sequential-min-state=N, a scalar or diagonal linear scan whose state
// has at least N statically known elements becomes one sequential
// recurrence (h = a_t * h + b_t per step) with the maps that make its
// coefficients inlined into its body; narrower scans and matrix structures
// are chunked as before. (Execution: differential.test runs half of its
// random modules with sequential-min-state=1; test/E2E compiles every scan
// family for the host, which uses 128, against numpy.)

// minGRU's shape: the map's body runs once per step inside the recurrence,
// on the steps of the map's inputs; no [T, ...] coefficient tensor remains.
// CHECK-LABEL: func.func @mingru(
// CHECK-NOT:     recur.linear_scan
// CHECK:         %[[R:.*]]:2 = recur.recurrence init(%arg2 : tensor<?x256xf32>) seq(%arg0, %arg1 : tensor<?x?x256xf32>, tensor<?x?x256xf32>) {recur.chunk_local}
// CHECK-NEXT:    ^bb0(%[[H:.*]]: tensor<?x256xf32>, %[[Z:.*]]: tensor<?x256xf32>, %[[C:.*]]: tensor<?x256xf32>):
// CHECK:           %[[A:.*]] = arith.negf %[[Z]]
// CHECK:           %[[B:.*]] = arith.mulf %[[A]], %[[C]]
// CHECK:           %[[N:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[H]], %[[B]] :
// CHECK:             arith.mulf
// CHECK:             arith.addf
// CHECK:           recur.yield %[[N]], %[[N]]
// CHECK-NOT:     recur.recurrence
// CHECK:         return %[[R]]#1, %[[R]]#0
func.func @mingru(%z: tensor<?x?x256xf32>, %c: tensor<?x?x256xf32>, %h0: tensor<?x256xf32>)
    -> (tensor<?x?x256xf32>, tensor<?x256xf32>) {
  %a, %b = recur.recurrence seq(%z, %c : tensor<?x?x256xf32>, tensor<?x?x256xf32>)
      -> tensor<?x?x256xf32>, tensor<?x?x256xf32> {
  ^bb0(%zt: tensor<?x256xf32>, %ct: tensor<?x256xf32>):
    %nz = arith.negf %zt : tensor<?x256xf32>
    %bg = arith.mulf %nz, %ct : tensor<?x256xf32>
    recur.yield %nz, %bg : tensor<?x256xf32>, tensor<?x256xf32>
  }
  %hs, %hT = recur.linear_scan diagonal a(%a : tensor<?x?x256xf32>) b(%b : tensor<?x?x256xf32>)
      init(%h0 : tensor<?x256xf32>) -> tensor<?x?x256xf32>, tensor<?x256xf32>
  return %hs, %hT : tensor<?x?x256xf32>, tensor<?x256xf32>
}

// -----

// Scalar structure: a_t broadcast over the unit; no init: zeros; reverse
// and seq_lens carry over (the recurrence means the same by them).
// CHECK-LABEL: func.func @scalar(
// CHECK:         %[[ZERO:.*]] = linalg.fill
// CHECK:         recur.recurrence init(%[[ZERO]] : tensor<4x64xf32>) seq(%arg0, %arg1 : tensor<?x4xf32>, tensor<?x4x64xf32>) seq_lens(%arg2 : tensor<4xi32>) {recur.chunk_local, reverse}
// CHECK-NEXT:    ^bb0(%[[H:.*]]: tensor<4x64xf32>, %[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4x64xf32>):
// CHECK:           linalg.generic {{.*}} ins(%[[A]], %[[H]], %[[B]] : tensor<4xf32>, tensor<4x64xf32>, tensor<4x64xf32>)
func.func @scalar(%a: tensor<?x4xf32>, %b: tensor<?x4x64xf32>, %lens: tensor<4xi32>)
    -> (tensor<?x4x64xf32>, tensor<4x64xf32>) {
  %hs, %hT = recur.linear_scan scalar a(%a : tensor<?x4xf32>) b(%b : tensor<?x4x64xf32>)
      seq_lens(%lens : tensor<4xi32>) {batch_dims = 1 : i64, reverse} -> tensor<?x4x64xf32>, tensor<4x64xf32>
  return %hs, %hT : tensor<?x4x64xf32>, tensor<4x64xf32>
}

// -----

// Fewer than 128 known elements (dynamic dimensions count as one): chunked.
// CHECK-LABEL: func.func @narrow(
// CHECK:         scf.forall
// CHECK:         recur.linear_scan
// CHECK-NOT:     recur.recurrence init
func.func @narrow(%a: tensor<?x?x64xf32>, %b: tensor<?x?x64xf32>)
    -> (tensor<?x?x64xf32>, tensor<?x64xf32>) {
  %hs, %hT = recur.linear_scan diagonal a(%a : tensor<?x?x64xf32>) b(%b : tensor<?x?x64xf32>)
      -> tensor<?x?x64xf32>, tensor<?x64xf32>
  return %hs, %hT : tensor<?x?x64xf32>, tensor<?x64xf32>
}

// -----

// A matrix transition is chunked however wide its state.
// CHECK-LABEL: func.func @dense(
// CHECK:         scf.forall
// CHECK-NOT:     recur.chunk_local, reverse
func.func @dense(%a: tensor<?x16x16xf32>, %b: tensor<?x16x16xf32>)
    -> (tensor<?x16x16xf32>, tensor<16x16xf32>) {
  %hs, %hT = recur.linear_scan dense a(%a : tensor<?x16x16xf32>) b(%b : tensor<?x16x16xf32>)
      -> tensor<?x16x16xf32>, tensor<16x16xf32>
  return %hs, %hT : tensor<?x16x16xf32>, tensor<16x16xf32>
}

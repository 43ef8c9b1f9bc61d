// RUN: recur-opt %s --split-input-file --recur-lower-scans="chunk-size=4 sequential-min-state=128" --canonicalize | FileCheck %s
//
// With sequential-min-state=N, a scalar or diagonal linear scan whose state
// has at least N statically known elements becomes one sequential
// recurrence (h = a_t * h + b_t per step) with the maps that make its
// coefficients, and the maps that read its stacked states, inlined into its
// body; narrower scans and matrix structures are chunked as before. (Execution: differential.test runs half of its
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
// CHECK:           %[[N:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[B]] : {{.*}}) outs(%[[H]] :
// CHECK:           ^bb0(%[[EA:.*]]: f32, %[[EB:.*]]: f32, %[[EH:.*]]: f32):
// CHECK:             %[[P:.*]] = arith.mulf %[[EA]], %[[EH]]
// CHECK:             arith.addf %[[P]], %[[EB]]
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
// CHECK:           linalg.generic {{.*}} ins(%[[A]], %[[B]] : tensor<4xf32>, tensor<4x64xf32>) outs(%[[H]] : tensor<4x64xf32>)
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

// -----

// A map that reads the stacked states (Mamba's readout y_t = sum_n h_t C_t)
// runs in the recurrence on each new state: its output replaces the
// stacked states, which nothing else reads and which are no longer made.
// CHECK-LABEL: func.func @readout(
// CHECK:         %[[R:.*]]:2 = recur.recurrence init(%arg2 : tensor<16x8xf32>) seq(%arg0, %arg1, %arg3 : tensor<?x16x8xf32>, tensor<?x16x8xf32>, tensor<?x8xf32>) {recur.chunk_local} -> tensor<16x8xf32>, tensor<?x16xf32>
// CHECK-NEXT:    ^bb0(%[[H:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<16x8xf32>, %[[B:.*]]: tensor<16x8xf32>, %[[C:.*]]: tensor<8xf32>):
// CHECK:           %[[N:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[B]] : {{.*}}) outs(%[[H]] :
// CHECK:           %[[Y:.*]] = linalg.generic {{.*}} ins(%[[N]], %[[C]] :
// CHECK:           recur.yield %[[N]], %[[Y]] : tensor<16x8xf32>, tensor<16xf32>
// CHECK-NOT:     recur.recurrence
// CHECK:         return %[[R]]#1, %[[R]]#0
func.func @readout(%a: tensor<?x16x8xf32>, %b: tensor<?x16x8xf32>, %h0: tensor<16x8xf32>, %c: tensor<?x8xf32>)
    -> (tensor<?x16xf32>, tensor<16x8xf32>) {
  %hs, %hT = recur.linear_scan diagonal a(%a : tensor<?x16x8xf32>) b(%b : tensor<?x16x8xf32>)
      init(%h0 : tensor<16x8xf32>) -> tensor<?x16x8xf32>, tensor<16x8xf32>
  %ys = recur.recurrence seq(%hs, %c : tensor<?x16x8xf32>, tensor<?x8xf32>) -> tensor<?x16xf32> {
  ^bb0(%h: tensor<16x8xf32>, %ct: tensor<8xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<16xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
        ins(%h, %ct : tensor<16x8xf32>, tensor<8xf32>) outs(%z : tensor<16xf32>) {
    ^bb0(%x: f32, %w: f32, %acc: f32):
      %m = arith.mulf %x, %w : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
    } -> tensor<16xf32>
    recur.yield %y : tensor<16xf32>
  }
  return %ys, %hT : tensor<?x16xf32>, tensor<16x8xf32>
}

// -----

// The stacked states are also returned: they stay an output, next to the
// readout's.
// CHECK-LABEL: func.func @readout_and_states(
// CHECK:         %[[R:.*]]:3 = recur.recurrence {{.*}} -> tensor<16x8xf32>, tensor<?x16x8xf32>, tensor<?x16x8xf32>
// CHECK:           recur.yield %[[N:.*]], %[[N]], %{{.*}} :
// CHECK-NOT:     recur.recurrence
// CHECK:         return %[[R]]#2, %[[R]]#1
func.func @readout_and_states(%a: tensor<?x16x8xf32>, %b: tensor<?x16x8xf32>)
    -> (tensor<?x16x8xf32>, tensor<?x16x8xf32>) {
  %hs, %hT = recur.linear_scan diagonal a(%a : tensor<?x16x8xf32>) b(%b : tensor<?x16x8xf32>)
      -> tensor<?x16x8xf32>, tensor<16x8xf32>
  %ys = recur.recurrence seq(%hs : tensor<?x16x8xf32>) -> tensor<?x16x8xf32> {
  ^bb0(%h: tensor<16x8xf32>):
    %t = math.tanh %h : tensor<16x8xf32>
    recur.yield %t : tensor<16x8xf32>
  }
  return %ys, %hs : tensor<?x16x8xf32>, tensor<?x16x8xf32>
}

// -----

// Under sequence lengths the readout stays a map of its own: inside the
// recurrence it would see zeros at masked steps, where the map sees the
// zero states and may compute something else (here tanh(h) + 1).
// CHECK-LABEL: func.func @readout_masked(
// CHECK:         %[[R:.*]]:2 = recur.recurrence {{.*}} seq_lens
// CHECK:         recur.recurrence seq(%[[R]]#1 :
func.func @readout_masked(%a: tensor<?x4x64xf32>, %b: tensor<?x4x64xf32>, %lens: tensor<4xi32>)
    -> tensor<?x4x64xf32> {
  %hs, %hT = recur.linear_scan diagonal a(%a : tensor<?x4x64xf32>) b(%b : tensor<?x4x64xf32>)
      seq_lens(%lens : tensor<4xi32>) -> tensor<?x4x64xf32>, tensor<4x64xf32>
  %ys = recur.recurrence seq(%hs : tensor<?x4x64xf32>) -> tensor<?x4x64xf32> {
  ^bb0(%h: tensor<4x64xf32>):
    %one = arith.constant dense<1.0> : tensor<4x64xf32>
    %t = math.tanh %h : tensor<4x64xf32>
    %y = arith.addf %t, %one : tensor<4x64xf32>
    recur.yield %y : tensor<4x64xf32>
  }
  return %ys : tensor<?x4x64xf32>
}

// -----

// Under sequence lengths every step slice of the recurrence needs the batch
// first: a scalar `a` without batch_dims has a rank-0 step, so the scan is
// chunked instead.
// CHECK-LABEL: func.func @scalar_masked_no_batch(
// CHECK:         scf.forall
// CHECK-NOT:     recur.recurrence init({{.*}}) seq(%arg0, %arg1
func.func @scalar_masked_no_batch(%a: tensor<?xf32>, %b: tensor<?x4x64xf32>, %lens: tensor<4xi32>)
    -> (tensor<?x4x64xf32>, tensor<4x64xf32>) {
  %hs, %hT = recur.linear_scan scalar a(%a : tensor<?xf32>) b(%b : tensor<?x4x64xf32>)
      seq_lens(%lens : tensor<4xi32>) -> tensor<?x4x64xf32>, tensor<4x64xf32>
  return %hs, %hT : tensor<?x4x64xf32>, tensor<4x64xf32>
}

// -----

// A consumer map with a scan of its own inside is inlined with it; the
// inner scan, erased with the map, is not visited again (it was collected
// before the rewrite). It is narrow, so it stays a scan, chunked per step.
// CHECK-LABEL: func.func @nested_scan_in_consumer(
// CHECK:         recur.recurrence init(%arg2 : tensor<16x8xf32>) seq(%arg0, %arg1 :
// CHECK:           recur.linear_scan diagonal
// CHECK:           recur.yield
// CHECK-NOT:     recur.recurrence
func.func @nested_scan_in_consumer(%a: tensor<?x16x8xf32>, %b: tensor<?x16x8xf32>, %h0: tensor<16x8xf32>)
    -> (tensor<?x8xf32>, tensor<16x8xf32>) {
  %hs, %hT = recur.linear_scan diagonal a(%a : tensor<?x16x8xf32>) b(%b : tensor<?x16x8xf32>)
      init(%h0 : tensor<16x8xf32>) -> tensor<?x16x8xf32>, tensor<16x8xf32>
  %ys = recur.recurrence seq(%hs : tensor<?x16x8xf32>) -> tensor<?x8xf32> {
  ^bb0(%h: tensor<16x8xf32>):
    %s, %l = recur.linear_scan diagonal a(%h : tensor<16x8xf32>) b(%h : tensor<16x8xf32>) -> tensor<16x8xf32>, tensor<8xf32>
    recur.yield %l : tensor<8xf32>
  }
  return %ys, %hT : tensor<?x8xf32>, tensor<16x8xf32>
}

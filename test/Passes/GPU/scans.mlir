// RUN: recur-opt %s --split-input-file --recur-gpu-scans --canonicalize | FileCheck %s
//
// Diagonal and scalar linear scans become calls of declarations the GPU
// pipeline gives a block-level scan kernel; a coefficient computed
// elementwise by a stateless recurrence is fused: the call takes the
// recurrence's sequences and a scalar function computes the coefficient in
// the kernel's loads.

// CHECK-LABEL: func.func private @__recur_gpu_scan_0(
// CHECK-SAME:    tensor<4xf32> {bufferization.access = "read"}, tensor<8x4xf32> {bufferization.access = "read"}, tensor<8x4xf32> {bufferization.access = "read"})
// CHECK-SAME:    -> (tensor<8x4xf32>, tensor<4xf32>)
// CHECK-SAME:    recur.gpu_scan = {a_fn = @__recur_gpu_scan_0_a, a_inputs = 1 : i64, b_fn, b_inputs = 1 : i64, per_batch = 0 : i64, reverse = false, time_axis = 0 : i64, unit = 1 : i64}
// CHECK-LABEL: func.func private @__recur_gpu_scan_0_a(%{{.*}}: f32) -> f32
// CHECK:         %[[NEG:.*]] = arith.negf
// CHECK:         %[[E:.*]] = math.exp %[[NEG]]
// CHECK:         return %[[E]] : f32
// CHECK-LABEL: func.func @fused(
// CHECK-SAME:    %[[Z:.*]]: tensor<8x4xf32>, %[[B:.*]]: tensor<8x4xf32>, %[[H0:.*]]: tensor<4xf32>)
// CHECK-NOT:     recur.recurrence
// CHECK:         %[[R:.*]]:2 = call @__recur_gpu_scan_0(%[[H0]], %[[Z]], %[[B]])
// CHECK:         return %[[R]]#0, %[[R]]#1
func.func @fused(%z: tensor<8x4xf32>, %b: tensor<8x4xf32>, %h0: tensor<4xf32>)
    -> (tensor<8x4xf32>, tensor<4xf32>) {
  %a = recur.recurrence seq(%z : tensor<8x4xf32>) -> tensor<8x4xf32> {
  ^bb0(%zt: tensor<4xf32>):
    %e = tensor.empty() : tensor<4xf32>
    %g = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                         iterator_types = ["parallel"]}
        ins(%zt : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %n = arith.negf %in : f32
      %x = math.exp %n : f32
      linalg.yield %x : f32
    } -> tensor<4xf32>
    recur.yield %g : tensor<4xf32>
  }
  %hs, %last = recur.linear_scan diagonal a(%a : tensor<8x4xf32>)
      b(%b : tensor<8x4xf32>) init(%h0 : tensor<4xf32>)
      -> tensor<8x4xf32>, tensor<4xf32>
  return %hs, %last : tensor<8x4xf32>, tensor<4xf32>
}

// -----

// A recurrence with a capture (a broadcast weight) is not fused: the call
// takes the coefficient itself. Dense transitions are left to the chunked
// scans.
// CHECK-LABEL: func.func @not_fused(
// CHECK:         %[[A:.*]] = recur.recurrence
// CHECK:         call @__recur_gpu_scan_{{[0-9]+}}(%{{.*}}, %[[A]], %{{.*}})
// CHECK:         recur.linear_scan dense
func.func @not_fused(%z: tensor<8x4xf32>, %w: tensor<4xf32>, %b: tensor<8x4xf32>,
                     %h0: tensor<4xf32>, %m: tensor<8x4x4xf32>)
    -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %a = recur.recurrence seq(%z : tensor<8x4xf32>) captures(%w : tensor<4xf32>)
      -> tensor<8x4xf32> {
  ^bb0(%zt: tensor<4xf32>, %wc: tensor<4xf32>):
    %p = arith.mulf %zt, %wc : tensor<4xf32>
    recur.yield %p : tensor<4xf32>
  }
  %hs, %last = recur.linear_scan diagonal a(%a : tensor<8x4xf32>)
      b(%b : tensor<8x4xf32>) init(%h0 : tensor<4xf32>)
      -> tensor<8x4xf32>, tensor<4xf32>
  %ds, %dl = recur.linear_scan dense a(%m : tensor<8x4x4xf32>)
      b(%b : tensor<8x4xf32>) init(%h0 : tensor<4xf32>)
      -> tensor<8x4xf32>, tensor<4xf32>
  return %hs, %ds : tensor<8x4xf32>, tensor<8x4xf32>
}

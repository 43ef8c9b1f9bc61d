// RUN: recur-opt %s --split-input-file --recur-host-interchange-contractions | FileCheck %s
//
// Matmul-like ops on buffers become an scf.parallel over 8x256 output tiles
// whose tile loops run (k, i, j): the reduction outside, the output's
// contiguous dimension innermost, so the inner loop vectorizes.

// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d1, d0)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @matmul(
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step (%{{.*}}, %{{.*}})
// CHECK:           linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["reduction", "parallel", "parallel"]}
// CHECK-NOT:     linalg.matmul
func.func @matmul(%a: memref<?x64xf32>, %b: memref<64x512xf32>, %c: memref<?x512xf32>) {
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x512xf32>) outs(%c : memref<?x512xf32>)
  return
}

// -----

// Batched: the batch dimension is tiled one at a time.
// CHECK-LABEL: func.func @batch_matmul(
// CHECK:         scf.parallel
// CHECK:           linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "parallel", "parallel"]
func.func @batch_matmul(%a: memref<4x?x64xf32>, %b: memref<4x64x32xf32>, %c: memref<4x?x32xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<4x?x64xf32>, memref<4x64x32xf32>) outs(%c : memref<4x?x32xf32>)
  return
}

// -----

// Left alone: a matvec (its matrix would stride along the inner loop), and
// ops on tensors.
// CHECK-LABEL: func.func @matvec(
// CHECK:         linalg.matvec
// CHECK:         linalg.matmul
func.func @matvec(%a: memref<8x64xf32>, %x: memref<64xf32>, %y: memref<8xf32>,
                  %t: tensor<8x64xf32>, %u: tensor<64x8xf32>, %v: tensor<8x8xf32>) -> tensor<8x8xf32> {
  linalg.matvec ins(%a, %x : memref<8x64xf32>, memref<64xf32>) outs(%y : memref<8xf32>)
  %r = linalg.matmul ins(%t, %u : tensor<8x64xf32>, tensor<64x8xf32>) outs(%v : tensor<8x8xf32>) -> tensor<8x8xf32>
  return %r : tensor<8x8xf32>
}

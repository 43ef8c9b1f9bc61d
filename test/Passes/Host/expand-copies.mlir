// RUN: recur-opt %s --recur-host-expand-copies | FileCheck %s
//
// Copies finalize-memref-to-llvm would hand to memrefCopy (MLIR's runner
// library) become linalg.copy; contiguous ones stay llvm.memcpy material.

// CHECK-LABEL: func.func @copies(
// CHECK-SAME:      %[[A:.*]]: memref<?x4xf32>, %[[B:.*]]: memref<?x4xf32>, %[[C:.*]]: memref<8x4xf32>)
func.func @copies(%a: memref<?x4xf32>, %b: memref<?x4xf32>, %c: memref<8x4xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %a, %c0 : memref<?x4xf32>
  // CHECK:         memref.copy %[[A]], %[[B]] : memref<?x4xf32> to memref<?x4xf32>
  memref.copy %a, %b : memref<?x4xf32> to memref<?x4xf32>
  // A static, contiguous subview: still a memcpy.
  // CHECK:         %[[ROWS:.*]] = memref.subview %[[C]][0, 0] [2, 4]
  // CHECK:         %[[ROWS2:.*]] = memref.subview %[[C]][4, 0] [2, 4]
  // CHECK:         memref.copy %[[ROWS]], %[[ROWS2]]
  %rows = memref.subview %c[0, 0] [2, 4] [1, 1] : memref<8x4xf32> to memref<2x4xf32, strided<[4, 1]>>
  %rows2 = memref.subview %c[4, 0] [2, 4] [1, 1] : memref<8x4xf32> to memref<2x4xf32, strided<[4, 1], offset: 16>>
  memref.copy %rows, %rows2 : memref<2x4xf32, strided<[4, 1]>> to memref<2x4xf32, strided<[4, 1], offset: 16>>
  // A dynamic slot: strided.
  // CHECK:         %[[SLOT:.*]] = memref.subview %[[C]]
  // CHECK:         linalg.copy ins(%[[A]] : memref<?x4xf32>) outs(%[[SLOT]] : memref<?x4xf32, strided<[4, 1], offset: ?>>)
  // CHECK-NOT:     memref.copy
  %slot = memref.subview %c[%c0, 0] [%n, 4] [1, 1] : memref<8x4xf32> to memref<?x4xf32, strided<[4, 1], offset: ?>>
  memref.copy %a, %slot : memref<?x4xf32> to memref<?x4xf32, strided<[4, 1], offset: ?>>
  return
}

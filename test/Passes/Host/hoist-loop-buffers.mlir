// RUN: recur-opt %s --split-input-file --recur-host-hoist-loop-buffers | FileCheck %s
//
// Temporaries of a sequential loop's body, freed in the same iteration, are
// allocated once around the loop; their sizes move out with them.

// CHECK-LABEL: func.func @steps(
// CHECK-SAME:      %[[X:.*]]: memref<?x?x8xf32>, %[[H:.*]]: memref<?x8xf32>
// CHECK:         %[[B:.*]] = memref.dim %[[X]], %c1
// CHECK:         %[[TMP:.*]] = memref.alloc(%[[B]])
// CHECK:         scf.for
// CHECK-NOT:       memref.alloc
// CHECK-NOT:       memref.dealloc
// CHECK:         }
// CHECK:         memref.dealloc %[[TMP]]
func.func @steps(%x: memref<?x?x8xf32>, %h: memref<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %t = memref.dim %x, %c0 : memref<?x?x8xf32>
  scf.for %i = %c0 to %t step %c1 {
    %b = memref.dim %x, %c1 : memref<?x?x8xf32>
    %tmp = memref.alloc(%b) : memref<?x8xf32>
    %xt = memref.subview %x[%i, 0, 0] [1, %b, 8] [1, 1, 1] : memref<?x?x8xf32> to memref<?x8xf32, strided<[8, 1], offset: ?>>
    memref.copy %xt, %tmp : memref<?x8xf32, strided<[8, 1], offset: ?>> to memref<?x8xf32>
    memref.copy %tmp, %h : memref<?x8xf32> to memref<?x8xf32>
    memref.dealloc %tmp : memref<?x8xf32>
  }
  return
}

// -----

// A loop-carried state yielded as a fresh buffer of the state's shape: its
// dim is the initial state's, so the temporary sized by it moves out; the
// state's own buffer (yielded, not freed here) stays.
// CHECK-LABEL: func.func @state(
// CHECK-SAME:      %[[H0:.*]]: memref<?x8xf32>
// CHECK:         %[[B:.*]] = memref.dim %[[H0]], %c0
// CHECK:         %[[TMP:.*]] = memref.alloc(%[[B]])
// CHECK:         scf.for
// CHECK:           memref.alloc(%[[B]])
// CHECK-NOT:       memref.dealloc %[[TMP]]
// CHECK:         memref.dealloc %[[TMP]]
func.func @state(%h0: memref<?x8xf32>, %n: index) -> memref<?x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%h = %h0) -> (memref<?x8xf32>) {
    %b = memref.dim %h, %c0 : memref<?x8xf32>
    %tmp = memref.alloc(%b) : memref<?x8xf32>
    memref.copy %h, %tmp : memref<?x8xf32> to memref<?x8xf32>
    %next = memref.alloc(%b) : memref<?x8xf32>
    memref.copy %tmp, %next : memref<?x8xf32> to memref<?x8xf32>
    memref.dealloc %tmp : memref<?x8xf32>
    scf.yield %next : memref<?x8xf32>
  }
  return %r : memref<?x8xf32>
}

// -----

// Not out of parallel loops: each iteration needs its own buffer.
// CHECK-LABEL: func.func @parallel(
// CHECK:         scf.parallel
// CHECK:           memref.alloc
// CHECK:           memref.dealloc
func.func @parallel(%n: index, %out: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %tmp = memref.alloc() : memref<4xf32>
    %row = memref.subview %out[%i, 0] [1, 4] [1, 1] : memref<?x4xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.copy %tmp, %row : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.dealloc %tmp : memref<4xf32>
    scf.reduce
  }
  return
}

// -----

// The state's next buffer allocated with the size its first one was made
// with (a subview of the size %b, from before the loop; the yield goes
// through a cast): the temporary sized by the state's dim is sized %b and
// moves out.
// CHECK-LABEL: func.func @state_size_from_outside(
// CHECK-SAME:      %[[B:[^:]*]]: index
// CHECK:         %[[TMP:.*]] = memref.alloc(%[[B]])
// CHECK:         scf.for
// CHECK-NOT:       memref.dim
// CHECK:           memref.alloc(%[[B]])
// CHECK-NOT:       memref.dealloc %[[TMP]]
// CHECK:         memref.dealloc %[[TMP]]
func.func @state_size_from_outside(%b: index, %n: index) -> memref<?x8xf32, strided<[?, ?], offset: ?>> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %all = memref.alloc(%b) : memref<1x?x8xf32>
  %first = memref.subview %all[0, 0, 0] [1, %b, 8] [1, 1, 1] : memref<1x?x8xf32> to memref<?x8xf32, strided<[8, 1]>>
  %h0 = memref.cast %first : memref<?x8xf32, strided<[8, 1]>> to memref<?x8xf32, strided<[?, ?], offset: ?>>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%h = %h0) -> (memref<?x8xf32, strided<[?, ?], offset: ?>>) {
    %d = memref.dim %h, %c0 : memref<?x8xf32, strided<[?, ?], offset: ?>>
    %tmp = memref.alloc(%d) : memref<?x8xf32>
    memref.copy %h, %tmp : memref<?x8xf32, strided<[?, ?], offset: ?>> to memref<?x8xf32>
    %next = memref.alloc(%b) : memref<?x8xf32>
    memref.copy %tmp, %next : memref<?x8xf32> to memref<?x8xf32>
    memref.dealloc %tmp : memref<?x8xf32>
    %cast = memref.cast %next : memref<?x8xf32> to memref<?x8xf32, strided<[?, ?], offset: ?>>
    scf.yield %cast : memref<?x8xf32, strided<[?, ?], offset: ?>>
  }
  return %r : memref<?x8xf32, strided<[?, ?], offset: ?>>
}

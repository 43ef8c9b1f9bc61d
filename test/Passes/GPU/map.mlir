// RUN: recur-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(recur-gpu-map))' --verify-diagnostics | FileCheck %s
//
// Every access to tensor data moves into a gpu.launch; the host keeps only
// sizes, allocations and launches.

// A parallel loop: one thread per iteration (linearized, last dimension
// fastest) in blocks of 256, launched only when there is an iteration.
// CHECK-LABEL: func.func @fill
// CHECK:       %[[N:.*]] = arith.muli
// CHECK:       %[[ANY:.*]] = arith.cmpi sgt, %[[N]]
// CHECK:       scf.if %[[ANY]] {
// CHECK:         %[[C256:.*]] = arith.constant 256 : index
// CHECK:         %[[GRID:.*]] = arith.ceildivui %[[N]], %[[C256]]
// CHECK:         gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[GRID]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C256]],
// CHECK:           %[[BASE:.*]] = arith.muli %[[BX]], %[[C256]]
// CHECK:           %[[ID:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK:           %[[IN:.*]] = arith.cmpi ult, %[[ID]], %[[N]]
// CHECK:           scf.if %[[IN]] {
// CHECK:             %[[J:.*]] = arith.remui %[[ID]]
// CHECK:             %[[I:.*]] = arith.divui %[[ID]]
// CHECK:             memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}]
// CHECK:           gpu.terminator
// CHECK-NOT:   scf.parallel
func.func @fill(%buf: memref<?x4xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %n = memref.dim %buf, %c0 : memref<?x4xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c4) step (%c1, %c1) {
    memref.store %x, %buf[%i, %j] : memref<?x4xf32>
  }
  return
}

// -----

// A sequential loop with no parallel loop inside runs whole in one thread;
// the buffer it allocates per iteration of the parallel loop becomes a slice
// of one buffer allocated (and freed) around the launch.
// CHECK-LABEL: func.func @private_buffers
// CHECK:       memref.alloc(%{{.*}}) : memref<?x8xf32>
// CHECK:       gpu.launch
// CHECK:         memref.subview %{{.*}}[%{{.*}}, 0] [1, 8] [1, 1] : memref<?x8xf32> to memref<8xf32, strided<[1], offset: ?>>
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.dealloc
// CHECK:         gpu.terminator
// CHECK:       memref.dealloc %{{.*}} : memref<?x8xf32>
// CHECK:       gpu.launch blocks(%{{.*}}) in (%{{.*}} = %c1{{.*}}) threads(%{{.*}}) in (%{{.*}} = %c1
// CHECK:         scf.for
// CHECK:       return
func.func @private_buffers(%out: memref<?x8xf32>, %acc: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?x8xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %tmp = memref.alloc() : memref<8xf32>
    scf.for %j = %c0 to %c8 step %c1 {
      memref.store %cst, %tmp[%j] : memref<8xf32>
    }
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %tmp[%j] : memref<8xf32>
      memref.store %v, %out[%i, %j] : memref<?x8xf32>
    }
    memref.dealloc %tmp : memref<8xf32>
    scf.reduce
  }
  scf.for %j = %c0 to %c8 step %c1 {
    %v = memref.load %acc[%j] : memref<8xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %acc[%j] : memref<8xf32>
  }
  return
}

// -----

// Shape buffers of memref.reshape stay with the driver (its stack); small
// constants become device buffers written by a kernel.
// CHECK-LABEL: func.func @reshape
// CHECK:       %[[SHAPE:.*]] = memref.alloca() : memref<2xindex>
// CHECK:       %[[K:.*]] = memref.alloc() : memref<4xf32>
// CHECK:       gpu.launch
// CHECK-COUNT-4: memref.store %{{.*}}, %[[K]][%{{.*}}] : memref<4xf32>
// CHECK:       memref.store %{{.*}}, %[[SHAPE]][%{{.*}}] : memref<2xindex>
// CHECK-NOT:   gpu.launch
// CHECK:       memref.reshape %{{.*}}(%[[SHAPE]])
memref.global "private" constant @k : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @reshape(%x: memref<4xf32>) -> (memref<2x2xf32>, memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %k = memref.get_global @k : memref<4xf32>
  %shape = memref.alloc() : memref<2xindex>
  memref.store %c2, %shape[%c0] : memref<2xindex>
  memref.store %c2, %shape[%c1] : memref<2xindex>
  %r = memref.reshape %x(%shape) : (memref<4xf32>, memref<2xindex>) -> memref<2x2xf32>
  return %r, %k : memref<2x2xf32>, memref<4xf32>
}

// -----

func.func @host_read(%x: memref<4xindex>) -> index {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{GPU targets: the host would read tensor data here ('memref.load' produces a value the host needs); not supported yet}}
  %n = memref.load %x[%c0] : memref<4xindex>
  return %n : index
}

// -----

// A privatized buffer freed through a view of it: no thread frees it (the
// host does, after the kernel). A review found the view's dealloc left in
// the kernel: every thread freed the shared buffer.
// CHECK-LABEL: func.func @free_view
// CHECK:       %[[BIG:.*]] = memref.alloc(%{{.*}}) : memref<?x4xf32>
// CHECK:       gpu.launch
// CHECK-NOT:     memref.dealloc
// CHECK:         gpu.terminator
// CHECK:       memref.dealloc %[[BIG]] : memref<?x4xf32>
func.func @free_view(%n: index, %out: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %a = memref.alloc() : memref<4xf32>
    %v = memref.cast %a : memref<4xf32> to memref<?xf32, strided<[1], offset: ?>>
    memref.store %f, %v[%c0] : memref<?xf32, strided<[1], offset: ?>>
    %x = memref.load %a[%c0] : memref<4xf32>
    memref.store %x, %out[%i, %c0] : memref<?x4xf32>
    memref.dealloc %v : memref<?xf32, strided<[1], offset: ?>>
    scf.reduce
  }
  return
}

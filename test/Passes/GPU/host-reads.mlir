// RUN: recur-opt %s --recur-gpu-host-reads | FileCheck %s
// RUN: recur-opt %s --pass-pipeline='builtin.module(recur-gpu-host-reads,func.func(recur-gpu-map))' -o /dev/null
//
// A float of device memory that decides the driver's control flow (here a
// loop's condition, as Newton's convergence test) is copied to a slot on
// the driver's stack, created once in the entry block; other loads stay
// (--recur-gpu-map puts them into kernels).

// CHECK-LABEL: func.func @loop(
// CHECK:         %[[SLOT:.*]] = memref.alloca() : memref<f32>
// CHECK:         scf.while
// CHECK:           scf.parallel
// CHECK:             memref.store
// CHECK:           %[[BASE:.*]] = memref.extract_aligned_pointer_as_index %{{.*}} : memref<f32> -> index
// CHECK:           %[[SRC:.*]] = llvm.inttoptr
// CHECK:           memref.extract_aligned_pointer_as_index %[[SLOT]]
// CHECK:           %[[DST:.*]] = llvm.inttoptr
// CHECK:           %[[FOUR:.*]] = arith.constant 4 : i64
// CHECK:           call @__recur_device_read(%[[DST]], %[[SRC]], %[[FOUR]]) : (!llvm.ptr, !llvm.ptr, i64) -> ()
// CHECK:           %[[R:.*]] = memref.load %[[SLOT]][] : memref<f32>
// CHECK:           arith.cmpf olt, %[[R]]
// CHECK:           scf.condition
func.func @loop(%n: index) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %tol = arith.constant 1.0e-3 : f32
  %out = memref.alloc() : memref<4xf32>
  %r = memref.alloc() : memref<f32>
  %k = scf.while (%i = %c0) : (index) -> index {
    scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
      %v = arith.index_cast %i : index to i32
      %f = arith.sitofp %v : i32 to f32
      memref.store %f, %out[%j] : memref<4xf32>
      scf.reduce
    }
    %f = arith.constant 0.5 : f32
    memref.store %f, %r[] : memref<f32>
    %x = memref.load %r[] : memref<f32>
    %ok = arith.cmpf olt, %x, %tol : f32
    %more = arith.cmpi slt, %i, %n : index
    %go = arith.andi %ok, %more : i1
    scf.condition(%go) %i : index
  } do {
  ^bb0(%i: index):
    %next = arith.addi %i, %c1 : index
    scf.yield %next : index
  }
  memref.dealloc %r : memref<f32>
  return %out : memref<4xf32>
}

// A load whose value only goes back into device memory stays.
// CHECK-LABEL: func.func @copy(
// CHECK-NOT:     __recur_device_read
// CHECK:         memref.load
// CHECK:         memref.store
func.func @copy(%a: memref<f32>, %b: memref<f32>) {
  %x = memref.load %a[] : memref<f32>
  memref.store %x, %b[] : memref<f32>
  return
}

// The declaration, once.
// CHECK:       func.func private @__recur_device_read(!llvm.ptr, !llvm.ptr, i64)

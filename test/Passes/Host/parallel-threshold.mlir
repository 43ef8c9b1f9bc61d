// RUN: recur-opt %s --recur-outline-host-parallel=min-parallel-work=1000 | FileCheck %s
// RUN: recur-opt %s --recur-outline-host-parallel=min-parallel-work=1000 --recur-host-mark-entries --convert-scf-to-cf --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts --recur-host-abi | FileCheck %s --check-prefix=ABI
// RUN: recur-opt %s --recur-outline-host-parallel=min-parallel-work=0 | FileCheck %s --check-prefix=ALWAYS
//
// A launch whose loop does too little work for the pool records the
// smallest iteration count worth one; --recur-host-abi's launch runs
// smaller loops on the calling thread.

// The first loop's iteration is 2 ops (store, reduce): 500 iterations are
// worth a launch. The second's runs a 1024-trip inner loop: always.
// CHECK-LABEL: func.func @work(
// CHECK:       func.func private @__recur_par_launch_0(
// CHECK-SAME:      recur.host_parallel_min_iterations = 500 : i64
// CHECK:       func.func private @__recur_par_launch_1(
// CHECK-NOT:       recur.host_parallel_min_iterations
// CHECK-SAME:      {recur.host_parallel_body = @__recur_par_body_1}
// ALWAYS-NOT:  recur.host_parallel_min_iterations

// ABI-LABEL:   llvm.func internal @__recur_par_launch_0(
// ABI-SAME:        %[[N:[^:]*]]: i64
// ABI:           %[[ENV:.*]] = llvm.load
// ABI:           %[[NOENV:.*]] = llvm.icmp "eq" %[[ENV]]
// ABI:           %[[MIN:.*]] = llvm.mlir.constant(500 : i64)
// ABI:           %[[SMALL:.*]] = llvm.icmp "slt" %[[N]], %[[MIN]]
// ABI:           %[[INLINE:.*]] = llvm.or %[[NOENV]], %[[SMALL]]
// ABI:           llvm.cond_br %[[INLINE]]
// ABI-LABEL:   llvm.func internal @__recur_par_launch_1(
// ABI-NOT:       llvm.icmp "slt"
// ABI:           llvm.return
func.func @work(%buf: memref<?xf32>, %big: memref<?x1024xf32>) {
  %x = arith.constant 2.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1024 = arith.constant 1024 : index
  %n = memref.dim %buf, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %buf[%i] : memref<?xf32>
    scf.reduce
  }
  %m = memref.dim %big, %c0 : memref<?x1024xf32>
  scf.parallel (%i) = (%c0) to (%m) step (%c1) {
    scf.for %j = %c0 to %c1024 step %c1 {
      memref.store %x, %big[%i, %j] : memref<?x1024xf32>
    }
    scf.reduce
  }
  return
}

// RUN: recur-opt %s --recur-host-mark-entries --convert-scf-to-cf --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts --recur-host-abi | FileCheck %s
//
// --recur-host-abi on lowered code: entries for functions with 0, 1 and 2
// results, launches with and without captures, the version, and linkage.

// The env of the running entry, one per thread.
// CHECK:       llvm.mlir.global internal thread_local @__recur_env() {{.*}} : !llvm.ptr
// CHECK-NEXT:    %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT:    llvm.return %[[NULL]]

// User functions and their C wrappers are internal.
// CHECK-LABEL: llvm.func internal @none(
// CHECK-LABEL: llvm.func internal @_mlir_ciface_none(
// CHECK-LABEL: llvm.func internal @one(
// CHECK-LABEL: llvm.func internal @_mlir_ciface_one(
// CHECK-LABEL: llvm.func internal @two(
// CHECK-LABEL: llvm.func internal @_mlir_ciface_two(
// CHECK-LABEL: llvm.func internal @launches(
// CHECK:         llvm.call @__recur_par_launch_0(
// CHECK:         llvm.call @__recur_par_launch_1(

// The launch stores its captures (a memref descriptor, expanded, and an f32)
// and its env in a stack struct and hands the thunk to env->parallel_for, or
// with no env runs all n iterations itself.
// CHECK-LABEL: llvm.func internal @__recur_par_launch_0(
// CHECK-SAME:      %[[N:[^:]*]]: i64, %[[A0:[^:]*]]: !llvm.ptr, %{{[^:]*}}: !llvm.ptr, %{{[^:]*}}: i64, %{{[^:]*}}: i64, %{{[^:]*}}: i64, %[[A5:[^:]*]]: f32)
// CHECK-NOT:     recur.host_parallel_body
// CHECK:         %[[DATA:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, ptr, i64, i64, i64, f32, ptr)>
// CHECK:         %[[F0:.*]] = llvm.getelementptr %[[DATA]][0, 0]
// CHECK:         llvm.store %[[A0]], %[[F0]]
// CHECK:         %[[F5:.*]] = llvm.getelementptr %[[DATA]][0, 5]
// CHECK:         llvm.store %[[A5]], %[[F5]] : f32, !llvm.ptr
// CHECK:         %[[G:.*]] = llvm.mlir.addressof @__recur_env
// CHECK:         %[[SLOT:.*]] = "llvm.intr.threadlocal.address"(%[[G]])
// CHECK:         %[[ENV:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[FENV:.*]] = llvm.getelementptr %[[DATA]][0, 6]
// CHECK:         llvm.store %[[ENV]], %[[FENV]] : !llvm.ptr, !llvm.ptr
// CHECK:         %[[NOENV:.*]] = llvm.icmp "eq" %[[ENV]], %{{.*}} : !llvm.ptr
// CHECK:         llvm.cond_br %[[NOENV]], ^[[SEQ:.*]], ^[[PAR:[^ ]*]]
// CHECK:       ^[[PAR]]:
// CHECK:         %[[CTX:.*]] = llvm.load %[[ENV]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[FORSLOT:.*]] = llvm.getelementptr %[[ENV]][0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr)>
// CHECK:         %[[FOR:.*]] = llvm.load %[[FORSLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[THUNK:.*]] = llvm.mlir.addressof @__recur_par_thunk_0
// CHECK:         llvm.call %[[FOR]](%[[CTX]], %[[N]], %[[THUNK]], %[[DATA]]) : !llvm.ptr, (!llvm.ptr, i64, !llvm.ptr, !llvm.ptr) -> ()
// CHECK:       ^[[SEQ]]:
// CHECK:         %[[ZERO:.*]] = llvm.mlir.constant(0 : i64)
// CHECK:         llvm.call @__recur_par_thunk_0(%[[DATA]], %[[ZERO]], %[[N]])

// The thunk is a recur_host_parallel_body: (data, begin, end). The body
// runs with the launch's env as its thread's env (restored after), so its
// allocations reach env->host_alloc on the pool's threads too.
// CHECK-LABEL: llvm.func internal @__recur_par_thunk_0(
// CHECK-SAME:      %[[D:.*]]: !llvm.ptr, %[[BEGIN:.*]]: i64, %[[END:.*]]: i64)
// CHECK:         %[[P0:.*]] = llvm.getelementptr %[[D]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr, i64, i64, i64, f32, ptr)>
// CHECK:         %[[V0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[P5:.*]] = llvm.getelementptr %[[D]][0, 5]
// CHECK:         %[[V5:.*]] = llvm.load %[[P5]] : !llvm.ptr -> f32
// CHECK:         %[[PE:.*]] = llvm.getelementptr %[[D]][0, 6]
// CHECK:         %[[LENV:.*]] = llvm.load %[[PE]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[TSLOT:.*]] = "llvm.intr.threadlocal.address"
// CHECK:         %[[PREV:.*]] = llvm.load %[[TSLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.store %[[LENV]], %[[TSLOT]]
// CHECK:         llvm.call @__recur_par_body_0(%[[BEGIN]], %[[END]], %[[V0]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[V5]])
// CHECK:         llvm.store %[[PREV]], %[[TSLOT]]
// CHECK-LABEL: llvm.func internal @__recur_par_body_0(

// No captures: the struct holds the env only.
// CHECK-LABEL: llvm.func internal @__recur_par_launch_1(
// CHECK-SAME:      %[[N1:.*]]: i64)
// CHECK:         %[[ENVDATA:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr)>
// CHECK:         llvm.call %{{.*}}(%{{.*}}, %[[N1]], %{{.*}}, %[[ENVDATA]])
// CHECK-LABEL: llvm.func internal @__recur_par_thunk_1(
// CHECK-SAME:      %{{.*}}: !llvm.ptr, %[[B1:.*]]: i64, %[[E1:.*]]: i64)
// CHECK:         llvm.call @__recur_par_body_1(%[[B1]], %[[E1]]) : (i64, i64) -> ()
// CHECK-LABEL: llvm.func internal @__recur_par_body_1(

// Entries: exported (external linkage), operands[i] to the wrapper, results
// first when there are any, the env set for the call and restored after.
// CHECK-LABEL: llvm.func @__recur_entry_none(
// CHECK-SAME:      %[[ENV0:.*]]: !llvm.ptr, %[[OPS0:.*]]: !llvm.ptr, %{{.*}}: !llvm.ptr) {
// CHECK:         %[[G0:.*]] = llvm.mlir.addressof @__recur_env
// CHECK:         %[[SLOT0:.*]] = "llvm.intr.threadlocal.address"(%[[G0]])
// CHECK:         %[[OLD0:.*]] = llvm.load %[[SLOT0]]
// CHECK:         llvm.store %[[ENV0]], %[[SLOT0]]
// CHECK:         %[[OP0:.*]] = llvm.getelementptr %[[OPS0]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[X0:.*]] = llvm.load %[[OP0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.call @_mlir_ciface_none(%[[X0]]) : (!llvm.ptr) -> ()
// CHECK:         llvm.store %[[OLD0]], %[[SLOT0]]
// CHECK:         llvm.return
// CHECK-LABEL: llvm.func @__recur_entry_one(
// CHECK-SAME:      %{{.*}}: !llvm.ptr, %[[OPS1:.*]]: !llvm.ptr, %[[RES1:.*]]: !llvm.ptr) {
// CHECK:         %[[OP1:.*]] = llvm.getelementptr %[[OPS1]][0]
// CHECK:         %[[X1:.*]] = llvm.load %[[OP1]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.call @_mlir_ciface_one(%[[RES1]], %[[X1]]) : (!llvm.ptr, !llvm.ptr) -> ()
// CHECK-LABEL: llvm.func @__recur_entry_two(
// CHECK-SAME:      %{{.*}}: !llvm.ptr, %[[OPS2:.*]]: !llvm.ptr, %[[RES2:.*]]: !llvm.ptr) {
// CHECK:         %[[OP20:.*]] = llvm.getelementptr %[[OPS2]][0]
// CHECK:         %[[X20:.*]] = llvm.load %[[OP20]]
// CHECK:         %[[OP21:.*]] = llvm.getelementptr %[[OPS2]][1]
// CHECK:         %[[X21:.*]] = llvm.load %[[OP21]]
// CHECK:         llvm.call @_mlir_ciface_two(%[[RES2]], %[[X20]], %[[X21]])
// CHECK-LABEL: llvm.func @__recur_entry_launches(

// CHECK-LABEL: llvm.func @__recur_host_abi_version() -> i32 {
// CHECK-NEXT:    %[[ONE:.*]] = llvm.mlir.constant(4 : i32) : i32
// CHECK-NEXT:    llvm.return %[[ONE]] : i32

func.func @none(%a: memref<?xf32>) {
  return
}

func.func @one(%a: memref<?xf32>) -> memref<?xf32> {
  return %a : memref<?xf32>
}

func.func @two(%a: memref<?xf32>, %b: memref<2x3xf32>) -> (memref<2x3xf32>, memref<?xf32>) {
  return %b, %a : memref<2x3xf32>, memref<?xf32>
}

func.func @launches(%buf: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %buf, %c0 : memref<?xf32>
  %s = arith.constant 1.0 : f32
  call @__recur_par_launch_0(%n, %buf, %s) : (index, memref<?xf32>, f32) -> ()
  call @__recur_par_launch_1(%n) : (index) -> ()
  return
}

func.func private @__recur_par_launch_0(index, memref<?xf32>, f32)
    attributes {recur.host_parallel_body = @__recur_par_body_0}
func.func private @__recur_par_body_0(%begin: index, %end: index, %buf: memref<?xf32>, %s: f32) {
  %c1 = arith.constant 1 : index
  scf.for %i = %begin to %end step %c1 {
    memref.store %s, %buf[%i] : memref<?xf32>
  }
  return
}

// No captures, and no attribute: the body is the one with the same number.
func.func private @__recur_par_launch_1(index)
func.func private @__recur_par_body_1(%begin: index, %end: index) {
  return
}

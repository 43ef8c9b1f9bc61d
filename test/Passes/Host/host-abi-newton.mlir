// RUN: recur-opt %s --recur-host-abi | FileCheck %s
// RUN: recur-opt %s --recur-host-abi | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=LLVM
//
// --recur-host-abi gives the declarations of the host ABI's helpers
// (version 3, now 4) bodies: @__recur_newton_report calls env->report_newton
// (field 5 of recur_host_env's 9 pointers) when there is an env and the
// field is set, and @__recur_device_read calls env->device_read (field 6),
// or copies with memcpy when either is null. Both become internal.

// CHECK-LABEL: llvm.func internal @__recur_newton_report(
// CHECK-SAME:      %[[SITE:[^:]*]]: i64, %[[ITERS:[^:]*]]: i64, %[[CONV:[^:]*]]: i64)
// CHECK:         %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK:         %[[G:.*]] = llvm.mlir.addressof @__recur_env : !llvm.ptr
// CHECK:         %[[SLOT:.*]] = "llvm.intr.threadlocal.address"(%[[G]])
// CHECK:         %[[ENV:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[NOENV:.*]] = llvm.icmp "eq" %[[ENV]], %[[NULL]] : !llvm.ptr
// CHECK:         llvm.cond_br %[[NOENV]], ^[[DONE:[^,]*]], ^[[HASENV:[^ ]*]]
// CHECK:       ^[[HASENV]]:
// CHECK:         %[[FIELD:.*]] = llvm.getelementptr %[[ENV]][0, 5] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr)>
// CHECK:         %[[FN:.*]] = llvm.load %[[FIELD]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[NOFN:.*]] = llvm.icmp "eq" %[[FN]], %[[NULL]] : !llvm.ptr
// CHECK:         llvm.cond_br %[[NOFN]], ^[[DONE]], ^[[CALL:[^ ]*]]
// CHECK:       ^[[CALL]]:
// CHECK:         %[[CTX:.*]] = llvm.load %[[ENV]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.call %[[FN]](%[[CTX]], %[[SITE]], %[[ITERS]], %[[CONV]]) : !llvm.ptr, (!llvm.ptr, i64, i64, i64) -> ()
// CHECK:         llvm.br ^[[DONE]]
// CHECK:       ^[[DONE]]:
// CHECK-NEXT:    llvm.return
// CHECK-NEXT:  }

// CHECK-LABEL: llvm.func internal @__recur_device_read(
// CHECK-SAME:      %[[DST:[^:]*]]: !llvm.ptr, %[[SRC:[^:]*]]: !llvm.ptr, %[[BYTES:[^:]*]]: i64)
// CHECK:         %[[NULL2:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK:         %[[ENV2:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[NOENV2:.*]] = llvm.icmp "eq" %[[ENV2]], %[[NULL2]] : !llvm.ptr
// CHECK:         llvm.cond_br %[[NOENV2]], ^[[COPY:[^,]*]], ^[[HASENV2:[^ ]*]]
// CHECK:       ^[[HASENV2]]:
// CHECK:         %[[FIELD2:.*]] = llvm.getelementptr %[[ENV2]][0, 6] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr)>
// CHECK:         %[[FN2:.*]] = llvm.load %[[FIELD2]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[NOFN2:.*]] = llvm.icmp "eq" %[[FN2]], %[[NULL2]] : !llvm.ptr
// CHECK:         llvm.cond_br %[[NOFN2]], ^[[COPY]], ^[[CALL2:[^ ]*]]
// CHECK:       ^[[CALL2]]:
// CHECK:         %[[CTX2:.*]] = llvm.load %[[ENV2]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.call %[[FN2]](%[[CTX2]], %[[DST]], %[[SRC]], %[[BYTES]]) : !llvm.ptr, (!llvm.ptr, !llvm.ptr, !llvm.ptr, i64) -> ()
// CHECK-NEXT:    llvm.return
// CHECK:       ^[[COPY]]:
// CHECK-NEXT:    "llvm.intr.memcpy"(%[[DST]], %[[SRC]], %[[BYTES]]) <{isVolatile = false}>
// CHECK-NEXT:    llvm.return

// The callers are unchanged.
// CHECK-LABEL: llvm.func internal @solve(
// CHECK:         llvm.call @__recur_device_read(
// CHECK:         llvm.call @__recur_newton_report(

// The version is 4.
// CHECK-LABEL: llvm.func @__recur_host_abi_version() -> i32 {
// CHECK-NEXT:    llvm.mlir.constant(4 : i32) : i32

// It translates to LLVM IR: internal functions, an indirect call through
// the env's field, and memcpy.
// LLVM-LABEL: define internal void @__recur_newton_report(i64 %0, i64 %1, i64 %2)
// LLVM:         getelementptr { ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr }, ptr %{{.*}}, i32 0, i32 5
// LLVM:         call void %{{.*}}(ptr %{{.*}}, i64 %0, i64 %1, i64 %2)
// LLVM-LABEL: define internal void @__recur_device_read(ptr %0, ptr %1, i64 %2)
// LLVM:         getelementptr { ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr }, ptr %{{.*}}, i32 0, i32 6
// LLVM:         call void %{{.*}}(ptr %{{.*}}, ptr %0, ptr %1, i64 %2)
// LLVM:         call void @llvm.memcpy.p0.p0.i64(ptr %0, ptr %1, i64 %2, i1 false)

llvm.func @__recur_newton_report(i64, i64, i64) attributes {sym_visibility = "private"}
llvm.func @__recur_device_read(!llvm.ptr, !llvm.ptr, i64) attributes {sym_visibility = "private"}

llvm.func internal @solve(%dst: !llvm.ptr, %src: !llvm.ptr) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c4 = llvm.mlir.constant(4 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  llvm.call @__recur_device_read(%dst, %src, %c4) : (!llvm.ptr, !llvm.ptr, i64) -> ()
  llvm.call @__recur_newton_report(%c0, %c4, %c1) : (i64, i64, i64) -> ()
  llvm.return
}

// RUN: recur-opt %s --recur-host-abi | FileCheck %s
//
// Host ABI 4: host code allocates through env->host_alloc (field 7 of
// recur_host_env's 9 pointers) and frees through env->host_free (field 8),
// or calls the C library when there is no env or no callback (parallel
// bodies run on threads that see no env). malloc and aligned_alloc with an
// alignment of at most 64 are rerouted; a larger alignment stays with the
// C library (host_alloc promises 64), and its free goes to host_free, which
// frees memory it did not hand out.

// CHECK-LABEL: llvm.func internal @f(
// CHECK:         %[[A:.*]] = llvm.call @__recur_host_alloc(%{{.*}}) : (i64) -> !llvm.ptr
// CHECK:         %[[B:.*]] = llvm.call @__recur_host_alloc(%{{.*}}) : (i64) -> !llvm.ptr
// CHECK:         %[[C:.*]] = llvm.call @aligned_alloc(%{{.*}}, %{{.*}}) : (i64, i64) -> !llvm.ptr
// CHECK:         llvm.call @__recur_host_free(%[[A]]) : (!llvm.ptr) -> ()
// CHECK:         llvm.call @__recur_host_free(%[[B]]) : (!llvm.ptr) -> ()
// CHECK:         llvm.call @__recur_host_free(%[[C]]) : (!llvm.ptr) -> ()
// CHECK-NOT:     @malloc
// CHECK-NOT:     @free(

// CHECK-LABEL: llvm.func internal @__recur_host_alloc(
// CHECK-SAME:      %[[BYTES:[^:]*]]: i64) -> !llvm.ptr
// CHECK:         llvm.cond_br %{{.*}}, ^[[FALLBACK:[^,]*]], ^[[HASENV:[^ ]*]]
// CHECK:       ^[[HASENV]]:
// CHECK:         llvm.getelementptr %{{.*}}[0, 7] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr)>
// CHECK:         %[[GOT:.*]] = llvm.call %{{.*}}(%{{.*}}, %[[BYTES]]) : !llvm.ptr, (!llvm.ptr, i64) -> !llvm.ptr
// CHECK:         llvm.return %[[GOT]]
// CHECK:       ^[[FALLBACK]]:
// CHECK:         %[[ROUNDED:.*]] = llvm.and
// CHECK:         %[[MEM:.*]] = llvm.call @aligned_alloc(%{{.*}}, %[[ROUNDED]])
// CHECK:         llvm.return %[[MEM]]

// CHECK-LABEL: llvm.func internal @__recur_host_free(
// CHECK-SAME:      %[[PTR:[^:]*]]: !llvm.ptr)
// CHECK:         llvm.getelementptr %{{.*}}[0, 8] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr)>
// CHECK:         llvm.call %{{.*}}(%{{.*}}, %[[PTR]]) : !llvm.ptr, (!llvm.ptr, !llvm.ptr) -> ()
// CHECK:         llvm.call @free(%[[PTR]])

llvm.func @malloc(i64) -> !llvm.ptr
llvm.func @aligned_alloc(i64, i64) -> !llvm.ptr
llvm.func @free(!llvm.ptr)

llvm.func @f(%n: i64) attributes {sym_visibility = "private"} {
  %c64 = llvm.mlir.constant(64 : i64) : i64
  %c128 = llvm.mlir.constant(128 : i64) : i64
  %a = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
  %b = llvm.call @aligned_alloc(%c64, %n) : (i64, i64) -> !llvm.ptr
  %c = llvm.call @aligned_alloc(%c128, %n) : (i64, i64) -> !llvm.ptr
  llvm.call @free(%a) : (!llvm.ptr) -> ()
  llvm.call @free(%b) : (!llvm.ptr) -> ()
  llvm.call @free(%c) : (!llvm.ptr) -> ()
  llvm.return
}

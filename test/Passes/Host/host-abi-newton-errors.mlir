// RUN: recur-opt %s --split-input-file --recur-host-abi -verify-diagnostics
//
// Declarations of the host ABI's helpers with the wrong type are refused at
// the declaration.

// expected-error @+1 {{@__recur_newton_report must be declared as (i64 site, i64 iterations, i64 converged) -> void, not '!llvm.func<void (i64, i64)>'}}
llvm.func @__recur_newton_report(i64, i64) attributes {sym_visibility = "private"}

// -----

// expected-error @+1 {{@__recur_newton_report must be declared as (i64 site, i64 iterations, i64 converged) -> void, not '!llvm.func<i64 (i64, i64, i64)>'}}
llvm.func @__recur_newton_report(i64, i64, i64) -> i64 attributes {sym_visibility = "private"}

// -----

// expected-error @+1 {{@__recur_device_read must be declared as (ptr host_dst, ptr device_src, i64 bytes) -> void, not '!llvm.func<void (ptr, ptr, i32)>'}}
llvm.func @__recur_device_read(!llvm.ptr, !llvm.ptr, i32) attributes {sym_visibility = "private"}

// -----

// expected-error @+1 {{@__recur_device_read must be declared as (ptr host_dst, ptr device_src, i64 bytes) -> void, not '!llvm.func<void (ptr, ptr, i64, ...)>'}}
llvm.func @__recur_device_read(!llvm.ptr, !llvm.ptr, i64, ...) attributes {sym_visibility = "private"}

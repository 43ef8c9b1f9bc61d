// RUN: recur-opt %s --split-input-file --recur-host-abi -verify-diagnostics
//
// What --recur-host-abi refuses, at the function (or call) at fault.

// A public function whose arguments are not memref descriptors (an i64).
// expected-error @+1 {{host entry point @scalar: its arguments are not memref descriptors}}
llvm.func @scalar(%n: i64) {
  llvm.return
}
llvm.func @_mlir_ciface_scalar(%n: i64) {
  llvm.call @scalar(%n) : (i64) -> ()
  llvm.return
}

// -----

// A result that is not a descriptor.
// expected-error @+1 {{host entry point @returns_f32: its result is not a memref descriptor}}
llvm.func @returns_f32() -> f32 {
  %0 = llvm.mlir.constant(1.0 : f32) : f32
  llvm.return %0 : f32
}

// -----

// A public function lowered without llvm.emit_c_interface.
// expected-error @+1 {{host entry point @no_wrapper has no C interface @_mlir_ciface_no_wrapper}}
llvm.func @no_wrapper(%a: !llvm.ptr, %b: !llvm.ptr, %off: i64, %size: i64, %stride: i64) {
  llvm.return
}

// -----

// A launch whose body is missing.
// expected-error @+1 {{no definition of @__recur_par_body_0 for this parallel launch}}
llvm.func @__recur_par_launch_0(i64) attributes {sym_visibility = "private"}

// -----

// A launch whose captures differ from its body's.
// expected-error @+1 {{signature does not match @__recur_par_body_3}}
llvm.func @__recur_par_launch_3(i64, f32) attributes {sym_visibility = "private"}
llvm.func @__recur_par_body_3(%b: i64, %e: i64, %x: i32) attributes {sym_visibility = "private"} {
  llvm.return
}

// -----

// A strided copy left to MLIR's runner library.
llvm.func @memrefCopy(i64, !llvm.ptr, !llvm.ptr)
llvm.func internal @copies(%size: i64, %a: !llvm.ptr, %b: !llvm.ptr) {
  // expected-error @+1 {{a strided memref copy calls memrefCopy (MLIR's runner library), which host code cannot import}}
  llvm.call @memrefCopy(%size, %a, %b) : (i64, !llvm.ptr, !llvm.ptr) -> ()
  llvm.return
}

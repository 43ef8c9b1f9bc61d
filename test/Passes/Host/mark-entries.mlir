// RUN: recur-opt %s --recur-host-mark-entries | FileCheck %s
//
// Public functions with bodies are the host entry points: they get C
// interfaces. Private functions (launches among them) keep the plain
// convention.

// CHECK-LABEL: func.func @two_results(
// CHECK-SAME:      attributes {llvm.emit_c_interface}
func.func @two_results(%a: memref<?x4xf32>, %b: memref<f32>) -> (memref<?x4xf32>, memref<f32>) {
  return %a, %b : memref<?x4xf32>, memref<f32>
}

// CHECK-LABEL: func.func @no_results(
// CHECK-SAME:      attributes {llvm.emit_c_interface}
func.func @no_results(%a: memref<2x3xi32>) {
  return
}

// CHECK-LABEL: func.func private @helper(
// CHECK-NOT:     llvm.emit_c_interface
func.func private @helper(%i: index) -> index {
  return %i : index
}

// CHECK-LABEL: func.func private @__recur_par_launch_0(index, f32)
// CHECK-NOT:     llvm.emit_c_interface
func.func private @__recur_par_launch_0(index, f32)

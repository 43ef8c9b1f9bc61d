// RUN: recur-opt %s --pass-pipeline='builtin.module(gpu.module(recur-gpu-expand-math))' | FileCheck %s
// RUN: recur-opt %s --pass-pipeline='builtin.module(gpu.module(recur-gpu-expand-math,convert-gpu-to-nvvm{index-bitwidth=64}))' | FileCheck %s --check-prefix=NVVM
//
// Kernels' math needs no libdevice: transcendental functions become
// arithmetic (polynomial approximations), functions PTX has instructions
// for become LLVM intrinsic calls, which the NVVM lowering leaves alone.

// CHECK-LABEL: gpu.func @k
// CHECK-NOT:     math.
// CHECK:         llvm.call_intrinsic "llvm.sqrt.f32"
// CHECK:         llvm.call_intrinsic "llvm.fabs.f32"
// CHECK:         gpu.return
// NVVM-LABEL:  llvm.func @k
// NVVM-NOT:      __nv_
// NVVM:          llvm.return
// NVVM-NOT:    llvm.func @__nv_
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k(%a: memref<8xf32>, %i: index) kernel {
      %x = memref.load %a[%i] : memref<8xf32>
      %e = math.exp %x : f32
      %t = math.tanh %e : f32
      %l = math.log1p %t : f32
      %p = math.powf %l, %x : f32
      %er = math.erf %p : f32
      %s = math.sqrt %er : f32
      %b = math.absf %s : f32
      memref.store %b, %a[%i] : memref<8xf32>
      gpu.return
    }
    // Integer |x|: a compare and a select.
    // CHECK-LABEL: gpu.func @absi
    // CHECK:         %[[NEG:.*]] = arith.cmpi slt
    // CHECK:         %[[MINUS:.*]] = arith.subi
    // CHECK:         arith.select %[[NEG]], %[[MINUS]]
    // CHECK-NOT:     math.absi
    gpu.func @absi(%a: memref<8xi64>, %i: index) kernel {
      %x = memref.load %a[%i] : memref<8xi64>
      %y = math.absi %x : i64
      memref.store %y, %a[%i] : memref<8xi64>
      gpu.return
    }
  }
}

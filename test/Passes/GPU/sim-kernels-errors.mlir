// RUN: recur-opt %s --recur-sim-kernels --verify-diagnostics
//
// NVVM ops the sim device does not emulate are errors at the op.

module attributes {gpu.container_module} {
  gpu.module @recur_kernels {
    llvm.func @k(%a: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
      // expected-error @+1 {{the sim device cannot run 'nvvm.read.ptx.sreg.clock' yet}}
      %c = nvvm.read.ptx.sreg.clock : i32
      llvm.store %c, %a : i32, !llvm.ptr
      llvm.return
    }
  }
}

//===- GPUCodegen.h - PTX from the kernel module, cubins by ptxas -*- C++ -*-===//

#ifndef RECUR_COMPILER_GPUCODEGEN_H
#define RECUR_COMPILER_GPUCODEGEN_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>
#include <vector>

namespace recur {

/// Whether `arch` names an NVIDIA architecture recur-compile can target
/// ("sm_80", "sm_90a", ...); sets `error` when it does not.
bool isKnownCudaArch(llvm::StringRef arch, std::string &error);

/// The PTX of the NVVM-lowered kernel module for `arch`, through LLVM's
/// NVPTX backend at O3. Fails (with a diagnostic at `loc`) when the kernels
/// call a function PTX does not provide (libdevice's __nv_* among them).
mlir::FailureOr<std::string> emitPTX(mlir::gpu::GPUModuleOp kernels,
                                     llvm::StringRef arch, mlir::Location loc);

/// ptxas: $RECUR_PTXAS, else on PATH, else in $CUDA_PATH/bin or
/// /usr/local/cuda/bin; nullopt when there is none.
std::optional<std::string> findPtxas();

/// What ptxas says about one kernel (-v).
struct PtxasKernelReport {
  std::string kernel;
  int registers = 0;
  int spillStores = 0, spillLoads = 0;
  int sharedBytes = 0;
};

/// Assembles `ptx` for `arch` with `ptxas`; the cubin, and ptxas's report per
/// kernel in `report`. A ptxas error is a diagnostic at `loc`.
mlir::FailureOr<std::vector<char>>
assemblePTX(llvm::StringRef ptxas, llvm::StringRef ptx, llvm::StringRef arch,
            mlir::Location loc, std::vector<PtxasKernelReport> &report);

} // namespace recur

#endif // RECUR_COMPILER_GPUCODEGEN_H

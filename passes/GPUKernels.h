//===- GPUKernels.h - what the runtime must know of each kernel -*- C++ -*-===//
//
// The kernel table of a GPU target (module.fbs: Kernel), read off the
// kernel module once it is lowered to NVVM.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PASSES_GPUKERNELS_H
#define RECUR_PASSES_GPUKERNELS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace recur {

struct GPUKernelInfo {
  std::string name;
  /// Bytes of its static shared variables, laid out from offset 0 at
  /// multiples of 16 (the sim device's layout; the cuda driver has its own).
  int64_t staticSharedBytes = 0;
  /// Shared variable -> offset; zero-sized (dynamic) ones sit at
  /// staticSharedBytes.
  std::map<std::string, int64_t> sharedOffsets;
  /// Whether it has barriers or warp shuffles.
  bool synchronizes = false;
  /// nvvm.maxntid's product, or 0 when the kernel does not say.
  int64_t maxThreads = 0;
  /// Its LLVM parameters (memref descriptors expanded).
  int64_t numParams = 0;
};

/// The kernels (llvm.func with gpu.kernel or nvvm.kernel) of an NVVM-lowered
/// kernel module, in order.
std::vector<GPUKernelInfo> describeGPUKernels(mlir::gpu::GPUModuleOp kernels);

} // namespace recur

#endif // RECUR_PASSES_GPUKERNELS_H

//===- ModuleWriter.h - the .rmod file --------------------------*- C++ -*-===//

#ifndef RECUR_COMPILER_MODULEWRITER_H
#define RECUR_COMPILER_MODULEWRITER_H

#include "compiler/Constants.h"
#include "compiler/HostCodegen.h"
#include "compiler/Signature.h"

#include <cstdint>
#include <vector>

namespace recur {

/// The symbol of a function's host entry point (host_abi.h).
std::string hostEntrySymbol(llvm::StringRef function);

enum class TargetKind { Host, Sim, Cuda };

/// A GPU target's kernel as the module's kernel table lists it.
struct KernelEntry {
  std::string name;
  int64_t staticSharedBytes = 0;
  bool synchronizes = false;
  int64_t maxThreads = 0;
  int64_t numParams = 0;
};

/// PTX or a cubin for one architecture.
struct KernelImage {
  std::string arch;
  bool cubin = false;
  std::vector<char> data;
};

/// The code of one target: the host shared object (all the code for host,
/// the driver for sim and cuda, and for sim the kernels too), the kernel
/// table and the cuda target's images.
struct TargetCode {
  TargetKind kind = TargetKind::Host;
  std::string name;
  HostMachine machine;
  std::vector<char> binary;
  std::vector<KernelEntry> kernels;
  std::vector<KernelImage> images;
};

/// The module file: signatures, constants, and each target's code with a
/// plan of one entry call per function.
std::vector<uint8_t> writeModule(llvm::ArrayRef<FunctionSignature> functions,
                                 const ExternalizedConstants &constants,
                                 llvm::ArrayRef<TargetCode> targets);

} // namespace recur

#endif // RECUR_COMPILER_MODULEWRITER_H

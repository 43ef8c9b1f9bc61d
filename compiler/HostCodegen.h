//===- HostCodegen.h - LLVM dialect to a host shared object -----*- C++ -*-===//

#ifndef RECUR_COMPILER_HOSTCODEGEN_H
#define RECUR_COMPILER_HOSTCODEGEN_H

#include "mlir/IR/BuiltinOps.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <memory>
#include <string>
#include <vector>

namespace recur {

/// The machine host code is generated for.
struct HostMachine {
  std::string triple;
  std::string cpu;
  std::string features;
};

/// The widest vector registers `machine` has for f32 arithmetic: 512
/// (AVX-512), 256 (AVX) or 128 bits.
int64_t hostVectorBits(const HostMachine &machine);

/// Resolves a --cpu value ("host", "generic" or an LLVM CPU name) for this
/// machine's default triple; fails (with `error` set) for an unknown CPU.
mlir::FailureOr<HostMachine> resolveHostMachine(llvm::StringRef cpu,
                                               std::string &error);

/// Translates `module` (LLVM dialect) to LLVM IR for `machine` and optimizes
/// it at O3. Errors are emitted on the module.
std::unique_ptr<llvm::Module> translateAndOptimize(mlir::ModuleOp module,
                                                   const HostMachine &machine,
                                                   llvm::LLVMContext &context);

/// Emits `llvmModule` as an object and links it into an ELF shared object
/// with ld.lld. Errors are emitted at `loc`.
mlir::FailureOr<std::vector<char>>
buildSharedObject(llvm::Module &llvmModule, const HostMachine &machine,
                  mlir::Location loc);

} // namespace recur

#endif // RECUR_COMPILER_HOSTCODEGEN_H

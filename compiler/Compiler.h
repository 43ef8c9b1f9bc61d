//===- Compiler.h - recur-compile's library ---------------------*- C++ -*-===//
//
// From a module of tensor functions (recur dialect and upstream dialects) to
// a .rmod module file, or to one of the stages on the way, for inspection.
// recur-compile is a thin command line over this.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_COMPILER_COMPILER_H
#define RECUR_COMPILER_COMPILER_H

#include "passes/Transforms/Newton.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <map>
#include <string>
#include <vector>

namespace recur {

enum class Strategy { Auto, Sequential, Scan, Newton };
/// What to write: MLIR after the strategy (recur) or as loops, LLVM IR of
/// the (first) target's host code, the PTX of the cuda target's kernels,
/// or the module file.
enum class EmitStage { Recur, Loops, LLVM, PTX, Module };

struct CompileOptions {
  /// Targets to generate code for, as given to --target (split at commas):
  /// "host", "sim", "cuda" (sm_80 and sm_90) or "cuda:sm_XX" followed by
  /// more "sm_YY" entries.
  std::vector<std::string> targets = {"host"};
  /// For cuda targets: assemble the PTX into cubins with ptxas ("auto": when
  /// ptxas is found; "never"; "always": fail without it).
  std::string ptxas = "auto";
  /// GPU targets: state elements from which a diagonal scan runs one
  /// thread per element instead of a block per element.
  int64_t gpuWideScan = 32768;
  /// Host targets: state elements from which a diagonal or scalar linear
  /// scan runs sequentially in time with its coefficient maps fused, instead
  /// of in chunks (0: always chunks).
  int64_t hostWideScan = 32;
  Strategy strategy = Strategy::Auto;
  EmitStage emit = EmitStage::Module;
  /// The Newton strategy's settings (force, parallelism and report are set
  /// by compile() from the strategy and the targets).
  NewtonOptions newton;
  /// Steps per chunk of the parallel scans.
  int64_t chunkSize = 64;
  /// Estimated operations below which a parallel loop runs on the calling
  /// thread instead of the runtime's pool; -1: the pipeline's default.
  int64_t minParallelWork = -1;
  /// The host CPU to tune for: "host" (this machine), "generic", or an LLVM
  /// CPU name such as "x86-64-v3".
  std::string hostCpu = "host";
  /// Print the per-recurrence report to `report`.
  bool explain = false;
  /// Source names of each function's arguments (function -> names).
  std::map<std::string, std::vector<std::string>> argNames;
};

/// Parses a strategy / stage name; nullopt for an unknown one.
std::optional<Strategy> parseStrategy(llvm::StringRef name);
std::optional<EmitStage> parseEmitStage(llvm::StringRef name);
llvm::StringRef strategyName(Strategy strategy);

/// Compiles `module` (modified in place) and writes the requested stage to
/// `out`: MLIR text for recur/loops, LLVM IR text for llvm, the module file
/// bytes for module. Errors are emitted as diagnostics on the module's
/// context (with locations) and make this fail.
mlir::LogicalResult compile(mlir::ModuleOp module,
                            const CompileOptions &options,
                            llvm::raw_ostream &out, llvm::raw_ostream &report);

/// Registers what compile() needs with `registry` (dialects, extensions,
/// translations).
void registerCompilerDialects(mlir::DialectRegistry &registry);

} // namespace recur

#endif // RECUR_COMPILER_COMPILER_H

//===- Compiler.cpp - recur-compile's library -----------------------------===//
//
// The stages, in order:
//   1. cells become recurrences (--recur-decompose-cells), and each public
//      function's signature is computed on that form;
//   2. the strategy's rewrites: `sequential` none, `scan`/`auto` the
//      parallelizing rewrites (`scan` insists that every recurrence with a
//      state becomes a scan);                                 --emit=recur
//   3. large constants leave the code for the module's constants section;
//   4. recur ops to loops;                                    --emit=loops
//   5. the host pipeline to the LLVM dialect with the host ABI, LLVM IR at
//      O3 for the chosen CPU;                                 --emit=llvm
//   6. object, ld.lld, and the module file.                  --emit=module
//
//===----------------------------------------------------------------------===//

#include "compiler/Compiler.h"

#include "compiler/Constants.h"
#include "compiler/HostCodegen.h"
#include "compiler/ModuleWriter.h"
#include "compiler/Signature.h"

#include "dialects/Recur/IR/RecurDialect.h"
#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace recur {

/// Constants smaller than this stay in the code (splats always do).
static constexpr int64_t kMinExternalConstantBytes = 256;

std::optional<Strategy> parseStrategy(StringRef name) {
  return llvm::StringSwitch<std::optional<Strategy>>(name)
      .Case("auto", Strategy::Auto)
      .Case("sequential", Strategy::Sequential)
      .Case("scan", Strategy::Scan)
      .Case("newton", Strategy::Newton)
      .Default(std::nullopt);
}

std::optional<EmitStage> parseEmitStage(StringRef name) {
  return llvm::StringSwitch<std::optional<EmitStage>>(name)
      .Case("recur", EmitStage::Recur)
      .Case("loops", EmitStage::Loops)
      .Case("llvm", EmitStage::LLVM)
      .Case("module", EmitStage::Module)
      .Default(std::nullopt);
}

StringRef strategyName(Strategy strategy) {
  switch (strategy) {
  case Strategy::Auto:
    return "auto";
  case Strategy::Sequential:
    return "sequential";
  case Strategy::Scan:
    return "scan";
  case Strategy::Newton:
    return "newton";
  }
  llvm_unreachable("unknown strategy");
}

void registerCompilerDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<RecurDialect>();
}

static LogicalResult runPipeline(ModuleOp module, StringRef pipeline) {
  PassManager pm(module.getContext());
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    return emitError(module.getLoc()) << "internal error: bad pipeline '" << pipeline
                              << "'";
  return pm.run(module);
}

/// The explain report: one line per recurrence-like op, "LOC: MESSAGE",
/// with the strategy the chosen --strategy will actually apply.
static LogicalResult explain(ModuleOp module, Strategy strategy,
                             llvm::raw_ostream &report) {
  std::vector<std::string> lines;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(
        module.getContext(), [&](Diagnostic &diag) -> LogicalResult {
          if (diag.getSeverity() != DiagnosticSeverity::Remark)
            return failure(); // to the next handler
          std::string loc;
          llvm::raw_string_ostream os(loc);
          Location where = diag.getLocation();
          // An ONNX node: "model.onnx: NODE (OpType)" (the file has no
          // lines to point at).
          auto name = dyn_cast<NameLoc>(where);
          auto nodeFile =
              name ? dyn_cast<FileLineColLoc>(name.getChildLoc()) : nullptr;
          if (nodeFile && nodeFile.getLine() == 0)
            os << nodeFile.getFilename().getValue() << ": "
               << name.getName().getValue();
          else if (auto file = dyn_cast<FileLineColLoc>(where))
            os << file.getFilename().getValue() << ":" << file.getLine()
               << ":" << file.getColumn();
          else
            os << where;
          std::string msg = diag.str();
          if (strategy == Strategy::Sequential) {
            size_t at = msg.find("strategy=");
            if (at != std::string::npos)
              msg = msg.substr(0, at) +
                    "strategy=sequential (forced by --strategy=sequential)";
          }
          lines.push_back(loc + ": " + msg);
          return success();
        });
    result = runPipeline(module, "recur-explain");
  }
  for (const std::string &line : lines)
    report << line << "\n";
  return result;
}

/// With --strategy=scan, every recurrence that carries a state must have
/// become a scan.
static LogicalResult checkAllScans(ModuleOp module) {
  LogicalResult result = success();
  module.walk([&](RecurrenceOp op) {
    if (op.getNumStates() == 0)
      return;
    op.emitError() << "--strategy=scan does not apply: this recurrence is "
                      "not affine in its state (see --explain for why); "
                      "use --strategy=auto or sequential";
    result = failure();
  });
  return result;
}

/// Public functions must not write into their arguments: they are the
/// caller's inputs and the module's constants.
static void markArgumentsReadOnly(ModuleOp module) {
  Builder b(module.getContext());
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isPrivate() || func.isExternal())
      continue;
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      func.setArgAttr(i, "bufferization.writable", b.getBoolAttr(false));
  }
}

LogicalResult compile(ModuleOp module, const CompileOptions &options,
                      llvm::raw_ostream &out, llvm::raw_ostream &report) {
  for (const std::string &target : options.targets) {
    if (target == "host")
      continue;
    if (target == "sim" || StringRef(target).starts_with("cuda"))
      return emitError(module.getLoc()) << "target '" << target
                                << "' is not available yet; this compiler "
                                   "generates code for: host";
    return emitError(module.getLoc()) << "unknown target '" << target
                              << "'; known targets: host";
  }
  if (options.strategy == Strategy::Newton)
    return emitError(module.getLoc())
           << "--strategy=newton is not implemented yet; use auto, "
              "sequential or scan";
  if (options.chunkSize < 1)
    return emitError(module.getLoc()) << "--chunk-size must be at least 1";

  SmallVector<func::FuncOp> publicFuncs;
  for (auto func : module.getOps<func::FuncOp>())
    if (!func.isPrivate() && !func.isExternal())
      publicFuncs.push_back(func);
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isExternal() && !SymbolTable::symbolKnownUseEmpty(func, module))
      return emitError(func.getLoc())
             << "function '" << func.getSymName()
             << "' is declared but not defined; compiled code can only call "
                "functions the module defines";
  if (publicFuncs.empty())
    return emitError(module.getLoc()) << "nothing to compile: the module has no "
                                 "public function";

  if (options.explain && failed(explain(module, options.strategy, report)))
    return failure();

  // 1. Cells to recurrences; signatures on that form.
  if (failed(runPipeline(module, "recur-decompose-cells")))
    return failure();
  std::vector<FunctionSignature> signatures;
  for (func::FuncOp func : publicFuncs) {
    std::vector<std::string> names;
    auto it = options.argNames.find(func.getSymName().str());
    if (it != options.argNames.end())
      names = it->second;
    FailureOr<FunctionSignature> sig = computeSignature(func, names);
    if (failed(sig))
      return failure();
    signatures.push_back(std::move(*sig));
  }

  // 2. The strategy's rewrites.
  if (options.strategy != Strategy::Sequential) {
    if (failed(runPipeline(module, "recur-linearize")))
      return failure();
    if (options.strategy == Strategy::Scan && failed(checkAllScans(module)))
      return failure();
    std::string rest =
        "recur-hoist-invariants,recur-fuse-gates,canonicalize,"
        "recur-lower-scans{chunk-size=" +
        std::to_string(options.chunkSize) + "},canonicalize";
    if (failed(runPipeline(module, rest)))
      return failure();
  }
  if (options.emit == EmitStage::Recur) {
    module.print(out);
    return success();
  }

  // 3. Weights out of the code; arguments read-only.
  ExternalizedConstants constants =
      externalizeConstants(module, kMinExternalConstantBytes);
  markArgumentsReadOnly(module);

  // 4. Loops.
  if (failed(runPipeline(module, "recur-lower-to-loops,canonicalize")))
    return failure();
  if (options.emit == EmitStage::Loops) {
    module.print(out);
    return success();
  }

  // 5. LLVM. The names are in the signatures now; LLVM has no use for them
  // (and would warn about an unknown argument attribute).
  for (auto func : module.getOps<func::FuncOp>()) {
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      func.removeArgAttr(i, "recur.name");
      func.removeArgAttr(i, "recur.dims");
    }
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      func.removeResultAttr(i,
                            StringAttr::get(func.getContext(), "recur.name"));
  }
  std::string error;
  FailureOr<HostMachine> machine =
      resolveHostMachine(options.hostCpu, error);
  if (failed(machine))
    return emitError(module.getLoc()) << "--cpu: " << error;
  std::string hostPipeline = "recur-host-to-llvm";
  if (options.minParallelWork >= 0)
    hostPipeline += "{min-parallel-work=" +
                    std::to_string(options.minParallelWork) + "}";
  if (failed(runPipeline(module, hostPipeline)))
    return failure();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateAndOptimize(module, *machine, llvmContext);
  if (!llvmModule)
    return failure();
  if (options.emit == EmitStage::LLVM) {
    llvmModule->print(out, nullptr);
    return success();
  }

  // 6. The module file.
  FailureOr<std::vector<char>> binary =
      buildSharedObject(*llvmModule, *machine, module.getLoc());
  if (failed(binary))
    return failure();
  HostTarget host{*machine, std::move(*binary)};
  std::vector<uint8_t> bytes = writeModule(signatures, constants, host);
  out.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  return success();
}

} // namespace recur

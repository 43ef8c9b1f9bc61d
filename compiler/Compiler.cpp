//===- Compiler.cpp - recur-compile's library -----------------------------===//
//
// The stages, in order:
//   1. cells become recurrences (--recur-decompose-cells), and each public
//      function's signature is computed on that form;
//   2. the strategy's rewrites: `sequential` none, `scan`/`auto` the
//      parallelizing rewrites (`scan` insists that every recurrence with a
//      state becomes a scan); --emit=recur shows them with the host's
//      chunked scans;
//   3. large constants leave the code for the module's constants section;
//   4. recur ops to loops (the host's view);                  --emit=loops
//   5. per target, from a copy: scans to chunked scans (GPU targets: to
//      block-level scan kernels where they can), then the host pipeline or
//      the GPU pipeline (docs/gpu.md) to the LLVM dialect, LLVM IR at O3
//      for the chosen CPU;                            --emit=llvm, --emit=ptx
//   6. objects, ld.lld, and the module file.                --emit=module
//
//===----------------------------------------------------------------------===//

#include "compiler/Compiler.h"

#include "compiler/Constants.h"
#include "compiler/GPUCodegen.h"
#include "compiler/HostCodegen.h"
#include "compiler/ModuleWriter.h"
#include "compiler/Signature.h"

#include "dialects/Recur/IR/RecurDialect.h"
#include "dialects/Recur/IR/RecurOps.h"
#include "passes/GPUKernels.h"
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

#include <cmath>
#include <cstdio>

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
      .Case("ptx", EmitStage::PTX)
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
                             const std::string &newtonOptions,
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
    result = runPipeline(module, "recur-explain{" + newtonOptions + "}");
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

namespace {
/// One target of --target.
struct TargetSpec {
  TargetKind kind;
  std::vector<std::string> archs; // cuda
};
} // namespace

/// --target's entries: host, sim, cuda, cuda:sm_XX (more sm_YY entries after
/// it add architectures to it).
static FailureOr<std::vector<TargetSpec>>
parseTargets(ArrayRef<std::string> names, Location loc) {
  std::vector<TargetSpec> specs;
  auto has = [&](TargetKind kind) {
    return llvm::any_of(specs,
                        [&](const TargetSpec &s) { return s.kind == kind; });
  };
  std::string error;
  for (StringRef name : names) {
    if (name.starts_with("sm_")) {
      if (specs.empty() || specs.back().kind != TargetKind::Cuda)
        return emitError(loc) << "--target: '" << name
                              << "' must follow a cuda target "
                                 "(--target=cuda:sm_80," << name << ")";
      if (!isKnownCudaArch(name, error))
        return emitError(loc) << "--target: " << error;
      if (!llvm::is_contained(specs.back().archs, name))
        specs.back().archs.push_back(name.str());
      continue;
    }
    TargetKind kind;
    std::vector<std::string> archs;
    if (name == "host") {
      kind = TargetKind::Host;
    } else if (name == "sim") {
      kind = TargetKind::Sim;
    } else if (name == "cuda") {
      kind = TargetKind::Cuda;
      archs = {"sm_80", "sm_90"};
    } else if (name.starts_with("cuda:")) {
      kind = TargetKind::Cuda;
      StringRef arch = name.drop_front(5);
      if (!isKnownCudaArch(arch, error))
        return emitError(loc) << "--target: " << error;
      archs = {arch.str()};
    } else {
      return emitError(loc) << "unknown target '" << name
                            << "'; known targets: host, sim, cuda, "
                               "cuda:sm_XX[,sm_YY...]";
    }
    if (has(kind))
      return emitError(loc) << "--target names '" << name
                            << "' twice (one target of each kind)";
    specs.push_back({kind, std::move(archs)});
  }
  if (specs.empty())
    return emitError(loc) << "--target names no target";
  return specs;
}

/// Attributes the LLVM translation has no use for.
static void stripRecurAttributes(ModuleOp module) {
  for (auto func : module.getOps<func::FuncOp>()) {
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      func.removeArgAttr(i, "recur.name");
      func.removeArgAttr(i, "recur.dims");
    }
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      func.removeResultAttr(i,
                            StringAttr::get(func.getContext(), "recur.name"));
  }
  module->removeAttr(kGPUKernelsAttr);
  module->removeAttr(kSimKernelInfoAttr);
  module->removeAttr("gpu.container_module");
}

/// The host shared object of `module` (in the LLVM dialect).
static FailureOr<std::vector<char>>
hostBinary(ModuleOp module, const HostMachine &machine,
           const CompileOptions &options, llvm::raw_ostream &out,
           bool &emitted) {
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateAndOptimize(module, machine, llvmContext);
  if (!llvmModule)
    return failure();
  if (options.emit == EmitStage::LLVM) {
    llvmModule->print(out, nullptr);
    emitted = true;
    return std::vector<char>();
  }
  return buildSharedObject(*llvmModule, machine, module.getLoc());
}

/// A GPU target from the loops: kernels and driver.
static FailureOr<TargetCode>
compileGPU(ModuleOp module, const TargetSpec &spec, const HostMachine &machine,
           const CompileOptions &options, llvm::raw_ostream &out,
           llvm::raw_ostream &report, bool &emitted) {
  TargetCode code;
  code.kind = spec.kind;
  code.machine = machine;
  stripRecurAttributes(module);
  if (failed(runPipeline(module, gpuKernelsPipeline(options.gpuWideScan))))
    return failure();
  std::vector<StringRef> order;
  if (auto names = module->getAttrOfType<ArrayAttr>(kGPUKernelsAttr))
    for (Attribute name : names)
      order.push_back(cast<StringAttr>(name).getValue());
  auto kernels =
      SymbolTable(module).lookup<gpu::GPUModuleOp>(kGPUKernelModule);
  std::vector<GPUKernelInfo> infos;
  if (kernels)
    infos = describeGPUKernels(kernels);
  // The table in the launches' order.
  for (StringRef name : order) {
    auto it = llvm::find_if(
        infos, [&](const GPUKernelInfo &i) { return i.name == name; });
    if (it == infos.end())
      return emitError(module.getLoc())
             << "internal error: kernel '" << name << "' was not lowered";
    code.kernels.push_back({it->name, it->staticSharedBytes, it->synchronizes,
                            it->maxThreads, it->numParams});
  }

  if (spec.kind == TargetKind::Sim) {
    code.name = "sim";
    if (failed(runPipeline(module, "recur-sim-kernels")))
      return failure();
  } else {
    code.name = "cuda";
    std::optional<std::string> ptxas;
    if (options.ptxas != "never") {
      ptxas = findPtxas();
      if (!ptxas && options.ptxas == "always")
        return emitError(module.getLoc())
               << "--ptxas=always: ptxas not found (set RECUR_PTXAS, put it "
                  "on PATH, or install the CUDA toolkit in /usr/local/cuda)";
    }
    bool first = true;
    for (const std::string &arch : spec.archs) {
      std::string ptx;
      if (kernels) {
        FailureOr<std::string> text =
            emitPTX(kernels, arch, module.getLoc());
        if (failed(text))
          return failure();
        ptx = std::move(*text);
      }
      if (options.emit == EmitStage::PTX) {
        if (spec.archs.size() > 1)
          out << (first ? "" : "\n") << "// ---- " << arch << " ----\n";
        out << ptx;
        emitted = true;
        first = false;
        continue;
      }
      code.images.push_back({arch, false, {ptx.begin(), ptx.end()}});
      if (ptxas && kernels) {
        std::vector<PtxasKernelReport> kernelReport;
        FailureOr<std::vector<char>> cubin =
            assemblePTX(*ptxas, ptx, arch, module.getLoc(), kernelReport);
        if (failed(cubin))
          return failure();
        code.images.push_back({arch, true, std::move(*cubin)});
        if (options.explain)
          for (const PtxasKernelReport &k : kernelReport)
            report << "kernel " << k.kernel << " (" << arch
                   << "): " << k.registers << " registers, "
                   << k.spillStores << " bytes spill stores, "
                   << k.spillLoads << " bytes spill loads, "
                   << k.sharedBytes << " bytes shared\n";
      }
    }
    if (emitted)
      return code;
    if (kernels)
      kernels.erase();
  }
  if (failed(runPipeline(module, gpuDriverToLLVMPipeline())))
    return failure();
  stripRecurAttributes(module);
  FailureOr<std::vector<char>> binary =
      hostBinary(module, machine, options, out, emitted);
  if (failed(binary))
    return failure();
  code.binary = std::move(*binary);
  return code;
}

/// The Newton settings of `options` as pass options (recur-newton's and
/// recur-explain's): forced by --strategy=newton; for auto, the cost model's
/// parallel width of the host (8 threads: the runtime's pool size is known
/// only when it runs), or 0 with a GPU target (Newton's GPU driver is not
/// built: auto never picks it there).
static std::string newtonPassOptions(const CompileOptions &options,
                                     ArrayRef<TargetSpec> targets) {
  const NewtonOptions &n = options.newton;
  bool gpu = llvm::any_of(targets, [](const TargetSpec &t) {
    return t.kind != TargetKind::Host;
  });
  char tol[96];
  std::snprintf(tol, sizeof(tol), "atol=%.17g rtol=%.17g damping=%.17g",
                n.atol, n.rtol, n.damping);
  return std::string("force=") +
         (options.strategy == Strategy::Newton ? "1" : "0") +
         " max-iterations=" + std::to_string(n.maxIterations) + " " + tol +
         " jacobian=" + n.jacobian +
         " parallelism=" + (gpu ? "0" : "8");
}

static std::string newtonPipeline(const CompileOptions &options,
                                  ArrayRef<TargetSpec> targets) {
  return "recur-newton{" + newtonPassOptions(options, targets) +
         " report=1}";
}

LogicalResult compile(ModuleOp module, const CompileOptions &options,
                      llvm::raw_ostream &out, llvm::raw_ostream &report) {
  FailureOr<std::vector<TargetSpec>> targets =
      parseTargets(options.targets, module.getLoc());
  if (failed(targets))
    return failure();
  if (options.emit == EmitStage::PTX &&
      llvm::none_of(*targets, [](const TargetSpec &t) {
        return t.kind == TargetKind::Cuda;
      }))
    return emitError(module.getLoc())
           << "--emit=ptx needs a cuda target (--target=cuda:sm_80)";
  if (options.gpuWideScan < 0)
    return emitError(module.getLoc()) << "--gpu-wide-scan must be >= 0";
  if (options.hostWideScan < 0)
    return emitError(module.getLoc()) << "--host-wide-scan must be >= 0";
  if (options.ptxas != "auto" && options.ptxas != "never" &&
      options.ptxas != "always")
    return emitError(module.getLoc())
           << "--ptxas must be auto, never or always";
  const NewtonOptions &newton = options.newton;
  if (newton.maxIterations < 1)
    return emitError(module.getLoc())
           << "--newton-max-iterations must be at least 1";
  if (newton.jacobian != "auto" && newton.jacobian != "exact" &&
      newton.jacobian != "diagonal")
    return emitError(module.getLoc())
           << "--newton-jacobian must be auto, exact or diagonal";
  if (!(newton.damping >= 0) || std::isnan(newton.atol) ||
      std::isnan(newton.rtol))
    return emitError(module.getLoc())
           << "--newton-damping must be >= 0 and the tolerances numbers";
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

  bool hasHost = llvm::any_of(*targets, [](const TargetSpec &t) {
    return t.kind == TargetKind::Host;
  });
  if (options.explain &&
      failed(explain(module, options.strategy,
                     newtonPassOptions(options, *targets) +
                         " host-wide-scan=" +
                         std::to_string(hasHost ? options.hostWideScan : 0),
                     report)))
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

  // 2. The strategy's rewrites. The scans become chunked scans per target
  // (GPU targets turn diagonal ones into block-level scan kernels first).
  std::string lowerScans = "recur-lower-scans{chunk-size=" +
                           std::to_string(options.chunkSize) +
                           "},canonicalize";
  // The host computes coefficients inside the chunks (GPU targets' generic
  // kernels keep reading them from buffers).
  std::string hostLowerScans =
      "recur-lower-scans{chunk-size=" + std::to_string(options.chunkSize) +
      " fuse-coefficients=1 sequential-min-state=" +
      std::to_string(options.hostWideScan) + "},canonicalize";
  if (options.strategy != Strategy::Sequential) {
    if (failed(runPipeline(module, "recur-linearize")))
      return failure();
    if (options.strategy == Strategy::Scan && failed(checkAllScans(module)))
      return failure();
    // Newton after hoisting: the body's state-independent work (input
    // projections) is computed once, not in every Newton iteration.
    if (failed(runPipeline(module, "recur-hoist-invariants")))
      return failure();
    if (options.strategy != Strategy::Scan &&
        failed(runPipeline(module, newtonPipeline(options, *targets))))
      return failure();
    if (failed(runPipeline(module, "recur-fuse-gates,canonicalize")))
      return failure();
  }
  if (options.emit == EmitStage::Recur || options.emit == EmitStage::Loops) {
    // What the host target compiles.
    if (failed(runPipeline(module, hostLowerScans)))
      return failure();
    if (options.emit == EmitStage::Recur) {
      module.print(out);
      return success();
    }
  }

  // 3. Weights in the layout the code reads them in, then out of the code;
  // arguments read-only.
  foldConstantLayouts(module);
  ExternalizedConstants constants =
      externalizeConstants(module, kMinExternalConstantBytes);
  markArgumentsReadOnly(module);

  // 4. Loops.
  if (options.emit == EmitStage::Loops) {
    if (failed(runPipeline(module, "recur-lower-to-loops,canonicalize")))
      return failure();
    module.print(out);
    return success();
  }

  // 5. Each target from the loops (a copy each but the last).
  std::string error;
  FailureOr<HostMachine> machine =
      resolveHostMachine(options.hostCpu, error);
  if (failed(machine))
    return emitError(module.getLoc()) << "--cpu: " << error;
  std::vector<TargetCode> codes;
  bool emitted = false;
  for (auto [i, spec] : llvm::enumerate(*targets)) {
    OwningOpRef<ModuleOp> copy;
    ModuleOp target = module;
    if (i + 1 < targets->size()) {
      copy = module.clone();
      target = *copy;
    }
    if (spec.kind != TargetKind::Host) {
      if (failed(runPipeline(target, "recur-gpu-scans," + lowerScans)))
        return failure();
      FailureOr<TargetCode> code =
          compileGPU(target, spec, *machine, options, out, report, emitted);
      if (failed(code))
        return failure();
      if (emitted)
        return success();
      codes.push_back(std::move(*code));
      continue;
    }
    if (options.emit == EmitStage::PTX)
      continue;
    if (failed(runPipeline(target, hostLowerScans)))
      return failure();
    stripRecurAttributes(target);
    std::string hostPipeline =
        "recur-host-to-llvm{vector-bits=" +
        std::to_string(hostVectorBits(*machine));
    if (options.minParallelWork >= 0)
      hostPipeline +=
          " min-parallel-work=" + std::to_string(options.minParallelWork);
    hostPipeline += "}";
    if (failed(runPipeline(target, hostPipeline)))
      return failure();
    FailureOr<std::vector<char>> binary =
        hostBinary(target, *machine, options, out, emitted);
    if (failed(binary))
      return failure();
    if (emitted)
      return success();
    TargetCode code;
    code.kind = TargetKind::Host;
    code.name = "host";
    code.machine = *machine;
    code.binary = std::move(*binary);
    codes.push_back(std::move(code));
  }

  // 6. The module file.
  std::vector<uint8_t> bytes = writeModule(signatures, constants, codes);
  out.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  return success();
}

} // namespace recur

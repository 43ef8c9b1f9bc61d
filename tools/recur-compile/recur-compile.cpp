//===- recur-compile.cpp - compile a model to a module file ---------------===//
//
//   recur-compile MODEL.mlir|MODEL.onnx -o OUT.rmod
//                 [--target=host,sim,cuda:sm_80,sm_90] [--ptxas=auto]
//                 [--strategy=auto] [--emit=recur|loops|llvm|ptx|module]
//                 [--explain] [--cpu=host]
//
// Errors are MLIR diagnostics with source locations; the exit code is 1.
// See docs/recur-compile.md.
//
//===----------------------------------------------------------------------===//

#include "compiler/Compiler.h"
#include "frontend/onnx/Import.h"
#include "passes/Passes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/AsmParser/AsmParserState.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("recur-compile options");

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<model.mlir | model.onnx>"),
                                      cl::cat(category));
static cl::opt<std::string> outputFile("o",
                                       cl::desc("Output file ('-': stdout)"),
                                       cl::value_desc("file"),
                                       cl::cat(category));
static cl::opt<bool>
    listONNXOps("list-onnx-ops",
                cl::desc("Print the ONNX ops the importer converts and exit"),
                cl::cat(category));
static cl::list<std::string>
    targets("target", cl::CommaSeparated,
            cl::desc("Targets to generate code for, comma separated: host, "
                     "sim (GPU kernels run on the CPU), cuda (sm_80 and "
                     "sm_90), cuda:sm_XX followed by more sm_YY "
                     "(default: host)"),
            cl::cat(category));
static cl::opt<std::string>
    strategy("strategy", cl::init("auto"),
             cl::desc("How recurrences run: auto (scan where the body is "
                      "affine in the state; for the others, Newton where "
                      "the cost model says it pays, else sequential), "
                      "sequential, scan, newton (every nonlinear "
                      "recurrence by Newton's method)"),
             cl::cat(category));
static cl::opt<std::string>
    emit("emit", cl::init("module"),
         cl::desc("What to write: recur (after the recurrence rewrites), "
                  "loops, llvm (LLVM IR of the first target's host code), "
                  "ptx (the cuda target's kernels), module"),
         cl::cat(category));
static cl::opt<int64_t> gpuWideScan(
    "gpu-wide-scan", cl::init(32768),
    cl::desc("GPU targets: state elements from which a diagonal or scalar "
             "scan runs one thread per element (coalesced, sequential in "
             "time) instead of a block-level scan per element"),
    cl::cat(category));
static cl::opt<int64_t> hostWideScan(
    "host-wide-scan", cl::init(32),
    cl::desc("Host targets: state elements from which a diagonal or scalar "
             "linear scan runs sequentially in time, its coefficients "
             "computed in the same loop, instead of in parallel chunks "
             "(0: always chunks)"),
    cl::cat(category));
static cl::opt<std::string>
    ptxasMode("ptxas", cl::init("auto"),
              cl::desc("cuda targets: assemble cubins with ptxas: auto (when "
                       "ptxas is found: $RECUR_PTXAS, PATH, "
                       "/usr/local/cuda/bin), always, never (PTX only)"),
              cl::cat(category));
static cl::opt<bool> explain("explain",
                             cl::desc("Print one line per recurrence: its "
                                      "structure and strategy"),
                             cl::cat(category));
static cl::opt<int64_t> newtonMaxIterations(
    "newton-max-iterations", cl::init(32),
    cl::desc("Newton: iterations before the recurrence is evaluated "
             "sequentially instead (reported by the runtime)"),
    cl::cat(category));
static cl::opt<double> newtonAtol(
    "newton-atol", cl::init(-1),
    cl::desc("Newton: converged when |h - f(h)| <= atol + rtol |f(h)| at "
             "every element "
             "(default 1e-5 for f32, 1e-10 for f64)"),
    cl::cat(category));
static cl::opt<double>
    newtonRtol("newton-rtol", cl::init(-1),
               cl::desc("Newton: the relative tolerance (default as atol)"),
               cl::cat(category));
static cl::opt<std::string> newtonJacobian(
    "newton-jacobian", cl::init("auto"),
    cl::desc("Newton with a dense Jacobian: exact, diagonal (quasi-Newton), "
             "auto (exact up to 16 state elements)"),
    cl::cat(category));
static cl::opt<double> newtonDamping(
    "newton-damping", cl::init(0),
    cl::desc("Newton: scale each Jacobian by 1/(1+damping) (0: none)"),
    cl::cat(category));
static cl::opt<int64_t> chunkSize("chunk-size", cl::init(64),
                                  cl::desc("Steps per chunk of the scans"),
                                  cl::cat(category));
static cl::opt<int64_t> minParallelWork(
    "min-parallel-work", cl::init(-1),
    cl::desc("Estimated operations below which a parallel loop runs on the "
             "calling thread (0: every parallel loop uses the thread pool; "
             "default: the host pipeline's)"),
    cl::cat(category));
static cl::opt<std::string>
    cpu("cpu", cl::init("host"),
        cl::desc("Host CPU to tune for: host (this machine), generic, or "
                 "an LLVM CPU name such as x86-64-v3"),
        cl::cat(category));

/// The source names of each function's arguments ("%x" -> "x").
static std::map<std::string, std::vector<std::string>>
argumentNames(ModuleOp module, const AsmParserState &state) {
  std::map<std::string, std::vector<std::string>> names;
  for (const auto &def : state.getBlockDefs()) {
    Block *block = def.block;
    auto func = dyn_cast_or_null<func::FuncOp>(block->getParentOp());
    if (!func || block != &func.getBody().front())
      continue;
    std::vector<std::string> list;
    for (const auto &arg : def.arguments) {
      const char *start = arg.loc.Start.getPointer();
      const char *end = arg.loc.End.getPointer();
      llvm::StringRef text(start, end - start);
      list.push_back(text.ltrim('%').str());
    }
    names[func.getSymName().str()] = std::move(list);
  }
  return names;
}

/// Where an ONNX diagnostic points: the file, and the node when the message
/// does not name it already ("model.onnx", "model.onnx: lstm0 (LSTM)").
static std::string onnxLocation(Location loc, llvm::StringRef message) {
  std::string file, node;
  loc->walk([&](Location inner) {
    if (auto name = dyn_cast<NameLoc>(inner)) {
      if (node.empty())
        node = name.getName().str();
    } else if (auto f = dyn_cast<FileLineColLoc>(inner)) {
      file = f.getFilename().str();
      if (f.getLine() > 0)
        file += ":" + std::to_string(f.getLine()) + ":" +
                std::to_string(f.getColumn());
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (file.empty())
    file = inputFile;
  if (!node.empty() && !message.contains("(node '"))
    file += ": " + node;
  return file;
}

/// recur-compile MODEL.onnx: import, then the same pipeline as for MLIR.
static int compileONNX(const recur::CompileOptions &options) {
  DialectRegistry registry;
  recur::registerCompilerDialects(registry);
  recur::registerONNXImportDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  context.loadAllAvailableDialects();
  ScopedDiagnosticHandler handler(&context, [](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Remark)
      return failure(); // --explain's lines: compile() prints them
    auto print = [](Diagnostic &d, llvm::StringRef kind) {
      std::string msg = d.str();
      llvm::errs() << onnxLocation(d.getLocation(), msg) << ": " << kind << ": "
                   << msg << "\n";
    };
    print(diag, diag.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                                                                  : "error");
    for (Diagnostic &note : diag.getNotes())
      print(note, "note");
    return success();
  });

  OwningOpRef<ModuleOp> module = recur::importONNXFile(inputFile, context);
  if (!module)
    return 1;
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFile, &error);
  if (!output) {
    llvm::errs() << "recur-compile: error: " << error << "\n";
    return 1;
  }
  if (failed(recur::compile(*module, options, output->os(), llvm::outs())))
    return 1; // the output file is deleted: nothing half-written is left
  output->keep();
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAllPasses();
  recur::registerRecurPasses();
  recur::registerRecurPipelines();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "recur-compile: compile a recurrent model to a Recur module (.rmod)\n");

  if (listONNXOps) {
    for (llvm::StringRef op : recur::supportedONNXOps())
      llvm::outs() << op << "\n";
    return 0;
  }
  if (inputFile.empty() || outputFile.empty()) {
    llvm::errs() << "recur-compile: error: "
                 << (inputFile.empty() ? "no input file given"
                                       : "no output file given (-o FILE)")
                 << "; usage: recur-compile MODEL -o OUT.rmod\n";
    return 1;
  }

  recur::CompileOptions options;
  if (!targets.empty())
    options.targets.assign(targets.begin(), targets.end());
  options.ptxas = ptxasMode;
  options.gpuWideScan = gpuWideScan;
  options.hostWideScan = hostWideScan;
  std::optional<recur::Strategy> s = recur::parseStrategy(strategy);
  if (!s) {
    llvm::errs() << "recur-compile: error: unknown --strategy '" << strategy
                 << "'; expected auto, sequential, scan or newton\n";
    return 1;
  }
  options.strategy = *s;
  std::optional<recur::EmitStage> stage = recur::parseEmitStage(emit);
  if (!stage) {
    llvm::errs() << "recur-compile: error: unknown --emit '" << emit
                 << "'; expected recur, loops, llvm or module\n";
    return 1;
  }
  options.emit = *stage;
  options.explain = explain;
  options.chunkSize = chunkSize;
  options.newton.maxIterations = newtonMaxIterations;
  options.newton.atol = newtonAtol;
  options.newton.rtol = newtonRtol;
  options.newton.jacobian = newtonJacobian;
  options.newton.damping = newtonDamping;
  options.minParallelWork = minParallelWork;
  options.hostCpu = cpu;

  if (llvm::StringRef(inputFile).ends_with(".onnx"))
    return compileONNX(options);

  DialectRegistry registry;
  recur::registerCompilerDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  context.loadAllAvailableDialects();

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFile, &error);
  if (!input) {
    llvm::errs() << "recur-compile: error: " << error << "\n";
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);

  AsmParserState asmState;
  Block block;
  ParserConfig config(&context);
  if (failed(parseAsmSourceFile(sourceMgr, &block, config, &asmState)))
    return 1;
  OwningOpRef<ModuleOp> module =
      detail::constructContainerOpForParserIfNecessary<ModuleOp>(
          &block, &context,
          FileLineColLoc::get(&context, inputFile, /*line=*/1,
                              /*column=*/1));
  if (!module || failed(verify(*module)))
    return 1;
  options.argNames = argumentNames(*module, asmState);

  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFile, &error);
  if (!output) {
    llvm::errs() << "recur-compile: error: " << error << "\n";
    return 1;
  }
  if (failed(recur::compile(*module, options, output->os(), llvm::outs())))
    return 1; // the output file is deleted: nothing half-written is left
  output->keep();
  return 0;
}

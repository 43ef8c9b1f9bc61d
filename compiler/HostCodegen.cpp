//===- HostCodegen.cpp - LLVM dialect to a host shared object -------------===//
//
// The LLVM dialect becomes LLVM IR (mlir-translate's path), is optimized with
// the O3 pipeline for the chosen CPU, emitted as an object in memory and
// linked by ld.lld into a shared object. The object's undefined symbols
// (malloc, free, libm) resolve against the process that loads it.
//
//===----------------------------------------------------------------------===//

#include "compiler/HostCodegen.h"
#include "compiler/TempFiles.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace recur {

static std::unique_ptr<llvm::TargetMachine>
createMachine(const HostMachine &machine, std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(machine.triple);
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  llvm::TargetOptions options;
  // a * b + c as one fused multiply-add where the CPU has one: one rounding
  // instead of two, and the matmul and polynomial loops' throughput.
  options.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, machine.cpu, machine.features, options, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
}

FailureOr<HostMachine> resolveHostMachine(StringRef cpu, std::string &error) {
  HostMachine machine;
  machine.triple = llvm::sys::getDefaultTargetTriple();
  if (cpu == "host") {
    machine.cpu = llvm::sys::getHostCPUName().str();
    std::vector<std::string> features;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features.push_back((feature.second ? "+" : "-") +
                         feature.first().str());
    llvm::sort(features);
    machine.features = llvm::join(features, ",");
  } else {
    machine.cpu = cpu == "generic" ? "generic" : cpu.str();
  }
  std::unique_ptr<llvm::TargetMachine> tm = createMachine(machine, error);
  if (!tm)
    return failure();
  if (machine.cpu != "generic" &&
      !tm->getMCSubtargetInfo()->isCPUStringValid(machine.cpu)) {
    error = "unknown CPU '" + machine.cpu + "' for " + machine.triple;
    return failure();
  }
  return machine;
}

int64_t hostVectorBits(const HostMachine &machine) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createMachine(machine, error);
  if (!tm)
    return 128;
  // (checkFeatures aborts on a feature the target does not know.)
  if (!tm->getTargetTriple().isX86())
    return 128;
  const llvm::MCSubtargetInfo *info = tm->getMCSubtargetInfo();
  if (info->checkFeatures("+avx512f"))
    return 512;
  if (info->checkFeatures("+avx"))
    return 256;
  return 128;
}

std::unique_ptr<llvm::Module>
translateAndOptimize(ModuleOp module, const HostMachine &machine,
                     llvm::LLVMContext &context) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createMachine(machine, error);
  if (!tm) {
    module.emitError() << "cannot target " << machine.triple << ": " << error;
    return nullptr;
  }
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, "recur");
  if (!llvmModule) {
    module.emitError() << "translation to LLVM IR failed";
    return nullptr;
  }
  llvmModule->setTargetTriple(llvm::Triple(machine.triple));
  llvmModule->setDataLayout(tm->createDataLayout());
  auto optimize =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0, tm.get());
  if (llvm::Error err = optimize(llvmModule.get())) {
    module.emitError() << "LLVM optimization failed: "
                       << llvm::toString(std::move(err));
    return nullptr;
  }
  return llvmModule;
}

/// ld.lld: $RECUR_LLD, the one found at build time, or ld.lld(-22) on PATH.
static std::optional<std::string> findLinker() {
  if (const char *env = std::getenv("RECUR_LLD"))
    if (*env)
      return std::string(env);
#ifdef RECUR_LLD_PATH
  if (llvm::sys::fs::can_execute(RECUR_LLD_PATH))
    return std::string(RECUR_LLD_PATH);
#endif
  for (const char *name : {"ld.lld-22", "ld.lld"})
    if (llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName(name))
      return *path;
  return std::nullopt;
}

FailureOr<std::vector<char>> buildSharedObject(llvm::Module &llvmModule,
                                               const HostMachine &machine,
                                               Location loc) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createMachine(machine, error);
  if (!tm)
    return emitError(loc) << "cannot target " << machine.triple << ": "
                          << error;

  TempFiles temps;
  llvm::SmallString<128> objPath, soPath;
  int objFd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("recur", "o", objFd, objPath))
    return emitError(loc) << "cannot create a temporary file: "
                          << ec.message();
  temps.paths.push_back(objPath.str().str());
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("recur", "so", soPath))
    return emitError(loc) << "cannot create a temporary file: "
                          << ec.message();
  temps.paths.push_back(soPath.str().str());
  {
    llvm::raw_fd_ostream obj(objFd, /*shouldClose=*/true);
    llvm::legacy::PassManager pm;
    if (tm->addPassesToEmitFile(pm, obj, nullptr,
                                llvm::CodeGenFileType::ObjectFile))
      return emitError(loc) << "LLVM cannot emit objects for "
                            << machine.triple;
    pm.run(llvmModule);
    obj.flush();
    if (obj.has_error())
      return emitError(loc) << "cannot write " << objPath << ": "
                            << obj.error().message();
  }

  std::optional<std::string> lld = findLinker();
  if (!lld)
    return emitError(loc) << "cannot find ld.lld to link the host code "
                             "(install lld-22, or set RECUR_LLD)";
  llvm::SmallString<128> logPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("recur-lld", "log", logPath))
    return emitError(loc) << "cannot create a temporary file: "
                          << ec.message();
  temps.paths.push_back(logPath.str().str());
  std::vector<llvm::StringRef> args = {
      *lld,           "-shared",      "--hash-style=gnu", "-z",
      "noexecstack",  "-z",           "relro",            "-z",
      "now",          "--gc-sections", "-o",              soPath,
      objPath};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(*lld, args, std::nullopt, redirects, 0,
                                     0, &execError);
  if (rc != 0) {
    std::string log;
    if (auto buf = llvm::MemoryBuffer::getFile(logPath))
      log = (*buf)->getBuffer().trim().str();
    return emitError(loc) << "linking the host code with " << *lld
                          << " failed: "
                          << (execError.empty() ? log : execError);
  }
  auto so = llvm::MemoryBuffer::getFile(soPath, /*IsText=*/false,
                                        /*RequiresNullTerminator=*/false);
  if (!so)
    return emitError(loc) << "cannot read " << soPath << ": "
                          << so.getError().message();
  StringRef bytes = (*so)->getBuffer();
  return std::vector<char>(bytes.begin(), bytes.end());
}

} // namespace recur

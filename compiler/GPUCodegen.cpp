//===- GPUCodegen.cpp - PTX from the kernel module, cubins by ptxas -------===//
//
// The kernel module (gpu.module @recur_kernels, lowered to NVVM) is
// translated to LLVM IR on its own, optimized and compiled by LLVM's NVPTX
// backend to PTX for each architecture asked for; ptxas, when the CUDA
// toolkit is there, assembles the PTX into cubins. Nothing here needs the
// toolkit: without ptxas the module carries PTX for the driver's JIT.
//
//===----------------------------------------------------------------------===//

#include "compiler/GPUCodegen.h"
#include "compiler/TempFiles.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

extern "C" {
void LLVMInitializeNVPTXTargetInfo();
void LLVMInitializeNVPTXTarget();
void LLVMInitializeNVPTXTargetMC();
void LLVMInitializeNVPTXAsmPrinter();
}

namespace recur {

static constexpr const char *kNVPTXTriple = "nvptx64-nvidia-cuda";

/// The architectures recur-compile targets, and the PTX ISA version (times
/// 10) each needs at least.
static const std::pair<const char *, int> kCudaArchs[] = {
    {"sm_50", 70}, {"sm_52", 70},  {"sm_53", 70},  {"sm_60", 70},
    {"sm_61", 70}, {"sm_62", 70},  {"sm_70", 70},  {"sm_72", 70},
    {"sm_75", 70}, {"sm_80", 70},  {"sm_86", 71},  {"sm_87", 74},
    {"sm_89", 78}, {"sm_90", 78},  {"sm_90a", 80}, {"sm_100", 86},
    {"sm_100a", 86}, {"sm_101", 86}, {"sm_120", 87}};

static std::optional<int> ptxVersionFor(StringRef arch) {
  for (const auto &[name, version] : kCudaArchs)
    if (arch == name)
      return version;
  return std::nullopt;
}

bool isKnownCudaArch(StringRef arch, std::string &error) {
  if (!ptxVersionFor(arch)) {
    error = "unknown CUDA architecture '" + arch.str() + "' (known:";
    for (const auto &entry : kCudaArchs)
      error += std::string(" ") + entry.first;
    error += ")";
    return false;
  }
  return true;
}

static void initializeNVPTX() {
  static bool done = [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
    return true;
  }();
  (void)done;
}
FailureOr<std::string> emitPTX(gpu::GPUModuleOp kernels, StringRef arch,
                               Location loc) {
  initializeNVPTX();
  std::string error;
  if (!isKnownCudaArch(arch, error))
    return emitError(loc) << error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(llvm::Triple(kNVPTXTriple), error);
  if (!target)
    return emitError(loc) << "LLVM has no NVPTX backend: " << error;
  std::string features = "+ptx" + std::to_string(*ptxVersionFor(arch));
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      llvm::Triple(kNVPTXTriple), arch, features, llvm::TargetOptions(),
      std::nullopt, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!tm)
    return emitError(loc) << "cannot create an NVPTX target machine for "
                          << arch;

  // The kernel module's contents as a module of their own.
  OpBuilder b(kernels.getContext());
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  for (Operation &op : *kernels.getBody())
    b.clone(op);
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, context, "recur_kernels");
  if (!llvmModule)
    return emitError(loc) << "translating the kernels to LLVM IR failed";
  llvmModule->setTargetTriple(llvm::Triple(kNVPTXTriple));
  llvmModule->setDataLayout(tm->createDataLayout());
  // PTX has no libraries to link: every call must be to a definition, or
  // to what the driver provides (malloc and free of the device heap).
  for (llvm::Function &f : *llvmModule)
    if (f.isDeclaration() && !f.isIntrinsic() && !f.use_empty() &&
        f.getName() != "malloc" && f.getName() != "free")
      return emitError(loc) << "a kernel calls '" << f.getName()
                            << "', which PTX does not provide";
  auto optimize =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0, tm.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return emitError(loc) << "optimizing the kernels failed: "
                          << llvm::toString(std::move(err));
  llvm::SmallString<0> ptx;
  {
    llvm::raw_svector_ostream os(ptx);
    llvm::legacy::PassManager pm;
    if (tm->addPassesToEmitFile(pm, os, nullptr,
                                llvm::CodeGenFileType::AssemblyFile))
      return emitError(loc) << "LLVM cannot emit PTX for " << arch;
    pm.run(*llvmModule);
  }
  return std::string(ptx.str());
}

std::optional<std::string> findPtxas() {
  if (const char *env = std::getenv("RECUR_PTXAS"))
    return *env ? std::optional<std::string>(env) : std::nullopt;
  if (llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName("ptxas"))
    return *path;
  std::vector<std::string> dirs;
  if (const char *cuda = std::getenv("CUDA_PATH"))
    dirs.push_back(std::string(cuda) + "/bin");
  dirs.push_back("/usr/local/cuda/bin");
  for (const std::string &dir : dirs) {
    std::string path = dir + "/ptxas";
    if (llvm::sys::fs::can_execute(path))
      return path;
  }
  return std::nullopt;
}

/// ptxas -v's lines, per kernel: "Compiling entry function 'k'", "N bytes
/// stack frame, S bytes spill stores, L bytes spill loads", "Used R
/// registers, ... B bytes smem".
static std::vector<PtxasKernelReport> parsePtxasLog(StringRef log) {
  std::vector<PtxasKernelReport> report;
  llvm::Regex entry("Compiling entry function '([^']+)'");
  llvm::Regex spills("([0-9]+) bytes spill stores, ([0-9]+) bytes spill loads");
  llvm::Regex regs("Used ([0-9]+) registers");
  llvm::Regex smem("([0-9]+) bytes smem");
  SmallVector<StringRef> lines;
  log.split(lines, '\n');
  for (StringRef line : lines) {
    SmallVector<StringRef> m;
    if (entry.match(line, &m)) {
      report.push_back({m[1].str()});
      continue;
    }
    if (report.empty())
      continue;
    PtxasKernelReport &r = report.back();
    if (spills.match(line, &m)) {
      m[1].getAsInteger(10, r.spillStores);
      m[2].getAsInteger(10, r.spillLoads);
    }
    if (regs.match(line, &m))
      m[1].getAsInteger(10, r.registers);
    if (smem.match(line, &m))
      m[1].getAsInteger(10, r.sharedBytes);
  }
  return report;
}

FailureOr<std::vector<char>>
assemblePTX(StringRef ptxas, StringRef ptx, StringRef arch, Location loc,
            std::vector<PtxasKernelReport> &report) {
  TempFiles temps;
  llvm::SmallString<128> ptxPath, cubinPath, logPath;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("recur", "ptx", fd, ptxPath))
    return emitError(loc) << "cannot create a temporary file: "
                          << ec.message();
  temps.paths.push_back(ptxPath.str().str());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << ptx;
  }
  for (auto [path, ext] : {std::pair{&cubinPath, "cubin"},
                           std::pair{&logPath, "log"}}) {
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("recur", ext, *path))
      return emitError(loc) << "cannot create a temporary file: "
                            << ec.message();
    temps.paths.push_back(path->str().str());
  }
  std::string archFlag = ("-arch=" + arch).str();
  std::vector<StringRef> args = {ptxas, archFlag, "-v", "-o", cubinPath,
                                 ptxPath};
  std::optional<StringRef> redirects[] = {std::nullopt, logPath.str(),
                                          logPath.str()};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0,
                                     0, &execError);
  std::string log;
  if (auto buf = llvm::MemoryBuffer::getFile(logPath))
    log = (*buf)->getBuffer().str();
  if (rc != 0)
    return emitError(loc) << "ptxas (" << ptxas << ") failed for " << arch
                          << ": "
                          << (execError.empty() ? StringRef(log).trim().str()
                                                : execError);
  report = parsePtxasLog(log);
  auto cubin = llvm::MemoryBuffer::getFile(cubinPath, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
  if (!cubin)
    return emitError(loc) << "cannot read " << cubinPath << ": "
                          << cubin.getError().message();
  StringRef bytes = (*cubin)->getBuffer();
  return std::vector<char>(bytes.begin(), bytes.end());
}

} // namespace recur

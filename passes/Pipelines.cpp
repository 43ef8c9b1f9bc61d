//===- Pipelines.cpp - named recur pipelines ------------------------------===//
//
// Pipelines that string recur passes and upstream passes together, so tests
// and users name one flag instead of twenty.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

/// Recur ops to loops and elementwise ops to linalg, on tensors: how every
/// lowering starts. Maps (stateless recurrences) become scf.forall.
static constexpr const char *kToLinalg =
    "recur-lower-to-loops,canonicalize,"
    "func.func(convert-elementwise-to-linalg),";

/// Tensors to buffers.
static constexpr const char *kBufferize =
    "one-shot-bufferize{bufferize-function-boundaries=1 "
    "function-boundary-type-conversion=identity-layout-map allow-return-allocs-from-loops=1},"
    "canonicalize,"
    "buffer-deallocation-pipeline,convert-bufferization-to-memref,";

/// Loops and buffers to the LLVM dialect. Math functions without an LLVM
/// intrinsic (tanh) call libm.
static constexpr const char *kLoopsToLLVM =
    "convert-scf-to-cf,expand-strided-metadata,lower-affine,"
    "finalize-memref-to-llvm,convert-math-to-llvm,convert-math-to-libm,"
    "convert-to-llvm,reconcile-unrealized-casts";

/// The sequential reference all the way to the LLVM dialect, ready for
/// mlir-runner: recur ops become loops, tensors become buffers, and every
/// dialect becomes LLVM.
static std::string referenceToLLVM() {
  return std::string(kToLinalg) + kBufferize +
         "func.func(convert-linalg-to-loops),func.func(scf-forall-to-for)," +
         kLoopsToLLVM;
}

/// The same for the host target's shared object (runtime/include/recur/
/// host_abi.h): linalg ops, strided copies and scf.forall become
/// scf.parallel, the outermost parallel loops are outlined for the runtime's
/// parallel_for (inner ones run sequentially), public functions become the
/// exported entry points.
static std::string hostToLLVM(int64_t minParallelWork, int64_t vectorBits) {
  return std::string(kToLinalg) +
         "recur-host-fuse-elementwise,recur-host-approximate-math,"
         "canonicalize," + kBufferize +
         "func.func(recur-host-hoist-loop-buffers),"
         "recur-host-expand-copies,"
         "func.func(recur-host-matmul-kernels{vector-bits=" +
         std::to_string(vectorBits) +
         "},recur-host-vectorize-elementwise{vector-bits=" +
         std::to_string(vectorBits) + "}),"
         "func.func(recur-host-interchange-contractions),"
         "func.func(convert-linalg-to-parallel-loops),"
         "func.func(scf-forall-to-parallel),"
         "recur-outline-host-parallel{min-parallel-work=" +
         std::to_string(minParallelWork) + "},recur-host-mark-entries," +
         kLoopsToLLVM + ",recur-host-abi";
}

/// GPU targets, part 1: the same loops as the host's, every access to data
/// in a kernel (--recur-gpu-map), kernels outlined into one module and
/// lowered to NVVM with math that needs no libdevice, entries marked.
std::string recur::gpuKernelsPipeline(int64_t wideScanThreshold) {
  return std::string(kToLinalg) +
         "recur-host-fuse-elementwise,canonicalize," + kBufferize +
         "func.func(recur-host-hoist-loop-buffers),"
         "recur-host-expand-copies,"
         "func.func(convert-linalg-to-parallel-loops),"
         "func.func(scf-forall-to-parallel),canonicalize,"
         // Neighbouring loops over the same iterations: one kernel.
         "func.func(scf-parallel-loop-fusion),"
         "recur-gpu-scan-kernels{wide-threshold=" +
         std::to_string(wideScanThreshold) + "},"
         "recur-gpu-host-reads,func.func(recur-gpu-map),gpu-kernel-outlining,"
         "recur-gpu-collect-kernels,canonicalize,"
         "gpu.module(expand-strided-metadata,lower-affine,convert-scf-to-cf,"
         "recur-gpu-expand-math,canonicalize,"
         "convert-gpu-to-nvvm{index-bitwidth=64}),"
         "reconcile-unrealized-casts,recur-host-mark-entries";
}

/// GPU targets, part 2 (after the kernel module is taken out, or turned
/// into host code for sim): the driver to the LLVM dialect, its allocations
/// device memory.
std::string recur::gpuDriverToLLVMPipeline() {
  return std::string(kLoopsToLLVM) + ",recur-host-abi{device-memory=1}";
}

namespace {
/// Options of the parallelizing pipelines.
struct ParallelizeOptions : PassPipelineOptions<ParallelizeOptions> {
  Option<int64_t> chunkSize{*this, "chunk-size",
                            llvm::cl::desc("Steps per chunk of the scans"),
                            llvm::cl::init(64)};
};

/// Options of the host pipelines.
struct HostOptions : PassPipelineOptions<HostOptions> {
  Option<int64_t> minParallelWork{
      *this, "min-parallel-work",
      llvm::cl::desc("Estimated ops below which a parallel loop runs on the "
                     "calling thread (0: every loop through parallel_for)"),
      llvm::cl::init(32768)};
  Option<int64_t> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("Width of the target's vector registers for the matmul "
                     "kernels: 128, 256 or 512"),
      llvm::cl::init(256)};
};

/// --recur-parallelize's and the host's.
struct HostParallelizeOptions : PassPipelineOptions<HostParallelizeOptions> {
  Option<int64_t> chunkSize{*this, "chunk-size",
                            llvm::cl::desc("Steps per chunk of the scans"),
                            llvm::cl::init(64)};
  Option<int64_t> minParallelWork{
      *this, "min-parallel-work",
      llvm::cl::desc("Estimated ops below which a parallel loop runs on the "
                     "calling thread (0: every loop through parallel_for)"),
      llvm::cl::init(32768)};
  Option<int64_t> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("Width of the target's vector registers for the matmul "
                     "kernels: 128, 256 or 512"),
      llvm::cl::init(256)};
};
} // namespace

/// The target-independent rewrites, in the order they need: cells become
/// recurrences; affine recurrences become linear scans (before gate fusion,
/// whose fused regions the affine analysis does not see through); what is
/// left of the bodies loses its state-independent work; scans become chunked
/// parallel scans. Nonlinear recurrences stay sequential (recur-compile adds
/// --recur-newton after hoisting; the pipeline leaves it out).
static void buildParallelize(OpPassManager &pm,
                             const ParallelizeOptions &options) {
  std::string pipeline =
      "recur-decompose-cells,recur-linearize,recur-hoist-invariants,"
      "recur-fuse-gates,canonicalize,recur-lower-scans{chunk-size=" +
      std::to_string(options.chunkSize) + "},canonicalize";
  if (failed(parsePassPipeline(pipeline, pm)))
    llvm::report_fatal_error("recur-parallelize: bad pipeline");
}

void recur::registerRecurPipelines() {
  PassPipelineRegistration<ParallelizeOptions>(
      "recur-parallelize",
      "Find each recurrence's structure and rewrite it into parallel form "
      "(decompose cells, linearize, hoist, fuse gates, chunked scans)",
      buildParallelize);
  PassPipelineRegistration<ParallelizeOptions>(
      "recur-parallel-to-llvm",
      "--recur-parallelize, then what is left to loops and everything to the "
      "LLVM dialect (for mlir-runner)",
      [](OpPassManager &pm, const ParallelizeOptions &options) {
        buildParallelize(pm, options);
        if (failed(parsePassPipeline(referenceToLLVM(), pm)))
          llvm::report_fatal_error("recur-parallel-to-llvm: bad pipeline");
      });
  PassPipelineRegistration<HostParallelizeOptions>(
      "recur-host-parallel-to-llvm",
      "--recur-parallelize, then --recur-host-to-llvm (the host shared "
      "object's LLVM dialect)",
      [](OpPassManager &pm, const HostParallelizeOptions &options) {
        ParallelizeOptions parallelize;
        parallelize.chunkSize = options.chunkSize;
        buildParallelize(pm, parallelize);
        if (failed(parsePassPipeline(hostToLLVM(options.minParallelWork,
                                                options.vectorBits),
                                     pm)))
          llvm::report_fatal_error("recur-host-parallel-to-llvm: bad pipeline");
      });
  PassPipelineRegistration<HostOptions>(
      "recur-host-to-llvm",
      "Lower what recur ops remain to loops and everything to the LLVM "
      "dialect of a host shared object: parallel loops call the runtime's "
      "parallel_for, public functions become __recur_entry_<f> "
      "(runtime/include/recur/host_abi.h)",
      [](OpPassManager &pm, const HostOptions &options) {
        if (failed(parsePassPipeline(hostToLLVM(options.minParallelWork,
                                                options.vectorBits),
                                     pm)))
          llvm::report_fatal_error("recur-host-to-llvm: bad pipeline");
      });
  PassPipelineRegistration<>(
      "recur-gpu-kernels",
      "GPU targets: loops to kernels (one gpu.module @recur_kernels lowered "
      "to NVVM) launched by a host driver still in func/memref form",
      [](OpPassManager &pm) {
        if (failed(parsePassPipeline(gpuKernelsPipeline(32768), pm)))
          llvm::report_fatal_error("recur-gpu-kernels: bad pipeline");
      });
  PassPipelineRegistration<>(
      "recur-sim-to-llvm",
      "The sim target: --recur-gpu-kernels, the kernels as host code "
      "(--recur-sim-kernels), the driver to the LLVM dialect",
      [](OpPassManager &pm) {
        if (failed(parsePassPipeline(gpuKernelsPipeline(32768) +
                                         ",recur-sim-kernels," +
                                         gpuDriverToLLVMPipeline(),
                                     pm)))
          llvm::report_fatal_error("recur-sim-to-llvm: bad pipeline");
      });
  PassPipelineRegistration<>(
      "recur-reference-to-llvm",
      "Lower recur ops to sequential loops and everything to the LLVM dialect "
      "(for mlir-runner)",
      [](OpPassManager &pm) {
        if (failed(parsePassPipeline(referenceToLLVM(), pm)))
          llvm::report_fatal_error("recur-reference-to-llvm: bad pipeline");
      });
}

//===- Passes.h - recur passes ----------------------------------*- C++ -*-===//
//
// Declares the recur passes (generated from Passes.td), their pattern sets
// for reuse, and the named pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PASSES_PASSES_H
#define RECUR_PASSES_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace recur {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Patterns that rewrite recur.lstm/gru/rnn into recur.recurrence.
void populateDecomposeCellsPatterns(mlir::RewritePatternSet &patterns);

/// Patterns that lower recurrence, scan and linear_scan to scf.for loops.
void populateLowerToLoopsPatterns(mlir::RewritePatternSet &patterns);

/// Patterns that lower scan and linear_scan to scf.for loops (part of the
/// above).
void populateLowerScansToLoopsPatterns(mlir::RewritePatternSet &patterns);

/// Symbols of the host ABI (runtime/include/recur/host_abi.h). The outlining
/// pass names loops' functions, the ABI pass finds them by these names.
inline constexpr llvm::StringLiteral kHostParBodyPrefix = "__recur_par_body_";
inline constexpr llvm::StringLiteral kHostParLaunchPrefix =
    "__recur_par_launch_";
inline constexpr llvm::StringLiteral kHostParThunkPrefix =
    "__recur_par_thunk_";
/// On a launch declaration: the symbol of the body it runs.
inline constexpr llvm::StringLiteral kHostParBodyAttr =
    "recur.host_parallel_body";
/// On a launch declaration: the smallest iteration count worth running
/// through parallel_for (smaller loops run on the calling thread).
inline constexpr llvm::StringLiteral kHostParMinIterationsAttr =
    "recur.host_parallel_min_iterations";
inline constexpr llvm::StringLiteral kHostEntryPrefix = "__recur_entry_";
inline constexpr llvm::StringLiteral kHostEnvGlobal = "__recur_env";
/// RECUR_HOST_ABI_VERSION_SYMBOL and RECUR_HOST_ABI_VERSION.
inline constexpr llvm::StringLiteral kHostABIVersionSymbol =
    "__recur_host_abi_version";
inline constexpr unsigned kHostABIVersion = 4;
/// Declarations that --recur-host-abi implements with the env's callbacks:
/// void @__recur_newton_report(i64 site, i64 iterations, i64 converged)
/// calls env->report_newton (skipped without one);
/// void @__recur_device_read(ptr host_dst, ptr device_src, i64 bytes) calls
/// env->device_read (memcpy without one).
inline constexpr llvm::StringLiteral kNewtonReportSymbol =
    "__recur_newton_report";
inline constexpr llvm::StringLiteral kDeviceReadSymbol = "__recur_device_read";

/// GPU targets (host_abi.h): --recur-gpu-collect-kernels puts every kernel
/// in one gpu.module, lists their names (the launch callback's kernel
/// numbers) in an array attribute of the module, and turns each launch into
/// a call of a declaration that names its kernel's number; --recur-host-abi
/// implements those with the env's launch callback.
inline constexpr llvm::StringLiteral kGPUKernelModule = "recur_kernels";
inline constexpr llvm::StringLiteral kGPUKernelsAttr = "recur.gpu_kernels";
inline constexpr llvm::StringLiteral kGPULaunchPrefix = "__recur_gpu_launch_";
inline constexpr llvm::StringLiteral kGPULaunchKernelAttr = "recur.gpu_kernel";
/// On the kernel module after --recur-sim-kernels: per kernel, its static
/// shared memory in bytes and whether it synchronizes (dictionary attrs).
inline constexpr llvm::StringLiteral kSimKernelInfoAttr = "recur.sim_kernels";
inline constexpr llvm::StringLiteral kSimKernelPrefix = "__recur_sim_kernel_";
/// On functions that run on the device (sim kernels moved into the host
/// module): the ABI pass leaves their allocations alone.
inline constexpr llvm::StringLiteral kDeviceCodeAttr = "recur.device_code";

/// The GPU targets' pipelines as text (Pipelines.cpp): loops to the NVVM
/// kernel module and its driver; the driver to the LLVM dialect.
std::string gpuKernelsPipeline(int64_t wideScanThreshold);
std::string gpuDriverToLLVMPipeline();

/// Registers the named pipelines (see Pipelines.cpp).
void registerRecurPipelines();

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace recur

#endif // RECUR_PASSES_PASSES_H

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

/// The sequential reference all the way to the LLVM dialect, ready for
/// mlir-runner: recur ops become loops, tensors become buffers, and every
/// dialect becomes LLVM. Math functions without an LLVM intrinsic (tanh) call
/// libm.
static constexpr const char *kReferenceToLLVM =
    "recur-lower-to-loops,canonicalize,"
    "func.func(convert-elementwise-to-linalg),"
    "one-shot-bufferize{bufferize-function-boundaries=1 "
    "function-boundary-type-conversion=identity-layout-map allow-return-allocs-from-loops=1},"
    "canonicalize,"
    "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
    "func.func(convert-linalg-to-loops),func.func(scf-forall-to-for),"
    "convert-scf-to-cf,expand-strided-metadata,lower-affine,"
    "finalize-memref-to-llvm,convert-math-to-llvm,convert-math-to-libm,"
    "convert-to-llvm,reconcile-unrealized-casts";

void recur::registerRecurPipelines() {
  PassPipelineRegistration<>(
      "recur-reference-to-llvm",
      "Lower recur ops to sequential loops and everything to the LLVM dialect "
      "(for mlir-runner)",
      [](OpPassManager &pm) {
        if (failed(parsePassPipeline(kReferenceToLLVM, pm)))
          llvm::report_fatal_error("recur-reference-to-llvm: bad pipeline");
      });
}

//===- DecomposeCells.cpp - named cells into generic recurrences ----------===//
//
// Rewrites recur.lstm, recur.gru and recur.rnn into recur.recurrence ops
// whose bodies spell out ONNX's equations.
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurCells.h"
#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace recur {
#define GEN_PASS_DEF_RECURDECOMPOSECELLS
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;
using namespace recur;

void recur::populateDecomposeCellsPatterns(RewritePatternSet &patterns) {}

namespace {
struct DecomposeCellsPass
    : recur::impl::RecurDecomposeCellsBase<DecomposeCellsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeCellsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

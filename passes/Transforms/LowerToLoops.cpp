//===- LowerToLoops.cpp - the sequential reference lowering ---------------===//
//
// Lowers recur.recurrence to an scf.for over time with exactly its
// sequential semantics; the pass also runs the cell decomposition and the
// scan lowerings (LowerScansToLoops.cpp), so every recur op leaves as loops.
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/TimeSlicing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace recur {
#define GEN_PASS_DEF_RECURLOWERTOLOOPS
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;
using namespace recur;

namespace {

static constexpr const char *kSideEffectsNeedProbe =
    "a step output's dynamic size is known only by running the body, and the "
    "body has side effects (sizing it would run them twice)";

/// recur.recurrence -> scf.for over t, states and stacked outputs as
/// iter_args. Every step writes its slice of each stacked output (steps that
/// sequence lengths mask out write zeros), so the outputs start empty.
struct LowerRecurrence : OpRewritePattern<RecurrenceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RecurrenceOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = op.getTimeAxis();
    unsigned numStates = op.getNumStates();
    Block &body = op.getBodyBlock();
    Value numSteps = getDimValue(rewriter, loc, op.getSequences()[0], axis);
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);

    // The stacked outputs' dynamic sizes. The time dimension is T; any other
    // dynamic size is the size of the step output, which only running the
    // body tells: probe it on step 0 when there is one (the probe folds away
    // whenever the sizes follow from the operands' types or sizes).
    SmallVector<RankedTensorType> outTypes;
    bool needsProbe = false;
    for (Value out : op.getStepOutputs()) {
      auto type = cast<RankedTensorType>(out.getType());
      outTypes.push_back(type);
      for (int64_t d = 0; d < type.getRank(); ++d)
        needsProbe |= d != axis && type.isDynamicDim(d);
    }
    SmallVector<SmallVector<Value>> outDynSizes(outTypes.size());
    // The probe runs the body once more: sound only for a body without side
    // effects, which would otherwise happen T+1 times.
    if (needsProbe && !isMemoryEffectFree(op.getOperation()))
      return rewriter.notifyMatchFailure(op, kSideEffectsNeedProbe);
    if (needsProbe) {
      SmallVector<Type> indexTypes;
      for (RankedTensorType type : outTypes)
        for (int64_t d = 0; d < type.getRank(); ++d)
          if (d != axis && type.isDynamicDim(d))
            indexTypes.push_back(rewriter.getIndexType());
      Value nonEmpty = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::sgt, numSteps, c0);
      auto probe = scf::IfOp::create(rewriter, loc, indexTypes, nonEmpty,
                                     /*withElseRegion=*/true);
      {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToStart(&probe.getThenRegion().front());
        SmallVector<Value> args(op.getInits());
        for (Value seq : op.getSequences())
          args.push_back(extractTimeStep(rewriter, loc, seq, axis, c0));
        llvm::append_range(args, op.getCaptures());
        auto stepSizes = [&](ArrayRef<Value> args) {
          SmallVector<Value> yielded = inlineBlock(rewriter, body, args);
          SmallVector<Value> sizes;
          for (auto [k, type] : llvm::enumerate(outTypes)) {
            Value step = yielded[numStates + k];
            for (int64_t d = 0, sd = 0; d < type.getRank(); ++d) {
              if (d == axis)
                continue;
              if (type.isDynamicDim(d))
                sizes.push_back(getDimValue(rewriter, loc, step, sd));
              ++sd;
            }
          }
          scf::YieldOp::create(rewriter, loc, sizes);
        };
        stepSizes(args);
        // Without a step 0 (T = 0), the body runs on stand-ins of the
        // slices' sizes (zeros): sizes that follow from shapes come out right
        // (and both branches fold to them); the values are never used.
        rewriter.setInsertionPointToStart(&probe.getElseRegion().front());
        SmallVector<Value> standIns(op.getInits());
        for (Value seq : op.getSequences()) {
          auto seqType = cast<RankedTensorType>(seq.getType());
          SmallVector<int64_t> shape;
          SmallVector<Value> dyn;
          for (int64_t d = 0; d < seqType.getRank(); ++d) {
            if (d == axis)
              continue;
            shape.push_back(seqType.getDimSize(d));
            if (seqType.isDynamicDim(d))
              dyn.push_back(getDimValue(rewriter, loc, seq, d));
          }
          standIns.push_back(createZeros(
              rewriter, loc,
              RankedTensorType::get(shape, seqType.getElementType()), dyn));
        }
        llvm::append_range(standIns, op.getCaptures());
        stepSizes(standIns);
      }
      unsigned next = 0;
      for (auto [k, type] : llvm::enumerate(outTypes))
        for (int64_t d = 0; d < type.getRank(); ++d)
          if (d != axis && type.isDynamicDim(d))
            outDynSizes[k].push_back(probe.getResult(next++));
    }

    SmallVector<Value> iterInits(op.getInits());
    for (auto [k, type] : llvm::enumerate(outTypes)) {
      SmallVector<Value> dyn;
      for (int64_t d = 0, next = 0; d < type.getRank(); ++d) {
        if (!type.isDynamicDim(d))
          continue;
        dyn.push_back(d == axis ? numSteps : outDynSizes[k][next++]);
      }
      // Every step writes its slice of a stacked output in full.
      iterInits.push_back(tensor::EmptyOp::create(rewriter, loc, type, dyn));
    }

    Value lens = op.getSeqLens();
    bool reverse = op.getReverse();

    // Without states every step is independent (a map over time, as the
    // rewrites produce for coefficients and outputs): all steps in parallel.
    // A body with side effects keeps its sequential order.
    if (numStates == 0 && isMemoryEffectFree(op.getOperation())) {
      auto forall = scf::ForallOp::create(
          rewriter, loc, ArrayRef<OpFoldResult>{numSteps}, iterInits,
          /*mapping=*/std::nullopt);
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(forall.getTerminator());
      Value t = forall.getInductionVar(0);
      SmallVector<Value> args;
      for (Value seq : op.getSequences())
        args.push_back(extractTimeStep(rewriter, loc, seq, axis, t));
      llvm::append_range(args, op.getCaptures());
      SmallVector<Value> yielded = inlineBlock(rewriter, body, args);
      for (Value &y : yielded)
        if (lens)
          y = selectWhere(rewriter, loc,
                          createActiveMask(rewriter, loc, lens, t, y), y,
                          createZerosLike(rewriter, loc, y));
      for (auto [y, out] : llvm::zip(yielded, forall.getRegionIterArgs()))
        insertTimeStepInParallel(rewriter, loc, forall.getTerminator(), y, out,
                                 axis, t);
      rewriter.replaceOp(op, forall.getResults());
      return success();
    }

    auto loop = scf::ForOp::create(
        rewriter, loc, c0, numSteps, c1, iterInits,
        [&](OpBuilder &b, Location loc, Value i, ValueRange iter) {
          Value t = stepIndex(b, loc, i, numSteps, reverse);
          ValueRange states = iter.take_front(numStates);
          ValueRange stacked = iter.drop_front(numStates);
          SmallVector<Value> args(states);
          for (Value seq : op.getSequences())
            args.push_back(extractTimeStep(b, loc, seq, axis, t));
          llvm::append_range(args, op.getCaptures());
          SmallVector<Value> yielded = inlineBlock(b, body, args);

          SmallVector<Value> next;
          for (unsigned s = 0; s < numStates; ++s) {
            Value v = yielded[s];
            if (lens)
              v = selectWhere(b, loc, createActiveMask(b, loc, lens, t, v), v,
                              states[s]);
            next.push_back(v);
          }
          for (auto [k, acc] : llvm::enumerate(stacked)) {
            Value y = yielded[numStates + k];
            if (lens)
              y = selectWhere(b, loc, createActiveMask(b, loc, lens, t, y), y,
                              createZerosLike(b, loc, y));
            next.push_back(insertTimeStep(b, loc, y, acc, axis, t));
          }
          scf::YieldOp::create(b, loc, next);
        });
    rewriter.replaceOp(op, loop.getResults());
    return success();
  }
};

struct LowerToLoopsPass : recur::impl::RecurLowerToLoopsBase<LowerToLoopsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeCellsPatterns(patterns);
    populateLowerToLoopsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
    // Anything left is an op we cannot lower: say so (once per outermost
    // op) instead of passing it on.
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (!isa<RecurDialect>(op->getDialect()))
        return WalkResult::advance();
      InFlightDiagnostic diag =
          op->emitOpError("could not be lowered to loops");
      if (isa<RecurrenceOp>(op) && !isMemoryEffectFree(op))
        diag << ": " << kSideEffectsNeedProbe;
      signalPassFailure();
      return WalkResult::skip();
    });
  }
};

} // namespace

void recur::populateLowerToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRecurrence>(patterns.getContext());
  populateLowerScansToLoopsPatterns(patterns);
}

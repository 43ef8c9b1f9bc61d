//===- LowerScansToLoops.cpp - scans as sequential loops ------------------===//
//
// Lowers recur.scan and recur.linear_scan to scf.for loops over time with
// exactly their sequential semantics (part of --recur-lower-to-loops). Every
// parallel scan lowering is checked against these loops, so they do the
// obvious thing one step at a time and nothing clever.
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/TimeSlicing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace recur;

namespace {

/// The sizes of the dynamic dimensions of one step slice of `seq`, whose
/// time axis is `timeAxis`, in order.
SmallVector<Value> stepDynamicSizes(OpBuilder &b, Location loc, Value seq,
                                    int64_t timeAxis) {
  auto type = cast<RankedTensorType>(seq.getType());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (d != timeAxis && type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, seq, d));
  return sizes;
}

/// recur.scan -> scf.for over t, the accumulated values and the stacked
/// results as iter_args. Each step combines the accumulated value (first
/// argument) with the step's element and stores the accumulated value after
/// (inclusive) or before (exclusive) that combination.
struct LowerScan : OpRewritePattern<ScanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScanOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = op.getTimeAxis();
    bool reverse = op.getReverse();
    bool exclusive = op.getExclusive();
    ValueRange inputs = op.getInputs();
    unsigned n = inputs.size();
    Block &combiner = op.getCombinerBlock();
    Value numSteps = getDimValue(rewriter, loc, inputs[0], axis);
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);

    SmallVector<Value> iterInits(op.getInits());
    Value lowerBound = c0;
    if (iterInits.empty()) {
      // Without init (so inclusive) the first step's output is its element
      // itself: the accumulator starts there and the loop one step later.
      // The guard keeps T = 0 from reading a step that does not exist; its
      // zeros are never read then.
      SmallVector<Type> stepTypes;
      for (BlockArgument arg : combiner.getArguments().take_front(n))
        stepTypes.push_back(arg.getType());
      Value nonEmpty = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::sgt, numSteps, c0);
      auto first = scf::IfOp::create(rewriter, loc, stepTypes, nonEmpty,
                                     /*withElseRegion=*/true);
      {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToStart(&first.getThenRegion().front());
        Value t = stepIndex(rewriter, loc, c0, numSteps, reverse);
        SmallVector<Value> elements;
        for (Value input : inputs)
          elements.push_back(extractTimeStep(rewriter, loc, input, axis, t));
        scf::YieldOp::create(rewriter, loc, elements);
        rewriter.setInsertionPointToStart(&first.getElseRegion().front());
        SmallVector<Value> zeros;
        for (auto [input, type] : llvm::zip(inputs, stepTypes))
          zeros.push_back(
              createZeros(rewriter, loc, cast<RankedTensorType>(type),
                          stepDynamicSizes(rewriter, loc, input, axis)));
        scf::YieldOp::create(rewriter, loc, zeros);
      }
      llvm::append_range(iterInits, first.getResults());
      lowerBound = c1;
    }
    // The results have the inputs' types and the loop writes every step but
    // the first step of a scan without init, whose output, x_first, the input
    // already holds in place: the inputs are the destinations.
    llvm::append_range(iterInits, inputs);

    auto loop = scf::ForOp::create(
        rewriter, loc, lowerBound, numSteps, c1, iterInits,
        [&](OpBuilder &b, Location loc, Value i, ValueRange iter) {
          Value t = stepIndex(b, loc, i, numSteps, reverse);
          ValueRange acc = iter.take_front(n);
          ValueRange stacked = iter.drop_front(n);
          SmallVector<Value> args(acc);
          for (Value input : inputs)
            args.push_back(extractTimeStep(b, loc, input, axis, t));
          SmallVector<Value> combined = inlineBlock(b, combiner, args);
          SmallVector<Value> outs =
              exclusive ? SmallVector<Value>(acc) : combined;
          SmallVector<Value> next(combined);
          for (auto [out, dest] : llvm::zip(outs, stacked))
            next.push_back(insertTimeStep(b, loc, out, dest, axis, t));
          scf::YieldOp::create(b, loc, next);
        });
    rewriter.replaceOp(op, loop.getResults().drop_front(n));
    return success();
  }
};

/// An indexing map over `numDims` loop dimensions selecting `exprs`.
AffineMap mapOf(unsigned numDims, ArrayRef<AffineExpr> exprs,
                MLIRContext *ctx) {
  return AffineMap::get(numDims, /*symbolCount=*/0, exprs, ctx);
}

/// acc + a * x, elementwise over x's shape, where `a` is indexed by the
/// leading dimensions of x only: the scalar structure (a per batch entry,
/// broadcast over the unit) and the diagonal one (a of x's rank) alike.
/// Computed into `acc` (its init), or with `intoX` into `x`: a scan step
/// without sequence lengths, where h_{t-1} is read by nothing else, so that
/// bufferization updates the loop-carried state in place instead of
/// allocating a new state (and copying b_t) every step.
Value addScaled(OpBuilder &b, Location loc, Value a, Value x, Value acc,
                bool intoX = false) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
  unsigned aRank = cast<RankedTensorType>(a.getType()).getRank();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap aMap = AffineMap::get(rank, /*symbolCount=*/0,
                                  identity.getResults().take_front(aRank), ctx);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Value input = intoX ? acc : x, init = intoX ? x : acc;
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{a, input}, ValueRange{init},
             ArrayRef<AffineMap>{aMap, identity, identity}, iterators,
             [&](OpBuilder &b, Location loc, ValueRange args) {
               Value xs = intoX ? args[2] : args[1];
               Value accs = intoX ? args[1] : args[2];
               Value prod = arith::MulFOp::create(b, loc, args[0], xs);
               Value sum = arith::AddFOp::create(b, loc, accs, prod);
               linalg::YieldOp::create(b, loc, sum);
             })
      .getResult(0);
}

/// acc[.., i, rest] + sum_j m[.., i, j] x[.., j, rest], where `..` are the
/// first `numBatch` dimensions of all three: a stack of matrices acting on
/// the first dimension after the batch of a stack of states, whatever the
/// rank of `rest`. With `transposed`, m is read as m[.., j, i].
Value addMatrixProduct(OpBuilder &b, Location loc, Value m, Value x, Value acc,
                       unsigned numBatch, bool transposed) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = cast<RankedTensorType>(acc.getType()).getRank();
  // Loop dimensions: acc's, then j, the reduction.
  unsigned numLoops = rank + 1;
  SmallVector<AffineExpr> accExprs;
  for (unsigned d = 0; d < rank; ++d)
    accExprs.push_back(getAffineDimExpr(d, ctx));
  AffineExpr i = accExprs[numBatch];
  AffineExpr j = getAffineDimExpr(rank, ctx);
  SmallVector<AffineExpr> mExprs(accExprs.begin(), accExprs.begin() + numBatch);
  if (transposed)
    mExprs.append({j, i});
  else
    mExprs.append({i, j});
  SmallVector<AffineExpr> xExprs(accExprs);
  xExprs[numBatch] = j;
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, acc.getType(), ValueRange{m, x}, ValueRange{acc},
             ArrayRef<AffineMap>{mapOf(numLoops, mExprs, ctx),
                                 mapOf(numLoops, xExprs, ctx),
                                 mapOf(numLoops, accExprs, ctx)},
             iterators,
             [](OpBuilder &b, Location loc, ValueRange args) {
               Value prod = arith::MulFOp::create(b, loc, args[0], args[1]);
               Value sum = arith::AddFOp::create(b, loc, args[2], prod);
               linalg::YieldOp::create(b, loc, sum);
             })
      .getResult(0);
}

/// Offsets, sizes and strides addressing rows [offset, offset + size) of
/// `v` along dimension `dim`, and all of every other dimension.
void rowSliceParams(OpBuilder &b, Location loc, Value v, int64_t dim,
                    Value offset, Value size,
                    SmallVectorImpl<OpFoldResult> &offsets,
                    SmallVectorImpl<OpFoldResult> &sizes,
                    SmallVectorImpl<OpFoldResult> &strides) {
  auto type = cast<RankedTensorType>(v.getType());
  for (int64_t d = 0, e = type.getRank(); d < e; ++d) {
    strides.push_back(b.getIndexAttr(1));
    offsets.push_back(d == dim ? getAsOpFoldResult(offset)
                               : OpFoldResult(b.getIndexAttr(0)));
    sizes.push_back(
        getAsOpFoldResult(d == dim ? size : getDimValue(b, loc, v, d)));
  }
}

/// Block-diagonal A h + acc: block g of `a` ([.., g, k, k]) acts on rows
/// [g k, (g + 1) k) of the unit's first dimension, one dense product per
/// block. (Reshaping that dimension into [blocks, k] would do all blocks in
/// one product, but LLVM 22's expand-strided-metadata crashes on a reshape
/// that splits one dynamic size into two: llvm-project#186830.)
Value addBlockDiagonalProduct(OpBuilder &b, Location loc, Value a, Value h,
                              Value acc, int64_t batchDims) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value numBlocks = getDimValue(b, loc, a, batchDims);
  Value k = getDimValue(b, loc, a, batchDims + 1);
  auto blocks = scf::ForOp::create(
      b, loc, c0, numBlocks, c1, ValueRange{acc},
      [&](OpBuilder &b, Location loc, Value g, ValueRange iter) {
        Value first = arith::MulIOp::create(b, loc, g, k);
        // a[.., g, :, :]: "the step g" of a along the block axis.
        Value block = extractTimeStep(b, loc, a, batchDims, g);
        SmallVector<OpFoldResult> offsets, sizes, strides;
        rowSliceParams(b, loc, h, batchDims, first, k, offsets, sizes, strides);
        Value rows =
            tensor::ExtractSliceOp::create(b, loc, h, offsets, sizes, strides);
        Value accRows = tensor::ExtractSliceOp::create(b, loc, iter[0], offsets,
                                                       sizes, strides);
        Value next = addMatrixProduct(b, loc, block, rows, accRows, batchDims,
                                      /*transposed=*/false);
        Value updated = tensor::InsertSliceOp::create(b, loc, next, iter[0],
                                                      offsets, sizes, strides);
        scf::YieldOp::create(b, loc, updated);
      });
  return blocks.getResult(0);
}

/// A_t h + b_t for one step of `op`, with `coeffs` the step's coefficient
/// slices. Every structure accumulates A_t h into b_t (a linalg.generic whose
/// init is b_t), the unit's first dimension being the one matrices act on.
Value applyTransition(OpBuilder &b, Location loc, LinearScanOp op,
                      ValueRange coeffs, Value h, Value bt) {
  unsigned batchDims = op.getBatchDims();
  switch (op.getStructure()) {
  case Structure::scalar:
  case Structure::diagonal:
    return addScaled(b, loc, coeffs[0], h, bt);
  case Structure::dense:
    return addMatrixProduct(b, loc, coeffs[0], h, bt, batchDims,
                            /*transposed=*/false);
  case Structure::block_diagonal:
    return addBlockDiagonalProduct(b, loc, coeffs[0], h, bt, batchDims);
  case Structure::identity_plus_low_rank: {
    // (I + u v^T) h + b = (h + b) + u (v^T h): w = v^T h is the state
    // projected on the r low-rank directions, [.., r, rest].
    Value u = coeffs[0], v = coeffs[1];
    auto hType = cast<RankedTensorType>(h.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> wShape(hType.getShape());
    wShape[batchDims] = vType.getDimSize(batchDims + 1);
    SmallVector<Value> wDyn;
    for (int64_t d = 0, e = hType.getRank(); d < e; ++d) {
      if (!ShapedType::isDynamic(wShape[d]))
        continue;
      wDyn.push_back(d == (int64_t)batchDims
                         ? tensor::DimOp::create(b, loc, v, batchDims + 1)
                         : tensor::DimOp::create(b, loc, h, d));
    }
    Value w = addMatrixProduct(b, loc, v, h,
                               createZeros(b, loc, hType.clone(wShape), wDyn),
                               batchDims, /*transposed=*/true);
    Value hPlusB = arith::AddFOp::create(b, loc, h, bt);
    return addMatrixProduct(b, loc, u, w, hPlusB, batchDims,
                            /*transposed=*/false);
  }
  }
  llvm_unreachable("unknown linear_scan structure");
}

/// recur.linear_scan -> scf.for over t, the state and the stacked states as
/// iter_args: h_t = A_t h_{t-1} + b_t, stored at t. Steps masked out by
/// sequence lengths keep the state and store zeros.
struct LowerLinearScan : OpRewritePattern<LinearScanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearScanOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = op.getTimeAxis();
    bool reverse = op.getReverse();
    Value bSeq = op.getB();
    Value lens = op.getSeqLens();
    auto stateType = cast<RankedTensorType>(op.getLast().getType());
    Value numSteps = getDimValue(rewriter, loc, bSeq, axis);
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);

    Value h0 = op.getInit();
    if (!h0)
      h0 = createZeros(rewriter, loc, stateType,
                       stepDynamicSizes(rewriter, loc, bSeq, axis));
    // Every step writes its state in full.
    Value states0 = createEmptyLike(rewriter, loc, bSeq);

    auto loop = scf::ForOp::create(
        rewriter, loc, c0, numSteps, c1, ValueRange{h0, states0},
        [&](OpBuilder &b, Location loc, Value i, ValueRange iter) {
          Value t = stepIndex(b, loc, i, numSteps, reverse);
          Value h = iter[0], states = iter[1];
          SmallVector<Value> coeffs;
          for (Value coeff : op.getCoefficients())
            coeffs.push_back(extractTimeStep(b, loc, coeff, axis, t));
          Value bt = extractTimeStep(b, loc, bSeq, axis, t);
          bool elementwise = op.getStructure() == Structure::scalar ||
                             op.getStructure() == Structure::diagonal;
          Value next = elementwise && !lens
                           ? addScaled(b, loc, coeffs[0], h, bt, /*intoX=*/true)
                           : applyTransition(b, loc, op, coeffs, h, bt);
          Value out = next;
          if (lens) {
            Value active = createActiveMask(b, loc, lens, t, next);
            out = selectWhere(b, loc, active, next,
                              createZerosLike(b, loc, next));
            next = selectWhere(b, loc, active, next, h);
          }
          Value stored = insertTimeStep(b, loc, out, states, axis, t);
          scf::YieldOp::create(b, loc, ValueRange{next, stored});
        });
    rewriter.replaceOp(op, {loop.getResult(1), loop.getResult(0)});
    return success();
  }
};

} // namespace

void recur::populateLowerScansToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerScan, LowerLinearScan>(patterns.getContext());
}

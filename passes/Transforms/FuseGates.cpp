//===- FuseGates.cpp - one matmul per shared operand, one region of gates -===//
//
// Gates are computed by sibling matmuls of one operand (x W_z, x W_r, x W_h;
// h R_z, h R_r, h R_h): one matmul by the concatenated matrices does the same
// work with one pass over the operand. The elementwise math reading the gates
// is then fused into linalg.generic regions.
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/BodyValues.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/MapVector.h"

namespace recur {
#define GEN_PASS_DEF_RECURFUSEGATES
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;
using namespace recur;

namespace {

/// A matmul this pass can merge with its siblings: plain [M, K] x [K, N] on
/// tensors.
bool isFusableMatmul(linalg::MatmulOp matmul) {
  if (matmul.hasUserDefinedMaps() || !matmul.hasPureTensorSemantics() ||
      matmul->getNumResults() != 1)
    return false;
  return llvm::all_of(matmul->getOperandTypes(), [](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return tensor && tensor.getRank() == 2;
  });
}

/// `a + b` on sizes, folded when both are static.
OpFoldResult addSizes(OpBuilder &b, Location loc, OpFoldResult x,
                      OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx + *cy);
  if (cx == 0)
    return y;
  if (cy == 0)
    return x;
  return arith::AddIOp::create(b, loc,
                               getValueOrCreateConstantIndexOp(b, loc, x),
                               getValueOrCreateConstantIndexOp(b, loc, y))
      .getResult();
}

/// Erases `v`'s producer and, recursively, its operands' producers once
/// nothing reads them.
void eraseIfDead(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def || !isOpTriviallyDead(def))
    return;
  SmallVector<Value> operands(def->getOperands());
  def->erase();
  for (Value operand : operands)
    eraseIfDead(operand);
}

/// Drops the captures `op`'s body no longer reads (the matrices now read
/// through their concatenation).
void dropUnusedCaptures(RecurrenceOp op) {
  Block &body = op.getBodyBlock();
  unsigned first = op.getNumStates() + op.getSequences().size();
  for (int k = op.getCaptures().size() - 1; k >= 0; --k) {
    if (!body.getArgument(first + k).use_empty())
      continue;
    op.getCapturesMutable().erase(k);
    body.eraseArgument(first + k);
  }
}

/// Replaces `group` (matmuls of one left-hand side, in block order, whose
/// right-hand sides exist at `group[0]`, or outside `rec` when `rec` is set)
/// by one matmul by the concatenated right-hand sides and one slice per
/// original result. Returns false, changing nothing, when the accumulators
/// cannot be merged.
bool fuseGroup(ArrayRef<linalg::MatmulOp> group, RecurrenceOp rec,
               DominanceInfo &dom) {
  linalg::MatmulOp first = group.front();
  Location loc = first.getLoc();
  Value lhs = first.getInputs()[0];

  // The accumulator: one fill when all are fills of one constant, else the
  // accumulators side by side.
  TypedAttr fill = constantFill(first.getOutputs()[0]);
  for (linalg::MatmulOp matmul : group)
    if (constantFill(matmul.getOutputs()[0]) != fill)
      fill = {};
  if (!fill && !llvm::all_of(group, [&](linalg::MatmulOp matmul) {
        return dom.properlyDominates(matmul.getOutputs()[0], first);
      }))
    return false;

  // The concatenated right-hand side: outside the recurrence and captured,
  // or in place.
  SmallVector<Value> rhs;
  for (linalg::MatmulOp matmul : group)
    rhs.push_back(matmul.getInputs()[1]);
  Value weights;
  if (rec) {
    OpBuilder b(rec);
    SmallVector<Value> outside;
    for (Value v : rhs)
      outside.push_back(valueOutside(b, rec, v));
    Value concat = tensor::ConcatOp::create(b, loc, 1, outside);
    rec.getCapturesMutable().append(concat);
    weights = rec.getBodyBlock().addArgument(concat.getType(), loc);
  }
  OpBuilder b(first);
  if (!rec)
    weights = tensor::ConcatOp::create(b, loc, 1, rhs);

  auto resultType = cast<RankedTensorType>(first.getResult(0).getType());
  Type elemType = resultType.getElementType();
  OpFoldResult rows = tensor::getMixedSize(b, loc, lhs, 0);
  if (!resultType.isDynamicDim(0))
    rows = b.getIndexAttr(resultType.getDimSize(0));
  Value acc;
  if (fill) {
    Value empty = tensor::EmptyOp::create(
        b, loc, {rows, tensor::getMixedSize(b, loc, weights, 1)}, elemType);
    Value scalar = arith::ConstantOp::create(b, loc, fill);
    acc = linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
  } else {
    SmallVector<Value> inits;
    for (linalg::MatmulOp matmul : group)
      inits.push_back(matmul.getOutputs()[0]);
    acc = tensor::ConcatOp::create(b, loc, 1, inits);
  }
  auto fused = linalg::MatmulOp::create(b, loc, ValueRange{lhs, weights},
                                        ValueRange{acc});
  if (first.getCastAttr())
    fused.setCastAttr(first.getCastAttr());

  // One slice per original result; the originals go once all slices exist
  // (the builder's insertion point is the first of them).
  OpFoldResult offset = b.getIndexAttr(0);
  SmallVector<Value> slices;
  for (linalg::MatmulOp matmul : group) {
    Value result = matmul.getResult(0);
    OpFoldResult cols = tensor::getMixedSize(b, loc, matmul.getInputs()[1], 1);
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), offset};
    SmallVector<OpFoldResult> sizes = {rows, cols};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    Value slice = tensor::ExtractSliceOp::create(b, loc, fused.getResult(0),
                                                 offsets, sizes, strides);
    if (slice.getType() != result.getType())
      slice = tensor::CastOp::create(b, loc, result.getType(), slice);
    slices.push_back(slice);
    offset = addSizes(b, loc, offset, cols);
  }
  for (auto [k, matmul] : llvm::enumerate(group)) {
    linalg::MatmulOp op = matmul;
    Value init = op.getOutputs()[0];
    op.getResult(0).replaceAllUsesWith(slices[k]);
    op.erase();
    eraseIfDead(init);
  }
  for (Value v : rhs)
    eraseIfDead(v);
  if (rec)
    dropUnusedCaptures(rec);
  return true;
}

/// Fuses the sibling matmuls of `block`: those in a recurrence body whose
/// right-hand sides are captures or constants, and those elsewhere (outside
/// every recurrence) whose right-hand sides exist before the first of them.
void fuseSiblingMatmuls(Block &block, DominanceInfo &dom) {
  auto rec = dyn_cast<RecurrenceOp>(block.getParentOp());
  if (!rec && block.getParentOp()->getParentOfType<RecurrenceOp>())
    return;
  llvm::MapVector<Value, SmallVector<linalg::MatmulOp>> byLhs;
  for (Operation &op : block)
    if (auto matmul = dyn_cast<linalg::MatmulOp>(op))
      if (isFusableMatmul(matmul))
        byLhs[matmul.getInputs()[0]].push_back(matmul);

  for (auto &[lhs, matmuls] : byLhs) {
    linalg::MatmulOp first = matmuls.front();
    auto sameKind = [&](linalg::MatmulOp matmul) {
      return matmul->getOperandTypes().front() ==
                 first->getOperandTypes().front() &&
             getElementTypeOrSelf(matmul.getInputs()[1].getType()) ==
                 getElementTypeOrSelf(first.getInputs()[1].getType()) &&
             getElementTypeOrSelf(matmul.getResult(0).getType()) ==
                 getElementTypeOrSelf(first.getResult(0).getType()) &&
             matmul.getCast() == first.getCast();
    };
    SmallVector<linalg::MatmulOp> group;
    for (linalg::MatmulOp matmul : matmuls) {
      Value rhs = matmul.getInputs()[1];
      bool available = rec ? isCaptureOrConstant(rec, rhs)
                           : dom.properlyDominates(rhs, first);
      if (available && sameKind(matmul))
        group.push_back(matmul);
    }
    if (group.size() >= 2)
      fuseGroup(group, rec, dom);
  }
}

struct RecurFuseGatesPass
    : recur::impl::RecurFuseGatesBase<RecurFuseGatesPass> {
  using Base::Base;

  void runOnOperation() override {
    Operation *root = getOperation();
    SmallVector<Block *> blocks;
    // Not the payload blocks of linalg ops: fusion erases some of those.
    root->walk([&](Block *block) {
      if (!isa<linalg::LinalgOp>(block->getParentOp()))
        blocks.push_back(block);
    });
    DominanceInfo dom(root);
    for (Block *block : blocks)
      fuseSiblingMatmuls(*block, dom);

    if (!fuseElementwise)
      return;
    // Elementwise tensor math becomes linalg.generic, and a generic whose
    // results only one generic of its block reads (shape queries aside) is
    // fused into that one.
    // A producer with several readers is left alone: fusing it into each
    // would compute it once per reader.
    RewritePatternSet conversion(&getContext());
    linalg::populateElementwiseToLinalgConversionPatterns(conversion);
    if (failed(applyPatternsGreedily(root, std::move(conversion))))
      return signalPassFailure();
    RewritePatternSet fusion(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(
        fusion, [](OpOperand *operand) {
          Operation *producer = operand->get().getDefiningOp();
          Operation *consumer = operand->getOwner();
          return producer && producer->getBlock() == consumer->getBlock() &&
                 llvm::all_of(producer->getUsers(), [&](Operation *user) {
                   return user == consumer || isa<tensor::DimOp>(user);
                 });
        });
    // Shape queries read the accumulators instead, so fused producers die.
    tensor::DimOp::getCanonicalizationPatterns(fusion, &getContext());
    if (failed(applyPatternsGreedily(root, std::move(fusion))))
      signalPassFailure();
  }
};

} // namespace

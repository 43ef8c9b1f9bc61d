//===- TimeSlicing.cpp - one step of a sequence tensor --------------------===//

#include "passes/Transforms/TimeSlicing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

Value recur::getDimValue(OpBuilder &b, Location loc, Value value, int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(dim))
    return arith::ConstantIndexOp::create(b, loc, type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, value, dim);
}

/// Offsets, sizes and strides addressing step `t` of `seq` along `timeAxis`.
static void stepSliceParams(OpBuilder &b, Location loc, Value seq,
                            int64_t timeAxis, Value t,
                            SmallVectorImpl<OpFoldResult> &offsets,
                            SmallVectorImpl<OpFoldResult> &sizes,
                            SmallVectorImpl<OpFoldResult> &strides) {
  auto type = cast<RankedTensorType>(seq.getType());
  for (int64_t d = 0; d < type.getRank(); ++d) {
    strides.push_back(b.getIndexAttr(1));
    if (d == timeAxis) {
      offsets.push_back(t);
      sizes.push_back(b.getIndexAttr(1));
      continue;
    }
    offsets.push_back(b.getIndexAttr(0));
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, seq, d).getResult());
    else
      sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
  }
}

Value recur::extractTimeStep(OpBuilder &b, Location loc, Value seq,
                             int64_t timeAxis, Value t) {
  auto type = cast<RankedTensorType>(seq.getType());
  SmallVector<int64_t> stepShape(type.getShape());
  stepShape.erase(stepShape.begin() + timeAxis);
  auto stepType = RankedTensorType::get(stepShape, type.getElementType());
  // A step with a static empty dimension holds no data, and upstream rejects
  // a slice at offset 0 of an empty dimension ("offset 0 >= size 0").
  if (llvm::is_contained(stepShape, 0)) {
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != timeAxis && type.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(b, loc, seq, d));
    return tensor::EmptyOp::create(b, loc, stepType, dyn);
  }
  SmallVector<OpFoldResult> offsets, sizes, strides;
  stepSliceParams(b, loc, seq, timeAxis, t, offsets, sizes, strides);
  // MLIR 22's canonicalizer, once the offsets fold to constants, re-infers
  // which unit dimension a rank-reducing extract_slice drops as the first
  // one (llvm/llvm-project#178118): with a static unit dimension before the
  // time axis it reads the wrong slice or fails to verify. Then slice with
  // the time axis kept (size 1) and collapse it into a neighbour.
  ArrayRef<int64_t> before = type.getShape().take_front(timeAxis);
  if (!llvm::is_contained(before, 1))
    return tensor::ExtractSliceOp::create(b, loc, stepType, seq, offsets,
                                          sizes, strides);
  SmallVector<int64_t> sliceShape(type.getShape());
  sliceShape[timeAxis] = 1;
  auto sliceType = RankedTensorType::get(sliceShape, type.getElementType());
  Value slice = tensor::ExtractSliceOp::create(b, loc, sliceType, seq, offsets,
                                               sizes, strides);
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d == timeAxis)
      continue;
    if (d == timeAxis - 1) // a neighbour exists: timeAxis > 0 here
      reassociation.push_back({d, timeAxis});
    else
      reassociation.push_back({d});
  }
  return tensor::CollapseShapeOp::create(b, loc, stepType, slice,
                                         reassociation);
}

Value recur::insertTimeStep(OpBuilder &b, Location loc, Value step, Value seq,
                            int64_t timeAxis, Value t) {
  // Nothing to write into an empty step (see extractTimeStep).
  auto seqType = cast<RankedTensorType>(seq.getType());
  for (int64_t d = 0; d < seqType.getRank(); ++d)
    if (d != timeAxis && seqType.getDimSize(d) == 0)
      return seq;
  SmallVector<OpFoldResult> offsets, sizes, strides;
  stepSliceParams(b, loc, seq, timeAxis, t, offsets, sizes, strides);
  return tensor::InsertSliceOp::create(b, loc, step, seq, offsets, sizes,
                                       strides);
}

void recur::insertTimeStepInParallel(OpBuilder &b, Location loc,
                                     scf::InParallelOp terminator, Value step,
                                     Value seq, int64_t timeAxis, Value t) {
  auto seqType = cast<RankedTensorType>(seq.getType());
  for (int64_t d = 0; d < seqType.getRank(); ++d)
    if (d != timeAxis && seqType.getDimSize(d) == 0)
      return; // nothing to write into an empty step (see extractTimeStep)
  SmallVector<OpFoldResult> offsets, sizes, strides;
  stepSliceParams(b, loc, seq, timeAxis, t, offsets, sizes, strides);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(terminator.getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, step, seq, offsets, sizes,
                                        strides);
}

Value recur::createZeros(OpBuilder &b, Location loc, RankedTensorType type,
                         ValueRange dynamicSizes) {
  Value empty = tensor::EmptyOp::create(b, loc, type, dynamicSizes);
  Value zero = arith::ConstantOp::create(
      b, loc, b.getZeroAttr(type.getElementType()));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// The dynamic sizes of `like`, a ranked tensor.
static SmallVector<Value> dynamicSizesOf(OpBuilder &b, Location loc,
                                         Value like) {
  auto type = cast<RankedTensorType>(like.getType());
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dyn.push_back(tensor::DimOp::create(b, loc, like, d));
  return dyn;
}

Value recur::createZerosLike(OpBuilder &b, Location loc, Value like) {
  return createZeros(b, loc, cast<RankedTensorType>(like.getType()),
                     dynamicSizesOf(b, loc, like));
}

Value recur::createEmptyLike(OpBuilder &b, Location loc, Value like) {
  return tensor::EmptyOp::create(b, loc,
                                 cast<RankedTensorType>(like.getType()),
                                 dynamicSizesOf(b, loc, like));
}

Value recur::createActiveMask(OpBuilder &b, Location loc, Value lens, Value t,
                              Value like) {
  auto lensType = cast<RankedTensorType>(lens.getType());
  Type intType = lensType.getElementType();
  // active[b] = t < lens[b], on the batch vector.
  Value tInt = arith::IndexCastOp::create(b, loc, intType, t);
  SmallVector<Value> lensDyn;
  if (lensType.isDynamicDim(0))
    lensDyn.push_back(tensor::DimOp::create(b, loc, lens, 0));
  Value tSplat = tensor::SplatOp::create(b, loc, lensType, tInt, lensDyn);
  Value active = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                       tSplat, lens);
  // The mask's batch size comes from `like`; cast `active` to match when
  // one of them is static and the other not.
  auto likeType = cast<RankedTensorType>(like.getType());
  auto activeType =
      RankedTensorType::get({likeType.getDimSize(0)}, b.getI1Type());
  if (activeType != active.getType())
    active = tensor::CastOp::create(b, loc, activeType, active);
  // Broadcast over every dimension of `like` after the batch.
  if (likeType.getRank() == 1)
    return active;
  auto maskType = RankedTensorType::get(likeType.getShape(), b.getI1Type());
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < likeType.getRank(); ++d)
    if (likeType.isDynamicDim(d))
      dyn.push_back(tensor::DimOp::create(b, loc, like, d));
  Value init = tensor::EmptyOp::create(b, loc, maskType, dyn);
  SmallVector<int64_t> bcastDims;
  for (int64_t d = 1; d < likeType.getRank(); ++d)
    bcastDims.push_back(d);
  return linalg::BroadcastOp::create(b, loc, active, init, bcastDims)
      .getResult()[0];
}

SmallVector<Value> recur::inlineBlock(OpBuilder &b, Block &block,
                                     ValueRange args) {
  IRMapping map;
  map.map(block.getArguments(), args);
  for (Operation &op : block.without_terminator())
    b.clone(op, map);
  SmallVector<Value> results;
  for (Value v : block.getTerminator()->getOperands())
    results.push_back(map.lookupOrDefault(v));
  return results;
}

Value recur::selectWhere(OpBuilder &b, Location loc, Value mask, Value a,
                         Value other) {
  return arith::SelectOp::create(b, loc, mask, a, other);
}

Value recur::stepIndex(OpBuilder &b, Location loc, Value i, Value numSteps,
                       bool reverse) {
  if (!reverse)
    return i;
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value last = arith::SubIOp::create(b, loc, numSteps, one);
  return arith::SubIOp::create(b, loc, last, i);
}

/// The state each step starts from, stacked like `states` (the scanned
/// states h_t along `axis`): h_{t-1}, or `init` at the first step (the last
/// one in reverse). With sequence lengths in reverse, entry b's first step
/// is t = lens[b] - 1, where the start is `init`, not the zeros the scan
/// stores past an entry's length. One linalg.generic that reads the
/// neighbouring step with tensor.extract (clamped, so no step reads out of
/// bounds, T = 0 included).
Value recur::buildPreviousStates(OpBuilder &b, Location loc, Value states, Value init,
                          int64_t axis, bool reverse, Value lens) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(states.getType());
  unsigned rank = type.getRank();
  Value numSteps = tensor::DimOp::create(b, loc, states, axis);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineExpr> stateExprs;
  for (unsigned d = 0; d < rank; ++d)
    if ((int64_t)d != axis)
      stateExprs.push_back(getAffineDimExpr(d, ctx));
  SmallVector<Value> inputs{init};
  SmallVector<AffineMap> maps{AffineMap::get(rank, 0, stateExprs, ctx)};
  if (reverse && lens) {
    // Dimension 0 of the state is the batch.
    inputs.push_back(lens);
    maps.push_back(AffineMap::get(rank, 0, stateExprs.front()));
  }
  maps.push_back(identity);
  Value out = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, states), type.getElementType());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, type, inputs, ValueRange{out}, maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               SmallVector<Value> index;
               for (unsigned d = 0; d < rank; ++d)
                 index.push_back(linalg::IndexOp::create(nb, nloc, d));
               Value t = index[axis];
               Value one = arith::ConstantIndexOp::create(nb, nloc, 1);
               Value first, neighbour;
               if (!reverse) {
                 Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
                 first = arith::CmpIOp::create(
                     nb, nloc, arith::CmpIPredicate::eq, t, zero);
                 neighbour = arith::SubIOp::create(nb, nloc, t, one);
               } else {
                 neighbour = arith::AddIOp::create(nb, nloc, t, one);
                 first = arith::CmpIOp::create(
                     nb, nloc, arith::CmpIPredicate::sge, neighbour, numSteps);
                 if (lens) {
                   Value len = arith::IndexCastOp::create(
                       nb, nloc, nb.getIndexType(), args[1]);
                   Value past = arith::CmpIOp::create(
                       nb, nloc, arith::CmpIPredicate::sge, neighbour, len);
                   first = arith::OrIOp::create(nb, nloc, first, past);
                 }
               }
               index[axis] =
                   arith::SelectOp::create(nb, nloc, first, t, neighbour);
               Value previous =
                   tensor::ExtractOp::create(nb, nloc, states, index);
               Value v =
                   arith::SelectOp::create(nb, nloc, first, args[0], previous);
               linalg::YieldOp::create(nb, nloc, v);
             })
      .getResult(0);
}

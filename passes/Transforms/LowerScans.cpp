//===- LowerScans.cpp - chunked two-level parallel scans ------------------===//
//
// Lowers recur.linear_scan and recur.scan to a chunked scan on tensors: every
// chunk's summary in parallel (scf.forall), a sequential scan of the C chunk
// summaries, and every chunk recomputed from its carry in parallel. The work
// inside a chunk stays a recur op on the chunk's slice (marked so it is not
// chunked again), which --recur-lower-to-loops turns into a loop of chunk
// length: the reference lowering is reused, not rewritten.
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Passes.h"

#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "passes/Transforms/TimeSlicing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace recur {
#define GEN_PASS_DEF_RECURLOWERSCANS
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;
using namespace recur;

namespace {

/// Marks the recur ops this pass creates. They scan one chunk or the chunk
/// summaries, and chunking them again would only add overhead, so the
/// patterns skip them (and a second run of the pass is a no-op).
constexpr StringLiteral kChunkLocalAttr = "recur.chunk_local";

template <typename OpTy> OpTy markChunkLocal(OpTy op) {
  op->setAttr(kChunkLocalAttr, UnitAttr::get(op->getContext()));
  return op;
}

//===----------------------------------------------------------------------===//
// Chunks of the time axis
//===----------------------------------------------------------------------===//

/// Whether the types say the op's T steps fit in one chunk: then chunking
/// would only add work (a summary nobody needs), and the op is left alone.
bool fitsInOneChunk(ValueRange seqs, int64_t timeAxis, int64_t size) {
  return llvm::any_of(seqs, [&](Value seq) {
    int64_t steps = cast<RankedTensorType>(seq.getType()).getDimSize(timeAxis);
    return !ShapedType::isDynamic(steps) && steps <= size;
  });
}

/// The time axis of T steps cut into C = ceil(T / size) chunks; chunk c
/// covers steps [c*size, min((c+1)*size, T)).
struct ChunkGrid {
  Value numSteps, numChunks;
  int64_t size;
  /// The length of every chunk when the types say it (T a multiple of the
  /// size), else dynamic (the last chunk may be shorter).
  int64_t staticLen;
  /// Chunks (and the steps inside them) run from the last to the first.
  bool reverse;
};

/// One chunk, as the body of the scf.forall over chunks sees it.
struct Chunk {
  Value index, start, len;
};

ChunkGrid makeChunkGrid(OpBuilder &b, Location loc, ValueRange seqs,
                        int64_t timeAxis, int64_t size, bool reverse) {
  ChunkGrid grid{nullptr, nullptr, size, ShapedType::kDynamic, reverse};
  int64_t steps = ShapedType::kDynamic;
  for (Value seq : seqs) {
    int64_t dim = cast<RankedTensorType>(seq.getType()).getDimSize(timeAxis);
    if (!ShapedType::isDynamic(dim))
      steps = dim;
  }
  if (ShapedType::isDynamic(steps)) {
    grid.numSteps = getDimValue(b, loc, seqs.front(), timeAxis);
    Value sizeValue = arith::ConstantIndexOp::create(b, loc, size);
    grid.numChunks =
        arith::CeilDivUIOp::create(b, loc, grid.numSteps, sizeValue);
    return grid;
  }
  grid.numSteps = arith::ConstantIndexOp::create(b, loc, steps);
  grid.numChunks =
      arith::ConstantIndexOp::create(b, loc, llvm::divideCeil(steps, size));
  if (steps % size == 0)
    grid.staticLen = size;
  return grid;
}

Chunk makeChunk(OpBuilder &b, Location loc, const ChunkGrid &grid,
                Value index) {
  Value size = arith::ConstantIndexOp::create(b, loc, grid.size);
  Value start = arith::MulIOp::create(b, loc, index, size);
  Value len;
  if (ShapedType::isDynamic(grid.staticLen)) {
    Value left = arith::SubIOp::create(b, loc, grid.numSteps, start);
    len = arith::MinUIOp::create(b, loc, size, left);
  } else {
    len = arith::ConstantIndexOp::create(b, loc, grid.staticLen);
  }
  return {index, start, len};
}

/// Whether `chunk` is the one the scan starts with: chunk 0, or C-1 in
/// reverse.
Value isFirstChunk(OpBuilder &b, Location loc, const ChunkGrid &grid,
                   const Chunk &chunk) {
  Value first = arith::ConstantIndexOp::create(b, loc, 0);
  if (grid.reverse)
    first = arith::SubIOp::create(b, loc, grid.numChunks,
                                  arith::ConstantIndexOp::create(b, loc, 1));
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, chunk.index,
                               first);
}

/// The chunk scanned just before `chunk`: c-1, or c+1 in reverse.
Value previousChunk(OpBuilder &b, Location loc, const ChunkGrid &grid,
                    const Chunk &chunk) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  if (grid.reverse)
    return arith::AddIOp::create(b, loc, chunk.index, one);
  return arith::SubIOp::create(b, loc, chunk.index, one);
}

/// The sizes of `value`'s dimensions, with `axis` (the time axis) removed.
SmallVector<OpFoldResult> stepSizes(OpBuilder &b, Location loc, Value value,
                                    int64_t axis) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
  sizes.erase(sizes.begin() + axis);
  return sizes;
}

/// `stepSizes` with a time axis of `len` steps inserted at `axis`.
SmallVector<OpFoldResult> stackSizes(ArrayRef<OpFoldResult> stepSizes,
                                     int64_t axis, OpFoldResult len) {
  SmallVector<OpFoldResult> sizes(stepSizes);
  sizes.insert(sizes.begin() + axis, len);
  return sizes;
}

/// A tensor of the given sizes filled with `value`.
Value createFilled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Type elemType, double value) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elemType);
  Value scalar =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(elemType, value));
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

/// Identity matrices over the last two dimensions of the given sizes.
Value createIdentity(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                     Type elemType) {
  SmallVector<Value> dynamic;
  SmallVector<int64_t> shape;
  dispatchIndexOpFoldResults(sizes, dynamic, shape);
  auto type = RankedTensorType::get(shape, elemType);
  return tensor::GenerateOp::create(
      b, loc, type, dynamic,
      [&](OpBuilder &nb, Location nloc, ValueRange indices) {
        size_t rank = indices.size();
        Value diag =
            arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq,
                                  indices[rank - 2], indices[rank - 1]);
        Value one =
            arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elemType, 1.0));
        Value zero =
            arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elemType, 0.0));
        Value v = arith::SelectOp::create(nb, nloc, diag, one, zero);
        tensor::YieldOp::create(nb, nloc, v);
      });
}

/// The chunk's steps of `seq` along `axis`.
Value sliceChunk(OpBuilder &b, Location loc, Value seq, int64_t axis,
                 Value start, Value len) {
  auto rank = cast<RankedTensorType>(seq.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, seq);
  offsets[axis] = getAsOpFoldResult(start);
  sizes[axis] = getAsOpFoldResult(len);
  return tensor::ExtractSliceOp::create(b, loc, seq, offsets, sizes, strides);
}

/// Step `t` of `seq` along `axis`, the time axis removed. Unlike a
/// rank-reducing extract_slice (extractTimeStep), this survives MLIR 22's
/// canonicalizer when `t` folds to a constant and a unit dimension precedes
/// `axis`: it re-infers the dropped dimension as the first unit one and
/// reads the wrong slice (llvm/llvm-project#178118). So: a slice of one step,
/// then the unit time dimension collapsed into a neighbour.
Value extractStepRobust(OpBuilder &b, Location loc, Value seq, int64_t axis,
                        Value t) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value slice = sliceChunk(b, loc, seq, axis, t, one);
  int64_t rank = cast<RankedTensorType>(slice.getType()).getRank();
  int64_t partner = axis > 0 ? axis - 1 : axis + 1;
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t d = 0; d < rank; ++d) {
    if (d == axis)
      continue;
    if (d == partner)
      reassociation.push_back({std::min(d, axis), std::max(d, axis)});
    else
      reassociation.push_back({d});
  }
  return tensor::CollapseShapeOp::create(b, loc, slice, reassociation);
}

/// Sequence lengths relative to a chunk starting at step `start`: step j of
/// the chunk is active where start + j < lens[b], i.e. j < lens[b] - start.
Value chunkSeqLens(OpBuilder &b, Location loc, Value lens, Value start) {
  if (!lens)
    return nullptr;
  auto type = cast<RankedTensorType>(lens.getType());
  Value offset =
      arith::IndexCastOp::create(b, loc, type.getElementType(), start);
  SmallVector<Value> dynamic;
  if (type.isDynamicDim(0))
    dynamic.push_back(tensor::DimOp::create(b, loc, lens, 0));
  Value splat = tensor::SplatOp::create(b, loc, type, offset, dynamic);
  return arith::SubIOp::create(b, loc, lens, splat);
}

/// Where a value computed for a chunk lands in a shared output of the
/// scf.forall over chunks.
enum class Placement {
  /// A step-shaped chunk summary, at the chunk's index along axis 0.
  Summary,
  /// The chunk's steps, at the chunk's start along the time axis.
  Steps,
};

struct ChunkOutput {
  Value dest;
  Placement placement;
  int64_t axis;
};

/// Builds an scf.forall over the chunks whose shared outputs are `outputs`;
/// `body` computes, for one chunk, one value per output.
SmallVector<Value> forEachChunk(
    OpBuilder &b, Location loc, const ChunkGrid &grid,
    ArrayRef<ChunkOutput> outputs,
    function_ref<SmallVector<Value>(OpBuilder &, const Chunk &)> body) {
  SmallVector<Value> dests;
  for (const ChunkOutput &out : outputs)
    dests.push_back(out.dest);
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{getAsOpFoldResult(grid.numChunks)}, dests,
      std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Chunk chunk = makeChunk(b, loc, grid, forall.getInductionVar(0));
  SmallVector<Value> values = body(b, chunk);
  assert(values.size() == outputs.size() && "one value per chunk output");

  // Slice parameters first: only the inserts may go in the terminator.
  SmallVector<SmallVector<OpFoldResult>> offsets, sizes;
  for (auto [value, out] : llvm::zip(values, outputs)) {
    int64_t rank = cast<RankedTensorType>(out.dest.getType()).getRank();
    SmallVector<OpFoldResult> off(rank, b.getIndexAttr(0));
    SmallVector<OpFoldResult> sz = tensor::getMixedSizes(b, loc, value);
    if (out.placement == Placement::Summary) {
      off[out.axis] = chunk.index;
      sz.insert(sz.begin() + out.axis, b.getIndexAttr(1));
    } else {
      off[out.axis] = getAsOpFoldResult(chunk.start);
      sz[out.axis] = getAsOpFoldResult(chunk.len);
    }
    offsets.push_back(off);
    sizes.push_back(sz);
  }
  b.setInsertionPointToStart(&forall.getTerminator().getRegion().front());
  for (auto [k, value] : llvm::enumerate(values)) {
    SmallVector<OpFoldResult> strides(offsets[k].size(), b.getIndexAttr(1));
    tensor::ParallelInsertSliceOp::create(b, loc, value,
                                          forall.getRegionIterArgs()[k],
                                          offsets[k], sizes[k], strides);
  }
  return SmallVector<Value>(forall.getResults());
}

/// The carry into every chunk, stacked along axis 0 (C+1 entries): `after`
/// holds each chunk's final value (C entries, the inclusive scan of the
/// summaries) and `init` is the carry into the first chunk. The carry into
/// chunk c is at index c, or c+1 in reverse (see `carryOf`).
Value stackCarries(OpBuilder &b, Location loc, Value after, Value init,
                   const ChunkGrid &grid) {
  SmallVector<OpFoldResult> step = stepSizes(b, loc, after, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  OpFoldResult count = getAsOpFoldResult(
      b.createOrFold<arith::AddIOp>(loc, grid.numChunks, one));
  Value stacked = tensor::EmptyOp::create(
      b, loc, stackSizes(step, 0, count),
      cast<RankedTensorType>(init.getType()).getElementType());
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value initAt = grid.reverse ? grid.numChunks : zero;
  Value afterAt = grid.reverse ? zero : one;
  stacked = insertTimeStep(b, loc, init, stacked, 0, initAt);
  SmallVector<OpFoldResult> offsets(step.size() + 1, b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(step.size() + 1, b.getIndexAttr(1));
  offsets[0] = getAsOpFoldResult(afterAt);
  return tensor::InsertSliceOp::create(b, loc, after, stacked, offsets,
                                       tensor::getMixedSizes(b, loc, after),
                                       strides);
}

/// The carry into `chunk` out of `stackCarries`' result.
Value carryOf(OpBuilder &b, Location loc, Value carries, const Chunk &chunk,
              const ChunkGrid &grid) {
  Value at = chunk.index;
  if (grid.reverse)
    at = arith::AddIOp::create(b, loc, at,
                               arith::ConstantIndexOp::create(b, loc, 1));
  return extractTimeStep(b, loc, carries, 0, at);
}

//===----------------------------------------------------------------------===//
// recur.linear_scan
//===----------------------------------------------------------------------===//

/// `step` (a step slice) as a sequence of one step along axis 0. (Axis 0,
/// whatever the op's time axis: dropping a leading unit dimension is the
/// rank reduction MLIR 22's extract_slice canonicalizer infers anyway, see
/// llvm/llvm-project#178118, while another unit dimension before the time
/// axis would be misread once the one-step loop folds.)
Value asOneStep(OpBuilder &b, Location loc, Value step) {
  auto type = cast<RankedTensorType>(step.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, step);
  sizes.insert(sizes.begin(), b.getIndexAttr(1));
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin(), 1);
  // The unit dimension joins the first one (there is none at rank 0).
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t d = 0; d < type.getRank(); ++d)
    reassociation.push_back(d == 0 ? ReassociationIndices{0, 1}
                                   : ReassociationIndices{d + 1});
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), step,
      reassociation, sizes);
}

/// The map (a stateless recur.recurrence over the same steps, along `axis`)
/// that computes `seq` and whose results only linear scans read, with the
/// number of `seq` among its results; null when there is none.
std::pair<RecurrenceOp, unsigned> coefficientMap(Value seq, int64_t axis) {
  auto map = seq.getDefiningOp<RecurrenceOp>();
  if (!map || !map.getInits().empty() || map.getSeqLens() ||
      map.getSequences().empty() ||
      static_cast<int64_t>(map.getTimeAxis()) != axis ||
      map->hasAttr(kChunkLocalAttr))
    return {};
  for (Value result : map.getResults())
    for (Operation *user : result.getUsers())
      if (!isa<LinearScanOp>(user))
        return {};
  return {map, cast<OpResult>(seq).getResultNumber()};
}

/// `map` over the chunk's steps of its inputs: its per-step results for the
/// chunk only.
RecurrenceOp mapOverChunk(OpBuilder &b, Location loc, RecurrenceOp map,
                          int64_t axis, Value start, Value len) {
  SmallVector<Value> slices;
  for (Value seq : map.getSequences())
    slices.push_back(sliceChunk(b, loc, seq, axis, start, len));
  // The chunk's length as its slices have it (static when it folds).
  int64_t steps =
      cast<RankedTensorType>(slices.front().getType()).getDimSize(axis);
  SmallVector<Type> types;
  for (Value result : map.getResults()) {
    auto type = cast<RankedTensorType>(result.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[axis] = steps;
    types.push_back(RankedTensorType::get(shape, type.getElementType()));
  }
  auto local = RecurrenceOp::create(b, loc, types, ValueRange{}, slices,
                                    map.getCaptures(), Value(), axis,
                                    map.getReverse());
  IRMapping mapping;
  map.getBody().cloneInto(&local.getBody(), mapping);
  return markChunkLocal(local);
}

/// h_t = A_t h_{t-1} + b_t in chunks. A chunk's summary is the affine map it
/// applies, h -> P h + q: P the product of its transitions (elementwise for
/// scalar and diagonal, a dense matrix of the unit dimension for the matrix
/// structures, which act on its columns as on any state) and q its final
/// value from a zero state. Both come from one recur.recurrence over the
/// chunk whose states are P and q, each stepped by a one-step linear scan of
/// the op's own structure, so that no per-step value is stored. Phase 2 is a
/// linear scan of the C maps from init; phase 3 reruns every chunk from its
/// carry. Sequence lengths go to every chunk-local op, shifted to the chunk's
/// start, so inactive steps are identity maps in P and q alike.
struct ChunkLinearScan : OpRewritePattern<LinearScanOp> {
  ChunkLinearScan(MLIRContext *context, int64_t chunkSize,
                  bool fuseCoefficients)
      : OpRewritePattern(context), chunkSize(chunkSize),
        fuseCoefficients(fuseCoefficients) {}

  LogicalResult matchAndRewrite(LinearScanOp op,
                                PatternRewriter &rewriter) const override {
    if (op->hasAttr(kChunkLocalAttr))
      return rewriter.notifyMatchFailure(op, "already chunk-local");
    if (fitsInOneChunk(op.getSequenceOperands(), op.getTimeAxis(), chunkSize))
      return rewriter.notifyMatchFailure(op, "fits in one chunk");
    Location loc = op.getLoc();
    int64_t axis = op.getTimeAxis(), batchDims = op.getBatchDims();
    Structure structure = op.getStructure();
    bool reverse = op.getReverse();
    Value bSeq = op.getB(), lens = op.getSeqLens();
    SmallVector<Value> coeffs(op.getCoefficients());
    auto stateType = cast<RankedTensorType>(op.getLast().getType());
    Type elemType = stateType.getElementType();

    // Everything with a time axis, sliced per chunk: coefficients, then b.
    SmallVector<Value> seqs(coeffs);
    seqs.push_back(bSeq);
    // With fuseCoefficients, what a map computes only for linear scans is
    // computed again inside each chunk from the chunk's steps of the map's
    // inputs (chunk-sized values, which stay in cache) instead of read
    // back from [T, ...] buffers. Sizes then come from values that stay
    // (the init for the state, the map's inputs for T), so that nothing
    // reads the map itself; without an init the map stays.
    SmallVector<std::pair<RecurrenceOp, unsigned>> maps(seqs.size());
    bool fusing = false;
    if (fuseCoefficients && op.getInit())
      for (auto [seq, map] : llvm::zip(seqs, maps))
        fusing |= static_cast<bool>((map = coefficientMap(seq, axis)).first);
    SmallVector<OpFoldResult> stateSizes =
        fusing ? tensor::getMixedSizes(rewriter, loc, op.getInit())
               : stepSizes(rewriter, loc, bSeq, axis);

    // The shape of a chunk's product P, and the structure that applies it
    // in phase 2.
    SmallVector<OpFoldResult> productSizes;
    Structure applyStructure = structure;
    int64_t applyBatchDims = batchDims;
    bool matrix = false;
    switch (structure) {
    case Structure::scalar: {
      // One factor per unit; under sequence lengths also one per entry of
      // dimension 0, the batch, whose steps are masked differently.
      int64_t keep = lens && batchDims == 0 ? 1 : batchDims;
      productSizes.assign(stateSizes.begin(), stateSizes.begin() + keep);
      applyBatchDims = keep;
      break;
    }
    case Structure::diagonal:
      productSizes = stateSizes;
      break;
    case Structure::block_diagonal:
    case Structure::identity_plus_low_rank:
    case Structure::dense:
      productSizes.assign(stateSizes.begin(), stateSizes.begin() + batchDims);
      productSizes.append(2, stateSizes[batchDims]);
      applyStructure = Structure::dense;
      matrix = true;
      break;
    }
    SmallVector<int64_t> productShape;
    SmallVector<Value> unusedDynamic;
    dispatchIndexOpFoldResults(productSizes, unusedDynamic, productShape);
    auto productType = RankedTensorType::get(productShape, elemType);

    // Under sequence lengths, the phase-1 recurrence needs the batch as
    // dimension 0 of every step slice. A scalar factor ([]) or blocks
    // ([n/k, k, k]) without batch dimensions lack it: their chunks are
    // summarized by two chunk-local linear scans instead, whose per-step
    // states go unused.
    bool summarizeByScans = lens && batchDims == 0 &&
                            (structure == Structure::scalar ||
                             structure == Structure::block_diagonal);

    // T from a fused map's input rather than its result (the same steps).
    SmallVector<Value> sized(seqs);
    for (auto [seq, map] : llvm::zip(sized, maps))
      if (map.first)
        seq = map.first.getSequences().front();
    ChunkGrid grid =
        makeChunkGrid(rewriter, loc, sized, axis, chunkSize, reverse);
    auto chunkSlices = [&](OpBuilder &b, const Chunk &chunk) {
      SmallVector<Value> slices;
      llvm::SmallDenseMap<Operation *, RecurrenceOp> local;
      for (auto [seq, map] : llvm::zip(seqs, maps)) {
        if (!map.first) {
          slices.push_back(
              sliceChunk(b, loc, seq, axis, chunk.start, chunk.len));
          continue;
        }
        RecurrenceOp &here = local[map.first];
        if (!here)
          here = mapOverChunk(b, loc, map.first, axis, chunk.start, chunk.len);
        slices.push_back(here->getResult(map.second));
      }
      return slices;
    };

    // Phase 1: every chunk's map h -> P h + q, from the identity.
    OpFoldResult numChunks = getAsOpFoldResult(grid.numChunks);
    ChunkOutput productsOut{
        tensor::EmptyOp::create(
            rewriter, loc, stackSizes(productSizes, 0, numChunks), elemType),
        Placement::Summary, 0};
    ChunkOutput offsetsOut{
        tensor::EmptyOp::create(rewriter, loc,
                                stackSizes(stateSizes, 0, numChunks), elemType),
        Placement::Summary, 0};
    SmallVector<Value> summaries = forEachChunk(
        rewriter, loc, grid, {productsOut, offsetsOut},
        [&](OpBuilder &b, const Chunk &chunk) -> SmallVector<Value> {
          SmallVector<Value> slices = chunkSlices(b, chunk);
          Value chunkLens = chunkSeqLens(b, loc, lens, chunk.start);
          Value unit = matrix
                           ? createIdentity(b, loc, productSizes, elemType)
                           : createFilled(b, loc, productSizes, elemType, 1.0);
          Value zero = createFilled(b, loc, stateSizes, elemType, 0.0);
          if (summarizeByScans) {
            Value chunkB = slices.pop_back_val();
            Value zeros = createFilled(
                b, loc,
                stackSizes(productSizes, axis, getAsOpFoldResult(chunk.len)),
                elemType, 0.0);
            auto scan = [&](Value bSlice, Value from, Type type) {
              return markChunkLocal(LinearScanOp::create(
                                        b, loc, bSlice.getType(), type,
                                        structure, slices, bSlice, from,
                                        chunkLens, axis, batchDims, reverse))
                  .getLast();
            };
            return {scan(zeros, unit, productType),
                    scan(chunkB, zero, stateType)};
          }
          auto summarize = markChunkLocal(RecurrenceOp::create(
              b, loc, TypeRange{productType, stateType}, ValueRange{unit, zero},
              slices, /*captures=*/ValueRange{}, chunkLens, axis, reverse));
          buildSummaryStep(b, loc, summarize, structure, batchDims, axis);
          return SmallVector<Value>(summarize.getResults());
        });

    // Phase 2: the chunk maps applied in order, from init: the state after
    // every chunk, and the final state.
    auto chunkScan = markChunkLocal(LinearScanOp::create(
        rewriter, loc, summaries[1].getType(), stateType, applyStructure,
        ValueRange{summaries[0]}, summaries[1], op.getInit(),
        /*seqLens=*/nullptr, /*time_axis=*/0, applyBatchDims, reverse));

    // Phase 3: every chunk again, from its carry.
    Value init = op.getInit();
    if (!init)
      init = createFilled(rewriter, loc, stateSizes, elemType, 0.0);
    Value carries =
        stackCarries(rewriter, loc, chunkScan.getStates(), init, grid);
    ChunkOutput statesOut{
        tensor::EmptyOp::create(
            rewriter, loc,
            fusing ? stackSizes(stateSizes, axis,
                                getAsOpFoldResult(grid.numSteps))
                   : tensor::getMixedSizes(rewriter, loc, bSeq),
            elemType),
        Placement::Steps, axis};
    SmallVector<Value> states = forEachChunk(
        rewriter, loc, grid, {statesOut},
        [&](OpBuilder &b, const Chunk &chunk) -> SmallVector<Value> {
          SmallVector<Value> slices = chunkSlices(b, chunk);
          Value chunkB = slices.pop_back_val();
          auto scan = markChunkLocal(LinearScanOp::create(
              b, loc, chunkB.getType(), stateType, structure, slices, chunkB,
              carryOf(b, loc, carries, chunk, grid),
              chunkSeqLens(b, loc, lens, chunk.start), axis, batchDims,
              reverse));
          return {scan.getStates()};
        });
    // Sized from the init and the grid when fusing, the states may know a
    // static T where the op's type says dynamic (or the reverse).
    Value allStates = states[0];
    if (allStates.getType() != op.getStates().getType())
      allStates = tensor::CastOp::create(rewriter, loc,
                                         op.getStates().getType(), allStates);
    rewriter.replaceOp(op, {allStates, chunkScan.getLast()});
    return success();
  }

  /// The body of the phase-1 recurrence `summarize`, whose states are P and
  /// q and whose step slices are the coefficients' and b's: each step
  /// applies the step's transition to P (with b = 0) and to q (with b_t),
  /// as linear scans of one step.
  static void buildSummaryStep(OpBuilder &b, Location loc,
                               RecurrenceOp summarize, Structure structure,
                               int64_t batchDims, int64_t axis) {
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Type> argTypes(summarize.getResultTypes());
    for (Value seq : summarize.getSequences())
      argTypes.push_back(
          getStepType(cast<RankedTensorType>(seq.getType()), axis));
    SmallVector<Location> argLocs(argTypes.size(), loc);
    Block *body = b.createBlock(&summarize.getBody(), {}, argTypes, argLocs);
    Value product = body->getArgument(0), offset = body->getArgument(1);
    SmallVector<Value> coeffs;
    for (BlockArgument arg : body->getArguments().drop_front(2).drop_back())
      coeffs.push_back(asOneStep(b, loc, arg));
    Value bt = asOneStep(b, loc, body->getArguments().back());
    Type elemType = getElementTypeOrSelf(product.getType());
    Value zeros =
        createFilled(b, loc,
                     stackSizes(tensor::getMixedSizes(b, loc, product), 0,
                                b.getIndexAttr(1)),
                     elemType, 0.0);
    auto step = [&](Value state, Value bStep) {
      return markChunkLocal(
                 LinearScanOp::create(b, loc, bStep.getType(), state.getType(),
                                      structure, coeffs, bStep, state,
                                      /*seqLens=*/nullptr, /*time_axis=*/0,
                                      batchDims, /*reverse=*/false))
          .getLast();
    };
    YieldOp::create(b, loc, ValueRange{step(product, zeros), step(offset, bt)});
  }

  int64_t chunkSize;
  bool fuseCoefficients;
};

/// Maps (stateless recurrences over the same time axis, without sequence
/// lengths) that read the stacked states of `op` as a sequence, and whose
/// other operands are defined before `op`: their bodies can run in the
/// sequential recurrence that replaces it, on each step's new state.
SmallVector<RecurrenceOp> stateConsumers(LinearScanOp op, int64_t axis) {
  SmallVector<RecurrenceOp> consumers;
  // Under sequence lengths a map computes f(0) on a masked step's zero
  // state, where inside the recurrence its output would be zero.
  if (op.getSeqLens())
    return consumers;
  DominanceInfo dominance;
  for (Operation *user : op.getStates().getUsers()) {
    auto map = dyn_cast<RecurrenceOp>(user);
    if (!map || !map.getInits().empty() || map.getSeqLens() ||
        !isMemoryEffectFree(map) ||
        static_cast<int64_t>(map.getTimeAxis()) != axis ||
        map->hasAttr(kChunkLocalAttr) || llvm::is_contained(consumers, map) ||
        llvm::is_contained(map.getCaptures(), op.getStates()))
      continue;
    bool before = llvm::all_of(map->getOperands(), [&](Value v) {
      return v == op.getStates() || dominance.properlyDominates(v, op);
    });
    if (before)
      consumers.push_back(map);
  }
  return consumers;
}

/// A scalar or diagonal h_t = a_t * h_{t-1} + b_t with a wide state, as one
/// sequential recur.recurrence (chunk-local) computing h = a_t * h + b_t per
/// step. The bodies of the maps that make its coefficients
/// (coefficientMap) and of the maps that read its stacked states
/// (stateConsumers: Mamba's readout) run inside it, so neither the [T, ...]
/// coefficients nor (when nothing else reads them) the [T, ...] states are
/// ever stored. On a CPU this moves each input once and each output once;
/// the chunked scan passes over them twice for parallelism a few cores
/// cannot use on memory-bound steps (the state's own width is parallel
/// enough).
LogicalResult sequentialWideScan(RewriterBase &rewriter, LinearScanOp op,
                                 int64_t minState) {
  if (op->hasAttr(kChunkLocalAttr))
    return failure();
  Structure structure = op.getStructure();
  if (structure != Structure::scalar && structure != Structure::diagonal)
    return failure();
  auto stateType = cast<RankedTensorType>(op.getLast().getType());
  int64_t known = 1;
  for (int64_t d : stateType.getShape())
    if (!ShapedType::isDynamic(d))
      known *= d;
  if (known < minState)
    return failure();
  int64_t axis = op.getTimeAxis();
  auto statesType = cast<RankedTensorType>(op.getStates().getType());

  // The recurrence's sequences: each coefficient map's inputs once, the
  // coefficients and b that no map makes, each consumer's other inputs;
  // its captures: the maps' and the consumers'.
  Location loc = op.getLoc();
  SmallVector<Value> operands(op.getCoefficients());
  operands.push_back(op.getB());
  SmallVector<std::pair<RecurrenceOp, unsigned>> maps;
  SmallVector<RecurrenceOp> fused;
  SmallVector<Value> seqs, captures;
  for (Value operand : operands) {
    maps.push_back(coefficientMap(operand, axis));
    // A map with side effects runs once, as it is.
    if (maps.back().first && !isMemoryEffectFree(maps.back().first))
      maps.back() = {};
    RecurrenceOp map = maps.back().first;
    if (map && !llvm::is_contained(fused, map)) {
      fused.push_back(map);
      llvm::append_range(seqs, map.getSequences());
      llvm::append_range(captures, map.getCaptures());
    }
  }
  for (auto [operand, map] : llvm::zip(operands, maps))
    if (!map.first)
      seqs.push_back(operand);
  SmallVector<RecurrenceOp> consumers = stateConsumers(op, axis);
  for (RecurrenceOp consumer : consumers) {
    for (Value seq : consumer.getSequences())
      if (seq != op.getStates())
        seqs.push_back(seq);
    llvm::append_range(captures, consumer.getCaptures());
  }
  // Under sequence lengths every step slice needs the batch dimension
  // first (a scalar scan's `a` without batch_dims has none): chunked then.
  if (op.getSeqLens())
    for (Value seq : seqs) {
      RankedTensorType step =
          getStepType(cast<RankedTensorType>(seq.getType()), axis);
      if (step.getRank() == 0 ||
          (!step.isDynamicDim(0) && !stateType.isDynamicDim(0) &&
           step.getDimSize(0) != stateType.getDimSize(0)))
        return failure();
    }
  // The stacked states stay an output while anything else reads them.
  bool keepStates = llvm::any_of(op.getStates().getUsers(), [&](Operation *u) {
    return !llvm::is_contained(consumers, u);
  });

  rewriter.setInsertionPoint(op);
  Value init = op.getInit();
  if (!init) {
    init = createFilled(rewriter, loc, stepSizes(rewriter, loc, op.getB(), axis),
                        stateType.getElementType(), 0.0);
    // The state's own type (folded sizes may have made the fill's more
    // static): the body yields values of that type.
    if (init.getType() != stateType)
      init = tensor::CastOp::create(rewriter, loc, stateType, init);
  }
  SmallVector<Type> resultTypes{init.getType()};
  if (keepStates)
    resultTypes.push_back(statesType);
  for (RecurrenceOp consumer : consumers)
    llvm::append_range(resultTypes, consumer.getResultTypes());
  auto rec = markChunkLocal(RecurrenceOp::create(
      rewriter, loc, resultTypes, ValueRange{init}, seqs, captures,
      op.getSeqLens(), axis, op.getReverse()));
  SmallVector<Type> argTypes{init.getType()};
  for (Value seq : seqs)
    argTypes.push_back(
        getStepType(cast<RankedTensorType>(seq.getType()), axis));
  for (Value capture : captures)
    argTypes.push_back(capture.getType());
  OpBuilder::InsertionGuard guard(rewriter);
  Block *body = rewriter.createBlock(&rec.getBody(), {}, argTypes,
                                     SmallVector<Location>(argTypes.size(), loc));
  Value h = body->getArgument(0);
  ArrayRef<BlockArgument> stepArgs =
      body->getArguments().slice(1, seqs.size());
  ArrayRef<BlockArgument> captureArgs =
      body->getArguments().drop_front(1 + seqs.size());
  unsigned nextSeq = 0, nextCapture = 0;

  // Clones `map`'s body: its sequences are the next step arguments (or
  // `states` where it reads op's stacked states), its captures the next
  // capture arguments. Returns the values it yields.
  auto inlineMap = [&](RecurrenceOp map, Value states) {
    IRMapping mapping;
    Block &mapBody = map.getBody().front();
    unsigned numSeqs = map.getSequences().size();
    for (auto [k, arg] : llvm::enumerate(mapBody.getArguments())) {
      if (k >= numSeqs)
        mapping.map(arg, captureArgs[nextCapture++]);
      else if (map.getSequences()[k] == op.getStates())
        mapping.map(arg, states);
      else
        mapping.map(arg, stepArgs[nextSeq++]);
    }
    for (Operation &inner : mapBody.without_terminator())
      rewriter.clone(inner, mapping);
    SmallVector<Value> values;
    for (Value v : cast<YieldOp>(mapBody.getTerminator()).getValues())
      values.push_back(mapping.lookupOrDefault(v));
    return values;
  };

  // Each coefficient map's body, once, on the step's slices and captures.
  llvm::SmallDenseMap<Operation *, SmallVector<Value>> mapValues;
  for (RecurrenceOp map : fused)
    mapValues[map] = inlineMap(map, Value());
  SmallVector<Value> steps;
  for (auto [operand, map] : llvm::zip(operands, maps))
    steps.push_back(map.first ? mapValues[map.first][map.second]
                              : Value(stepArgs[nextSeq++]));

  // h = a_t * h + b_t, a_t broadcast over the state's trailing dimensions
  // (all of them for scalar structure beyond the batch).
  Value a = steps[0], bt = steps[1];
  MLIRContext *ctx = rewriter.getContext();
  unsigned rank = stateType.getRank();
  unsigned aRank = cast<RankedTensorType>(a.getType()).getRank();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap aMap = AffineMap::get(rank, /*symbolCount=*/0,
                                  identity.getResults().take_front(aRank), ctx);
  // Into h itself, read as the generic's output (an output the body does
  // not read is canonicalized into a new buffer): the state is updated in
  // place, and a step output that is the same value is copied out of it.
  Value next =
      linalg::GenericOp::create(
          rewriter, loc, stateType, ValueRange{a, bt}, ValueRange{h},
          ArrayRef<AffineMap>{aMap, identity, identity},
          SmallVector<utils::IteratorType>(rank,
                                           utils::IteratorType::parallel),
          [&](OpBuilder &b, Location loc, ValueRange args) {
            Value prod = arith::MulFOp::create(b, loc, args[0], args[2]);
            linalg::YieldOp::create(
                b, loc, Value(arith::AddFOp::create(b, loc, prod, args[1])));
          })
          .getResult(0);

  // The consumers' bodies on the new state.
  SmallVector<Value> yields{next};
  if (keepStates)
    yields.push_back(next);
  for (RecurrenceOp consumer : consumers)
    llvm::append_range(yields, inlineMap(consumer, next));
  YieldOp::create(rewriter, loc, yields);

  unsigned result = 1;
  rewriter.replaceAllUsesWith(op.getLast(), rec.getResult(0));
  if (keepStates)
    rewriter.replaceAllUsesWith(op.getStates(), rec.getResult(result++));
  for (RecurrenceOp consumer : consumers) {
    unsigned n = consumer->getNumResults();
    rewriter.replaceOp(consumer, rec.getResults().slice(result, n));
    result += n;
  }
  rewriter.eraseOp(op);
  // The coefficient maps, now read by nothing.
  for (RecurrenceOp map : fused)
    if (map->use_empty())
      rewriter.eraseOp(map);
  return success();
}

//===----------------------------------------------------------------------===//
// recur.scan
//===----------------------------------------------------------------------===//

/// A scan with its own combiner at `b`'s insertion point.
ScanOp createScan(OpBuilder &b, Location loc, ScanOp like, ValueRange inputs,
                  ValueRange inits, int64_t axis, bool exclusive) {
  auto scan = ScanOp::create(b, loc, inputs.getTypes(), inputs, inits, axis,
                             exclusive, like.getReverse());
  b.cloneRegionBefore(like.getCombiner(), scan.getCombiner(),
                      scan.getCombiner().end());
  return markChunkLocal(scan);
}

/// A scan in chunks. A chunk's summary is its combined total, a reduction
/// (a recur.recurrence whose body is the combiner, started from the chunk's
/// first element); phase 2 is an inclusive scan of the C totals from init;
/// phase 3 rescans every chunk with the total before it as init. The order
/// of the combinations is preserved (the accumulated value always first), so
/// the combiner need not commute.
struct ChunkScan : OpRewritePattern<ScanOp> {
  ChunkScan(MLIRContext *context, int64_t chunkSize)
      : OpRewritePattern(context), chunkSize(chunkSize) {}

  LogicalResult matchAndRewrite(ScanOp op,
                                PatternRewriter &rewriter) const override {
    if (op->hasAttr(kChunkLocalAttr))
      return rewriter.notifyMatchFailure(op, "already chunk-local");
    Location loc = op.getLoc();
    int64_t axis = op.getTimeAxis();
    bool reverse = op.getReverse();
    ValueRange inputs = op.getInputs(), inits = op.getInits();
    if (fitsInOneChunk(inputs, axis, chunkSize))
      return rewriter.notifyMatchFailure(op, "fits in one chunk");
    ChunkGrid grid =
        makeChunkGrid(rewriter, loc, inputs, axis, chunkSize, reverse);

    SmallVector<Type> stepTypes;
    SmallVector<ChunkOutput> totalsOut, resultsOut;
    for (Value input : inputs) {
      auto type = cast<RankedTensorType>(input.getType());
      stepTypes.push_back(getStepType(type, axis));
      totalsOut.push_back({tensor::EmptyOp::create(
                               rewriter, loc,
                               stackSizes(stepSizes(rewriter, loc, input, axis),
                                          0, getAsOpFoldResult(grid.numChunks)),
                               type.getElementType()),
                           Placement::Summary, 0});
      resultsOut.push_back(
          {tensor::EmptyOp::create(rewriter, loc,
                                   tensor::getMixedSizes(rewriter, loc, input),
                                   type.getElementType()),
           Placement::Steps, axis});
    }

    // Phase 1: every chunk's total, combined in scan order from its first
    // element in scan order.
    SmallVector<Value> totals = forEachChunk(
        rewriter, loc, grid, totalsOut,
        [&](OpBuilder &b, const Chunk &chunk) -> SmallVector<Value> {
          Value one = arith::ConstantIndexOp::create(b, loc, 1);
          Value firstStep = chunk.start, restStart = chunk.start;
          if (reverse) {
            firstStep = arith::AddIOp::create(b, loc, chunk.start, chunk.len);
            firstStep = arith::SubIOp::create(b, loc, firstStep, one);
          } else {
            restStart = arith::AddIOp::create(b, loc, chunk.start, one);
          }
          Value restLen = arith::SubIOp::create(b, loc, chunk.len, one);
          SmallVector<Value> firsts, rests;
          for (Value input : inputs) {
            firsts.push_back(extractStepRobust(b, loc, input, axis, firstStep));
            rests.push_back(
                sliceChunk(b, loc, input, axis, restStart, restLen));
          }
          auto reduce =
              RecurrenceOp::create(b, loc, stepTypes, firsts, rests,
                                   /*captures=*/ValueRange{},
                                   /*seqLens=*/nullptr, axis, reverse);
          b.cloneRegionBefore(op.getCombiner(), reduce.getBody(),
                              reduce.getBody().end());
          return SmallVector<Value>(markChunkLocal(reduce).getResults());
        });

    // Phase 2: the state after every chunk, init (+) the totals so far.
    ScanOp chunkScan = createScan(rewriter, loc, op, totals, inits,
                                  /*axis=*/0, /*exclusive=*/false);

    // Phase 3: every chunk rescanned with the state before it as init.
    SmallVector<Value> carries;
    for (auto [after, init] : llvm::zip(chunkScan.getResults(), inits))
      carries.push_back(stackCarries(rewriter, loc, after, init, grid));
    SmallVector<Value> results = forEachChunk(
        rewriter, loc, grid, resultsOut,
        [&](OpBuilder &b, const Chunk &chunk) -> SmallVector<Value> {
          SmallVector<Value> slices;
          for (Value input : inputs)
            slices.push_back(
                sliceChunk(b, loc, input, axis, chunk.start, chunk.len));
          if (!inits.empty()) {
            SmallVector<Value> chunkInits;
            for (Value stacked : carries)
              chunkInits.push_back(carryOf(b, loc, stacked, chunk, grid));
            return SmallVector<Value>(createScan(b, loc, op, slices, chunkInits,
                                                 axis, op.getExclusive())
                                          .getResults());
          }
          // Without init the first chunk has no carry: it is scanned as is.
          auto branch = scf::IfOp::create(
              b, loc, isFirstChunk(b, loc, grid, chunk),
              [&](OpBuilder &tb, Location tloc) {
                ScanOp scan = createScan(tb, tloc, op, slices, ValueRange{},
                                         axis, /*exclusive=*/false);
                scf::YieldOp::create(tb, tloc, scan.getResults());
              },
              [&](OpBuilder &eb, Location eloc) {
                SmallVector<Value> chunkInits;
                Value previous = previousChunk(eb, eloc, grid, chunk);
                for (Value after : chunkScan.getResults())
                  chunkInits.push_back(
                      extractTimeStep(eb, eloc, after, 0, previous));
                ScanOp scan = createScan(eb, eloc, op, slices, chunkInits, axis,
                                         /*exclusive=*/false);
                scf::YieldOp::create(eb, eloc, scan.getResults());
              });
          return SmallVector<Value>(branch.getResults());
        });
    rewriter.replaceOp(op, results);
    return success();
  }

  int64_t chunkSize;
};

struct RecurLowerScansPass
    : recur::impl::RecurLowerScansBase<RecurLowerScansPass> {
  using RecurLowerScansBase::RecurLowerScansBase;

  void runOnOperation() override {
    if (chunkSize < 1) {
      emitError(getOperation()->getLoc())
          << "--recur-lower-scans: chunk-size must be at least 1, got "
          << static_cast<int64_t>(chunkSize);
      return signalPassFailure();
    }
    if (sequentialMinState > 0) {
      SmallVector<LinearScanOp> scans;
      getOperation()->walk([&](LinearScanOp op) { scans.push_back(op); });
      // A rewrite erases the maps it inlines, and the scans inside them.
      struct ErasedOps : RewriterBase::Listener {
        llvm::DenseSet<Operation *> erased;
        void notifyOperationErased(Operation *op) override {
          erased.insert(op);
        }
      } listener;
      IRRewriter rewriter(&getContext(), &listener);
      for (LinearScanOp op : scans)
        if (!listener.erased.contains(op))
          (void)sequentialWideScan(rewriter, op, sequentialMinState);
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<ChunkLinearScan>(&getContext(), chunkSize, fuseCoefficients);
    patterns.add<ChunkScan>(&getContext(), chunkSize);
    // One visit per op: the chunk-local ops the patterns create are marked
    // and left for --recur-lower-to-loops.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

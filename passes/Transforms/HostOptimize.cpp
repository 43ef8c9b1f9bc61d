//===- HostOptimize.cpp - code quality of the host pipeline --------------===//
//
// Rewrites that make --recur-host-to-llvm's loops fast rather than merely
// correct: elementwise fusion on tensors (fewer loops, fewer launches),
// matmul-like ops reordered so their innermost loop vectorizes,
// transcendental math as polynomials instead of libm calls, and the
// temporaries of sequential loops allocated once instead of every step.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/SmallBitVector.h"

namespace recur {
#define GEN_PASS_DEF_RECURHOSTAPPROXIMATEMATH
#define GEN_PASS_DEF_RECURHOSTFUSEELEMENTWISE
#define GEN_PASS_DEF_RECURHOSTINTERCHANGECONTRACTIONS
#define GEN_PASS_DEF_RECURHOSTHOISTLOOPBUFFERS
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// --recur-host-fuse-elementwise
//===----------------------------------------------------------------------===//

/// Whether `value` is a linalg.fill of zero (+0.0 or -0.0) with one use.
bool isSingleUseZeroFill(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  if (!fill || !value.hasOneUse())
    return false;
  FloatAttr constant;
  return matchPattern(fill.value(), m_Constant(&constant)) &&
         constant.getValue().isZero();
}

/// `elementwise(X + rest)` where X = matmul(A, B) on a zero fill, read by
/// nothing else, becomes `matmul(A, B)` accumulating into
/// `elementwise(rest)`: the bias (and an input projection's slice) starts
/// the sum instead of being added to it in one more pass over the output,
/// and the fill goes. `rest` is what the body adds to X through a chain of
/// addf up to the yield, the same additions in the same order without X:
/// the result differs from the original by reassociating the sum (X's
/// terms are now added to rest instead of rest to them), within a few
/// units in the last place of the largest term.
struct FoldAddIntoMatmul : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
        op.getNumReductionLoops() != 0 ||
        !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() ||
        op.payloadUsesValueFromOperand(op.getDpsInitOperand(0)))
      return failure();
    Block &body = op.getRegion().front();
    for (OpOperand *input : op.getDpsInputOperands()) {
      auto matmul = input->get().getDefiningOp<linalg::MatmulOp>();
      if (!matmul || !input->get().hasOneUse() ||
          input->get().getType() != op.getResult(0).getType() ||
          !op.getMatchingIndexingMap(input).isIdentity() ||
          !matmul.hasPureTensorSemantics() ||
          !isSingleUseZeroFill(matmul.getDpsInitOperand(0)->get()) ||
          // The default (identity) maps: C[m, n] += A[m, k] * B[k, n].
          matmul.hasUserDefinedMaps() ||
          // Operands of the output's type: no `cast` attribute to keep.
          llvm::any_of(matmul.getDpsInputs(),
                       [&](Value v) {
                         return getElementTypeOrSelf(v.getType()) !=
                                getElementTypeOrSelf(input->get().getType());
                       }) ||
          // Not into a loop the matmul was hoisted out of.
          matmul->getBlock() != op->getBlock())
        continue;
      BlockArgument arg = op.getMatchingBlockArgument(input);
      if (!arg.hasOneUse())
        continue;
      auto add = dyn_cast<arith::AddFOp>(*arg.user_begin());
      if (!add)
        continue;
      // The chain from `add` to the yield: addfs, each used once.
      Operation *link = add;
      while (link->hasOneUse() && isa<arith::AddFOp>(*link->user_begin()))
        link = *link->user_begin();
      auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
      if (!link->hasOneUse() || *link->user_begin() != yield)
        continue;
      Value other = add.getLhs() == arg ? add.getRhs() : add.getLhs();
      if (other == arg)
        continue; // X + X
      return rewrite(op, input, matmul, add, other, rewriter);
    }
    return failure();
  }

  LogicalResult rewrite(linalg::GenericOp op, OpOperand *input,
                        linalg::MatmulOp matmul, arith::AddFOp add,
                        Value other, PatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    // rest: the same generic without X, `X + other` replaced by `other`.
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (OpOperand *operand : op.getDpsInputOperands()) {
      if (operand == input)
        continue;
      inputs.push_back(operand->get());
      maps.push_back(op.getMatchingIndexingMap(operand));
    }
    maps.push_back(op.getMatchingIndexingMap(op.getDpsInitOperand(0)));
    auto rest = linalg::GenericOp::create(
        rewriter, loc, op.getResultTypes(), inputs,
        ValueRange{op.getDpsInitOperand(0)->get()}, maps,
        op.getIteratorTypesArray());
    IRMapping map;
    Block &oldBody = op.getRegion().front();
    SmallVector<Type> argTypes;
    SmallVector<Location> argLocs;
    for (BlockArgument arg : oldBody.getArguments()) {
      if (arg.getArgNumber() == op.getMatchingBlockArgument(input).getArgNumber())
        continue;
      argTypes.push_back(arg.getType());
      argLocs.push_back(arg.getLoc());
    }
    Block *newBody = rewriter.createBlock(&rest.getRegion(), {}, argTypes,
                                          argLocs);
    unsigned next = 0;
    for (BlockArgument arg : oldBody.getArguments())
      if (arg != op.getMatchingBlockArgument(input))
        map.map(arg, newBody->getArgument(next++));
    rewriter.setInsertionPointToStart(newBody);
    for (Operation &bodyOp : oldBody) {
      if (&bodyOp == add.getOperation()) {
        map.map(add.getResult(), map.lookupOrDefault(other));
        continue;
      }
      rewriter.clone(bodyOp, map);
    }
    rewriter.setInsertionPoint(op);
    auto accumulate = linalg::MatmulOp::create(
        rewriter, loc, op.getResultTypes(), matmul.getDpsInputs(),
        ValueRange{rest.getResult(0)});
    rewriter.replaceOp(op, accumulate.getResults());
    rewriter.eraseOp(matmul);
    return success();
  }
};

/// `tensor.splat %x[dims]` as `linalg.fill %x` of a `tensor.empty`, which
/// elementwise fusion folds into its readers' bodies (a sigmoid's 1.0 is
/// otherwise written out in full every step).
struct SplatAsFill : OpRewritePattern<tensor::SplatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::SplatOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    auto empty = tensor::EmptyOp::create(rewriter, op.getLoc(), type,
                                         op.getDynamicSizes());
    rewriter.replaceOpWithNewOp<linalg::FillOp>(op, op.getInput(),
                                                empty.getResult());
    return success();
  }
};

/// linalg.broadcast as the generic it is, which elementwise fusion then
/// fuses into its readers (a bias broadcast to every row is otherwise
/// written out in full).
struct GeneralizeBroadcast : OpRewritePattern<linalg::BroadcastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::BroadcastOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return failure();
    return linalg::generalizeNamedOp(rewriter, op);
  }
};

struct RecurHostFuseElementwisePass
    : recur::impl::RecurHostFuseElementwiseBase<RecurHostFuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // First, before fusion makes the sums part of larger bodies: biases
    // into the matmuls they are added to, broadcasts as generics, splats as
    // fills.
    {
      RewritePatternSet patterns(ctx);
      patterns.add<FoldAddIntoMatmul, GeneralizeBroadcast, SplatAsFill>(ctx);
      if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
    RewritePatternSet patterns(ctx);
    // Upstream's pass fuses single-use producers only; elementwise
    // producers are cheap enough to recompute in each elementwise consumer
    // (the legality checks of areElementwiseOpsFusable still apply). Except a
    // producer whose body reads its own outputs (`out + x` on a filled
    // init) into a consumer that reads it broadcast: the fused op keeps
    // that output, indexed by a map that is not injective, and updates it
    // once per broadcast element (upstream does not check this).
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *fused) {
          auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
          auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
          if (!producer || !consumer)
            return true;
          // Recomputing a producer that others read too inside a
          // reduction (a readout sum over the state) would evaluate it
          // again in scalar reduction code: keep it whole.
          if (!fused->get().hasOneUse() &&
              consumer.getNumReductionLoops() > 0)
            return false;
          if (consumer.getMatchingIndexingMap(fused).isPermutation())
            return true;
          return llvm::none_of(
              producer.getDpsInitsMutable(), [&](OpOperand &init) {
                return producer.payloadUsesValueFromOperand(&init);
              });
        });
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::FillOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::EmptyOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

//===----------------------------------------------------------------------===//
// --recur-host-approximate-math
//===----------------------------------------------------------------------===//

struct RecurHostApproximateMathPass
    : recur::impl::RecurHostApproximateMathBase<RecurHostApproximateMathPass> {
  void runOnOperation() override {
    // tanh is approximated directly (a rational function, exact to a few
    // ulp near 0) rather than expanded into exp as the GPU pass does.
    static constexpr StringLiteral approximated[] = {
        "math.exp", "math.expm1", "math.tanh", "math.log",
        "math.log1p", "math.log2", "math.erf"};
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) {
          return llvm::is_contained(approximated, name);
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

//===----------------------------------------------------------------------===//
// --recur-host-interchange-contractions
//===----------------------------------------------------------------------===//

/// The output's last (contiguous) dimension when `op` is a contraction on
/// buffers whose innermost loop is a reduction and whose output is
/// contiguous along that dimension.
std::optional<unsigned> contiguousOutputDim(linalg::LinalgOp op) {
  unsigned rank = op.getNumLoops();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (rank < 2 || op.getNumDpsInits() != 1 ||
      !linalg::isReductionIterator(iterators.back()) ||
      op.getNumParallelLoops() == 0)
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (outMap.getNumResults() == 0)
    return std::nullopt;
  auto last = dyn_cast<AffineDimExpr>(outMap.getResults().back());
  if (!last || !linalg::isParallelIterator(iterators[last.getPosition()]))
    return std::nullopt;
  unsigned inner = last.getPosition();
  // Inputs must not stride along `inner` either: where one reads it, it is
  // its last index (matmul's right-hand side; not matvec's matrix).
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    for (auto [pos, expr] : llvm::enumerate(map.getResults()))
      if (expr.isFunctionOfDim(inner) &&
          (pos + 1 != map.getNumResults() || !isa<AffineDimExpr>(expr)))
        return std::nullopt;
  }
  // The output must be contiguous along that dimension for the inner loop
  // to stream (identity layouts and subviews of them with unit last
  // stride).
  auto outType = dyn_cast<MemRefType>(op.getDpsInitOperand(0)->get().getType());
  if (!outType)
    return std::nullopt;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(outType.getStridesAndOffset(strides, offset)) ||
      strides.empty() || strides.back() != 1)
    return std::nullopt;
  return inner;
}

/// Rows and columns of the output per tile: a tile's rows of the output
/// (8 x 256 floats, 8 KiB) stay in L1 while the reduction streams through
/// them, and each row of the right-hand side is read once per tile instead
/// of once per output row.
constexpr int64_t kTileRows = 8;
constexpr int64_t kTileCols = 256;

/// Tiles `op` (a contraction with contiguousOutputDim) into an scf.parallel
/// over output tiles and reorders the tile's loops to (reductions, other
/// parallel dims, inner): scalar fmas that stream along contiguous rows of
/// the output and the right-hand side, which LLVM vectorizes.
LogicalResult tileAndInterchange(RewriterBase &rewriter, linalg::LinalgOp op,
                                 unsigned inner) {
  unsigned rank = op.getNumLoops();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> tileSizes(rank, 0);
  for (unsigned d = 0; d < rank; ++d)
    if (linalg::isParallelIterator(iterators[d]))
      tileSizes[d] = d == inner ? kTileCols : kTileRows;
  // Leading parallel dims (batches) one at a time: only the two innermost
  // parallel ones are tiled into blocks.
  unsigned blocked = 0;
  for (unsigned d = rank; d-- > 0;)
    if (tileSizes[d] != 0 && d != inner && ++blocked > 1)
      tileSizes[d] = 1;
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::TiledLinalgOp> tiled = linalg::tileLinalgOp(
      rewriter, op,
      linalg::LinalgTilingOptions().setTileSizes(tileSizes).setLoopType(
          linalg::LinalgTilingLoopType::ParallelLoops));
  if (failed(tiled))
    return failure();
  rewriter.eraseOp(op);
  linalg::LinalgOp tile = tiled->op;
  rewriter.setInsertionPoint(tile);
  auto generic = dyn_cast<linalg::GenericOp>(tile.getOperation());
  if (!generic) {
    FailureOr<linalg::GenericOp> generalized =
        linalg::generalizeNamedOp(rewriter, tile);
    if (failed(generalized))
      return failure();
    generic = *generalized;
  }
  SmallVector<unsigned> order;
  for (unsigned d = 0; d < rank; ++d)
    if (!linalg::isParallelIterator(iterators[d]))
      order.push_back(d);
  for (unsigned d = 0; d < rank; ++d)
    if (d != inner && linalg::isParallelIterator(iterators[d]))
      order.push_back(d);
  order.push_back(inner);
  return linalg::interchangeGenericOp(rewriter, generic, order);
}

struct RecurHostInterchangeContractionsPass
    : recur::impl::RecurHostInterchangeContractionsBase<
          RecurHostInterchangeContractionsPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, unsigned>> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureBufferSemantics())
        return;
      if (std::optional<unsigned> inner = contiguousOutputDim(op))
        ops.emplace_back(op, *inner);
    });
    IRRewriter rewriter(&getContext());
    for (auto [op, inner] : ops)
      (void)tileAndInterchange(rewriter, op, inner);
  }
};

//===----------------------------------------------------------------------===//
// --recur-host-hoist-loop-buffers
//===----------------------------------------------------------------------===//

/// The dealloc of `alloc` in the alloc's own block, when it is freed there
/// unconditionally and exactly once.
memref::DeallocOp blockLocalDealloc(memref::AllocOp alloc) {
  memref::DeallocOp found;
  for (Operation *user : alloc->getUsers()) {
    auto dealloc = dyn_cast<memref::DeallocOp>(user);
    if (!dealloc)
      continue;
    if (found || dealloc->getBlock() != alloc->getBlock())
      return {};
    found = dealloc;
  }
  return found;
}

/// Whether `size` is dimension `index` of the loop-carried buffer `arg`:
/// `memref.dim %arg, index` (or a `memref.cast` of `arg`).
bool isDimOf(Value size, BlockArgument arg, int64_t index) {
  auto dim = size.getDefiningOp<memref::DimOp>();
  if (!dim)
    return false;
  Value source = dim.getSource();
  while (auto cast = source.getDefiningOp<memref::CastOp>())
    source = cast.getSource();
  std::optional<int64_t> constant = dim.getConstantIndex();
  return source == arg && constant && *constant == index;
}

/// Dimension `index` of `buffer` as the SSA value it was made with (an
/// allocation's or a subview's size operand, through casts), or null.
Value sizeOperand(Value buffer, int64_t index) {
  while (auto cast = buffer.getDefiningOp<memref::CastOp>())
    buffer = cast.getSource();
  if (auto alloc = buffer.getDefiningOp<memref::AllocOp>()) {
    MemRefType type = alloc.getType();
    if (index >= type.getRank() || !type.isDynamicDim(index))
      return {};
    return alloc.getDynamicSizes()[type.getDynamicDimIndex(index)];
  }
  if (auto subview = buffer.getDefiningOp<memref::SubViewOp>()) {
    llvm::SmallBitVector dropped = subview.getDroppedDims();
    SmallVector<OpFoldResult> sizes = subview.getMixedSizes();
    int64_t kept = -1;
    for (auto [d, size] : llvm::enumerate(sizes)) {
      if (dropped.test(d) || ++kept != index)
        continue;
      return dyn_cast<Value>(size);
    }
  }
  return {};
}

/// Sizes of loop-carried buffers that every iteration keeps (the state of a
/// recurrence is yielded as a fresh buffer of the same shape) become the
/// sizes of the initial buffer, so that temporaries sized by them are loop
/// invariant. The same when the yielded buffer is allocated with the size
/// the initial one was made with (a value from before the loop).
void hoistInvariantDims(scf::ForOp loop) {
  SmallVector<memref::DimOp> dims;
  loop.getBody()->walk([&](memref::DimOp dim) { dims.push_back(dim); });
  for (memref::DimOp dim : dims) {
    auto arg = dyn_cast<BlockArgument>(dim.getSource());
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!arg || arg.getOwner() != loop.getBody() || !index ||
        arg.getArgNumber() < loop.getNumInductionVars())
      continue;
    OpOperand *init = loop.getTiedLoopInit(arg);
    Value yielded = loop.getTiedLoopYieldedValue(arg)->get();
    while (auto cast = yielded.getDefiningOp<memref::CastOp>())
      yielded = cast.getSource();
    bool invariant = yielded == arg;
    if (auto alloc = yielded.getDefiningOp<memref::AllocOp>()) {
      Value size = sizeOperand(alloc, *index);
      if (size && isDimOf(size, arg, *index)) {
        invariant = true;
      } else if (size && loop.isDefinedOutsideOfLoop(size) &&
                 sizeOperand(init->get(), *index) == size) {
        dim.replaceAllUsesWith(size);
        dim.erase();
        continue;
      }
    }
    if (!invariant)
      continue;
    OpBuilder b(loop);
    Value outside = memref::DimOp::create(b, dim.getLoc(), init->get(),
                                          *index);
    dim.replaceAllUsesWith(outside);
    dim.erase();
  }
}

/// Whether `value` is defined outside `loop` or can be: pure ops of the
/// body whose operands are (the sizes of a loop's temporaries are usually
/// `memref.dim`s of its inputs) move before the loop.
bool makeInvariant(scf::ForOp loop, Value value, unsigned depth = 0) {
  if (loop.isDefinedOutsideOfLoop(value))
    return true;
  Operation *def = value.getDefiningOp();
  if (!def || depth > 8 || def->getBlock() != loop.getBody() ||
      def->getNumRegions() != 0 || !isMemoryEffectFree(def) ||
      !isSpeculatable(def))
    return false;
  for (Value operand : def->getOperands())
    if (!makeInvariant(loop, operand, depth + 1))
      return false;
  def->moveBefore(loop);
  return true;
}

/// Moves the block-local temporaries of `loop`'s body out of it. Returns
/// whether it moved any.
bool hoistOutOf(scf::ForOp loop) {
  bool changed = false;
  Block *body = loop.getBody();
  hoistInvariantDims(loop);
  for (auto alloc : llvm::make_early_inc_range(body->getOps<memref::AllocOp>())) {
    if (!llvm::all_of(alloc->getOperands(), [&](Value v) {
          return makeInvariant(loop, v);
        }))
      continue;
    memref::DeallocOp dealloc = blockLocalDealloc(alloc);
    if (!dealloc)
      continue;
    // Freed in the same iteration, so no value of it reaches the next one:
    // every iteration may use the same buffer.
    alloc->moveBefore(loop);
    dealloc->moveAfter(loop);
    changed = true;
  }
  return changed;
}

struct RecurHostHoistLoopBuffersPass
    : recur::impl::RecurHostHoistLoopBuffersBase<
          RecurHostHoistLoopBuffersPass> {
  void runOnOperation() override {
    // Post-order visits inner loops first, so a buffer climbs as far as its
    // sizes allow; repeat for loops whose bodies gained buffers.
    bool changed = true;
    while (changed) {
      changed = false;
      getOperation().walk(
          [&](scf::ForOp loop) { changed |= hoistOutOf(loop); });
    }
  }
};

} // namespace

//===- HostVectorize.cpp - vector code for the host's hot loops -----------===//
//
// LLVM's loop vectorizer gives up on the loops convert-linalg-to-parallel-
// loops writes for two kinds of ops that recurrent models spend their time
// in, so these passes emit vector code themselves.
//
// --recur-host-matmul-kernels: f32 matmuls on buffers become loops over
// register tiles of the output. A tile of `rows` output rows by `cols`
// columns lives in vector registers for the whole reduction; each step of
// the reduction loads one row segment of the right-hand side once and
// multiply-adds it into every row of the tile with a broadcast left-hand
// element. The output is read and written once per tile, not once per
// reduction step as in the interchanged loops of
// --recur-host-interchange-contractions, which takes what this pass leaves
// (column tails, batched and strided forms).
//
// --recur-host-vectorize-elementwise: elementwise linalg.generics on buffers
// (an LSTM's or GRU's gate math: many operands, strided views of one gate
// buffer) become vector loads, the body on vectors and vector stores along
// their innermost dimension. LLVM would need run-time alias checks between
// every pair of operands, more than it is willing to emit.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace recur {
#define GEN_PASS_DEF_RECURHOSTMATMULKERNELS
#define GEN_PASS_DEF_RECURHOSTVECTORIZEELEMENTWISE
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;

namespace {

/// Fails with an error on `op` unless `bits` (pass `pass`'s vector-bits)
/// is a vector width the passes know.
LogicalResult checkVectorBits(Operation *op, StringRef pass, int64_t bits) {
  if (bits == 128 || bits == 256 || bits == 512)
    return success();
  return op->emitError() << "--" << pass
                         << ": vector-bits must be 128, 256 or 512, not "
                         << bits;
}

/// How an operand of an elementwise generic is read along the innermost
/// loop: as a vector (its map ends with that loop, its rows are
/// contiguous) or as one element broadcast (its map does not use it).
enum class Access { Vector, Broadcast };

/// The access of every operand of elementwise generic `op` when it can be
/// vectorized along its innermost loop.
std::optional<SmallVector<Access>> elementwiseAccesses(linalg::GenericOp op);

/// The values `op`'s body yields at `ivs` (its loops' indices) and the
/// `lanes` - 1 next points along the innermost loop, as vectors:
/// `operands` (standing for `op`'s) read as `accesses` says, operands the
/// body does not read left alone.
SmallVector<Value> emitBodyOnVectors(OpBuilder &b, Location loc,
                                     linalg::GenericOp op,
                                     ArrayRef<Access> accesses,
                                     ValueRange operands, ValueRange ivs,
                                     int64_t lanes);

/// An elementwise generic that writes all of a matmul's output right before
/// it (a bias broadcast to every row, a step's input projection plus a
/// bias): the kernel computes its values straight into the accumulators
/// instead of reading them back from memory, and the generic goes.
struct InitProducer {
  linalg::GenericOp op;
  SmallVector<Access> accesses;
};

/// The operands of a plain f32 matmul C[m, n] += A[m, k] * B[k, n] on
/// buffers whose B and C rows are contiguous.
struct Matmul {
  Value a, b, c;
  /// B's whole column tiles as [n / cols, k, cols]: a packed copy (each
  /// tile contiguous) or a strided view of B itself.
  Value tiles;
  /// What C holds before the matmul, when the kernel computes it.
  std::optional<InitProducer> init;
};

bool hasUnitInnerStride(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  if (!type || type.getRank() != 2 || !type.getElementType().isF32())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

/// `op` as a Matmul: linalg.matmul, or a generic with the same indexing
/// maps (in any loop order) and a plain multiply-add body.
std::optional<Matmul> matchMatmul(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() != 3 ||
      op.getNumReductionLoops() != 1 || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  // The body: exactly a mulf of the two inputs added to the output.
  Block &body = op->getRegion(0).front();
  if (body.getOperations().size() != 3)
    return std::nullopt;
  auto mul = dyn_cast<arith::MulFOp>(&body.front());
  auto add = dyn_cast<arith::AddFOp>(mul ? mul->getNextNode() : nullptr);
  if (!mul || !add)
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || !dims->batch.empty() || dims->m.size() != 1 ||
      dims->n.size() != 1 || dims->k.size() != 1)
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  AffineExpr m = getAffineDimExpr(dims->m[0], ctx);
  AffineExpr n = getAffineDimExpr(dims->n[0], ctx);
  AffineExpr k = getAffineDimExpr(dims->k[0], ctx);
  auto is = [&](OpOperand *operand, AffineExpr row, AffineExpr col) {
    AffineMap map = op.getMatchingIndexingMap(operand);
    return map.getNumResults() == 2 && map.getResult(0) == row &&
           map.getResult(1) == col;
  };
  OpOperand *a = op.getDpsInputOperand(0), *b = op.getDpsInputOperand(1);
  if (!is(a, m, k) || !is(b, k, n)) {
    std::swap(a, b);
    if (!is(a, m, k) || !is(b, k, n))
      return std::nullopt;
  }
  OpOperand *c = op.getDpsInitOperand(0);
  if (!is(c, m, n))
    return std::nullopt;
  auto aType = dyn_cast<MemRefType>(a->get().getType());
  if (!aType || !aType.getElementType().isF32() ||
      !hasUnitInnerStride(b->get()) || !hasUnitInnerStride(c->get()))
    return std::nullopt;
  return Matmul{a->get(), b->get(), c->get(), Value()};
}

/// Emits the tile of `rows` output rows from `row` and `cols` columns from
/// `col`: the rows of C in registers, the reduction over k, C stored back.
void emitTile(OpBuilder &b, Location loc, const Matmul &mm, Value row,
              Value col, Value depth, int64_t rows, int64_t cols) {
  auto vecType = VectorType::get({cols}, b.getF32Type());
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> rowIndex;
  SmallVector<Value> acc;
  for (int64_t r = 0; r < rows; ++r) {
    Value index = r == 0 ? row
                         : arith::AddIOp::create(
                               b, loc, row,
                               arith::ConstantIndexOp::create(b, loc, r));
    rowIndex.push_back(index);
    if (mm.init) {
      linalg::GenericOp producer = mm.init->op;
      acc.push_back(emitBodyOnVectors(b, loc, producer, mm.init->accesses,
                                      producer->getOperands(),
                                      ValueRange{index, col}, cols)[0]);
      continue;
    }
    acc.push_back(
        vector::LoadOp::create(b, loc, vecType, mm.c, ValueRange{index, col}));
  }
  Value tile = arith::DivUIOp::create(
      b, loc, col, arith::ConstantIndexOp::create(b, loc, cols));
  auto loop = scf::ForOp::create(
      b, loc, zero, depth, one, acc,
      [&](OpBuilder &nb, Location nloc, Value k, ValueRange carried) {
        Value bRow = vector::LoadOp::create(nb, nloc, vecType, mm.tiles,
                                            ValueRange{tile, k, zero});
        SmallVector<Value> next;
        for (int64_t r = 0; r < rows; ++r) {
          Value aElem = memref::LoadOp::create(nb, nloc, mm.a,
                                               ValueRange{rowIndex[r], k});
          Value aVec = vector::BroadcastOp::create(nb, nloc, vecType, aElem);
          // mulf + addf: contracted into an fma where the CPU has one (the
          // host code is emitted with fp-contract=fast), two instructions
          // where it has not (vector.fma would become libm calls there).
          Value product = arith::MulFOp::create(nb, nloc, aVec, bRow);
          next.push_back(arith::AddFOp::create(nb, nloc, carried[r], product));
        }
        scf::YieldOp::create(nb, nloc, next);
      });
  for (int64_t r = 0; r < rows; ++r)
    vector::StoreOp::create(b, loc, loop.getResult(r), mm.c,
                            ValueRange{rowIndex[r], col});
}

/// Whether no op inside `scope` writes or frees the memory of `value`, as
/// far as can be told: its buffer is an allocation or a function argument
/// (views of it followed), and every op inside `scope` that uses it or a
/// view of it only reads it. Any other use that yields a memref (a select,
/// a loop's iter_arg, an op that is not a view) could alias it: unknown,
/// so false.
bool isReadOnlyIn(Value value, Operation *scope) {
  Value root = value;
  while (auto view = root.getDefiningOp<ViewLikeOpInterface>())
    root = view.getViewSource();
  if (auto arg = dyn_cast<BlockArgument>(root)) {
    if (!isa<FunctionOpInterface>(arg.getOwner()->getParentOp()))
      return false;
  } else if (!isa<memref::AllocOp, memref::AllocaOp>(root.getDefiningOp())) {
    return false;
  }
  SmallVector<Value> worklist = {root};
  while (!worklist.empty()) {
    Value buffer = worklist.pop_back_val();
    for (Operation *user : buffer.getUsers()) {
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == buffer) {
        worklist.push_back(view.getViewDest());
        continue;
      }
      if (llvm::any_of(user->getResultTypes(),
                       [](Type t) { return isa<BaseMemRefType>(t); }))
        return false;
      if (!scope->isAncestor(user))
        continue;
      auto effects = dyn_cast<MemoryEffectOpInterface>(user);
      if (!effects)
        return false;
      SmallVector<MemoryEffects::EffectInstance> found;
      effects.getEffectsOnValue(buffer, found);
      if (llvm::any_of(found, [](const MemoryEffects::EffectInstance &e) {
            return !isa<MemoryEffects::Read>(e.getEffect());
          }))
        return false;
    }
  }
  return true;
}

/// The type of Matmul::tiles: [n / cols, k, cols] with any strides.
MemRefType tilesType(MLIRContext *ctx, int64_t cols) {
  int64_t dyn = ShapedType::kDynamic;
  return MemRefType::get(
      {dyn, dyn, cols}, Float32Type::get(ctx),
      StridedLayoutAttr::get(ctx, dyn, ArrayRef<int64_t>{dyn, dyn, 1}));
}

/// Allocates [n / cols, k, cols] before `b`'s insertion point and fills it
/// with B's whole column tiles, when `when` (if given) holds.
Value emitPack(OpBuilder &b, Location loc, const Matmul &mm, int64_t cols,
               Value when) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value step = arith::ConstantIndexOp::create(b, loc, cols);
  Value depth = memref::DimOp::create(b, loc, mm.b, 0);
  Value n = memref::DimOp::create(b, loc, mm.b, 1);
  Value tiles = arith::DivUIOp::create(b, loc, n, step);
  auto type = MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic,
                               cols},
                              b.getF32Type());
  Value packed = memref::AllocOp::create(b, loc, type, ValueRange{tiles, depth},
                                         b.getI64IntegerAttr(64));
  auto vecType = VectorType::get({cols}, b.getF32Type());
  auto copy = [&](OpBuilder &cb, Location cloc) {
    scf::ParallelOp::create(
        cb, cloc, ValueRange{zero, zero}, ValueRange{tiles, depth},
        ValueRange{one, one},
        [&](OpBuilder &pb, Location ploc, ValueRange ivs) {
          Value col = arith::MulIOp::create(pb, ploc, ivs[0], step);
          Value row = vector::LoadOp::create(pb, ploc, vecType, mm.b,
                                             ValueRange{ivs[1], col});
          vector::StoreOp::create(pb, ploc, row, packed,
                                  ValueRange{ivs[0], ivs[1], zero});
        });
  };
  if (when) {
    scf::IfOp::create(b, loc, when, [&](OpBuilder &tb, Location tloc) {
      copy(tb, tloc);
      scf::YieldOp::create(tb, tloc);
    });
  } else {
    copy(b, loc);
  }
  return packed;
}

/// B's whole column tiles viewed in place as [n / cols, k, cols]: element
/// (t, k, j) is B[k, t * cols + j].
Value emitTilesView(OpBuilder &b, Location loc, const Matmul &mm,
                    int64_t cols) {
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, mm.b);
  Value step = arith::ConstantIndexOp::create(b, loc, cols);
  Value tiles = arith::DivUIOp::create(b, loc, meta.getSizes()[1], step);
  SmallVector<OpFoldResult> sizes = {tiles, meta.getSizes()[0],
                                     b.getIndexAttr(cols)};
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(cols),
                                       meta.getStrides()[0],
                                       b.getIndexAttr(1)};
  return memref::ReinterpretCastOp::create(
      b, loc, tilesType(b.getContext(), cols), meta.getBaseBuffer(),
      OpFoldResult(meta.getOffset()), sizes, strides);
}

/// Matmuls with at least this many rows pack a right-hand side they are
/// the only readers of: the copy (k x n) is then at most 1/16 of the work.
constexpr int64_t kPackMinRows = 16;

/// B's whole column tiles for `op`'s kernel (Matmul::tiles):
/// - when `op` runs in a loop that does not change B (a recurrent weight),
///   packed once, before the outermost such loop;
/// - when `op` runs in no loop (an input projection over the whole
///   sequence), packed right before it when it has kPackMinRows rows or
///   more (decided at run time when the rows are not known), else B
///   itself;
/// - else B itself, viewed as tiles.
/// Packed, each tile's reduction reads one contiguous block instead of k
/// rows a row's length apart (which the hardware prefetchers do not follow
/// across pages, and which take a TLB entry each).
Value tilesFor(linalg::LinalgOp op, const Matmul &mm, int64_t cols) {
  Location loc = op.getLoc();
  MemRefType type = tilesType(op.getContext(), cols);
  scf::ForOp outer;
  for (auto loop = op->getParentOfType<scf::ForOp>();
       loop && loop.isDefinedOutsideOfLoop(mm.b) && isReadOnlyIn(mm.b, loop);
       loop = loop->getParentOfType<scf::ForOp>())
    outer = loop;
  if (outer) {
    OpBuilder b(outer);
    Value packed = emitPack(b, loc, mm, cols, Value());
    b.setInsertionPointAfter(outer);
    memref::DeallocOp::create(b, loc, packed);
    b.setInsertionPoint(outer);
    return memref::CastOp::create(b, loc, type, packed);
  }
  OpBuilder b(op);
  int64_t staticRows = cast<MemRefType>(mm.c.getType()).getDimSize(0);
  if (op->getParentOfType<LoopLikeOpInterface>() ||
      (!ShapedType::isDynamic(staticRows) && staticRows < kPackMinRows))
    return emitTilesView(b, loc, mm, cols);
  if (!ShapedType::isDynamic(staticRows)) {
    Value packed = emitPack(b, loc, mm, cols, Value());
    Value tiles = memref::CastOp::create(b, loc, type, packed);
    b.setInsertionPointAfter(op);
    memref::DeallocOp::create(b, loc, packed);
    return tiles;
  }
  Value rows = memref::DimOp::create(b, loc, mm.c, 0);
  Value many = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::uge, rows,
      arith::ConstantIndexOp::create(b, loc, kPackMinRows));
  Value packed = emitPack(b, loc, mm, cols, many);
  Value view = emitTilesView(b, loc, mm, cols);
  Value tiles = arith::SelectOp::create(
      b, loc, many, memref::CastOp::create(b, loc, type, packed), view);
  b.setInsertionPointAfter(op);
  memref::DeallocOp::create(b, loc, packed);
  return tiles;
}

/// The buffer `value` is a view of, through view ops.
Value rootBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// The generic that writes all of `op`'s output right before it, when the
/// kernel can compute it instead (InitProducer): its body elementwise on
/// vectors, its output map the identity, its inputs views of other
/// allocations or of function arguments (not of the output's allocation,
/// nothing that could alias it) and read along their unit-stride rows or
/// broadcast, nothing but pure ops between it and `op`, and no column
/// tail (n a known multiple of `cols`: the tail's matmul would need C).
std::optional<InitProducer> findInitProducer(linalg::LinalgOp op,
                                             const Matmul &mm, int64_t cols) {
  auto cType = cast<MemRefType>(mm.c.getType());
  Value root = rootBuffer(mm.c);
  if (cType.isDynamicDim(1) || cType.getDimSize(1) % cols != 0 ||
      !root.getDefiningOp<memref::AllocOp>())
    return std::nullopt;
  Operation *prev = op->getPrevNode();
  while (prev && !isa<linalg::GenericOp>(prev) && isMemoryEffectFree(prev))
    prev = prev->getPrevNode();
  auto producer = dyn_cast_or_null<linalg::GenericOp>(prev);
  if (!producer || producer.getNumDpsInits() != 1 ||
      producer.getNumLoops() != 2)
    return std::nullopt;
  OpOperand *init = producer.getDpsInitOperand(0);
  if (init->get() != mm.c ||
      !producer.getMatchingIndexingMap(init).isIdentity() ||
      producer.payloadUsesValueFromOperand(init) ||
      producer.getBody()->getTerminator()->getNumOperands() != 1)
    return std::nullopt;
  std::optional<SmallVector<Access>> accesses = elementwiseAccesses(producer);
  if (!accesses)
    return std::nullopt;
  for (OpOperand *input : producer.getDpsInputOperands()) {
    // Its own allocation or an argument of the function, not C's: anything
    // else (a select, a loop's iter_arg) could be C under another name.
    Value inputRoot = rootBuffer(input->get());
    auto arg = dyn_cast<BlockArgument>(inputRoot);
    bool known =
        (arg && isa<FunctionOpInterface>(arg.getOwner()->getParentOp())) ||
        isa_and_nonnull<memref::AllocOp, memref::AllocaOp>(
            inputRoot.getDefiningOp());
    if (inputRoot == root || !known)
      return std::nullopt;
    auto type = cast<MemRefType>(input->get().getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    if ((*accesses)[input->getOperandNumber()] == Access::Vector &&
        (failed(type.getStridesAndOffset(strides, offset)) ||
         strides.back() != 1))
      return std::nullopt;
  }
  return InitProducer{producer, std::move(*accesses)};
}

/// Replaces `op` by register tiles of `rows` x `cols` over its full column
/// tiles (tail rows one at a time) and a linalg.matmul on the column tail.
/// The tiles go column tile by column tile, all of a column's row tiles in
/// a row: a tile of B is read from cache by every row tile after the
/// first, and a thread's share of the work items is a range of columns
/// (its slice of B, the same every step of a recurrence).
void rewriteMatmul(linalg::LinalgOp op, Matmul mm, int64_t rows,
                   int64_t cols) {
  // The producer first: packing B puts code between it and `op`.
  mm.init = findInitProducer(op, mm, cols);
  mm.tiles = tilesFor(op, mm, cols);
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value m = memref::DimOp::create(b, loc, mm.c, 0);
  Value n = memref::DimOp::create(b, loc, mm.c, 1);
  Value depth = memref::DimOp::create(b, loc, mm.a, 1);
  Value rowStep = arith::ConstantIndexOp::create(b, loc, rows);
  Value colStep = arith::ConstantIndexOp::create(b, loc, cols);
  // Columns covered by whole tiles: n - n % cols.
  Value fullCols = arith::SubIOp::create(
      b, loc, n, arith::RemUIOp::create(b, loc, n, colStep));
  scf::ParallelOp::create(
      b, loc, ValueRange{zero, zero}, ValueRange{fullCols, m},
      ValueRange{colStep, rowStep},
      [&](OpBuilder &pb, Location ploc, ValueRange ivs) {
        Value col = ivs[0], row = ivs[1];
        Value end = arith::AddIOp::create(pb, ploc, row, rowStep);
        Value whole = arith::CmpIOp::create(pb, ploc, arith::CmpIPredicate::ule,
                                            end, m);
        scf::IfOp::create(
            pb, ploc, whole,
            [&](OpBuilder &tb, Location tloc) {
              emitTile(tb, tloc, mm, row, col, depth, rows, cols);
              scf::YieldOp::create(tb, tloc);
            },
            [&](OpBuilder &eb, Location eloc) {
              scf::ForOp::create(
                  eb, eloc, row, m, one, ValueRange{},
                  [&](OpBuilder &fb, Location floc, Value r, ValueRange) {
                    emitTile(fb, floc, mm, r, col, depth, 1, cols);
                    scf::YieldOp::create(fb, floc);
                  });
              scf::YieldOp::create(eb, eloc);
            });
      });
  // The column tail [fullCols, n), if any, as a matmul of the subviews.
  Value tail = arith::SubIOp::create(b, loc, n, fullCols);
  Value hasTail =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, tail, zero);
  scf::IfOp::create(b, loc, hasTail, [&](OpBuilder &tb, Location tloc) {
    SmallVector<OpFoldResult> offsets = {tb.getIndexAttr(0), fullCols};
    SmallVector<OpFoldResult> strides = {tb.getIndexAttr(1),
                                         tb.getIndexAttr(1)};
    Value bTail = memref::SubViewOp::create(
        tb, tloc, mm.b, offsets,
        SmallVector<OpFoldResult>{depth, tail}, strides);
    Value cTail = memref::SubViewOp::create(
        tb, tloc, mm.c, offsets, SmallVector<OpFoldResult>{m, tail}, strides);
    linalg::MatmulOp::create(tb, tloc, ValueRange{mm.a, bTail},
                             ValueRange{cTail});
    scf::YieldOp::create(tb, tloc);
  });
  op->erase();
  if (mm.init)
    mm.init->op->erase();
}

struct RecurHostMatmulKernelsPass

    : recur::impl::RecurHostMatmulKernelsBase<RecurHostMatmulKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(checkVectorBits(getOperation(), getArgument(), vectorBits)))
      return signalPassFailure();
    // Four vectors per tile row; rows so that the accumulators and one
    // right-hand-side row fit the register file (32 zmm with AVX-512, 16
    // ymm or xmm below it).
    int64_t cols = 4 * vectorBits / 32;
    int64_t rows = vectorBits == 512 ? 4 : 3;
    SmallVector<std::pair<linalg::LinalgOp, Matmul>> found;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<Matmul> mm = matchMatmul(op))
        found.emplace_back(op, *mm);
    });
    for (auto &[op, mm] : found)
      rewriteMatmul(op, mm, rows, cols);
  }
};

//===----------------------------------------------------------------------===//
// --recur-host-vectorize-elementwise
//===----------------------------------------------------------------------===//


/// Whether body op `op` computes lane by lane on vectors as on scalars and
/// lowers to LLVM without a library call.
bool isVectorizableBodyOp(Operation &op) {
  if (op.getNumRegions() != 0 || op.getNumResults() != 1)
    return false;
  auto scalar = [](Type type) {
    return isa<FloatType>(type) ||
           (isa<IntegerType>(type) && type.getIntOrFloatBitWidth() <= 64);
  };
  if (!llvm::all_of(op.getOperandTypes(), scalar) ||
      !llvm::all_of(op.getResultTypes(), scalar))
    return false;
  if (isa<arith::ConstantOp>(op))
    return true;
  if (isa<arith::ArithDialect>(op.getDialect()))
    return op.hasTrait<OpTrait::Elementwise>();
  // Math ops with an LLVM instruction; the transcendental ones were
  // approximated already (--recur-host-approximate-math), and what is left
  // calls libm, one call per lane.
  return isa<math::AbsFOp, math::SqrtOp, math::FmaOp, math::FloorOp,
             math::CeilOp, math::CopySignOp, math::RoundEvenOp, math::TruncOp,
             math::AbsIOp>(op);
}

/// The access of every operand of `op` when it can be vectorized along its
/// innermost loop.
std::optional<SmallVector<Access>> elementwiseAccesses(linalg::GenericOp op) {
  unsigned rank = op.getNumLoops();
  if (!op.hasPureBufferSemantics() || rank == 0 ||
      op.getNumParallelLoops() != rank || op.getNumResults() != 0)
    return std::nullopt;
  for (Operation &bodyOp : op.getBody()->without_terminator())
    if (!isVectorizableBodyOp(bodyOp))
      return std::nullopt;
  SmallVector<Access> accesses;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    // Elements of whole bytes: a vector of i1 is packed into bits, a
    // memref of i1 holds one per byte.
    if (!type || !map.isProjectedPermutation() ||
        !isa<FloatType, IntegerType>(type.getElementType()) ||
        type.getElementTypeBitWidth() % 8 != 0)
      return std::nullopt;
    bool inner = map.getNumResults() != 0 &&
                 map.getResults().back() == getAffineDimExpr(rank - 1,
                                                             op.getContext());
    if (!inner) {
      if (map.isFunctionOfDim(rank - 1) || op.isDpsInit(&operand))
        return std::nullopt;
      accesses.push_back(Access::Broadcast);
      continue;
    }
    SmallVector<int64_t> strides;
    int64_t offset;
    // A dynamic innermost stride is checked at run time.
    if (failed(type.getStridesAndOffset(strides, offset)) ||
        (strides.back() != 1 && !ShapedType::isDynamic(strides.back())))
      return std::nullopt;
    accesses.push_back(Access::Vector);
  }
  return accesses;
}

SmallVector<Value> emitBodyOnVectors(OpBuilder &pb, Location ploc,
                                     linalg::GenericOp op,
                                     ArrayRef<Access> accesses,
                                     ValueRange operands, ValueRange ivs,
                                     int64_t lanes) {
  IRMapping mapping;
  Block *body = op.getBody();
  auto indices = [&](OpOperand &operand) {
    SmallVector<Value> result;
    for (AffineExpr expr : op.getMatchingIndexingMap(&operand).getResults())
      result.push_back(ivs[cast<AffineDimExpr>(expr).getPosition()]);
    return result;
  };
  auto vectorOf = [&](Type type) { return VectorType::get({lanes}, type); };
  for (auto [operand, access] : llvm::zip(op->getOpOperands(), accesses)) {
    BlockArgument arg = body->getArgument(operand.getOperandNumber());
    if (arg.use_empty())
      continue;
    Value value;
    if (access == Access::Vector) {
      value = vector::LoadOp::create(pb, ploc, vectorOf(arg.getType()),
                                     operands[operand.getOperandNumber()],
                                     indices(operand));
    } else {
      Value elem = memref::LoadOp::create(
          pb, ploc, operands[operand.getOperandNumber()], indices(operand));
      value =
          vector::BroadcastOp::create(pb, ploc, vectorOf(arg.getType()), elem);
    }
    mapping.map(arg, value);
  }
  // The body on vectors: operands from outside it (and constants)
  // broadcast.
  auto vectorValue = [&](Value v) -> Value {
    if (Value mapped = mapping.lookupOrNull(v))
      return mapped;
    Value splat =
        vector::BroadcastOp::create(pb, ploc, vectorOf(v.getType()), v);
    mapping.map(v, splat);
    return splat;
  };
  for (Operation &bodyOp : body->without_terminator()) {
    if (auto constant = dyn_cast<arith::ConstantOp>(bodyOp)) {
      Value scalar = pb.clone(bodyOp)->getResult(0);
      mapping.map(constant.getResult(), vectorValue(scalar));
      continue;
    }
    SmallVector<Value> vectorOperands;
    for (Value v : bodyOp.getOperands())
      vectorOperands.push_back(vectorValue(v));
    OperationState state(ploc, bodyOp.getName());
    state.addOperands(vectorOperands);
    state.addTypes(vectorOf(bodyOp.getResult(0).getType()));
    state.addAttributes(bodyOp.getAttrs());
    mapping.map(bodyOp.getResult(0), pb.create(state)->getResult(0));
  }
  SmallVector<Value> values;
  for (Value value : cast<linalg::YieldOp>(body->getTerminator()).getValues())
    values.push_back(vectorValue(value));
  return values;
}

/// Emits `op` as an scf.parallel over its outer loops and whole vectors of
/// `lanes` along the innermost one, and a copy of `op` on the subviews that
/// hold the rest of the innermost dimension; `operands` stand for `op`'s.
void emitVectorized(OpBuilder &b, linalg::GenericOp op,
                    ArrayRef<Access> accesses, ValueRange operands,
                    int64_t lanes) {
  Location loc = op.getLoc();
  unsigned rank = op.getNumLoops();
  SmallVector<OpFoldResult> bounds;
  for (Range range :
       cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc))
    bounds.push_back(range.size);
  SmallVector<Value> upper =
      getValueOrCreateConstantIndexOp(b, loc, bounds);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value step = arith::ConstantIndexOp::create(b, loc, lanes);
  Value n = upper.back();
  Value full =
      arith::SubIOp::create(b, loc, n, arith::RemUIOp::create(b, loc, n, step));
  SmallVector<Value> lbs(rank, zero), steps(rank, one);
  steps.back() = step;
  SmallVector<Value> ubs = upper;
  ubs.back() = full;
  scf::ParallelOp::create(
      b, loc, lbs, ubs, steps,
      [&](OpBuilder &pb, Location ploc, ValueRange ivs) {
        SmallVector<Value> values =
            emitBodyOnVectors(pb, ploc, op, accesses, operands, ivs, lanes);
        for (auto [init, value] :
             llvm::zip(op.getDpsInitsMutable(), values)) {
          SmallVector<Value> indices;
          for (AffineExpr expr :
               op.getMatchingIndexingMap(&init).getResults())
            indices.push_back(ivs[cast<AffineDimExpr>(expr).getPosition()]);
          vector::StoreOp::create(pb, ploc, value,
                                  operands[init.getOperandNumber()], indices);
        }
      });
  // The rest of the innermost dimension, if any: `op` on subviews.
  Value rest = arith::SubIOp::create(b, loc, n, full);
  Value hasRest =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rest, zero);
  scf::IfOp::create(b, loc, hasRest, [&](OpBuilder &tb, Location tloc) {
    SmallVector<Value> tailOperands;
    for (auto [operand, access] : llvm::zip(operands, accesses)) {
      if (access != Access::Vector) {
        tailOperands.push_back(operand);
        continue;
      }
      auto type = cast<MemRefType>(operand.getType());
      SmallVector<OpFoldResult> offsets, sizes, strides;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        bool last = d + 1 == type.getRank();
        offsets.push_back(last ? OpFoldResult(full) : tb.getIndexAttr(0));
        sizes.push_back(last ? OpFoldResult(rest)
                             : memref::getMixedSize(tb, tloc, operand, d));
        strides.push_back(tb.getIndexAttr(1));
      }
      tailOperands.push_back(memref::SubViewOp::create(
          tb, tloc, operand, offsets, sizes, strides));
    }
    Operation *tail = tb.clone(*op);
    tail->setOperands(tailOperands);
    scf::YieldOp::create(tb, tloc);
  });
}

/// Replaces `op` by its vector form. Operands whose innermost stride is
/// only known at run time (a recurrence's state buffer) are checked: the
/// vector form runs on views of them with a unit stride when every one has
/// it, `op` itself otherwise.
void vectorizeElementwise(linalg::GenericOp op, ArrayRef<Access> accesses,
                          int64_t lanes) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value cond;
  SmallVector<Value> operands(op->getOperands());
  SmallVector<std::pair<unsigned, memref::ExtractStridedMetadataOp>> checked;
  for (auto [i, access] : llvm::enumerate(accesses)) {
    auto type = cast<MemRefType>(operands[i].getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    (void)type.getStridesAndOffset(strides, offset);
    if (access != Access::Vector || !ShapedType::isDynamic(strides.back()))
      continue;
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, operands[i]);
    Value unit = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, meta.getStrides().back(),
        arith::ConstantIndexOp::create(b, loc, 1));
    cond = cond ? arith::AndIOp::create(b, loc, cond, unit).getResult() : unit;
    checked.emplace_back(i, meta);
  }
  if (!cond) {
    emitVectorized(b, op, accesses, operands, lanes);
    op->erase();
    return;
  }
  scf::IfOp::create(
      b, loc, cond,
      [&](OpBuilder &tb, Location tloc) {
        for (auto [i, meta] : checked) {
          auto type = cast<MemRefType>(operands[i].getType());
          SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
          strides.back() = 1;
          auto unitType = MemRefType::get(
              type.getShape(), type.getElementType(),
              StridedLayoutAttr::get(tb.getContext(), ShapedType::kDynamic,
                                     strides),
              type.getMemorySpace());
          SmallVector<OpFoldResult> sizes, newStrides;
          for (auto [d, size] : llvm::enumerate(meta.getSizes()))
            sizes.push_back(type.isDynamicDim(d)
                                ? OpFoldResult(size)
                                : tb.getIndexAttr(type.getDimSize(d)));
          for (Value stride : meta.getStrides().drop_back())
            newStrides.push_back(stride);
          newStrides.push_back(tb.getIndexAttr(1));
          operands[i] = memref::ReinterpretCastOp::create(
              tb, tloc, unitType, meta.getBaseBuffer(),
              OpFoldResult(meta.getOffset()), sizes, newStrides);
        }
        emitVectorized(tb, op, accesses, operands, lanes);
        scf::YieldOp::create(tb, tloc);
      },
      [&](OpBuilder &eb, Location eloc) {
        eb.clone(*op);
        scf::YieldOp::create(eb, eloc);
      });
  op->erase();
}

struct RecurHostVectorizeElementwisePass
    : recur::impl::RecurHostVectorizeElementwiseBase<
          RecurHostVectorizeElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(checkVectorBits(getOperation(), getArgument(), vectorBits)))
      return signalPassFailure();
    SmallVector<std::pair<linalg::GenericOp, SmallVector<Access>>> found;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<SmallVector<Access>> accesses =
              elementwiseAccesses(op))
        found.emplace_back(op, std::move(*accesses));
    });
    for (auto &[op, accesses] : found)
      vectorizeElementwise(op, accesses, vectorBits / 32);
  }
};

} // namespace

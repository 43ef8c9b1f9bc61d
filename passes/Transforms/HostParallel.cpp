//===- HostParallel.cpp - parallel loops for the host runtime -------------===//
//
// --recur-outline-host-parallel: every outermost scf.parallel without
// reductions becomes a call to a launch function (given a body by
// --recur-host-abi, which hands the loop to the runtime's parallel_for) and a
// body function that runs a range of the loop's linearized iterations.
// --recur-host-expand-copies: strided copies become loops too, instead of
// calls into MLIR's runtime library.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

namespace recur {
#define GEN_PASS_DEF_RECURHOSTEXPANDCOPIES
#define GEN_PASS_DEF_RECUROUTLINEHOSTPARALLEL
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;

namespace {

/// Types that func-to-llvm passes through a function boundary as plain
/// values, so that --recur-host-abi can store them in the launch struct.
bool isPassable(Type type) {
  return isa<IndexType, IntegerType, FloatType, MemRefType, VectorType>(type);
}

bool isConstant(Value value) {
  Operation *def = value.getDefiningOp();
  return def && def->getNumOperands() == 0 && def->getNumRegions() == 0 &&
         def->hasTrait<OpTrait::ConstantLike>();
}

/// The number of iterations of one dimension when its bounds are constants.
std::optional<int64_t> staticTripCount(Value lb, Value ub, Value step) {
  std::optional<int64_t> l = getConstantIntValue(lb);
  std::optional<int64_t> u = getConstantIntValue(ub);
  std::optional<int64_t> s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u > *l ? llvm::divideCeil(*u - *l, *s) : 0;
}

/// The number of iterations of one dimension: ceil((ub - lb) / step), or 0
/// when ub <= lb (scf.parallel's steps are positive).
Value tripCount(OpBuilder &b, Location loc, Value lb, Value ub, Value step) {
  if (std::optional<int64_t> count = staticTripCount(lb, ub, step))
    return arith::ConstantIndexOp::create(b, loc, *count);
  Value diff = b.createOrFold<arith::SubIOp>(loc, ub, lb); // folds lb = 0
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  diff = arith::MaxSIOp::create(b, loc, diff, zero);
  return b.createOrFold<arith::CeilDivUIOp>(loc, diff, step); // folds step 1
}

/// The number of work items of `loop`, computed before it: its iterations,
/// the innermost dimension counted in tiles of `tile` when `tile` is not 0.
Value totalTripCount(OpBuilder &b, scf::ParallelOp loop, int64_t tile) {
  Location loc = loop.getLoc();
  int64_t product = 1;
  SmallVector<Value> dynamic;
  unsigned rank = loop.getNumLoops();
  for (unsigned d = 0; d < rank; ++d) {
    Value lb = loop.getLowerBound()[d], ub = loop.getUpperBound()[d],
          step = loop.getStep()[d];
    bool tiled = tile && d == rank - 1;
    if (std::optional<int64_t> count = staticTripCount(lb, ub, step)) {
      product *= tiled ? llvm::divideCeil(*count, tile) : *count;
      continue;
    }
    Value count = tripCount(b, loc, lb, ub, step);
    if (tiled)
      count = arith::CeilDivUIOp::create(
          b, loc, count, arith::ConstantIndexOp::create(b, loc, tile));
    dynamic.push_back(count);
  }
  Value n;
  if (product != 1 || dynamic.empty())
    n = arith::ConstantIndexOp::create(b, loc, product);
  for (Value count : dynamic)
    n = n ? arith::MulIOp::create(b, loc, n, count) : count;
  return n;
}

/// Functions called, directly or not, from inside a parallel loop. Their
/// loops already run on a worker and must not launch again (host_abi.h:
/// bodies do not call parallel_for), so they stay sequential.
llvm::DenseSet<Operation *> calledInParallel(ModuleOp module) {
  llvm::DenseSet<Operation *> reached;
  SmallVector<Operation *> worklist;
  auto visitCalls = [&](Operation *root) {
    root->walk([&](CallOpInterface call) {
      Operation *callee = call.resolveCallable();
      if (callee && reached.insert(callee).second)
        worklist.push_back(callee);
    });
  };
  module.walk([&](scf::ParallelOp loop) { visitCalls(loop); });
  while (!worklist.empty())
    visitCalls(worklist.pop_back_val());
  return reached;
}

/// A static estimate of the work of running `block` once: one per op,
/// nested loops' bodies times their trip counts (kDynamicTrips when not
/// constant). Saturates instead of overflowing.
constexpr int64_t kDynamicTrips = 16;
constexpr int64_t kWorkCap = int64_t(1) << 40;

int64_t estimateWork(Block &block);

int64_t estimateWork(Operation &op) {
  if (op.getNumRegions() == 0)
    return isa<func::CallOp>(op) ? kDynamicTrips : 1;
  int64_t trips = 1;
  if (auto loop = dyn_cast<scf::ForOp>(op)) {
    trips = staticTripCount(loop.getLowerBound(), loop.getUpperBound(),
                            loop.getStep())
                .value_or(kDynamicTrips);
  } else if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
    for (auto [lb, ub, step] : llvm::zip(
             loop.getLowerBound(), loop.getUpperBound(), loop.getStep()))
      trips = std::min(kWorkCap, trips * staticTripCount(lb, ub, step)
                                             .value_or(kDynamicTrips));
  } else if (isa<scf::WhileOp>(op)) {
    trips = kDynamicTrips;
  }
  int64_t inner = 0;
  for (Region &region : op.getRegions())
    for (Block &block : region)
      inner = std::min(kWorkCap, inner + estimateWork(block));
  return std::min(kWorkCap, trips * std::max<int64_t>(inner, 1));
}

int64_t estimateWork(Block &block) {
  int64_t work = 0;
  for (Operation &op : block)
    work = std::min(kWorkCap, work + estimateWork(op));
  return work;
}

class Outliner {
public:
  Outliner(ModuleOp module, int64_t minParallelWork)
      : module(module), symbols(module), minParallelWork(minParallelWork) {}

  /// Outlines `loop` (outermost, without reductions), unless a value it
  /// captures has a type that cannot cross a call. Returns whether it did.
  bool outline(scf::ParallelOp loop);

private:
  /// The next N for which neither __recur_par_body_N nor
  /// __recur_par_launch_N exists (the pass may run on its own output).
  unsigned nextIndex();

  ModuleOp module;
  SymbolTable symbols;
  int64_t minParallelWork;
  unsigned counter = 0;
};

unsigned Outliner::nextIndex() {
  while (symbols.lookup(
             (Twine(recur::kHostParBodyPrefix) + Twine(counter)).str()) ||
         symbols.lookup(
             (Twine(recur::kHostParLaunchPrefix) + Twine(counter)).str()))
    ++counter;
  return counter++;
}

bool Outliner::outline(scf::ParallelOp loop) {
  MLIRContext *ctx = module.getContext();
  Location loc = loop.getLoc();
  unsigned rank = loop.getNumLoops();

  // What the body reads from above: the bounds it needs to rebuild the
  // induction variables (not the first upper bound: the range says where to
  // stop), then the region's uses. Constants are cloned instead.
  llvm::SetVector<Value> used;
  used.insert_range(loop.getLowerBound());
  used.insert_range(loop.getUpperBound().drop_front());
  used.insert_range(loop.getStep());
  getUsedValuesDefinedAbove(loop->getRegions(), used);
  SmallVector<Value> captures;
  SmallVector<Operation *> constants;
  for (Value v : used) {
    if (isConstant(v)) {
      constants.push_back(v.getDefiningOp());
      continue;
    }
    if (!isPassable(v.getType()))
      return false;
    captures.push_back(v);
  }
  SmallVector<Type> captureTypes = llvm::to_vector(
      llvm::map_range(captures, [](Value v) { return v.getType(); }));

  unsigned index = nextIndex();
  IndexType indexType = IndexType::get(ctx);
  OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());

  // func.func private @__recur_par_launch_N(%n, captures...)
  SmallVector<Type> launchInputs{indexType};
  llvm::append_range(launchInputs, captureTypes);
  auto launch = func::FuncOp::create(
      mb, loc, (Twine(recur::kHostParLaunchPrefix) + Twine(index)).str(),
      FunctionType::get(ctx, launchInputs, {}));
  launch.setPrivate();
  symbols.insert(launch);

  // func.func private @__recur_par_body_N(%begin, %end, captures...)
  SmallVector<Type> bodyInputs{indexType, indexType};
  llvm::append_range(bodyInputs, captureTypes);
  auto body = func::FuncOp::create(
      mb, loc, (Twine(recur::kHostParBodyPrefix) + Twine(index)).str(),
      FunctionType::get(ctx, bodyInputs, {}));
  body.setPrivate();
  symbols.insert(body);
  // The body is called by name only from the thunk --recur-host-abi makes;
  // until then this reference keeps it alive (symbol-dce) and says which
  // body the launch runs.
  launch->setAttr(recur::kHostParBodyAttr,
                  FlatSymbolRefAttr::get(body.getSymNameAttr()));
  // The innermost dimension (of two or more) runs as a sequential loop in
  // each work item, over tiles of up to kInnerTile iterations (the whole
  // dimension when it is short): the linear index is taken apart once per
  // tile instead of once per element, and the inner loop is one LLVM can
  // vectorize. A tile holds at most kTileWork estimated operations: a body
  // that is a loop itself (a matmul's register tile over its reduction) is
  // worth a work item on its own, and tiling it would leave a matrix-vector
  // product's column tiles, all in one row, to a single thread.
  constexpr int64_t kInnerTile = 256;
  constexpr int64_t kTileWork = 4096;
  int64_t perIteration = std::max<int64_t>(1, estimateWork(*loop.getBody()));
  std::optional<int64_t> innerCount;
  int64_t tile = 0; // 0: the innermost dimension is not tiled
  if (rank >= 2) {
    Value lb = loop.getLowerBound().back(), ub = loop.getUpperBound().back(),
          step = loop.getStep().back();
    innerCount = staticTripCount(lb, ub, step);
    if (!innerCount)
      tile = kInnerTile;
    else if (*innerCount > 1)
      tile = *innerCount <= 2 * kInnerTile ? *innerCount : kInnerTile;
    tile = std::min(tile, kTileWork / perIteration);
    if (tile < 2)
      tile = 0;
  }

  // Below this many iterations the pool's overhead outweighs the work.
  if (tile)
    perIteration = std::min(kWorkCap, perIteration * tile);
  int64_t minIterations = llvm::divideCeil(minParallelWork, perIteration);
  if (minIterations > 1)
    launch->setAttr(recur::kHostParMinIterationsAttr,
                    IntegerAttr::get(IntegerType::get(ctx, 64), minIterations));
  Block *entry = body.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  IRMapping map;
  for (auto [value, arg] :
       llvm::zip(captures, entry->getArguments().drop_front(2)))
    map.map(value, arg);
  SmallVector<Operation *> clonedConstants;
  for (Operation *op : constants)
    clonedConstants.push_back(b.clone(*op, map));

  auto mapped = [&](ValueRange values) {
    return llvm::to_vector(
        llvm::map_range(values, [&](Value v) { return map.lookup(v); }));
  };
  SmallVector<Value> lbs = mapped(loop.getLowerBound());
  SmallVector<Value> steps = mapped(loop.getStep());
  // Loop-invariant: the trip counts of the dimensions after the first, by
  // which the linear index is taken apart (the innermost one's in tiles).
  SmallVector<Value> counts(rank);
  for (unsigned d = 1; d < rank; ++d)
    counts[d] = tripCount(b, loc, lbs[d], map.lookup(loop.getUpperBound()[d]),
                          steps[d]);
  Value innerTrips, tileSize;
  if (tile) {
    innerTrips = counts[rank - 1];
    tileSize = arith::ConstantIndexOp::create(b, loc, tile);
    counts[rank - 1] =
        b.createOrFold<arith::CeilDivUIOp>(loc, innerTrips, tileSize);
  }

  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto range = scf::ForOp::create(b, loc, entry->getArgument(0),
                                  entry->getArgument(1), one);
  func::ReturnOp::create(b, loc);
  b.setInsertionPointToStart(range.getBody());
  // Row-major: the last dimension varies fastest, as scf.parallel's
  // sequential lowering would visit them.
  Value rest = range.getInductionVar();
  SmallVector<Value> ivs(rank);
  Value tileIndex;
  for (unsigned d = rank; d-- > 0;) {
    if (d > 0 && getConstantIntValue(counts[d]) == 1) {
      if (tile && d == rank - 1)
        tileIndex = arith::ConstantIndexOp::create(b, loc, 0);
      else
        ivs[d] = lbs[d];
      continue;
    }
    Value i = rest;
    if (d > 0) {
      i = arith::RemUIOp::create(b, loc, rest, counts[d]);
      rest = arith::DivUIOp::create(b, loc, rest, counts[d]);
    }
    if (tile && d == rank - 1) {
      tileIndex = i;
      continue;
    }
    // Folds away for unit steps and zero lower bounds.
    Value scaled = b.createOrFold<arith::MulIOp>(loc, i, steps[d]);
    ivs[d] = b.createOrFold<arith::AddIOp>(loc, lbs[d], scaled);
  }
  if (tile) {
    // for %j = tile * tileSize to min(that + tileSize, innerTrips)
    Value first = b.createOrFold<arith::MulIOp>(loc, tileIndex, tileSize);
    Value last = b.createOrFold<arith::AddIOp>(loc, first, tileSize);
    if (!innerCount || *innerCount % tile != 0)
      last = b.createOrFold<arith::MinUIOp>(loc, last, innerTrips);
    auto inner = scf::ForOp::create(b, loc, first, last, one);
    b.setInsertionPointToStart(inner.getBody());
    Value scaled = b.createOrFold<arith::MulIOp>(loc, inner.getInductionVar(),
                                                 steps[rank - 1]);
    ivs[rank - 1] = b.createOrFold<arith::AddIOp>(loc, lbs[rank - 1], scaled);
  }
  map.map(loop.getInductionVars(), ivs);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, map);
  for (Operation *op : clonedConstants)
    if (op->use_empty())
      op->erase();

  // At the loop: the number of work items, then the launch.
  b.setInsertionPoint(loop);
  Value n = totalTripCount(b, loop, tile);
  SmallVector<Value> operands{n};
  llvm::append_range(operands, captures);
  func::CallOp::create(b, loc, launch, operands);
  loop.erase();
  return true;
}

struct RecurOutlineHostParallelPass
    : recur::impl::RecurOutlineHostParallelBase<RecurOutlineHostParallelPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::DenseSet<Operation *> sequential = calledInParallel(module);

    SmallVector<scf::ParallelOp> loops;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || sequential.contains(func))
        continue;
      func.walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
        // Loops with reductions stay whole: combining partial results across
        // workers is not part of the runtime contract.
        if (loop.getNumReductions() == 0)
          loops.push_back(loop);
        return WalkResult::skip(); // nested loops run inside this one
      });
    }

    Outliner outliner(module, minParallelWork);
    for (scf::ParallelOp loop : loops)
      (void)outliner.outline(loop);
  }
};

/// Whether finalize-memref-to-llvm copies `type` with llvm.memcpy (else it
/// calls memrefCopy).
bool isContiguous(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && (memref.getLayout().isIdentity() ||
                    memref::isStaticShapeAndContiguousRowMajor(memref));
}

struct RecurHostExpandCopiesPass
    : recur::impl::RecurHostExpandCopiesBase<RecurHostExpandCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) {
      if (isa<MemRefType>(copy.getSource().getType()) &&
          isa<MemRefType>(copy.getTarget().getType()) &&
          !(isContiguous(copy.getSource().getType()) &&
            isContiguous(copy.getTarget().getType())))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};

} // namespace

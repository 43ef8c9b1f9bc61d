//===- HoistInvariants.cpp - move state-independent work out of bodies ----===//
//
// Splits a stateful recur.recurrence into a stateless map over time, which
// computes everything that does not depend on the states for all steps up
// front, and the recurrence proper, which reads the map's outputs as new
// sequences; work that depends on captures alone runs once before both. Then
// every input projection of a stateless map (a step slice times a captured
// matrix) becomes one matmul over all T*B rows.
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/BodyValues.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/SetVector.h"

namespace recur {
#define GEN_PASS_DEF_RECURHOISTINVARIANTS
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;
using namespace recur;

namespace {

//===----------------------------------------------------------------------===//
// Which body values depend on what
//===----------------------------------------------------------------------===//

/// What a body value depends on, in increasing order; it decides where the
/// value can be computed.
enum class Dependence {
  /// Neither states nor step slices (captures, constants): the same at every
  /// step, computable once before the recurrence.
  Invariant,
  /// Step slices but not the states: computable for all steps up front.
  Step,
  /// The states (or the op has side effects): stays in the recurrence.
  State,
};

/// Every value `op` reads: its operands and the values its regions use from
/// above it.
SmallVector<Value> readValues(Operation *op) {
  SmallVector<Value> values(op->getOperands());
  if (op->getNumRegions() != 0) {
    SetVector<Value> above;
    getUsedValuesDefinedAbove(op->getRegions(), above);
    values.append(above.begin(), above.end());
  }
  return values;
}

/// Classifies the top-level ops of a recurrence body by forward propagation
/// from its arguments (uses inside nested regions count), and marks the ops
/// cheap enough to recompute wherever they are needed rather than pass
/// between recurrences (constants, scalars, shapes, views, fills).
///
/// Not the StateDependence analysis: that one answers what a value's
/// *value* depends on, and counts `tensor.dim` of a state as independent of
/// it; here the question is where an op can be computed, and the shape of a
/// state only exists where the state does, so any read of a state counts.
class BodyDependence {
public:
  explicit BodyDependence(RecurrenceOp op)
      : numStates(op.getNumStates()), numSeqs(op.getSequences().size()),
        body(op.getBodyBlock()) {}

  /// Recomputes the classification; ops in `pinned` count as state-dependent.
  void compute() {
    dependence.clear();
    cheap.clear();
    for (Operation &op : body.without_terminator()) {
      Dependence dep = Dependence::Invariant;
      for (Value v : readValues(&op))
        dep = std::max(dep, of(v));
      if (!isMemoryEffectFree(&op) || pinned.contains(&op))
        dep = Dependence::State;
      dependence[&op] = dep;
      if (dep != Dependence::State && isCheapToRecompute(&op))
        cheap.insert(&op);
    }
  }

  Dependence of(Value v) const {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      unsigned i = arg.getArgNumber();
      if (i < numStates)
        return Dependence::State;
      return i < numStates + numSeqs ? Dependence::Step : Dependence::Invariant;
    }
    return dependence.lookup(v.getDefiningOp());
  }
  Dependence of(Operation *op) const { return dependence.lookup(op); }
  bool isCheap(Operation *op) const { return cheap.contains(op); }
  void pin(Operation *op) { pinned.insert(op); }

private:
  bool isCheapToRecompute(Operation *op) const {
    if (op->hasTrait<OpTrait::ConstantLike>() ||
        llvm::none_of(op->getResultTypes(), llvm::IsaPred<ShapedType>))
      return true;
    if (isa<tensor::EmptyOp, linalg::FillOp, tensor::ExtractSliceOp,
            tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::CastOp>(op))
      return true;
    // A broadcast of an invariant (a bias) is as cheap to rebuild per step
    // as to read back from a stacked copy.
    if (auto broadcast = dyn_cast<linalg::BroadcastOp>(op))
      return of(broadcast.getInput()) == Dependence::Invariant;
    return false;
  }

  unsigned numStates, numSeqs;
  Block &body;
  DenseMap<Operation *, Dependence> dependence;
  DenseSet<Operation *> cheap;
  DenseSet<Operation *> pinned;
};

/// The ops computing `roots` needs among those `allowed` to be computed in
/// a new place, and the values they read that they do not compute there
/// (the values the new place must be given).
struct Closure {
  DenseSet<Operation *> ops;
  SetVector<Value> frontier;
};

Closure computeClosure(ArrayRef<Value> roots,
                       function_ref<bool(Operation *)> allowed) {
  Closure closure;
  SmallVector<Value> worklist(roots);
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    Operation *def = v.getDefiningOp();
    if (!def || !allowed(def)) {
      closure.frontier.insert(v);
      continue;
    }
    if (closure.ops.insert(def).second)
      llvm::append_range(worklist, readValues(def));
  }
  return closure;
}

/// Clones, in block order, the ops of `block` that are in `ops`.
void cloneInOrder(OpBuilder &b, Block &block, const DenseSet<Operation *> &ops,
                  IRMapping &mapping) {
  for (Operation &op : block.without_terminator())
    if (ops.contains(&op))
      b.clone(op, mapping);
}

/// Erases the body ops of `op` whose results nobody reads.
void eraseDeadBodyOps(RecurrenceOp op) {
  Operation *inner = op.getBodyBlock().getTerminator()->getPrevNode();
  while (inner) {
    Operation *prev = inner->getPrevNode();
    if (isOpTriviallyDead(inner))
      inner->erase();
    inner = prev;
  }
}

/// A new recurrence with `op`'s operands and attributes, `op`'s body and
/// the given sequences, captures and result types.
RecurrenceOp rebuild(OpBuilder &b, RecurrenceOp op, TypeRange resultTypes,
                     ValueRange sequences, ValueRange captures) {
  auto rebuilt = RecurrenceOp::create(
      b, op.getLoc(), resultTypes, op.getInits(), sequences, captures,
      op.getSeqLens(), op.getTimeAxis(), op.getReverse());
  rebuilt->setDiscardableAttrs(op->getDiscardableAttrDictionary());
  rebuilt.getBody().takeBody(op.getBody());
  return rebuilt;
}

/// Drops the sequences and captures `op`'s body does not read (keeping one
/// sequence: it sets the number of steps). Returns the op now in its place.
RecurrenceOp pruneUnusedInputs(RecurrenceOp op) {
  Block &body = op.getBodyBlock();
  unsigned numStates = op.getNumStates();
  unsigned numSeqs = op.getSequences().size();
  llvm::BitVector drop(body.getNumArguments());
  SmallVector<Value> sequences, captures;
  for (auto [j, seq] : llvm::enumerate(op.getSequences())) {
    if (body.getArgument(numStates + j).use_empty())
      drop.set(numStates + j);
    else
      sequences.push_back(seq);
  }
  if (sequences.empty()) {
    drop.reset(numStates);
    sequences.push_back(op.getSequences()[0]);
  }
  for (auto [k, capture] : llvm::enumerate(op.getCaptures())) {
    if (body.getArgument(numStates + numSeqs + k).use_empty())
      drop.set(numStates + numSeqs + k);
    else
      captures.push_back(capture);
  }
  if (drop.none())
    return op;
  OpBuilder b(op);
  RecurrenceOp pruned =
      rebuild(b, op, op->getResultTypes(), sequences, captures);
  pruned.getBodyBlock().eraseArguments(drop);
  op.replaceAllUsesWith(pruned.getResults());
  op.erase();
  return pruned;
}

/// The number of steps of `op` when some sequence says it statically.
int64_t staticNumSteps(RecurrenceOp op) {
  for (Value seq : op.getSequences()) {
    int64_t len =
        cast<RankedTensorType>(seq.getType()).getDimSize(op.getTimeAxis());
    if (!ShapedType::isDynamic(len))
      return len;
  }
  return ShapedType::kDynamic;
}

//===----------------------------------------------------------------------===//
// Splitting a recurrence
//===----------------------------------------------------------------------===//

/// Whether per-step values of `v`'s type can become a sequence input of
/// `op`: a ranked tensor that can carry the time axis, with a batch
/// dimension when `op` has sequence lengths.
bool canBecomeSequence(RecurrenceOp op, Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || (int64_t)op.getTimeAxis() > type.getRank())
    return false;
  if (Value lens = op.getSeqLens())
    return type.getRank() >= 1 &&
           areDimsCompatible(
               type.getDimSize(0),
               cast<RankedTensorType>(lens.getType()).getDimSize(0));
  return true;
}

/// Splits `op` into invariant work before it, a stateless map computing its
/// state-independent step values, and the recurrence proper. Returns false
/// when nothing moves.
bool hoistInvariants(RecurrenceOp op) {
  Block &body = op.getBodyBlock();
  unsigned numStates = op.getNumStates();
  unsigned numSeqs = op.getSequences().size();
  int64_t axis = op.getTimeAxis();
  ValueRange stepArgs = body.getArguments().slice(numStates, numSeqs);
  ValueRange captureArgs = body.getArguments().drop_front(numStates + numSeqs);

  BodyDependence deps(op);
  Closure properClosure, map;
  SmallVector<Value> crossingSteps;
  SetVector<Value> crossingInvariants;
  for (;;) {
    deps.compute();
    // The recurrence proper keeps the state-dependent ops and recomputes the
    // cheap ones it reads; every other value it reads crosses over.
    properClosure = computeClosure(
        llvm::to_vector(body.getTerminator()->getOperands()),
        [&](Operation *o) {
          return deps.of(o) == Dependence::State || deps.isCheap(o);
        });
    crossingSteps.clear();
    crossingInvariants.clear();
    for (Value v : properClosure.frontier) {
      if (isa<BlockArgument>(v))
        continue;
      if (deps.of(v) == Dependence::Step)
        crossingSteps.push_back(v);
      else
        crossingInvariants.insert(v);
    }
    map = computeClosure(crossingSteps, [&](Operation *o) {
      return deps.of(o) == Dependence::Step ||
             (deps.of(o) == Dependence::Invariant && deps.isCheap(o));
    });
    for (Value v : map.frontier)
      if (!isa<BlockArgument>(v))
        crossingInvariants.insert(v);
    // A value that cannot be stacked over time stays in the recurrence,
    // and so does everything reading it.
    bool stackable = true;
    for (Value v : crossingSteps) {
      if (!canBecomeSequence(op, v)) {
        deps.pin(v.getDefiningOp());
        stackable = false;
      }
    }
    if (stackable)
      break;
  }
  if (crossingSteps.empty() && crossingInvariants.empty())
    return false;

  OpBuilder b(op);
  Location loc = op.getLoc();

  // Invariant work: once, before the recurrence, captured by both parts.
  IRMapping outside;
  outside.map(captureArgs, op.getCaptures());
  Closure invariant =
      computeClosure(crossingInvariants.getArrayRef(), [&](Operation *o) {
        return deps.of(o) == Dependence::Invariant;
      });
  cloneInOrder(b, body, invariant.ops, outside);
  SmallVector<Value> captures(op.getCaptures());
  for (Value v : crossingInvariants)
    captures.push_back(outside.lookup(v));
  auto bindCaptures = [&](Block *block, IRMapping &mapping) {
    for (Value arg : captureArgs)
      mapping.map(arg, block->addArgument(arg.getType(), arg.getLoc()));
    for (Value v : crossingInvariants)
      mapping.map(v, block->addArgument(v.getType(), v.getLoc()));
  };

  // Step work: a map over the same sequences, one output per crossing value.
  SmallVector<Value> sequences(op.getSequences());
  RecurrenceOp stepMap;
  if (!crossingSteps.empty()) {
    SmallVector<Type> types;
    for (Value v : crossingSteps)
      types.push_back(getStackedType(cast<RankedTensorType>(v.getType()), axis,
                                     staticNumSteps(op)));
    stepMap = RecurrenceOp::create(b, loc, types, ValueRange{}, sequences,
                                   captures, Value(), axis, false);
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&stepMap.getBody());
    IRMapping mapping;
    for (Value arg : stepArgs)
      mapping.map(arg, block->addArgument(arg.getType(), arg.getLoc()));
    bindCaptures(block, mapping);
    cloneInOrder(b, body, map.ops, mapping);
    SmallVector<Value> yielded;
    for (Value v : crossingSteps)
      yielded.push_back(mapping.lookup(v));
    YieldOp::create(b, loc, yielded);
    llvm::append_range(sequences, stepMap.getResults());
  }

  // The recurrence proper reads the crossing values as step slices.
  auto properOp = RecurrenceOp::create(b, loc, op->getResultTypes(),
                                       op.getInits(), sequences, captures,
                                       op.getSeqLens(), axis, op.getReverse());
  properOp->setDiscardableAttrs(op->getDiscardableAttrDictionary());
  {
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&properOp.getBody());
    IRMapping mapping;
    for (Value arg : body.getArguments().take_front(numStates + numSeqs))
      mapping.map(arg, block->addArgument(arg.getType(), arg.getLoc()));
    for (Value v : crossingSteps)
      mapping.map(v, block->addArgument(v.getType(), v.getLoc()));
    bindCaptures(block, mapping);
    cloneInOrder(b, body, properClosure.ops, mapping);
    SmallVector<Value> yielded;
    for (Value v : body.getTerminator()->getOperands())
      yielded.push_back(mapping.lookupOrDefault(v));
    YieldOp::create(b, loc, yielded);
  }
  op.replaceAllUsesWith(properOp.getResults());
  op.erase();
  if (stepMap)
    pruneUnusedInputs(stepMap);
  pruneUnusedInputs(properOp);
  return true;
}

//===----------------------------------------------------------------------===//
// Input projections of stateless maps
//===----------------------------------------------------------------------===//

/// `x_t W (+ bias)` in a stateless map: a matmul of a step slice by a
/// captured (or constant) matrix onto a constant fill, and optionally a
/// broadcast row added to it.
struct Projection {
  /// The body value the whole-sequence product replaces.
  Value result;
  unsigned seqIndex;
  /// Body values of the matrix and the bias (null if none): capture
  /// arguments or constants.
  Value weight, bias;
  /// The value the accumulator is filled with.
  TypedAttr fill;
};

std::optional<Projection> matchProjection(RecurrenceOp op,
                                          linalg::MatmulOp matmul) {
  if (matmul.hasUserDefinedMaps() || !matmul.hasPureTensorSemantics() ||
      matmul->getNumResults() != 1)
    return std::nullopt;
  Value lhs = matmul.getInputs()[0], rhs = matmul.getInputs()[1];
  auto arg = dyn_cast<BlockArgument>(lhs);
  unsigned numSeqs = op.getSequences().size();
  if (!arg || arg.getOwner() != &op.getBodyBlock() ||
      arg.getArgNumber() >= numSeqs)
    return std::nullopt;
  auto seqType =
      cast<RankedTensorType>(op.getSequences()[arg.getArgNumber()].getType());
  auto rhsType = dyn_cast<RankedTensorType>(rhs.getType());
  if (seqType.getRank() != 3 || op.getTimeAxis() > 1 || !rhsType ||
      rhsType.getRank() != 2 || !isCaptureOrConstant(op, rhs))
    return std::nullopt;
  Projection p{matmul.getResult(0), arg.getArgNumber(), rhs, Value(),
               constantFill(matmul.getOutputs()[0])};
  if (!p.fill)
    return std::nullopt;
  // A bias row added to the product (and nothing else reading the product)
  // joins the projection.
  if (p.result.hasOneUse()) {
    if (auto add = dyn_cast<arith::AddFOp>(*p.result.getUsers().begin())) {
      Value other = add.getLhs() == p.result ? add.getRhs() : add.getLhs();
      auto broadcast = other.getDefiningOp<linalg::BroadcastOp>();
      if (broadcast && broadcast.getDimensions() == ArrayRef<int64_t>{0} &&
          isCaptureOrConstant(op, broadcast.getInput())) {
        p.result = add.getResult();
        p.bias = broadcast.getInput();
      }
    }
  }
  return p;
}

/// The whole-sequence product of `p` over all steps of `op`: the sequence
/// [T, B, I] (or [B, T, I]) collapsed to rows, one matmul, expanded back.
Value buildProjection(OpBuilder &b, RecurrenceOp op, const Projection &p,
                      DenseMap<unsigned, Value> &collapsed) {
  Location loc = p.result.getLoc();
  Value seq = op.getSequences()[p.seqIndex];
  SmallVector<ReassociationIndices> reassociation = {{0, 1}, {2}};
  Value &rows = collapsed[p.seqIndex];
  if (!rows)
    rows = tensor::CollapseShapeOp::create(b, loc, seq, reassociation);
  Value weight = valueOutside(b, op, p.weight);
  Type elemType = cast<RankedTensorType>(p.result.getType()).getElementType();
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, rows, 0),
                                     tensor::getMixedSize(b, loc, weight, 1)};
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elemType);
  Value init = arith::ConstantOp::create(b, loc, p.fill);
  Value acc = linalg::FillOp::create(b, loc, init, empty).getResult(0);
  Value product = linalg::MatmulOp::create(b, loc, ValueRange{rows, weight},
                                           ValueRange{acc})
                      .getResult(0);
  if (p.bias) {
    Value bias = valueOutside(b, op, p.bias);
    Value biasInit = tensor::EmptyOp::create(b, loc, sizes, elemType);
    Value biasRows = linalg::BroadcastOp::create(b, loc, bias, biasInit,
                                                 ArrayRef<int64_t>{0})
                         .getResult()[0];
    product = arith::AddFOp::create(b, loc, product, biasRows);
  }
  auto seqType = cast<RankedTensorType>(seq.getType());
  auto productType = cast<RankedTensorType>(product.getType());
  auto expandedType = RankedTensorType::get(
      {seqType.getDimSize(0), seqType.getDimSize(1), productType.getDimSize(1)},
      elemType);
  SmallVector<OpFoldResult> shape = {tensor::getMixedSize(b, loc, seq, 0),
                                     tensor::getMixedSize(b, loc, seq, 1),
                                     tensor::getMixedSize(b, loc, product, 1)};
  if (!seqType.isDynamicDim(0) || !seqType.isDynamicDim(1))
    return tensor::ExpandShapeOp::create(b, loc, expandedType, product,
                                         reassociation, shape);
  // With T and B both dynamic, a tensor.reshape: LLVM 22's
  // expand-strided-metadata crashes on an expand_shape with two dynamic
  // sizes in one group (llvm/llvm-project#186830, fixed after 22).
  Value shapeTensor = tensor::FromElementsOp::create(
      b, loc, getValueOrCreateConstantIndexOp(b, loc, shape));
  return tensor::ReshapeOp::create(b, loc, expandedType, product, shapeTensor);
}

/// `v` as `type` (a tensor.cast where only static sizes differ).
Value castTo(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return tensor::CastOp::create(b, loc, type, v);
}

/// Replaces the input projections of the stateless map `op` by
/// whole-sequence matmuls whose results it reads as new sequences; outputs
/// that become copies of a sequence are forwarded and dropped, and a map left
/// without outputs disappears.
void peelProjections(RecurrenceOp op) {
  SmallVector<Projection> projections;
  for (Operation &inner : op.getBodyBlock().without_terminator())
    if (auto matmul = dyn_cast<linalg::MatmulOp>(inner))
      if (std::optional<Projection> p = matchProjection(op, matmul))
        projections.push_back(*p);

  OpBuilder b(op);
  SmallVector<Value> sequences(op.getSequences());
  DenseMap<unsigned, Value> collapsed;
  for (const Projection &p : projections)
    sequences.push_back(buildProjection(b, op, p, collapsed));
  if (!projections.empty()) {
    unsigned numSeqs = op.getSequences().size();
    op = [&] {
      RecurrenceOp rebuilt =
          rebuild(b, op, op->getResultTypes(), sequences, op.getCaptures());
      op.replaceAllUsesWith(rebuilt.getResults());
      op.erase();
      return rebuilt;
    }();
    Block &body = op.getBodyBlock();
    OpBuilder inner = OpBuilder::atBlockBegin(&body);
    for (auto [k, p] : llvm::enumerate(projections)) {
      Value seq = sequences[numSeqs + k];
      Type stepType =
          getStepType(cast<RankedTensorType>(seq.getType()), op.getTimeAxis());
      Value arg = body.insertArgument(numSeqs + k, stepType, p.result.getLoc());
      p.result.replaceAllUsesWith(
          castTo(inner, p.result.getLoc(), arg, p.result.getType()));
    }
    eraseDeadBodyOps(op);
  }

  // Outputs that only copy a sequence (a projection yielded as is) are that
  // sequence; sequence lengths would mask them, so only without them.
  Block &body = op.getBodyBlock();
  unsigned numSeqs = op.getSequences().size();
  SmallVector<Type> keptTypes;
  SmallVector<Value> keptYields;
  SmallVector<std::pair<unsigned, Value>> forwarded;
  for (auto [k, y] : llvm::enumerate(body.getTerminator()->getOperands())) {
    auto arg = dyn_cast<BlockArgument>(y);
    if (!op.getSeqLens() && arg && arg.getOwner() == &body &&
        arg.getArgNumber() < numSeqs) {
      forwarded.push_back({k, op.getSequences()[arg.getArgNumber()]});
      continue;
    }
    keptTypes.push_back(op.getResult(k).getType());
    keptYields.push_back(y);
  }
  if (forwarded.empty()) {
    if (!projections.empty())
      pruneUnusedInputs(op);
    return;
  }
  b.setInsertionPoint(op);
  for (auto [k, seq] : forwarded)
    op.getResult(k).replaceAllUsesWith(
        castTo(b, op.getLoc(), seq, op.getResult(k).getType()));
  if (keptYields.empty()) {
    op.erase();
    return;
  }
  body.getTerminator()->setOperands(keptYields);
  RecurrenceOp rebuilt =
      rebuild(b, op, keptTypes, op.getSequences(), op.getCaptures());
  unsigned next = 0;
  for (auto [k, result] : llvm::enumerate(op.getResults()))
    if (!llvm::is_contained(llvm::make_first_range(forwarded), k))
      result.replaceAllUsesWith(rebuilt.getResult(next++));
  op.erase();
  eraseDeadBodyOps(rebuilt);
  pruneUnusedInputs(rebuilt);
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct RecurHoistInvariantsPass
    : recur::impl::RecurHoistInvariantsBase<RecurHoistInvariantsPass> {
  void runOnOperation() override {
    Operation *root = getOperation();
    // Sizes read off intermediate results (tensor.dim of a matmul) are read
    // off the operands they come from instead, so asking for a shape does
    // not make a value cross between the parts.
    {
      RewritePatternSet patterns(&getContext());
      tensor::DimOp::getCanonicalizationPatterns(patterns, &getContext());
      SmallVector<Operation *> dims;
      root->walk([&](tensor::DimOp dim) {
        if (dim->getParentOfType<RecurrenceOp>())
          dims.push_back(dim);
      });
      GreedyRewriteConfig config;
      config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
      (void)applyOpPatternsGreedily(dims, std::move(patterns), config);
    }

    // Innermost recurrences first: an outer one then moves inner ones whole.
    SmallVector<RecurrenceOp> stateful;
    root->walk([&](RecurrenceOp op) {
      if (op.getNumStates() != 0)
        stateful.push_back(op);
    });
    for (RecurrenceOp op : stateful)
      hoistInvariants(op);

    SmallVector<RecurrenceOp> maps;
    root->walk([&](RecurrenceOp op) {
      if (op.getNumStates() == 0)
        maps.push_back(op);
    });
    for (RecurrenceOp op : maps)
      peelProjections(op);
  }
};

} // namespace

//===- Linearize.cpp - affine recurrences into linear scans ---------------===//
//
// Rewrites every recur.recurrence whose next states are affine in the states
// (per AffineDecomposition) into a map computing the per-step coefficients,
// one recur.linear_scan per linear system, and a map computing the step
// outputs from the scanned states. Everything else is left alone.
//
//===----------------------------------------------------------------------===//

#include "passes/Analysis/AffineDecomposition.h"
#include "passes/Passes.h"
#include "passes/Transforms/TimeSlicing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/SetVector.h"

namespace recur {
#define GEN_PASS_DEF_RECURLINEARIZE
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;
using namespace recur;

namespace {

/// The number of steps of `op` when some sequence's type knows it.
int64_t staticNumSteps(RecurrenceOp op) {
  for (Value seq : op.getSequences()) {
    int64_t n =
        cast<RankedTensorType>(seq.getType()).getDimSize(op.getTimeAxis());
    if (!ShapedType::isDynamic(n))
      return n;
  }
  return ShapedType::kDynamic;
}

/// Erases the ops of `block` nobody uses, last first.
void eraseDeadOps(Block &block) {
  SmallVector<Operation *> ops;
  for (Operation &op : block.without_terminator())
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops))
    if (isOpTriviallyDead(op))
      op->erase();
}

/// Rebuilds `map` (a stateless recur.recurrence) without the results nobody
/// reads and the sequences and captures its body then does not read; one
/// sequence always stays (it sets the number of steps).
RecurrenceOp pruneMap(RecurrenceOp map, OpBuilder &b) {
  Block &body = map.getBodyBlock();
  SmallVector<Value> results;
  SmallVector<Value> yielded;
  for (auto [result, value] :
       llvm::zip(map.getResults(), map.getYield().getValues()))
    if (!result.use_empty()) {
      results.push_back(result);
      yielded.push_back(value);
    }
  if (results.size() != map.getNumResults()) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(map.getYield());
    YieldOp::create(b, map.getLoc(), yielded);
    map.getYield()->erase();
    eraseDeadOps(body);
  }
  unsigned numSeqs = map.getSequences().size();
  SmallVector<Value> seqs, captures;
  llvm::BitVector dead(body.getNumArguments());
  for (BlockArgument arg : body.getArguments()) {
    unsigned i = arg.getArgNumber();
    bool keep = !arg.use_empty() || (i == numSeqs - 1 && seqs.empty());
    if (!keep) {
      dead.set(i);
      continue;
    }
    if (i < numSeqs)
      seqs.push_back(map.getSequences()[i]);
    else
      captures.push_back(map.getCaptures()[i - numSeqs]);
  }
  if (dead.none() && results.size() == map.getNumResults())
    return map;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(map);
  auto pruned = RecurrenceOp::create(
      b, map.getLoc(), ValueRange(results).getTypes(), ValueRange{}, seqs,
      captures, map.getSeqLens(), map.getTimeAxis(), map.getReverse());
  pruned.getBody().takeBody(map.getBody());
  pruned.getBodyBlock().eraseArguments(dead);
  for (auto [from, to] : llvm::zip(results, pruned.getResults()))
    from.replaceAllUsesWith(to);
  map.erase();
  return pruned;
}

/// `value` cast to `type` when they differ (static vs dynamic sizes).
Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

/// A zero tensor of `type`, its dynamic sizes those of `like`.
Value zerosLike(OpBuilder &b, Location loc, RankedTensorType type, Value like) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(type.isDynamicDim(d)
                        ? tensor::getMixedSize(b, loc, like, d)
                        : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
  Value empty = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// When every result of `op` is exactly linear in the states, so zero in
/// the body evaluated at h = 0, maps them to zeros instead of computing them
/// (a matmul by zeros costs as much as one by the state). The zeros take
/// their dynamic sizes from the op's init (destination-style ops) or first
/// operand (elementwise ops); returns false when neither tells.
bool mapToZeros(OpBuilder &b, Location loc, Operation &op,
                const AffineDecomposition &decomposition, IRMapping &mapping,
                DenseSet<Value> &zeroValues) {
  // x + 0 and x - 0 are x.
  if (isa<arith::AddFOp, arith::SubFOp>(op)) {
    Value lhs = mapping.lookupOrDefault(op.getOperand(0));
    Value rhs = mapping.lookupOrDefault(op.getOperand(1));
    if (zeroValues.contains(rhs) ||
        (isa<arith::AddFOp>(op) && zeroValues.contains(lhs))) {
      mapping.map(op.getResult(0), zeroValues.contains(rhs) ? lhs : rhs);
      return true;
    }
  }
  // A contraction onto an accumulator, at h = 0, is the accumulator.
  if (op.getNumResults() == 1)
    if (Value offset = decomposition.getOffsetValue(op.getResult(0))) {
      mapping.map(op.getResult(0), mapping.lookupOrDefault(offset));
      return true;
    }
  if (op.getNumResults() == 0 || !llvm::all_of(op.getResults(), [&](Value r) {
        return decomposition.isHomogeneous(r);
      }))
    return false;
  SmallVector<Value> zeros;
  for (OpResult result : op.getResults()) {
    auto type = cast<RankedTensorType>(result.getType());
    Value like;
    if (!type.hasStaticShape()) {
      if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
        like = dps.getDpsInitOperand(result.getResultNumber())->get();
      else if (op.getNumOperands() > 0 && op.getOperand(0).getType() == type)
        like = op.getOperand(0);
      else
        return false;
      like = mapping.lookupOrDefault(like);
    }
    zeros.push_back(zerosLike(b, loc, type, like));
    zeroValues.insert(zeros.back());
  }
  mapping.map(op.getResults(), zeros);
  return true;
}

/// Rewrites `op`, whose decomposition says it is linearizable.
void linearize(RecurrenceOp op, const AffineDecomposition &decomposition,
               OpBuilder &b) {
  Location loc = op.getLoc();
  int64_t axis = op.getTimeAxis();
  int64_t numSteps = staticNumSteps(op);
  unsigned numStates = op.getNumStates();
  unsigned numSeqs = op.getSequences().size();
  unsigned numCaptures = op.getCaptures().size();
  Block &body = op.getBodyBlock();
  ValueRange yielded = op.getYield().getValues();
  b.setInsertionPoint(op);

  // (a) The coefficients of every step: a map over the sequences. The body
  // runs once with the states at zero (b_t = f(0, x_t)); the coefficients of
  // A are built from the tracked linear operator. States with dynamic sizes
  // are captured too, for their sizes.
  bool dynamicStates = llvm::any_of(op.getInits(), [](Value init) {
    return !cast<RankedTensorType>(init.getType()).hasStaticShape();
  });
  SmallVector<Value> captures(op.getCaptures());
  if (dynamicStates)
    llvm::append_range(captures, op.getInits());
  auto *block = new Block();
  for (Value seq : op.getSequences())
    block->addArgument(getStepType(cast<RankedTensorType>(seq.getType()), axis),
                       loc);
  for (Value capture : captures)
    block->addArgument(capture.getType(), loc);
  SmallVector<Value> coefficientValues;
  {
    OpBuilder mb(op.getContext());
    mb.setInsertionPointToEnd(block);
    IRMapping mapping;
    for (unsigned j = 0; j < numSeqs + numCaptures; ++j)
      mapping.map(body.getArgument(numStates + j), block->getArgument(j));
    SmallVector<Value> stateShapes;
    for (unsigned s = 0; s < numStates; ++s) {
      auto type = cast<RankedTensorType>(op.getInits()[s].getType());
      Value like = dynamicStates ? block->getArgument(numSeqs + numCaptures + s)
                                 : Value();
      Value zero = zerosLike(mb, loc, type, like);
      stateShapes.push_back(zero);
      mapping.map(body.getArgument(s), zero);
    }
    DenseSet<Value> zeroValues(stateShapes.begin(), stateShapes.end());
    for (Operation &inner : body.without_terminator())
      if (!mapToZeros(mb, loc, inner, decomposition, mapping, zeroValues))
        mb.clone(inner, mapping);
    for (const LinearSystem &system : decomposition.getSystems()) {
      llvm::append_range(coefficientValues,
                         decomposition.materializeCoefficients(
                             mb, loc, system, mapping, stateShapes));
      SmallVector<Value> offsets;
      for (unsigned s : system.states)
        offsets.push_back(mapping.lookupOrDefault(yielded[s]));
      coefficientValues.push_back(
          decomposition.packStates(mb, loc, system, offsets));
    }
    YieldOp::create(mb, loc, coefficientValues);
  }
  SmallVector<Type> coefficientTypes;
  for (Value v : coefficientValues)
    coefficientTypes.push_back(
        getStackedType(cast<RankedTensorType>(v.getType()), axis, numSteps));
  auto coefficients =
      RecurrenceOp::create(b, loc, coefficientTypes, ValueRange{},
                           op.getSequences(), captures, Value(), axis, false);
  coefficients.getBody().push_back(block);
  eraseDeadOps(*block);
  // A coefficient that is a step of a sequence input is that input.
  SmallVector<Value> perStep(coefficients.getResults());
  for (auto [i, value] : llvm::enumerate(coefficients.getYield().getValues())) {
    auto arg = dyn_cast<BlockArgument>(value);
    if (!arg || arg.getArgNumber() >= coefficients.getSequences().size())
      continue;
    Value seq = coefficients.getSequences()[arg.getArgNumber()];
    if (seq.getType() == perStep[i].getType())
      perStep[i] = seq;
  }

  // (b) One linear scan per system.
  SmallVector<Value> finalStates(numStates), stateSeqs(numStates);
  unsigned next = 0;
  for (const LinearSystem &system : decomposition.getSystems()) {
    unsigned numCoefficients =
        system.structure == Structure::identity_plus_low_rank ? 2 : 1;
    ArrayRef<Value> a = ArrayRef<Value>(perStep).slice(next, numCoefficients);
    Value bSeq = perStep[next + numCoefficients];
    next += numCoefficients + 1;
    SmallVector<Value> inits;
    for (unsigned s : system.states)
      inits.push_back(op.getInits()[s]);
    Value init = decomposition.packStates(b, loc, system, inits);
    auto scan = LinearScanOp::create(
        b, loc, bSeq.getType(), init.getType(), system.structure, a, bSeq, init,
        op.getSeqLens(), axis, system.batchDims, op.getReverse());
    SmallVector<Value> lasts =
        decomposition.unpackStates(b, loc, system, scan.getLast());
    SmallVector<Value> seqs =
        decomposition.unpackStates(b, loc, system, scan.getStates(), axis);
    for (auto [k, s] : llvm::enumerate(system.states)) {
      finalStates[s] = castTo(b, loc, lasts[k], op.getInits()[s].getType());
      stateSeqs[s] = seqs[k];
    }
  }
  if (coefficients.use_empty())
    coefficients.erase();
  else
    pruneMap(coefficients, b);

  // (c) Step outputs. An output that is a next state is the scanned states
  // (zero at inactive steps, as the recurrence's outputs are); any other is
  // computed by a map from h_{t-1} and h_t, which masks inactive steps.
  SmallVector<Value> results(finalStates);
  SmallVector<unsigned> computed;
  auto nextStateOf = [&](Value v) -> int64_t {
    if (isa<BlockArgument>(v))
      return -1; // h_t is then h_{t-1} of a state, or a step's input
    for (unsigned s = 0; s < numStates; ++s)
      if (yielded[s] == v)
        return s;
    return -1;
  };
  for (unsigned k = 0; k < op.getNumStepOutputs(); ++k) {
    Type type = op.getStepOutputs()[k].getType();
    int64_t s = nextStateOf(yielded[numStates + k]);
    results.push_back(s >= 0 ? castTo(b, loc, stateSeqs[s], type) : Value());
    if (s < 0)
      computed.push_back(k);
  }
  RecurrenceOp outputMap;
  if (!computed.empty()) {
    // The ops the outputs need, stopping at next states (read as h_t).
    SmallVector<bool> needPrev(numStates), needNext(numStates);
    llvm::SetVector<Operation *> needed;
    SmallVector<Value> worklist;
    for (unsigned k : computed)
      worklist.push_back(yielded[numStates + k]);
    DenseSet<Value> seen;
    while (!worklist.empty()) {
      Value v = worklist.pop_back_val();
      if (!seen.insert(v).second)
        continue;
      if (int64_t s = nextStateOf(v); s >= 0) {
        needNext[s] = true;
        continue;
      }
      if (auto arg = dyn_cast<BlockArgument>(v)) {
        if (arg.getOwner() == &body && arg.getArgNumber() < numStates)
          needPrev[arg.getArgNumber()] = true;
        continue;
      }
      Operation *def = v.getDefiningOp();
      if (!needed.insert(def))
        continue;
      llvm::append_range(worklist, def->getOperands());
      llvm::SetVector<Value> above;
      getUsedValuesDefinedAbove(def->getRegions(), above);
      llvm::append_range(worklist, above);
    }

    SmallVector<Value> sequences;
    SmallVector<int64_t> prevArg(numStates, -1), nextArg(numStates, -1);
    for (unsigned s = 0; s < numStates; ++s)
      if (needPrev[s]) {
        prevArg[s] = sequences.size();
        sequences.push_back(
            buildPreviousStates(b, loc, stateSeqs[s], op.getInits()[s], axis,
                                op.getReverse(), op.getSeqLens()));
      }
    for (unsigned s = 0; s < numStates; ++s)
      if (needNext[s]) {
        nextArg[s] = sequences.size();
        sequences.push_back(stateSeqs[s]);
      }
    unsigned numStateSeqs = sequences.size();
    llvm::append_range(sequences, op.getSequences());

    SmallVector<Type> types;
    for (unsigned k : computed)
      types.push_back(op.getStepOutputs()[k].getType());
    auto outputs =
        RecurrenceOp::create(b, loc, types, ValueRange{}, sequences,
                             op.getCaptures(), op.getSeqLens(), axis, false);
    Block *outBlock = b.createBlock(&outputs.getBody());
    for (Value seq : sequences)
      outBlock->addArgument(
          getStepType(cast<RankedTensorType>(seq.getType()), axis), loc);
    for (Value capture : op.getCaptures())
      outBlock->addArgument(capture.getType(), loc);
    IRMapping mapping;
    for (unsigned s = 0; s < numStates; ++s)
      if (prevArg[s] >= 0)
        mapping.map(body.getArgument(s), outBlock->getArgument(prevArg[s]));
    for (unsigned j = 0; j < numSeqs + numCaptures; ++j)
      mapping.map(body.getArgument(numStates + j),
                  outBlock->getArgument(numStateSeqs + j));
    auto bindNextStates = [&] {
      for (unsigned s = 0; s < numStates; ++s)
        if (nextArg[s] >= 0)
          mapping.map(yielded[s], outBlock->getArgument(nextArg[s]));
    };
    bindNextStates();
    for (Operation &inner : body.without_terminator()) {
      if (!needed.contains(&inner))
        continue;
      b.clone(inner, mapping);
      bindNextStates();
    }
    SmallVector<Value> outValues;
    for (unsigned k : computed)
      outValues.push_back(mapping.lookupOrDefault(yielded[numStates + k]));
    YieldOp::create(b, loc, outValues);
    b.setInsertionPointAfter(outputs);
    outputMap = outputs;
    for (auto [i, k] : llvm::enumerate(computed))
      results[numStates + k] = outputs.getResult(i);
  }

  op.replaceAllUsesWith(results);
  op.erase();
  if (outputMap)
    pruneMap(outputMap, b);
}

struct RecurLinearizePass
    : recur::impl::RecurLinearizeBase<RecurLinearizePass> {
  void runOnOperation() override {
    SmallVector<RecurrenceOp> ops;
    getOperation()->walk([&](RecurrenceOp op) { ops.push_back(op); });
    for (RecurrenceOp op : ops) {
      if (op.getNumStates() == 0)
        continue;
      // Side effects would run once per map instead of once per step.
      if (hasSideEffects(op))
        continue;
      AffineDecomposition decomposition(op);
      if (!decomposition.isLinearizable())
        continue;
      OpBuilder b(op);
      linearize(op, decomposition, b);
    }
  }
};

} // namespace

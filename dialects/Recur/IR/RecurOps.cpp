//===- RecurOps.cpp - recurrence, scan and linear scan ops ----------------===//
//
// Verifiers and interface methods of the generic recur ops. The named cells
// live in RecurCellOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace recur;

#include "dialects/Recur/IR/RecurInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "dialects/Recur/IR/RecurOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

RankedTensorType recur::getStepType(RankedTensorType seqType,
                                    int64_t timeAxis) {
  SmallVector<int64_t> shape(seqType.getShape());
  shape.erase(shape.begin() + timeAxis);
  return RankedTensorType::get(shape, seqType.getElementType());
}

RankedTensorType recur::getStackedType(RankedTensorType stepType,
                                       int64_t timeAxis, int64_t numSteps) {
  SmallVector<int64_t> shape(stepType.getShape());
  shape.insert(shape.begin() + timeAxis, numSteps);
  return RankedTensorType::get(shape, stepType.getElementType());
}

bool recur::areTypesCompatible(RankedTensorType a, RankedTensorType b) {
  if (a.getElementType() != b.getElementType() || a.getRank() != b.getRank())
    return false;
  return llvm::all_of(llvm::zip(a.getShape(), b.getShape()), [](auto dims) {
    return areDimsCompatible(std::get<0>(dims), std::get<1>(dims));
  });
}

/// Checks that every operand in `seqs` has `timeAxis` in range and that their
/// time dimensions agree; returns the common length in `numSteps` (dynamic if
/// none is static). `what` names the operands in messages.
static LogicalResult verifyTimeAxis(Operation *op, ValueRange seqs,
                                    int64_t timeAxis, StringRef what,
                                    int64_t &numSteps) {
  numSteps = ShapedType::kDynamic;
  for (auto [i, seq] : llvm::enumerate(seqs)) {
    auto type = cast<RankedTensorType>(seq.getType());
    if (timeAxis < 0 || timeAxis >= type.getRank())
      return op->emitOpError() << "time_axis " << timeAxis
                               << " is out of range for " << what << " #" << i
                               << " of type " << type;
    int64_t len = type.getDimSize(timeAxis);
    if (!areDimsCompatible(len, numSteps))
      return op->emitOpError()
             << what << " #" << i << " has " << len
             << " steps along the time axis, but an earlier one has "
             << numSteps;
    if (!ShapedType::isDynamic(len))
      numSteps = len;
  }
  return success();
}

/// Checks that `type` can carry a batch of `lens`' size in dimension 0.
static LogicalResult verifyBatchDim(Operation *op, Type type, Value lens,
                                    const Twine &what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  int64_t batch = cast<RankedTensorType>(lens.getType()).getDimSize(0);
  if (!tensor || tensor.getRank() < 1)
    return op->emitOpError() << "with seq_lens expects " << what
                             << " to have a leading batch dimension, got "
                             << type;
  if (!areDimsCompatible(tensor.getDimSize(0), batch))
    return op->emitOpError()
           << "with seq_lens of " << batch << " entries expects " << what
           << " to have batch dimension " << batch << ", got " << type;
  return success();
}

//===----------------------------------------------------------------------===//
// RecurrenceOp
//===----------------------------------------------------------------------===//

YieldOp RecurrenceOp::getYield() {
  return cast<YieldOp>(getBodyBlock().getTerminator());
}

LogicalResult RecurrenceOp::verify() {
  if (getSequences().empty())
    return emitOpError("expects at least one sequence input (it sets the "
                       "number of steps)");
  int64_t numSteps;
  if (failed(verifyTimeAxis(*this, getSequences(), getTimeAxis(),
                            "sequence input", numSteps)))
    return failure();
  if (getResults().size() < getNumStates())
    return emitOpError() << "expects at least " << getNumStates()
                         << " results (one final state per initial state), got "
                         << getResults().size();
  for (auto [i, init] : llvm::enumerate(getInits()))
    if (getResult(i).getType() != init.getType())
      return emitOpError() << "expects result #" << i << " (final state) to have "
                           << "the type of initial state #" << i << ", "
                           << init.getType() << ", got "
                           << getResult(i).getType();
  for (auto [k, out] : llvm::enumerate(getStepOutputs())) {
    auto type = cast<RankedTensorType>(out.getType());
    if ((int64_t)getTimeAxis() >= type.getRank() ||
        !areDimsCompatible(type.getDimSize(getTimeAxis()), numSteps))
      return emitOpError() << "expects stacked output #" << k << " to have "
                           << (ShapedType::isDynamic(numSteps)
                                   ? std::string("?")
                                   : std::to_string(numSteps))
                           << " steps along time axis " << getTimeAxis()
                           << ", got " << type;
  }
  if (Value lens = getSeqLens()) {
    for (auto [i, init] : llvm::enumerate(getInits()))
      if (failed(verifyBatchDim(*this, init.getType(), lens,
                                "initial state #" + Twine(i))))
        return failure();
    for (auto [i, seq] : llvm::enumerate(getSequences()))
      if (failed(verifyBatchDim(
              *this,
              getStepType(cast<RankedTensorType>(seq.getType()), getTimeAxis()),
              lens, "the step slice of sequence input #" + Twine(i))))
        return failure();
  }
  return success();
}

LogicalResult RecurrenceOp::verifyRegions() {
  Block &body = getBodyBlock();
  unsigned numStates = getNumStates(), numSeqs = getSequences().size();
  unsigned numArgs = numStates + numSeqs + getCaptures().size();
  if (body.getNumArguments() != numArgs)
    return emitOpError() << "expects the body to take " << numArgs
                         << " arguments (" << numStates << " states, "
                         << numSeqs << " step slices, " << getCaptures().size()
                         << " captures), got " << body.getNumArguments();
  for (auto [i, init] : llvm::enumerate(getInits()))
    if (body.getArgument(i).getType() != init.getType())
      return emitOpError() << "expects body argument #" << i
                           << " (state) to have type " << init.getType()
                           << ", got " << body.getArgument(i).getType();
  for (auto [j, seq] : llvm::enumerate(getSequences())) {
    Type want =
        getStepType(cast<RankedTensorType>(seq.getType()), getTimeAxis());
    Type got = body.getArgument(numStates + j).getType();
    if (got != want)
      return emitOpError() << "expects body argument #" << numStates + j
                           << " (step slice of sequence input #" << j
                           << ") to have type " << want << ", got " << got;
  }
  for (auto [k, cap] : llvm::enumerate(getCaptures())) {
    Type got = body.getArgument(numStates + numSeqs + k).getType();
    if (got != cap.getType())
      return emitOpError() << "expects body argument #"
                           << numStates + numSeqs + k << " (capture #" << k
                           << ") to have type " << cap.getType() << ", got "
                           << got;
  }

  // The generic verifier only asks for some terminator; getYield() needs ours.
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "expects the body to end with recur.yield, got "
                         << body.getTerminator()->getName();
  if (yield.getValues().size() != getResults().size())
    return yield.emitOpError()
           << "expects " << getResults().size() << " values ("
           << numStates << " next states, " << getNumStepOutputs()
           << " step outputs), got " << yield.getValues().size();
  for (auto [i, init] : llvm::enumerate(getInits()))
    if (yield.getValues()[i].getType() != init.getType())
      return yield.emitOpError()
             << "expects next state #" << i << " to have type "
             << init.getType() << ", got " << yield.getValues()[i].getType();
  for (auto [k, out] : llvm::enumerate(getStepOutputs())) {
    auto stepType =
        dyn_cast<RankedTensorType>(yield.getValues()[numStates + k].getType());
    auto outType = cast<RankedTensorType>(out.getType());
    if (!stepType)
      return yield.emitOpError() << "expects step output #" << k
                                 << " to be a ranked tensor, got "
                                 << yield.getValues()[numStates + k].getType();
    if ((int64_t)getTimeAxis() > stepType.getRank())
      return emitOpError() << "time_axis " << getTimeAxis()
                           << " is out of range for step output #" << k
                           << " of type " << stepType;
    Type want = getStackedType(stepType, getTimeAxis(),
                               outType.getDimSize(getTimeAxis()));
    if (want != outType)
      return emitOpError() << "expects stacked output #" << k
                           << " to have type " << want
                           << " (step output type " << stepType
                           << " stacked along the time axis), got " << outType;
    if (Value lens = getSeqLens())
      if (failed(verifyBatchDim(*this, stepType, lens,
                                "step output #" + Twine(k))))
        return failure();
  }
  return success();
}

ValueRange RecurrenceOp::getInitialStateOperands() { return getInits(); }
ValueRange RecurrenceOp::getSequenceOperands() { return getSequences(); }
Value RecurrenceOp::getSequenceLengthsOperand() { return getSeqLens(); }
int64_t RecurrenceOp::getTimeAxisIndex() { return getTimeAxis(); }
unsigned RecurrenceOp::getNumDirections() { return 1; }
bool RecurrenceOp::isReverseDirection(unsigned) { return getReverse(); }

//===----------------------------------------------------------------------===//
// ScanOp
//===----------------------------------------------------------------------===//

LogicalResult ScanOp::verify() {
  unsigned n = getInputs().size();
  if (n == 0)
    return emitOpError("expects at least one input");
  if (!getInits().empty() && getInits().size() != n)
    return emitOpError() << "expects either no init or one per input (" << n
                         << "), got " << getInits().size();
  if (getExclusive() && getInits().empty())
    return emitOpError("exclusive scan expects init values (the value of the "
                       "first step)");
  if (getResults().size() != n)
    return emitOpError() << "expects one result per input (" << n << "), got "
                         << getResults().size();
  int64_t numSteps;
  if (failed(verifyTimeAxis(*this, getInputs(), getTimeAxis(), "input",
                            numSteps)))
    return failure();
  for (auto [i, input, result] :
       llvm::enumerate(getInputs(), getResults())) {
    if (input.getType() != result.getType())
      return emitOpError() << "expects result #" << i << " to have type "
                           << input.getType() << ", got " << result.getType();
    Type step =
        getStepType(cast<RankedTensorType>(input.getType()), getTimeAxis());
    if (!getInits().empty() && getInits()[i].getType() != step)
      return emitOpError() << "expects init #" << i << " to have type " << step
                           << " (a step slice of input #" << i << "), got "
                           << getInits()[i].getType();
  }
  return success();
}

YieldOp ScanOp::getYield() {
  return cast<YieldOp>(getCombinerBlock().getTerminator());
}

LogicalResult ScanOp::verifyRegions() {
  Block &block = getCombinerBlock();
  unsigned n = getInputs().size();
  if (block.getNumArguments() != 2 * n)
    return emitOpError() << "expects the combiner to take " << 2 * n
                         << " arguments (" << n << " accumulated, " << n
                         << " next), got " << block.getNumArguments();
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield)
    return emitOpError() << "expects the combiner to end with recur.yield, got "
                         << block.getTerminator()->getName();
  if (yield.getValues().size() != n)
    return yield.emitOpError()
           << "expects the combiner to yield " << n << " values, got "
           << yield.getValues().size();
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    Type step =
        getStepType(cast<RankedTensorType>(input.getType()), getTimeAxis());
    for (unsigned arg : {unsigned(i), unsigned(i + n)})
      if (block.getArgument(arg).getType() != step)
        return emitOpError() << "expects combiner argument #" << arg
                             << " to have type " << step
                             << " (a step slice of input #" << i << "), got "
                             << block.getArgument(arg).getType();
    if (yield.getValues()[i].getType() != step)
      return yield.emitOpError()
             << "expects combined value #" << i << " to have type " << step
             << ", got " << yield.getValues()[i].getType();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// LinearScanOp
//===----------------------------------------------------------------------===//

/// The per-step shape `a` must have for `structure` over state shape `state`
/// with `batchDims` batch dimensions; `rank` (low rank r) and `blockSize` are
/// read off `aStep` where the structure leaves them free.
static SmallVector<int64_t> expectedCoefficientShape(Structure structure,
                                                     ArrayRef<int64_t> state,
                                                     int64_t batchDims,
                                                     ArrayRef<int64_t> aStep) {
  SmallVector<int64_t> shape(state.take_front(batchDims));
  int64_t n = batchDims < (int64_t)state.size() ? state[batchDims]
                                                : ShapedType::kDynamic;
  auto at = [&](size_t i) {
    return i < aStep.size() ? aStep[i] : ShapedType::kDynamic;
  };
  switch (structure) {
  case Structure::scalar:
    break;
  case Structure::diagonal:
    return SmallVector<int64_t>(state);
  case Structure::dense:
    shape.append({n, n});
    break;
  case Structure::block_diagonal: {
    int64_t k = at(batchDims + 1);
    int64_t blocks = ShapedType::isDynamic(n) || ShapedType::isDynamic(k) ||
                             k == 0
                         ? ShapedType::kDynamic
                         : n / k;
    shape.append({blocks, k, k});
    break;
  }
  case Structure::identity_plus_low_rank:
    shape.append({n, at(batchDims + 1)});
    break;
  }
  return shape;
}

static bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  return a.size() == b.size() &&
         llvm::all_of(llvm::zip(a, b), [](auto dims) {
           return areDimsCompatible(std::get<0>(dims), std::get<1>(dims));
         });
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s + "]";
}

LogicalResult LinearScanOp::verify() {
  Structure structure = getStructure();
  auto bType = cast<RankedTensorType>(getB().getType());
  Type elemType = bType.getElementType();
  if (!isa<FloatType>(elemType))
    return emitOpError() << "expects a floating-point element type, got "
                         << elemType;
  int64_t timeAxis = getTimeAxis();
  if (timeAxis < 0 || timeAxis >= bType.getRank())
    return emitOpError() << "time_axis " << timeAxis
                         << " is out of range for b of type " << bType;
  RankedTensorType stateType = getStepType(bType, timeAxis);
  int64_t batchDims = getBatchDims();
  bool isMatrix = structure == Structure::dense ||
                  structure == Structure::block_diagonal ||
                  structure == Structure::identity_plus_low_rank;
  if (batchDims < 0 || batchDims > stateType.getRank() ||
      (isMatrix && batchDims >= stateType.getRank()))
    return emitOpError() << "batch_dims " << batchDims
                         << " is out of range for state type " << stateType
                         << (isMatrix ? " (a " + stringifyStructure(structure) +
                                            " transition needs a unit "
                                            "dimension after the batch)"
                                      : std::string());

  unsigned wantCoeffs = structure == Structure::identity_plus_low_rank ? 2 : 1;
  if (getCoefficients().size() != wantCoeffs)
    return emitOpError() << "with structure " << stringifyStructure(structure)
                         << " expects " << wantCoeffs
                         << " coefficient operand(s), got "
                         << getCoefficients().size();

  SmallVector<Value> seqs(getCoefficients());
  seqs.push_back(getB());
  int64_t numSteps;
  if (failed(verifyTimeAxis(*this, seqs, timeAxis, "sequence operand",
                            numSteps)))
    return failure();

  for (auto [i, coeff] : llvm::enumerate(getCoefficients())) {
    auto type = cast<RankedTensorType>(coeff.getType());
    if (type.getElementType() != elemType)
      return emitOpError() << "expects coefficient #" << i
                           << " to have element type " << elemType << ", got "
                           << type;
    ArrayRef<int64_t> step = getStepType(type, timeAxis).getShape();
    SmallVector<int64_t> want = expectedCoefficientShape(
        structure, stateType.getShape(), batchDims, step);
    if (!shapesCompatible(step, want))
      return emitOpError() << "with structure "
                           << stringifyStructure(structure)
                           << " expects each step of coefficient #" << i
                           << " to have shape " << shapeString(want)
                           << " for state shape "
                           << shapeString(stateType.getShape())
                           << " and batch_dims " << batchDims << ", got "
                           << shapeString(step);
    if (structure == Structure::block_diagonal) {
      int64_t n = stateType.getDimSize(batchDims), k = step[batchDims + 1];
      if (k == 0 || (!ShapedType::isDynamic(n) && !ShapedType::isDynamic(k) &&
                     n % k != 0))
        return emitOpError() << "expects block size " << k
                             << " to divide the unit dimension " << n;
    }
  }
  if (structure == Structure::identity_plus_low_rank &&
      !shapesCompatible(
          cast<RankedTensorType>(getCoefficients()[0].getType()).getShape(),
          cast<RankedTensorType>(getCoefficients()[1].getType()).getShape()))
    return emitOpError("expects the low-rank factors u and v to have the same "
                       "shape");

  if (Value init = getInit())
    if (init.getType() != stateType)
      return emitOpError() << "expects init to have type " << stateType
                           << " (a step of b), got " << init.getType();
  if (getStates().getType() != bType)
    return emitOpError() << "expects the stacked states to have the type of b, "
                         << bType << ", got " << getStates().getType();
  if (getLast().getType() != stateType)
    return emitOpError() << "expects the last state to have type " << stateType
                         << ", got " << getLast().getType();
  if (Value lens = getSeqLens())
    if (failed(verifyBatchDim(*this, stateType, lens, "the state")))
      return failure();
  return success();
}

ValueRange LinearScanOp::getInitialStateOperands() {
  return getODSOperands(2); // the optional init
}
ValueRange LinearScanOp::getSequenceOperands() {
  // The coefficients and b, which all carry the time axis.
  return getOperands().take_front(getCoefficients().size() + 1);
}
Value LinearScanOp::getSequenceLengthsOperand() { return getSeqLens(); }
int64_t LinearScanOp::getTimeAxisIndex() { return getTimeAxis(); }
unsigned LinearScanOp::getNumDirections() { return 1; }
bool LinearScanOp::isReverseDirection(unsigned) { return getReverse(); }

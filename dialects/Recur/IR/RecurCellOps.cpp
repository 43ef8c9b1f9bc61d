//===- RecurCellOps.cpp - the named ONNX cells ----------------------------===//
//
// Verifiers and interface methods of recur.lstm, recur.gru and recur.rnn,
// which follow the ONNX LSTM, GRU and RNN operators exactly. The activation
// table here is shared with the lowering (see RecurCells.h).
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurCells.h"
#include "dialects/Recur/IR/RecurOps.h"

#include "llvm/ADT/StringSwitch.h"

#include <limits>

using namespace mlir;
using namespace recur;

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

std::optional<ActivationInfo> recur::lookupActivation(StringRef name) {
  std::string lower = name.lower();
  return llvm::StringSwitch<std::optional<ActivationInfo>>(lower)
      .Case("relu", ActivationInfo{Activation::Relu, 0, 0, 0.f, 0.f})
      .Case("tanh", ActivationInfo{Activation::Tanh, 0, 0, 0.f, 0.f})
      .Case("sigmoid", ActivationInfo{Activation::Sigmoid, 0, 0, 0.f, 0.f})
      .Case("affine", ActivationInfo{Activation::Affine, 1, 1, 1.f, 0.f})
      .Case("leakyrelu",
            ActivationInfo{Activation::LeakyRelu, 1, 0, 0.01f, 0.f})
      .Case("thresholdedrelu",
            ActivationInfo{Activation::ThresholdedRelu, 1, 0, 1.f, 0.f})
      .Case("scaledtanh",
            ActivationInfo{Activation::ScaledTanh, 1, 1, 1.f, 1.f})
      .Case("hardsigmoid",
            ActivationInfo{Activation::HardSigmoid, 1, 1, 0.2f, 0.5f})
      .Case("elu", ActivationInfo{Activation::Elu, 1, 0, 1.f, 0.f})
      .Case("softsign", ActivationInfo{Activation::Softsign, 0, 0, 0.f, 0.f})
      .Case("softplus", ActivationInfo{Activation::Softplus, 0, 0, 0.f, 0.f})
      .Default(std::nullopt);
}

FailureOr<SmallVector<ResolvedActivation>>
recur::resolveActivations(Operation *op, std::optional<ArrayAttr> names,
                          std::optional<ArrayAttr> alphas,
                          std::optional<ArrayAttr> betas,
                          ArrayRef<StringRef> defaults,
                          unsigned numDirections) {
  SmallVector<StringRef> given;
  if (names) {
    for (Attribute a : *names)
      given.push_back(cast<StringAttr>(a).getValue());
  } else {
    for (unsigned d = 0; d < numDirections; ++d)
      llvm::append_range(given, defaults);
  }
  unsigned want = defaults.size() * numDirections;
  if (given.size() != want)
    return op->emitOpError() << "expects " << want << " activations ("
                             << defaults.size() << " per direction), got "
                             << given.size();
  auto floats = [](std::optional<ArrayAttr> attr) {
    SmallVector<float> out;
    if (attr)
      for (Attribute a : *attr)
        out.push_back(cast<FloatAttr>(a).getValueAsDouble());
    return out;
  };
  SmallVector<float> alphaValues = floats(alphas), betaValues = floats(betas);
  size_t nextAlpha = 0, nextBeta = 0;
  SmallVector<ResolvedActivation> result;
  for (StringRef name : given) {
    std::optional<ActivationInfo> info = lookupActivation(name);
    if (!info)
      return op->emitOpError()
             << "unknown activation '" << name
             << "' (expected one of Relu, Tanh, Sigmoid, Affine, LeakyRelu, "
                "ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, "
                "Softplus)";
    ResolvedActivation act{info->kind, info->defaultAlpha, info->defaultBeta};
    if (info->takesAlpha && nextAlpha < alphaValues.size())
      act.alpha = alphaValues[nextAlpha++];
    if (info->takesBeta && nextBeta < betaValues.size())
      act.beta = betaValues[nextBeta++];
    result.push_back(act);
  }
  if (nextAlpha != alphaValues.size())
    return op->emitOpError() << "has " << alphaValues.size()
                             << " activation_alpha values, but its activations "
                                "take only "
                             << nextAlpha;
  if (nextBeta != betaValues.size())
    return op->emitOpError() << "has " << betaValues.size()
                             << " activation_beta values, but its activations "
                                "take only "
                             << nextBeta;
  return result;
}

//===----------------------------------------------------------------------===//
// Shared verification of the three cells
//===----------------------------------------------------------------------===//

namespace {
/// The shape facts of one cell op, read off its operands.
struct CellShapes {
  int64_t numSteps, batch, inputSize, hidden, numDirections, numGates;
};
} // namespace

static std::string dims(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s + "]";
}

/// Checks `value` (named `what`) against `want`, dimension by dimension.
static LogicalResult expectShape(Operation *op, Value value, StringRef what,
                                 ArrayRef<int64_t> want, Type elemType) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() != elemType)
    return op->emitOpError() << "expects " << what << " to have element type "
                             << elemType << ", got " << type;
  bool ok = type.getRank() == (int64_t)want.size() &&
            llvm::all_of(llvm::zip(type.getShape(), want), [](auto dims) {
              return areDimsCompatible(std::get<0>(dims), std::get<1>(dims));
            });
  if (!ok)
    return op->emitOpError() << "expects " << what << " to have shape "
                             << dims(want) << ", got " << dims(type.getShape());
  return success();
}

/// The checks every ONNX cell shares: ranks, sizes, optional inputs and
/// result shapes; `numGates` is G (4 for LSTM, 3 for GRU, 1 for RNN).
template <typename CellOp>
static FailureOr<CellShapes> verifyCommon(CellOp op, int64_t numGates,
                                          ArrayRef<StringRef> defaultActs) {
  Operation *raw = op.getOperation();
  auto xType = cast<RankedTensorType>(op.getX().getType());
  Type elemType = xType.getElementType();
  if (!isa<FloatType>(elemType))
    return raw->emitOpError() << "expects x to have a floating-point element "
                                 "type, got "
                              << xType;
  if (xType.getRank() != 3)
    return raw->emitOpError() << "expects x to have rank 3 ([T, B, I] or "
                                 "[B, T, I]), got "
                              << xType;
  int64_t layout = op.getLayout();
  if (layout != 0 && layout != 1)
    return raw->emitOpError() << "expects layout 0 or 1, got " << layout;
  int64_t hidden = op.getHiddenSize();
  if (hidden <= 0)
    return raw->emitOpError() << "expects hidden_size to be positive, got "
                              << hidden;
  // The bias holds 2*G*H values; a larger H would overflow the shape
  // arithmetic below (and wrap around to "dynamic", accepting any shape).
  int64_t maxHidden = std::numeric_limits<int64_t>::max() / (2 * numGates);
  if (hidden > maxHidden)
    return raw->emitOpError() << "expects hidden_size to be at most "
                              << maxHidden << " (2 * " << numGates
                              << " * hidden_size must fit in 64 bits), got "
                              << hidden;
  CellShapes s;
  s.numSteps = xType.getDimSize(layout == 0 ? 0 : 1);
  s.batch = xType.getDimSize(layout == 0 ? 1 : 0);
  s.inputSize = xType.getDimSize(2);
  s.hidden = hidden;
  s.numDirections = op.getNumDirectionsValue();
  s.numGates = numGates;
  int64_t d = s.numDirections, gh = numGates * hidden;

  if (failed(expectShape(raw, op.getW(), "w", {d, gh, s.inputSize}, elemType)) ||
      failed(expectShape(raw, op.getR(), "r", {d, gh, hidden}, elemType)))
    return failure();
  if (Value b = op.getBias())
    if (failed(expectShape(raw, b, "bias", {d, 2 * gh}, elemType)))
      return failure();
  if (Value lens = op.getSeqLens()) {
    int64_t n = cast<RankedTensorType>(lens.getType()).getDimSize(0);
    if (!areDimsCompatible(n, s.batch))
      return raw->emitOpError() << "expects seq_lens to have " << s.batch
                                << " entries (the batch), got " << n;
  }
  SmallVector<int64_t> stateShape =
      layout == 0 ? SmallVector<int64_t>{d, s.batch, hidden}
                  : SmallVector<int64_t>{s.batch, d, hidden};
  if (Value h0 = op.getInitialH())
    if (failed(expectShape(raw, h0, "initial_h", stateShape, elemType)))
      return failure();

  SmallVector<int64_t> yShape =
      layout == 0 ? SmallVector<int64_t>{s.numSteps, d, s.batch, hidden}
                  : SmallVector<int64_t>{s.batch, s.numSteps, d, hidden};
  if (failed(expectShape(raw, op.getY(), "result y", yShape, elemType)) ||
      failed(expectShape(raw, op.getYH(), "result y_h", stateShape, elemType)))
    return failure();

  if (failed(resolveActivations(raw, op.getActivations(),
                                op.getActivationAlpha(), op.getActivationBeta(),
                                defaultActs, d)))
    return failure();
  if (std::optional<APFloat> clip = op.getClip())
    if (!(clip->convertToDouble() > 0.0))
      return raw->emitOpError() << "expects clip to be positive, got "
                                << clip->convertToDouble();
  return s;
}

LogicalResult LSTMOp::verify() {
  FailureOr<CellShapes> s = verifyCommon(*this, 4, kLSTMDefaultActivations);
  if (failed(s))
    return failure();
  Type elemType = getX().getType().getElementType();
  SmallVector<int64_t> stateShape =
      getLayout() == 0
          ? SmallVector<int64_t>{s->numDirections, s->batch, s->hidden}
          : SmallVector<int64_t>{s->batch, s->numDirections, s->hidden};
  if (Value c0 = getInitialC())
    if (failed(expectShape(*this, c0, "initial_c", stateShape, elemType)))
      return failure();
  if (Value p = getPeepholes())
    if (failed(expectShape(*this, p, "peepholes",
                           {s->numDirections, 3 * s->hidden}, elemType)))
      return failure();
  return expectShape(*this, getYC(), "result y_c", stateShape, elemType);
}

LogicalResult GRUOp::verify() {
  return verifyCommon(*this, 3, kGRUDefaultActivations);
}

LogicalResult RNNOp::verify() {
  return verifyCommon(*this, 1, kRNNDefaultActivations);
}

//===----------------------------------------------------------------------===//
// RecurrenceOpInterface
//===----------------------------------------------------------------------===//

ValueRange LSTMOp::getInitialStateOperands() {
  // initial_h (operand group 5) and initial_c (group 6), where present.
  return getOperands().slice(getODSOperandIndexAndLength(5).first,
                             getODSOperandIndexAndLength(5).second +
                                 getODSOperandIndexAndLength(6).second);
}
ValueRange GRUOp::getInitialStateOperands() { return getODSOperands(5); }
ValueRange RNNOp::getInitialStateOperands() { return getODSOperands(5); }

#define RECUR_CELL_INTERFACE(Op)                                               \
  ValueRange Op::getSequenceOperands() { return getODSOperands(0); }          \
  Value Op::getSequenceLengthsOperand() { return getSeqLens(); }              \
  int64_t Op::getTimeAxisIndex() { return getLayout() == 0 ? 0 : 1; }         \
  unsigned Op::getNumDirections() { return getNumDirectionsValue(); }         \
  bool Op::isReverseDirection(unsigned d) {                                   \
    return getDirection() == Direction::reverse ||                           \
           (getDirection() == Direction::bidirectional && d == 1);            \
  }
RECUR_CELL_INTERFACE(LSTMOp)
RECUR_CELL_INTERFACE(GRUOp)
RECUR_CELL_INTERFACE(RNNOp)
#undef RECUR_CELL_INTERFACE

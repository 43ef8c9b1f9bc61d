//===- Cells.cpp - ONNX LSTM, GRU and RNN to recur.lstm/gru/rnn -----------===//
//
// The named cells keep ONNX's operands, attributes and semantics, so the
// conversion is one op per node: attributes are read and checked, result
// types computed from the input shapes (dynamic sizes stay dynamic), and
// the cell's own verifier is run so that a wrong weight shape is reported
// against the node.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/Importer.h"
#include "frontend/onnx/OpsCommon.h"

#include "dialects/Recur/IR/RecurOps.h"

#include "mlir/IR/Verifier.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace recur::onnx_import {
namespace {

enum class CellKind { LSTM, GRU, RNN };

/// The operands and attributes shared by the three cells, read and checked.
struct CellInputs {
  Value x, w, r;
  Value bias, seqLens, initialH, initialC, peepholes;
  int64_t hidden = 0;
  Direction direction = Direction::forward;
  int64_t layout = 0;
  ArrayAttr activations, alphas, betas;
  FloatAttr clip;
};

unsigned numGates(CellKind kind) {
  switch (kind) {
  case CellKind::LSTM:
    return 4;
  case CellKind::GRU:
    return 3;
  case CellKind::RNN:
    return 1;
  }
  return 1;
}

/// Reads the node's inputs and attributes; errors name the node.
FailureOr<CellInputs> readCell(GraphImporter &imp, const onnx::NodeProto &node,
                               CellKind kind) {
  CellInputs in;
  OpBuilder &b = imp.builder();
  int64_t version = imp.opset(node.domain());
  if (version < 7)
    return imp.nodeError(node, node.op_type() +
                                   " before opset 7 is not supported (it "
                                   "has another signature); re-export with "
                                   "opset 7 or later");
  int maxInputs = kind == CellKind::LSTM ? 8 : 6;
  if (failed(checkInputCount(imp, node, 3, maxInputs)))
    return failure();

  // Every attribute the op defines; anything else is not ONNX's.
  static const char *const common[] = {
      "activation_alpha", "activation_beta", "activations", "clip",
      "direction",        "hidden_size",     "layout"};
  for (const onnx::AttributeProto &attr : node.attribute()) {
    llvm::StringRef name = attr.name();
    bool known = llvm::is_contained(common, name) ||
                 (kind == CellKind::LSTM && name == "input_forget") ||
                 (kind == CellKind::GRU && name == "linear_before_reset");
    if (!known)
      return imp.nodeError(node, "unknown attribute '" + name + "'");
  }

  FailureOr<Value> x = tensorInput(imp, node, 0);
  FailureOr<Value> w = tensorInput(imp, node, 1);
  FailureOr<Value> r = tensorInput(imp, node, 2);
  if (failed(x) || failed(w) || failed(r))
    return failure();
  in.x = *x;
  in.w = *w;
  in.r = *r;
  FailureOr<Value> bias = optionalTensorInput(imp, node, 3);
  FailureOr<Value> lens = optionalTensorInput(imp, node, 4);
  FailureOr<Value> h0 = optionalTensorInput(imp, node, 5);
  if (failed(bias) || failed(lens) || failed(h0))
    return failure();
  in.bias = *bias;
  in.seqLens = *lens;
  in.initialH = *h0;
  if (kind == CellKind::LSTM) {
    FailureOr<Value> c0 = optionalTensorInput(imp, node, 6);
    FailureOr<Value> p = optionalTensorInput(imp, node, 7);
    if (failed(c0) || failed(p))
      return failure();
    in.initialC = *c0;
    in.peepholes = *p;
  }

  auto xType = tensorType(in.x);
  if (xType.getRank() != 3)
    return imp.nodeError(node, "X is " + llvm::Twine(xType.getRank()) +
                                   "-D; it must be 3-D ([seq_length, batch, "
                                   "input_size], or batch first with "
                                   "layout=1)");
  if (!isa<FloatType>(xType.getElementType()))
    return imp.nodeError(node, "X must hold floats");
  if (in.seqLens) {
    auto lensType = tensorType(in.seqLens);
    if (lensType.getRank() != 1 || !(lensType.getElementType().isInteger(32) ||
                                     lensType.getElementType().isInteger(64)))
      return imp.nodeError(node, "sequence_lens must be a 1-D tensor of "
                                 "int32 (one length per batch entry)");
  }

  std::string dir = attrString(node, "direction", "forward");
  std::optional<Direction> direction =
      llvm::StringSwitch<std::optional<Direction>>(dir)
          .Case("forward", Direction::forward)
          .Case("reverse", Direction::reverse)
          .Case("bidirectional", Direction::bidirectional)
          .Default(std::nullopt);
  if (!direction)
    return imp.nodeError(node, "direction '" + dir +
                                   "' is not one of forward, reverse, "
                                   "bidirectional");
  in.direction = *direction;

  in.layout = attrInt(node, "layout", 0);
  if (in.layout != 0 && in.layout != 1)
    return imp.nodeError(node,
                         "layout " + llvm::Twine(in.layout) + " is not 0 or 1");

  // hidden_size may be left out: R's last dimension says it.
  if (findAttr(node, "hidden_size")) {
    in.hidden = attrInt(node, "hidden_size", 0);
  } else {
    auto rType = tensorType(in.r);
    if (rType.getRank() != 3 || rType.isDynamicDim(2))
      return imp.nodeError(node,
                           "hidden_size is not given and R's shape "
                           "does not say it (R must be [num_directions, " +
                               llvm::Twine(numGates(kind)) +
                               "*hidden_size, hidden_size])");
    in.hidden = rType.getDimSize(2);
  }
  if (in.hidden <= 0)
    return imp.nodeError(node, "hidden_size " + llvm::Twine(in.hidden) +
                                   " is not positive");

  if (const onnx::AttributeProto *acts = findAttr(node, "activations")) {
    SmallVector<Attribute> names;
    for (const std::string &s : acts->strings())
      names.push_back(b.getStringAttr(s));
    in.activations = b.getArrayAttr(names);
  }
  auto floats = [&](llvm::StringRef name) -> ArrayAttr {
    const onnx::AttributeProto *attr = findAttr(node, name);
    if (!attr)
      return nullptr;
    SmallVector<Attribute> values;
    for (float f : attr->floats())
      values.push_back(b.getF32FloatAttr(f));
    return b.getArrayAttr(values);
  };
  in.alphas = floats("activation_alpha");
  in.betas = floats("activation_beta");
  if (findAttr(node, "clip")) {
    float clip = attrFloat(node, "clip", 0.f);
    if (!(clip > 0.f))
      return imp.nodeError(node,
                           "clip " + std::to_string(clip) + " is not positive");
    in.clip = b.getF32FloatAttr(clip);
  }
  return in;
}

/// Runs the verifier of a freshly built cell; its complaint (a wrong weight
/// shape, an unknown activation) becomes an error naming the node.
LogicalResult verifyCell(GraphImporter &imp, const onnx::NodeProto &node,
                         Operation *op) {
  std::string message;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler capture(op->getContext(), [&](Diagnostic &diag) {
      if (message.empty())
        message = diag.str();
      return success();
    });
    result = verify(op, /*verifyRecursively=*/false);
  }
  if (succeeded(result))
    return success();
  op->erase();
  // "'recur.lstm' op expects w to have shape ..." -> "expects W ...": the
  // operand names as ONNX spells them.
  llvm::StringRef text = message;
  size_t at = text.find(" op ");
  if (at != llvm::StringRef::npos)
    text = text.drop_front(at + 4);
  std::string out = text.str();
  auto rename = [&](llvm::StringRef from, llvm::StringRef to) {
    std::string needle = "expects " + from.str() + " ";
    size_t pos = out.find(needle);
    if (pos != std::string::npos)
      out.replace(pos, needle.size(), "expects " + to.str() + " ");
  };
  rename("x", "X");
  rename("w", "W");
  rename("r", "R");
  rename("bias", "B");
  rename("seq_lens", "sequence_lens");
  rename("peepholes", "P");
  return imp.nodeError(node, out);
}

/// The result types: Y [T, D, B, H] (batch first with layout 1) and the
/// final states [D, B, H] ([B, D, H]).
std::pair<RankedTensorType, RankedTensorType>
resultTypes(const CellInputs &in) {
  auto xType = tensorType(in.x);
  int64_t t = xType.getDimSize(in.layout == 0 ? 0 : 1);
  int64_t batch = xType.getDimSize(in.layout == 0 ? 1 : 0);
  int64_t d = in.direction == Direction::bidirectional ? 2 : 1;
  Type elem = xType.getElementType();
  if (in.layout == 0)
    return {RankedTensorType::get({t, d, batch, in.hidden}, elem),
            RankedTensorType::get({d, batch, in.hidden}, elem)};
  return {RankedTensorType::get({batch, t, d, in.hidden}, elem),
          RankedTensorType::get({batch, d, in.hidden}, elem)};
}

LogicalResult convertLSTM(GraphImporter &imp, const onnx::NodeProto &node) {
  FailureOr<CellInputs> in = readCell(imp, node, CellKind::LSTM);
  if (failed(in))
    return failure();
  auto [yType, stateType] = resultTypes(*in);
  int64_t inputForget = attrInt(node, "input_forget", 0);
  if (inputForget != 0 && inputForget != 1)
    return imp.nodeError(node, "input_forget " + llvm::Twine(inputForget) +
                                   " is not 0 or 1");
  OpBuilder &b = imp.builder();
  auto op = LSTMOp::create(
      b, imp.loc(node), yType, stateType, stateType, in->x, in->w, in->r,
      in->bias, in->seqLens, in->initialH, in->initialC, in->peepholes,
      b.getBoolAttr(inputForget != 0), b.getI64IntegerAttr(in->hidden),
      DirectionAttr::get(b.getContext(), in->direction), in->activations,
      in->alphas, in->betas, in->clip, b.getI64IntegerAttr(in->layout));
  if (failed(verifyCell(imp, node, op)))
    return failure();
  imp.defineOutput(node, 0, op.getY());
  imp.defineOutput(node, 1, op.getYH());
  imp.defineOutput(node, 2, op.getYC());
  return success();
}

LogicalResult convertGRU(GraphImporter &imp, const onnx::NodeProto &node) {
  FailureOr<CellInputs> in = readCell(imp, node, CellKind::GRU);
  if (failed(in))
    return failure();
  auto [yType, stateType] = resultTypes(*in);
  int64_t lbr = attrInt(node, "linear_before_reset", 0);
  if (lbr != 0 && lbr != 1)
    return imp.nodeError(node, "linear_before_reset " + llvm::Twine(lbr) +
                                   " is not 0 or 1");
  OpBuilder &b = imp.builder();
  auto op = GRUOp::create(
      b, imp.loc(node), yType, stateType, in->x, in->w, in->r, in->bias,
      in->seqLens, in->initialH, b.getBoolAttr(lbr != 0),
      b.getI64IntegerAttr(in->hidden),
      DirectionAttr::get(b.getContext(), in->direction), in->activations,
      in->alphas, in->betas, in->clip, b.getI64IntegerAttr(in->layout));
  if (failed(verifyCell(imp, node, op)))
    return failure();
  imp.defineOutput(node, 0, op.getY());
  imp.defineOutput(node, 1, op.getYH());
  return success();
}

LogicalResult convertRNN(GraphImporter &imp, const onnx::NodeProto &node) {
  FailureOr<CellInputs> in = readCell(imp, node, CellKind::RNN);
  if (failed(in))
    return failure();
  auto [yType, stateType] = resultTypes(*in);
  OpBuilder &b = imp.builder();
  auto op = RNNOp::create(
      b, imp.loc(node), yType, stateType, in->x, in->w, in->r, in->bias,
      in->seqLens, in->initialH, b.getI64IntegerAttr(in->hidden),
      DirectionAttr::get(b.getContext(), in->direction), in->activations,
      in->alphas, in->betas, in->clip, b.getI64IntegerAttr(in->layout));
  if (failed(verifyCell(imp, node, op)))
    return failure();
  imp.defineOutput(node, 0, op.getY());
  imp.defineOutput(node, 1, op.getYH());
  return success();
}

} // namespace

void registerCellOps(ConverterTable &table) {
  table["LSTM"] = convertLSTM;
  table["GRU"] = convertGRU;
  table["RNN"] = convertRNN;
}

} // namespace recur::onnx_import

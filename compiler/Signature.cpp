//===- Signature.cpp - what a compiled function takes and returns ---------===//
//
// A union-find over tensor dimensions: each (value, dimension) pair is a
// node; ops whose semantics say two dimensions are equal join their nodes.
// A class that holds a static size pins every dynamic dimension in it.
//
//===----------------------------------------------------------------------===//

#include "compiler/Signature.h"

#include "dialects/Recur/IR/RecurDialect.h"
#include "dialects/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace recur {
namespace {

/// Union-find over dimensions, with the static size a class is known to
/// have (kDynamic: none yet; kConflict: two different ones).
class DimClasses {
public:
  static constexpr int64_t kConflict = -2;

  unsigned node(Value v, unsigned dim) {
    auto [it, inserted] = valueNodes.try_emplace({v, dim}, parent.size());
    if (inserted) {
      parent.push_back(it->second);
      int64_t size = ShapedType::kDynamic;
      if (auto t = dyn_cast<RankedTensorType>(v.getType()))
        if (dim < t.getRank() && !t.isDynamicDim(dim))
          size = t.getDimSize(dim);
      staticSize.push_back(size);
    }
    return it->second;
  }
  unsigned loopNode(Operation *op, unsigned dim) {
    auto [it, inserted] = loopNodes.try_emplace({op, dim}, parent.size());
    if (inserted) {
      parent.push_back(it->second);
      staticSize.push_back(ShapedType::kDynamic);
    }
    return it->second;
  }
  unsigned find(unsigned n) {
    while (parent[n] != n)
      n = parent[n] = parent[parent[n]];
    return n;
  }
  void join(unsigned a, unsigned b) {
    a = find(a);
    b = find(b);
    if (a == b)
      return;
    parent[b] = a;
    staticSize[a] = merge(staticSize[a], staticSize[b]);
  }
  void join(Value a, unsigned da, Value b, unsigned db) {
    if (da < rank(a) && db < rank(b))
      join(node(a, da), node(b, db));
  }
  /// Joins every dimension of `a` with the same dimension of `b`.
  void joinShapes(Value a, Value b) {
    if (rank(a) != rank(b) || rank(a) < 0)
      return;
    for (unsigned d = 0; d < rank(a); ++d)
      join(a, d, b, d);
  }
  int64_t sizeOf(unsigned n) { return staticSize[find(n)]; }

  static int64_t rank(Value v) {
    if (auto t = dyn_cast<RankedTensorType>(v.getType()))
      return t.getRank();
    return -1;
  }

private:
  static int64_t merge(int64_t a, int64_t b) {
    if (a == ShapedType::kDynamic)
      return b;
    if (b == ShapedType::kDynamic || a == b)
      return a;
    return kConflict;
  }

  llvm::DenseMap<std::pair<Value, unsigned>, unsigned> valueNodes;
  llvm::DenseMap<std::pair<Operation *, unsigned>, unsigned> loopNodes;
  std::vector<unsigned> parent;
  std::vector<int64_t> staticSize;
};

/// Joins what `op` says is equal.
void visit(Operation *op, DimClasses &classes,
           llvm::DenseMap<Value, std::pair<Value, unsigned>> &dimValues) {
  // index = tensor.dim %v, c: remember which dimension the index is.
  if (auto dim = dyn_cast<tensor::DimOp>(op)) {
    if (std::optional<int64_t> c = dim.getConstantIndex())
      if (*c >= 0 && *c < DimClasses::rank(dim.getSource()))
        dimValues[dim.getResult()] = {dim.getSource(), unsigned(*c)};
    return;
  }
  if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
    auto type = empty.getType();
    unsigned next = 0;
    for (unsigned d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      Value size = empty.getDynamicSizes()[next++];
      auto it = dimValues.find(size);
      if (it != dimValues.end())
        classes.join(empty.getResult(), d, it->second.first,
                     it->second.second);
    }
    return;
  }
  if (auto cast = dyn_cast<tensor::CastOp>(op)) {
    classes.joinShapes(cast.getSource(), cast.getResult());
    return;
  }
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    if (!linalgOp.hasPureTensorSemantics())
      return;
    for (OpOperand &operand : op->getOpOperands()) {
      if (DimClasses::rank(operand.get()) < 0)
        continue;
      AffineMap map = linalgOp.getMatchingIndexingMap(&operand);
      for (auto [i, expr] : llvm::enumerate(map.getResults()))
        if (auto d = dyn_cast<AffineDimExpr>(expr))
          classes.join(classes.node(operand.get(), i),
                       classes.loopNode(op, d.getPosition()));
    }
    for (auto [init, result] :
         llvm::zip(linalgOp.getDpsInits(), op->getResults()))
      classes.joinShapes(init, result);
    return;
  }
  if (auto rec = dyn_cast<RecurrenceOp>(op)) {
    Block &body = rec.getBodyBlock();
    unsigned numStates = rec.getNumStates();
    unsigned numSeqs = rec.getSequences().size();
    unsigned axis = rec.getTimeAxis();
    auto withTime = [&](unsigned d) { return d < axis ? d : d + 1; };
    for (unsigned i = 0; i < numStates; ++i) {
      classes.joinShapes(rec.getInits()[i], body.getArgument(i));
      classes.joinShapes(rec.getInits()[i], rec.getFinalStates()[i]);
    }
    for (unsigned i = 0; i < numSeqs; ++i) {
      Value seq = rec.getSequences()[i];
      Value slice = body.getArgument(numStates + i);
      for (unsigned d = 0; d < DimClasses::rank(slice); ++d)
        classes.join(slice, d, seq, withTime(d));
      classes.join(seq, axis, rec.getSequences()[0], axis);
    }
    for (auto [i, capture] : llvm::enumerate(rec.getCaptures()))
      classes.joinShapes(capture, body.getArgument(numStates + numSeqs + i));
    YieldOp yield = rec.getYield();
    for (unsigned i = 0; i < numStates; ++i)
      classes.joinShapes(yield.getOperand(i), body.getArgument(i));
    for (auto [i, out] : llvm::enumerate(rec.getStepOutputs())) {
      Value step = yield.getOperand(numStates + i);
      for (unsigned d = 0; d < DimClasses::rank(step); ++d)
        classes.join(step, d, out, withTime(d));
      if (numSeqs)
        classes.join(out, axis, rec.getSequences()[0], axis);
    }
    // With seq_lens, dimension 0 of every state is the batch.
    if (Value lens = rec.getSeqLens())
      for (unsigned i = 0; i < numStates; ++i)
        classes.join(lens, 0, rec.getInits()[i], 0);
    return;
  }
  // Elementwise ops on tensors: every operand and result has one shape.
  if (op->hasTrait<OpTrait::Elementwise>() ||
      op->hasTrait<OpTrait::SameOperandsAndResultShape>()) {
    Value first;
    for (Value v : llvm::concat<Value>(op->getOperands(), op->getResults())) {
      if (DimClasses::rank(v) < 0)
        continue;
      if (!first)
        first = v;
      else
        classes.joinShapes(first, v);
    }
  }
}

} // namespace

FailureOr<FunctionSignature>
computeSignature(func::FuncOp func, ArrayRef<std::string> argNames) {
  FunctionType type = func.getFunctionType();
  FunctionSignature sig;
  sig.name = func.getSymName().str();

  auto checkType = [&](Type t, StringRef what,
                       unsigned i) -> FailureOr<RankedTensorType> {
    auto tensor = dyn_cast<RankedTensorType>(t);
    if (!tensor)
      return func.emitError() << "public function '" << sig.name << "' "
                              << what << " " << i << " has type " << t
                              << "; compiled functions take and return "
                                 "ranked tensors";
    Type e = tensor.getElementType();
    if (!(e.isF32() || e.isF64() || e.isSignlessInteger(1) ||
          e.isSignlessInteger(8) || e.isSignlessInteger(16) ||
          e.isSignlessInteger(32) || e.isSignlessInteger(64)))
      return func.emitError()
             << "public function '" << sig.name << "' " << what << " " << i
             << " has element type " << e
             << "; supported: f32, f64, i1, i8, i16, i32, i64";
    return tensor;
  };

  DimClasses classes;
  llvm::DenseMap<Value, std::pair<Value, unsigned>> dimValues;
  func.walk([&](Operation *op) { visit(op, classes, dimValues); });

  // Inputs' dimensions that the source names alike (`recur.dims`, e.g. an
  // ONNX model's dim_param "batch") are one size.
  llvm::StringMap<std::pair<unsigned, unsigned>> namedDims;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto names = func.getArgAttrOfType<ArrayAttr>(i, "recur.dims");
    if (!names)
      continue;
    for (auto [d, attr] : llvm::enumerate(names)) {
      auto name = dyn_cast<StringAttr>(attr);
      if (!name || name.getValue().empty())
        continue;
      auto [it, inserted] = namedDims.try_emplace(name.getValue(), i, d);
      if (!inserted)
        classes.join(func.getArgument(it->second.first), it->second.second,
                     func.getArgument(i), d);
    }
  }

  // Results: what the function returns, joined through its return ops.
  SmallVector<SmallVector<unsigned>> resultNodes(type.getNumResults());
  func.walk([&](func::ReturnOp ret) {
    for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
      for (unsigned d = 0; d < DimClasses::rank(v); ++d) {
        if (resultNodes[i].size() <= d)
          resultNodes[i].push_back(classes.node(v, d));
        else
          classes.join(resultNodes[i][d], classes.node(v, d));
      }
    }
  });

  // Symbols: a class gets one when it holds two or more dynamic dimensions
  // of the signature.
  llvm::DenseMap<unsigned, unsigned> dynamicMembers;
  auto countDims = [&](ArrayRef<unsigned> nodes, RankedTensorType t) {
    for (auto [d, n] : llvm::enumerate(nodes))
      if (t.isDynamicDim(d) && classes.sizeOf(n) < 0)
        ++dynamicMembers[classes.find(n)];
  };
  SmallVector<SmallVector<unsigned>> argNodes;
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    FailureOr<RankedTensorType> tensor = checkType(t, "input", i);
    if (failed(tensor))
      return failure();
    SmallVector<unsigned> nodes;
    for (unsigned d = 0; d < tensor->getRank(); ++d)
      nodes.push_back(classes.node(func.getArgument(i), d));
    countDims(nodes, *tensor);
    argNodes.push_back(std::move(nodes));
  }
  for (auto [i, t] : llvm::enumerate(type.getResults())) {
    FailureOr<RankedTensorType> tensor = checkType(t, "result", i);
    if (failed(tensor))
      return failure();
    if (resultNodes[i].size() != size_t(tensor->getRank()))
      resultNodes[i].clear(); // no return op seen: unconstrained
    else
      countDims(resultNodes[i], *tensor);
  }

  llvm::DenseMap<unsigned, int32_t> symbols;
  auto describe = [&](RankedTensorType t, ArrayRef<unsigned> nodes,
                      std::string name) {
    ParamSignature p;
    p.name = std::move(name);
    p.elementType = t.getElementType();
    for (unsigned d = 0; d < t.getRank(); ++d) {
      int64_t size = t.getDimSize(d);
      int32_t symbol = -1;
      if (t.isDynamicDim(d) && d < nodes.size()) {
        unsigned root = classes.find(nodes[d]);
        int64_t known = classes.sizeOf(root);
        if (known >= 0)
          size = known;
        else if (dynamicMembers.lookup(root) >= 2)
          symbol = symbols.try_emplace(root, int32_t(symbols.size()))
                       .first->second;
      }
      p.shape.push_back(ShapedType::isDynamic(size) ? -1 : size);
      p.dimSymbols.push_back(symbol);
    }
    return p;
  };
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    std::string name = "input" + std::to_string(i);
    if (auto attr = func.getArgAttrOfType<StringAttr>(i, "recur.name"))
      name = attr.str();
    else if (i < argNames.size() && !argNames[i].empty())
      name = argNames[i];
    sig.inputs.push_back(
        describe(cast<RankedTensorType>(t), argNodes[i], name));
  }
  for (auto [i, t] : llvm::enumerate(type.getResults())) {
    std::string name = "output" + std::to_string(i);
    if (auto attr = func.getResultAttrOfType<StringAttr>(i, "recur.name"))
      name = attr.str();
    sig.outputs.push_back(
        describe(cast<RankedTensorType>(t), resultNodes[i], name));
  }
  return sig;
}

} // namespace recur

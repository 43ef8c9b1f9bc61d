//===- ControlFlow.cpp - ONNX Scan and Loop to recur.recurrence -----------===//
//
// Scan is a recurrence already: states, scan inputs (per-step slices) and
// scan outputs map one to one. Loop becomes one where its body has the shape
// PyTorch's exporter gives a scripted `for t in range(x.shape[0])` loop:
// the trip count is known as a size, the condition stays true, the body
// reads outer sequences at the iteration number (Gather, or a Slice
// [i, i+1)), and per-step values are collected in a sequence
// (SequenceEmpty / SequenceInsert, then ConcatFromSequence after the loop)
// or as the loop's scan outputs. Anything else is an error that says which
// part of the pattern does not hold.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/Importer.h"
#include "frontend/onnx/OpsCommon.h"

#include "dialects/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace recur::onnx_import {
namespace {

//===----------------------------------------------------------------------===//
// Sequence placeholders
//===----------------------------------------------------------------------===//

// ONNX sequences exist here only as the Loop pattern's accumulators. Each
// stage is a placeholder value (an unrealized_conversion_cast to `none`
// tagged with its kind) that the pattern's ops recognise; the importer
// erases the placeholders once nothing reads them.
constexpr llvm::StringLiteral kSequenceAttr = "onnx.sequence";
constexpr llvm::StringLiteral kEmpty = "empty";       // SequenceEmpty
constexpr llvm::StringLiteral kCarried = "carried";   // a Loop body's input
constexpr llvm::StringLiteral kInserted = "inserted"; // (carried, value)
constexpr llvm::StringLiteral kStacked = "stacked";   // (stacked tensor)

Value makeSequence(OpBuilder &b, Location loc, llvm::StringRef kind,
                   ValueRange operands) {
  auto op = UnrealizedConversionCastOp::create(
      b, loc, TypeRange{NoneType::get(b.getContext())}, operands);
  op->setAttr(kSequenceAttr, b.getStringAttr(kind));
  return op.getResult(0);
}

/// The placeholder op of `kind` that defines `v`, or null.
UnrealizedConversionCastOp sequenceOf(Value v, llvm::StringRef kind) {
  auto op = v.getDefiningOp<UnrealizedConversionCastOp>();
  if (!op)
    return nullptr;
  auto attr = op->getAttrOfType<StringAttr>(kSequenceAttr);
  return attr && attr.getValue() == kind ? op : nullptr;
}

LogicalResult convertSequenceEmpty(GraphImporter &imp,
                                   const onnx::NodeProto &node) {
  imp.defineOutput(
      node, 0,
      makeSequence(imp.builder(), imp.loc(node), kEmpty, ValueRange{}));
  return success();
}

LogicalResult convertSequenceInsert(GraphImporter &imp,
                                    const onnx::NodeProto &node) {
  FailureOr<Value> seq = imp.input(node, 0);
  FailureOr<Value> value = imp.input(node, 1);
  if (failed(seq) || failed(value))
    return failure();
  if (node.input_size() > 2 && !node.input(2).empty())
    return imp.nodeError(node, "SequenceInsert with a position is not "
                               "supported: only appending to a Loop's "
                               "sequence accumulator is");
  if (!sequenceOf(*seq, kCarried))
    return imp.nodeError(
        node, "SequenceInsert is supported only inside a Loop body, once per "
              "iteration, appending to a loop-carried sequence that starts "
              "as SequenceEmpty");
  if (!isa<RankedTensorType>(value->getType()))
    return imp.nodeError(node, "the inserted value must be a tensor");
  imp.defineOutput(node, 0,
                   makeSequence(imp.builder(), imp.loc(node), kInserted,
                                ValueRange{*seq, *value}));
  return success();
}

/// `v` with dimension `from` moved to position `to` (linalg.transpose).
Value moveAxis(OpBuilder &b, Location loc, Value v, int64_t from, int64_t to) {
  if (from == to)
    return v;
  int64_t rank = tensorType(v).getRank();
  SmallVector<int64_t> order;
  for (int64_t d = 0; d < rank; ++d)
    if (d != from)
      order.push_back(d);
  order.insert(order.begin() + to, from);
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, v);
  SmallVector<OpFoldResult> permuted;
  for (int64_t d : order)
    permuted.push_back(sizes[d]);
  Value init = emptyTensor(b, loc, permuted, elementType(v));
  return linalg::TransposeOp::create(b, loc, v, init, order).getResult()[0];
}

/// `v` with dimension 0 reversed: out[i] = v[n - 1 - i].
Value reverseAxis0(OpBuilder &b, Location loc, Value v) {
  auto type = tensorType(v);
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, v);
  Value init = emptyTensor(b, loc, sizes, type.getElementType());
  Value last = getValueOrCreateConstantIndexOp(
      b, loc, subIndex(b, loc, sizes[0], b.getIndexAttr(1)));
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nl, ValueRange) {
        SmallVector<Value> idx;
        for (int64_t d = 0; d < rank; ++d)
          idx.push_back(linalg::IndexOp::create(nb, nl, d));
        idx[0] = arith::SubIOp::create(nb, nl, last, idx[0]);
        Value e = tensor::ExtractOp::create(nb, nl, v, idx);
        linalg::YieldOp::create(nb, nl, e);
      });
  return generic.getResult(0);
}

LogicalResult convertConcatFromSequence(GraphImporter &imp,
                                        const onnx::NodeProto &node) {
  FailureOr<Value> seq = imp.input(node, 0);
  if (failed(seq))
    return failure();
  auto stacked = sequenceOf(*seq, kStacked);
  if (!stacked)
    return imp.nodeError(node, "ConcatFromSequence is supported only on the "
                               "sequence a Loop accumulates with "
                               "SequenceEmpty / SequenceInsert");
  if (!findAttr(node, "axis"))
    return imp.nodeError(node, "attribute 'axis' is required");
  int64_t axis = attrInt(node, "axis", 0);
  int64_t newAxis = attrInt(node, "new_axis", 0);
  if (newAxis != 0 && newAxis != 1)
    return imp.nodeError(node,
                         "new_axis " + llvm::Twine(newAxis) + " is not 0 or 1");
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  Value all = stacked.getOperand(0); // [T, element dims...]
  int64_t elemRank = tensorType(all).getRank() - 1;
  FailureOr<int64_t> a =
      normalizeAxis(imp, node, axis, elemRank + newAxis, "axis");
  if (failed(a))
    return failure();
  Value result;
  if (newAxis == 1) {
    // Stack: the step axis goes where `axis` says.
    result = moveAxis(b, loc, all, 0, *a);
  } else {
    if (elemRank == 0)
      return imp.nodeError(node, "cannot concatenate 0-D elements without "
                                 "new_axis=1");
    // Concatenate along `axis`: the step axis just before it, then the two
    // merged (step-major, as concatenation orders them).
    Value moved = moveAxis(b, loc, all, 0, *a);
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < elemRank; ++d) {
      if (d < *a)
        groups.push_back({d});
      else if (d == *a)
        groups.push_back({d, d + 1});
      else
        groups.push_back({d + 1});
    }
    result = tensor::CollapseShapeOp::create(b, loc, moved, groups);
  }
  imp.defineOutput(node, 0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// Building a recurrence from a body graph
//===----------------------------------------------------------------------===//

/// A recur.recurrence under construction: the caller gives the initial
/// states and the sequences (time on axis 0), binds the body graph's inputs
/// to the block's arguments, imports the body, and hands over the next
/// states and step outputs. Outer values the body reads become captures.
class RecurrenceBuilder {
public:
  RecurrenceBuilder(GraphImporter &outer, const onnx::NodeProto &node,
                    ArrayRef<Value> inits, ArrayRef<Value> sequences,
                    bool reverse)
      : outer(outer), node(node), inits(inits), sequences(sequences),
        reverse(reverse), region(std::make_unique<Region>()),
        bodyBuilder(outer.context()),
        body(bodyBuilder, outer.fileLocation(), outer.opsetImports(), &outer) {
    block = new Block();
    region->push_back(block);
    Location loc = outer.loc(node);
    for (Value v : inits)
      block->addArgument(v.getType(), loc);
    for (Value v : sequences)
      block->addArgument(getStepType(tensorType(v), 0), loc);
    bodyBuilder.setInsertionPointToStart(block);
    body.captureOuter = [this](Value v) -> Value {
      auto it = captureArgs.find(v);
      if (it != captureArgs.end())
        return it->second;
      captures.push_back(v);
      Value arg = block->addArgument(v.getType(), v.getLoc());
      captureArgs[v] = arg;
      return arg;
    };
  }

  GraphImporter &importer() { return body; }
  OpBuilder &builder() { return bodyBuilder; }
  BlockArgument stateArg(unsigned i) { return block->getArgument(i); }
  BlockArgument sliceArg(unsigned i) {
    return block->getArgument(inits.size() + i);
  }

  /// Imports the body's initializers and nodes (its inputs bound already).
  FailureOr<SmallVector<Value>> importBody(const onnx::GraphProto &graph) {
    if (failed(body.importInitializers(graph)) ||
        failed(body.importNodes(graph)))
      return failure();
    return body.graphOutputs(graph);
  }

  /// Ends the body and creates the op. `stateNames` name the states in
  /// messages.
  FailureOr<RecurrenceOp> finish(ArrayRef<Value> nextStates,
                                 ArrayRef<Value> stepOutputs,
                                 ArrayRef<std::string> stateNames) {
    Location loc = outer.loc(node);
    SmallVector<Value> yielded;
    for (auto [i, next] : llvm::enumerate(nextStates)) {
      Value v = next;
      Type want = inits[i].getType();
      auto got = dyn_cast<RankedTensorType>(v.getType());
      if (!got)
        return outer.nodeError(node, "loop-carried value '" + stateNames[i] +
                                         "' is not a tensor in the body");
      if (got != want) {
        if (failed(verifyCompatibleShape(got, want)) ||
            got.getElementType() != cast<ShapedType>(want).getElementType())
          return outer.nodeError(
              node, "loop-carried value '" + stateNames[i] + "' enters as " +
                        typeString(want) + " but the body makes it " +
                        typeString(got) +
                        "; its type must not change from step to step");
        v = tensor::CastOp::create(bodyBuilder, loc, want, v);
      }
      yielded.push_back(v);
    }
    int64_t numSteps = ShapedType::kDynamic;
    if (!sequences.empty())
      numSteps = tensorType(sequences.front()).getDimSize(0);
    SmallVector<Type> resultTypes;
    for (Value v : inits)
      resultTypes.push_back(v.getType());
    for (Value v : stepOutputs) {
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!type)
        return outer.nodeError(node, "a per-step output of the body is not a "
                                     "tensor");
      resultTypes.push_back(getStackedType(type, 0, numSteps));
      yielded.push_back(v);
    }
    YieldOp::create(bodyBuilder, loc, yielded);

    OpBuilder &b = outer.builder();
    auto rec = RecurrenceOp::create(b, loc, resultTypes, inits, sequences,
                                    captures, Value(), b.getI64IntegerAttr(0),
                                    reverse ? b.getUnitAttr() : nullptr);
    rec.getBody().takeBody(*region);
    return rec;
  }

private:
  static std::string typeString(Type t) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << t;
    return s;
  }

  GraphImporter &outer;
  const onnx::NodeProto &node;
  SmallVector<Value> inits, sequences;
  bool reverse;
  std::unique_ptr<Region> region;
  Block *block;
  OpBuilder bodyBuilder;
  GraphImporter body;
  SmallVector<Value> captures;
  llvm::DenseMap<Value, Value> captureArgs;
};

const onnx::GraphProto *bodyGraph(const onnx::NodeProto &node) {
  const onnx::AttributeProto *attr = findAttr(node, "body");
  return attr && attr->has_g() ? &attr->g() : nullptr;
}

/// A per-step index sequence [0, 1, ..., steps-1] (i64).
Value iotaSequence(OpBuilder &b, Location loc, OpFoldResult steps) {
  Value init = emptyTensor(b, loc, {steps}, b.getI64Type());
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(1)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init}, maps,
      {utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nl, ValueRange) {
        Value i = linalg::IndexOp::create(nb, nl, 0);
        Value v = arith::IndexCastOp::create(nb, nl, nb.getI64Type(), i);
        linalg::YieldOp::create(nb, nl, v);
      });
  return generic.getResult(0);
}

/// The first `steps` entries of `v` along axis 0.
Value takeSteps(OpBuilder &b, Location loc, Value v, OpFoldResult steps) {
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, v);
  sizes[0] = steps;
  SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, v, offsets, sizes, strides);
}

//===----------------------------------------------------------------------===//
// Scan
//===----------------------------------------------------------------------===//

/// Scan from opset 9 on: N states, M scan inputs (each along its own axis
/// and in its own direction), K scan outputs.
FailureOr<SmallVector<Value>>
buildScan(GraphImporter &imp, const onnx::NodeProto &node,
          const onnx::GraphProto &graph, ArrayRef<Value> states,
          ArrayRef<Value> scanInputs, ArrayRef<int64_t> inputAxes,
          ArrayRef<int64_t> inputDirections, ArrayRef<int64_t> outputAxes,
          ArrayRef<int64_t> outputDirections) {
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  size_t n = states.size(), m = scanInputs.size();
  if (graph.input_size() != int(n + m))
    return imp.nodeError(node,
                         "the body takes " + llvm::Twine(graph.input_size()) +
                             " inputs; the node gives " + llvm::Twine(n) +
                             " states and " + llvm::Twine(m) + " scan inputs");
  if (graph.output_size() < int(n))
    return imp.nodeError(node, "the body returns fewer values than the "
                               "node has states");
  size_t k = graph.output_size() - n;
  for (Value s : states)
    if (!isa<RankedTensorType>(s.getType()))
      return imp.nodeError(node, "a state is not a tensor");

  // Every scan input with time on axis 0, read in one direction: the
  // recurrence's. Inputs read the other way are reversed first.
  bool reverse =
      m > 0 && llvm::all_of(inputDirections, [](int64_t d) { return d == 1; });
  SmallVector<Value> sequences;
  OpFoldResult steps;
  for (size_t j = 0; j < m; ++j) {
    Value x = scanInputs[j];
    int64_t rank = tensorType(x).getRank();
    if (rank == 0)
      return imp.nodeError(node, "scan input " + llvm::Twine(j) +
                                     " is 0-D; it needs an axis to scan");
    FailureOr<int64_t> axis =
        normalizeAxis(imp, node, inputAxes[j], rank, "scan_input_axes");
    if (failed(axis))
      return failure();
    x = moveAxis(b, loc, x, *axis, 0);
    if ((inputDirections[j] == 1) != reverse)
      x = reverseAxis0(b, loc, x);
    OpFoldResult len = sizesOf(b, loc, x)[0];
    if (j == 0) {
      steps = len;
    } else if (!sameSize(steps, len)) {
      std::optional<int64_t> s0 = getConstantIntValue(steps),
                             s1 = getConstantIntValue(len);
      if (s0 && s1)
        return imp.nodeError(node, "scan inputs have different lengths (" +
                                       llvm::Twine(*s0) + " and " +
                                       llvm::Twine(*s1) + ")");
    }
    sequences.push_back(x);
  }

  RecurrenceBuilder rb(imp, node, states, sequences, reverse);
  for (size_t i = 0; i < n; ++i)
    rb.importer().define(graph.input(i).name(), rb.stateArg(i));
  for (size_t j = 0; j < m; ++j)
    rb.importer().define(graph.input(n + j).name(), rb.sliceArg(j));
  FailureOr<SmallVector<Value>> outs = rb.importBody(graph);
  if (failed(outs))
    return failure();
  SmallVector<std::string> names;
  for (size_t i = 0; i < n; ++i)
    names.push_back(graph.input(i).name());
  FailureOr<RecurrenceOp> rec =
      rb.finish(ArrayRef<Value>(*outs).take_front(n),
                ArrayRef<Value>(*outs).drop_front(n), names);
  if (failed(rec))
    return failure();

  SmallVector<Value> results(rec->getFinalStates());
  for (size_t j = 0; j < k; ++j) {
    Value y = rec->getStepOutputs()[j];
    // The recurrence stores step t's output at t (the time index it read);
    // ONNX appends in iteration order, or prepends with direction 1.
    bool prepend = outputDirections[j] == 1;
    if (prepend != reverse)
      y = reverseAxis0(b, loc, y);
    FailureOr<int64_t> axis = normalizeAxis(
        imp, node, outputAxes[j], tensorType(y).getRank(), "scan_output_axes");
    if (failed(axis))
      return failure();
    results.push_back(moveAxis(b, loc, y, 0, *axis));
  }
  return results;
}

/// Reads a per-input INTS attribute, `count` values, default all zero;
/// `allowed` lists the values it may hold (empty: any).
FailureOr<SmallVector<int64_t>> perInput(GraphImporter &imp,
                                         const onnx::NodeProto &node,
                                         llvm::StringRef name, size_t count,
                                         ArrayRef<int64_t> allowed) {
  std::optional<SmallVector<int64_t>> values = attrInts(node, name);
  if (!values)
    return SmallVector<int64_t>(count, 0);
  if (values->size() != count)
    return imp.nodeError(node, name + " has " + llvm::Twine(values->size()) +
                                   " values; expected " + llvm::Twine(count));
  for (int64_t v : *values)
    if (!allowed.empty() && !llvm::is_contained(allowed, v))
      return imp.nodeError(node, name + " holds " + llvm::Twine(v) +
                                     "; expected 0 (forward) or 1 (reverse)");
  return *values;
}

LogicalResult convertScan(GraphImporter &imp, const onnx::NodeProto &node) {
  const onnx::GraphProto *graph = bodyGraph(node);
  if (!graph)
    return imp.nodeError(node, "attribute 'body' (a graph) is required");
  if (!findAttr(node, "num_scan_inputs"))
    return imp.nodeError(node, "attribute 'num_scan_inputs' is required");
  int64_t m = attrInt(node, "num_scan_inputs", 0);
  int64_t version = imp.opset(node.domain());
  bool batched = version < 9; // opset 8: a batch axis first, time second
  int first = batched ? 1 : 0;
  if (m < 1 || m > node.input_size() - first)
    return imp.nodeError(node, "num_scan_inputs " + llvm::Twine(m) +
                                   " does not fit the node's " +
                                   llvm::Twine(node.input_size()) + " inputs");
  size_t n = node.input_size() - first - m;
  SmallVector<Value> states, scans;
  for (int i = first; i < node.input_size(); ++i) {
    FailureOr<Value> v = tensorInput(imp, node, i);
    if (failed(v))
      return failure();
    (size_t(i - first) < n ? states : scans).push_back(*v);
  }
  size_t k = graph->output_size() >= int(n) ? graph->output_size() - n : 0;

  if (!batched) {
    FailureOr<SmallVector<int64_t>> inAxes =
        perInput(imp, node, "scan_input_axes", m, {});
    FailureOr<SmallVector<int64_t>> inDirs =
        perInput(imp, node, "scan_input_directions", m, {0, 1});
    FailureOr<SmallVector<int64_t>> outAxes =
        perInput(imp, node, "scan_output_axes", k, {});
    FailureOr<SmallVector<int64_t>> outDirs =
        perInput(imp, node, "scan_output_directions", k, {0, 1});
    if (failed(inAxes) || failed(inDirs) || failed(outAxes) || failed(outDirs))
      return failure();
    FailureOr<SmallVector<Value>> results = buildScan(
        imp, node, *graph, states, scans, *inAxes, *inDirs, *outAxes, *outDirs);
    if (failed(results))
      return failure();
    for (auto [i, v] : llvm::enumerate(*results))
      imp.defineOutput(node, i, v);
    return success();
  }

  // Opset 8: every input has a batch axis first and the body sees one
  // batch entry; time is axis 1. With a static batch, each entry is its own
  // recurrence, and the results are stacked again.
  if (node.input_size() > 0 && !node.input(0).empty())
    return imp.nodeError(node, "Scan (opset 8) with sequence_lens is not "
                               "supported; re-export with opset 9 or later");
  FailureOr<SmallVector<int64_t>> dirs =
      perInput(imp, node, "directions", m, {0, 1});
  if (failed(dirs))
    return failure();
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  SmallVector<Value> all(states);
  llvm::append_range(all, scans);
  int64_t batch = ShapedType::kDynamic;
  for (Value v : all) {
    auto type = tensorType(v);
    if (type.getRank() < (llvm::is_contained(scans, v) ? 2 : 1))
      return imp.nodeError(node, "every input needs a batch axis (and scan "
                                 "inputs a time axis after it)");
    // Each entry becomes its own recurrence reading entry i of every
    // input, so every input needs the same static batch (nothing would
    // check a dynamic one at run time).
    if (type.isDynamicDim(0))
      return imp.nodeError(node, "Scan (opset 8) needs a static batch size "
                                 "on every input; re-export with opset 9 or "
                                 "later");
    if (!ShapedType::isDynamic(batch) && type.getDimSize(0) != batch)
      return imp.nodeError(node, "the inputs disagree on the batch size (" +
                                     Twine(batch) + " and " +
                                     Twine(type.getDimSize(0)) + ")");
    batch = type.getDimSize(0);
  }
  // One recurrence per entry: keep the IR (and compile time) bounded.
  constexpr int64_t kMaxScan8Batch = 64;
  if (batch < 1 || batch > kMaxScan8Batch)
    return imp.nodeError(node, "Scan (opset 8) with a batch of " +
                                   Twine(batch) +
                                   " is not supported (it becomes one "
                                   "recurrence per entry: 1 to " +
                                   Twine(kMaxScan8Batch) +
                                   "); re-export with opset 9 or later");
  auto entry = [&](Value v, int64_t i) -> Value {
    auto type = tensorType(v);
    SmallVector<OpFoldResult> sizes = sizesOf(b, loc, v);
    SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
    offsets[0] = b.getIndexAttr(i);
    sizes[0] = b.getIndexAttr(1);
    auto resultType = RankedTensorType::get(type.getShape().drop_front(),
                                            type.getElementType());
    return tensor::ExtractSliceOp::create(b, loc, resultType, v, offsets, sizes,
                                          strides);
  };
  SmallVector<SmallVector<Value>> perEntry;
  for (int64_t i = 0; i < batch; ++i) {
    SmallVector<Value> s, x;
    for (Value v : states)
      s.push_back(entry(v, i));
    for (Value v : scans)
      x.push_back(entry(v, i));
    SmallVector<int64_t> zeros(m, 0), outZeros(k, 0);
    FailureOr<SmallVector<Value>> results =
        buildScan(imp, node, *graph, s, x, zeros, *dirs, outZeros, outZeros);
    if (failed(results))
      return failure();
    perEntry.push_back(std::move(*results));
  }
  for (size_t r = 0; r < perEntry.front().size(); ++r) {
    SmallVector<Value> parts;
    for (auto &results : perEntry)
      parts.push_back(insertUnitDims(b, loc, results[r], {0}));
    Value stacked = parts.front();
    if (parts.size() > 1) {
      stacked = tensor::ConcatOp::create(b, loc, 0, parts);
    }
    imp.defineOutput(node, r, stacked);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Loop
//===----------------------------------------------------------------------===//

/// What the body of a Loop reads at the iteration number: an outer tensor,
/// one entry per step along `axis` (Gather, the axis dropped; or Slice
/// [i, i+1), the axis kept as size 1).
struct StepRead {
  std::string data;   // the outer tensor's name
  std::string output; // the reading node's output
  bool keepAxis;
  int64_t axis; // as the node says it (negative: from the end)
};

/// The names `graph` and its subgraphs read (node inputs, graph outputs).
void collectReads(const onnx::GraphProto &graph, llvm::StringSet<> &reads) {
  for (const onnx::NodeProto &n : graph.node()) {
    for (const std::string &in : n.input())
      if (!in.empty())
        reads.insert(in);
    for (const onnx::AttributeProto &attr : n.attribute()) {
      if (attr.has_g())
        collectReads(attr.g(), reads);
      for (const onnx::GraphProto &g : attr.graphs())
        collectReads(g, reads);
    }
  }
  for (const onnx::ValueInfoProto &out : graph.output())
    reads.insert(out.name());
}

/// Drops nodes whose outputs nobody reads (ONNX ops have no side effects),
/// until none is left to drop.
void dropDeadNodes(onnx::GraphProto &graph) {
  for (bool changed = true; changed;) {
    changed = false;
    llvm::StringSet<> reads;
    collectReads(graph, reads);
    auto *nodes = graph.mutable_node();
    for (int i = nodes->size() - 1; i >= 0; --i) {
      const onnx::NodeProto &n = nodes->Get(i);
      bool used = llvm::any_of(n.output(), [&](const std::string &o) {
        return !o.empty() && reads.contains(o);
      });
      if (!used) {
        nodes->DeleteSubrange(i, 1);
        changed = true;
      }
    }
  }
}

class LoopConverter {
public:
  LoopConverter(GraphImporter &imp, const onnx::NodeProto &node)
      : imp(imp), node(node), b(imp.builder()), loc(imp.loc(node)) {}

  LogicalResult convert();

private:
  /// The node of the body that defines `name`, or null (an outer name).
  const onnx::NodeProto *producer(llvm::StringRef name) {
    for (const onnx::NodeProto &n : body.node())
      if (llvm::is_contained(n.output(), name))
        return &n;
    return nullptr;
  }
  /// The integer constant `name` holds (a Constant in the body, or a
  /// constant of an enclosing graph), if it is one.
  std::optional<SmallVector<int64_t>> constantInts(llvm::StringRef name);
  /// Whether `name` is Unsqueeze(it) (an index as a 1-element vector), or
  /// Unsqueeze(it + 1) with `plusOne`.
  bool isUnsqueezedIteration(llvm::StringRef name, bool plusOne);
  /// Finds the body's reads of outer sequences at the iteration number.
  LogicalResult findStepReads();
  /// The trip count as a size, with the initial condition applied.
  FailureOr<OpFoldResult> tripCount();

  GraphImporter &imp;
  const onnx::NodeProto &node;
  OpBuilder &b;
  Location loc;
  onnx::GraphProto body; // a copy, trimmed of what becomes operands
  std::string iterName, condName;
  SmallVector<StepRead> reads;
};

std::optional<SmallVector<int64_t>>
LoopConverter::constantInts(llvm::StringRef name) {
  if (const onnx::NodeProto *n = producer(name)) {
    if (n->op_type() != "Constant")
      return std::nullopt;
    if (const onnx::AttributeProto *v = findAttr(*n, "value_int"))
      return SmallVector<int64_t>{v->i()};
    if (const onnx::AttributeProto *v = findAttr(*n, "value_ints"))
      return SmallVector<int64_t>(v->ints().begin(), v->ints().end());
    const onnx::AttributeProto *v = findAttr(*n, "value");
    if (!v || !v->has_t())
      return std::nullopt;
    FailureOr<DenseElementsAttr> attr = convertTensorProto(v->t(), loc);
    if (failed(attr) || !isa<IntegerType>(attr->getElementType()))
      return std::nullopt;
    SmallVector<int64_t> out;
    for (const APInt &x : attr->getValues<APInt>())
      out.push_back(x.getSExtValue());
    return out;
  }
  if (llvm::any_of(body.input(), [&](const onnx::ValueInfoProto &in) {
        return in.name() == name;
      }))
    return std::nullopt;
  // A body initializer: read it here (the enclosing graph does not know
  // the name, and asking it would report it undefined).
  for (const onnx::TensorProto &init : body.initializer()) {
    if (init.name() != name)
      continue;
    FailureOr<DenseElementsAttr> attr = convertTensorProto(init, loc);
    if (failed(attr) || !isa<IntegerType>(attr->getElementType()))
      return std::nullopt;
    SmallVector<int64_t> out;
    for (const APInt &x : attr->getValues<APInt>())
      out.push_back(x.getSExtValue());
    return out;
  }
  FailureOr<Value> v = imp.lookup(node, name);
  if (failed(v))
    return std::nullopt;
  std::optional<DenseElementsAttr> attr = imp.constantValue(*v);
  if (!attr || !isa<IntegerType>(attr->getElementType()))
    return std::nullopt;
  SmallVector<int64_t> out;
  for (const APInt &x : attr->getValues<APInt>())
    out.push_back(x.getSExtValue());
  return out;
}

bool LoopConverter::isUnsqueezedIteration(llvm::StringRef name, bool plusOne) {
  const onnx::NodeProto *unsqueeze = producer(name);
  if (!unsqueeze || unsqueeze->op_type() != "Unsqueeze" ||
      unsqueeze->input_size() < 1)
    return false;
  std::optional<SmallVector<int64_t>> axes;
  if (const onnx::AttributeProto *a = findAttr(*unsqueeze, "axes"))
    axes = SmallVector<int64_t>(a->ints().begin(), a->ints().end());
  else if (unsqueeze->input_size() > 1)
    axes = constantInts(unsqueeze->input(1));
  if (!axes || axes->size() != 1 || (*axes)[0] != 0)
    return false;
  llvm::StringRef index = unsqueeze->input(0);
  if (!plusOne)
    return index == iterName;
  const onnx::NodeProto *add = producer(index);
  if (!add || add->op_type() != "Add" || add->input_size() != 2)
    return false;
  for (int i = 0; i < 2; ++i) {
    if (add->input(i) != iterName)
      continue;
    std::optional<SmallVector<int64_t>> one = constantInts(add->input(1 - i));
    return one && one->size() == 1 && (*one)[0] == 1;
  }
  return false;
}

LogicalResult LoopConverter::findStepReads() {
  SmallVector<int> matched;
  for (auto [i, n] : llvm::enumerate(body.node())) {
    bool isGather = n.op_type() == "Gather" && n.input_size() == 2 &&
                    n.input(1) == iterName;
    bool isSlice = n.op_type() == "Slice" && n.input_size() >= 3 &&
                   imp.opset(n.domain()) >= 10;
    if (!isGather && !isSlice)
      continue;
    int64_t axis = isGather ? attrInt(n, "axis", 0) : 0;
    if (isSlice) {
      if (!isUnsqueezedIteration(n.input(1), false) ||
          !isUnsqueezedIteration(n.input(2), true))
        continue;
      if (n.input_size() > 3 && !n.input(3).empty()) {
        std::optional<SmallVector<int64_t>> axes = constantInts(n.input(3));
        if (!axes || axes->size() != 1)
          continue;
        axis = (*axes)[0];
      }
      if (n.input_size() > 4 && !n.input(4).empty()) {
        std::optional<SmallVector<int64_t>> steps = constantInts(n.input(4));
        if (!steps || steps->size() != 1 || (*steps)[0] != 1)
          continue;
      }
    }
    // The data must be the same at every step: an outer value, or a
    // Constant of the body (computed once, outside).
    const std::string &data = n.input(0);
    if (const onnx::NodeProto *def = producer(data)) {
      if (def->op_type() != "Constant")
        continue;
      bool done = llvm::any_of(
          reads, [&](const StepRead &r) { return r.data == data; });
      auto it = converterTable().find("Constant");
      if (!done &&
          (it == converterTable().end() || failed(it->second(imp, *def))))
        return failure();
    } else if (llvm::any_of(body.input(), [&](const onnx::ValueInfoProto &in) {
                 return in.name() == data;
               })) {
      continue;
    }
    if (n.output_size() < 1 || n.output(0).empty())
      continue;
    reads.push_back({data, n.output(0), isSlice, axis});
    matched.push_back(i);
  }
  // The matched reads become sequence operands; Constants moved out are
  // dropped from the body (its reads of them now resolve outside).
  llvm::StringSet<> hoisted;
  for (const StepRead &r : reads)
    hoisted.insert(r.data);
  auto *nodes = body.mutable_node();
  for (int i = nodes->size() - 1; i >= 0; --i) {
    const onnx::NodeProto &n = nodes->Get(i);
    bool hoistedConstant = n.op_type() == "Constant" && n.output_size() == 1 &&
                           hoisted.contains(n.output(0));
    if (hoistedConstant || llvm::is_contained(matched, i))
      nodes->DeleteSubrange(i, 1);
  }
  // The reads' index arithmetic (Unsqueeze(i), i + 1) is dead now.
  dropDeadNodes(body);
  return success();
}

FailureOr<OpFoldResult> LoopConverter::tripCount() {
  FailureOr<std::optional<Value>> m = imp.optionalInput(node, 0);
  FailureOr<std::optional<Value>> cond = imp.optionalInput(node, 1);
  if (failed(m) || failed(cond))
    return failure();
  if (!*m)
    return imp.nodeError(node, "a Loop without a trip count (a while loop, "
                               "its end decided by the data) is not "
                               "supported; loop over a known number of "
                               "steps, e.g. range(x.shape[0])");
  Value mv = **m;
  OpFoldResult trip;
  std::optional<SmallVector<OpFoldResult>> known = imp.knownInts(mv);
  if (known && known->size() == 1) {
    trip = (*known)[0];
    if (std::optional<int64_t> c = getConstantIntValue(trip))
      trip = b.getIndexAttr(std::max<int64_t>(*c, 0));
  } else {
    // A run-time trip count (a model input): read it.
    auto type = dyn_cast<RankedTensorType>(mv.getType());
    if (!type || type.getNumElements() != 1 ||
        !isa<IntegerType>(type.getElementType()))
      return imp.nodeError(node, "trip count M must be a 1-element integer "
                                 "tensor");
    SmallVector<Value> zeros(type.getRank(),
                             arith::ConstantIndexOp::create(b, loc, 0));
    Value e = tensor::ExtractOp::create(b, loc, mv, zeros);
    Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), e);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    trip = arith::MaxSIOp::create(b, loc, i, zero).getResult();
  }
  if (!*cond)
    return trip;
  Value cv = **cond;
  if (std::optional<DenseElementsAttr> c = imp.constantValue(cv)) {
    if (c->isSplat() && c->getElementType().isInteger(1))
      return c->getSplatValue<bool>() ? trip : OpFoldResult(b.getIndexAttr(0));
  }
  // A run-time initial condition: the loop runs M steps or none (the body's
  // condition is checked to stay true).
  auto type = dyn_cast<RankedTensorType>(cv.getType());
  if (!type || type.getNumElements() != 1 ||
      !type.getElementType().isInteger(1))
    return imp.nodeError(node, "condition must be a 1-element bool tensor");
  SmallVector<Value> zeros(type.getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0));
  Value c = tensor::ExtractOp::create(b, loc, cv, zeros);
  Value tripValue = getValueOrCreateConstantIndexOp(b, loc, trip);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  return OpFoldResult(
      arith::SelectOp::create(b, loc, c, tripValue, zero).getResult());
}

LogicalResult LoopConverter::convert() {
  const onnx::GraphProto *graph = bodyGraph(node);
  if (!graph)
    return imp.nodeError(node, "attribute 'body' (a graph) is required");
  body = *graph;
  int numCarried = std::max(node.input_size() - 2, 0);
  if (body.input_size() != numCarried + 2)
    return imp.nodeError(node,
                         "the body takes " + llvm::Twine(body.input_size()) +
                             " inputs; expected 2 + " +
                             llvm::Twine(numCarried) + " loop-carried values");
  if (body.output_size() < numCarried + 1)
    return imp.nodeError(
        node, "the body returns " + llvm::Twine(body.output_size()) +
                  " values; expected at least 1 + " + llvm::Twine(numCarried));
  int numScanOutputs = body.output_size() - 1 - numCarried;
  iterName = body.input(0).name();
  condName = body.input(1).name();

  FailureOr<OpFoldResult> trip = tripCount();
  if (failed(trip))
    return failure();

  // Loop-carried values: tensors become states; a SequenceEmpty becomes a
  // per-step output.
  SmallVector<Value> inits;
  SmallVector<int> stateOf(numCarried, -1);
  SmallVector<std::string> stateNames;
  for (int k = 0; k < numCarried; ++k) {
    FailureOr<Value> v = imp.input(node, 2 + k);
    if (failed(v))
      return failure();
    if (isa<RankedTensorType>(v->getType())) {
      stateOf[k] = inits.size();
      inits.push_back(*v);
      stateNames.push_back(node.input(2 + k));
    } else if (!sequenceOf(*v, kEmpty)) {
      return imp.nodeError(node, "loop-carried sequence '" + node.input(2 + k) +
                                     "' must start as SequenceEmpty");
    }
  }

  if (failed(findStepReads()))
    return failure();
  llvm::StringSet<> bodyReads;
  collectReads(body, bodyReads);
  bool needIndex = bodyReads.contains(iterName);

  // The sequences, each cut to the trip count unless it is known to be as
  // long; the index sequence when the body uses the iteration number
  // otherwise (or when nothing else says how many steps there are).
  // A tensor read along another axis than 0 is transposed to put it first.
  SmallVector<Value> sequences;
  SmallVector<std::string> sequenceNames;
  SmallVector<unsigned> readSequence;
  SmallVector<int64_t> readAxis;
  llvm::StringMap<unsigned> seqIndex;
  for (const StepRead &r : reads) {
    FailureOr<Value> v = imp.lookup(node, r.data);
    if (failed(v))
      return failure();
    if (!isa<RankedTensorType>(v->getType()) || tensorType(*v).getRank() < 1)
      return imp.nodeError(node, "the body reads '" + r.data +
                                     "' at the iteration number, but it is "
                                     "not a tensor of rank 1 or more");
    FailureOr<int64_t> axis =
        normalizeAxis(imp, node, r.axis, tensorType(*v).getRank(),
                      "the axis of the body's read of '" + r.data + "'");
    if (failed(axis))
      return failure();
    std::string key = r.data + "@" + std::to_string(*axis);
    auto [it, inserted] = seqIndex.try_emplace(key, sequences.size());
    if (inserted) {
      sequences.push_back(moveAxis(b, loc, *v, *axis, 0));
      sequenceNames.push_back(r.data);
    }
    readSequence.push_back(it->second);
    readAxis.push_back(*axis);
  }
  OpFoldResult steps = *trip;
  for (auto [j, seq] : llvm::enumerate(sequences)) {
    OpFoldResult len = sizesOf(b, loc, seq)[0];
    if (sameSize(steps, len))
      continue;
    std::optional<int64_t> s = getConstantIntValue(steps),
                           l = getConstantIntValue(len);
    if (s && l && *s > *l)
      return imp.nodeError(node, "the loop runs " + llvm::Twine(*s) +
                                     " steps but reads sequence '" +
                                     sequenceNames[j] + "' of only " +
                                     llvm::Twine(*l) + " entries");
    // Not provably equal: run min(M, length) steps, never past the data.
    if (!(s && l))
      steps = minIndex(b, loc, steps, len);
  }
  for (Value &seq : sequences)
    if (!sameSize(steps, sizesOf(b, loc, seq)[0]))
      seq = takeSteps(b, loc, seq, steps);
  if (needIndex || sequences.empty())
    sequences.push_back(iotaSequence(b, loc, steps));

  RecurrenceBuilder rb(imp, node, inits, sequences, /*reverse=*/false);
  GraphImporter &bodyImp = rb.importer();
  OpBuilder &bb = rb.builder();
  for (auto [r, seq, axis] : llvm::zip(reads, readSequence, readAxis)) {
    Value slice = rb.sliceArg(seq);
    if (r.keepAxis)
      slice = insertUnitDims(bb, loc, slice, {axis});
    bodyImp.define(r.output, slice);
  }
  if (needIndex)
    bodyImp.define(iterName, rb.sliceArg(sequences.size() - 1));
  // Inside the body the condition is true: a step runs only when it was.
  auto boolType = RankedTensorType::get({}, bb.getI1Type());
  bodyImp.define(condName, arith::ConstantOp::create(
                               bb, loc, DenseElementsAttr::get(boolType, true))
                               .getResult());
  SmallVector<Value> carriedSeqs(numCarried);
  for (int k = 0; k < numCarried; ++k) {
    const std::string &name = body.input(2 + k).name();
    if (stateOf[k] >= 0) {
      bodyImp.define(name, rb.stateArg(stateOf[k]));
    } else {
      carriedSeqs[k] = makeSequence(bb, loc, kCarried, ValueRange{});
      bodyImp.define(name, carriedSeqs[k]);
    }
  }

  FailureOr<SmallVector<Value>> outs = rb.importBody(body);
  if (failed(outs))
    return failure();
  std::optional<DenseElementsAttr> keepGoing =
      bodyImp.constantValue((*outs)[0]);
  if (!keepGoing || !keepGoing->isSplat() ||
      !keepGoing->getElementType().isInteger(1) ||
      !keepGoing->getSplatValue<bool>())
    return imp.nodeError(node, "the body computes the loop's condition ('" +
                                   body.output(0).name() +
                                   "'); only a condition that stays true "
                                   "(a for loop) is supported, not one that "
                                   "ends the loop depending on the data");
  SmallVector<Value> nextStates, stepOutputs;
  SmallVector<int> stepOutputOf(numCarried, -1);
  for (int k = 0; k < numCarried; ++k) {
    Value out = (*outs)[1 + k];
    if (stateOf[k] >= 0) {
      nextStates.push_back(out);
      continue;
    }
    auto inserted = sequenceOf(out, kInserted);
    if (!inserted || inserted.getOperand(0) != carriedSeqs[k])
      return imp.nodeError(node, "loop-carried sequence '" + node.input(2 + k) +
                                     "' must get exactly one SequenceInsert "
                                     "per iteration (appending the step's "
                                     "value)");
    stepOutputOf[k] = stepOutputs.size();
    stepOutputs.push_back(inserted.getOperand(1));
  }
  for (int j = 0; j < numScanOutputs; ++j)
    stepOutputs.push_back((*outs)[1 + numCarried + j]);

  FailureOr<RecurrenceOp> rec = rb.finish(nextStates, stepOutputs, stateNames);
  if (failed(rec))
    return failure();
  for (int k = 0; k < numCarried; ++k) {
    if (stateOf[k] >= 0)
      imp.defineOutput(node, k, rec->getFinalStates()[stateOf[k]]);
    else
      imp.defineOutput(node, k,
                       makeSequence(b, loc, kStacked,
                                    rec->getStepOutputs()[stepOutputOf[k]]));
  }
  unsigned firstScan = stepOutputs.size() - numScanOutputs;
  for (int j = 0; j < numScanOutputs; ++j)
    imp.defineOutput(node, numCarried + j,
                     rec->getStepOutputs()[firstScan + j]);
  return success();
}

LogicalResult convertLoop(GraphImporter &imp, const onnx::NodeProto &node) {
  return LoopConverter(imp, node).convert();
}

} // namespace

void registerControlFlowOps(ConverterTable &table) {
  table["Scan"] = convertScan;
  table["Loop"] = convertLoop;
  table["SequenceEmpty"] = convertSequenceEmpty;
  table["SequenceInsert"] = convertSequenceInsert;
  table["ConcatFromSequence"] = convertConcatFromSequence;
}

} // namespace recur::onnx_import

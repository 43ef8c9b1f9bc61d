//===- OpsCommon.cpp - What the op converters share -----------------------===//
//
// Attribute and input access, size arithmetic, broadcasting, elementwise
// generics, reshapes and known integer vectors (see OpsCommon.h).
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OpsCommon.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;

namespace recur::onnx_import {

//===----------------------------------------------------------------------===//
// Attributes and inputs
//===----------------------------------------------------------------------===//

const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     StringRef name) {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t attrInt(const onnx::NodeProto &node, StringRef name,
                int64_t defaultValue) {
  const onnx::AttributeProto *attr = findAttr(node, name);
  return attr ? attr->i() : defaultValue;
}

float attrFloat(const onnx::NodeProto &node, StringRef name,
                float defaultValue) {
  const onnx::AttributeProto *attr = findAttr(node, name);
  return attr ? attr->f() : defaultValue;
}

std::string attrString(const onnx::NodeProto &node, StringRef name,
                       StringRef defaultValue) {
  const onnx::AttributeProto *attr = findAttr(node, name);
  return attr ? attr->s() : defaultValue.str();
}

std::optional<SmallVector<int64_t>> attrInts(const onnx::NodeProto &node,
                                             StringRef name) {
  const onnx::AttributeProto *attr = findAttr(node, name);
  if (!attr)
    return std::nullopt;
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

LogicalResult checkInputCount(GraphImporter &imp, const onnx::NodeProto &node,
                              int min, int max) {
  int n = node.input_size();
  if (n >= min && n <= max)
    return success();
  if (min == max)
    return imp.nodeError(node, "expects " + Twine(min) + " input" +
                                   (min == 1 ? "" : "s") + ", got " + Twine(n));
  return imp.nodeError(node, "expects " + Twine(min) + " to " + Twine(max) +
                                 " inputs, got " + Twine(n));
}

static LogicalResult checkRanked(GraphImporter &imp,
                                 const onnx::NodeProto &node, Value v,
                                 int index) {
  if (isa<RankedTensorType>(v.getType()))
    return success();
  return imp.nodeError(node, "expects input " + Twine(index) + " ('" +
                                 node.input(index) +
                                 "') to be a tensor of known rank");
}

FailureOr<Value> tensorInput(GraphImporter &imp, const onnx::NodeProto &node,
                             int index) {
  FailureOr<Value> v = imp.input(node, index);
  if (failed(v) || failed(checkRanked(imp, node, *v, index)))
    return failure();
  return *v;
}

FailureOr<Value> optionalTensorInput(GraphImporter &imp,
                                     const onnx::NodeProto &node, int index) {
  FailureOr<std::optional<Value>> v = imp.optionalInput(node, index);
  if (failed(v))
    return failure();
  if (!*v)
    return Value();
  if (failed(checkRanked(imp, node, **v, index)))
    return failure();
  return **v;
}

LogicalResult tensorInputs(GraphImporter &imp, const onnx::NodeProto &node,
                           int count, SmallVectorImpl<Value> &out) {
  for (int i = 0; i < count; ++i) {
    FailureOr<Value> v = tensorInput(imp, node, i);
    if (failed(v))
      return failure();
    out.push_back(*v);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Types and sizes
//===----------------------------------------------------------------------===//

FailureOr<int64_t> normalizeAxis(GraphImporter &imp,
                                 const onnx::NodeProto &node, int64_t axis,
                                 int64_t rank, StringRef what) {
  if (axis < -rank || axis >= rank || rank == 0)
    return imp.nodeError(node, what + " " + Twine(axis) +
                                   " is out of range for rank " + Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value v) {
  return tensor::getMixedSizes(b, loc, v);
}

SmallVector<int64_t> staticShape(ArrayRef<OpFoldResult> sizes) {
  SmallVector<int64_t> shape;
  for (OpFoldResult s : sizes)
    shape.push_back(getConstantIntValue(s).value_or(ShapedType::kDynamic));
  return shape;
}

OpFoldResult foldIndex(OpBuilder &b, OpFoldResult v) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return b.getIndexAttr(*c);
  return v;
}

bool sameSize(OpFoldResult a, OpFoldResult b) {
  if (!a || !b)
    return false;
  std::optional<int64_t> ca = getConstantIntValue(a),
                         cb = getConstantIntValue(b);
  if (ca || cb)
    return ca == cb;
  Value va = dyn_cast<Value>(a), vb = dyn_cast<Value>(b);
  if (!va || !vb)
    return false;
  if (va == vb)
    return true;
  auto da = va.getDefiningOp<tensor::DimOp>();
  auto db = vb.getDefiningOp<tensor::DimOp>();
  if (!da || !db || da.getSource() != db.getSource())
    return false;
  std::optional<int64_t> ia = da.getConstantIndex(), ib = db.getConstantIndex();
  return ia && ia == ib;
}

static Value indexValue(OpBuilder &b, Location loc, OpFoldResult v) {
  return getValueOrCreateConstantIndexOp(b, loc, v);
}

OpFoldResult addIndex(OpBuilder &b, Location loc, OpFoldResult x,
                      OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx + *cy);
  if (cx == 0)
    return y;
  if (cy == 0)
    return x;
  return arith::AddIOp::create(b, loc, indexValue(b, loc, x),
                               indexValue(b, loc, y))
      .getResult();
}

OpFoldResult subIndex(OpBuilder &b, Location loc, OpFoldResult x,
                      OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx - *cy);
  if (cy == 0)
    return x;
  return arith::SubIOp::create(b, loc, indexValue(b, loc, x),
                               indexValue(b, loc, y))
      .getResult();
}

OpFoldResult mulIndex(OpBuilder &b, Location loc, OpFoldResult x,
                      OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx * *cy);
  if (cx == 1)
    return y;
  if (cy == 1)
    return x;
  if (cx == 0 || cy == 0)
    return b.getIndexAttr(0);
  return arith::MulIOp::create(b, loc, indexValue(b, loc, x),
                               indexValue(b, loc, y))
      .getResult();
}

OpFoldResult divIndex(OpBuilder &b, Location loc, OpFoldResult x,
                      OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy && *cy != 0)
    return b.getIndexAttr(*cx / *cy);
  if (cy == 1)
    return x;
  return arith::DivSIOp::create(b, loc, indexValue(b, loc, x),
                                indexValue(b, loc, y))
      .getResult();
}

OpFoldResult ceilDivIndex(OpBuilder &b, Location loc, OpFoldResult x,
                          OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy && *cy > 0)
    return b.getIndexAttr((*cx + *cy - 1) / *cy);
  if (cy == 1)
    return x;
  return arith::CeilDivSIOp::create(b, loc, indexValue(b, loc, x),
                                    indexValue(b, loc, y))
      .getResult();
}

OpFoldResult minIndex(OpBuilder &b, Location loc, OpFoldResult x,
                      OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(std::min(*cx, *cy));
  if (sameSize(x, y))
    return x;
  return arith::MinSIOp::create(b, loc, indexValue(b, loc, x),
                                indexValue(b, loc, y))
      .getResult();
}

OpFoldResult maxIndex(OpBuilder &b, Location loc, OpFoldResult x,
                      OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(std::max(*cx, *cy));
  if (sameSize(x, y))
    return x;
  return arith::MaxSIOp::create(b, loc, indexValue(b, loc, x),
                                indexValue(b, loc, y))
      .getResult();
}

OpFoldResult wrapNegative(OpBuilder &b, Location loc, OpFoldResult x,
                          OpFoldResult size) {
  if (std::optional<int64_t> cx = getConstantIntValue(x))
    return *cx >= 0 ? foldIndex(b, x) : addIndex(b, loc, x, size);
  Value v = indexValue(b, loc, x);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v, zero);
  Value wrapped = arith::AddIOp::create(b, loc, v, indexValue(b, loc, size));
  return arith::SelectOp::create(b, loc, negative, wrapped, v).getResult();
}

OpFoldResult productIndex(OpBuilder &b, Location loc,
                          ArrayRef<OpFoldResult> sizes) {
  OpFoldResult p = b.getIndexAttr(1);
  for (OpFoldResult s : sizes)
    p = mulIndex(b, loc, p, s);
  return p;
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elemType) {
  SmallVector<OpFoldResult> folded;
  for (OpFoldResult s : sizes)
    folded.push_back(foldIndex(b, s));
  return tensor::EmptyOp::create(b, loc, folded, elemType);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Value value) {
  Value empty = emptyTensor(b, loc, sizes, value.getType());
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto f = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, f, b.getFloatAttr(f, value));
  if (type.isInteger(1))
    return arith::ConstantOp::create(b, loc, type,
                                     b.getIntegerAttr(type, value != 0));
  return arith::ConstantOp::create(b, loc, type,
                                   b.getIntegerAttr(type, (int64_t)value));
}

Value castToType(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return tensor::CastOp::create(b, loc, type, v);
}

Value convertScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto fromF = dyn_cast<FloatType>(from), toF = dyn_cast<FloatType>(to);
  if (fromF && toF) {
    if (toF.getWidth() > fromF.getWidth())
      return arith::ExtFOp::create(b, loc, to, v);
    return arith::TruncFOp::create(b, loc, to, v);
  }
  if (fromF) {
    if (to.isInteger(1))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                   scalarConstant(b, loc, from, 0.0));
    return arith::FPToSIOp::create(b, loc, to, v);
  }
  bool fromBool = from.isInteger(1);
  if (toF)
    return fromBool ? arith::UIToFPOp::create(b, loc, to, v).getResult()
                    : arith::SIToFPOp::create(b, loc, to, v).getResult();
  if (to.isInteger(1))
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                                 scalarConstant(b, loc, from, 0));
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (tw > fw)
    return fromBool ? arith::ExtUIOp::create(b, loc, to, v).getResult()
                    : arith::ExtSIOp::create(b, loc, to, v).getResult();
  return arith::TruncIOp::create(b, loc, to, v);
}

/// Whether `size` is `tensor.dim %v, d`.
static bool isDimOf(OpFoldResult size, Value v, int64_t d) {
  auto value = dyn_cast_if_present<Value>(size);
  auto dim = value ? value.getDefiningOp<tensor::DimOp>() : nullptr;
  return dim && dim.getSource() == v && dim.getConstantIndex() == d;
}

//===----------------------------------------------------------------------===//
// Bounds of sizes
//===----------------------------------------------------------------------===//

namespace {
/// An index quantity: a value, or a constant when `v` is null.
struct Term {
  Value v;
  int64_t c = 0;
};

Term termOf(OpFoldResult ofr) {
  if (std::optional<int64_t> c = getConstantIntValue(ofr))
    return {Value(), *c};
  return {cast<Value>(ofr), 0};
}

std::optional<int64_t> minKnown(std::optional<int64_t> x,
                                std::optional<int64_t> y) {
  if (x && y)
    return std::min(*x, *y);
  return x ? x : y;
}

std::optional<int64_t> maxBoth(std::optional<int64_t> x,
                               std::optional<int64_t> y) {
  if (x && y)
    return std::max(*x, *y);
  return std::nullopt;
}

std::optional<int64_t> plus(std::optional<int64_t> x, int64_t k) {
  if (x)
    return *x + k;
  return std::nullopt;
}

/// An upper bound of `a - b` read off the index ops that computed them
/// (the min/max/add/sub/select the slice arithmetic emits), or none.
OpFoldResult traceSize(Value v, int64_t d, int depth = 0);

/// `t` with a tensor.dim replaced by the size it reads, where known.
Term expandDim(Term t) {
  auto dim = t.v ? t.v.getDefiningOp<tensor::DimOp>() : nullptr;
  std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
  if (!index)
    return t;
  OpFoldResult size = traceSize(dim.getSource(), *index);
  return size ? termOf(size) : t;
}

std::optional<int64_t> boundDiff(Term a, Term b, int depth) {
  if (depth > 12)
    return std::nullopt;
  if (!a.v && !b.v)
    return a.c - b.c;
  if (a.v && b.v && sameSize(a.v, b.v))
    return 0;
  Term ea = expandDim(a), eb = expandDim(b);
  if (ea.v != a.v || eb.v != b.v || ea.c != a.c || eb.c != b.c)
    return boundDiff(ea, eb, depth + 1);
  auto operand = [](Operation *op, int i) { return termOf(op->getOperand(i)); };
  if (b.v) {
    Operation *op = b.v.getDefiningOp();
    if (isa_and_present<arith::MaxSIOp>(op))
      return minKnown(boundDiff(a, operand(op, 0), depth + 1),
                      boundDiff(a, operand(op, 1), depth + 1));
    if (isa_and_present<arith::MinSIOp, arith::SelectOp>(op)) {
      int first = isa<arith::SelectOp>(op) ? 1 : 0;
      return maxBoth(boundDiff(a, operand(op, first), depth + 1),
                     boundDiff(a, operand(op, first + 1), depth + 1));
    }
    if (isa_and_present<arith::AddIOp, arith::SubIOp>(op)) {
      Term x = operand(op, 0), y = operand(op, 1);
      bool sub = isa<arith::SubIOp>(op);
      if (!y.v)
        return plus(boundDiff(a, x, depth + 1), sub ? y.c : -y.c);
      if (!x.v && !sub)
        return plus(boundDiff(a, y, depth + 1), -x.c);
    }
  }
  if (a.v) {
    Operation *op = a.v.getDefiningOp();
    if (isa_and_present<arith::MinSIOp>(op))
      return minKnown(boundDiff(operand(op, 0), b, depth + 1),
                      boundDiff(operand(op, 1), b, depth + 1));
    if (isa_and_present<arith::MaxSIOp, arith::SelectOp>(op)) {
      int first = isa<arith::SelectOp>(op) ? 1 : 0;
      return maxBoth(boundDiff(operand(op, first), b, depth + 1),
                     boundDiff(operand(op, first + 1), b, depth + 1));
    }
    if (isa_and_present<arith::AddIOp, arith::SubIOp>(op)) {
      Term x = operand(op, 0), y = operand(op, 1);
      bool sub = isa<arith::SubIOp>(op);
      if (!y.v)
        return plus(boundDiff(x, b, depth + 1), sub ? -y.c : y.c);
      if (!x.v && !sub)
        return plus(boundDiff(y, b, depth + 1), x.c);
      // (x - y) - c <= bound(x - y) - c
      if (sub && !b.v)
        return plus(boundDiff(x, y, depth + 1), -b.c);
    }
    if (isa_and_present<arith::CeilDivSIOp>(op) && !b.v) {
      Term x = operand(op, 0), k = operand(op, 1);
      std::optional<int64_t> ub = boundDiff(x, Term{}, depth + 1);
      if (!k.v && k.c > 0 && ub)
        return llvm::divideCeilSigned(*ub, k.c) - b.c;
    }
  }
  return std::nullopt;
}

/// The size of dimension `d` of `v` as the ops that made `v` computed it
/// (slice sizes, tensor.empty sizes through destination-style ops), or null.
OpFoldResult traceSize(Value v, int64_t d, int depth) {
  RankedTensorType type = tensorType(v);
  if (!type.isDynamicDim(d))
    return Builder(v.getContext()).getIndexAttr(type.getDimSize(d));
  if (depth > 8)
    return OpFoldResult();
  Operation *op = v.getDefiningOp();
  if (auto slice = dyn_cast_or_null<tensor::ExtractSliceOp>(op)) {
    llvm::SmallBitVector dropped = slice.getDroppedDims();
    int64_t seen = -1;
    for (int64_t s = 0; s < (int64_t)dropped.size(); ++s)
      if (!dropped.test(s) && ++seen == d)
        return slice.getMixedSizes()[s];
    return OpFoldResult();
  }
  if (auto empty = dyn_cast_or_null<tensor::EmptyOp>(op))
    return empty.getMixedSizes()[d];
  if (auto cast = dyn_cast_or_null<tensor::CastOp>(op))
    return traceSize(cast.getSource(), d, depth + 1);
  if (auto dps = dyn_cast_or_null<DestinationStyleOpInterface>(op)) {
    auto result = cast<OpResult>(v);
    return traceSize(dps.getDpsInits()[result.getResultNumber()], d, depth + 1);
  }
  return OpFoldResult();
}
} // namespace

bool atMostOne(Value v, int64_t d) {
  RankedTensorType type = tensorType(v);
  if (!type.isDynamicDim(d))
    return type.getDimSize(d) <= 1;
  OpFoldResult size = traceSize(v, d);
  if (!size)
    return false;
  std::optional<int64_t> ub = boundDiff(termOf(size), Term{}, 0);
  return ub && *ub <= 1;
}

//===----------------------------------------------------------------------===//
// Broadcasting and elementwise ops
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<OpFoldResult>>
broadcastShapes(GraphImporter &imp, const onnx::NodeProto &node,
                ArrayRef<Value> operands,
                ArrayRef<SmallVector<OpFoldResult>> extraShapes) {
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  // Each operand's sizes; dynamic sizes of tensors are made (tensor.dim)
  // only when one is picked.
  struct Shape {
    Value tensor;
    SmallVector<int64_t> shape;
    ArrayRef<OpFoldResult> sizes;
  };
  SmallVector<Shape> shapes;
  for (Value v : operands)
    shapes.push_back({v, llvm::to_vector(tensorType(v).getShape()), {}});
  for (const SmallVector<OpFoldResult> &sizes : extraShapes)
    shapes.push_back({Value(), staticShape(sizes), sizes});
  int64_t rank = 0;
  for (const Shape &s : shapes)
    rank = std::max<int64_t>(rank, s.shape.size());

  SmallVector<OpFoldResult> result;
  for (int64_t d = 0; d < rank; ++d) {
    std::optional<int64_t> fixed;
    const Shape *dynamicFrom = nullptr, *weakFrom = nullptr;
    int64_t dynamicDim = 0, weakDim = 0;
    for (const Shape &s : shapes) {
      int64_t j = d - (rank - (int64_t)s.shape.size());
      if (j < 0)
        continue;
      int64_t size = s.shape[j];
      if (ShapedType::isDynamic(size)) {
        // A dynamic size known to be at most 1 (a slice of one element,
        // say) broadcasts like a 1.
        if (s.tensor && atMostOne(s.tensor, j)) {
          if (!weakFrom) {
            weakFrom = &s;
            weakDim = j;
          }
          continue;
        }
        if (!dynamicFrom) {
          dynamicFrom = &s;
          dynamicDim = j;
        }
        continue;
      }
      if (size == 1)
        continue;
      if (fixed && *fixed != size) {
        std::string shapesText;
        llvm::raw_string_ostream os(shapesText);
        llvm::interleave(
            shapes, os,
            [&](const Shape &sh) {
              os << "[";
              llvm::interleave(
                  sh.shape, os,
                  [&](int64_t x) {
                    if (ShapedType::isDynamic(x))
                      os << "?";
                    else
                      os << x;
                  },
                  ", ");
              os << "]";
            },
            " and ");
        return imp.nodeError(node, "cannot broadcast shapes " + shapesText +
                                       ": dimension " + Twine(d) + " is " +
                                       Twine(*fixed) + " and " + Twine(size));
      }
      fixed = size;
    }
    if (fixed)
      result.push_back(b.getIndexAttr(*fixed));
    else if (dynamicFrom && dynamicFrom->tensor)
      result.push_back(
          tensor::getMixedSize(b, loc, dynamicFrom->tensor, dynamicDim));
    else if (dynamicFrom)
      result.push_back(dynamicFrom->sizes[dynamicDim]);
    else if (weakFrom)
      result.push_back(tensor::getMixedSize(b, loc, weakFrom->tensor, weakDim));
    else
      result.push_back(b.getIndexAttr(1));
  }
  return result;
}

Value dropUnitDims(OpBuilder &b, Location loc, Value v,
                   ArrayRef<int64_t> dims) {
  if (dims.empty())
    return v;
  RankedTensorType type = tensorType(v);
  SmallVector<ReassociationIndices> groups;
  SmallVector<int64_t> shape;
  ReassociationIndices pending;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (llvm::is_contained(dims, d)) {
      // A dropped dimension joins the group before it (or the next one).
      if (groups.empty())
        pending.push_back(d);
      else
        groups.back().push_back(d);
      continue;
    }
    ReassociationIndices group = pending;
    pending.clear();
    group.push_back(d);
    groups.push_back(group);
    shape.push_back(type.getDimSize(d));
  }
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return tensor::CollapseShapeOp::create(b, loc, resultType, v, groups);
}

Value broadcastOperand(OpBuilder &b, Location loc, Value v, int64_t count,
                       ArrayRef<OpFoldResult> sizes,
                       SmallVectorImpl<int64_t> &loops) {
  RankedTensorType type = tensorType(v);
  int64_t offset = sizes.size() - count;
  SmallVector<int64_t> dropped;
  SmallVector<int64_t> shape(type.getShape());
  bool cast = false;
  for (int64_t j = 0; j < count; ++j) {
    OpFoldResult size = sizes[offset + j];
    bool broadcast;
    if (!type.isDynamicDim(j))
      broadcast = type.getDimSize(j) == 1 && getConstantIntValue(size) != 1;
    else
      broadcast = getConstantIntValue(size) != 1 && atMostOne(v, j) &&
                  !isDimOf(size, v, j) && !sameSize(size, traceSize(v, j));
    if (!broadcast) {
      loops.push_back(offset + j);
      continue;
    }
    if (type.isDynamicDim(j)) {
      shape[j] = 1;
      cast = true;
    }
    dropped.push_back(j);
  }
  if (cast)
    v = tensor::CastOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), v);
  return dropUnitDims(b, loc, v, dropped);
}

FailureOr<Value>
buildElementwise(GraphImporter &imp, const onnx::NodeProto &node,
                 ArrayRef<Value> operands, Type resultElem, ScalarBuilder fn,
                 std::optional<ArrayRef<OpFoldResult>> resultSizes) {
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  SmallVector<OpFoldResult> sizes;
  if (resultSizes) {
    sizes.assign(resultSizes->begin(), resultSizes->end());
  } else {
    FailureOr<SmallVector<OpFoldResult>> s =
        broadcastShapes(imp, node, operands);
    if (failed(s))
      return failure();
    sizes = std::move(*s);
  }
  int64_t rank = sizes.size();
  SmallVector<int64_t> shape = staticShape(sizes);
  MLIRContext *ctx = b.getContext();

  // Each operand is a generic input (with its map) or a splat constant.
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  SmallVector<TypedAttr> splats(operands.size());
  SmallVector<int> inputIndex(operands.size(), -1);
  for (auto [i, v] : llvm::enumerate(operands)) {
    RankedTensorType type = tensorType(v);
    bool fits = type.getRank() <= rank;
    for (int64_t j = 0; fits && j < type.getRank(); ++j) {
      int64_t have = type.getDimSize(j),
              want = shape[rank - type.getRank() + j];
      fits = have == 1 || ShapedType::isDynamic(have) ||
             ShapedType::isDynamic(want) || have == want;
    }
    if (!fits) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << "cannot broadcast " << type << " to shape [";
      llvm::interleave(
          shape, os,
          [&](int64_t x) {
            if (ShapedType::isDynamic(x))
              os << "?";
            else
              os << x;
          },
          ", ");
      os << "]";
      return imp.nodeError(node, text);
    }
    if (std::optional<DenseElementsAttr> cst = imp.constantValue(v)) {
      if (cst->isSplat()) {
        splats[i] = cst->getSplatValue<TypedAttr>();
        continue;
      }
    }
    SmallVector<int64_t> loops;
    Value input = broadcastOperand(b, loc, v, type.getRank(), sizes, loops);
    SmallVector<AffineExpr> exprs;
    for (int64_t l : loops)
      exprs.push_back(getAffineDimExpr(l, ctx));
    inputIndex[i] = inputs.size();
    inputs.push_back(input);
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = emptyTensor(b, loc, sizes, resultElem);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto resultType = RankedTensorType::get(shape, resultElem);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> scalars;
        for (size_t i = 0; i < operands.size(); ++i) {
          if (splats[i])
            scalars.push_back(arith::ConstantOp::create(nb, nloc, splats[i]));
          else
            scalars.push_back(args[inputIndex[i]]);
        }
        Value out = fn(nb, nloc, scalars);
        linalg::YieldOp::create(nb, nloc, out);
      });
  return generic.getResult(0);
}

Value insertUnitDims(OpBuilder &b, Location loc, Value v,
                     ArrayRef<int64_t> positions) {
  if (positions.empty())
    return v;
  RankedTensorType type = tensorType(v);
  int64_t rank = type.getRank() + positions.size();
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  int64_t next = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (llvm::is_contained(positions, d)) {
      shape.push_back(1);
      sizes.push_back(b.getIndexAttr(1));
      // A new unit dimension joins the group before it (or the next one).
      if (groups.empty())
        pending.push_back(d);
      else
        groups.back().push_back(d);
      continue;
    }
    shape.push_back(type.getDimSize(next));
    sizes.push_back(foldIndex(b, tensor::getMixedSize(b, loc, v, next)));
    ++next;
    ReassociationIndices group = pending;
    pending.clear();
    group.push_back(d);
    groups.push_back(group);
  }
  if (type.getRank() == 0)
    groups.clear();
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, resultType, v, groups, sizes);
}

/// Whether `size` is the product of the sizes of `src` in `dims`: a tree
/// of arith.muli over their tensor.dim values and constants.
static bool isProductOfDims(OpFoldResult size, Value src,
                            ArrayRef<int64_t> dims) {
  SmallVector<OpFoldResult> work = {size};
  SmallVector<int64_t> found;
  int64_t constant = 1;
  while (!work.empty()) {
    OpFoldResult f = work.pop_back_val();
    if (std::optional<int64_t> c = getConstantIntValue(f)) {
      constant *= *c;
      continue;
    }
    Value v = cast<Value>(f);
    if (auto mul = v.getDefiningOp<arith::MulIOp>()) {
      work.push_back(mul.getLhs());
      work.push_back(mul.getRhs());
      continue;
    }
    auto dim = v.getDefiningOp<tensor::DimOp>();
    std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
    if (!dim || dim.getSource() != src || !index ||
        !llvm::is_contained(dims, *index) || llvm::is_contained(found, *index))
      return false;
    found.push_back(*index);
  }
  RankedTensorType type = tensorType(src);
  int64_t expected = 1;
  for (int64_t d : dims) {
    if (type.isDynamicDim(d)) {
      if (!llvm::is_contained(found, d))
        return false;
    } else {
      expected *= type.getDimSize(d);
    }
  }
  return constant == expected;
}

/// Whether reshaping `src` to `sizes` along `groups` keeps every dynamic
/// size right: each group holds at most one dynamic size on either side,
/// and a dynamic size is provably the source's (a one-to-one group with the
/// same size) or the only dynamic size of the whole reshape (then the
/// element count fixes it).
static bool reshapeIsSafe(Value src, ArrayRef<OpFoldResult> sizes,
                          ArrayRef<ReassociationIndices> groups,
                          bool collapse) {
  RankedTensorType type = tensorType(src);
  SmallVector<int64_t> dst = staticShape(sizes);
  int64_t srcDynamic = type.getNumDynamicDims();
  int64_t dstDynamic = llvm::count_if(dst, ShapedType::isDynamic);
  bool onlyOne = srcDynamic <= 1 && dstDynamic <= 1;
  for (auto [g, group] : llvm::enumerate(groups)) {
    // `group` indexes the larger side; `g` the smaller side.
    auto bigDynamic = [&](int64_t d) {
      return collapse ? type.isDynamicDim(d) : ShapedType::isDynamic(dst[d]);
    };
    bool smallDynamic =
        collapse ? ShapedType::isDynamic(dst[g]) : type.isDynamicDim(g);
    int64_t numBig = llvm::count_if(group, bigDynamic);
    // Several dynamic sizes collapsed into their product (x.reshape(B * T,
    // F) as PyTorch exports it). Not for expand_shape: LLVM 22 cannot
    // lower two dynamic sizes in one group of one.
    if (collapse && numBig > 1 && smallDynamic &&
        isProductOfDims(sizes[g], src, group))
      continue;
    if (numBig > 1 || (numBig == 1) != smallDynamic)
      return false;
    if (!smallDynamic || onlyOne)
      continue;
    if (group.size() != 1)
      return false;
    int64_t srcDim = collapse ? group[0] : g;
    int64_t dstDim = collapse ? g : group[0];
    if (!isDimOf(sizes[dstDim], src, srcDim))
      return false;
  }
  return true;
}

Value reshapeTo(OpBuilder &b, Location loc, Value v,
                ArrayRef<OpFoldResult> sizes) {
  RankedTensorType type = tensorType(v);
  SmallVector<int64_t> shape = staticShape(sizes);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  if (resultType == type) {
    // With one dynamic size, the element count fixes it; otherwise each
    // must be the source's own.
    bool same = true;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d) && !isDimOf(sizes[d], v, d))
        same = false;
    if (same || type.getNumDynamicDims() <= 1)
      return v;
  }
  int64_t srcRank = type.getRank(), dstRank = shape.size();
  if (srcRank != dstRank) {
    bool collapse = srcRank > dstRank;
    std::optional<SmallVector<ReassociationIndices>> groups =
        getReassociationIndicesForReshape(type, resultType);
    if (groups && !groups->empty() &&
        reshapeIsSafe(v, sizes, *groups, collapse)) {
      if (collapse)
        return tensor::CollapseShapeOp::create(b, loc, resultType, v, *groups);
      SmallVector<OpFoldResult> folded;
      for (OpFoldResult s : sizes)
        folded.push_back(foldIndex(b, s));
      return tensor::ExpandShapeOp::create(b, loc, resultType, v, *groups,
                                           folded);
    }
    // To or from rank 0: all sizes are 1.
    if (dstRank == 0 && type.hasStaticShape())
      return tensor::CollapseShapeOp::create(
          b, loc, resultType, v, SmallVector<ReassociationIndices>{});
    if (srcRank == 0 && resultType.hasStaticShape())
      return tensor::ExpandShapeOp::create(b, loc, resultType, v,
                                           SmallVector<ReassociationIndices>{},
                                           ArrayRef<OpFoldResult>{});
  }
  SmallVector<Value> dims;
  for (OpFoldResult s : sizes)
    dims.push_back(getValueOrCreateConstantIndexOp(b, loc, s));
  Value shapeTensor = tensor::FromElementsOp::create(b, loc, dims);
  return tensor::ReshapeOp::create(b, loc, resultType, v, shapeTensor);
}

//===----------------------------------------------------------------------===//
// Compile-time integers
//===----------------------------------------------------------------------===//

bool isIntVectorType(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  return t && t.getRank() <= 1 && t.getElementType().isSignlessInteger() &&
         !t.getElementType().isInteger(1);
}

FailureOr<SmallVector<int64_t>> constantInts(GraphImporter &imp,
                                             const onnx::NodeProto &node,
                                             Value v, StringRef what) {
  if (std::optional<SmallVector<OpFoldResult>> known = imp.knownInts(v)) {
    SmallVector<int64_t> out;
    for (OpFoldResult e : *known) {
      std::optional<int64_t> c = getConstantIntValue(e);
      if (!c)
        break;
      out.push_back(*c);
    }
    if (out.size() == known->size())
      return out;
  }
  if (std::optional<DenseElementsAttr> cst = imp.constantValue(v)) {
    if (cst->getElementType().isSignlessInteger()) {
      SmallVector<int64_t> out;
      for (const APInt &x : cst->getValues<APInt>())
        out.push_back(x.getSExtValue());
      return out;
    }
  }
  return imp.nodeError(node, what + " must be a compile-time constant");
}

FailureOr<SizeInts> sizeInts(GraphImporter &imp, const onnx::NodeProto &node,
                             Value v, StringRef what) {
  if (std::optional<SmallVector<OpFoldResult>> known = imp.knownInts(v))
    return SizeInts{*known, false};
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !isIntVectorType(type) || !type.hasStaticShape())
    return imp.nodeError(node, what + " must be computable at compile time "
                                      "(or a 1-D integer tensor of static "
                                      "length)");
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  SizeInts out;
  out.fromRunTime = true;
  int64_t n = type.getRank() == 0 ? 1 : type.getDimSize(0);
  for (int64_t i = 0; i < n; ++i) {
    SmallVector<Value> idx;
    if (type.getRank() == 1)
      idx.push_back(arith::ConstantIndexOp::create(b, loc, i));
    Value e = tensor::ExtractOp::create(b, loc, v, idx);
    out.values.push_back(
        arith::IndexCastOp::create(b, loc, b.getIndexType(), e).getResult());
  }
  return out;
}

Value materializeInts(GraphImporter &imp, Location loc,
                      ArrayRef<OpFoldResult> elements, RankedTensorType type) {
  OpBuilder &b = imp.builder();
  Type elemType = type.getElementType();
  unsigned width = elemType.getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  for (OpFoldResult e : elements)
    if (std::optional<int64_t> c = getConstantIntValue(e))
      values.push_back(APInt(width, *c, /*isSigned=*/true));
  Value result;
  if (values.size() == elements.size()) {
    result = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<APInt>(values)));
  } else {
    SmallVector<Value> scalars;
    for (OpFoldResult e : elements) {
      if (std::optional<int64_t> c = getConstantIntValue(e)) {
        scalars.push_back(arith::ConstantOp::create(
            b, loc, elemType, b.getIntegerAttr(elemType, *c)));
        continue;
      }
      Value v = cast<Value>(e);
      if (v.getType() != elemType)
        v = arith::IndexCastOp::create(b, loc, elemType, v);
      scalars.push_back(v);
    }
    result = tensor::FromElementsOp::create(b, loc, type, scalars);
  }
  SmallVector<OpFoldResult> known;
  for (OpFoldResult e : elements)
    known.push_back(foldIndex(b, e));
  imp.setKnownInts(result, known);
  return result;
}

} // namespace recur::onnx_import

//===- OpsElementwise.cpp - ONNX elementwise ops --------------------------===//
//
// Unary, binary and variadic elementwise ops, comparisons, Where, Clip and
// Cast: each one linalg.generic over the broadcast shape whose body is the
// scalar arith/math op, so the affine analyses see `arith.addf`,
// `arith.mulf`, ... on the state. On small integer vectors known at compile
// time (shape arithmetic), Add/Sub/Mul/Div and Cast compute the known
// elements too.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OpsCommon.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <cfloat>

using namespace mlir;

namespace recur::onnx_import {
namespace {

/// The element types an op takes.
enum TypeClass : unsigned {
  kFloat = 1,
  kInt = 2,  // integers other than bool
  kBool = 4, // i1
  kNumeric = kFloat | kInt,
  kAny = kFloat | kInt | kBool,
};

bool typeAllowed(Type elem, unsigned allowed) {
  if (isa<FloatType>(elem))
    return allowed & kFloat;
  if (elem.isInteger(1))
    return allowed & kBool;
  if (elem.isSignlessInteger())
    return allowed & kInt;
  return false;
}

LogicalResult checkType(GraphImporter &imp, const onnx::NodeProto &node,
                        Value v, unsigned allowed) {
  Type elem = elementType(v);
  if (typeAllowed(elem, allowed))
    return success();
  std::string text;
  llvm::raw_string_ostream os(text);
  os << elem;
  return imp.nodeError(node, "does not support element type " + text);
}

/// All operands of an op whose inputs share one element type.
LogicalResult checkSameTypes(GraphImporter &imp, const onnx::NodeProto &node,
                             ArrayRef<Value> operands) {
  for (Value v : operands.drop_front())
    if (elementType(v) != elementType(operands.front()))
      return imp.nodeError(node, "expects inputs of one element type");
  return success();
}

Value constantLike(OpBuilder &b, Location loc, Value like, double value) {
  return scalarConstant(b, loc, like.getType(), value);
}

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

using UnaryFn =
    std::function<Value(OpBuilder &, Location, Value, const onnx::NodeProto &)>;

void addUnary(ConverterTable &table, StringRef name, unsigned allowed,
              UnaryFn fn) {
  table[name] = [allowed, fn](GraphImporter &imp,
                              const onnx::NodeProto &node) -> LogicalResult {
    if (failed(checkInputCount(imp, node, 1, 1)))
      return failure();
    FailureOr<Value> x = tensorInput(imp, node, 0);
    if (failed(x) || failed(checkType(imp, node, *x, allowed)))
      return failure();
    // Shape arithmetic: the negation of a known vector is known.
    if (node.op_type() == "Neg" && isIntVectorType(x->getType())) {
      if (std::optional<SmallVector<OpFoldResult>> known = imp.knownInts(*x)) {
        OpBuilder &b = imp.builder();
        Location loc = imp.loc(node);
        SmallVector<OpFoldResult> out;
        for (OpFoldResult e : *known)
          out.push_back(subIndex(b, loc, b.getIndexAttr(0), e));
        imp.defineOutput(node, 0,
                         materializeInts(imp, loc, out, tensorType(*x)));
        return success();
      }
    }
    FailureOr<Value> y =
        buildElementwise(imp, node, {*x}, elementType(*x),
                         [&](OpBuilder &b, Location loc, ValueRange args) {
                           return fn(b, loc, args[0], node);
                         });
    if (failed(y))
      return failure();
    imp.defineOutput(node, 0, *y);
    return success();
  };
}

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  // 1 / (1 + e^-x): e^-x overflows to inf for very negative x, giving 0.
  Value one = constantLike(b, loc, x, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

void registerUnary(ConverterTable &t) {
  using B = OpBuilder;
  using L = Location;
  using N = const onnx::NodeProto &;
  addUnary(t, "Neg", kNumeric, [](B &b, L loc, Value x, N) -> Value {
    if (isa<FloatType>(x.getType()))
      return arith::NegFOp::create(b, loc, x);
    return arith::SubIOp::create(b, loc, constantLike(b, loc, x, 0), x);
  });
  addUnary(t, "Abs", kNumeric, [](B &b, L loc, Value x, N) -> Value {
    if (isa<FloatType>(x.getType()))
      return math::AbsFOp::create(b, loc, x);
    return math::AbsIOp::create(b, loc, x);
  });
  addUnary(t, "Relu", kNumeric, [](B &b, L loc, Value x, N) -> Value {
    Value zero = constantLike(b, loc, x, 0);
    if (isa<FloatType>(x.getType()))
      return arith::MaximumFOp::create(b, loc, x, zero);
    return arith::MaxSIOp::create(b, loc, x, zero);
  });
  addUnary(t, "Exp", kFloat, [](B &b, L loc, Value x, N) -> Value {
    return math::ExpOp::create(b, loc, x);
  });
  addUnary(t, "Log", kFloat, [](B &b, L loc, Value x, N) -> Value {
    return math::LogOp::create(b, loc, x);
  });
  addUnary(t, "Sqrt", kFloat, [](B &b, L loc, Value x, N) -> Value {
    return math::SqrtOp::create(b, loc, x);
  });
  addUnary(t, "Tanh", kFloat, [](B &b, L loc, Value x, N) -> Value {
    return math::TanhOp::create(b, loc, x);
  });
  addUnary(t, "Erf", kFloat, [](B &b, L loc, Value x, N) -> Value {
    return math::ErfOp::create(b, loc, x);
  });
  addUnary(t, "Sin", kFloat, [](B &b, L loc, Value x, N) -> Value {
    return math::SinOp::create(b, loc, x);
  });
  addUnary(t, "Cos", kFloat, [](B &b, L loc, Value x, N) -> Value {
    return math::CosOp::create(b, loc, x);
  });
  addUnary(t, "Floor", kFloat, [](B &b, L loc, Value x, N) -> Value {
    return math::FloorOp::create(b, loc, x);
  });
  addUnary(t, "Ceil", kFloat, [](B &b, L loc, Value x, N) -> Value {
    return math::CeilOp::create(b, loc, x);
  });
  addUnary(t, "Sigmoid", kFloat,
           [](B &b, L loc, Value x, N) -> Value { return sigmoid(b, loc, x); });
  addUnary(t, "Reciprocal", kFloat, [](B &b, L loc, Value x, N) -> Value {
    return arith::DivFOp::create(b, loc, constantLike(b, loc, x, 1.0), x);
  });
  addUnary(t, "Softplus", kFloat, [](B &b, L loc, Value x, N) -> Value {
    // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x.
    Value zero = constantLike(b, loc, x, 0.0);
    Value pos = arith::MaximumFOp::create(b, loc, x, zero);
    Value negAbs =
        arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
    Value tail =
        math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, negAbs));
    return arith::AddFOp::create(b, loc, pos, tail);
  });
  addUnary(t, "Softsign", kFloat, [](B &b, L loc, Value x, N) -> Value {
    Value one = constantLike(b, loc, x, 1.0);
    Value den =
        arith::AddFOp::create(b, loc, one, math::AbsFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, x, den);
  });
  addUnary(t, "LeakyRelu", kFloat, [](B &b, L loc, Value x, N node) -> Value {
    Value alpha = constantLike(b, loc, x, attrFloat(node, "alpha", 0.01f));
    Value negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                           constantLike(b, loc, x, 0.0));
    return arith::SelectOp::create(b, loc, negative,
                                   arith::MulFOp::create(b, loc, alpha, x), x);
  });
  addUnary(t, "Elu", kFloat, [](B &b, L loc, Value x, N node) -> Value {
    Value alpha = constantLike(b, loc, x, attrFloat(node, "alpha", 1.0f));
    Value negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                           constantLike(b, loc, x, 0.0));
    Value em1 = math::ExpM1Op::create(b, loc, x);
    return arith::SelectOp::create(
        b, loc, negative, arith::MulFOp::create(b, loc, alpha, em1), x);
  });
  addUnary(t, "HardSigmoid", kFloat, [](B &b, L loc, Value x, N node) -> Value {
    Value alpha = constantLike(b, loc, x, attrFloat(node, "alpha", 0.2f));
    Value beta = constantLike(b, loc, x, attrFloat(node, "beta", 0.5f));
    Value y = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, alpha, x), beta);
    y = arith::MaximumFOp::create(b, loc, y, constantLike(b, loc, x, 0.0));
    return arith::MinimumFOp::create(b, loc, y, constantLike(b, loc, x, 1.0));
  });
  addUnary(t, "Not", kBool, [](B &b, L loc, Value x, N) -> Value {
    return arith::XOrIOp::create(b, loc, x, constantLike(b, loc, x, 1));
  });
}

//===----------------------------------------------------------------------===//
// Binary and variadic
//===----------------------------------------------------------------------===//

using BinaryFn = std::function<Value(OpBuilder &, Location, Value, Value)>;
/// Known-int arithmetic (shape computations); null where it does not apply.
using KnownFn = std::function<OpFoldResult(OpBuilder &, Location, OpFoldResult,
                                           OpFoldResult)>;

/// `fn` on the known elements of two 0-D/1-D integer operands (broadcast
/// numpy-style), materialized and recorded; null when either is unknown.
Value foldKnownBinary(GraphImporter &imp, const onnx::NodeProto &node,
                      Value lhs, Value rhs, const KnownFn &fn) {
  if (!fn || !isIntVectorType(lhs.getType()) || !isIntVectorType(rhs.getType()))
    return Value();
  std::optional<SmallVector<OpFoldResult>> a = imp.knownInts(lhs);
  std::optional<SmallVector<OpFoldResult>> c = imp.knownInts(rhs);
  if (!a || !c)
    return Value();
  size_t n = std::max(a->size(), c->size());
  if ((a->size() != n && a->size() != 1) || (c->size() != n && c->size() != 1))
    return Value();
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  SmallVector<OpFoldResult> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(
        fn(b, loc, (*a)[a->size() == 1 ? 0 : i], (*c)[c->size() == 1 ? 0 : i]));
  int64_t rank = std::max(rankOf(lhs), rankOf(rhs));
  SmallVector<int64_t> shape;
  if (rank == 1)
    shape.push_back(n);
  auto type = RankedTensorType::get(shape, elementType(lhs));
  return materializeInts(imp, loc, out, type);
}

/// Whether `v` is produced by a plain 2-D linalg.matmul.
bool isMatmulResult(Value v) {
  auto mm = v.getDefiningOp<linalg::MatmulOp>();
  return mm && rankOf(v) == 2;
}

void addBinary(ConverterTable &table, StringRef name, unsigned allowed,
               bool boolResult, BinaryFn fn, KnownFn known = nullptr) {
  table[name] = [=](GraphImporter &imp,
                    const onnx::NodeProto &node) -> LogicalResult {
    SmallVector<Value, 2> xs;
    if (failed(checkInputCount(imp, node, 2, 2)) ||
        failed(tensorInputs(imp, node, 2, xs)) ||
        failed(checkType(imp, node, xs[0], allowed)) ||
        failed(checkSameTypes(imp, node, xs)))
      return failure();
    if (name == "Div" && isIntVectorType(xs[1].getType()))
      if (std::optional<SmallVector<OpFoldResult>> d = imp.knownInts(xs[1]))
        if (llvm::any_of(
                *d, [](OpFoldResult e) { return getConstantIntValue(e) == 0; }))
          return imp.nodeError(node, "divides integers by zero");
    if (Value folded = foldKnownBinary(imp, node, xs[0], xs[1], known)) {
      imp.defineOutput(node, 0, folded);
      return success();
    }
    OpBuilder &b = imp.builder();
    Location loc = imp.loc(node);
    Type elem = boolResult ? b.getI1Type() : elementType(xs[0]);
    // A bias row added to a matmul: the form recur-hoist-invariants folds
    // into a whole-sequence projection (arith.addf of a linalg.broadcast).
    if (name == "Add" && isa<FloatType>(elem)) {
      for (int i = 0; i < 2; ++i) {
        Value mm = xs[i], row = xs[1 - i];
        std::optional<DenseElementsAttr> cst = imp.constantValue(row);
        if (!isMatmulResult(mm) || rankOf(row) != 1 ||
            (cst && cst->isSplat()) ||
            tensorType(row).getDimSize(0) != tensorType(mm).getDimSize(1) ||
            tensorType(row).isDynamicDim(0))
          continue;
        Value init = emptyTensor(b, loc, sizesOf(b, loc, mm), elem);
        Value rows =
            linalg::BroadcastOp::create(b, loc, row, init, ArrayRef<int64_t>{0})
                .getResult()[0];
        Value sum = i == 0 ? arith::AddFOp::create(b, loc, mm, rows)
                           : arith::AddFOp::create(b, loc, rows, mm);
        imp.defineOutput(node, 0, sum);
        return success();
      }
    }
    FailureOr<Value> y = buildElementwise(
        imp, node, xs, elem, [&](OpBuilder &nb, Location nloc, ValueRange a) {
          return fn(nb, nloc, a[0], a[1]);
        });
    if (failed(y))
      return failure();
    imp.defineOutput(node, 0, *y);
    return success();
  };
}

/// A float/int pair of arith ops as a BinaryFn.
template <typename FloatOp, typename IntOp> BinaryFn arithPair() {
  return [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
    if (isa<FloatType>(x.getType()))
      return FloatOp::create(b, loc, x, y);
    return IntOp::create(b, loc, x, y);
  };
}

BinaryFn compare(arith::CmpFPredicate fp, arith::CmpIPredicate ip) {
  return [=](OpBuilder &b, Location loc, Value x, Value y) -> Value {
    if (isa<FloatType>(x.getType()))
      return arith::CmpFOp::create(b, loc, fp, x, y);
    return arith::CmpIOp::create(b, loc, ip, x, y);
  };
}

/// Max, Min, Sum, Mean: any number of inputs, broadcast together.
void addVariadic(ConverterTable &table, StringRef name, unsigned allowed,
                 BinaryFn fn, bool mean = false) {
  table[name] = [=](GraphImporter &imp,
                    const onnx::NodeProto &node) -> LogicalResult {
    if (node.input_size() < 1)
      return imp.nodeError(node, "expects at least one input");
    SmallVector<Value> xs;
    if (failed(tensorInputs(imp, node, node.input_size(), xs)) ||
        failed(checkType(imp, node, xs[0], allowed)) ||
        failed(checkSameTypes(imp, node, xs)))
      return failure();
    FailureOr<Value> y = buildElementwise(
        imp, node, xs, elementType(xs[0]),
        [&](OpBuilder &b, Location loc, ValueRange a) {
          Value acc = a[0];
          for (Value v : a.drop_front())
            acc = fn(b, loc, acc, v);
          if (mean)
            acc = arith::DivFOp::create(
                b, loc, acc, constantLike(b, loc, acc, (double)a.size()));
          return acc;
        });
    if (failed(y))
      return failure();
    imp.defineOutput(node, 0, *y);
    return success();
  };
}

LogicalResult convertPow(GraphImporter &imp, const onnx::NodeProto &node) {
  SmallVector<Value, 2> xs;
  if (failed(checkInputCount(imp, node, 2, 2)) ||
      failed(tensorInputs(imp, node, 2, xs)) ||
      failed(checkType(imp, node, xs[0], kNumeric)) ||
      failed(checkType(imp, node, xs[1], kNumeric)))
    return failure();
  Type elem = elementType(xs[0]);
  FailureOr<Value> y = buildElementwise(
      imp, node, xs, elem, [&](OpBuilder &b, Location loc, ValueRange a) {
        // Integer bases compute in f64 (exact for the results integers
        // hold) and truncate, as ONNX's reference does.
        Type compute = isa<FloatType>(elem) ? elem : b.getF64Type();
        Value base = convertScalar(b, loc, a[0], compute);
        Value exponent = convertScalar(b, loc, a[1], compute);
        Value r = math::PowFOp::create(b, loc, base, exponent);
        return convertScalar(b, loc, r, elem);
      });
  if (failed(y))
    return failure();
  imp.defineOutput(node, 0, *y);
  return success();
}

void registerBinary(ConverterTable &t) {
  using P = arith::CmpFPredicate;
  using IP = arith::CmpIPredicate;
  auto add = [](OpBuilder &b, Location loc, OpFoldResult x, OpFoldResult y) {
    return addIndex(b, loc, x, y);
  };
  auto sub = [](OpBuilder &b, Location loc, OpFoldResult x, OpFoldResult y) {
    return subIndex(b, loc, x, y);
  };
  auto mul = [](OpBuilder &b, Location loc, OpFoldResult x, OpFoldResult y) {
    return mulIndex(b, loc, x, y);
  };
  auto div = [](OpBuilder &b, Location loc, OpFoldResult x, OpFoldResult y) {
    return divIndex(b, loc, x, y);
  };
  addBinary(t, "Add", kNumeric, false,
            arithPair<arith::AddFOp, arith::AddIOp>(), add);
  addBinary(t, "Sub", kNumeric, false,
            arithPair<arith::SubFOp, arith::SubIOp>(), sub);
  addBinary(t, "Mul", kNumeric, false,
            arithPair<arith::MulFOp, arith::MulIOp>(), mul);
  addBinary(t, "Div", kNumeric, false,
            arithPair<arith::DivFOp, arith::DivSIOp>(), div);
  addBinary(t, "Equal", kAny, true, compare(P::OEQ, IP::eq));
  addBinary(t, "Less", kNumeric, true, compare(P::OLT, IP::slt));
  addBinary(t, "LessOrEqual", kNumeric, true, compare(P::OLE, IP::sle));
  addBinary(t, "Greater", kNumeric, true, compare(P::OGT, IP::sgt));
  addBinary(t, "GreaterOrEqual", kNumeric, true, compare(P::OGE, IP::sge));
  addBinary(t, "And", kBool, true,
            [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
              return arith::AndIOp::create(b, loc, x, y);
            });
  addBinary(t, "Or", kBool, true,
            [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
              return arith::OrIOp::create(b, loc, x, y);
            });
  addBinary(t, "Xor", kBool, true,
            [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
              return arith::XOrIOp::create(b, loc, x, y);
            });
  t["Pow"] = convertPow;
  addVariadic(t, "Max", kNumeric,
              arithPair<arith::MaximumFOp, arith::MaxSIOp>());
  addVariadic(t, "Min", kNumeric,
              arithPair<arith::MinimumFOp, arith::MinSIOp>());
  addVariadic(t, "Sum", kNumeric, arithPair<arith::AddFOp, arith::AddIOp>());
  addVariadic(t, "Mean", kFloat, arithPair<arith::AddFOp, arith::AddIOp>(),
              /*mean=*/true);
}

//===----------------------------------------------------------------------===//
// Where, Clip, Cast
//===----------------------------------------------------------------------===//

LogicalResult convertWhere(GraphImporter &imp, const onnx::NodeProto &node) {
  SmallVector<Value, 3> xs;
  if (failed(checkInputCount(imp, node, 3, 3)) ||
      failed(tensorInputs(imp, node, 3, xs)) ||
      failed(checkType(imp, node, xs[0], kBool)))
    return failure();
  if (elementType(xs[1]) != elementType(xs[2]))
    return imp.nodeError(node, "expects X and Y of one element type");
  FailureOr<Value> y = buildElementwise(
      imp, node, xs, elementType(xs[1]),
      [](OpBuilder &b, Location loc, ValueRange a) -> Value {
        return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
      });
  if (failed(y))
    return failure();
  imp.defineOutput(node, 0, *y);
  return success();
}

/// Clip: bounds as attributes before opset 11, as optional scalar inputs
/// from 11 on; an absent bound does not clip.
LogicalResult convertClip(GraphImporter &imp, const onnx::NodeProto &node) {
  bool boundsAsInputs = imp.opset() >= 11;
  if (failed(checkInputCount(imp, node, 1, boundsAsInputs ? 3 : 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x) || failed(checkType(imp, node, *x, kNumeric)))
    return failure();
  Type elem = elementType(*x);
  SmallVector<Value, 3> operands = {*x};
  std::optional<double> lo, hi; // attribute bounds
  int loIndex = -1, hiIndex = -1;
  if (boundsAsInputs) {
    for (int i = 1; i < 3; ++i) {
      FailureOr<Value> bound = optionalTensorInput(imp, node, i);
      if (failed(bound))
        return failure();
      if (!*bound)
        continue;
      // A scalar (or a tensor of one element, as some exporters write).
      if (elementType(*bound) != elem ||
          !llvm::all_of(tensorType(*bound).getShape(),
                        [](int64_t d) { return d == 1; }))
        return imp.nodeError(node, Twine(i == 1 ? "min" : "max") +
                                       " must be a scalar of the input's "
                                       "element type");
      (i == 1 ? loIndex : hiIndex) = operands.size();
      operands.push_back(*bound);
    }
  } else {
    if (!isa<FloatType>(elem))
      return imp.nodeError(node, "before opset 11 takes floats only");
    lo = attrFloat(node, "min", -FLT_MAX);
    hi = attrFloat(node, "max", FLT_MAX);
  }
  FailureOr<Value> y = buildElementwise(
      imp, node, operands, elem,
      [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        Value v = a[0];
        bool isFloat = isa<FloatType>(elem);
        Value loV = loIndex >= 0 ? a[loIndex]
                    : lo         ? scalarConstant(b, loc, elem, *lo)
                                 : Value();
        Value hiV = hiIndex >= 0 ? a[hiIndex]
                    : hi         ? scalarConstant(b, loc, elem, *hi)
                                 : Value();
        if (loV)
          v = isFloat ? arith::MaximumFOp::create(b, loc, v, loV).getResult()
                      : arith::MaxSIOp::create(b, loc, v, loV).getResult();
        if (hiV)
          v = isFloat ? arith::MinimumFOp::create(b, loc, v, hiV).getResult()
                      : arith::MinSIOp::create(b, loc, v, hiV).getResult();
        return v;
      });
  if (failed(y))
    return failure();
  imp.defineOutput(node, 0, *y);
  return success();
}

/// Cast and CastLike (the target type from the second input).
LogicalResult convertCast(GraphImporter &imp, const onnx::NodeProto &node) {
  bool like = node.op_type() == "CastLike";
  if (failed(checkInputCount(imp, node, like ? 2 : 1, like ? 2 : 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x) || failed(checkType(imp, node, *x, kAny)))
    return failure();
  Type to;
  if (like) {
    FailureOr<Value> target = tensorInput(imp, node, 1);
    if (failed(target))
      return failure();
    to = elementType(*target);
  } else {
    const onnx::AttributeProto *attr = findAttr(node, "to");
    if (!attr)
      return imp.nodeError(node, "needs the attribute 'to'");
    to = convertElementType(attr->i(), imp.context());
    if (!to)
      return imp.nodeError(node,
                           "casts to an unsupported element type (" +
                               onnx::TensorProto::DataType_Name(
                                   (onnx::TensorProto::DataType)attr->i()) +
                               ")");
  }
  if (!typeAllowed(to, kAny))
    return imp.nodeError(node, "casts to an unsupported element type");
  if (to == elementType(*x)) {
    imp.defineOutput(node, 0, *x);
    return success();
  }
  // Shape arithmetic: integer to integer keeps the known elements.
  if (isIntVectorType(x->getType()) && to.isSignlessInteger() &&
      !to.isInteger(1)) {
    if (std::optional<SmallVector<OpFoldResult>> known = imp.knownInts(*x)) {
      auto type = RankedTensorType::get(tensorType(*x).getShape(), to);
      imp.defineOutput(node, 0,
                       materializeInts(imp, imp.loc(node), *known, type));
      return success();
    }
  }
  FailureOr<Value> y = buildElementwise(
      imp, node, {*x}, to, [&](OpBuilder &b, Location loc, ValueRange a) {
        return convertScalar(b, loc, a[0], to);
      });
  if (failed(y))
    return failure();
  imp.defineOutput(node, 0, *y);
  return success();
}

} // namespace

void registerElementwiseOps(ConverterTable &table) {
  registerUnary(table);
  registerBinary(table);
  table["Where"] = convertWhere;
  table["Clip"] = convertClip;
  table["Cast"] = convertCast;
  table["CastLike"] = convertCast;
}

} // namespace recur::onnx_import

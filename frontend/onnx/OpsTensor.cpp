//===- OpsTensor.cpp - ONNX tensor, shape and linear-algebra ops ----------===//
//
// MatMul and Gemm (linalg.matmul, or a contraction linalg.generic when
// batched), reductions, Softmax and LayerNormalization (linalg.generic
// reductions), and the ops that move data or compute shapes: Transpose,
// Reshape, Flatten, Squeeze, Unsqueeze, Concat, Slice, Split, Gather, Shape,
// Size, Expand, Tile, Constant, ConstantOfShape, Identity, Dropout.
//
// Shapes flow as known integer vectors (GraphImporter::knownInts): Shape
// records its sizes, the ops that rearrange small integer vectors (Gather,
// Slice, Concat, Squeeze, Unsqueeze, Reshape, Split) record theirs, and the
// ops that take a shape or sizes as an input read it from there: a shape
// that is not computable at compile time is an error naming the node.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OpsCommon.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;

/// Sizes that would be read at run time (a shape that is a model input,
/// say) are refused where a bad value would make the code write out of
/// bounds: the generated code has no way yet to check them and fail with
/// an error. Slice's starts and ends are safe (they are clamped).
static LogicalResult runTimeSizesError(recur::onnx_import::GraphImporter &imp,
                                       const onnx::NodeProto &node,
                                       StringRef what) {
  return imp.nodeError(node, what + " must be computable at compile time; "
                                    "sizes read at run time are not "
                                    "checked yet, and a bad one would "
                                    "corrupt memory");
}

namespace recur::onnx_import {
namespace {

/// Binds output 0 and returns success (the common tail of a converter).
LogicalResult done(GraphImporter &imp, const onnx::NodeProto &node, Value v) {
  imp.defineOutput(node, 0, v);
  return success();
}

/// Errors unless the static sizes of `shape` are non-negative and describe
/// at most 2^40 elements (zeros left out, so no partial product overflows):
/// sizes taken from constants (Expand, Tile, ConstantOfShape) are checked
/// before they become types or constants.
LogicalResult checkStaticSizes(GraphImporter &imp, const onnx::NodeProto &node,
                               ArrayRef<int64_t> shape) {
  constexpr int64_t kMaxStaticElements = int64_t(1) << 40;
  int64_t product = 1;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d) || d == 0)
      continue;
    if (d < 0 || d > kMaxStaticElements / product)
      return imp.nodeError(node, "would produce static sizes of more than "
                                 "2^40 elements in all, which the importer "
                                 "does not take");
    product *= d;
  }
  return success();
}

/// A 0/1 attribute (keepdims, transA...): another value is an error rather
/// than a guess (ONNX Runtime reads keepdims == 1, other attributes != 0).
FailureOr<bool> boolAttr(GraphImporter &imp, const onnx::NodeProto &node,
                         StringRef name, bool defaultValue) {
  int64_t v = attrInt(node, name, defaultValue ? 1 : 0);
  if (v != 0 && v != 1)
    return imp.nodeError(node, name + " must be 0 or 1, got " + Twine(v));
  return v == 1;
}

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s + "]";
}

bool isFloatOrInt(Type elem) {
  return isa<FloatType>(elem) ||
         (elem.isSignlessInteger() && !elem.isInteger(1));
}

LogicalResult checkNumeric(GraphImporter &imp, const onnx::NodeProto &node,
                           Value v) {
  if (isFloatOrInt(elementType(v)))
    return success();
  return imp.nodeError(node, "takes float or integer tensors only");
}

LogicalResult checkFloat(GraphImporter &imp, const onnx::NodeProto &node,
                         Value v) {
  if (isa<FloatType>(elementType(v)))
    return success();
  return imp.nodeError(node, "takes float tensors only");
}

/// Normalizes a list of axes against `rank`; duplicates are an error.
FailureOr<SmallVector<int64_t>> normalizeAxes(GraphImporter &imp,
                                              const onnx::NodeProto &node,
                                              ArrayRef<int64_t> axes,
                                              int64_t rank) {
  SmallVector<int64_t> out;
  for (int64_t a : axes) {
    FailureOr<int64_t> n = normalizeAxis(imp, node, a, rank, "axis");
    if (failed(n))
      return failure();
    if (llvm::is_contained(out, *n))
      return imp.nodeError(node, "repeats axis " + Twine(a));
    out.push_back(*n);
  }
  llvm::sort(out);
  return out;
}

/// Axes from the attribute `axes` (before `inputFromOpset`) or from input
/// `index` (from it on); std::nullopt when absent.
FailureOr<std::optional<SmallVector<int64_t>>>
readAxes(GraphImporter &imp, const onnx::NodeProto &node,
         int64_t inputFromOpset, int index) {
  using Result = std::optional<SmallVector<int64_t>>;
  if (imp.opset() < inputFromOpset)
    return Result(attrInts(node, "axes"));
  if (findAttr(node, "axes"))
    return imp.nodeError(node, "takes axes as an input from opset " +
                                   Twine(inputFromOpset) +
                                   ", not as an attribute");
  FailureOr<Value> axes = optionalTensorInput(imp, node, index);
  if (failed(axes))
    return failure();
  if (!*axes)
    return Result();
  FailureOr<SmallVector<int64_t>> values =
      constantInts(imp, node, *axes, "axes");
  if (failed(values))
    return failure();
  return Result(*values);
}

/// The sizes of `v` without the dimensions in `axes` (sorted).
SmallVector<OpFoldResult> sizesWithout(OpBuilder &b, Location loc, Value v,
                                       ArrayRef<int64_t> axes) {
  SmallVector<OpFoldResult> sizes;
  for (auto [d, s] : llvm::enumerate(sizesOf(b, loc, v)))
    if (!llvm::is_contained(axes, (int64_t)d))
      sizes.push_back(foldIndex(b, s));
  return sizes;
}

//===----------------------------------------------------------------------===//
// Constants folded at import
//===----------------------------------------------------------------------===//

/// `attr` with its dimensions permuted (result dimension i is dimension
/// perm[i]), on the raw bytes; null for bit-packed booleans.
DenseElementsAttr transposeConstant(DenseElementsAttr attr,
                                    ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(attr.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  if (attr.isSplat())
    return attr.resizeSplat(resultType);
  if (type.getElementType().isInteger(1) ||
      type.getElementType().getIntOrFloatBitWidth() % 8 != 0)
    return nullptr;
  int64_t width = type.getElementType().getIntOrFloatBitWidth() / 8;
  int64_t rank = type.getRank(), count = type.getNumElements();
  ArrayRef<char> src = attr.getRawData();
  std::vector<char> dst(src.size());
  SmallVector<int64_t> srcStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    srcStrides[d] = srcStrides[d + 1] * type.getDimSize(d + 1);
  SmallVector<int64_t> index(rank, 0); // result index
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += index[d] * srcStrides[perm[d]];
    std::memcpy(&dst[i * width], &src[offset * width], width);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return DenseElementsAttr::getFromRawBuffer(resultType, dst);
}

Value transpose(OpBuilder &b, Location loc, GraphImporter &imp, Value v,
                ArrayRef<int64_t> perm) {
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(perm))
    identity &= (int64_t)i == p;
  if (identity)
    return v;
  if (std::optional<DenseElementsAttr> cst = imp.constantValue(v))
    if (DenseElementsAttr t = transposeConstant(*cst, perm))
      return arith::ConstantOp::create(b, loc, t);
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, v), permuted;
  for (int64_t p : perm)
    permuted.push_back(sizes[p]);
  Value init = emptyTensor(b, loc, permuted, elementType(v));
  return linalg::TransposeOp::create(b, loc, v, init, perm)->getResult(0);
}

//===----------------------------------------------------------------------===//
// MatMul, Gemm
//===----------------------------------------------------------------------===//

Value zeros(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
            Type elem) {
  return filledTensor(b, loc, sizes, scalarConstant(b, loc, elem, 0));
}

/// a*b + acc on scalars of either kind.
Value multiplyAdd(OpBuilder &b, Location loc, Value x, Value y, Value acc) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, acc,
                                 arith::MulFOp::create(b, loc, x, y));
  return arith::AddIOp::create(b, loc, acc,
                               arith::MulIOp::create(b, loc, x, y));
}

/// numpy matmul of `a` [..., M, K] and `b` [..., K, N] (both of rank >= 2):
/// linalg.matmul for two matrices, else one contraction linalg.generic
/// whose batch dimensions broadcast.
FailureOr<Value> matmul(GraphImporter &imp, const onnx::NodeProto &node,
                        Value a, Value bm) {
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  RankedTensorType at = tensorType(a), bt = tensorType(bm);
  int64_t ra = at.getRank(), rb = bt.getRank();
  int64_t ka = at.getDimSize(ra - 1), kb = bt.getDimSize(rb - 2);
  if (!ShapedType::isDynamic(ka) && !ShapedType::isDynamic(kb) && ka != kb)
    return imp.nodeError(node, "cannot multiply " + shapeText(at.getShape()) +
                                   " by " + shapeText(bt.getShape()) +
                                   ": inner sizes " + Twine(ka) + " and " +
                                   Twine(kb) + " differ");
  Type elem = at.getElementType();
  SmallVector<OpFoldResult> as = sizesOf(b, loc, a), bs = sizesOf(b, loc, bm);
  OpFoldResult m = as[ra - 2], n = bs[rb - 1];
  if (ra == 2 && rb == 2) {
    Value init = zeros(b, loc, {m, n}, elem);
    return linalg::MatmulOp::create(b, loc, ValueRange{a, bm}, ValueRange{init})
        .getResult(0);
  }
  // Batch dimensions: numpy broadcasting of a[:-2] and b[:-2].
  SmallVector<OpFoldResult> aBatch(as.begin(), as.end() - 2),
      bBatch(bs.begin(), bs.end() - 2);
  FailureOr<SmallVector<OpFoldResult>> batch =
      broadcastShapes(imp, node, {}, {aBatch, bBatch});
  if (failed(batch))
    return failure();
  int64_t nb = batch->size();
  MLIRContext *ctx = b.getContext();
  // Loops: batch..., m, n, k.
  auto operandMap = [&](Value v, int64_t rank, bool isLhs,
                        Value &collapsed) -> AffineMap {
    SmallVector<int64_t> loops;
    collapsed = broadcastOperand(b, loc, v, rank - 2, *batch, loops);
    SmallVector<AffineExpr> exprs;
    for (int64_t l : loops)
      exprs.push_back(getAffineDimExpr(l, ctx));
    AffineExpr mm = getAffineDimExpr(nb, ctx),
               nn = getAffineDimExpr(nb + 1, ctx),
               kk = getAffineDimExpr(nb + 2, ctx);
    if (isLhs) {
      exprs.push_back(mm);
      exprs.push_back(kk);
    } else {
      exprs.push_back(kk);
      exprs.push_back(nn);
    }
    return AffineMap::get(nb + 3, 0, exprs, ctx);
  };
  Value ac, bc;
  AffineMap aMap = operandMap(a, ra, true, ac);
  AffineMap bMap = operandMap(bm, rb, false, bc);
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < nb + 2; ++d)
    outExprs.push_back(getAffineDimExpr(d, ctx));
  AffineMap outMap = AffineMap::get(nb + 3, 0, outExprs, ctx);
  SmallVector<OpFoldResult> outSizes(*batch);
  outSizes.push_back(m);
  outSizes.push_back(n);
  Value init = zeros(b, loc, outSizes, elem);
  SmallVector<utils::IteratorType> iterators(nb + 2,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  auto resultType = RankedTensorType::get(staticShape(outSizes), elem);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{ac, bc}, ValueRange{init},
      ArrayRef<AffineMap>{aMap, bMap, outMap}, iterators,
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(
            nb, nloc, multiplyAdd(nb, nloc, args[0], args[1], args[2]));
      });
  return generic.getResult(0);
}

LogicalResult convertMatMul(GraphImporter &imp, const onnx::NodeProto &node) {
  SmallVector<Value, 2> xs;
  if (failed(checkInputCount(imp, node, 2, 2)) ||
      failed(tensorInputs(imp, node, 2, xs)) ||
      failed(checkNumeric(imp, node, xs[0])))
    return failure();
  if (elementType(xs[0]) != elementType(xs[1]))
    return imp.nodeError(node, "expects inputs of one element type");
  if (rankOf(xs[0]) == 0 || rankOf(xs[1]) == 0)
    return imp.nodeError(node, "does not take scalars");
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  // numpy: a vector on the left is a row, on the right a column; the unit
  // dimension goes again afterwards.
  bool vecA = rankOf(xs[0]) == 1, vecB = rankOf(xs[1]) == 1;
  Value a = vecA ? insertUnitDims(b, loc, xs[0], {0}) : xs[0];
  Value bm = vecB ? insertUnitDims(b, loc, xs[1], {1}) : xs[1];
  FailureOr<Value> y = matmul(imp, node, a, bm);
  if (failed(y))
    return failure();
  int64_t rank = rankOf(*y);
  SmallVector<int64_t> drop;
  if (vecA)
    drop.push_back(rank - 2);
  if (vecB)
    drop.push_back(rank - 1);
  return done(imp, node, dropUnitDims(b, loc, *y, drop));
}

LogicalResult convertGemm(GraphImporter &imp, const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 2, 3)))
    return failure();
  SmallVector<Value, 2> xs;
  if (failed(tensorInputs(imp, node, 2, xs)) ||
      failed(checkNumeric(imp, node, xs[0])))
    return failure();
  FailureOr<Value> c = optionalTensorInput(imp, node, 2);
  if (failed(c))
    return failure();
  if (rankOf(xs[0]) != 2 || rankOf(xs[1]) != 2)
    return imp.nodeError(node, "expects matrices A and B");
  Type elem = elementType(xs[0]);
  if (elementType(xs[1]) != elem || (*c && elementType(*c) != elem))
    return imp.nodeError(node, "expects inputs of one element type");
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  Value a = xs[0], bm = xs[1];
  if (attrInt(node, "transA", 0))
    a = transpose(b, loc, imp, a, {1, 0});
  if (attrInt(node, "transB", 0))
    bm = transpose(b, loc, imp, bm, {1, 0});
  FailureOr<Value> product = matmul(imp, node, a, bm);
  if (failed(product))
    return failure();
  double alpha = attrFloat(node, "alpha", 1.0f);
  double beta = attrFloat(node, "beta", 1.0f);
  if (!isa<FloatType>(elem) && (alpha != 1.0 || beta != 1.0))
    return imp.nodeError(node, "takes alpha and beta other than 1 only for "
                               "floats");
  Value y = *product;
  if (!*c || beta == 0.0) {
    if (alpha == 1.0)
      return done(imp, node, y);
    FailureOr<Value> scaled = buildElementwise(
        imp, node, {y}, elem, [&](OpBuilder &nb, Location nloc, ValueRange v) {
          return arith::MulFOp::create(nb, nloc, v[0],
                                       scalarConstant(nb, nloc, elem, alpha))
              .getResult();
        });
    return failed(scaled) ? failure() : done(imp, node, *scaled);
  }
  // A bias row: the form recur-hoist-invariants folds into a
  // whole-sequence projection.
  RankedTensorType ct = tensorType(*c), yt = tensorType(y);
  if (alpha == 1.0 && beta == 1.0 && isa<FloatType>(elem) &&
      ct.getRank() == 1 && !ct.isDynamicDim(0) && ct.getDimSize(0) != 1 &&
      ct.getDimSize(0) == yt.getDimSize(1)) {
    Value init = emptyTensor(b, loc, sizesOf(b, loc, y), elem);
    Value rows =
        linalg::BroadcastOp::create(b, loc, *c, init, ArrayRef<int64_t>{0})
            .getResult()[0];
    return done(imp, node, arith::AddFOp::create(b, loc, y, rows));
  }
  // C broadcasts to the product's shape (unidirectionally: it must not
  // grow it).
  FailureOr<SmallVector<OpFoldResult>> sizes =
      broadcastShapes(imp, node, {y, *c});
  if (failed(sizes))
    return failure();
  if (staticShape(*sizes) != SmallVector<int64_t>(yt.getShape()))
    return imp.nodeError(node, "C of shape " + shapeText(ct.getShape()) +
                                   " does not broadcast to " +
                                   shapeText(yt.getShape()));
  FailureOr<Value> sum = buildElementwise(
      imp, node, {y, *c}, elem,
      [&](OpBuilder &nb, Location nloc, ValueRange v) -> Value {
        Value p = v[0], q = v[1];
        if (!isa<FloatType>(elem))
          return arith::AddIOp::create(nb, nloc, p, q);
        if (alpha != 1.0)
          p = arith::MulFOp::create(nb, nloc, p,
                                    scalarConstant(nb, nloc, elem, alpha));
        if (beta != 1.0)
          q = arith::MulFOp::create(nb, nloc, q,
                                    scalarConstant(nb, nloc, elem, beta));
        return arith::AddFOp::create(nb, nloc, p, q);
      },
      ArrayRef<OpFoldResult>(*sizes));
  return failed(sum) ? failure() : done(imp, node, *sum);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

enum class Reduction {
  Sum,
  Mean,
  L1,
  L2,
  SumSquare,
  Max,
  Min,
  Prod,
  LogSumExp
};

/// `x` reduced over `axes` (sorted, non-empty) without keeping them: one
/// linalg.generic with reduction iterators onto a filled accumulator; Mean,
/// L2 and LogSumExp finish with an elementwise op on the result.
Value reduce(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes,
             Reduction kind) {
  RankedTensorType type = tensorType(x);
  Type elem = type.getElementType();
  bool isFloat = isa<FloatType>(elem);
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> outSizes = sizesWithout(b, loc, x, axes);

  double init = 0.0;
  std::optional<TypedAttr> initAttr;
  if (kind == Reduction::Prod)
    init = 1.0;
  if (kind == Reduction::Max || kind == Reduction::Min) {
    bool max = kind == Reduction::Max;
    if (auto f = dyn_cast<FloatType>(elem))
      initAttr = b.getFloatAttr(
          f, APFloat::getInf(f.getFloatSemantics(), /*Negative=*/max));
    else
      initAttr = b.getIntegerAttr(
          elem, max ? APInt::getSignedMinValue(elem.getIntOrFloatBitWidth())
                    : APInt::getSignedMaxValue(elem.getIntOrFloatBitWidth()));
  }
  Value initValue = initAttr ? arith::ConstantOp::create(b, loc, *initAttr)
                             : scalarConstant(b, loc, elem, init);
  Value acc = filledTensor(b, loc, outSizes, initValue);

  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    if (!reduced)
      outExprs.push_back(getAffineDimExpr(d, ctx));
  }
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 AffineMap::get(rank, 0, outExprs, ctx)};
  auto resultType = RankedTensorType::get(staticShape(outSizes), elem);
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{resultType}, ValueRange{x}, ValueRange{acc}, maps,
          iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value v = args[0], a = args[1], r;
            switch (kind) {
            case Reduction::L1:
              v = isFloat ? math::AbsFOp::create(nb, nloc, v).getResult()
                          : math::AbsIOp::create(nb, nloc, v).getResult();
              break;
            case Reduction::L2:
            case Reduction::SumSquare:
              v = isFloat ? arith::MulFOp::create(nb, nloc, v, v).getResult()
                          : arith::MulIOp::create(nb, nloc, v, v).getResult();
              break;
            case Reduction::LogSumExp:
              v = math::ExpOp::create(nb, nloc, v);
              break;
            default:
              break;
            }
            switch (kind) {
            case Reduction::Max:
              r = isFloat
                      ? arith::MaximumFOp::create(nb, nloc, a, v).getResult()
                      : arith::MaxSIOp::create(nb, nloc, a, v).getResult();
              break;
            case Reduction::Min:
              r = isFloat
                      ? arith::MinimumFOp::create(nb, nloc, a, v).getResult()
                      : arith::MinSIOp::create(nb, nloc, a, v).getResult();
              break;
            case Reduction::Prod:
              r = isFloat ? arith::MulFOp::create(nb, nloc, a, v).getResult()
                          : arith::MulIOp::create(nb, nloc, a, v).getResult();
              break;
            default:
              r = isFloat ? arith::AddFOp::create(nb, nloc, a, v).getResult()
                          : arith::AddIOp::create(nb, nloc, a, v).getResult();
              break;
            }
            linalg::YieldOp::create(nb, nloc, r);
          })
          .getResult(0);

  if (kind != Reduction::Mean && kind != Reduction::L2 &&
      kind != Reduction::LogSumExp)
    return result;
  // The finishing step, elementwise on the reduced tensor.
  Value count;
  if (kind == Reduction::Mean) {
    SmallVector<OpFoldResult> all = sizesOf(b, loc, x), reduced;
    for (int64_t d : axes)
      reduced.push_back(all[d]);
    OpFoldResult n = productIndex(b, loc, reduced);
    if (std::optional<int64_t> c = getConstantIntValue(n)) {
      count = scalarConstant(b, loc, elem, (double)*c);
    } else {
      Value i64 = arith::IndexCastOp::create(
          b, loc, b.getI64Type(), getValueOrCreateConstantIndexOp(b, loc, n));
      count = convertScalar(b, loc, i64, elem);
    }
  }
  int64_t outRank = resultType.getRank();
  Value init2 = emptyTensor(b, loc, outSizes, elem);
  AffineMap id = AffineMap::getMultiDimIdentityMap(outRank, ctx);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{result},
             ValueRange{init2}, ArrayRef<AffineMap>{id, id},
             SmallVector<utils::IteratorType>(outRank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value v = args[0], r;
               if (kind == Reduction::Mean)
                 r = isFloat
                         ? arith::DivFOp::create(nb, nloc, v, count).getResult()
                         : arith::DivSIOp::create(nb, nloc, v, count)
                               .getResult();
               else if (kind == Reduction::L2)
                 r = isFloat
                         ? math::SqrtOp::create(nb, nloc, v).getResult()
                         : convertScalar(
                               nb, nloc,
                               math::SqrtOp::create(
                                   nb, nloc,
                                   convertScalar(nb, nloc, v, nb.getF64Type())),
                               elem);
               else
                 r = math::LogOp::create(nb, nloc, v);
               linalg::YieldOp::create(nb, nloc, r);
             })
      .getResult(0);
}

NodeConverter reduceConverter(Reduction kind, int64_t axesInputFrom) {
  return [=](GraphImporter &imp, const onnx::NodeProto &node) -> LogicalResult {
    if (failed(checkInputCount(imp, node, 1,
                               imp.opset() >= axesInputFrom ? 2 : 1)))
      return failure();
    FailureOr<Value> x = tensorInput(imp, node, 0);
    if (failed(x) || failed(checkNumeric(imp, node, *x)))
      return failure();
    if (kind == Reduction::LogSumExp && failed(checkFloat(imp, node, *x)))
      return failure();
    FailureOr<std::optional<SmallVector<int64_t>>> axesIn =
        readAxes(imp, node, axesInputFrom, 1);
    if (failed(axesIn))
      return failure();
    int64_t rank = rankOf(*x);
    FailureOr<bool> keepdimsAttr = boolAttr(imp, node, "keepdims", true);
    FailureOr<bool> noop = boolAttr(imp, node, "noop_with_empty_axes", false);
    if (failed(keepdimsAttr) || failed(noop))
      return failure();
    bool keepdims = *keepdimsAttr;
    SmallVector<int64_t> axes;
    if (*axesIn && !(*axesIn)->empty()) {
      FailureOr<SmallVector<int64_t>> n =
          normalizeAxes(imp, node, **axesIn, rank);
      if (failed(n))
        return failure();
      axes = *n;
    } else if (*noop) {
      return done(imp, node, *x);
    } else {
      for (int64_t d = 0; d < rank; ++d)
        axes.push_back(d);
    }
    OpBuilder &b = imp.builder();
    Location loc = imp.loc(node);
    Value y = *x;
    if (!axes.empty())
      y = reduce(b, loc, *x, axes, kind);
    else if (kind == Reduction::L1 || kind == Reduction::L2 ||
             kind == Reduction::SumSquare || kind == Reduction::LogSumExp)
      return imp.nodeError(node, "reduces a scalar: not supported");
    if (keepdims)
      y = insertUnitDims(b, loc, y, axes);
    return done(imp, node, y);
  };
}

/// `fn(x, r)` per element of `x`, where `r` is a tensor reduced over `axes`
/// (without them) read back along the other dimensions.
Value withReduced(OpBuilder &b, Location loc, Value x, Value r,
                  ArrayRef<int64_t> axes, ScalarBuilder fn) {
  int64_t rank = rankOf(x);
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(axes, d))
      exprs.push_back(getAffineDimExpr(d, ctx));
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  Value init = emptyTensor(b, loc, sizesOf(b, loc, x), elementType(x));
  return linalg::GenericOp::create(
             b, loc, TypeRange{x.getType()}, ValueRange{x, r}, ValueRange{init},
             ArrayRef<AffineMap>{id, AffineMap::get(rank, 0, exprs, ctx), id},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nloc, fn(nb, nloc, ValueRange{args[0], args[1]}));
             })
      .getResult(0);
}

/// Softmax and LogSoftmax: over one axis from opset 13, over the axis and
/// every later one (the input seen as a matrix) before.
LogicalResult convertSoftmax(GraphImporter &imp, const onnx::NodeProto &node) {
  bool isLog = node.op_type() == "LogSoftmax";
  if (failed(checkInputCount(imp, node, 1, 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x) || failed(checkFloat(imp, node, *x)))
    return failure();
  int64_t rank = rankOf(*x);
  bool newStyle = imp.opset() >= 13;
  FailureOr<int64_t> axis = normalizeAxis(
      imp, node, attrInt(node, "axis", newStyle ? -1 : 1), rank, "axis");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> axes = {*axis};
  if (!newStyle)
    for (int64_t d = *axis + 1; d < rank; ++d)
      axes.push_back(d);
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  Value max = reduce(b, loc, *x, axes, Reduction::Max);
  Value shifted = withReduced(
      b, loc, *x, max, axes, [](OpBuilder &nb, Location nloc, ValueRange v) {
        return arith::SubFOp::create(nb, nloc, v[0], v[1]).getResult();
      });
  Value e =
      withReduced(b, loc, shifted, max, axes,
                  [](OpBuilder &nb, Location nloc, ValueRange v) {
                    return math::ExpOp::create(nb, nloc, v[0]).getResult();
                  });
  Value sum = reduce(b, loc, e, axes, Reduction::Sum);
  Value y;
  if (isLog)
    y = withReduced(b, loc, shifted, sum, axes,
                    [](OpBuilder &nb, Location nloc, ValueRange v) {
                      return arith::SubFOp::create(
                                 nb, nloc, v[0],
                                 math::LogOp::create(nb, nloc, v[1]))
                          .getResult();
                    });
  else
    y = withReduced(
        b, loc, e, sum, axes, [](OpBuilder &nb, Location nloc, ValueRange v) {
          return arith::DivFOp::create(nb, nloc, v[0], v[1]).getResult();
        });
  return done(imp, node, y);
}

/// LayerNormalization over the axis and every later one; the optional
/// outputs Mean and InvStdDev keep the normalized dimensions as 1s.
LogicalResult convertLayerNorm(GraphImporter &imp,
                               const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 2, 3)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  FailureOr<Value> scale = tensorInput(imp, node, 1);
  if (failed(x) || failed(scale) || failed(checkFloat(imp, node, *x)))
    return failure();
  FailureOr<Value> bias = optionalTensorInput(imp, node, 2);
  if (failed(bias))
    return failure();
  Type elem = elementType(*x);
  if (elementType(*scale) != elem || (*bias && elementType(*bias) != elem))
    return imp.nodeError(node, "expects X, Scale and B of one element type");
  int64_t rank = rankOf(*x);
  FailureOr<int64_t> axis =
      normalizeAxis(imp, node, attrInt(node, "axis", -1), rank, "axis");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t d = *axis; d < rank; ++d)
    axes.push_back(d);
  double epsilon = attrFloat(node, "epsilon", 1e-5f);
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);

  Value mean = reduce(b, loc, *x, axes, Reduction::Mean);
  Value centered = withReduced(
      b, loc, *x, mean, axes, [](OpBuilder &nb, Location nloc, ValueRange v) {
        return arith::SubFOp::create(nb, nloc, v[0], v[1]).getResult();
      });
  Value squares = withReduced(
      b, loc, centered, mean, axes,
      [](OpBuilder &nb, Location nloc, ValueRange v) {
        return arith::MulFOp::create(nb, nloc, v[0], v[0]).getResult();
      });
  Value var = reduce(b, loc, squares, axes, Reduction::Mean);
  int64_t outRank = rankOf(var);
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(outRank, ctx);
  Value invInit = emptyTensor(b, loc, sizesOf(b, loc, var), elem);
  Value invStd =
      linalg::GenericOp::create(
          b, loc, TypeRange{var.getType()}, ValueRange{var},
          ValueRange{invInit}, ArrayRef<AffineMap>{id, id},
          SmallVector<utils::IteratorType>(outRank,
                                           utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value eps = scalarConstant(nb, nloc, elem, epsilon);
            Value s = math::SqrtOp::create(
                nb, nloc, arith::AddFOp::create(nb, nloc, args[0], eps));
            linalg::YieldOp::create(
                nb, nloc,
                arith::DivFOp::create(nb, nloc,
                                      scalarConstant(nb, nloc, elem, 1.0), s)
                    .getResult());
          })
          .getResult(0);
  Value normalized = withReduced(
      b, loc, centered, invStd, axes,
      [](OpBuilder &nb, Location nloc, ValueRange v) {
        return arith::MulFOp::create(nb, nloc, v[0], v[1]).getResult();
      });
  // Scale and B broadcast to X (unidirectionally).
  SmallVector<Value> operands = {normalized, *scale};
  if (*bias)
    operands.push_back(*bias);
  FailureOr<Value> y = buildElementwise(
      imp, node, operands, elem,
      [&](OpBuilder &nb, Location nloc, ValueRange v) -> Value {
        Value r = arith::MulFOp::create(nb, nloc, v[0], v[1]);
        if (v.size() > 2)
          r = arith::AddFOp::create(nb, nloc, r, v[2]);
        return r;
      },
      ArrayRef<OpFoldResult>(sizesOf(b, loc, *x)));
  if (failed(y))
    return failure();
  imp.defineOutput(node, 0, *y);
  if (imp.hasOutput(node, 1))
    imp.defineOutput(node, 1, insertUnitDims(b, loc, mean, axes));
  if (imp.hasOutput(node, 2))
    imp.defineOutput(node, 2, insertUnitDims(b, loc, invStd, axes));
  return success();
}

//===----------------------------------------------------------------------===//
// Moving data: Transpose, Reshape, Flatten, Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

LogicalResult convertTranspose(GraphImporter &imp,
                               const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 1, 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x))
    return failure();
  int64_t rank = rankOf(*x);
  SmallVector<int64_t> perm;
  if (std::optional<SmallVector<int64_t>> p = attrInts(node, "perm")) {
    perm = *p;
    SmallVector<bool> seen(rank, false);
    bool valid = (int64_t)perm.size() == rank;
    for (int64_t &d : perm) {
      if (!valid || d < -rank || d >= rank) {
        valid = false;
        break;
      }
      if (d < 0)
        d += rank;
      valid = !seen[d];
      seen[d] = true;
    }
    if (!valid)
      return imp.nodeError(node, "perm is not a permutation of the " +
                                     Twine(rank) + " dimensions");
  } else {
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  }
  return done(imp, node,
              transpose(imp.builder(), imp.loc(node), imp, *x, perm));
}

/// Records `elements` as the known ints of `result` when `source` had known
/// ints (a rearrangement of a small integer vector).
void propagateKnown(GraphImporter &imp, Value result,
                    ArrayRef<OpFoldResult> elements) {
  if (isIntVectorType(result.getType()))
    imp.setKnownInts(result, elements);
}

LogicalResult convertReshape(GraphImporter &imp, const onnx::NodeProto &node) {
  if (imp.opset() < 5)
    return imp.nodeError(node, "takes the shape as an attribute before "
                               "opset 5: not supported");
  SmallVector<Value, 2> xs;
  if (failed(checkInputCount(imp, node, 2, 2)) ||
      failed(tensorInputs(imp, node, 2, xs)))
    return failure();
  Value x = xs[0];
  FailureOr<SizeInts> shape = sizeInts(imp, node, xs[1], "shape");
  if (failed(shape))
    return failure();
  if (shape->fromRunTime)
    return runTimeSizesError(imp, node, "shape");
  FailureOr<bool> allowzeroAttr = boolAttr(imp, node, "allowzero", false);
  if (failed(allowzeroAttr))
    return failure();
  bool allowzero = *allowzeroAttr;
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  int64_t rank = rankOf(x);
  SmallVector<OpFoldResult> in = sizesOf(b, loc, x);
  SmallVector<OpFoldResult> sizes;
  // Entries read at run time may be 0 or -1 too: those get selects; `isAuto`
  // holds each one's "is -1" (null for the others).
  SmallVector<Value> isAuto;
  int inferred = -1;
  for (auto [i, s] : llvm::enumerate(shape->values)) {
    isAuto.push_back(Value());
    std::optional<int64_t> c = getConstantIntValue(s);
    if (c == 0 && !allowzero) {
      if ((int64_t)i >= rank)
        return imp.nodeError(node, "shape entry " + Twine(i) +
                                       " is 0 (copy the input's size) but "
                                       "the input has rank " +
                                       Twine(rank));
      sizes.push_back(foldIndex(b, in[i]));
      continue;
    }
    if (c == -1) {
      if (inferred >= 0)
        return imp.nodeError(node, "shape has more than one -1");
      inferred = i;
      sizes.push_back(b.getIndexAttr(1)); // filled in below
      continue;
    }
    if (c && *c < -1)
      return imp.nodeError(node,
                           "shape entry " + Twine(i) + " is " + Twine(*c));
    if (c || !shape->fromRunTime) {
      // Known dynamic entries (sizes from Shape) are sizes, not 0 or -1.
      sizes.push_back(foldIndex(b, s));
      continue;
    }
    Value v = cast<Value>(s);
    auto eq = [&](int64_t k) {
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v,
                                   arith::ConstantIndexOp::create(b, loc, k));
    };
    if (!allowzero) {
      Value copy = getValueOrCreateConstantIndexOp(
          b, loc, (int64_t)i < rank ? in[i] : b.getIndexAttr(0));
      v = arith::SelectOp::create(b, loc, eq(0), copy, v);
    }
    isAuto.back() = eq(-1);
    v = arith::SelectOp::create(b, loc, isAuto.back(),
                                arith::ConstantIndexOp::create(b, loc, 1), v);
    sizes.push_back(v);
  }
  OpFoldResult total = productIndex(b, loc, in);
  OpFoldResult known = productIndex(b, loc, sizes);
  std::optional<int64_t> ct = getConstantIntValue(total),
                         ck = getConstantIntValue(known);
  if (inferred >= 0) {
    if (ct && ck && (*ck == 0 || *ct % *ck != 0))
      return imp.nodeError(node, "cannot reshape " +
                                     shapeText(tensorType(x).getShape()) +
                                     " (" + Twine(*ct) +
                                     " elements) with a -1 next to sizes "
                                     "whose product is " +
                                     Twine(*ck));
    sizes[inferred] = foldIndex(b, divIndex(b, loc, total, known));
  } else if (ct && ck && *ct != *ck) {
    return imp.nodeError(
        node, "cannot reshape " + shapeText(tensorType(x).getShape()) + " to " +
                  shapeText(staticShape(sizes)) + ": element counts differ");
  }
  for (auto [i, isNeg] : llvm::enumerate(isAuto))
    if (isNeg)
      sizes[i] =
          arith::SelectOp::create(b, loc, isNeg,
                                  getValueOrCreateConstantIndexOp(
                                      b, loc, divIndex(b, loc, total, known)),
                                  cast<Value>(sizes[i]))
              .getResult();
  Value y = reshapeTo(b, loc, x, sizes);
  if (std::optional<SmallVector<OpFoldResult>> known = imp.knownInts(x))
    propagateKnown(imp, y, *known);
  return done(imp, node, y);
}

LogicalResult convertFlatten(GraphImporter &imp, const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 1, 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x))
    return failure();
  int64_t rank = rankOf(*x);
  int64_t axis = attrInt(node, "axis", 1);
  if (axis < -rank || axis > rank)
    return imp.nodeError(node, "axis " + Twine(axis) +
                                   " is out of range for rank " + Twine(rank));
  if (axis < 0)
    axis += rank;
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  SmallVector<OpFoldResult> in = sizesOf(b, loc, *x);
  OpFoldResult outer =
      productIndex(b, loc, ArrayRef<OpFoldResult>(in).take_front(axis));
  OpFoldResult inner =
      productIndex(b, loc, ArrayRef<OpFoldResult>(in).drop_front(axis));
  return done(imp, node, reshapeTo(b, loc, *x, {outer, inner}));
}

LogicalResult convertSqueeze(GraphImporter &imp, const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 1, imp.opset() >= 13 ? 2 : 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x))
    return failure();
  FailureOr<std::optional<SmallVector<int64_t>>> axesIn =
      readAxes(imp, node, 13, 1);
  if (failed(axesIn))
    return failure();
  RankedTensorType type = tensorType(*x);
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes;
  if (*axesIn) {
    FailureOr<SmallVector<int64_t>> n =
        normalizeAxes(imp, node, **axesIn, rank);
    if (failed(n))
      return failure();
    axes = *n;
    for (int64_t d : axes)
      if (!type.isDynamicDim(d) && type.getDimSize(d) != 1)
        return imp.nodeError(node, "cannot squeeze dimension " + Twine(d) +
                                       " of size " + Twine(type.getDimSize(d)));
  } else {
    // Without axes: every dimension of static size 1 (a dynamic size is
    // taken as not 1).
    for (int64_t d = 0; d < rank; ++d)
      if (type.getDimSize(d) == 1)
        axes.push_back(d);
  }
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  // A dynamic dimension squeezed is 1 (as ONNX requires).
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t d : axes)
    shape[d] = 1;
  Value v = castToType(b, loc, *x,
                       RankedTensorType::get(shape, type.getElementType()));
  Value y = dropUnitDims(b, loc, v, axes);
  if (std::optional<SmallVector<OpFoldResult>> known = imp.knownInts(*x))
    propagateKnown(imp, y, *known);
  return done(imp, node, y);
}

LogicalResult convertUnsqueeze(GraphImporter &imp,
                               const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 1, imp.opset() >= 13 ? 2 : 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x))
    return failure();
  FailureOr<std::optional<SmallVector<int64_t>>> axesIn =
      readAxes(imp, node, 13, 1);
  if (failed(axesIn))
    return failure();
  if (!*axesIn)
    return imp.nodeError(node, "needs axes");
  int64_t outRank = rankOf(*x) + (*axesIn)->size();
  FailureOr<SmallVector<int64_t>> axes =
      normalizeAxes(imp, node, **axesIn, outRank);
  if (failed(axes))
    return failure();
  Value y = insertUnitDims(imp.builder(), imp.loc(node), *x, *axes);
  if (std::optional<SmallVector<OpFoldResult>> known = imp.knownInts(*x))
    propagateKnown(imp, y, *known);
  return done(imp, node, y);
}

//===----------------------------------------------------------------------===//
// Concat, Slice, Split, Gather
//===----------------------------------------------------------------------===//

LogicalResult convertConcat(GraphImporter &imp, const onnx::NodeProto &node) {
  if (node.input_size() < 1)
    return imp.nodeError(node, "expects at least one input");
  SmallVector<Value> xs;
  if (failed(tensorInputs(imp, node, node.input_size(), xs)))
    return failure();
  const onnx::AttributeProto *axisAttr = findAttr(node, "axis");
  if (!axisAttr)
    return imp.nodeError(node, "needs the attribute 'axis'");
  RankedTensorType first = tensorType(xs[0]);
  int64_t rank = first.getRank();
  FailureOr<int64_t> axis =
      normalizeAxis(imp, node, axisAttr->i(), rank, "axis");
  if (failed(axis))
    return failure();
  for (Value v : xs) {
    RankedTensorType t = tensorType(v);
    if (t.getElementType() != first.getElementType() || t.getRank() != rank)
      return imp.nodeError(node, "expects inputs of one element type and "
                                 "rank");
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis && !t.isDynamicDim(d) && !first.isDynamicDim(d) &&
          t.getDimSize(d) != first.getDimSize(d))
        return imp.nodeError(node, "cannot concatenate " +
                                       shapeText(first.getShape()) + " and " +
                                       shapeText(t.getShape()) +
                                       " along axis " + Twine(*axis));
  }
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  // Shape arithmetic: known vectors concatenate at compile time.
  if (isIntVectorType(first)) {
    SmallVector<OpFoldResult> all;
    bool known = true;
    for (Value v : xs) {
      std::optional<SmallVector<OpFoldResult>> k = imp.knownInts(v);
      if (!k) {
        known = false;
        break;
      }
      all.append(*k);
    }
    if (known) {
      auto type =
          RankedTensorType::get({(int64_t)all.size()}, first.getElementType());
      return done(imp, node, materializeInts(imp, loc, all, type));
    }
  }
  if (xs.size() == 1)
    return done(imp, node, xs[0]);
  return done(imp, node, tensor::ConcatOp::create(b, loc, *axis, xs));
}

/// One axis of a Slice: start, size and (non-zero) step, ONNX's clamping
/// applied; the result's start and size as index OpFoldResults.
struct SliceRange {
  OpFoldResult start, size;
  int64_t step;
};

SliceRange sliceRange(OpBuilder &b, Location loc, OpFoldResult dim,
                      OpFoldResult start, OpFoldResult end, int64_t step) {
  OpFoldResult zero = b.getIndexAttr(0);
  // Huge ends (INT64_MAX, INT64_MIN: "to the end") clamp without
  // arithmetic that could overflow.
  std::optional<int64_t> ce = getConstantIntValue(end);
  std::optional<int64_t> cs = getConstantIntValue(start);
  constexpr int64_t kBig = int64_t(1) << 40;
  OpFoldResult s = wrapNegative(b, loc, start, dim);
  OpFoldResult e;
  if (ce && *ce >= kBig)
    e = step > 0 ? dim : subIndex(b, loc, dim, b.getIndexAttr(1));
  else if (ce && *ce <= -kBig)
    e = step > 0 ? zero : b.getIndexAttr(-1);
  else
    e = wrapNegative(b, loc, end, dim);
  if (cs && *cs <= -kBig)
    s = zero;
  else if (cs && *cs >= kBig)
    s = step > 0 ? dim : subIndex(b, loc, dim, b.getIndexAttr(1));
  OpFoldResult len;
  if (step > 0) {
    s = minIndex(b, loc, maxIndex(b, loc, s, zero), dim);
    e = minIndex(b, loc, maxIndex(b, loc, e, zero), dim);
    len = ceilDivIndex(b, loc, subIndex(b, loc, e, s), b.getIndexAttr(step));
  } else {
    OpFoldResult last = subIndex(b, loc, dim, b.getIndexAttr(1));
    s = minIndex(b, loc, maxIndex(b, loc, s, zero), last);
    e = minIndex(b, loc, maxIndex(b, loc, e, b.getIndexAttr(-1)), last);
    len = ceilDivIndex(b, loc, subIndex(b, loc, s, e), b.getIndexAttr(-step));
  }
  len = maxIndex(b, loc, len, zero);
  return {foldIndex(b, s), foldIndex(b, len), step};
}

/// `x` sliced along every dimension: extract_slice for positive steps, a
/// generic that reads with tensor.extract otherwise.
Value applySlices(OpBuilder &b, Location loc, Value x,
                  ArrayRef<SliceRange> ranges) {
  int64_t rank = rankOf(x);
  SmallVector<OpFoldResult> offsets, sizes, strides;
  bool positive = true;
  for (auto [d, r] : llvm::enumerate(ranges)) {
    offsets.push_back(r.start);
    // Nothing is read from an empty dimension, whatever the size says.
    sizes.push_back(tensorType(x).getDimSize(d) == 0 ? b.getIndexAttr(0)
                                                     : r.size);
    strides.push_back(b.getIndexAttr(r.step));
    positive &= r.step > 0;
  }
  Type elem = elementType(x);
  // Nothing to read (tensor.extract_slice insists on offsets inside even
  // then).
  if (llvm::any_of(sizes,
                   [](OpFoldResult s) { return getConstantIntValue(s) == 0; }))
    return emptyTensor(b, loc, sizes, elem);
  if (positive)
    return tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides);
  Value init = emptyTensor(b, loc, sizes, elem);
  auto resultType = RankedTensorType::get(staticShape(sizes), elem);
  MLIRContext *ctx = b.getContext();
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
             ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx)},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange) {
               SmallVector<Value> idx;
               for (int64_t d = 0; d < rank; ++d) {
                 Value i = linalg::IndexOp::create(nb, nloc, d);
                 Value step =
                     arith::ConstantIndexOp::create(nb, nloc, ranges[d].step);
                 Value start =
                     getValueOrCreateConstantIndexOp(nb, nloc, ranges[d].start);
                 idx.push_back(arith::AddIOp::create(
                     nb, nloc, start,
                     arith::MulIOp::create(nb, nloc, i, step)));
               }
               linalg::YieldOp::create(
                   nb, nloc,
                   tensor::ExtractOp::create(nb, nloc, x, idx).getResult());
             })
      .getResult(0);
}

LogicalResult convertSlice(GraphImporter &imp, const onnx::NodeProto &node) {
  bool asInputs = imp.opset() >= 10;
  if (failed(checkInputCount(imp, node, asInputs ? 3 : 1, asInputs ? 5 : 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x))
    return failure();
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  int64_t rank = rankOf(*x);
  SmallVector<OpFoldResult> starts, ends;
  std::optional<SmallVector<int64_t>> axesIn, stepsIn;
  if (asInputs) {
    SmallVector<Value, 3> xs;
    if (failed(tensorInputs(imp, node, 3, xs)))
      return failure();
    FailureOr<SizeInts> s = sizeInts(imp, node, xs[1], "starts");
    if (failed(s))
      return failure();
    FailureOr<SizeInts> e = sizeInts(imp, node, xs[2], "ends");
    if (failed(e))
      return failure();
    starts = s->values;
    ends = e->values;
    for (int i = 3; i < 5; ++i) {
      FailureOr<Value> v = optionalTensorInput(imp, node, i);
      if (failed(v))
        return failure();
      if (!*v)
        continue;
      FailureOr<SmallVector<int64_t>> c =
          constantInts(imp, node, *v, i == 3 ? "axes" : "steps");
      if (failed(c))
        return failure();
      (i == 3 ? axesIn : stepsIn) = *c;
    }
  } else {
    std::optional<SmallVector<int64_t>> s = attrInts(node, "starts"),
                                        e = attrInts(node, "ends");
    if (!s || !e)
      return imp.nodeError(node, "needs the attributes 'starts' and 'ends'");
    for (int64_t v : *s)
      starts.push_back(b.getIndexAttr(v));
    for (int64_t v : *e)
      ends.push_back(b.getIndexAttr(v));
    axesIn = attrInts(node, "axes");
  }
  size_t n = starts.size();
  if (ends.size() != n || (axesIn && axesIn->size() != n) ||
      (stepsIn && stepsIn->size() != n))
    return imp.nodeError(node, "expects starts, ends, axes and steps of one "
                               "length");
  SmallVector<int64_t> axes;
  if (axesIn) {
    for (int64_t a : *axesIn) {
      FailureOr<int64_t> d = normalizeAxis(imp, node, a, rank, "axis");
      if (failed(d))
        return failure();
      if (llvm::is_contained(axes, *d))
        return imp.nodeError(node, "repeats axis " + Twine(a));
      axes.push_back(*d);
    }
  } else {
    if ((int64_t)n > rank)
      return imp.nodeError(node, "has more starts than the input has "
                                 "dimensions");
    for (size_t i = 0; i < n; ++i)
      axes.push_back(i);
  }
  SmallVector<OpFoldResult> dims = sizesOf(b, loc, *x);
  SmallVector<SliceRange> ranges;
  for (int64_t d = 0; d < rank; ++d)
    ranges.push_back({b.getIndexAttr(0), foldIndex(b, dims[d]), 1});
  for (size_t i = 0; i < n; ++i) {
    int64_t step = stepsIn ? (*stepsIn)[i] : 1;
    if (step == 0)
      return imp.nodeError(node, "has a step of 0");
    ranges[axes[i]] =
        sliceRange(b, loc, dims[axes[i]], starts[i], ends[i], step);
  }
  Value y = applySlices(b, loc, *x, ranges);
  // Shape arithmetic: a slice of a known vector is known.
  if (rank == 1 && isIntVectorType(x->getType())) {
    std::optional<SmallVector<OpFoldResult>> known = imp.knownInts(*x);
    std::optional<int64_t> s = getConstantIntValue(ranges[0].start),
                           len = getConstantIntValue(ranges[0].size);
    int64_t n = known ? known->size() : 0;
    int64_t last = s && len ? *s + (*len - 1) * ranges[0].step : 0;
    if (known && s && len && *s >= 0 && *s < n && last >= 0 && last < n) {
      SmallVector<OpFoldResult> out;
      for (int64_t k = 0; k < *len; ++k)
        out.push_back((*known)[*s + k * ranges[0].step]);
      propagateKnown(imp, y, out);
    }
  }
  return done(imp, node, y);
}

LogicalResult convertSplit(GraphImporter &imp, const onnx::NodeProto &node) {
  bool splitAsInput = imp.opset() >= 13;
  if (failed(checkInputCount(imp, node, 1, splitAsInput ? 2 : 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x))
    return failure();
  int64_t rank = rankOf(*x);
  FailureOr<int64_t> axis =
      normalizeAxis(imp, node, attrInt(node, "axis", 0), rank, "axis");
  if (failed(axis))
    return failure();
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  int64_t numOutputs = node.output_size();
  if (numOutputs < 1)
    return imp.nodeError(node, "has no outputs");
  // Split sizes: constants, or values read at run time (then assumed to
  // add up to the axis' size).
  std::optional<SmallVector<OpFoldResult>> split;
  if (splitAsInput) {
    FailureOr<Value> s = optionalTensorInput(imp, node, 1);
    if (failed(s))
      return failure();
    if (*s) {
      FailureOr<SizeInts> c = sizeInts(imp, node, *s, "split");
      if (failed(c))
        return failure();
      if (c->fromRunTime)
        return runTimeSizesError(imp, node, "split");
      split = c->values;
    }
  } else if (std::optional<SmallVector<int64_t>> a = attrInts(node, "split")) {
    split.emplace();
    for (int64_t v : *a)
      split->push_back(b.getIndexAttr(v));
  }
  if (const onnx::AttributeProto *n = findAttr(node, "num_outputs"))
    if (n->i() != numOutputs)
      return imp.nodeError(node, "has num_outputs " + Twine(n->i()) + " but " +
                                     Twine(numOutputs) + " outputs");
  SmallVector<OpFoldResult> dims = sizesOf(b, loc, *x);
  OpFoldResult dim = foldIndex(b, dims[*axis]);
  std::optional<int64_t> staticDim = getConstantIntValue(dim);
  SmallVector<OpFoldResult> sizes;
  if (split) {
    if ((int64_t)split->size() != numOutputs)
      return imp.nodeError(node, "has " + Twine(split->size()) +
                                     " split sizes for " + Twine(numOutputs) +
                                     " outputs");
    int64_t sum = 0;
    bool allConstant = true;
    for (OpFoldResult s : *split) {
      std::optional<int64_t> c = getConstantIntValue(s);
      if (c && *c < 0)
        return imp.nodeError(node, "has a negative split size");
      allConstant &= c.has_value();
      sum += c.value_or(0);
      sizes.push_back(foldIndex(b, s));
    }
    if (staticDim && allConstant && sum != *staticDim)
      return imp.nodeError(node, "split sizes add up to " + Twine(sum) +
                                     ", not to the axis' size " +
                                     Twine(*staticDim));
  } else {
    // Equal parts; from opset 18 the last one may be smaller. A dynamic
    // size is assumed to divide.
    OpFoldResult part = ceilDivIndex(b, loc, dim, b.getIndexAttr(numOutputs));
    if (staticDim && *staticDim % numOutputs != 0 && imp.opset() < 18)
      return imp.nodeError(node, "cannot split size " + Twine(*staticDim) +
                                     " into " + Twine(numOutputs) +
                                     " equal parts");
    for (int64_t i = 0; i + 1 < numOutputs; ++i)
      sizes.push_back(part);
    sizes.push_back(subIndex(
        b, loc, dim, mulIndex(b, loc, part, b.getIndexAttr(numOutputs - 1))));
  }
  std::optional<SmallVector<OpFoldResult>> known =
      rank == 1 && isIntVectorType(x->getType()) ? imp.knownInts(*x)
                                                 : std::nullopt;
  OpFoldResult offset = b.getIndexAttr(0);
  for (int64_t i = 0; i < numOutputs; ++i) {
    SmallVector<SliceRange> ranges;
    for (int64_t d = 0; d < rank; ++d)
      ranges.push_back({b.getIndexAttr(0), foldIndex(b, dims[d]), 1});
    ranges[*axis] = {foldIndex(b, offset), foldIndex(b, sizes[i]), 1};
    Value y = applySlices(b, loc, *x, ranges);
    std::optional<int64_t> o = getConstantIntValue(offset),
                           len = getConstantIntValue(sizes[i]);
    if (known && o && len && *o >= 0 && *o + *len <= (int64_t)known->size())
      propagateKnown(imp, y, ArrayRef<OpFoldResult>(*known).slice(*o, *len));
    imp.defineOutput(node, i, y);
    offset = addIndex(b, loc, offset, sizes[i]);
  }
  return success();
}

LogicalResult convertGather(GraphImporter &imp, const onnx::NodeProto &node) {
  SmallVector<Value, 2> xs;
  if (failed(checkInputCount(imp, node, 2, 2)) ||
      failed(tensorInputs(imp, node, 2, xs)))
    return failure();
  Value data = xs[0], indices = xs[1];
  Type indexElem = elementType(indices);
  if (!indexElem.isInteger(32) && !indexElem.isInteger(64))
    return imp.nodeError(node, "takes int32 or int64 indices");
  int64_t rank = rankOf(data), q = rankOf(indices);
  FailureOr<int64_t> axis =
      normalizeAxis(imp, node, attrInt(node, "axis", 0), rank, "axis");
  if (failed(axis))
    return failure();
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  SmallVector<OpFoldResult> dims = sizesOf(b, loc, data);
  OpFoldResult dim = foldIndex(b, dims[*axis]);
  std::optional<int64_t> staticDim = getConstantIntValue(dim);
  std::optional<SmallVector<int64_t>> constIdx;
  if (std::optional<DenseElementsAttr> cst = imp.constantValue(indices)) {
    constIdx.emplace();
    for (const APInt &v : cst->getValues<APInt>()) {
      int64_t i = v.getSExtValue();
      if (staticDim && (i < -*staticDim || i >= *staticDim))
        return imp.nodeError(node, "index " + Twine(i) +
                                       " is out of range for size " +
                                       Twine(*staticDim));
      constIdx->push_back(i);
    }
  }
  // Shape arithmetic: picking from a known vector.
  std::optional<SmallVector<OpFoldResult>> known;
  if (rank == 1 && q <= 1 && isIntVectorType(data.getType()) && constIdx)
    known = imp.knownInts(data);

  Value y;
  if (q == 0) {
    // One index: a slice with the axis dropped.
    OpFoldResult index;
    if (constIdx) {
      index = wrapNegative(b, loc, b.getIndexAttr((*constIdx)[0]), dim);
    } else {
      Value scalar = tensor::ExtractOp::create(b, loc, indices, ValueRange{});
      Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), scalar);
      index = wrapNegative(b, loc, i, dim);
    }
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
        strides(rank, b.getIndexAttr(1));
    for (OpFoldResult d : dims)
      sizes.push_back(foldIndex(b, d));
    offsets[*axis] = foldIndex(b, index);
    sizes[*axis] = b.getIndexAttr(1);
    SmallVector<int64_t> shape(tensorType(data).getShape());
    shape.erase(shape.begin() + *axis);
    auto resultType = RankedTensorType::get(shape, elementType(data));
    y = tensor::ExtractSliceOp::create(b, loc, resultType, data, offsets, sizes,
                                       strides);
  } else {
    // out[a..., i..., c...] = data[a..., indices[i...], c...]
    SmallVector<OpFoldResult> outSizes(dims.begin(), dims.begin() + *axis);
    for (OpFoldResult s : sizesOf(b, loc, indices))
      outSizes.push_back(foldIndex(b, s));
    outSizes.append(dims.begin() + *axis + 1, dims.end());
    int64_t outRank = outSizes.size();
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t j = 0; j < q; ++j)
      idxExprs.push_back(getAffineDimExpr(*axis + j, ctx));
    Type elem = elementType(data);
    Value init = emptyTensor(b, loc, outSizes, elem);
    Value dimValue = getValueOrCreateConstantIndexOp(b, loc, dim);
    auto resultType = RankedTensorType::get(staticShape(outSizes), elem);
    y = linalg::GenericOp::create(
            b, loc, TypeRange{resultType}, ValueRange{indices},
            ValueRange{init},
            ArrayRef<AffineMap>{
                AffineMap::get(outRank, 0, idxExprs, ctx),
                AffineMap::getMultiDimIdentityMap(outRank, ctx)},
            SmallVector<utils::IteratorType>(outRank,
                                             utils::IteratorType::parallel),
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              Value i = arith::IndexCastOp::create(nb, nloc, nb.getIndexType(),
                                                   args[0]);
              Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
              Value negative = arith::CmpIOp::create(
                  nb, nloc, arith::CmpIPredicate::slt, i, zero);
              i = arith::SelectOp::create(
                  nb, nloc, negative,
                  arith::AddIOp::create(nb, nloc, i, dimValue), i);
              SmallVector<Value> at;
              for (int64_t d = 0; d < *axis; ++d)
                at.push_back(linalg::IndexOp::create(nb, nloc, d));
              at.push_back(i);
              for (int64_t d = *axis + 1; d < rank; ++d)
                at.push_back(linalg::IndexOp::create(nb, nloc, d - 1 + q));
              linalg::YieldOp::create(
                  nb, nloc,
                  tensor::ExtractOp::create(nb, nloc, data, at).getResult());
            })
            .getResult(0);
  }
  int64_t n = known ? known->size() : 0;
  if (known &&
      llvm::all_of(*constIdx, [&](int64_t i) { return i >= -n && i < n; })) {
    SmallVector<OpFoldResult> out;
    for (int64_t i : *constIdx)
      out.push_back((*known)[i < 0 ? i + n : i]);
    propagateKnown(imp, y, out);
  }
  return done(imp, node, y);
}

//===----------------------------------------------------------------------===//
// Shapes: Shape, Size, Expand, Tile, ConstantOfShape
//===----------------------------------------------------------------------===//

LogicalResult convertShape(GraphImporter &imp, const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 1, 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x))
    return failure();
  int64_t rank = rankOf(*x);
  // start/end (opset 15) clamp to [0, rank].
  auto clampEnd = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  int64_t start = clampEnd(attrInt(node, "start", 0));
  int64_t end = clampEnd(attrInt(node, "end", rank));
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, *x), elements;
  for (int64_t d = start; d < end; ++d)
    elements.push_back(foldIndex(b, sizes[d]));
  auto type = RankedTensorType::get({(int64_t)elements.size()}, b.getI64Type());
  return done(imp, node, materializeInts(imp, loc, elements, type));
}

LogicalResult convertSize(GraphImporter &imp, const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 1, 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x))
    return failure();
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  OpFoldResult n = productIndex(b, loc, sizesOf(b, loc, *x));
  auto type = RankedTensorType::get({}, b.getI64Type());
  return done(imp, node, materializeInts(imp, loc, {n}, type));
}

LogicalResult convertExpand(GraphImporter &imp, const onnx::NodeProto &node) {
  SmallVector<Value, 2> xs;
  if (failed(checkInputCount(imp, node, 2, 2)) ||
      failed(tensorInputs(imp, node, 2, xs)))
    return failure();
  FailureOr<SizeInts> shape = sizeInts(imp, node, xs[1], "shape");
  if (failed(shape))
    return failure();
  if (shape->fromRunTime)
    return runTimeSizesError(imp, node, "shape");
  OpBuilder &b = imp.builder();
  SmallVector<OpFoldResult> target;
  for (OpFoldResult s : shape->values) {
    std::optional<int64_t> c = getConstantIntValue(s);
    if (c && *c < 0)
      return imp.nodeError(node, "shape has a negative entry");
    target.push_back(foldIndex(b, s));
  }
  FailureOr<SmallVector<OpFoldResult>> sizes =
      broadcastShapes(imp, node, {xs[0]}, {target});
  if (failed(sizes) || failed(checkStaticSizes(imp, node, staticShape(*sizes))))
    return failure();
  if (staticShape(*sizes) ==
          SmallVector<int64_t>(tensorType(xs[0]).getShape()) &&
      !tensorType(xs[0]).getNumDynamicDims())
    return done(imp, node, xs[0]);
  FailureOr<Value> y = buildElementwise(
      imp, node, {xs[0]}, elementType(xs[0]),
      [](OpBuilder &, Location, ValueRange v) { return v[0]; },
      ArrayRef<OpFoldResult>(*sizes));
  return failed(y) ? failure() : done(imp, node, *y);
}

/// Tile: the input broadcast to [r0, d0, r1, d1, ...], then each pair
/// collapsed.
LogicalResult convertTile(GraphImporter &imp, const onnx::NodeProto &node) {
  SmallVector<Value, 2> xs;
  if (failed(checkInputCount(imp, node, 2, 2)) ||
      failed(tensorInputs(imp, node, 2, xs)))
    return failure();
  FailureOr<SizeInts> repeatInts = sizeInts(imp, node, xs[1], "repeats");
  if (failed(repeatInts))
    return failure();
  if (repeatInts->fromRunTime)
    return runTimeSizesError(imp, node, "repeats");
  SmallVector<OpFoldResult> *repeats = &repeatInts->values;
  Value x = xs[0];
  int64_t rank = rankOf(x);
  if ((int64_t)repeats->size() != rank)
    return imp.nodeError(node, "has " + Twine(repeats->size()) +
                                   " repeats for rank " + Twine(rank));
  if (rank == 0)
    return done(imp, node, x);
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> dims = sizesOf(b, loc, x), wide;
  SmallVector<AffineExpr> exprs;
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank; ++d) {
    std::optional<int64_t> c = getConstantIntValue((*repeats)[d]);
    if (c && *c < 0)
      return imp.nodeError(node, "has a negative repeat");
    wide.push_back(foldIndex(b, (*repeats)[d]));
    wide.push_back(foldIndex(b, dims[d]));
    exprs.push_back(getAffineDimExpr(2 * d + 1, ctx));
    groups.push_back({2 * d, 2 * d + 1});
  }
  if (failed(checkStaticSizes(imp, node, staticShape(wide))))
    return failure();
  Type elem = elementType(x);
  Value init = emptyTensor(b, loc, wide, elem);
  auto wideType = RankedTensorType::get(staticShape(wide), elem);
  Value broadcast =
      linalg::GenericOp::create(
          b, loc, TypeRange{wideType}, ValueRange{x}, ValueRange{init},
          ArrayRef<AffineMap>{AffineMap::get(2 * rank, 0, exprs, ctx),
                              AffineMap::getMultiDimIdentityMap(2 * rank, ctx)},
          SmallVector<utils::IteratorType>(2 * rank,
                                           utils::IteratorType::parallel),
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            linalg::YieldOp::create(nb, nloc, args[0]);
          })
          .getResult(0);
  return done(imp, node,
              tensor::CollapseShapeOp::create(b, loc, broadcast, groups));
}

LogicalResult convertConstantOfShape(GraphImporter &imp,
                                     const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 1, 1)))
    return failure();
  FailureOr<Value> shapeIn = tensorInput(imp, node, 0);
  if (failed(shapeIn))
    return failure();
  FailureOr<SizeInts> shapeInts = sizeInts(imp, node, *shapeIn, "shape");
  if (failed(shapeInts))
    return failure();
  if (shapeInts->fromRunTime)
    return runTimeSizesError(imp, node, "shape");
  SmallVector<OpFoldResult> *shape = &shapeInts->values;
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  TypedAttr value = b.getF32FloatAttr(0.0f);
  if (const onnx::AttributeProto *attr = findAttr(node, "value")) {
    FailureOr<DenseElementsAttr> t = convertTensorProto(attr->t(), loc);
    if (failed(t))
      return failure();
    if (t->getNumElements() != 1)
      return imp.nodeError(node, "takes a value of one element");
    value = *t->value_begin<TypedAttr>();
  }
  SmallVector<OpFoldResult> sizes;
  for (OpFoldResult s : *shape) {
    std::optional<int64_t> c = getConstantIntValue(s);
    if (c && *c < 0)
      return imp.nodeError(node, "shape has a negative entry");
    sizes.push_back(foldIndex(b, s));
  }
  SmallVector<int64_t> staticSizes = staticShape(sizes);
  if (failed(checkStaticSizes(imp, node, staticSizes)))
    return failure();
  auto type = RankedTensorType::get(staticSizes, value.getType());
  // A splat constant only where it is small: a large one would become a
  // global of its full size in the module (the translation to LLVM expands
  // splats); a fill computes the same at run time.
  if (type.hasStaticShape() && type.getNumElements() <= (int64_t(1) << 20))
    return done(
        imp, node,
        arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(type, ArrayRef<Attribute>{value})));
  Value scalar = arith::ConstantOp::create(b, loc, value);
  return done(imp, node, filledTensor(b, loc, sizes, scalar));
}

//===----------------------------------------------------------------------===//
// Constant, Identity, Dropout
//===----------------------------------------------------------------------===//

LogicalResult convertConstant(GraphImporter &imp, const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 0, 0)))
    return failure();
  if (node.attribute_size() != 1)
    return imp.nodeError(node, "needs exactly one value attribute");
  const onnx::AttributeProto &attr = node.attribute(0);
  OpBuilder &b = imp.builder();
  Location loc = imp.loc(node);
  StringRef name = attr.name();
  DenseElementsAttr value;
  if (name == "value") {
    FailureOr<DenseElementsAttr> t = convertTensorProto(attr.t(), loc);
    if (failed(t))
      return failure();
    value = *t;
  } else if (name == "value_float") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                   attr.f());
  } else if (name == "value_floats") {
    SmallVector<float> v(attr.floats().begin(), attr.floats().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)v.size()}, b.getF32Type()),
        ArrayRef<float>(v));
  } else if (name == "value_int") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                   (int64_t)attr.i());
  } else if (name == "value_ints") {
    SmallVector<int64_t> v(attr.ints().begin(), attr.ints().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)v.size()}, b.getI64Type()),
        ArrayRef<int64_t>(v));
  } else if (name == "sparse_value") {
    return imp.nodeError(node, "sparse constants are not supported");
  } else if (name == "value_string" || name == "value_strings") {
    return imp.nodeError(node, "string constants are not supported");
  } else {
    return imp.nodeError(node, "has an unknown attribute '" + name + "'");
  }
  return done(imp, node, arith::ConstantOp::create(b, loc, value));
}

LogicalResult convertIdentity(GraphImporter &imp, const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 1, 1)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x))
    return failure();
  return done(imp, node, *x);
}

/// Dropout at inference: the identity, and an all-true mask.
LogicalResult convertDropout(GraphImporter &imp, const onnx::NodeProto &node) {
  if (failed(checkInputCount(imp, node, 1, 3)))
    return failure();
  FailureOr<Value> x = tensorInput(imp, node, 0);
  if (failed(x))
    return failure();
  FailureOr<Value> training = optionalTensorInput(imp, node, 2);
  if (failed(training))
    return failure();
  if (*training) {
    std::optional<DenseElementsAttr> mode = imp.constantValue(*training);
    if (!mode || !mode->isSplat() || mode->getSplatValue<bool>())
      return imp.nodeError(node, "runs in training mode (or one not known "
                                 "at compile time): not supported");
  }
  imp.defineOutput(node, 0, *x);
  if (imp.hasOutput(node, 1)) {
    OpBuilder &b = imp.builder();
    Location loc = imp.loc(node);
    Value yes = scalarConstant(b, loc, b.getI1Type(), 1);
    imp.defineOutput(node, 1, filledTensor(b, loc, sizesOf(b, loc, *x), yes));
  }
  return success();
}

} // namespace

void registerTensorOps(ConverterTable &table) {
  table["MatMul"] = convertMatMul;
  table["Gemm"] = convertGemm;
  table["ReduceSum"] = reduceConverter(Reduction::Sum, 13);
  table["ReduceMean"] = reduceConverter(Reduction::Mean, 18);
  table["ReduceL1"] = reduceConverter(Reduction::L1, 18);
  table["ReduceL2"] = reduceConverter(Reduction::L2, 18);
  table["ReduceSumSquare"] = reduceConverter(Reduction::SumSquare, 18);
  table["ReduceMax"] = reduceConverter(Reduction::Max, 18);
  table["ReduceMin"] = reduceConverter(Reduction::Min, 18);
  table["ReduceProd"] = reduceConverter(Reduction::Prod, 18);
  table["ReduceLogSumExp"] = reduceConverter(Reduction::LogSumExp, 18);
  table["Softmax"] = convertSoftmax;
  table["LogSoftmax"] = convertSoftmax;
  table["LayerNormalization"] = convertLayerNorm;
  table["Transpose"] = convertTranspose;
  table["Reshape"] = convertReshape;
  table["Flatten"] = convertFlatten;
  table["Squeeze"] = convertSqueeze;
  table["Unsqueeze"] = convertUnsqueeze;
  table["Concat"] = convertConcat;
  table["Slice"] = convertSlice;
  table["Split"] = convertSplit;
  table["Gather"] = convertGather;
  table["Shape"] = convertShape;
  table["Size"] = convertSize;
  table["Expand"] = convertExpand;
  table["Tile"] = convertTile;
  table["ConstantOfShape"] = convertConstantOfShape;
  table["Constant"] = convertConstant;
  table["Identity"] = convertIdentity;
  table["Dropout"] = convertDropout;
}

} // namespace recur::onnx_import

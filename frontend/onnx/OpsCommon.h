//===- OpsCommon.h - What the op converters share ---------------*- C++ -*-===//
//
// Attribute and input access, shapes as OpFoldResults (static sizes as
// attributes, dynamic ones as index values), numpy broadcasting, elementwise
// linalg.generic ops, reshapes and known integer vectors, for the converters
// in OpsElementwise.cpp and OpsTensor.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_FRONTEND_ONNX_OPSCOMMON_H
#define RECUR_FRONTEND_ONNX_OPSCOMMON_H

#include "frontend/onnx/Importer.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace recur::onnx_import {

//===----------------------------------------------------------------------===//
// Attributes and inputs
//===----------------------------------------------------------------------===//

/// The attribute `name` of `node`, or null.
const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     llvm::StringRef name);
int64_t attrInt(const onnx::NodeProto &node, llvm::StringRef name,
                int64_t defaultValue);
float attrFloat(const onnx::NodeProto &node, llvm::StringRef name,
                float defaultValue);
std::string attrString(const onnx::NodeProto &node, llvm::StringRef name,
                       llvm::StringRef defaultValue);
/// An INTS attribute; std::nullopt when absent.
std::optional<llvm::SmallVector<int64_t>> attrInts(const onnx::NodeProto &node,
                                                   llvm::StringRef name);

/// Errors unless `node` has between `min` and `max` inputs (counting the
/// empty names of omitted optional inputs).
mlir::LogicalResult checkInputCount(GraphImporter &imp,
                                    const onnx::NodeProto &node, int min,
                                    int max);
/// Inputs 0 .. count-1, each required and a ranked tensor.
mlir::LogicalResult tensorInputs(GraphImporter &imp,
                                 const onnx::NodeProto &node, int count,
                                 llvm::SmallVectorImpl<mlir::Value> &out);
/// Input `index`, required and a ranked tensor.
mlir::FailureOr<mlir::Value>
tensorInput(GraphImporter &imp, const onnx::NodeProto &node, int index);
/// Optional input `index`: null when absent; failure when named but
/// undefined or not a ranked tensor.
mlir::FailureOr<mlir::Value>
optionalTensorInput(GraphImporter &imp, const onnx::NodeProto &node, int index);

//===----------------------------------------------------------------------===//
// Types and sizes
//===----------------------------------------------------------------------===//

inline mlir::RankedTensorType tensorType(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType());
}
inline mlir::Type elementType(mlir::Value v) {
  return tensorType(v).getElementType();
}
inline int64_t rankOf(mlir::Value v) { return tensorType(v).getRank(); }

/// `axis` (negative counts from the end) in [0, rank), or an error naming
/// the attribute or input `what`.
mlir::FailureOr<int64_t> normalizeAxis(GraphImporter &imp,
                                       const onnx::NodeProto &node,
                                       int64_t axis, int64_t rank,
                                       llvm::StringRef what);

/// The sizes of `v` (static ones as index attributes, dynamic ones as
/// tensor.dim values).
llvm::SmallVector<mlir::OpFoldResult>
sizesOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);
/// The static shape of `sizes` (kDynamic where not constant).
llvm::SmallVector<int64_t>
staticShape(llvm::ArrayRef<mlir::OpFoldResult> sizes);
/// An index OpFoldResult folded to an attribute when it is constant.
mlir::OpFoldResult foldIndex(mlir::OpBuilder &b, mlir::OpFoldResult v);
/// Whether two sizes are known equal at compile time: equal constants, the
/// same value, or tensor.dim of the same tensor and dimension.
bool sameSize(mlir::OpFoldResult a, mlir::OpFoldResult b);

/// Index arithmetic on sizes, folded when the operands are constant.
mlir::OpFoldResult addIndex(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::OpFoldResult x, mlir::OpFoldResult y);
mlir::OpFoldResult subIndex(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::OpFoldResult x, mlir::OpFoldResult y);
mlir::OpFoldResult mulIndex(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::OpFoldResult x, mlir::OpFoldResult y);
/// Signed division rounding toward zero.
mlir::OpFoldResult divIndex(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::OpFoldResult x, mlir::OpFoldResult y);
/// Signed division rounding up (positive operands).
mlir::OpFoldResult ceilDivIndex(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::OpFoldResult x, mlir::OpFoldResult y);
mlir::OpFoldResult minIndex(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::OpFoldResult x, mlir::OpFoldResult y);
mlir::OpFoldResult maxIndex(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::OpFoldResult x, mlir::OpFoldResult y);
/// `x` if `x >= 0`, else `x + size` (ONNX's negative indices).
mlir::OpFoldResult wrapNegative(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::OpFoldResult x, mlir::OpFoldResult size);
/// The product of `sizes` (1 for none).
mlir::OpFoldResult productIndex(mlir::OpBuilder &b, mlir::Location loc,
                                llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// A tensor.empty of `sizes`.
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes,
                        mlir::Type elemType);
/// A tensor of `sizes` filled with the scalar `value`.
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes,
                         mlir::Value value);
/// A scalar constant of `type` (float or integer, i1 included).
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);
/// `v` as `type` when they differ only in static sizes (tensor.cast).
mlir::Value castToType(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       mlir::Type type);

/// A scalar converted between element types with ONNX Cast's rules: floats
/// to integers truncate toward zero, to bool compares with zero, bools
/// convert as 0/1.
mlir::Value convertScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                          mlir::Type to);

//===----------------------------------------------------------------------===//
// Broadcasting and elementwise ops
//===----------------------------------------------------------------------===//

/// numpy's multidirectional broadcast of the operands' shapes (each operand
/// is a ranked tensor or, in `extraShapes`, a list of sizes such as Expand's
/// shape input). A dynamic size against a static 1 broadcasts to the dynamic
/// size; two dynamic sizes are assumed equal (nothing checks that at run
/// time); two different static sizes other than 1 are an error.
mlir::FailureOr<llvm::SmallVector<mlir::OpFoldResult>> broadcastShapes(
    GraphImporter &imp, const onnx::NodeProto &node,
    llvm::ArrayRef<mlir::Value> operands,
    llvm::ArrayRef<llvm::SmallVector<mlir::OpFoldResult>> extraShapes = {});

/// Whether dimension `d` of `v` is at most 1: statically, or because the
/// ops that computed its size bound it (a slice of at most one element).
bool atMostOne(mlir::Value v, int64_t d);

/// Prepares `v` for a linalg op whose loops include `sizes`, its first
/// `count` dimensions right-aligned with `sizes`: each of them that
/// broadcasts (static 1, or at most 1, against another size) is cast to 1
/// and collapsed away; the loop position of each one kept is appended to
/// `loops`. The rest of `v`'s dimensions stay.
mlir::Value broadcastOperand(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value v, int64_t count,
                             llvm::ArrayRef<mlir::OpFoldResult> sizes,
                             llvm::SmallVectorImpl<int64_t> &loops);

/// Computes a scalar from the operands' scalars inside a linalg.generic
/// body.
using ScalarBuilder = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// One linalg.generic over the broadcast shape of `operands` (or
/// `resultSizes` when given) computing `fn` per element, with an element
/// type of `resultElem`. Operands are read through projected indexing maps
/// (dimensions broadcast from a static 1 are collapsed away first); splat
/// constants become scalar constants inside the body, which is what the
/// affine analyses read best.
mlir::FailureOr<mlir::Value>
buildElementwise(GraphImporter &imp, const onnx::NodeProto &node,
                 llvm::ArrayRef<mlir::Value> operands, mlir::Type resultElem,
                 ScalarBuilder fn,
                 std::optional<llvm::ArrayRef<mlir::OpFoldResult>> resultSizes =
                     std::nullopt);

/// `v` with its static unit dimensions in `dims` removed
/// (tensor.collapse_shape).
mlir::Value dropUnitDims(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                         llvm::ArrayRef<int64_t> dims);

/// `v` with unit dimensions inserted so that they sit at `positions` of
/// the result (sorted, in [0, rank + positions.size())):
/// tensor.expand_shape.
mlir::Value insertUnitDims(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value v, llvm::ArrayRef<int64_t> positions);

/// `v` reshaped to `sizes` (same element count, row-major): a
/// tensor.collapse_shape or tensor.expand_shape when the reshape is one and
/// the dynamic sizes provably match, a tensor.reshape otherwise.
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      llvm::ArrayRef<mlir::OpFoldResult> sizes);

//===----------------------------------------------------------------------===//
// Compile-time integers
//===----------------------------------------------------------------------===//

/// The elements of a constant integer tensor `v` (axes, steps), or an error
/// naming `what` when it is not a compile-time constant.
mlir::FailureOr<llvm::SmallVector<int64_t>>
constantInts(GraphImporter &imp, const onnx::NodeProto &node, mlir::Value v,
             llvm::StringRef what);
/// Sizes-like integers (a shape, starts/ends, repeats, split sizes): the
/// known ints of `v` when there are some, else its elements read at run
/// time (tensor.extract) when `v` is a 1-D (or 0-D) integer tensor of static
/// length; `fromRunTime` says which. An error ("... must be computable at
/// compile time") naming `what` otherwise.
struct SizeInts {
  llvm::SmallVector<mlir::OpFoldResult> values;
  bool fromRunTime = false;
};
mlir::FailureOr<SizeInts> sizeInts(GraphImporter &imp,
                                   const onnx::NodeProto &node, mlir::Value v,
                                   llvm::StringRef what);
/// A 0-D or 1-D integer tensor of `type` holding `elements` (a constant when
/// they all are, else tensor.from_elements), recorded as known ints.
mlir::Value materializeInts(GraphImporter &imp, mlir::Location loc,
                            llvm::ArrayRef<mlir::OpFoldResult> elements,
                            mlir::RankedTensorType type);
/// Whether `type` is a 0-D or 1-D tensor of (non-bool) integers: the kind of
/// value known ints describe.
bool isIntVectorType(mlir::Type type);

} // namespace recur::onnx_import

#endif // RECUR_FRONTEND_ONNX_OPSCOMMON_H

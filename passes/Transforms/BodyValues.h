//===- BodyValues.h - values a recurrence body reads from outside -*- C++ -*-===//
//
// Questions the body-restructuring rewrites (hoisting, gate fusion) ask of a
// recur.recurrence body value: does it stand for something that exists
// outside the body, and what is it there.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PASSES_TRANSFORMS_BODYVALUES_H
#define RECUR_PASSES_TRANSFORMS_BODYVALUES_H

#include "dialects/Recur/IR/RecurOps.h"

namespace recur {

/// Whether `v` is a capture argument of `op`'s body or a constant: a value
/// that depends on no state and no step, and exists outside the body.
bool isCaptureOrConstant(RecurrenceOp op, mlir::Value v);

/// The value outside `op` that body value `v` (a capture argument or a
/// constant, which is cloned at the builder's insertion point) stands for.
mlir::Value valueOutside(mlir::OpBuilder &b, RecurrenceOp op, mlir::Value v);

/// The scalar a matmul's accumulator `init` starts from when it is a constant
/// fill (linalg.fill of a constant, or a splat constant); null otherwise.
mlir::TypedAttr constantFill(mlir::Value init);

} // namespace recur

#endif // RECUR_PASSES_TRANSFORMS_BODYVALUES_H

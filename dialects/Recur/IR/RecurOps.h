//===- RecurOps.h - recur dialect operations --------------------*- C++ -*-===//
//
// Declares the ops of the recur dialect and the interface they share.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_DIALECTS_RECUR_IR_RECUROPS_H
#define RECUR_DIALECTS_RECUR_IR_RECUROPS_H

#include "dialects/Recur/IR/RecurDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace recur {
enum class Direction : uint32_t;
} // namespace recur

#include "dialects/Recur/IR/RecurInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/Recur/IR/RecurOps.h.inc"

namespace recur {

/// The type of one step's slice of a sequence: `seqType` without `timeAxis`.
mlir::RankedTensorType getStepType(mlir::RankedTensorType seqType,
                                   int64_t timeAxis);

/// The type of per-step values of type `stepType` stacked over `numSteps`
/// steps (ShapedType::kDynamic when unknown) at position `timeAxis`.
mlir::RankedTensorType getStackedType(mlir::RankedTensorType stepType,
                                      int64_t timeAxis, int64_t numSteps);

/// Whether two dimension sizes can be equal (equal, or either is dynamic).
inline bool areDimsCompatible(int64_t a, int64_t b) {
  return mlir::ShapedType::isDynamic(a) || mlir::ShapedType::isDynamic(b) ||
         a == b;
}

/// Whether two tensor types can hold the same values: same element type,
/// same rank, compatible dimensions.
bool areTypesCompatible(mlir::RankedTensorType a, mlir::RankedTensorType b);

} // namespace recur

#endif // RECUR_DIALECTS_RECUR_IR_RECUROPS_H

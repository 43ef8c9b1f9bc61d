//===- RecurDialect.h - the recur dialect -----------------------*- C++ -*-===//
//
// Declares the recur dialect, its enums and attributes.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_DIALECTS_RECUR_IR_RECURDIALECT_H
#define RECUR_DIALECTS_RECUR_IR_RECURDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "dialects/Recur/IR/RecurDialect.h.inc"
#include "dialects/Recur/IR/RecurEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Recur/IR/RecurAttrs.h.inc"

#endif // RECUR_DIALECTS_RECUR_IR_RECURDIALECT_H

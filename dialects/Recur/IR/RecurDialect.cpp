//===- RecurDialect.cpp - the recur dialect -------------------------------===//
//
// Registers the recur dialect's ops, enums and attributes.
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurDialect.h"
#include "dialects/Recur/IR/RecurOps.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace recur;

#include "dialects/Recur/IR/RecurDialect.cpp.inc"
#include "dialects/Recur/IR/RecurEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Recur/IR/RecurAttrs.cpp.inc"

void RecurDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Recur/IR/RecurOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Recur/IR/RecurAttrs.cpp.inc"
      >();
}

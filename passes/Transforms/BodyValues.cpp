//===- BodyValues.cpp - values a recurrence body reads from outside -------===//

#include "passes/Transforms/BodyValues.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

bool recur::isCaptureOrConstant(RecurrenceOp op, Value v) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    return arg.getOwner() == &op.getBodyBlock() &&
           arg.getArgNumber() >= op.getNumStates() + op.getSequences().size();
  return matchPattern(v, m_Constant());
}

Value recur::valueOutside(OpBuilder &b, RecurrenceOp op, Value v) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    return op.getCaptures()[arg.getArgNumber() - op.getNumStates() -
                            op.getSequences().size()];
  return b.clone(*v.getDefiningOp())->getResult(0);
}

TypedAttr recur::constantFill(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    TypedAttr attr;
    if (matchPattern(fill.value(), m_Constant(&attr)))
      return attr;
    return {};
  }
  DenseElementsAttr dense;
  if (matchPattern(init, m_Constant(&dense)) && dense.isSplat())
    return cast<TypedAttr>(dense.getSplatValue<Attribute>());
  return {};
}

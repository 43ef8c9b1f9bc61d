//===- StateDependence.cpp - which body values depend on which state -----===//
//
// Forward propagation of state sets through a recurrence body, nested
// regions included.
//
//===----------------------------------------------------------------------===//

#include "passes/Analysis/StateDependence.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace recur;

StateDependence::StateDependence(RecurrenceOp op)
    : StateDependence(op.getBodyBlock(), op.getNumStates()) {}

StateDependence::StateDependence(Block &body, unsigned numStates)
    : body(body), numStates(numStates), none(numStates) {
  for (unsigned s = 0; s < numStates && s < body.getNumArguments(); ++s) {
    llvm::SmallBitVector bits(numStates);
    bits.set(s);
    states[body.getArgument(s)] = bits;
  }
  analyzeBlock(body, none);
}

const llvm::SmallBitVector &StateDependence::getStates(Value value) const {
  auto it = states.find(value);
  return it == states.end() ? none : it->second;
}

llvm::SmallBitVector StateDependence::getStatesReadBy(Operation *op) const {
  llvm::SmallBitVector read(numStates);
  for (Value operand : op->getOperands())
    read |= getStates(operand);
  if (op->getNumRegions() != 0) {
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(op->getRegions(), above);
    for (Value v : above)
      read |= getStates(v);
  }
  return read;
}

const llvm::SmallBitVector &
StateDependence::getYieldedStates(unsigned i) const {
  return getStates(body.getTerminator()->getOperand(i));
}

void StateDependence::analyzeBlock(Block &block,
                                   const llvm::SmallBitVector &argDeps) {
  // Arguments of nested blocks carry what their owner reads; the body's own
  // state arguments are seeded by the constructor.
  if (&block != &body && argDeps.any())
    for (BlockArgument arg : block.getArguments())
      states[arg] = argDeps;
  for (Operation &op : block) {
    // A shape does not change from step to step.
    if (isa<tensor::DimOp>(op))
      continue;
    llvm::SmallBitVector read = getStatesReadBy(&op);
    for (Region &region : op.getRegions())
      for (Block &nested : region)
        analyzeBlock(nested, read);
    if (read.none())
      continue;
    // Values computed inside nested regions may feed the op's results
    // (through their terminators), already counted in `read`.
    for (Value result : op.getResults())
      states[result] = read;
  }
}

std::string recur::formatStateSet(const llvm::SmallBitVector &states) {
  std::string s = "[";
  bool first = true;
  for (int i : states.set_bits()) {
    if (!first)
      s += ", ";
    s += std::to_string(i);
    first = false;
  }
  return s + "]";
}

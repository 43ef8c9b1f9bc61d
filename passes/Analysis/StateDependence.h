//===- StateDependence.h - which values depend on which state -*- C++ -*-===//
//
// For the body of a recur.recurrence: the set of states every value depends
// on, by forward propagation from the state arguments through the body's ops
// (values an op's nested regions read from above count as its operands).
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PASSES_ANALYSIS_STATEDEPENDENCE_H
#define RECUR_PASSES_ANALYSIS_STATEDEPENDENCE_H

#include "dialects/Recur/IR/RecurOps.h"

#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallBitVector.h"

namespace recur {

/// Which states each value of a recurrence body depends on. Shapes are not
/// values: `tensor.dim` of a state depends on no state (a state keeps its
/// shape from step to step). Values inside nested regions are covered too:
/// a nested op depends on what its operands depend on, and a nested block's
/// arguments on what the op that owns the block reads.
class StateDependence {
public:
  /// Analyzes `op`'s body; its first `op.getNumStates()` arguments are the
  /// states.
  explicit StateDependence(RecurrenceOp op);
  /// Analyzes `body`, whose first `numStates` arguments are the states.
  StateDependence(mlir::Block &body, unsigned numStates);

  unsigned getNumStates() const { return numStates; }

  /// The states `value` depends on (empty when it depends on none, or when
  /// it is not a value of the body).
  const llvm::SmallBitVector &getStates(mlir::Value value) const;

  /// Whether `value` depends on any state.
  bool dependsOnState(mlir::Value value) const {
    return getStates(value).any();
  }
  bool dependsOnState(mlir::Value value, unsigned state) const {
    const llvm::SmallBitVector &states = getStates(value);
    return state < states.size() && states.test(state);
  }

  /// The states an op reads, through its operands and the values its
  /// regions use from above.
  llvm::SmallBitVector getStatesReadBy(mlir::Operation *op) const;

  /// The states the body's i-th yielded value depends on.
  const llvm::SmallBitVector &getYieldedStates(unsigned i) const;

private:
  void analyzeBlock(mlir::Block &block, const llvm::SmallBitVector &argDeps);

  mlir::Block &body;
  unsigned numStates;
  llvm::SmallBitVector none;
  llvm::DenseMap<mlir::Value, llvm::SmallBitVector> states;
};

/// Formats a set of states as "[0, 2]".
std::string formatStateSet(const llvm::SmallBitVector &states);

} // namespace recur

#endif // RECUR_PASSES_ANALYSIS_STATEDEPENDENCE_H

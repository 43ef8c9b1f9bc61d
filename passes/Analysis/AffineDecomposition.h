//===- AffineDecomposition.h - affine recurrences -----------*- C++ -*-===//
//
// Decides whether every next state of a recur.recurrence is A(x_t) h + b(x_t),
// classifies the transition as recur.linear_scan structures it (scalar,
// diagonal, identity_plus_low_rank, dense; coupled states as one system) and
// builds the per-step coefficients of A from the step's state-independent
// values, exactly, from the tracked linear operator.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PASSES_ANALYSIS_AFFINEDECOMPOSITION_H
#define RECUR_PASSES_ANALYSIS_AFFINEDECOMPOSITION_H

#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Analysis/StateDependence.h"

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <string>

namespace recur {

/// A state-independent value of the body that multiplies a linear term (or
/// divides it, with `reciprocal`): a tensor read at `map` of the term's
/// dimensions, or a scalar (then `map` has no results).
struct AffineFactor {
  mlir::Value value;
  mlir::AffineMap map;
  bool reciprocal = false;
};

/// One term of the linear part of a body value v of rank n:
///
///   v[i] += scale * prod_k factor_k[map_k(i, r)] * h_state[stateMap(i, r)]
///
/// summed over the term's `numReductions` dimensions r; i are v's n
/// dimensions. Every map is over n + numReductions dimensions.
struct LinearTerm {
  unsigned state = 0;
  mlir::AffineMap stateMap;
  unsigned numReductions = 0;
  double scale = 1.0;
  llvm::SmallVector<AffineFactor, 2> factors;
};

/// The linear part of a body value: the value is the sum of its terms plus a
/// state-independent part (which the decomposition never needs: b_t is the
/// body evaluated at h = 0). A state-independent value has no terms.
struct AffineForm {
  llvm::SmallVector<LinearTerm, 2> terms;
  /// The value is its linear part alone (zero when the states are zero).
  bool homogeneous = false;
  /// When set, the value equals this other value when the states are zero
  /// (a contraction's accumulator: x_t + h W is x_t at h = 0).
  mlir::Value offset;
};

/// Why a value is not affine in the states: the op where the state enters
/// something that is not a linear operation.
struct AffineObstacle {
  mlir::Operation *op = nullptr;
  /// A state the op's offending operand depends on.
  unsigned state = 0;
  /// What is wrong beyond "depends on the state", or empty.
  std::string detail;

  /// "math.tanh at model.mlir:12:8 depends on state #0", then the detail.
  std::string describe() const;
};

/// States that evolve together, and the structure of their joint transition
/// as recur.linear_scan defines it. One state keeps its shape (maybe with its
/// dimensions permuted); several states of one shape are stacked along a new
/// dimension (at `stackDim`), so the transition is a small dense block per
/// element.
struct LinearSystem {
  /// The states, in increasing order.
  llvm::SmallVector<unsigned, 2> states;
  Structure structure = Structure::diagonal;
  int64_t batchDims = 0;
  /// One state: the scan state's dimension e is the state's dimension
  /// permutation[e]; empty when the layout is the state's own.
  llvm::SmallVector<int64_t, 4> permutation;
  /// Several states: where the new stacking dimension sits in the scan state.
  int64_t stackDim = -1;
  /// One state with a matrix transition: the state dimension it mixes.
  int64_t mixedDim = -1;
  /// identity_plus_low_rank: the rank r of u v^T.
  int64_t rank = 0;
  /// Empty when the structure is supported; otherwise why not (the system is
  /// affine but recur.linear_scan cannot express it, or we cannot yet).
  std::string unsupported;

  bool isStacked() const { return states.size() > 1; }
  bool isPermuted() const { return !permutation.empty(); }
  bool isSupported() const { return unsupported.empty(); }
  /// "structure=dense, batch_dims=1" plus the layout when not the state's.
  std::string describe() const;
};

/// The affine decomposition of one recur.recurrence: per body value its
/// linear part, per next state whether it is affine (and if not, why), and
/// the linear systems of the states.
class AffineDecomposition {
public:
  explicit AffineDecomposition(RecurrenceOp op);

  RecurrenceOp getOp() const { return op; }
  const StateDependence &getStateDependence() const { return dependence; }

  /// Whether every next state is affine in the states.
  bool isAffine() const;
  /// Whether, moreover, every linear system has a supported structure.
  bool isLinearizable() const;

  /// Why next state `state` is not affine, or nullopt when it is.
  const std::optional<AffineObstacle> &getObstacle(unsigned state) const {
    return obstacles[state];
  }
  /// The obstacle of the first next state that is not affine.
  std::optional<AffineObstacle> getFirstObstacle() const;

  /// The linear part of a body value, or null when it is not affine (values
  /// that depend on no state have an empty form).
  const AffineForm *getForm(mlir::Value value) const;
  /// Whether `value` is exactly linear in the states (so zero when they
  /// are): what evaluating the body at h = 0 may skip.
  bool isHomogeneous(mlir::Value value) const {
    const AffineForm *form = getForm(value);
    return form && form->homogeneous;
  }
  /// The value `value` takes when the states are zero, if it is another
  /// body value (null otherwise; see AffineForm::offset).
  mlir::Value getOffsetValue(mlir::Value value) const {
    const AffineForm *form = getForm(value);
    return form ? form->offset : mlir::Value();
  }
  /// The linear part of next state `state` (null when not affine).
  const AffineForm *getNextStateForm(unsigned state) const;

  /// The linear systems, in order of their first state (empty unless
  /// isAffine()).
  llvm::ArrayRef<LinearSystem> getSystems() const { return systems; }
  /// The system that holds `state`.
  const LinearSystem &getSystemOf(unsigned state) const;

  /// The type of `system`'s scan state.
  mlir::RankedTensorType getScanStateType(const LinearSystem &system) const;

  /// Builds, at `b`'s insertion point, one step's coefficients of `system`:
  /// `a` (scalar, diagonal, dense) or `u`, `v` (identity_plus_low_rank), as
  /// recur.linear_scan takes them per step. `mapping` maps the body's
  /// state-independent values to their counterparts at the insertion point;
  /// `stateShapes[s]` is a tensor with state s's type (its sizes give the
  /// coefficients' dynamic sizes), for every state of the recurrence.
  llvm::SmallVector<mlir::Value> materializeCoefficients(
      mlir::OpBuilder &b, mlir::Location loc, const LinearSystem &system,
      const mlir::IRMapping &mapping, mlir::ValueRange stateShapes) const;

  /// Brings per-state values (in `system.states` order; each of its state's
  /// shape, with a time axis at `timeAxis` when it is not negative) into the
  /// layout of the system's scan state.
  mlir::Value packStates(mlir::OpBuilder &b, mlir::Location loc,
                         const LinearSystem &system, mlir::ValueRange values,
                         int64_t timeAxis = -1) const;
  /// The inverse of packStates.
  llvm::SmallVector<mlir::Value> unpackStates(mlir::OpBuilder &b,
                                              mlir::Location loc,
                                              const LinearSystem &system,
                                              mlir::Value packed,
                                              int64_t timeAxis = -1) const;

private:
  void computeForms();
  void computeSystems();
  void classify(LinearSystem &system);

  RecurrenceOp op;
  StateDependence dependence;
  llvm::DenseMap<mlir::Value, AffineForm> forms;
  llvm::DenseMap<mlir::Value, AffineObstacle> valueObstacles;
  llvm::SmallVector<std::optional<AffineObstacle>> obstacles;
  llvm::SmallVector<LinearSystem> systems;
  AffineForm emptyForm;
};

/// Whether some op of `op`'s body has side effects, which a rewrite into
/// maps and scans would run in another order or another number of times.
bool hasSideEffects(RecurrenceOp op);

/// "model.mlir:12:8" for the first file location inside `loc`, or
/// "unknown location".
std::string formatLocation(mlir::Location loc);

} // namespace recur

#endif // RECUR_PASSES_ANALYSIS_AFFINEDECOMPOSITION_H

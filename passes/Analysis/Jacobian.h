//===- Jacobian.h - derivatives of a recurrence body ------------*- C++ -*-===//
//
// The Jacobian J_t = d h_t / d h_{t-1} of a recur.recurrence's body, from
// its IR: which structure it has (diagonal, block-diagonal with k coupled
// states per element, dense), which op stops it from being derived, and the
// forward-mode derivative (a Jacobian-vector product) built as IR. This is
// what the Newton strategy (passes/Transforms/Newton.h) is built on.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PASSES_ANALYSIS_JACOBIAN_H
#define RECUR_PASSES_ANALYSIS_JACOBIAN_H

#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Analysis/StateDependence.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include <optional>
#include <string>

namespace recur {

enum class JacobianStructure { diagonal, block_diagonal, dense };

/// An op on a state-dependent path that the forward-mode derivative does not
/// know (or knows but not in this form).
struct JacobianObstacle {
  mlir::Operation *op = nullptr;
  std::string detail;
  /// "scf.if at model.mlir:12:8", then the detail.
  std::string describe() const;
};

/// The Jacobian of one recur.recurrence's body with respect to its states.
///
/// Structure: per pair (next state i, state j) the body either does not use
/// state j for next state i, uses it element by element (element e of next
/// state i depends only on element e of state j: same shape, identity
/// indexing through elementwise ops), or in any other way ("dense": a
/// contraction, a broadcast, a slice or a concat of the state). Then
///  - diagonal: every pair is unused or elementwise, and only (i, i) pairs
///    are used;
///  - block_diagonal: every pair is unused or elementwise; states coupled
///    elementwise form groups (of one shape), J is a k x k block per element
///    with k the size of the largest group;
///  - dense: anything else. Dense assumes (does not check) that the state's
///    dimension 0, when it has two dimensions, is a batch whose rows do not
///    mix; the materialization computes one [nH, nH] block per row.
/// The detection is conservative: a body whose Jacobian happens to be
/// diagonal through slices or concats of the state is reported dense.
class JacobianAnalysis {
public:
  explicit JacobianAnalysis(RecurrenceOp op);

  RecurrenceOp getOp() const { return op; }
  const StateDependence &getStateDependence() const { return dependence; }

  /// Null when every op on a state-dependent path can be derived.
  const std::optional<JacobianObstacle> &getObstacle() const {
    return obstacle;
  }
  bool isSupported() const { return !obstacle.has_value(); }

  JacobianStructure getStructure() const { return structure; }
  /// The states coupled element by element, in groups (each sorted; groups
  /// in order of their first state). Meaningful unless dense.
  llvm::ArrayRef<llvm::SmallVector<unsigned, 2>> getGroups() const {
    return groups;
  }
  /// block_diagonal: the largest group's size; diagonal: 1; dense: 0.
  int64_t getBlockSize() const { return blockSize; }

  /// "structure=diagonal", "structure=block_diagonal, block=2",
  /// "structure=dense" or "unsupported (OBSTACLE)".
  std::string describe() const;

  /// Emits, at `b`'s insertion point, the body's primal values and their
  /// tangents for the state tangents `stateTangents` (one per state, or null
  /// for zero): returns the next states' tangents J_t * dh (null where
  /// zero). `mapping` maps the body's arguments to their values at the
  /// insertion point; it is extended with the body's values. Fails with an
  /// error at the offending op when it cannot derive one (never when
  /// isSupported()).
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  emitTangents(mlir::OpBuilder &b, mlir::IRMapping &mapping,
               mlir::ArrayRef<mlir::Value> stateTangents) const;

  /// Emits J_t at the point where `base` maps the body's arguments (states,
  /// step inputs, captures): one value per group of getGroups(), in order:
  /// the state's shape S for a group of one (diagonal entries), S ++ [k, k]
  /// for k coupled states ([..., i, j] = d next_i / d state_j of the
  /// group), or, dense, one [(B,) nH, nH] over the states stacked along
  /// their last dimension (states of one shape [H] or [B, H], else an
  /// error). Fails with an error at the recurrence when it cannot.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  emitJacobian(mlir::OpBuilder &b, mlir::Location loc,
               const mlir::IRMapping &base) const;

private:
  void analyze();

  RecurrenceOp op;
  StateDependence dependence;
  std::optional<JacobianObstacle> obstacle;
  JacobianStructure structure = JacobianStructure::diagonal;
  llvm::SmallVector<llvm::SmallVector<unsigned, 2>> groups;
  int64_t blockSize = 1;
};

/// A tensor (or scalar) like `like` filled with `value`.
mlir::Value constantLike(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value like, double value);

} // namespace recur

#endif // RECUR_PASSES_ANALYSIS_JACOBIAN_H

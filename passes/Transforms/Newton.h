//===- Newton.h - nonlinear recurrences by Newton's method -------*- C++
//-*-===//
//
// The Newton strategy (DESIGN.md, as in DEER and ParaRNN): the whole
// sequence of states H = (h_1..h_T) is the root of r_t = h_t - f(h_{t-1}, x_t);
// each Newton step is the linear recurrence
//   h'_t = J_t h'_{t-1} + (f(h_{t-1}, x_t) - J_t h_{t-1}),
// a recur.linear_scan. What decides whether a recurrence gets it (the cost
// model of --strategy=auto) is shared by the rewrite and --recur-explain.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PASSES_TRANSFORMS_NEWTON_H
#define RECUR_PASSES_TRANSFORMS_NEWTON_H

#include "dialects/Recur/IR/RecurOps.h"

#include <string>

namespace recur {

struct NewtonOptions {
  /// --strategy=newton: every nonlinear recurrence that Newton can evaluate
  /// gets it (one it cannot is an error); otherwise the cost model decides.
  bool force = false;
  /// Newton steps before the recurrence is evaluated sequentially instead.
  int64_t maxIterations = 32;
  /// Converged when |h_t - f(h_{t-1}, x_t)| <= atol + rtol |f| everywhere; a
  /// negative value means the element type's default (kDefaultTolF32/F64).
  double atol = -1, rtol = -1;
  /// Dense Jacobians: "exact" (the full J_t, a dense scan), "diagonal"
  /// (quasi-Newton: J_t's diagonal only, a diagonal scan), "auto" (exact up
  /// to kMaxExactDense stacked state elements, else diagonal).
  std::string jacobian = "auto";
  /// Jacobians are scaled by 1 / (1 + damping) (0: pure Newton).
  double damping = 0;
  /// The cost model's parallel width of the target (threads that do useful
  /// work at once); 0: Newton is not available there (auto never picks it).
  int64_t parallelism = 8;
  /// Report each solve to the runtime (__recur_newton_report).
  bool report = false;
};

constexpr double kDefaultTolF32 = 1e-5;
constexpr double kDefaultTolF64 = 1e-10;
constexpr int64_t kMaxExactDense = 16;
/// The cost model's expected Newton iterations (contractive cells converge
/// in a handful; test/E2E/newton.test records the real counts).
constexpr int64_t kExpectedIterations = 8;

/// What the Newton strategy would do with one recurrence.
struct NewtonPlan {
  /// Newton can evaluate it (its Jacobian is derivable, its form handled).
  bool applicable = false;
  /// The strategy applies it.
  bool chosen = false;
  /// "structure=diagonal", "structure=block_diagonal, block=2", ...
  std::string structure;
  /// Dense only: the quasi-Newton diagonal.
  bool quasi = false;
  /// Why it is (not) chosen, in words.
  std::string reason;
};

/// The Newton strategy's decision for `op` (a recur.recurrence with states).
NewtonPlan planNewton(RecurrenceOp op, const NewtonOptions &options);

/// "strategy=newton (structure=..., jacobian=..., max_iterations=N,
/// atol=.., rtol=..; REASON)" or "strategy=sequential (REASON)".
std::string describeNewtonStrategy(RecurrenceOp op, const NewtonPlan &plan,
                                   const NewtonOptions &options);

} // namespace recur

#endif // RECUR_PASSES_TRANSFORMS_NEWTON_H

//===- TestAnalyses.cpp - test passes for the analyses --------------------===//
//
// --recur-test-affine-decomposition: remarks with what the state-dependence
// and affine-decomposition analyses find in every recur.recurrence, for lit
// tests of the analyses (-verify-diagnostics with expected-remark).
// --recur-test-jacobian: a remark with the Jacobian structure of each
// recur.recurrence (passes/Analysis/Jacobian.h).
//
//===----------------------------------------------------------------------===//

#include "passes/Analysis/AffineDecomposition.h"
#include "passes/Analysis/Jacobian.h"
#include "passes/Analysis/StateDependence.h"
#include "passes/Passes.h"

namespace recur {
#define GEN_PASS_DEF_RECURTESTAFFINEDECOMPOSITION
#define GEN_PASS_DEF_RECURTESTJACOBIAN
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;
using namespace recur;

namespace {

struct RecurTestAffineDecompositionPass
    : recur::impl::RecurTestAffineDecompositionBase<
          RecurTestAffineDecompositionPass> {
  void runOnOperation() override {
    getOperation()->walk([](RecurrenceOp op) {
      AffineDecomposition decomposition(op);
      const StateDependence &dependence = decomposition.getStateDependence();
      unsigned numStates = op.getNumStates();
      for (unsigned s = 0; s < numStates; ++s) {
        std::string msg = "state #" + std::to_string(s) +
                          ": depends on states " +
                          formatStateSet(dependence.getYieldedStates(s));
        const std::optional<AffineObstacle> &o = decomposition.getObstacle(s);
        if (o)
          msg += "; not affine (" + o->describe() + ")";
        else
          msg +=
              "; affine, " +
              std::to_string(decomposition.getNextStateForm(s)->terms.size()) +
              " linear term(s)";
        InFlightDiagnostic remark = op.emitRemark(msg);
        // Point at the obstacle itself, so tests need no line numbers.
        if (o)
          remark.attachNote(o->op->getLoc())
              << "state #" << s << " stops being affine here";
      }
      for (unsigned k = 0; k < op.getNumStepOutputs(); ++k)
        op.emitRemark(
            "output #" + std::to_string(k) + ": depends on states " +
            formatStateSet(dependence.getYieldedStates(numStates + k)));
      for (const LinearSystem &system : decomposition.getSystems()) {
        SmallVector<int64_t> states(system.states.begin(), system.states.end());
        std::string msg = "system " + formatStateSet([&] {
                            llvm::SmallBitVector bits(numStates);
                            for (unsigned s : system.states)
                              bits.set(s);
                            return bits;
                          }()) +
                          ": ";
        if (system.isSupported())
          msg += system.describe();
        else
          msg += "unsupported (" + system.unsupported + ")";
        op.emitRemark(msg);
      }
    });
  }
};

struct RecurTestJacobianPass
    : recur::impl::RecurTestJacobianBase<RecurTestJacobianPass> {
  void runOnOperation() override {
    getOperation()->walk([](RecurrenceOp op) {
      JacobianAnalysis analysis(op);
      InFlightDiagnostic remark =
          op.emitRemark("jacobian: " + analysis.describe());
      // Point at the obstacle itself, so tests need no line numbers.
      if (const std::optional<JacobianObstacle> &o = analysis.getObstacle())
        remark.attachNote(o->op->getLoc()) << "no derivative here";
    });
  }
};

} // namespace

//===- Explain.cpp - the explain report -----------------------------------===//
//
// --recur-explain: one remark per recurrence-like op saying whether it is
// linear in its state, with which structure, and what the compiler will do
// with it. The format is documented in Passes.td and kept stable: tools and
// tests read it.
//
//===----------------------------------------------------------------------===//

#include "passes/Analysis/AffineDecomposition.h"
#include "passes/Passes.h"
#include "passes/Transforms/Newton.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace recur {
#define GEN_PASS_DEF_RECUREXPLAIN
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;
using namespace recur;

namespace {

/// What the transition of `system` is, in words.
std::string whatItIs(const LinearSystem &system) {
  std::string s;
  switch (system.structure) {
  case Structure::scalar:
    s = "h_next = a(x_t) h + b(x_t), one a per batch entry";
    break;
  case Structure::diagonal:
    s = "h_next = a(x_t) * h + b(x_t), elementwise";
    break;
  case Structure::block_diagonal:
    s = "h_next = A(x_t) h + b(x_t), A block-diagonal";
    break;
  case Structure::identity_plus_low_rank:
    s = "h_next = (I + u(x_t) v(x_t)^T) h + b(x_t)";
    break;
  case Structure::dense:
    s = "h_next = A(x_t) h + b(x_t), A dense";
    break;
  }
  if (system.isStacked())
    s += "; coupled states stacked along a new dimension";
  if (system.isPermuted())
    s += "; state dimensions permuted";
  return s;
}

/// Statically known elements of `type` (dynamic sizes count 1).
int64_t knownElements(RankedTensorType type) {
  int64_t n = 1;
  for (int64_t d : type.getShape())
    if (!ShapedType::isDynamic(d))
      n *= d;
  return n;
}

/// How host targets run a scan of `structure` over `known` state elements:
/// sequentially in time when it is elementwise and at least `hostWideScan`
/// elements wide (the rule of --recur-lower-scans' sequential-min-state).
std::string hostNote(Structure structure, int64_t known, int64_t hostWideScan) {
  if (hostWideScan <= 0 ||
      (structure != Structure::scalar && structure != Structure::diagonal) ||
      known < hostWideScan)
    return "";
  return "; on the host sequential in time: " + std::to_string(known) +
         " state elements >= --host-wide-scan=" + std::to_string(hostWideScan);
}
std::string hostNote(Structure structure, RankedTensorType state,
                     int64_t hostWideScan) {
  return hostNote(structure, knownElements(state), hostWideScan);
}
std::string hostNote(RecurrenceOp op, const LinearSystem &system,
                     int64_t hostWideScan) {
  int64_t known = 0;
  for (unsigned st : system.states)
    known += knownElements(cast<RankedTensorType>(op.getInits()[st].getType()));
  return hostNote(system.structure, known, hostWideScan);
}

std::string explainRecurrence(RecurrenceOp op, const NewtonOptions &newton,
                              int64_t hostWideScan) {
  if (op.getNumStates() == 0)
    return "recurrence: stateless, strategy=map (no state carried between "
           "steps)";
  AffineDecomposition decomposition(op);
  if (std::optional<AffineObstacle> o = decomposition.getFirstObstacle())
    return "recurrence: nonlinear (" + o->describe() + "), " +
           describeNewtonStrategy(op, planNewton(op, newton), newton);
  ArrayRef<LinearSystem> systems = decomposition.getSystems();
  for (const LinearSystem &system : systems)
    if (!system.isSupported())
      return "recurrence: linear, structure=unsupported, strategy=sequential "
             "(" +
             system.unsupported + ")";
  if (hasSideEffects(op))
    return "recurrence: linear, strategy=sequential (the body has side "
           "effects)";
  if (systems.size() == 1)
    return "recurrence: linear, " + systems[0].describe() +
           ", strategy=scan (" + whatItIs(systems[0]) +
           hostNote(op, systems[0], hostWideScan) + ")";
  std::string s =
      "recurrence: linear, systems=" + std::to_string(systems.size()) +
      ", strategy=scan (";
  for (auto [i, system] : llvm::enumerate(systems)) {
    llvm::SmallBitVector states(op.getNumStates());
    for (unsigned st : system.states)
      states.set(st);
    s += (i ? "; " : "") + std::string("states ") + formatStateSet(states) +
         ": " + system.describe() + hostNote(op, system, hostWideScan);
  }
  return s + ")";
}

/// Named cells: an RNN whose activations are all Affine is linear in its
/// state; every other cell applies a nonlinear activation to something that
/// depends on the hidden state.
/// What the Newton strategy would do with the named cell `op`, from the
/// recurrence it decomposes into (in a scratch module).
std::string newtonForCell(Operation *op, const NewtonOptions &newton) {
  Location loc = op->getLoc();
  MLIRContext *ctx = op->getContext();
  OwningOpRef<ModuleOp> scratch = ModuleOp::create(loc);
  OpBuilder b = OpBuilder::atBlockEnd(scratch->getBody());
  auto func = func::FuncOp::create(
      b, loc, "cell",
      FunctionType::get(ctx, op->getOperandTypes(), op->getResultTypes()));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  IRMapping mapping;
  mapping.map(op->getOperands(), entry->getArguments());
  Operation *clone = b.clone(*op, mapping);
  func::ReturnOp::create(b, loc, clone->getResults());
  RewritePatternSet patterns(ctx);
  populateDecomposeCellsPatterns(patterns);
  if (failed(applyPatternsGreedily(*scratch, std::move(patterns))))
    return "strategy=sequential (the cell could not be decomposed)";
  RecurrenceOp rec;
  scratch->walk([&](RecurrenceOp r) {
    if (!rec && r.getNumStates() > 0)
      rec = r;
  });
  if (!rec)
    return "strategy=sequential (the cell could not be decomposed)";
  return describeNewtonStrategy(rec, planNewton(rec, newton), newton);
}

std::string explainCell(Operation *op, const NewtonOptions &newton) {
  StringRef name = op->getName().getStringRef();
  SmallVector<StringRef> activations;
  if (auto list = op->getAttrOfType<ArrayAttr>("activations"))
    for (Attribute a : list)
      activations.push_back(cast<StringAttr>(a).getValue());
  bool allAffine =
      !activations.empty() && llvm::all_of(activations, [](StringRef a) {
        return a.equals_insensitive("affine");
      });
  if (isa<RNNOp>(op) && allAffine)
    return "recurrence: linear (" + name.str() +
           " with Affine activations), strategy=sequential (run "
           "--recur-decompose-cells, then --recur-linearize)";
  std::string first = activations.empty()
                          ? (isa<RNNOp>(op) ? "Tanh" : "Sigmoid")
                          : activations.front().str();
  return "recurrence: nonlinear (" + name.str() + ": activation " + first +
         " of a gate that depends on the hidden state), " +
         newtonForCell(op, newton);
}

struct RecurExplainPass : recur::impl::RecurExplainBase<RecurExplainPass> {
  using Base::Base;

  void runOnOperation() override {
    NewtonOptions newton;
    newton.force = force;
    newton.maxIterations = maxIterations;
    newton.atol = atol;
    newton.rtol = rtol;
    newton.jacobian = jacobian;
    newton.damping = damping;
    newton.parallelism = parallelism;
    getOperation()->walk([&](RecurrenceOpInterface iface) {
      Operation *op = iface.getOperation();
      std::string msg;
      if (auto rec = dyn_cast<RecurrenceOp>(op))
        msg = explainRecurrence(rec, newton, hostWideScan);
      else if (auto scan = dyn_cast<LinearScanOp>(op))
        msg = "recurrence: linear, structure=" +
              stringifyStructure(scan.getStructure()).str() +
              ", batch_dims=" + std::to_string(scan.getBatchDims()) +
              ", strategy=scan (already a linear scan" +
              hostNote(scan.getStructure(),
                       cast<RankedTensorType>(scan.getLast().getType()),
                       hostWideScan) +
              ")";
      else
        msg = explainCell(op, newton);
      // A remark at the op's location alone: the report is one line per
      // recurrence, without a dump of the op.
      emitRemark(op->getLoc(), msg);
    });
  }
};

} // namespace

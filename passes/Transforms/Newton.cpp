//===- Newton.cpp - nonlinear recurrences by Newton's method
//---------------===//
//
// --recur-newton: a recur.recurrence that is not affine in its state becomes
// a loop of Newton steps over the whole sequence (Newton.h):
//
//   H = (h0, ..., h0)                                  the initial guess
//   loop:
//     P  = H shifted by one step (h0 first)            h_{t-1}
//     F, A, B, Y = map over t of the body at P:        one fused pass:
//         F_t = f(P_t, x_t), A_t = J_t (or its diagonal), B_t = F_t - A_t P_t,
//         Y_t the step outputs
//     converged = |H - F| <= atol + rtol |F| at every element
//     stop when converged or after max_iterations
//     H = linear_scan(A, B, init h0)                   one Newton step
//   converged: final states F at the last step, outputs Y
//   otherwise: the original recurrence, sequentially (never an unconverged
//   answer), and the runtime hears about it (__recur_newton_report).
//
// States coupled element by element (block-diagonal J) are stacked along a
// new last dimension and scanned with k x k blocks; a dense J stacks the
// states along their last dimension.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Newton.h"
#include "passes/Analysis/AffineDecomposition.h"
#include "passes/Analysis/Jacobian.h"
#include "passes/Passes.h"
#include "passes/Transforms/TimeSlicing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace recur {
#define GEN_PASS_DEF_RECURNEWTON
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;
using namespace recur;

//===----------------------------------------------------------------------===//
// The decision
//===----------------------------------------------------------------------===//

static std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

/// The stacked state elements of a dense Jacobian (n states of one shape,
/// last dimension H), or kDynamic.
static int64_t denseSize(RecurrenceOp op) {
  auto type = cast<RankedTensorType>(op.getInits()[0].getType());
  int64_t h = type.getShape().back();
  return ShapedType::isDynamic(h) ? ShapedType::kDynamic
                                  : h * op.getNumStates();
}

NewtonPlan recur::planNewton(RecurrenceOp op, const NewtonOptions &options) {
  NewtonPlan plan;
  auto notApplicable = [&](std::string why) {
    plan.reason = std::move(why);
    return plan;
  };
  if (op.getNumStates() == 0)
    return notApplicable("stateless");
  if (op.getSequences().empty())
    return notApplicable("Newton needs a sequence input to know T");
  if (op.getSeqLens())
    return notApplicable("Newton does not handle seq_lens yet");
  if (hasSideEffects(op))
    return notApplicable("the body has side effects");
  Type element;
  for (Value init : op.getInits()) {
    auto type = cast<RankedTensorType>(init.getType());
    if (!isa<Float32Type, Float64Type>(type.getElementType()) ||
        (element && element != type.getElementType()))
      return notApplicable("Newton needs states all f32 or all f64");
    element = type.getElementType();
    if (op.getTimeAxis() > type.getRank())
      return notApplicable("the time axis is past a state's dimensions");
  }
  JacobianAnalysis analysis(op);
  if (!analysis.isSupported())
    return notApplicable("the Jacobian cannot be derived: " +
                         analysis.describe());
  plan.structure = analysis.describe();
  int64_t passes = 1, scanCost = 1;
  if (analysis.getStructure() == JacobianStructure::dense) {
    auto type = cast<RankedTensorType>(op.getInits()[0].getType());
    for (Value init : op.getInits())
      if (init.getType() != type)
        return notApplicable("a dense Jacobian over states of different "
                             "shapes is not handled");
    if (type.getRank() < 1 || type.getRank() > 2)
      return notApplicable("a dense Jacobian needs states of shape [H] or "
                           "[B, H]");
    if (op.getTimeAxis() > type.getRank() - 1)
      return notApplicable("a dense Jacobian needs the time axis before the "
                           "state's last dimension");
    int64_t n = denseSize(op);
    plan.quasi = options.jacobian == "diagonal" ||
                 (options.jacobian == "auto" &&
                  (ShapedType::isDynamic(n) || n > kMaxExactDense));
    passes = ShapedType::isDynamic(n) ? 256 : n;
    scanCost = plan.quasi ? 1 : passes;
  } else if (analysis.getStructure() == JacobianStructure::block_diagonal) {
    passes = analysis.getBlockSize();
    scanCost = passes;
  }
  plan.applicable = true;
  if (options.force) {
    plan.chosen = true;
    plan.reason = "forced by --strategy=newton";
    return plan;
  }
  if (options.parallelism <= 0) {
    plan.reason = "Newton is not available on this target";
    return plan;
  }
  // Work per step in body evaluations: each iteration evaluates the body,
  // `passes` Jacobian-vector products and a scan step; all steps run at
  // once on `parallelism` threads. Sequential: one evaluation per step, one
  // step after another.
  double work = double(kExpectedIterations) * double(1 + passes + scanCost);
  double ratio = work / double(options.parallelism);
  int64_t steps = cast<RankedTensorType>(op.getSequences()[0].getType())
                      .getDimSize(op.getTimeAxis());
  std::string model =
      "cost model: ~" + formatNumber(work) +
      " body evaluations per step over " + std::to_string(options.parallelism) +
      "-way parallelism, " + formatNumber(ratio) + "x sequential's time";
  if (!ShapedType::isDynamic(steps) && steps < 256) {
    plan.reason = "cost model: T=" + std::to_string(steps) +
                  " is too short for Newton to pay off";
    return plan;
  }
  plan.chosen = ratio <= 0.5;
  plan.reason = model;
  return plan;
}

std::string recur::describeNewtonStrategy(RecurrenceOp op,
                                          const NewtonPlan &plan,
                                          const NewtonOptions &options) {
  if (!plan.chosen)
    return "strategy=sequential (" + plan.reason + ")";
  Type element =
      cast<RankedTensorType>(op.getInits()[0].getType()).getElementType();
  double defaultTol = element.isF64() ? kDefaultTolF64 : kDefaultTolF32;
  std::string s = "strategy=newton (" + plan.structure;
  if (plan.structure == "structure=dense")
    s += plan.quasi ? ", jacobian=diagonal (quasi-Newton)" : ", jacobian=exact";
  s += ", max_iterations=" + std::to_string(options.maxIterations) +
       ", atol=" + formatNumber(options.atol < 0 ? defaultTol : options.atol) +
       ", rtol=" + formatNumber(options.rtol < 0 ? defaultTol : options.rtol);
  if (options.damping > 0)
    s += ", damping=" + formatNumber(options.damping);
  return s + "; " + plan.reason + ")";
}

//===----------------------------------------------------------------------===//
// The rewrite
//===----------------------------------------------------------------------===//

namespace {

enum class GroupKind { single, block, dense };

/// States solved together: one state (diagonal J), k states coupled element
/// by element (stacked along a new last dimension), or all states (dense,
/// stacked along their last dimension).
struct Group {
  GroupKind kind = GroupKind::single;
  SmallVector<unsigned> states;
  bool quasi = false;

  /// The scan's transition: exact dense blocks, or diagonal.
  bool denseScan() const {
    return kind == GroupKind::block || (kind == GroupKind::dense && !quasi);
  }
};

Value castTo(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return tensor::CastOp::create(b, loc, type, v);
}

Value zerosOf(OpBuilder &b, Location loc, Value like) {
  return createZerosLike(b, loc, like);
}

/// One step's states of `group` packed into one tensor.
Value pack(OpBuilder &b, Location loc, const Group &group,
           ArrayRef<Value> states) {
  if (group.kind == GroupKind::single || states.size() == 1)
    return states[0];
  auto type = cast<RankedTensorType>(states[0].getType());
  int64_t rank = type.getRank();
  if (group.kind == GroupKind::dense)
    return tensor::ConcatOp::create(b, loc, rank - 1, states);
  int64_t k = states.size();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, states[0]);
  sizes.push_back(b.getIndexAttr(k));
  Value packed = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  for (int64_t c = 0; c < k; ++c) {
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    offsets.push_back(b.getIndexAttr(c));
    SmallVector<OpFoldResult> srcSizes =
        tensor::getMixedSizes(b, loc, states[c]);
    srcSizes.push_back(b.getIndexAttr(1));
    SmallVector<OpFoldResult> strides(rank + 1, b.getIndexAttr(1));
    packed = tensor::InsertSliceOp::create(b, loc, states[c], packed, offsets,
                                           srcSizes, strides);
  }
  return packed;
}

/// State `c` of `group` out of one step's packed tensor, of type `type`.
Value unpack(OpBuilder &b, Location loc, const Group &group, Value packed,
             unsigned c, RankedTensorType type) {
  if (group.kind == GroupKind::single || group.states.size() == 1)
    return castTo(b, loc, packed, type);
  auto packedType = cast<RankedTensorType>(packed.getType());
  int64_t rank = packedType.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, packed);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  if (group.kind == GroupKind::block) {
    offsets.back() = b.getIndexAttr(c);
    sizes.back() = b.getIndexAttr(1);
    return tensor::ExtractSliceOp::create(b, loc, type, packed, offsets, sizes,
                                          strides);
  }
  // dense: [.., n H] -> [.., H] at c H.
  Value h = getDimValue(b, loc, packed, rank - 1);
  h = arith::DivUIOp::create(
      b, loc, h,
      arith::ConstantIndexOp::create(b, loc, int64_t(group.states.size())));
  offsets.back() = arith::MulIOp::create(
                       b, loc, h, arith::ConstantIndexOp::create(b, loc, c))
                       .getResult();
  sizes.back() = h;
  Value slice =
      tensor::ExtractSliceOp::create(b, loc, packed, offsets, sizes, strides);
  return castTo(b, loc, slice, type);
}

/// The type of `group`'s packed step given its states' types.
RankedTensorType packedType(const Group &group, ArrayRef<Type> stateTypes) {
  auto type = cast<RankedTensorType>(stateTypes[0]);
  if (group.kind == GroupKind::single)
    return type;
  SmallVector<int64_t> shape(type.getShape());
  int64_t n = group.states.size();
  if (group.kind == GroupKind::block)
    shape.push_back(n);
  else if (!ShapedType::isDynamic(shape.back()))
    shape.back() *= n;
  return RankedTensorType::get(shape, type.getElementType());
}

/// sum_j m[.., i, j] v[.., j]: a matrix-vector product per batch row.
Value matvec(OpBuilder &b, Location loc, Value m, Value v) {
  MLIRContext *ctx = b.getContext();
  auto vType = cast<RankedTensorType>(v.getType());
  unsigned rank = vType.getRank(); // batch dims + 1
  unsigned dims = rank + 1;
  SmallVector<AffineExpr> batch;
  for (unsigned d = 0; d + 1 < rank; ++d)
    batch.push_back(getAffineDimExpr(d, ctx));
  AffineExpr i = getAffineDimExpr(rank - 1, ctx),
             j = getAffineDimExpr(rank, ctx);
  auto withTail = [&](ArrayRef<AffineExpr> tail) {
    SmallVector<AffineExpr> e(batch);
    e.append(tail.begin(), tail.end());
    return AffineMap::get(dims, 0, e, ctx);
  };
  SmallVector<AffineMap> maps{withTail({i, j}), withTail({j}), withTail({i})};
  SmallVector<utils::IteratorType> iterators(dims - 1,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{vType}, ValueRange{m, v},
             ValueRange{zerosOf(b, loc, v)}, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value p = arith::MulFOp::create(nb, nl, args[0], args[1]);
               linalg::YieldOp::create(
                   nb, nl,
                   ValueRange{arith::AddFOp::create(nb, nl, args[2], p)});
             })
      .getResult(0);
}

/// m[.., i, i] of a [.., n, n] tensor, like `like` ([.., n]).
Value diagonalOf(OpBuilder &b, Location loc, Value m, Value like) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(like.getType());
  unsigned rank = type.getRank();
  SmallVector<AffineExpr> in;
  for (unsigned d = 0; d < rank; ++d)
    in.push_back(getAffineDimExpr(d, ctx));
  in.push_back(getAffineDimExpr(rank - 1, ctx));
  SmallVector<AffineMap> maps{AffineMap::get(rank, 0, in, ctx),
                              AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Value out = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, like), type.getElementType());
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{m}, ValueRange{out}, maps,
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, ValueRange{args[0]});
             })
      .getResult(0);
}

/// max over all elements of |h - f| - rtol |f|, as a scalar (-inf when
/// empty; NaN when any element is NaN): converged when it is <= atol, so
/// every element meets its own tolerance.
Value maxExcess(OpBuilder &b, Location loc, Value h, Value f, double rtol) {
  auto type = cast<RankedTensorType>(h.getType());
  Type element = type.getElementType();
  Value diff =
      math::AbsFOp::create(b, loc, arith::SubFOp::create(b, loc, h, f));
  Value scaled = arith::MulFOp::create(b, loc, constantLike(b, loc, f, rtol),
                                       math::AbsFOp::create(b, loc, f));
  Value v = arith::SubFOp::create(b, loc, diff, scaled);
  Value zero = arith::ConstantOp::create(
      b, loc, element,
      b.getFloatAttr(element, -std::numeric_limits<double>::infinity()));
  Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, element);
  init = linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{init})
             .getResult(0);
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < type.getRank(); ++d)
    dims.push_back(d);
  auto reduce = linalg::ReduceOp::create(
      b, loc, ValueRange{v}, ValueRange{init}, dims,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(
            nb, nl,
            ValueRange{arith::MaximumFOp::create(nb, nl, args[0], args[1])});
      });
  return tensor::ExtractOp::create(b, loc, reduce.getResult(0), ValueRange{});
}

class NewtonRewriter {
public:
  NewtonRewriter(RecurrenceOp op, const NewtonPlan &plan,
                 const NewtonOptions &options)
      : op(op), plan(plan), options(options), analysis(op) {}

  LogicalResult rewrite(int64_t site);

private:
  /// The map over t computing F, A, B (per group) and the step outputs Y
  /// from the previous states `prev` (per group, packed, stacked).
  FailureOr<RecurrenceOp> buildMap(OpBuilder &b, Location loc, ValueRange prev);

  RecurrenceOp op;
  const NewtonPlan &plan;
  const NewtonOptions &options;
  JacobianAnalysis analysis;
  SmallVector<Group> groups;
  SmallVector<RankedTensorType> packedSteps;
  int64_t axis = 0;
  int64_t staticSteps = ShapedType::kDynamic;
};

} // namespace

FailureOr<RecurrenceOp> NewtonRewriter::buildMap(OpBuilder &b, Location loc,
                                                 ValueRange prev) {
  Block &body = op.getBodyBlock();
  unsigned numStates = op.getNumStates();
  unsigned numSeqs = op.getSequences().size();
  SmallVector<Value> sequences(prev);
  llvm::append_range(sequences, op.getSequences());
  SmallVector<Type> types;
  auto stacked = [&](RankedTensorType step) {
    return getStackedType(step, axis, staticSteps);
  };
  for (RankedTensorType t : packedSteps) // F
    types.push_back(stacked(t));
  SmallVector<RankedTensorType> aSteps;
  for (auto [g, t] : llvm::zip(groups, packedSteps)) { // A
    SmallVector<int64_t> shape(t.getShape());
    if (g.denseScan())
      shape.push_back(shape.back());
    aSteps.push_back(RankedTensorType::get(shape, t.getElementType()));
    types.push_back(stacked(aSteps.back()));
  }
  for (RankedTensorType t : packedSteps) // B
    types.push_back(stacked(t));
  for (Value y : op.getStepOutputs())
    types.push_back(y.getType());

  auto map = RecurrenceOp::create(b, loc, types, ValueRange{}, sequences,
                                  op.getCaptures(), Value(), axis, false);
  OpBuilder::InsertionGuard guard(b);
  Block *block = b.createBlock(&map.getBody());
  for (RankedTensorType t : packedSteps)
    block->addArgument(t, loc);
  for (Value seq : op.getSequences())
    block->addArgument(getStepType(cast<RankedTensorType>(seq.getType()), axis),
                       loc);
  for (Value capture : op.getCaptures())
    block->addArgument(capture.getType(), loc);
  b.setInsertionPointToStart(block);
  IRMapping base;
  SmallVector<Value> prevStates(numStates);
  for (auto [gi, g] : llvm::enumerate(groups))
    for (auto [c, s] : llvm::enumerate(g.states)) {
      prevStates[s] =
          unpack(b, loc, g, block->getArgument(gi), c,
                 cast<RankedTensorType>(body.getArgument(s).getType()));
      base.map(body.getArgument(s), prevStates[s]);
    }
  for (unsigned i = 0; i < numSeqs + op.getCaptures().size(); ++i)
    base.map(body.getArgument(numStates + i),
             block->getArgument(groups.size() + i));

  // The body's values at h_{t-1}: F and Y.
  IRMapping primal = base;
  for (Operation &o : body.without_terminator())
    b.clone(o, primal);
  SmallVector<Value> yielded;
  for (Value v : op.getYield()->getOperands())
    yielded.push_back(primal.lookupOrDefault(v));

  FailureOr<SmallVector<Value>> jacobian = analysis.emitJacobian(b, loc, base);
  if (failed(jacobian))
    return failure();

  SmallVector<Value> fs, as, bs;
  for (auto [gi, g] : llvm::enumerate(groups)) {
    SmallVector<Value> next, prevs;
    for (unsigned s : g.states) {
      next.push_back(castTo(b, loc, yielded[s], body.getArgument(s).getType()));
      prevs.push_back(prevStates[s]);
    }
    Value f = castTo(b, loc, pack(b, loc, g, next), packedSteps[gi]);
    Value h = block->getArgument(gi);
    Value a = (*jacobian)[gi];
    if (g.kind == GroupKind::dense && g.quasi)
      a = diagonalOf(b, loc, a, h);
    a = castTo(b, loc, a, aSteps[gi]);
    if (options.damping > 0)
      a = arith::MulFOp::create(
          b, loc, a, constantLike(b, loc, a, 1.0 / (1.0 + options.damping)));
    Value ah = g.denseScan() ? matvec(b, loc, a, h)
                             : arith::MulFOp::create(b, loc, a, h).getResult();
    fs.push_back(f);
    as.push_back(a);
    bs.push_back(arith::SubFOp::create(b, loc, f, ah));
  }
  SmallVector<Value> results(fs);
  llvm::append_range(results, as);
  llvm::append_range(results, bs);
  for (unsigned k = 0; k < op.getNumStepOutputs(); ++k)
    results.push_back(yielded[numStates + k]);
  YieldOp::create(b, loc, results);
  return map;
}

LogicalResult NewtonRewriter::rewrite(int64_t site) {
  Location loc = op.getLoc();
  OpBuilder b(op);
  Block &body = op.getBodyBlock();
  axis = op.getTimeAxis();
  bool reverse = op.getReverse();
  Value firstSeq = op.getSequences()[0];
  staticSteps = cast<RankedTensorType>(firstSeq.getType()).getDimSize(axis);
  Value numSteps = getDimValue(b, loc, firstSeq, axis);

  if (analysis.getStructure() == JacobianStructure::dense) {
    Group g;
    g.kind = GroupKind::dense;
    g.quasi = plan.quasi;
    for (unsigned s = 0; s < op.getNumStates(); ++s)
      g.states.push_back(s);
    groups.push_back(g);
  } else {
    for (const auto &members : analysis.getGroups()) {
      Group g;
      g.kind = members.size() == 1 ? GroupKind::single : GroupKind::block;
      g.states.assign(members.begin(), members.end());
      groups.push_back(g);
    }
  }
  SmallVector<Value> inits;
  for (const Group &g : groups) {
    SmallVector<Type> stateTypes;
    SmallVector<Value> values;
    for (unsigned s : g.states) {
      stateTypes.push_back(body.getArgument(s).getType());
      values.push_back(castTo(b, loc, op.getInits()[s], stateTypes.back()));
    }
    packedSteps.push_back(packedType(g, stateTypes));
    inits.push_back(
        castTo(b, loc, pack(b, loc, g, values), packedSteps.back()));
  }
  Type element = packedSteps[0].getElementType();
  double defaultTol = element.isF64() ? kDefaultTolF64 : kDefaultTolF32;
  double atol = options.atol < 0 ? defaultTol : options.atol;
  double rtol = options.rtol < 0 ? defaultTol : options.rtol;

  // The initial guess: h0 at every step.
  SmallVector<Value> guesses;
  for (auto [init, step] : llvm::zip(inits, packedSteps)) {
    RankedTensorType type = getStackedType(step, axis, staticSteps);
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(
            d == axis ? numSteps
                      : getDimValue(b, loc, init, d < axis ? d : d - 1));
    Value empty = tensor::EmptyOp::create(b, loc, type, dynamic).getResult();
    guesses.push_back(linalg::BroadcastOp::create(b, loc, init, empty, {axis})
                          .getResult()[0]);
  }

  size_t numGroups = groups.size();
  size_t numOutputs = op.getNumStepOutputs();
  SmallVector<Value> whileInits(guesses);
  whileInits.push_back(arith::ConstantIndexOp::create(b, loc, 0));
  // What the condition passes on: F, A, B, Y, k, converged.
  SmallVector<Type> passed;
  SmallVector<Location> passedLocs;
  auto whileOp = scf::WhileOp::create(b, loc, TypeRange{}, whileInits);
  // Result types are known once the map is built; build the regions first.
  Block *before = b.createBlock(&whileOp.getBefore());
  for (Value v : whileInits)
    before->addArgument(v.getType(), loc);
  SmallVector<Value> prev;
  for (size_t g = 0; g < numGroups; ++g)
    prev.push_back(buildPreviousStates(b, loc, before->getArgument(g), inits[g],
                                       axis, reverse, Value()));
  FailureOr<RecurrenceOp> map = buildMap(b, loc, prev);
  if (failed(map))
    return failure();
  ValueRange fs = map->getResults().take_front(numGroups);
  // Every element: |h - f| <= atol + rtol |f|.
  Value excess;
  for (size_t g = 0; g < numGroups; ++g) {
    Value e = maxExcess(b, loc, before->getArgument(g), fs[g], rtol);
    excess =
        excess ? arith::MaximumFOp::create(b, loc, excess, e).getResult() : e;
  }
  Value tol =
      arith::ConstantOp::create(b, loc, element, b.getFloatAttr(element, atol));
  // Ordered: a NaN residual never converges; and it stops the iteration
  // (the fallback takes over at once).
  Value converged =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, excess, tol);
  Value isNaN =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, excess, excess);
  Value iteration = before->getArgument(numGroups);
  Value more = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::slt, iteration,
      arith::ConstantIndexOp::create(b, loc, options.maxIterations));
  Value notConverged = arith::XOrIOp::create(
      b, loc, converged,
      arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
  Value goOn = arith::AndIOp::create(
      b, loc, notConverged,
      arith::AndIOp::create(
          b, loc, more,
          arith::XOrIOp::create(
              b, loc, isNaN,
              arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1))));
  SmallVector<Value> forwarded(map->getResults());
  forwarded.append({iteration, converged});
  scf::ConditionOp::create(b, loc, goOn, forwarded);
  for (Value v : forwarded) {
    passed.push_back(v.getType());
    passedLocs.push_back(loc);
  }

  // The Newton step.
  Block *after = b.createBlock(&whileOp.getAfter(), {}, passed, passedLocs);
  SmallVector<Value> next;
  for (size_t g = 0; g < numGroups; ++g) {
    Value a = after->getArgument(numGroups + g);
    Value bSeq = after->getArgument(2 * numGroups + g);
    Structure structure =
        groups[g].denseScan() ? Structure::dense : Structure::diagonal;
    int64_t batchDims =
        groups[g].denseScan() ? packedSteps[g].getRank() - 1 : 0;
    auto scan = LinearScanOp::create(b, loc, bSeq.getType(), inits[g].getType(),
                                     structure, ValueRange{a}, bSeq, inits[g],
                                     Value(), axis, batchDims, reverse);
    next.push_back(
        castTo(b, loc, scan.getStates(), before->getArgument(g).getType()));
  }
  next.push_back(
      arith::AddIOp::create(b, loc, after->getArgument(passed.size() - 2),
                            arith::ConstantIndexOp::create(b, loc, 1)));
  scf::YieldOp::create(b, loc, next);

  // scf.while's results are what the condition passes on: rebuild the op
  // with them now that they are known.
  b.setInsertionPoint(whileOp);
  auto loop = scf::WhileOp::create(b, loc, passed, whileInits);
  loop.getBefore().takeBody(whileOp.getBefore());
  loop.getAfter().takeBody(whileOp.getAfter());
  whileOp.erase();
  b.setInsertionPointAfter(loop);

  ValueRange finalF = loop.getResults().take_front(numGroups);
  ValueRange outputs = loop.getResults().slice(3 * numGroups, numOutputs);
  Value iterations = loop.getResult(passed.size() - 2);
  Value done = loop.getResult(passed.size() - 1);

  auto ifOp = scf::IfOp::create(b, loc, op.getResultTypes(), done,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    // The last step's states (the first in reverse); h0 when T = 0.
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value hasSteps = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt,
                                           numSteps, zero);
    Value lastIndex =
        reverse ? zero
                : arith::SubIOp::create(b, loc, numSteps, one).getResult();
    SmallVector<Value> results(op.getNumStates());
    for (size_t g = 0; g < numGroups; ++g) {
      auto pick =
          scf::IfOp::create(b, loc, TypeRange{packedSteps[g]}, hasSteps, true);
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(pick.thenBlock());
        scf::YieldOp::create(
            b, loc,
            castTo(b, loc, extractTimeStep(b, loc, finalF[g], axis, lastIndex),
                   packedSteps[g]));
        b.setInsertionPointToStart(pick.elseBlock());
        scf::YieldOp::create(b, loc, inits[g]);
      }
      for (auto [c, s] : llvm::enumerate(groups[g].states))
        results[s] = castTo(
            b, loc,
            unpack(b, loc, groups[g], pick.getResult(0), c,
                   cast<RankedTensorType>(body.getArgument(s).getType())),
            op.getResult(s).getType());
    }
    for (Value y : outputs)
      results.push_back(y);
    scf::YieldOp::create(b, loc, results);

    // Not converged: the recurrence as written, step by step.
    b.setInsertionPointToStart(ifOp.elseBlock());
    Operation *sequential = b.clone(*op);
    sequential->setAttr("recur.newton_fallback", b.getUnitAttr());
    scf::YieldOp::create(b, loc, sequential->getResults());
  }

  if (options.report) {
    auto module = op->getParentOfType<ModuleOp>();
    auto i64 = b.getI64Type();
    auto type = b.getFunctionType({i64, i64, i64}, {});
    auto report = module.lookupSymbol<func::FuncOp>(recur::kNewtonReportSymbol);
    if (!report) {
      OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
      report = func::FuncOp::create(mb, module.getLoc(),
                                    recur::kNewtonReportSymbol, type);
      report.setPrivate();
    } else if (report.getFunctionType() != type || !report.isExternal()) {
      return report.emitError("@")
             << recur::kNewtonReportSymbol
             << " exists and is not a declaration of type " << type;
    }
    Value siteValue = arith::ConstantIntOp::create(b, loc, i64, site);
    Value count = arith::IndexCastOp::create(b, loc, i64, iterations);
    Value flag = arith::ExtUIOp::create(b, loc, i64, done);
    func::CallOp::create(b, loc, report, ValueRange{siteValue, count, flag});
  }

  op->replaceAllUsesWith(ifOp.getResults());
  op.erase();
  return success();
}

namespace {

struct RecurNewtonPass : recur::impl::RecurNewtonBase<RecurNewtonPass> {
  using Base::Base;

  void runOnOperation() override {
    if (jacobian != "auto" && jacobian != "exact" && jacobian != "diagonal") {
      emitError(getOperation()->getLoc())
          << "--recur-newton: jacobian must be auto, exact or diagonal";
      return signalPassFailure();
    }
    if (maxIterations < 1 || damping < 0) {
      emitError(getOperation()->getLoc())
          << "--recur-newton: max-iterations must be >= 1 and damping >= 0";
      return signalPassFailure();
    }
    NewtonOptions options;
    options.force = force;
    options.maxIterations = maxIterations;
    options.atol = atol;
    options.rtol = rtol;
    options.jacobian = jacobian;
    options.damping = damping;
    options.parallelism = parallelism;
    options.report = report;

    // Nonlinear recurrences of floats only (affine ones are
    // --recur-linearize's, or sequential where it cannot; integer states
    // have no derivative and stay sequential even when forced), each
    // planned before any is rewritten (a rewrite changes the body of a
    // recurrence around it).
    SmallVector<std::pair<RecurrenceOp, NewtonPlan>> work;
    getOperation()->walk([&](RecurrenceOp op) {
      bool floats = llvm::all_of(op.getInits(), [](Value init) {
        return isa<FloatType>(
            cast<RankedTensorType>(init.getType()).getElementType());
      });
      if (op.getNumStates() == 0 || op->hasAttr("recur.newton_fallback") ||
          !floats || !AffineDecomposition(op).getFirstObstacle())
        return;
      work.push_back({op, planNewton(op, options)});
    });
    for (auto &[op, plan] : work)
      if (!plan.chosen && options.force) {
        op.emitError() << "--strategy=newton does not apply: " << plan.reason
                       << "; use --strategy=auto or sequential";
        return signalPassFailure();
      }
    int64_t site = 0;
    for (auto &[op, plan] : work) {
      if (!plan.chosen)
        continue;
      NewtonRewriter rewriter(op, plan, options);
      if (failed(rewriter.rewrite(site++)))
        return signalPassFailure();
    }
  }
};

} // namespace

//===- Jacobian.cpp - derivatives of a recurrence body --------------------===//
//
// Structure detection by propagating, per body value and state, how the
// value's elements use the state's (not at all, element by element, any
// other way), and forward-mode differentiation (dual numbers) of the body's
// ops: arith/math elementwise ops, linalg ops (named ones generalized; the
// payload differentiated scalar by scalar, primal and tangent computed by
// one generic), and the tensor ops that only move elements (slices,
// concats, reshapes), which are linear.
//
//===----------------------------------------------------------------------===//

#include "passes/Analysis/Jacobian.h"
#include "passes/Analysis/AffineDecomposition.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/EquivalenceClasses.h"

using namespace mlir;
using namespace recur;

std::string JacobianObstacle::describe() const {
  std::string s = op->getName().getStringRef().str() + " at " +
                  formatLocation(op->getLoc());
  if (!detail.empty())
    s += ": " + detail;
  return s;
}

//===----------------------------------------------------------------------===//
// Which ops can be derived
//===----------------------------------------------------------------------===//

/// Scalar or elementwise ops with a derivative rule (below). The ops
/// DecomposeCells writes for ONNX's activations are among them: Relu and
/// HardSigmoid are maximumf/minimumf, LeakyRelu, ThresholdedRelu and Elu
/// cmpf + select, Softsign absf, Softplus log1p.
static bool isDifferentiableElementwise(Operation *op) {
  return isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp,
             arith::NegFOp, arith::MaximumFOp, arith::MinimumFOp,
             arith::SelectOp, arith::ExtFOp, arith::TruncFOp, math::TanhOp,
             math::ExpOp, math::LogOp, math::Log1pOp, math::SqrtOp,
             math::RsqrtOp, math::AbsFOp, math::PowFOp>(op);
}

/// Why `op`, one of the ops above, cannot be derived when the operands for
/// which `varies` holds carry tangents, or empty. Only math.powf has such a
/// case: its rule covers an exponent that does not depend on the state.
static std::string whyNotDerivable(Operation *op,
                                   llvm::function_ref<bool(Value)> varies) {
  if (auto pow = dyn_cast<math::PowFOp>(op))
    if (varies(pow.getRhs()))
      return "its exponent depends on the state";
  return "";
}

/// Ops whose result carries no derivative (booleans, integers).
static bool hasNoTangent(Operation *op) {
  return llvm::all_of(op->getResultTypes(), [](Type t) {
    return !isa<FloatType>(getElementTypeOrSelf(t));
  });
}

/// Tensor ops that only move, copy or reinterpret elements: linear in their
/// float operands.
static bool isLinearTensorOp(Operation *op) {
  return isa<tensor::ExtractSliceOp, tensor::InsertSliceOp, tensor::ConcatOp,
             tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::CastOp,
             tensor::ExtractOp, tensor::InsertOp, tensor::FromElementsOp,
             tensor::SplatOp>(op);
}

/// Why a linalg op on a state-dependent path cannot be derived, or empty.
static std::string checkLinalg(linalg::LinalgOp linalgOp,
                               const StateDependence &dependence,
                               Operation *&where) {
  where = linalgOp;
  // Values the payload reads from above must not depend on the state (their
  // tangents would be missed).
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(linalgOp->getRegions(), above);
  for (Value v : above)
    if (dependence.dependsOnState(v))
      return "its payload reads a state-dependent value from above";
  Block *block = linalgOp.getBlock();
  llvm::DenseSet<Value> dependent;
  for (OpOperand &operand : linalgOp->getOpOperands())
    if (dependence.dependsOnState(operand.get()))
      dependent.insert(linalgOp.getMatchingBlockArgument(&operand));
  for (Operation &inner : block->getOperations()) {
    if (isa<linalg::YieldOp>(inner))
      continue;
    bool readsDependent = llvm::any_of(
        inner.getOperands(), [&](Value v) { return dependent.contains(v); });
    if (!readsDependent)
      continue;
    if (inner.getNumRegions() != 0 ||
        (!isDifferentiableElementwise(&inner) && !hasNoTangent(&inner))) {
      where = &inner;
      return "no derivative rule for it in a linalg payload";
    }
    std::string why =
        whyNotDerivable(&inner, [&](Value v) { return dependent.contains(v); });
    if (!why.empty()) {
      where = &inner;
      return why;
    }
    for (Value r : inner.getResults())
      dependent.insert(r);
  }
  return "";
}

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

namespace {
/// How a value's elements use a state's.
enum class Use { none, elementwise, dense };

Use join(Use a, Use b) { return a > b ? a : b; }
} // namespace

JacobianAnalysis::JacobianAnalysis(RecurrenceOp op) : op(op), dependence(op) {
  analyze();
}

void JacobianAnalysis::analyze() {
  Block &body = op.getBody().front();
  unsigned numStates = op.getNumStates();
  llvm::DenseMap<Value, SmallVector<Use>> uses;
  auto useOf = [&](Value v, unsigned s) {
    auto it = uses.find(v);
    if (it == uses.end())
      return dependence.dependsOnState(v, s) ? Use::dense : Use::none;
    return it->second[s];
  };
  for (unsigned s = 0; s < numStates; ++s) {
    SmallVector<Use> u(numStates, Use::none);
    u[s] = Use::elementwise;
    uses[body.getArgument(s)] = u;
  }

  for (Operation &inner : body.without_terminator()) {
    if (!dependence.getStatesReadBy(&inner).any())
      continue;
    // Can it be derived?
    if (!obstacle) {
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(&inner)) {
        Operation *where = nullptr;
        std::string why = checkLinalg(linalgOp, dependence, where);
        if (!why.empty())
          obstacle = JacobianObstacle{where, why};
      } else if (inner.getNumRegions() != 0) {
        obstacle = JacobianObstacle{&inner, "no derivative rule for an op "
                                            "with regions"};
      } else if (!isDifferentiableElementwise(&inner) &&
                 !isLinearTensorOp(&inner) && !hasNoTangent(&inner)) {
        obstacle = JacobianObstacle{&inner, "no derivative rule for it"};
      } else {
        std::string why = whyNotDerivable(
            &inner, [&](Value v) { return dependence.dependsOnState(v); });
        if (!why.empty())
          obstacle = JacobianObstacle{&inner, why};
      }
    }
    // How do its results use each state?
    SmallVector<Use> u(numStates, Use::none);
    bool elementwise = false;
    if (inner.hasTrait<OpTrait::Elementwise>() && inner.getNumResults() == 1 &&
        isa<RankedTensorType>(inner.getResult(0).getType())) {
      elementwise = llvm::all_of(inner.getOperandTypes(), [&](Type t) {
        return t == inner.getResult(0).getType() ||
               (isa<RankedTensorType>(t) &&
                cast<RankedTensorType>(t).getShape() ==
                    cast<RankedTensorType>(inner.getResult(0).getType())
                        .getShape());
      });
      for (unsigned s = 0; s < numStates && elementwise; ++s)
        for (Value v : inner.getOperands())
          u[s] = join(u[s], useOf(v, s));
    } else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(&inner)) {
      llvm::SetVector<Value> above;
      getUsedValuesDefinedAbove(inner.getRegions(), above);
      elementwise = linalgOp.getNumParallelLoops() == linalgOp.getNumLoops() &&
                    llvm::none_of(above, [&](Value v) {
                      return dependence.dependsOnState(v);
                    });
      for (OpOperand &operand : linalgOp->getOpOperands()) {
        if (!elementwise)
          break;
        bool identity = linalgOp.getMatchingIndexingMap(&operand).isIdentity();
        for (unsigned s = 0; s < numStates; ++s) {
          Use use = useOf(operand.get(), s);
          if (use != Use::none && !identity)
            use = Use::dense;
          u[s] = join(u[s], use);
        }
      }
      // The results' maps are the inits' (checked above), so a result's
      // element e comes from the operands' elements e.
    }
    if (!elementwise)
      for (unsigned s = 0; s < numStates; ++s)
        u[s] =
            dependence.getStatesReadBy(&inner).test(s) ? Use::dense : Use::none;
    for (Value r : inner.getResults())
      uses[r] = u;
  }

  // Pairs (next state i, state j).
  Operation *yield = body.getTerminator();
  llvm::EquivalenceClasses<unsigned> coupled;
  for (unsigned s = 0; s < numStates; ++s)
    coupled.insert(s);
  bool dense = false;
  for (unsigned i = 0; i < numStates; ++i) {
    Value next = yield->getOperand(i);
    for (unsigned j = 0; j < numStates; ++j) {
      Use use = useOf(next, j);
      if (use == Use::dense ||
          (use == Use::elementwise &&
           body.getArgument(i).getType() != body.getArgument(j).getType()))
        dense = true;
      else if (use == Use::elementwise && i != j)
        coupled.unionSets(i, j);
    }
  }
  if (dense) {
    structure = JacobianStructure::dense;
    blockSize = 0;
    return;
  }
  for (unsigned s = 0; s < numStates; ++s) {
    SmallVector<unsigned, 2> group;
    for (unsigned t = 0; t < numStates; ++t)
      if (coupled.isEquivalent(s, t))
        group.push_back(t);
    if (group.front() != s) // not the group's first state
      continue;
    blockSize = std::max<int64_t>(blockSize, group.size());
    groups.push_back(group);
  }
  structure = blockSize > 1 ? JacobianStructure::block_diagonal
                            : JacobianStructure::diagonal;
}

std::string JacobianAnalysis::describe() const {
  if (obstacle)
    return "unsupported (" + obstacle->describe() + ")";
  switch (structure) {
  case JacobianStructure::diagonal:
    return "structure=diagonal";
  case JacobianStructure::block_diagonal:
    return "structure=block_diagonal, block=" + std::to_string(blockSize);
  case JacobianStructure::dense:
    return "structure=dense";
  }
  return "";
}

//===----------------------------------------------------------------------===//
// Forward mode
//===----------------------------------------------------------------------===//

Value recur::constantLike(OpBuilder &b, Location loc, Value like,
                          double value) {
  Type type = like.getType();
  auto tensorType = dyn_cast<RankedTensorType>(type);
  Type elemType = tensorType ? tensorType.getElementType() : type;
  Value scalar = arith::ConstantOp::create(b, loc, elemType,
                                           b.getFloatAttr(elemType, value));
  if (!tensorType)
    return scalar;
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, like);
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elemType);
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

namespace {
/// The tangents of one region's values, and the arithmetic on them (a null
/// tangent is zero).
struct Tangents {
  Tangents(OpBuilder &b, Location loc) : b(b), loc(loc) {}
  OpBuilder &b;
  Location loc;
  llvm::DenseMap<Value, Value> map;

  Value get(Value v) const { return map.lookup(v); }
  Value add(Value x, Value y) {
    if (!x)
      return y;
    if (!y)
      return x;
    return arith::AddFOp::create(b, loc, x, y);
  }
  Value sub(Value x, Value y) {
    if (!y)
      return x;
    if (!x)
      return arith::NegFOp::create(b, loc, y);
    return arith::SubFOp::create(b, loc, x, y);
  }
  /// x * p where p is a primal value (x may be null).
  Value mul(Value x, Value p) {
    if (!x)
      return Value();
    return arith::MulFOp::create(b, loc, x, p);
  }
  Value orZero(Value t, Value like) {
    return t ? t : constantLike(b, loc, like, 0.0);
  }

  /// The tangent of `orig`'s result given its clone's operands and result.
  Value deriveElementwise(Operation *orig, Operation *clone) {
    auto tan = [&](unsigned k) { return get(orig->getOperand(k)); };
    auto p = [&](unsigned k) { return clone->getOperand(k); };
    Value y = clone->getResult(0);
    if (isa<arith::AddFOp>(orig))
      return add(tan(0), tan(1));
    if (isa<arith::SubFOp>(orig))
      return sub(tan(0), tan(1));
    if (isa<arith::MulFOp>(orig))
      return add(mul(tan(0), p(1)), mul(tan(1), p(0)));
    if (isa<arith::DivFOp>(orig)) {
      // (da - y db) / b
      Value t = sub(tan(0), mul(tan(1), y));
      return t ? arith::DivFOp::create(b, loc, t, p(1)) : Value();
    }
    if (isa<arith::NegFOp>(orig))
      return tan(0) ? arith::NegFOp::create(b, loc, tan(0)) : Value();
    if (isa<arith::MaximumFOp, arith::MinimumFOp>(orig)) {
      // At a tie (the kink of Relu's max(x, 0), HardSigmoid's clamps) the
      // first operand's tangent: the one-sided derivative of the side the
      // comparison's equality falls on (Relu at 0: 1, the right-hand one).
      if (!tan(0) && !tan(1))
        return Value();
      auto pred = isa<arith::MaximumFOp>(orig) ? arith::CmpFPredicate::OGE
                                               : arith::CmpFPredicate::OLE;
      Value cond = arith::CmpFOp::create(b, loc, pred, p(0), p(1));
      return arith::SelectOp::create(b, loc, cond, orZero(tan(0), y),
                                     orZero(tan(1), y));
    }
    if (isa<arith::SelectOp>(orig)) {
      // The tangent of the branch the condition picks; at a kink of a
      // piecewise function (LeakyRelu's and Elu's x >= 0, ThresholdedRelu's
      // x > alpha) that is the one-sided derivative of the side the
      // comparison puts the kink on. The condition itself (cmpf) has none.
      if (!tan(1) && !tan(2))
        return Value();
      return arith::SelectOp::create(b, loc, p(0), orZero(tan(1), y),
                                     orZero(tan(2), y));
    }
    if (isa<arith::ExtFOp>(orig))
      return tan(0) ? arith::ExtFOp::create(b, loc, y.getType(), tan(0))
                    : Value();
    if (isa<arith::TruncFOp>(orig))
      return tan(0) ? arith::TruncFOp::create(b, loc, y.getType(), tan(0))
                    : Value();
    if (!tan(0))
      return Value();
    if (isa<math::TanhOp>(orig)) // (1 - y^2) da
      return mul(tan(0),
                 arith::SubFOp::create(b, loc, constantLike(b, loc, y, 1.0),
                                       arith::MulFOp::create(b, loc, y, y)));
    if (isa<math::ExpOp>(orig))
      return mul(tan(0), y);
    if (isa<math::LogOp>(orig))
      return arith::DivFOp::create(b, loc, tan(0), p(0));
    if (isa<math::SqrtOp>(orig)) // da / (2 y)
      return arith::DivFOp::create(
          b, loc, mul(tan(0), constantLike(b, loc, y, 0.5)), y);
    if (isa<math::Log1pOp>(orig)) // da / (1 + a)
      return arith::DivFOp::create(
          b, loc, tan(0),
          arith::AddFOp::create(b, loc, constantLike(b, loc, y, 1.0), p(0)));
    if (isa<math::RsqrtOp>(orig)) // -y^3 da / 2
      return mul(tan(0),
                 arith::MulFOp::create(
                     b, loc, constantLike(b, loc, y, -0.5),
                     arith::MulFOp::create(
                         b, loc, y, arith::MulFOp::create(b, loc, y, y))));
    if (isa<math::AbsFOp>(orig)) {
      // sign(a) da; at a = 0 (Softsign's kink) +da, the right-hand
      // derivative, as the selects of LeakyRelu and Elu (x >= 0) choose.
      Value cond = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE,
                                         p(0), constantLike(b, loc, y, 0.0));
      return arith::SelectOp::create(b, loc, cond, tan(0),
                                     arith::NegFOp::create(b, loc, tan(0)));
    }
    if (isa<math::PowFOp>(orig)) {
      // c a^(c - 1) da for an exponent c that does not depend on the state
      // (whyNotDerivable refuses the others before this is reached).
      if (tan(1))
        return Value();
      Value c = p(1);
      Value cm1 =
          arith::SubFOp::create(b, loc, c, constantLike(b, loc, c, 1.0));
      Value pw = math::PowFOp::create(b, loc, p(0), cm1);
      return mul(tan(0), arith::MulFOp::create(b, loc, c, pw));
    }
    return Value();
  }
};
} // namespace

/// Emits the primal and the tangent of a linalg op whose operands are mapped
/// by `mapping`: one generic computing both, the payload's values and their
/// tangents side by side.
static LogicalResult deriveLinalg(OpBuilder &b, linalg::LinalgOp orig,
                                  IRMapping &mapping, Tangents &outer) {
  Location loc = orig.getLoc();
  Operation *clone = b.clone(*orig, mapping);
  linalg::GenericOp generic = dyn_cast<linalg::GenericOp>(clone);
  if (!generic) {
    IRRewriter rewriter(b);
    rewriter.setInsertionPoint(clone);
    FailureOr<linalg::GenericOp> generalized =
        linalg::generalizeNamedOp(rewriter, cast<linalg::LinalgOp>(clone));
    if (failed(generalized))
      return orig.emitError("cannot generalize this op to derive it");
    generic = *generalized;
  }
  unsigned numInputs = generic.getNumDpsInputs();
  unsigned numInits = generic.getNumDpsInits();
  SmallVector<AffineMap> genericMaps = generic.getIndexingMapsArray();

  SmallVector<Value> inputs(generic.getDpsInputs());
  SmallVector<AffineMap> maps(genericMaps.begin(),
                              genericMaps.begin() + numInputs);
  SmallVector<int64_t> tangentInputOf; // input k -> index among tangents
  SmallVector<Value> tangentInputs;
  for (unsigned k = 0; k < numInputs; ++k) {
    Value t = outer.get(orig.getDpsInputOperand(k)->get());
    tangentInputOf.push_back(t ? tangentInputs.size() : -1);
    if (t) {
      tangentInputs.push_back(t);
      maps.push_back(genericMaps[k]);
    }
  }
  inputs.append(tangentInputs);
  SmallVector<Value> outputs(generic.getDpsInits());
  SmallVector<Type> resultTypes(generic->getResultTypes());
  for (unsigned m = 0; m < numInits; ++m)
    maps.push_back(genericMaps[numInputs + m]);
  for (unsigned m = 0; m < numInits; ++m) {
    Value init = generic.getDpsInits()[m];
    outputs.push_back(
        outer.orZero(outer.get(orig.getDpsInitOperand(m)->get()), init));
    maps.push_back(genericMaps[numInputs + m]);
    resultTypes.push_back(init.getType());
  }

  Block *payload = generic.getBlock();
  LogicalResult status = success();
  auto dual = linalg::GenericOp::create(
      b, loc, resultTypes, inputs, outputs, maps,
      generic.getIteratorTypesArray(),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        IRMapping inner = mapping;
        Tangents tangents(nb, nloc);
        unsigned numTanIn = tangentInputs.size();
        for (unsigned k = 0; k < numInputs; ++k) {
          inner.map(payload->getArgument(k), args[k]);
          if (tangentInputOf[k] >= 0)
            tangents.map[payload->getArgument(k)] =
                args[numInputs + tangentInputOf[k]];
        }
        for (unsigned m = 0; m < numInits; ++m) {
          BlockArgument arg = payload->getArgument(numInputs + m);
          inner.map(arg, args[numInputs + numTanIn + m]);
          tangents.map[arg] = args[numInputs + numTanIn + numInits + m];
        }
        for (Operation &op : payload->without_terminator()) {
          Operation *c = nb.clone(op, inner);
          bool anyTangent = llvm::any_of(op.getOperands(), [&](Value v) {
            return tangents.get(v) != nullptr;
          });
          if (!anyTangent || hasNoTangent(&op))
            continue;
          std::string why = whyNotDerivable(
              &op, [&](Value v) { return tangents.get(v) != nullptr; });
          Value t = isDifferentiableElementwise(&op) && why.empty()
                        ? tangents.deriveElementwise(&op, c)
                        : Value();
          if (!isDifferentiableElementwise(&op) || !why.empty()) {
            orig.emitError("cannot derive ")
                << op.getName() << " in this op's payload"
                << (why.empty() ? "" : ": " + why);
            status = failure();
          }
          if (t)
            tangents.map[op.getResult(0)] = t;
        }
        SmallVector<Value> yields;
        Operation *yield = payload->getTerminator();
        for (Value v : yield->getOperands())
          yields.push_back(inner.lookupOrDefault(v));
        for (Value v : yield->getOperands())
          yields.push_back(
              tangents.orZero(tangents.get(v), inner.lookupOrDefault(v)));
        linalg::YieldOp::create(nb, nloc, yields);
      });
  if (failed(status))
    return failure();
  for (unsigned m = 0; m < numInits; ++m) {
    mapping.map(orig->getResult(m), dual.getResult(m));
    outer.map[orig->getResult(m)] = dual.getResult(numInits + m);
  }
  generic.erase();
  return success();
}

FailureOr<SmallVector<Value>>
JacobianAnalysis::emitTangents(OpBuilder &b, IRMapping &mapping,
                               ArrayRef<Value> stateTangents) const {
  RecurrenceOp rec = op;
  Block &body = rec.getBody().front();
  Tangents tangents(b, rec.getLoc());
  for (auto [s, t] : llvm::enumerate(stateTangents))
    if (t)
      tangents.map[body.getArgument(s)] = t;

  for (Operation &inner : body.without_terminator()) {
    bool anyTangent = llvm::any_of(inner.getOperands(), [&](Value v) {
      return tangents.get(v) != nullptr;
    });
    tangents.loc = inner.getLoc();
    if (!anyTangent || hasNoTangent(&inner)) {
      if (inner.getNumRegions() != 0) {
        llvm::SetVector<Value> above;
        getUsedValuesDefinedAbove(inner.getRegions(), above);
        if (llvm::any_of(above, [&](Value v) { return tangents.get(v); }))
          return inner.emitError("cannot derive an op whose regions read a "
                                 "state-dependent value");
      }
      b.clone(inner, mapping);
      continue;
    }
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(&inner)) {
      if (failed(deriveLinalg(b, linalgOp, mapping, tangents)))
        return failure();
      continue;
    }
    if (isDifferentiableElementwise(&inner)) {
      std::string why = whyNotDerivable(
          &inner, [&](Value v) { return tangents.get(v) != nullptr; });
      if (!why.empty())
        return inner.emitError("cannot derive ")
               << inner.getName() << ": " << why;
      Operation *clone = b.clone(inner, mapping);
      if (Value t = tangents.deriveElementwise(&inner, clone))
        tangents.map[inner.getResult(0)] = t;
      continue;
    }
    if (isLinearTensorOp(&inner)) {
      b.clone(inner, mapping);
      IRMapping linear;
      for (Value v : inner.getOperands()) {
        Value primal = mapping.lookupOrDefault(v);
        if (isa<FloatType>(getElementTypeOrSelf(v.getType())))
          linear.map(v, tangents.orZero(tangents.get(v), primal));
        else
          linear.map(v, primal);
      }
      Operation *t = b.clone(inner, linear);
      for (auto [r, tr] : llvm::zip(inner.getResults(), t->getResults()))
        tangents.map[r] = tr;
      continue;
    }
    return inner.emitError("no derivative rule for ")
           << inner.getName() << " on a state-dependent path";
  }
  SmallVector<Value> next;
  Operation *yield = body.getTerminator();
  for (unsigned s = 0; s < rec.getNumStates(); ++s)
    next.push_back(tangents.get(yield->getOperand(s)));
  return next;
}

/// Sizes of `v` followed by `extra` static sizes.
static SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value v,
                                  ArrayRef<int64_t> extra) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, v);
  for (int64_t e : extra)
    sizes.push_back(b.getIndexAttr(e));
  return sizes;
}

/// Inserts `source` (of `like`'s shape) into `dest` at the trailing offsets
/// `trailing` (unit sizes there).
static Value insertAt(OpBuilder &b, Location loc, Value source, Value dest,
               ArrayRef<OpFoldResult> trailing) {
  unsigned rank = cast<RankedTensorType>(source.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  offsets.append(trailing.begin(), trailing.end());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, source);
  SmallVector<OpFoldResult> strides(rank + trailing.size(), b.getIndexAttr(1));
  sizes.append(trailing.size(), b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, source, dest, offsets, sizes,
                                       strides);
}

FailureOr<SmallVector<Value>>
JacobianAnalysis::emitJacobian(OpBuilder &b, Location loc,
                               const IRMapping &base) const {
  const JacobianAnalysis &analysis = *this;
  RecurrenceOp op = getOp();
  Block &body = op.getBody().front();
  unsigned numStates = op.getNumStates();
  auto state = [&](unsigned s) { return base.lookup(body.getArgument(s)); };

  if (analysis.getStructure() != JacobianStructure::dense) {
    // One forward pass per position j in the groups: seed the j-th state of
    // every group with ones; next state i's tangent is then d next_i / d
    // state_j element by element (the other states of the group are zero,
    // other groups do not couple).
    ArrayRef<SmallVector<unsigned, 2>> groups = analysis.getGroups();
    // entries[g][i][j]
    SmallVector<SmallVector<SmallVector<Value>>> entries;
    for (const auto &g : groups)
      entries.push_back(SmallVector<SmallVector<Value>>(
          g.size(), SmallVector<Value>(g.size())));
    for (int64_t j = 0; j < analysis.getBlockSize(); ++j) {
      SmallVector<Value> seeds(numStates);
      for (const auto &g : groups)
        if (j < (int64_t)g.size())
          seeds[g[j]] = constantLike(b, loc, state(g[j]), 1.0);
      IRMapping mapping = base;
      FailureOr<SmallVector<Value>> next =
          analysis.emitTangents(b, mapping, seeds);
      if (failed(next))
        return failure();
      for (auto [gi, g] : llvm::enumerate(groups))
        if (j < (int64_t)g.size())
          for (unsigned i = 0; i < g.size(); ++i) {
            Value t = (*next)[g[i]];
            entries[gi][i][j] = t ? t : constantLike(b, loc, state(g[i]), 0.0);
          }
    }
    SmallVector<Value> results;
    for (auto [gi, g] : llvm::enumerate(groups)) {
      if (g.size() == 1) {
        results.push_back(entries[gi][0][0]);
        continue;
      }
      int64_t k = g.size();
      Value like = state(g[0]);
      Value j = tensor::EmptyOp::create(
          b, loc, sizesOf(b, loc, like, {k, k}),
          cast<RankedTensorType>(like.getType()).getElementType());
      for (int64_t r = 0; r < k; ++r)
        for (int64_t c = 0; c < k; ++c)
          j = insertAt(b, loc, entries[gi][r][c], j,
                       {b.getIndexAttr(r), b.getIndexAttr(c)});
      results.push_back(j);
    }
    return results;
  }

  // Dense: n states of one shape [H] or [B, H], stacked: J is
  // [(B,) n H, n H], row i H + e for element e of next state i, column
  // j H + f for element f of state j. Column j H + f of each batch row's
  // block is the tangent for the seed e_f in state j, in every row at once
  // (rows do not mix).
  auto type = cast<RankedTensorType>(state(0).getType());
  for (unsigned s = 1; s < numStates; ++s)
    if (state(s).getType() != type)
      return op.emitError("materializing a dense Jacobian needs states of "
                          "one shape"),
             failure();
  if (type.getRank() < 1 || type.getRank() > 2)
    return op.emitError("materializing a dense Jacobian needs states of "
                        "shape [H] or [B, H]"),
           failure();
  int64_t rank = type.getRank();
  Value h = state(0);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value hSize = tensor::DimOp::create(b, loc, h, rank - 1);
  Value nH = arith::MulIOp::create(
      b, loc, hSize, arith::ConstantIndexOp::create(b, loc, numStates));
  SmallVector<OpFoldResult> jSizes;
  if (rank == 2)
    jSizes.push_back(tensor::getMixedSizes(b, loc, h)[0]);
  OpFoldResult nHSize = nH;
  if (!type.isDynamicDim(rank - 1))
    nHSize = b.getIndexAttr(numStates * type.getDimSize(rank - 1));
  jSizes.append({nHSize, nHSize});
  Value jac = tensor::EmptyOp::create(b, loc, jSizes, type.getElementType());
  for (unsigned js = 0; js < numStates; ++js) {
    LogicalResult status = success();
    auto loop = scf::ForOp::create(
        b, loc, zero, hSize, one, ValueRange{jac},
        [&](OpBuilder &lb, Location l, Value col, ValueRange iter) {
          // seed = (index along the last dimension == col) ? 1 : 0
          Value empty = tensor::EmptyOp::create(
              lb, l, tensor::getMixedSizes(lb, l, h), type.getElementType());
          SmallVector<AffineMap> maps{lb.getMultiDimIdentityMap(rank)};
          SmallVector<utils::IteratorType> iterators(
              rank, utils::IteratorType::parallel);
          Value seed =
              linalg::GenericOp::create(
                  lb, l, TypeRange{type}, ValueRange{}, ValueRange{empty}, maps,
                  iterators,
                  [&](OpBuilder &pb, Location pl, ValueRange args) {
                    Value idx = linalg::IndexOp::create(pb, pl, rank - 1);
                    Value hit = arith::CmpIOp::create(
                        pb, pl, arith::CmpIPredicate::eq, idx, col);
                    Type et = type.getElementType();
                    Value on = arith::ConstantOp::create(
                        pb, pl, et, pb.getFloatAttr(et, 1.0));
                    Value off = arith::ConstantOp::create(
                        pb, pl, et, pb.getFloatAttr(et, 0.0));
                    linalg::YieldOp::create(pb, pl,
                                            ValueRange{arith::SelectOp::create(
                                                pb, pl, hit, on, off)});
                  })
                  .getResult(0);
          SmallVector<Value> seeds(numStates);
          seeds[js] = seed;
          IRMapping mapping = base;
          FailureOr<SmallVector<Value>> next =
              analysis.emitTangents(lb, mapping, seeds);
          Value acc = iter[0];
          if (failed(next)) {
            status = failure();
            scf::YieldOp::create(lb, l, acc);
            return;
          }
          Value column = arith::AddIOp::create(
              lb, l,
              arith::MulIOp::create(lb, l, hSize,
                                    arith::ConstantIndexOp::create(lb, l, js)),
              col);
          for (unsigned i = 0; i < numStates; ++i) {
            Value t = (*next)[i] ? (*next)[i] : constantLike(lb, l, h, 0.0);
            Value row = arith::MulIOp::create(
                lb, l, hSize, arith::ConstantIndexOp::create(lb, l, i));
            SmallVector<OpFoldResult> offsets;
            if (rank == 2)
              offsets.push_back(lb.getIndexAttr(0));
            offsets.append({row, column});
            SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(lb, l, t);
            sizes.push_back(lb.getIndexAttr(1));
            SmallVector<OpFoldResult> strides(rank + 1, lb.getIndexAttr(1));
            acc = tensor::InsertSliceOp::create(lb, l, t, acc, offsets, sizes,
                                                strides);
          }
          scf::YieldOp::create(lb, l, acc);
        });
    if (failed(status))
      return failure();
    jac = loop.getResult(0);
  }
  return SmallVector<Value>{jac};
}

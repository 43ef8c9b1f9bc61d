//===- AffineDecomposition.cpp - is a recurrence affine in its state -----===//
//
// Tracks the linear part of every body value as a sum of einsum-like terms
// (state-independent factors times the state read at an affine index),
// through arith ops, reshapes and any linalg op whose region multiplies and
// adds; then groups coupled states into systems, classifies each system's
// transition and builds its coefficients as linalg.generic ops.
//
//===----------------------------------------------------------------------===//

#include "passes/Analysis/AffineDecomposition.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

#include <numeric>

using namespace mlir;
using namespace recur;

/// More terms than this in one value and the analysis gives up: the body is
/// affine in a way too expensive to spell out term by term.
static constexpr size_t kMaxTerms = 64;

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

std::string recur::formatLocation(Location loc) {
  std::string result = "unknown location";
  std::string name;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner))
      name = named.getName().str();
    if (auto file = dyn_cast<FileLineColLoc>(inner)) {
      // Line 0: a file without lines (an ONNX model), where the name says
      // which node.
      if (file.getLine() == 0)
        result = file.getFilename().str() + (name.empty() ? "" : ": " + name);
      else
        result = file.getFilename().str() + ":" +
                 std::to_string(file.getLine()) + ":" +
                 std::to_string(file.getColumn());
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return result;
}

bool recur::hasSideEffects(RecurrenceOp op) {
  return llvm::any_of(
      op.getBodyBlock().without_terminator(),
      [](Operation &inner) { return !isMemoryEffectFree(&inner); });
}

std::string AffineObstacle::describe() const {
  std::string s = op->getName().getStringRef().str() + " at " +
                  formatLocation(op->getLoc()) + " depends on state #" +
                  std::to_string(state);
  if (!detail.empty())
    s += ": " + detail;
  return s;
}

static std::string formatList(ArrayRef<int64_t> values) {
  std::string s = "[";
  for (auto [i, v] : llvm::enumerate(values))
    s += (i ? ", " : "") + std::to_string(v);
  return s + "]";
}

std::string LinearSystem::describe() const {
  std::string s = "structure=" + stringifyStructure(structure).str() +
                  ", batch_dims=" + std::to_string(batchDims);
  if (structure == Structure::identity_plus_low_rank)
    s += ", rank=" + std::to_string(rank);
  if (isPermuted())
    s += ", permutation=" + formatList(permutation);
  if (isStacked())
    s += ", stacked at dim " + std::to_string(stackDim);
  return s;
}

//===----------------------------------------------------------------------===//
// Terms
//===----------------------------------------------------------------------===//

namespace {

/// A product of state-independent factors and a number: the coefficient of a
/// linear term inside a linalg region, its maps over the op's loops.
struct Monomial {
  double scale = 1.0;
  SmallVector<AffineFactor, 2> factors;
};

/// A scalar inside a linalg region: either linear in the region's symbols
/// (the block arguments that carry the state, and the accumulator of a
/// reduction), or state-independent: a sum of monomials, or `opaque` when it
/// is something else (exp(x), an index...).
struct ScalarExpr {
  bool dependent = false;
  /// A dependent value with no state-independent part.
  bool homogeneous = false;
  /// The same, counting the accumulator of a reduction as homogeneous.
  bool homogeneousButAccumulator = false;
  SmallVector<std::pair<unsigned, Monomial>, 2> linear;
  SmallVector<Monomial, 1> poly;
  bool opaque = false;
};

/// The map (d0, ..., d{numDims-1}) -> (d0, ..., d{count-1}).
AffineMap leadingDims(unsigned numDims, unsigned count, MLIRContext *ctx) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d = 0; d < count; ++d)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(numDims, 0, exprs, ctx);
}

/// `term` with every map composed with `sub` (new dimensions -> the term's
/// old dimensions).
LinearTerm substitute(const LinearTerm &term, AffineMap sub,
                      unsigned numReductions) {
  LinearTerm out = term;
  out.stateMap = simplifyAffineMap(term.stateMap.compose(sub));
  for (AffineFactor &f : out.factors)
    f.map = simplifyAffineMap(f.map.compose(sub));
  out.numReductions = numReductions;
  return out;
}

/// The splat value of a float constant (scalar or tensor), if `value` is one.
std::optional<double> getConstantFloat(Value value) {
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValueAsDouble();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    if (dense.isSplat() && isa<FloatType>(dense.getElementType()))
      return dense.getSplatValue<APFloat>().convertToDouble();
  return std::nullopt;
}

/// Whether `value` is a tensor of zeros (a zero constant or fill).
bool isZeroTensor(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    value = fill.getInputs()[0];
  std::optional<double> c = getConstantFloat(value);
  return c && *c == 0.0;
}

/// Multiplies (scale, factors) by `value` read at `map` (or divides, with
/// `reciprocal`). Looks through broadcasts, transposes, casts, fills and
/// splat constants, so a factor depends on the dimensions it really depends
/// on: a gate broadcast over a matrix state stays a gate.
void multiplyBy(double &scale, SmallVectorImpl<AffineFactor> &factors,
                Value value, AffineMap map, bool reciprocal) {
  MLIRContext *ctx = map.getContext();
  while (true) {
    if (std::optional<double> c = getConstantFloat(value)) {
      scale = reciprocal ? scale / *c : scale * *c;
      return;
    }
    Operation *def = value.getDefiningOp();
    if (auto fill = dyn_cast_or_null<linalg::FillOp>(def)) {
      if (!fill.hasPureTensorSemantics())
        break;
      value = fill.getInputs()[0];
      map = AffineMap::get(map.getNumDims(), 0, {}, ctx);
      continue;
    }
    if (auto bcast = dyn_cast_or_null<linalg::BroadcastOp>(def)) {
      if (!bcast.hasPureTensorSemantics())
        break;
      ArrayRef<int64_t> added = bcast.getDimensions();
      SmallVector<AffineExpr> exprs;
      for (unsigned i = 0; i < map.getNumResults(); ++i)
        if (!llvm::is_contained(added, (int64_t)i))
          exprs.push_back(map.getResult(i));
      value = bcast.getInput();
      map = AffineMap::get(map.getNumDims(), 0, exprs, ctx);
      continue;
    }
    if (auto transpose = dyn_cast_or_null<linalg::TransposeOp>(def)) {
      if (!transpose.hasPureTensorSemantics())
        break;
      // Result dimension i is input dimension perm[i].
      ArrayRef<int64_t> perm = transpose.getPermutation();
      SmallVector<AffineExpr> exprs(perm.size());
      for (auto [i, p] : llvm::enumerate(perm))
        exprs[p] = map.getResult(i);
      value = transpose.getInput();
      map = AffineMap::get(map.getNumDims(), 0, exprs, ctx);
      continue;
    }
    if (auto cast = dyn_cast_or_null<tensor::CastOp>(def)) {
      value = cast.getSource();
      continue;
    }
    // Reshapes that add or drop unit dimensions: the source's index is the
    // index of the one non-unit dimension of its group (or 0).
    if (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def)) {
      Value source = def->getOperand(0);
      auto srcType = cast<RankedTensorType>(source.getType());
      auto resType = cast<RankedTensorType>(value.getType());
      SmallVector<AffineExpr> exprs(srcType.getRank(),
                                    getAffineConstantExpr(0, ctx));
      bool simple = true;
      if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
        for (auto [e, group] :
             llvm::enumerate(expand.getReassociationIndices())) {
          SmallVector<int64_t> nonUnit;
          for (int64_t g : group)
            if (resType.getDimSize(g) != 1)
              nonUnit.push_back(g);
          simple &= nonUnit.size() <= 1;
          if (nonUnit.size() == 1)
            exprs[e] = map.getResult(nonUnit[0]);
        }
      } else {
        auto collapse = cast<tensor::CollapseShapeOp>(def);
        for (auto [g, group] :
             llvm::enumerate(collapse.getReassociationIndices())) {
          SmallVector<int64_t> nonUnit;
          for (int64_t e : group)
            if (srcType.getDimSize(e) != 1)
              nonUnit.push_back(e);
          simple &= nonUnit.size() <= 1;
          if (nonUnit.size() == 1)
            exprs[nonUnit[0]] = map.getResult(g);
        }
      }
      if (!simple)
        break;
      value = source;
      map = AffineMap::get(map.getNumDims(), 0, exprs, ctx);
      continue;
    }
    break;
  }
  factors.push_back({value, map, reciprocal});
}

void multiplyBy(LinearTerm &term, Value value, AffineMap map, bool reciprocal) {
  multiplyBy(term.scale, term.factors, value, map, reciprocal);
}

Monomial product(const Monomial &a, const Monomial &b) {
  Monomial m = a;
  m.scale *= b.scale;
  m.factors.append(b.factors.begin(), b.factors.end());
  return m;
}

Monomial reciprocal(const Monomial &a) {
  Monomial m = a;
  m.scale = 1.0 / a.scale;
  for (AffineFactor &f : m.factors)
    f.reciprocal = !f.reciprocal;
  return m;
}

unsigned getRank(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

} // namespace

//===----------------------------------------------------------------------===//
// Forward propagation of linear parts
//===----------------------------------------------------------------------===//

namespace {

/// Computes the linear part of every top-level body value, or why it has
/// none. One instance per decomposition.
class FormBuilder {
public:
  FormBuilder(Block &body, const StateDependence &dependence,
              DenseMap<Value, AffineForm> &forms,
              DenseMap<Value, AffineObstacle> &obstacles)
      : body(body), dependence(dependence), forms(forms), obstacles(obstacles) {
  }

  /// Computes the results' forms of `op`, which reads a state; returns why
  /// they are not affine, if they are not.
  std::optional<AffineObstacle> transfer(Operation &op);

private:
  bool dependent(Value v) const { return dependence.dependsOnState(v); }

  /// Whether `a` comes before `b` in the body (ops inside regions count at
  /// the position of their top-level ancestor, then in region order).
  bool isBefore(Operation *a, Operation *b) const {
    Operation *topA = body.findAncestorOpInBlock(*a);
    Operation *topB = body.findAncestorOpInBlock(*b);
    if (topA != topB)
      return topA->isBeforeInBlock(topB);
    if (a->getBlock() == b->getBlock())
      return a->isBeforeInBlock(b);
    return false;
  }

  AffineObstacle obstacle(Operation *op, Value operand,
                          StringRef detail = "") const {
    llvm::SmallBitVector states = operand ? dependence.getStates(operand)
                                          : dependence.getStatesReadBy(op);
    int first = states.find_first();
    return {op, first < 0 ? 0u : (unsigned)first, detail.str()};
  }

  /// The form of an operand (empty when state-independent).
  /// Whether `v` is zero when the states are (linear, or zeros).
  bool homogeneous(Value v) const {
    auto it = forms.find(v);
    return it != forms.end() ? it->second.homogeneous : isZeroTensor(v);
  }

  const AffineForm &formOf(Value v) const {
    static const AffineForm empty;
    auto it = forms.find(v);
    return it == forms.end() ? empty : it->second;
  }

  std::optional<AffineObstacle> setForm(Operation *op, Value result,
                                        AffineForm form) {
    if (form.terms.size() > kMaxTerms)
      return obstacle(op, Value(), "more than 64 linear terms");
    forms[result] = std::move(form);
    return std::nullopt;
  }

  std::optional<AffineObstacle> transferReshape(Operation &op);
  std::optional<AffineObstacle> transferSlice(tensor::ExtractSliceOp op);
  std::optional<AffineObstacle> transferLinalg(linalg::LinalgOp op);

  Block &body;
  const StateDependence &dependence;
  DenseMap<Value, AffineForm> &forms;
  DenseMap<Value, AffineObstacle> &obstacles;
};

std::optional<AffineObstacle> FormBuilder::transfer(Operation &op) {
  // Anything computed from a non-affine value is not affine either; the
  // cause reported is the earliest in the body.
  SmallVector<Value> read(op.getOperands());
  if (op.getNumRegions() != 0) {
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(op.getRegions(), above);
    read.append(above.begin(), above.end());
  }
  const AffineObstacle *earliest = nullptr;
  for (Value v : read) {
    auto it = obstacles.find(v);
    if (it == obstacles.end())
      continue;
    if (!earliest || isBefore(it->second.op, earliest->op))
      earliest = &it->second;
  }
  if (earliest)
    return *earliest;

  bool tensorResults = llvm::all_of(
      op.getResultTypes(), [](Type t) { return isa<RankedTensorType>(t); });
  if (!tensorResults)
    return obstacle(&op, Value());

  if (isa<arith::AddFOp, arith::SubFOp>(op)) {
    AffineForm out = formOf(op.getOperand(0));
    out.homogeneous =
        homogeneous(op.getOperand(0)) && homogeneous(op.getOperand(1));
    for (LinearTerm term : formOf(op.getOperand(1)).terms) {
      if (isa<arith::SubFOp>(op))
        term.scale = -term.scale;
      out.terms.push_back(std::move(term));
    }
    return setForm(&op, op.getResult(0), std::move(out));
  }
  if (isa<arith::NegFOp>(op)) {
    AffineForm out = formOf(op.getOperand(0));
    for (LinearTerm &term : out.terms)
      term.scale = -term.scale;
    return setForm(&op, op.getResult(0), std::move(out));
  }
  if (isa<arith::MulFOp, arith::DivFOp>(op)) {
    Value lhs = op.getOperand(0), rhs = op.getOperand(1);
    bool isDiv = isa<arith::DivFOp>(op);
    if (dependent(rhs) && (isDiv || dependent(lhs)))
      return obstacle(&op, rhs,
                      isDiv ? "divides by a value that depends on the state"
                            : "multiplies two values that depend on the state");
    Value linear = dependent(lhs) ? lhs : rhs;
    Value other = linear == lhs ? rhs : lhs;
    unsigned rank = getRank(op.getResult(0));
    AffineForm out = formOf(linear);
    for (LinearTerm &term : out.terms)
      multiplyBy(term, other,
                 leadingDims(rank + term.numReductions, rank, op.getContext()),
                 isDiv);
    return setForm(&op, op.getResult(0), std::move(out));
  }
  if (auto cast = dyn_cast<tensor::CastOp>(op))
    return setForm(&op, cast.getResult(), formOf(cast.getSource()));
  if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(op))
    return transferReshape(op);
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
    return transferSlice(slice);
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return transferLinalg(linalgOp);
  return obstacle(&op, Value());
}

/// Reshapes that only add or drop dimensions of size 1 keep every index:
/// the source's index in each dimension is the result's index in the one
/// non-unit dimension of its reassociation group (or 0).
std::optional<AffineObstacle> FormBuilder::transferReshape(Operation &op) {
  Value source = op.getOperand(0), result = op.getResult(0);
  auto srcType = cast<RankedTensorType>(source.getType());
  auto resType = cast<RankedTensorType>(result.getType());
  MLIRContext *ctx = op.getContext();
  unsigned resRank = resType.getRank();
  // srcIndex[e]: the source index in dimension e, as a function of the
  // result's indices (-1: the constant 0).
  SmallVector<int64_t> srcIndex(srcType.getRank(), -1);
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    for (auto [g, group] :
         llvm::enumerate(collapse.getReassociationIndices())) {
      SmallVector<int64_t> nonUnit;
      for (int64_t e : group)
        if (srcType.getDimSize(e) != 1)
          nonUnit.push_back(e);
      if (nonUnit.size() > 1)
        return obstacle(&op, source,
                        "the reshape merges dimensions larger than 1");
      if (!nonUnit.empty())
        srcIndex[nonUnit[0]] = g;
    }
  } else {
    auto expand = cast<tensor::ExpandShapeOp>(op);
    for (auto [e, group] : llvm::enumerate(expand.getReassociationIndices())) {
      SmallVector<int64_t> nonUnit;
      for (int64_t g : group)
        if (resType.getDimSize(g) != 1)
          nonUnit.push_back(g);
      if (nonUnit.size() > 1)
        return obstacle(&op, source,
                        "the reshape splits a dimension larger than 1");
      if (!nonUnit.empty())
        srcIndex[e] = nonUnit[0];
    }
  }
  AffineForm out;
  out.homogeneous = homogeneous(source);
  for (const LinearTerm &term : formOf(source).terms) {
    unsigned numDims = resRank + term.numReductions;
    SmallVector<AffineExpr> sub;
    for (int64_t g : srcIndex)
      sub.push_back(g < 0 ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(g, ctx));
    for (unsigned j = 0; j < term.numReductions; ++j)
      sub.push_back(getAffineDimExpr(resRank + j, ctx));
    out.terms.push_back(substitute(term, AffineMap::get(numDims, 0, sub, ctx),
                                   term.numReductions));
  }
  return setForm(&op, result, std::move(out));
}

/// A slice with static offsets and strides reads the source at
/// offset + stride * index (dropped unit dimensions at their offset).
std::optional<AffineObstacle>
FormBuilder::transferSlice(tensor::ExtractSliceOp op) {
  if (ShapedType::isDynamicShape(op.getStaticOffsets()) ||
      ShapedType::isDynamicShape(op.getStaticStrides()))
    return obstacle(op, op.getSource(),
                    "the slice has dynamic offsets or strides");
  MLIRContext *ctx = op.getContext();
  unsigned resRank = op.getType().getRank();
  llvm::SmallBitVector dropped = op.getDroppedDims();
  SmallVector<AffineExpr> srcIndex;
  unsigned next = 0;
  for (auto [e, offset] : llvm::enumerate(op.getStaticOffsets())) {
    AffineExpr index = getAffineConstantExpr(offset, ctx);
    if (!dropped.test(e))
      index = index + getAffineDimExpr(next++, ctx) * op.getStaticStrides()[e];
    srcIndex.push_back(index);
  }
  AffineForm out;
  out.homogeneous = homogeneous(op.getSource());
  for (const LinearTerm &term : formOf(op.getSource()).terms) {
    unsigned numDims = resRank + term.numReductions;
    SmallVector<AffineExpr> sub(srcIndex);
    for (unsigned j = 0; j < term.numReductions; ++j)
      sub.push_back(getAffineDimExpr(resRank + j, ctx));
    out.terms.push_back(substitute(term, AffineMap::get(numDims, 0, sub, ctx),
                                   term.numReductions));
  }
  return setForm(op, op.getResult(), std::move(out));
}

/// Any linalg op on tensors: its region is evaluated symbolically, each
/// block argument standing for its operand read at its indexing map. The
/// region must be linear in the arguments that carry the state; with
/// reduction loops it must add to the accumulator (out + sum of products).
std::optional<AffineObstacle> FormBuilder::transferLinalg(linalg::LinalgOp op) {
  Operation *raw = op.getOperation();
  if (!op.hasPureTensorSemantics())
    return obstacle(raw, Value(), "not on tensors");
  MLIRContext *ctx = raw->getContext();
  Block *block = op.getBlock();
  unsigned numLoops = op.getNumLoops();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  bool hasReduction =
      llvm::is_contained(iterators, utils::IteratorType::reduction);
  SmallVector<int64_t> staticRanges = op.getStaticLoopRanges();

  DenseMap<Value, ScalarExpr> scalars;
  for (BlockArgument arg : block->getArguments()) {
    OpOperand *operand = op.getMatchingOpOperand(arg);
    Value v = operand->get();
    ScalarExpr e;
    if (dependent(v) || (op.isDpsInit(operand) && hasReduction)) {
      e.dependent = true;
      e.homogeneous = homogeneous(v);
      e.homogeneousButAccumulator =
          e.homogeneous || (op.isDpsInit(operand) && hasReduction);
      e.linear.push_back({arg.getArgNumber(), Monomial()});
    } else {
      Monomial m;
      multiplyBy(m.scale, m.factors, v, op.getMatchingIndexingMap(operand),
                 /*reciprocal=*/false);
      e.poly.push_back(std::move(m));
    }
    scalars[arg] = std::move(e);
  }

  // The scalar an operand of a region op stands for; values from above the
  // linalg op are factors without a map (or state-dependent: not handled).
  auto lookup = [&](Value v) -> FailureOr<ScalarExpr> {
    auto it = scalars.find(v);
    if (it != scalars.end())
      return it->second;
    if (dependent(v))
      return failure();
    ScalarExpr e;
    if (!isa<FloatType>(v.getType())) {
      e.opaque = true;
      return e;
    }
    Monomial m;
    multiplyBy(m.scale, m.factors, v, AffineMap::get(numLoops, 0, {}, ctx),
               false);
    e.poly.push_back(std::move(m));
    return e;
  };

  for (Operation &inner : block->without_terminator()) {
    SmallVector<ScalarExpr, 2> args;
    for (Value operand : inner.getOperands()) {
      FailureOr<ScalarExpr> e = lookup(operand);
      if (failed(e))
        return obstacle(&inner, Value(),
                        "reads a state-dependent value from outside the "
                        "region");
      args.push_back(std::move(*e));
    }
    bool anyDependent =
        llvm::any_of(args, [](const ScalarExpr &e) { return e.dependent; });
    ScalarExpr out;
    auto regionObstacle = [&](StringRef detail) {
      AffineObstacle o = obstacle(raw, Value(), detail);
      o.op = &inner;
      return o;
    };
    std::optional<double> cst;
    if (isa<arith::ConstantOp>(inner))
      cst = getConstantFloat(inner.getResult(0));
    if (cst) {
      Monomial m;
      m.scale = *cst;
      out.poly.push_back(m);
    } else if (isa<arith::AddFOp, arith::SubFOp>(inner)) {
      double sign = isa<arith::SubFOp>(inner) ? -1.0 : 1.0;
      out.dependent = anyDependent;
      out.homogeneous = args[0].dependent && args[0].homogeneous &&
                        args[1].dependent && args[1].homogeneous;
      out.homogeneousButAccumulator =
          args[0].dependent && args[0].homogeneousButAccumulator &&
          args[1].dependent && args[1].homogeneousButAccumulator;
      if (anyDependent) {
        for (auto [k, arg] : llvm::enumerate(args))
          for (auto [sym, m] : arg.linear) {
            Monomial scaled = m;
            if (k == 1)
              scaled.scale *= sign;
            out.linear.push_back({sym, scaled});
          }
      } else {
        out.opaque = args[0].opaque || args[1].opaque;
        out.poly = args[0].poly;
        for (Monomial m : args[1].poly) {
          m.scale *= sign;
          out.poly.push_back(m);
        }
      }
    } else if (isa<arith::NegFOp>(inner)) {
      out = args[0];
      for (auto &entry : out.linear)
        entry.second.scale = -entry.second.scale;
      for (Monomial &m : out.poly)
        m.scale = -m.scale;
    } else if (isa<arith::MulFOp, arith::DivFOp>(inner)) {
      bool isDiv = isa<arith::DivFOp>(inner);
      if (args[1].dependent && (isDiv || args[0].dependent))
        return regionObstacle(
            isDiv ? "divides by a value that depends on the state"
                  : "multiplies two values that depend on the "
                    "state");
      const ScalarExpr &lhs = args[0];
      ScalarExpr rhs = args[1];
      if (isDiv) {
        if (rhs.opaque || rhs.poly.size() != 1)
          return regionObstacle(lhs.dependent
                                    ? "divides the state by a coefficient the "
                                      "analysis cannot factor"
                                    : "");
        rhs.poly[0] = reciprocal(rhs.poly[0]);
      }
      if (lhs.dependent || rhs.dependent) {
        const ScalarExpr &lin = lhs.dependent ? lhs : rhs;
        const ScalarExpr &coef = lhs.dependent ? rhs : lhs;
        if (coef.opaque)
          return regionObstacle("multiplies the state by a coefficient "
                                "computed inside the region");
        out.dependent = true;
        out.homogeneous = lin.homogeneous;
        out.homogeneousButAccumulator = lin.homogeneousButAccumulator;
        for (auto [sym, m] : lin.linear)
          for (const Monomial &c : coef.poly)
            out.linear.push_back({sym, product(m, c)});
      } else {
        out.opaque = lhs.opaque || rhs.opaque;
        if (!out.opaque)
          for (const Monomial &a : lhs.poly)
            for (const Monomial &c : rhs.poly)
              out.poly.push_back(product(a, c));
      }
    } else if (anyDependent) {
      return regionObstacle("");
    } else {
      out.opaque = true;
    }
    if (out.linear.size() > kMaxTerms || out.poly.size() > kMaxTerms)
      return regionObstacle("more than 64 linear terms");
    for (Value result : inner.getResults())
      scalars[result] = out;
  }

  // Each result: the yielded scalar's linear part, its symbols replaced by
  // their operands' forms read through the indexing maps.
  Operation *yield = block->getTerminator();
  for (OpResult result : raw->getResults()) {
    OpOperand *init = op.getDpsInitOperand(result.getResultNumber());
    AffineMap outMap = op.getMatchingIndexingMap(init);
    unsigned rankOut = outMap.getNumResults();
    // Loops -> (output dimensions, then reduction loops).
    SmallVector<AffineExpr> loopExprs(numLoops), loopExprsNoRed(numLoops);
    unsigned numRed = 0;
    for (unsigned l = 0; l < numLoops; ++l) {
      // A reduction over one element is no sum at all.
      if (iterators[l] == utils::IteratorType::reduction &&
          staticRanges[l] == 1) {
        loopExprs[l] = loopExprsNoRed[l] = getAffineConstantExpr(0, ctx);
        continue;
      }
      if (iterators[l] == utils::IteratorType::reduction) {
        loopExprs[l] = getAffineDimExpr(rankOut + numRed++, ctx);
        loopExprsNoRed[l] = getAffineConstantExpr(0, ctx);
        continue;
      }
      std::optional<unsigned> pos =
          outMap.getResultPosition(getAffineDimExpr(l, ctx));
      if (!pos)
        return obstacle(raw, Value(),
                        "an output does not span a parallel loop");
      loopExprs[l] = loopExprsNoRed[l] = getAffineDimExpr(*pos, ctx);
    }
    if (!outMap.isProjectedPermutation())
      return obstacle(raw, Value(), "an output map is not a permutation");

    const ScalarExpr &y =
        scalars.lookup(yield->getOperand(result.getResultNumber()));
    AffineForm form;
    form.homogeneous = y.dependent && y.homogeneous;
    bool sawAccumulator = false;
    for (auto [sym, mono] : y.linear) {
      OpOperand *operand = op.getMatchingOpOperand(block->getArgument(sym));
      bool isAccumulator = operand == init;
      if (op.isDpsInit(operand) && !isAccumulator)
        return obstacle(raw, Value(), "an output reads another output");
      bool direct = isAccumulator && hasReduction;
      if (direct) {
        if (sawAccumulator || mono.scale != 1.0 || !mono.factors.empty())
          return obstacle(raw, Value(),
                          "the reduction is not a sum of products");
        sawAccumulator = true;
      }
      Value v = operand->get();
      if (!dependent(v))
        continue;
      AffineMap opMap = op.getMatchingIndexingMap(operand);
      ArrayRef<AffineExpr> exprs = direct ? loopExprsNoRed : loopExprs;
      unsigned red = direct ? 0 : numRed;
      for (const LinearTerm &term : formOf(v).terms) {
        unsigned numDims = rankOut + red + term.numReductions;
        AffineMap loops = AffineMap::get(numDims, 0, exprs, ctx);
        AffineMap index = opMap.compose(loops);
        SmallVector<AffineExpr> sub(index.getResults());
        for (unsigned j = 0; j < term.numReductions; ++j)
          sub.push_back(getAffineDimExpr(rankOut + red + j, ctx));
        LinearTerm t = substitute(term, AffineMap::get(numDims, 0, sub, ctx),
                                  red + term.numReductions);
        t.scale *= mono.scale;
        for (const AffineFactor &f : mono.factors)
          t.factors.push_back(
              {f.value, simplifyAffineMap(f.map.compose(loops)), f.reciprocal});
        form.terms.push_back(std::move(t));
      }
    }
    if (hasReduction && y.dependent && !sawAccumulator)
      return obstacle(raw, Value(), "the reduction is not a sum of products");
    // out + (terms that vanish at h = 0): the accumulator at h = 0.
    if (sawAccumulator && y.homogeneousButAccumulator && !form.homogeneous)
      form.offset = init->get();
    if (auto o = setForm(raw, result, std::move(form)))
      return o;
  }
  return std::nullopt;
}

} // namespace

//===----------------------------------------------------------------------===//
// AffineDecomposition
//===----------------------------------------------------------------------===//

AffineDecomposition::AffineDecomposition(RecurrenceOp op)
    : op(op), dependence(op) {
  computeForms();
  computeSystems();
}

void AffineDecomposition::computeForms() {
  Block &body = op.getBodyBlock();
  unsigned numStates = op.getNumStates();
  for (unsigned s = 0; s < numStates; ++s) {
    Value arg = body.getArgument(s);
    LinearTerm term;
    term.state = s;
    term.stateMap =
        AffineMap::getMultiDimIdentityMap(getRank(arg), op.getContext());
    forms[arg].terms.push_back(term);
    forms[arg].homogeneous = true;
  }
  FormBuilder builder(body, dependence, forms, valueObstacles);
  for (Operation &inner : body.without_terminator()) {
    if (isa<tensor::DimOp>(inner) || dependence.getStatesReadBy(&inner).none())
      continue;
    if (std::optional<AffineObstacle> o = builder.transfer(inner))
      for (Value result : inner.getResults()) {
        forms.erase(result);
        valueObstacles[result] = *o;
      }
  }
  obstacles.assign(numStates, std::nullopt);
  for (unsigned s = 0; s < numStates; ++s) {
    Value next = op.getYield().getValues()[s];
    if (getForm(next))
      continue;
    auto it = valueObstacles.find(next);
    if (it != valueObstacles.end())
      obstacles[s] = it->second;
    else
      obstacles[s] = AffineObstacle{op, s, "the next state is not traced"};
  }
}

bool AffineDecomposition::isAffine() const {
  return llvm::none_of(obstacles, [](const auto &o) { return o.has_value(); });
}

bool AffineDecomposition::isLinearizable() const {
  return isAffine() && llvm::all_of(systems, [](const LinearSystem &s) {
           return s.isSupported();
         });
}

std::optional<AffineObstacle> AffineDecomposition::getFirstObstacle() const {
  for (const auto &o : obstacles)
    if (o)
      return o;
  return std::nullopt;
}

const AffineForm *AffineDecomposition::getForm(Value value) const {
  auto it = forms.find(value);
  if (it != forms.end())
    return &it->second;
  if (valueObstacles.count(value) || dependence.dependsOnState(value))
    return nullptr;
  return &emptyForm;
}

const AffineForm *AffineDecomposition::getNextStateForm(unsigned state) const {
  return getForm(RecurrenceOp(op).getYield().getValues()[state]);
}

const LinearSystem &AffineDecomposition::getSystemOf(unsigned state) const {
  for (const LinearSystem &system : systems)
    if (llvm::is_contained(system.states, state))
      return system;
  llvm_unreachable("state in no system");
}

void AffineDecomposition::computeSystems() {
  if (!isAffine())
    return;
  unsigned numStates = op.getNumStates();
  // Connected components of "next state p reads state q".
  SmallVector<unsigned> leader(numStates);
  std::iota(leader.begin(), leader.end(), 0);
  auto find = [&](unsigned s) {
    while (leader[s] != s)
      s = leader[s];
    return s;
  };
  for (unsigned p = 0; p < numStates; ++p)
    for (const LinearTerm &term : getNextStateForm(p)->terms) {
      unsigned a = find(p), b = find(term.state);
      if (a != b)
        leader[std::max(a, b)] = std::min(a, b);
    }
  for (unsigned s = 0; s < numStates; ++s) {
    if (find(s) != s)
      continue;
    LinearSystem system;
    for (unsigned t = s; t < numStates; ++t)
      if (find(t) == s)
        system.states.push_back(t);
    classify(system);
    systems.push_back(std::move(system));
  }
}

//===----------------------------------------------------------------------===//
// Classification
//===----------------------------------------------------------------------===//

namespace {

/// How one term reads the state: at its own index (a diagonal term), or at
/// its own index but in one dimension, `mixedDim`, where it reads at the
/// reduction `mixVar` (a matrix term).
struct TermShape {
  int64_t mixedDim = -1;
  int64_t mixVar = -1;
  /// The term's dimensions the factors depend on.
  llvm::SmallBitVector used;
};

FailureOr<TermShape> analyzeTerm(const LinearTerm &term,
                                 ArrayRef<int64_t> stateShape,
                                 std::string &why) {
  unsigned rank = stateShape.size();
  unsigned numDims = rank + term.numReductions;
  TermShape shape;
  shape.used.resize(numDims);
  for (unsigned e = 0; e < rank; ++e) {
    AffineExpr expr = term.stateMap.getResult(e);
    if (expr == getAffineDimExpr(e, expr.getContext()))
      continue;
    auto cst = dyn_cast<AffineConstantExpr>(expr);
    if (cst && cst.getValue() == 0 && stateShape[e] == 1)
      continue;
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (!dim || dim.getPosition() < rank || shape.mixedDim >= 0) {
      why = "a term reads the state at an index the transition structures "
            "cannot express";
      return failure();
    }
    shape.mixedDim = e;
    shape.mixVar = dim.getPosition();
  }
  llvm::SmallBitVector spanned(numDims);
  for (const AffineFactor &f : term.factors)
    for (unsigned d = 0; d < numDims; ++d) {
      if (f.map.isFunctionOfDim(d))
        shape.used.set(d);
      if (llvm::is_contained(f.map.getResults(),
                             getAffineDimExpr(d, f.map.getContext())))
        spanned.set(d);
    }
  for (unsigned d = rank; d < numDims; ++d)
    if ((int64_t)d != shape.mixVar && !spanned.test(d)) {
      why = "a term sums over a dimension no coefficient spans";
      return failure();
    }
  return shape;
}

} // namespace

void AffineDecomposition::classify(LinearSystem &system) {
  int64_t timeAxis = op.getTimeAxis();
  bool hasLens = static_cast<bool>(op.getSeqLens());
  auto stateType = [&](unsigned s) {
    return cast<RankedTensorType>(op.getInits()[s].getType());
  };
  RankedTensorType type = stateType(system.states[0]);
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = type.getRank();

  if (!isa<FloatType>(type.getElementType())) {
    system.unsupported = "the state's element type is not a float";
    return;
  }
  // Analyze every term of every next state of the system.
  int64_t mixedDim = -1;
  llvm::SmallBitVector used(rank);
  SmallVector<std::pair<const LinearTerm *, TermShape>> terms;
  for (unsigned p : system.states) {
    if (stateType(p) != type) {
      system.unsupported = "coupled states #" +
                           std::to_string(system.states[0]) + " and #" +
                           std::to_string(p) + " have different types";
      return;
    }
    for (const LinearTerm &term : getNextStateForm(p)->terms) {
      FailureOr<TermShape> ts = analyzeTerm(term, shape, system.unsupported);
      if (failed(ts))
        return;
      if (ts->mixedDim >= 0) {
        if (mixedDim >= 0 && mixedDim != ts->mixedDim) {
          system.unsupported =
              "the transition mixes more than one dimension of the state";
          return;
        }
        mixedDim = ts->mixedDim;
      }
      for (int64_t e = 0; e < rank; ++e)
        if (ts->used.test(e))
          used.set(e);
      terms.push_back({&term, *ts});
    }
  }
  int64_t lastUsed = used.find_last();

  if (system.isStacked()) {
    if (mixedDim >= 0) {
      system.unsupported = "coupled states whose transition mixes dimensions "
                           "of the state";
      return;
    }
    // Stack the states on a new dimension right after the dimensions the
    // coefficients depend on: a small dense block per element.
    int64_t p = lastUsed + 1;
    if (hasLens)
      p = std::max<int64_t>(p, 1);
    if (p + 2 < timeAxis)
      p = std::min<int64_t>(rank, timeAxis - 2);
    if (p + 2 < timeAxis || rank + 1 < timeAxis) {
      system.unsupported = "the time axis lies past the coefficients' rank";
      return;
    }
    system.structure = Structure::dense;
    system.batchDims = p;
    system.stackDim = p;
    return;
  }

  if (rank < timeAxis) {
    system.unsupported = "the time axis lies past the state's rank";
    return;
  }
  if (mixedDim < 0) {
    int64_t bd = lastUsed + 1;
    if (bd < rank && bd < timeAxis)
      bd = std::min<int64_t>(timeAxis, rank);
    if (bd == rank) {
      system.structure = Structure::diagonal;
      system.batchDims = 0;
    } else {
      system.structure = Structure::scalar;
      system.batchDims = bd;
    }
    return;
  }

  // A matrix acting on `mixedDim`: the dimensions before it, and those the
  // coefficients depend on, are the batch; the rest are columns.
  SmallVector<int64_t> perm, rest;
  for (int64_t e = 0; e < rank; ++e) {
    if (e == mixedDim)
      continue;
    if (e < mixedDim || used.test(e))
      perm.push_back(e);
    else
      rest.push_back(e);
  }
  int64_t bd = perm.size();
  perm.push_back(mixedDim);
  perm.append(rest);
  bool identity = llvm::all_of(llvm::enumerate(perm), [](auto pe) {
    return (int64_t)pe.index() == pe.value();
  });
  if (hasLens && perm[0] != 0) {
    system.unsupported = "the state needs its batch dimension moved, but "
                         "seq_lens needs it first";
    return;
  }
  if (bd + 2 < timeAxis) {
    system.unsupported = "the time axis lies past the coefficients' rank";
    return;
  }
  system.batchDims = bd;
  system.mixedDim = mixedDim;
  if (!identity)
    system.permutation.assign(perm.begin(), perm.end());

  // I + u v^T: one diagonal term that is the state itself, and matrix terms
  // whose factors each depend on the row or the column, not both.
  unsigned numDiagonal = 0, numMatrix = 0;
  bool lowRank = true;
  for (auto &[term, ts] : terms) {
    if (ts.mixedDim < 0) {
      ++numDiagonal;
      lowRank &= term->factors.empty() && term->scale == 1.0 &&
                 term->numReductions == 0;
      continue;
    }
    ++numMatrix;
    lowRank &= term->numReductions == 1;
    for (const AffineFactor &f : term->factors)
      lowRank &= !(f.map.isFunctionOfDim(mixedDim) &&
                   f.map.isFunctionOfDim(ts.mixVar));
  }
  lowRank &= numDiagonal == 1;
  int64_t n = shape[mixedDim];
  if (lowRank && (ShapedType::isDynamic(n) || (int64_t)numMatrix < n)) {
    system.structure = Structure::identity_plus_low_rank;
    system.rank = numMatrix;
  } else {
    system.structure = Structure::dense;
  }
}

//===----------------------------------------------------------------------===//
// Materialization
//===----------------------------------------------------------------------===//

namespace {

/// Zeros of element type `elem` and sizes `sizes`.
Value zeros(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
            Type elem) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elem);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// acc + sum over the loops past acc's rank of scale * prod(factors), one
/// linalg.generic over `numLoops` loops; `sub` maps the loops to the term's
/// dimensions (every factor map is over the term's dimensions). With
/// `diagonal`, only where loop first == loop second (zero elsewhere).
Value accumulate(OpBuilder &b, Location loc, Value acc, unsigned numLoops,
                 AffineMap sub, ArrayRef<AffineFactor> factors, double scale,
                 const IRMapping &mapping,
                 std::optional<std::pair<unsigned, unsigned>> diagonal) {
  MLIRContext *ctx = b.getContext();
  unsigned numOut = getRank(acc);
  // A coefficient that is one factor as it is: no need to copy it.
  if (factors.size() == 1 && !factors[0].reciprocal && scale == 1.0 &&
      !diagonal && numLoops == numOut && isZeroTensor(acc)) {
    Value v = mapping.lookup(factors[0].value);
    if (v.getType() == acc.getType() &&
        simplifyAffineMap(factors[0].map.compose(sub)).isIdentity())
      return v;
  }
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  // Per factor: its input position, or -1 for a scalar used directly.
  SmallVector<int64_t> inputIndex;
  for (const AffineFactor &f : factors) {
    Value v = mapping.lookup(f.value);
    if (isa<ShapedType>(v.getType())) {
      inputIndex.push_back(inputs.size());
      inputs.push_back(v);
      maps.push_back(simplifyAffineMap(f.map.compose(sub)));
    } else {
      inputIndex.push_back(-1);
    }
  }
  maps.push_back(leadingDims(numLoops, numOut, ctx));
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::parallel);
  for (unsigned l = numOut; l < numLoops; ++l)
    iterators[l] = utils::IteratorType::reduction;
  Type elem = cast<RankedTensorType>(acc.getType()).getElementType();
  auto generic = linalg::GenericOp::create(
      b, loc, acc.getType(), inputs, ValueRange{acc}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value prod;
        for (auto [f, idx] : llvm::zip(factors, inputIndex)) {
          Value v = idx >= 0 ? args[idx] : mapping.lookup(f.value);
          if (!prod && !f.reciprocal) {
            prod = v;
            continue;
          }
          if (!prod)
            prod =
                arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, 1.0));
          if (f.reciprocal)
            prod = arith::DivFOp::create(nb, nloc, prod, v);
          else
            prod = arith::MulFOp::create(nb, nloc, prod, v);
        }
        if (!prod)
          prod =
              arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, scale));
        else if (scale == -1.0)
          prod = arith::NegFOp::create(nb, nloc, prod);
        else if (scale != 1.0)
          prod = arith::MulFOp::create(
              nb, nloc,
              arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, scale)),
              prod);
        if (diagonal) {
          Value i = linalg::IndexOp::create(nb, nloc, diagonal->first);
          Value j = linalg::IndexOp::create(nb, nloc, diagonal->second);
          Value same =
              arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq, i, j);
          Value zero =
              arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem));
          prod = arith::SelectOp::create(nb, nloc, same, prod, zero);
        }
        Value sum = arith::AddFOp::create(nb, nloc, args.back(), prod);
        linalg::YieldOp::create(nb, nloc, sum);
      });
  return generic.getResult(0);
}

/// The reduction at which `term` reads state dimension `d`, or -1 when it
/// reads it at its own index.
int64_t getMixVar(const LinearTerm &term, int64_t d, int64_t rank) {
  auto dim = dyn_cast<AffineDimExpr>(term.stateMap.getResult(d));
  if (dim && dim.getPosition() >= rank)
    return dim.getPosition();
  return -1;
}

/// The substitution loops -> term dimensions: term dimension d reads loop
/// `loopOf[d]` (or the constant 0 when negative: a dimension no factor
/// depends on).
AffineMap substitution(unsigned numLoops, ArrayRef<int64_t> loopOf,
                       MLIRContext *ctx) {
  SmallVector<AffineExpr> exprs;
  for (int64_t l : loopOf)
    exprs.push_back(l < 0 ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(l, ctx));
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

/// Writes `part` (shape [lead...]) into `dest` ([lead..., m, m'] or
/// [lead..., m]) at the trailing positions `at`.
Value insertTrailing(OpBuilder &b, Location loc, Value part, Value dest,
                     ArrayRef<int64_t> at) {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  unsigned lead = getRank(part);
  for (unsigned d = 0; d < lead; ++d) {
    offsets.push_back(b.getIndexAttr(0));
    sizes.push_back(tensor::getMixedSize(b, loc, part, d));
    strides.push_back(b.getIndexAttr(1));
  }
  for (int64_t p : at) {
    offsets.push_back(b.getIndexAttr(p));
    sizes.push_back(b.getIndexAttr(1));
    strides.push_back(b.getIndexAttr(1));
  }
  return tensor::InsertSliceOp::create(b, loc, part, dest, offsets, sizes,
                                       strides);
}

} // namespace

SmallVector<Value> AffineDecomposition::materializeCoefficients(
    OpBuilder &b, Location loc, const LinearSystem &system,
    const IRMapping &mapping, ValueRange stateShapes) const {
  MLIRContext *ctx = b.getContext();
  unsigned s0 = system.states[0];
  Value like = stateShapes[s0];
  auto type = cast<RankedTensorType>(like.getType());
  Type elem = type.getElementType();
  int64_t rank = type.getRank();
  auto size = [&](int64_t d) { return tensor::getMixedSize(b, loc, like, d); };
  auto leading = [&](int64_t count) {
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < count; ++d)
      sizes.push_back(size(d));
    return sizes;
  };

  // Coefficients that multiply the state at its own index, depending on
  // its first `numOut` dimensions only.
  auto elementwise = [&](Value acc, const LinearTerm &term, int64_t numOut) {
    unsigned numLoops = numOut + term.numReductions;
    SmallVector<int64_t> loopOf;
    for (int64_t e = 0; e < rank; ++e)
      loopOf.push_back(e < numOut ? e : -1);
    for (unsigned j = 0; j < term.numReductions; ++j)
      loopOf.push_back(numOut + j);
    return accumulate(b, loc, acc, numLoops,
                      substitution(numLoops, loopOf, ctx), term.factors,
                      term.scale, mapping, std::nullopt);
  };

  if (system.isStacked()) {
    int64_t p = system.stackDim, m = system.states.size();
    SmallVector<OpFoldResult> aSizes = leading(p);
    aSizes.append({b.getIndexAttr(m), b.getIndexAttr(m)});
    Value a = zeros(b, loc, aSizes, elem);
    for (auto [row, target] : llvm::enumerate(system.states))
      for (auto [col, source] : llvm::enumerate(system.states)) {
        Value entry;
        for (const LinearTerm &term : getNextStateForm(target)->terms) {
          if (term.state != source)
            continue;
          if (!entry)
            entry = zeros(b, loc, leading(p), elem);
          entry = elementwise(entry, term, p);
        }
        if (entry)
          a = insertTrailing(b, loc, entry, a, {(int64_t)row, (int64_t)col});
      }
    return {a};
  }

  const AffineForm &form = *getNextStateForm(s0);
  switch (system.structure) {
  case Structure::scalar:
  case Structure::diagonal: {
    int64_t numOut =
        system.structure == Structure::diagonal ? rank : system.batchDims;
    Value acc = zeros(b, loc, leading(numOut), elem);
    for (const LinearTerm &term : form.terms)
      acc = elementwise(acc, term, numOut);
    return {acc};
  }
  case Structure::dense:
  case Structure::identity_plus_low_rank: {
    int64_t bd = system.batchDims, d = system.mixedDim;
    SmallVector<int64_t> perm(system.permutation.begin(),
                              system.permutation.end());
    if (perm.empty()) {
      perm.resize(rank);
      std::iota(perm.begin(), perm.end(), 0);
    }
    // Where each state dimension goes among the loops: batch dimensions to
    // their position, the mixed one to `rowLoop`, the columns nowhere.
    auto stateLoops = [&](int64_t rowLoop) {
      SmallVector<int64_t> loopOf(rank, -1);
      for (int64_t i = 0; i < bd; ++i)
        loopOf[perm[i]] = i;
      loopOf[d] = rowLoop;
      return loopOf;
    };
    SmallVector<OpFoldResult> batchSizes;
    for (int64_t i = 0; i < bd; ++i)
      batchSizes.push_back(size(perm[i]));
    OpFoldResult n = size(d);

    if (system.structure == Structure::dense) {
      SmallVector<OpFoldResult> aSizes(batchSizes);
      aSizes.append({n, n});
      Value a = zeros(b, loc, aSizes, elem);
      for (const LinearTerm &term : form.terms) {
        SmallVector<int64_t> loopOf = stateLoops(bd);
        int64_t mixVar = getMixVar(term, d, rank);
        unsigned next = bd + 2;
        for (unsigned j = 0; j < term.numReductions; ++j)
          loopOf.push_back(rank + j == mixVar ? bd + 1 : next++);
        std::optional<std::pair<unsigned, unsigned>> diag;
        if (mixVar < 0)
          diag = std::make_pair((unsigned)bd, (unsigned)bd + 1);
        a = accumulate(b, loc, a, next, substitution(next, loopOf, ctx),
                       term.factors, term.scale, mapping, diag);
      }
      return {a};
    }

    // identity_plus_low_rank: each matrix term is one rank-1 column pair.
    SmallVector<OpFoldResult> colSizes(batchSizes);
    colSizes.push_back(n);
    SmallVector<OpFoldResult> uvSizes(colSizes);
    uvSizes.push_back(b.getIndexAttr(system.rank));
    Value u = tensor::EmptyOp::create(b, loc, uvSizes, elem);
    Value v = tensor::EmptyOp::create(b, loc, uvSizes, elem);
    int64_t col = 0;
    for (const LinearTerm &term : form.terms) {
      int64_t mixVar = getMixVar(term, d, rank);
      if (mixVar < 0)
        continue; // the identity
      SmallVector<AffineFactor> rowFactors, colFactors;
      for (const AffineFactor &f : term.factors)
        (f.map.isFunctionOfDim(mixVar) ? colFactors : rowFactors).push_back(f);
      // u: the row index is the mixed dimension; v: the reduction.
      SmallVector<int64_t> rowLoops = stateLoops(bd);
      rowLoops.push_back(-1);
      SmallVector<int64_t> colLoops = stateLoops(-1);
      colLoops.push_back(bd);
      Value uCol = accumulate(b, loc, zeros(b, loc, colSizes, elem), bd + 1,
                              substitution(bd + 1, rowLoops, ctx), rowFactors,
                              term.scale, mapping, std::nullopt);
      Value vCol = accumulate(b, loc, zeros(b, loc, colSizes, elem), bd + 1,
                              substitution(bd + 1, colLoops, ctx), colFactors,
                              1.0, mapping, std::nullopt);
      u = insertTrailing(b, loc, uCol, u, {col});
      v = insertTrailing(b, loc, vCol, v, {col});
      ++col;
    }
    return {u, v};
  }
  case Structure::block_diagonal:
    break;
  }
  llvm_unreachable("no materialization for this structure");
}

//===----------------------------------------------------------------------===//
// Layout
//===----------------------------------------------------------------------===//

RankedTensorType
AffineDecomposition::getScanStateType(const LinearSystem &system) const {
  auto type = cast<RankedTensorType>(
      RecurrenceOp(op).getInits()[system.states[0]].getType());
  SmallVector<int64_t> shape(type.getShape());
  if (system.isStacked())
    shape.insert(shape.begin() + system.stackDim, system.states.size());
  else if (system.isPermuted())
    for (auto [i, p] : llvm::enumerate(system.permutation))
      shape[i] = type.getDimSize(p);
  return RankedTensorType::get(shape, type.getElementType());
}

/// The permutation of a stacked tensor (time axis at `timeAxis`, or none
/// when negative) that applies the state permutation `perm` to its state
/// dimensions; `inverse` for the way back.
static SmallVector<int64_t> stackedPermutation(ArrayRef<int64_t> perm,
                                               int64_t timeAxis, bool inverse) {
  SmallVector<int64_t> state(perm);
  if (inverse) {
    state.assign(perm.size(), 0);
    for (auto [i, p] : llvm::enumerate(perm))
      state[p] = i;
  }
  if (timeAxis < 0)
    return state;
  SmallVector<int64_t> full;
  for (int64_t j = 0, e = state.size() + 1; j < e; ++j) {
    if (j == timeAxis) {
      full.push_back(timeAxis);
      continue;
    }
    int64_t src = state[j < timeAxis ? j : j - 1];
    full.push_back(src < timeAxis ? src : src + 1);
  }
  return full;
}

static Value transpose(OpBuilder &b, Location loc, Value v,
                       ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t p : perm)
    sizes.push_back(tensor::getMixedSize(b, loc, v, p));
  Value init = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, perm)->getResult(0);
}

Value AffineDecomposition::packStates(OpBuilder &b, Location loc,
                                      const LinearSystem &system,
                                      ValueRange values,
                                      int64_t timeAxis) const {
  if (system.isPermuted())
    return transpose(
        b, loc, values[0],
        stackedPermutation(system.permutation, timeAxis, /*inverse=*/false));
  if (!system.isStacked())
    return values[0];
  int64_t at = system.stackDim;
  if (timeAxis >= 0 && timeAxis <= at)
    ++at;
  auto type = cast<RankedTensorType>(values[0].getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, values[0]);
  sizes.insert(sizes.begin() + at, b.getIndexAttr(values.size()));
  Value packed = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  for (auto [k, v] : llvm::enumerate(values)) {
    SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> partSizes(sizes);
    SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
    offsets[at] = b.getIndexAttr(k);
    partSizes[at] = b.getIndexAttr(1);
    packed = tensor::InsertSliceOp::create(b, loc, v, packed, offsets,
                                           partSizes, strides);
  }
  return packed;
}

SmallVector<Value> AffineDecomposition::unpackStates(OpBuilder &b, Location loc,
                                                     const LinearSystem &system,
                                                     Value packed,
                                                     int64_t timeAxis) const {
  if (system.isPermuted())
    return {transpose(
        b, loc, packed,
        stackedPermutation(system.permutation, timeAxis, /*inverse=*/true))};
  if (!system.isStacked())
    return {packed};
  int64_t at = system.stackDim;
  if (timeAxis >= 0 && timeAxis <= at)
    ++at;
  auto type = cast<RankedTensorType>(packed.getType());
  SmallVector<int64_t> partShape(type.getShape());
  partShape.erase(partShape.begin() + at);
  auto partType = RankedTensorType::get(partShape, type.getElementType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, packed);
  sizes[at] = b.getIndexAttr(1);
  SmallVector<Value> parts;
  for (unsigned k = 0; k < system.states.size(); ++k) {
    SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
    offsets[at] = b.getIndexAttr(k);
    parts.push_back(tensor::ExtractSliceOp::create(b, loc, partType, packed,
                                                   offsets, sizes, strides));
  }
  return parts;
}

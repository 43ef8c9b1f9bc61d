//===- DecomposeCells.cpp - named cells into generic recurrences ----------===//
//
// Rewrites recur.lstm, recur.gru and recur.rnn into recur.recurrence ops
// whose bodies spell out ONNX's equations (opset 14), one recurrence per
// direction, so every later pass sees plain tensor math and never needs to
// know what an LSTM is.
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurCells.h"
#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/TimeSlicing.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace recur {
#define GEN_PASS_DEF_RECURDECOMPOSECELLS
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;
using namespace recur;

namespace {

//===----------------------------------------------------------------------===//
// Tensor math
//===----------------------------------------------------------------------===//

/// Builds elementwise arithmetic on whole tensors, with scalar constants
/// splatted to an operand's shape. Shapes may have a dynamic batch, so every
/// splat and every fresh tensor takes its sizes from a value, never from a
/// type alone.
class TensorMath {
public:
  TensorMath(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// `value` in every element of a tensor shaped like `like`.
  Value splat(double value, Value like) {
    Type elemType = cast<RankedTensorType>(like.getType()).getElementType();
    Value scalar = arith::ConstantOp::create(b, loc, elemType,
                                             b.getFloatAttr(elemType, value));
    return tensor::SplatOp::create(b, loc, scalar,
                                   tensor::getMixedSizes(b, loc, like));
  }

  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value max(Value x, Value y) {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  Value min(Value x, Value y) {
    return arith::MinimumFOp::create(b, loc, x, y);
  }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  Value tanh(Value x) { return math::TanhOp::create(b, loc, x); }
  /// `c * x`.
  Value scale(double c, Value x) { return mul(splat(c, x), x); }
  /// `cond ? x : y` with `cond` elementwise `x pred c`.
  Value selectIf(arith::CmpFPredicate pred, Value x, double c, Value onTrue,
                 Value onFalse) {
    Value cond = arith::CmpFOp::create(b, loc, pred, x, splat(c, x));
    return arith::SelectOp::create(b, loc, cond, onTrue, onFalse);
  }

  /// 1 / (1 + exp(-x)), spelled out: there is no sigmoid op every backend
  /// lowers.
  Value sigmoid(Value x) {
    Value one = splat(1.0, x);
    return div(one, add(one, exp(arith::NegFOp::create(b, loc, x))));
  }

  /// One of ONNX's activation functions, with its alpha and beta settled.
  Value activate(const ResolvedActivation &act, Value x) {
    double alpha = act.alpha, beta = act.beta;
    using P = arith::CmpFPredicate;
    switch (act.kind) {
    case Activation::Relu:
      return max(x, splat(0.0, x));
    case Activation::Tanh:
      return tanh(x);
    case Activation::Sigmoid:
      return sigmoid(x);
    case Activation::Affine:
      return add(scale(alpha, x), splat(beta, x));
    case Activation::LeakyRelu:
      return selectIf(P::OGE, x, 0.0, x, scale(alpha, x));
    case Activation::ThresholdedRelu:
      return selectIf(P::OGT, x, alpha, x, splat(0.0, x));
    case Activation::ScaledTanh:
      return scale(alpha, tanh(scale(beta, x)));
    case Activation::HardSigmoid:
      return min(splat(1.0, x),
                 max(splat(0.0, x), add(scale(alpha, x), splat(beta, x))));
    case Activation::Elu:
      return selectIf(P::OGE, x, 0.0, x,
                      scale(alpha, sub(exp(x), splat(1.0, x))));
    case Activation::Softsign:
      return div(x, add(splat(1.0, x), math::AbsFOp::create(b, loc, x)));
    case Activation::Softplus:
      // log(1 + e^x); log1p keeps the small values e^x has for negative x.
      return math::Log1pOp::create(b, loc, exp(x));
    }
    llvm_unreachable("unknown activation");
  }

  /// Clamps `x` to [-clip, clip] when the cell has a clip.
  Value clamp(Value x, std::optional<double> clip) {
    if (!clip)
      return x;
    return min(max(x, splat(-*clip, x)), splat(*clip, x));
  }

  /// A zero tensor of the given sizes (a dynamic batch among them).
  Value zeros(ArrayRef<OpFoldResult> sizes, Type elemType) {
    Value empty = tensor::EmptyOp::create(b, loc, sizes, elemType);
    Value zero = arith::ConstantOp::create(b, loc, elemType,
                                           b.getFloatAttr(elemType, 0.0));
    return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  }

  /// [M, K] x [K, N] -> [M, N]; M may be dynamic (the batch).
  Value matmul(Value lhs, Value rhs) {
    Type elemType = cast<RankedTensorType>(lhs.getType()).getElementType();
    OpFoldResult m = tensor::getMixedSize(b, loc, lhs, 0);
    OpFoldResult n = tensor::getMixedSize(b, loc, rhs, 1);
    Value init = zeros({m, n}, elemType);
    return linalg::MatmulOp::create(b, loc, ValueRange{lhs, rhs},
                                    ValueRange{init})
        .getResult(0);
  }

  /// The row vector `v` ([N]) repeated on every row of a [B, N] tensor
  /// shaped like `like`.
  Value rows(Value v, Value like) {
    Type elemType = cast<RankedTensorType>(like.getType()).getElementType();
    Value init = tensor::EmptyOp::create(
        b, loc, tensor::getMixedSizes(b, loc, like), elemType);
    return linalg::BroadcastOp::create(b, loc, v, init, ArrayRef<int64_t>{0})
        .getResult()[0];
  }

  /// `m` ([B, N]) plus the row vector `v` ([N]) on every row; `v` may be null
  /// (an absent bias).
  Value addRow(Value m, Value v) { return v ? add(m, rows(v, m)) : m; }

  /// The `count` entries of `value` from `begin` along `dim`, other
  /// dimensions whole.
  Value slice(Value value, int64_t dim, int64_t begin, int64_t count) {
    int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
    SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
    offsets[dim] = b.getIndexAttr(begin);
    sizes[dim] = b.getIndexAttr(count);
    return tensor::ExtractSliceOp::create(b, loc, value, offsets, sizes,
                                          strides);
  }

  /// Gate `k` of a pre-activation [B, G*H]: columns [k*H, (k+1)*H).
  Value gate(Value pre, unsigned k, int64_t hidden) {
    return slice(pre, 1, k * hidden, hidden);
  }

  /// Entry `index` of `value` along `dim`, that dimension dropped.
  Value select(Value value, int64_t dim, int64_t index) {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    offsets[dim] = b.getIndexAttr(index);
    sizes[dim] = b.getIndexAttr(1);
    SmallVector<int64_t> shape(type.getShape());
    shape.erase(shape.begin() + dim);
    auto resultType = RankedTensorType::get(shape, type.getElementType());
    return tensor::ExtractSliceOp::create(b, loc, resultType, value, offsets,
                                          sizes, strides);
  }

  /// [N, K] -> [K, N].
  Value transpose(Value m) {
    Type elemType = cast<RankedTensorType>(m.getType()).getElementType();
    Value init = tensor::EmptyOp::create(b, loc,
                                         {tensor::getMixedSize(b, loc, m, 1),
                                          tensor::getMixedSize(b, loc, m, 0)},
                                         elemType);
    return linalg::TransposeOp::create(b, loc, m, init, ArrayRef<int64_t>{1, 0})
        ->getResult(0);
  }

  /// `value` as `type` (a tensor.cast where the static sizes differ).
  Value castTo(Value value, Type type) {
    if (value.getType() == type)
      return value;
    return tensor::CastOp::create(b, loc, type, value);
  }

private:
  OpBuilder &b;
  Location loc;
};

//===----------------------------------------------------------------------===//
// One direction of a cell
//===----------------------------------------------------------------------===//

/// The weights one direction's steps read, prepared outside the recurrence
/// (sliced to the direction and transposed once, not at every step) and
/// captured by it. Null members are absent.
struct StepWeights {
  Value wT;         // [I, G*H]
  Value rT;         // [H, G*H]; GRU without linear_before_reset: [H, 2H] (z, r)
  Value rhT;        // GRU without linear_before_reset: [H, H] (h)
  Value wBias;      // [G*H]
  Value rBias;      // [G*H]; GRU without linear_before_reset: [2H] (z, r)
  Value rhBias;     // GRU without linear_before_reset: [H] (h)
  Value pi, po, pf; // LSTM peepholes, [H] each

  /// The members in the order they are captured.
  SmallVector<Value *> members() {
    return {&wT, &rT, &rhT, &wBias, &rBias, &rhBias, &pi, &po, &pf};
  }
};

/// What one step of a cell reads: its states, the step's input slice, the
/// direction's weights and its activations (f, g, h in ONNX's order).
struct StepInputs {
  ValueRange states;
  Value x;
  StepWeights weights;
  ArrayRef<ResolvedActivation> acts;
  std::optional<double> clip;
  int64_t hidden;
};

/// Builds one step from inside the recurrence body: returns the next states,
/// then the step output (the new hidden state).
using StepBuilder =
    llvm::function_ref<SmallVector<Value>(TensorMath &, const StepInputs &)>;

/// The facts of a cell op the shared rewrite needs.
struct CellDescription {
  Value x, w, r, bias, seqLens, peepholes;
  /// initial_h (and initial_c), each possibly null.
  SmallVector<Value> initialStates;
  int64_t hidden, numGates, layout;
  unsigned numDirections;
  Direction direction;
  std::optional<double> clip;
  SmallVector<ResolvedActivation> acts;
  /// GRU without linear_before_reset: the h gate's recurrent weights and bias
  /// act on rt (.) Ht-1, not on Ht-1, so they are captured apart.
  bool splitRecurrentH = false;
};

/// Slices direction `d`'s weights out of the cell's operands, transposed for
/// [B, K] x [K, N] matmuls.
StepWeights prepareWeights(TensorMath &m, const CellDescription &cell,
                           unsigned d) {
  int64_t h = cell.hidden, gh = cell.numGates * h;
  Type elemType = cast<RankedTensorType>(cell.w.getType()).getElementType();
  // The verifier lets w and r have dynamic sizes where x and hidden_size
  // fix them; cast to those, so the step's values keep the states' [B, H].
  int64_t inputSize = cast<RankedTensorType>(cell.x.getType()).getDimSize(2);
  StepWeights wts;
  wts.wT = m.castTo(m.transpose(m.select(cell.w, 0, d)),
                    RankedTensorType::get({inputSize, gh}, elemType));
  Value rT = m.castTo(m.transpose(m.select(cell.r, 0, d)),
                      RankedTensorType::get({h, gh}, elemType));
  if (cell.splitRecurrentH) {
    wts.rT = m.slice(rT, 1, 0, gh - h);
    wts.rhT = m.slice(rT, 1, gh - h, h);
  } else {
    wts.rT = rT;
  }
  if (cell.bias) {
    Value bias = m.select(cell.bias, 0, d);
    wts.wBias = m.slice(bias, 0, 0, gh);
    if (cell.splitRecurrentH) {
      wts.rBias = m.slice(bias, 0, gh, gh - h);
      wts.rhBias = m.slice(bias, 0, 2 * gh - h, h);
    } else {
      wts.rBias = m.slice(bias, 0, gh, gh);
    }
  }
  if (cell.peepholes) {
    Value p = m.select(cell.peepholes, 0, d);
    wts.pi = m.slice(p, 0, 0, h);
    wts.po = m.slice(p, 0, h, h);
    wts.pf = m.slice(p, 0, 2 * h, h);
  }
  return wts;
}

/// Replaces `op` (a cell with results y, y_h[, y_c]) by one recur.recurrence
/// per direction whose body `step` builds, and the reshapes that stack the
/// directions' results along ONNX's num_directions axis.
void rewriteCell(Operation *op, const CellDescription &cell, StepBuilder step,
                 PatternRewriter &rewriter) {
  Location loc = op->getLoc();
  TensorMath m(rewriter, loc);
  auto xType = cast<RankedTensorType>(cell.x.getType());
  Type elemType = xType.getElementType();
  int64_t timeAxis = cell.layout == 0 ? 0 : 1;
  int64_t batchAxis = cell.layout == 0 ? 1 : 0;
  // States are [B, H], B taken from x. Initial states whose static batch
  // differs from x's (one of the two dynamic) are cast to it.
  auto stateType = RankedTensorType::get(
      {xType.getDimSize(batchAxis), cell.hidden}, elemType);
  // Layout 0 keeps directions in dimension 0 of the states, layout 1 in
  // dimension 1 ([B, D, H]).
  int64_t stateDirAxis = cell.layout == 0 ? 0 : 1;
  unsigned numStates = cell.initialStates.size();
  unsigned actsPerDir = cell.acts.size() / cell.numDirections;

  SmallVector<Type> resultTypes(numStates, stateType);
  SmallVector<int64_t> ysShape(xType.getShape());
  ysShape[2] = cell.hidden;
  resultTypes.push_back(RankedTensorType::get(ysShape, elemType));

  SmallVector<SmallVector<Value>> finals(numStates);
  SmallVector<Value> ys;
  for (unsigned d = 0; d < cell.numDirections; ++d) {
    SmallVector<Value> inits;
    for (Value init : cell.initialStates) {
      if (init) {
        inits.push_back(m.castTo(m.select(init, stateDirAxis, d), stateType));
        continue;
      }
      inits.push_back(
          m.zeros({tensor::getMixedSize(rewriter, loc, cell.x, batchAxis),
                   rewriter.getIndexAttr(cell.hidden)},
                  elemType));
    }
    StepWeights outer = prepareWeights(m, cell, d);
    SmallVector<Value> captures;
    for (Value *member : outer.members())
      if (*member)
        captures.push_back(*member);
    bool reverse = cell.direction == Direction::reverse || d == 1;
    auto rec = RecurrenceOp::create(rewriter, loc, resultTypes, inits,
                                    ValueRange{cell.x}, captures, cell.seqLens,
                                    timeAxis, reverse);

    // The body: states, the step's [B, I] slice of x, then the captures.
    SmallVector<Type> argTypes(numStates, stateType);
    argTypes.push_back(getStepType(xType, timeAxis));
    for (Value c : captures)
      argTypes.push_back(c.getType());
    SmallVector<Location> argLocs(argTypes.size(), loc);
    OpBuilder::InsertionGuard guard(rewriter);
    Block *body = rewriter.createBlock(&rec.getBody(), {}, argTypes, argLocs);
    StepInputs in;
    in.states = body->getArguments().take_front(numStates);
    in.x = body->getArgument(numStates);
    in.weights = outer;
    unsigned next = numStates + 1;
    for (Value *member : in.weights.members())
      if (*member)
        *member = body->getArgument(next++);
    in.acts = ArrayRef(cell.acts).slice(d * actsPerDir, actsPerDir);
    in.clip = cell.clip;
    in.hidden = cell.hidden;
    SmallVector<Value> yielded = step(m, in);
    YieldOp::create(rewriter, loc, yielded);
    rewriter.setInsertionPointAfter(rec);

    for (unsigned s = 0; s < numStates; ++s) {
      Value final = rec.getResult(s);
      // ONNX Runtime zeroes y_h and y_c of an entry of length 0, where the
      // recurrence keeps the initial state (no step ran): match it. Without
      // an initial state the two agree.
      if (cell.seqLens && cell.initialStates[s]) {
        Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
        Value ran = createActiveMask(rewriter, loc, cell.seqLens, c0, final);
        final = arith::SelectOp::create(rewriter, loc, ran, final,
                                        createZerosLike(rewriter, loc, final));
      }
      finals[s].push_back(final);
    }
    ys.push_back(rec.getResult(numStates));
  }

  // Stack the directions: y gets a unit direction axis after time (layout 0:
  // [T, 1, B, H]) or after time in [B, T, 1, H] (layout 1); the final states
  // get theirs at stateDirAxis.
  auto stack = [&](ArrayRef<Value> parts, int64_t axis) -> Value {
    SmallVector<Value> expanded;
    for (Value part : parts) {
      auto type = cast<RankedTensorType>(part.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape.insert(shape.begin() + axis, 1);
      // The unit dimension joins the group of the dimension before it, or of
      // the first dimension when it leads.
      SmallVector<ReassociationIndices> groups;
      for (int64_t i = 0; i < type.getRank(); ++i) {
        int64_t out = i < axis ? i : i + 1;
        groups.push_back({out});
      }
      if (axis == 0)
        groups[0].insert(groups[0].begin(), 0);
      else
        groups[axis - 1].push_back(axis);
      expanded.push_back(tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
          part, groups));
    }
    if (expanded.size() == 1)
      return expanded.front();
    return tensor::ConcatOp::create(rewriter, loc, axis, expanded);
  };

  SmallVector<Value> results;
  results.push_back(stack(ys, cell.layout == 0 ? 1 : 2));
  for (unsigned s = 0; s < numStates; ++s)
    results.push_back(stack(finals[s], stateDirAxis));
  for (auto [k, result] : llvm::enumerate(op->getResults()))
    results[k] = m.castTo(results[k], result.getType());
  rewriter.replaceOp(op, results);
}

/// The parts of a CellDescription every cell op fills the same way.
template <typename CellOp>
FailureOr<CellDescription> describeCommon(CellOp op, int64_t numGates,
                                          ArrayRef<StringRef> defaults) {
  // Cannot fail on an op that passed its verifier, which resolves the same.
  FailureOr<SmallVector<ResolvedActivation>> acts = resolveActivations(
      op, op.getActivations(), op.getActivationAlpha(), op.getActivationBeta(),
      defaults, op.getNumDirectionsValue());
  if (failed(acts))
    return failure();
  CellDescription cell;
  cell.x = op.getX();
  cell.w = op.getW();
  cell.r = op.getR();
  cell.bias = op.getBias();
  cell.seqLens = op.getSeqLens();
  cell.initialStates.push_back(op.getInitialH());
  cell.hidden = op.getHiddenSize();
  cell.numGates = numGates;
  cell.layout = op.getLayout();
  cell.numDirections = op.getNumDirectionsValue();
  cell.direction = op.getDirection();
  if (std::optional<APFloat> clip = op.getClip())
    cell.clip = clip->convertToDouble();
  cell.acts = std::move(*acts);
  return cell;
}

//===----------------------------------------------------------------------===//
// The cells' equations
//===----------------------------------------------------------------------===//

/// The two matmuls of a step, biases added: Xt*W^T + Wb and Ht-1*R^T + Rb,
/// both [B, G*H] (the GRU's second without the h gate when it is split off).
struct Projections {
  Value x, h;
};

Projections project(TensorMath &m, const StepInputs &in, Value h) {
  const StepWeights &w = in.weights;
  return {m.addRow(m.matmul(in.x, w.wT), w.wBias),
          m.addRow(m.matmul(h, w.rT), w.rBias)};
}

struct DecomposeRNN : OpRewritePattern<RNNOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RNNOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<CellDescription> cell =
        describeCommon(op, 1, kRNNDefaultActivations);
    if (failed(cell))
      return failure();
    // Ht = f(Xt*Wi^T + Ht-1*Ri^T + Wbi + Rbi)
    auto step = [](TensorMath &m, const StepInputs &in) -> SmallVector<Value> {
      Value h = in.states[0];
      Projections proj = project(m, in, h);
      Value next =
          m.activate(in.acts[0], m.clamp(m.add(proj.x, proj.h), in.clip));
      return {next, next};
    };
    rewriteCell(op, *cell, step, rewriter);
    return success();
  }
};

struct DecomposeGRU : OpRewritePattern<GRUOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GRUOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<CellDescription> cell =
        describeCommon(op, 3, kGRUDefaultActivations);
    if (failed(cell))
      return failure();
    bool linearBeforeReset = op.getLinearBeforeReset();
    cell->splitRecurrentH = !linearBeforeReset;
    // Gates z, r, h. Clip applies to all three pre-activations, the h gate's
    // after the reset gate has been applied (as ONNX Runtime does).
    auto step = [&](TensorMath &m, const StepInputs &in) -> SmallVector<Value> {
      int64_t hs = in.hidden;
      const ResolvedActivation &f = in.acts[0], &g = in.acts[1];
      Value h = in.states[0];
      Projections proj = project(m, in, h);
      auto gateOf = [&](unsigned k) {
        Value pre = m.add(m.gate(proj.x, k, hs), m.gate(proj.h, k, hs));
        return m.activate(f, m.clamp(pre, in.clip));
      };
      Value z = gateOf(0), r = gateOf(1);
      Value hGateIn;
      if (linearBeforeReset) {
        // Xt*Wh^T + Wbh + rt (.) (Ht-1*Rh^T + Rbh)
        hGateIn = m.add(m.gate(proj.x, 2, hs), m.mul(r, m.gate(proj.h, 2, hs)));
      } else {
        // Xt*Wh^T + Wbh + (rt (.) Ht-1)*Rh^T + Rbh
        Value reset =
            m.addRow(m.matmul(m.mul(r, h), in.weights.rhT), in.weights.rhBias);
        hGateIn = m.add(m.gate(proj.x, 2, hs), reset);
      }
      Value candidate = m.activate(g, m.clamp(hGateIn, in.clip));
      // Ht = (1 - zt) (.) ht + zt (.) Ht-1
      Value next =
          m.add(m.mul(m.sub(m.splat(1.0, z), z), candidate), m.mul(z, h));
      return {next, next};
    };
    rewriteCell(op, *cell, step, rewriter);
    return success();
  }
};

struct DecomposeLSTM : OpRewritePattern<LSTMOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LSTMOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<CellDescription> cell =
        describeCommon(op, 4, kLSTMDefaultActivations);
    if (failed(cell))
      return failure();
    cell->initialStates.push_back(op.getInitialC());
    cell->peepholes = op.getPeepholes();
    bool inputForget = op.getInputForget();
    // Gates i, o, f, c in w, r and bias. Clip clamps the four gate
    // pre-activations (peephole terms and biases included) and nothing else:
    // ONNX Runtime's LSTM clips neither Ct nor Ct's input to h.
    auto step = [&](TensorMath &m, const StepInputs &in) -> SmallVector<Value> {
      int64_t hs = in.hidden;
      const StepWeights &w = in.weights;
      const ResolvedActivation &f = in.acts[0], &g = in.acts[1],
                               &hAct = in.acts[2];
      Value h = in.states[0], c = in.states[1];
      Projections proj = project(m, in, h);
      Value pre = m.add(proj.x, proj.h);
      // P (.) C, the peephole term of a gate, or nothing without peepholes.
      auto withPeephole = [&](Value gatePre, Value p, Value cell) {
        return p ? m.add(gatePre, m.mul(m.rows(p, cell), cell)) : gatePre;
      };
      auto fire = [&](Value gatePre) {
        return m.activate(f, m.clamp(gatePre, in.clip));
      };
      Value i = fire(withPeephole(m.gate(pre, 0, hs), w.pi, c));
      // With input_forget the forget gate is coupled to the input gate,
      // ft = 1 - it, as ONNX Runtime computes it (the spec names the
      // attribute without an equation).
      Value ft = inputForget ? m.sub(m.splat(1.0, i), i)
                             : fire(withPeephole(m.gate(pre, 2, hs), w.pf, c));
      Value ct = m.activate(g, m.clamp(m.gate(pre, 3, hs), in.clip));
      // Ct = ft (.) Ct-1 + it (.) ct
      Value nextC = m.add(m.mul(ft, c), m.mul(i, ct));
      // The output gate's peephole looks at the new cell state Ct.
      Value o = fire(withPeephole(m.gate(pre, 1, hs), w.po, nextC));
      Value nextH = m.mul(o, m.activate(hAct, nextC));
      return {nextH, nextC, nextH};
    };
    rewriteCell(op, *cell, step, rewriter);
    return success();
  }
};

struct DecomposeCellsPass
    : recur::impl::RecurDecomposeCellsBase<DecomposeCellsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeCellsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void recur::populateDecomposeCellsPatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeLSTM, DecomposeGRU, DecomposeRNN>(
      patterns.getContext());
}

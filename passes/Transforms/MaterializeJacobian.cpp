//===- MaterializeJacobian.cpp - a function computing J_t -----------------===//
//
// --recur-materialize-jacobian: for each recur.recurrence, a function that
// computes the Jacobian of one step, J_t = d h_t / d h_{t-1}, at given
// (h_{t-1}, x_t, captures), by the forward-mode derivative of the body
// (passes/Analysis/Jacobian.h), in the layout of the structure found. A test
// utility for the numbers of the derivatives; Newton is not built yet.
//
//===----------------------------------------------------------------------===//

#include "passes/Analysis/Jacobian.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace recur {
#define GEN_PASS_DEF_RECURMATERIALIZEJACOBIAN
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;
using namespace recur;

namespace {

/// Sizes of `v` followed by `extra` static sizes.
SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value v,
                                  ArrayRef<int64_t> extra) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, v);
  for (int64_t e : extra)
    sizes.push_back(b.getIndexAttr(e));
  return sizes;
}

/// Inserts `source` (of `like`'s shape) into `dest` at the trailing offsets
/// `trailing` (unit sizes there).
Value insertAt(OpBuilder &b, Location loc, Value source, Value dest,
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

/// Emits the body of the Jacobian function of `analysis` at `b` (in the
/// entry block `entry`) and returns its results, or fails with an error.
FailureOr<SmallVector<Value>> buildJacobian(OpBuilder &b, Location loc,
                                            const JacobianAnalysis &analysis,
                                            Block &entry) {
  RecurrenceOp op = analysis.getOp();
  Block &body = op.getBody().front();
  unsigned numStates = op.getNumStates();
  IRMapping base;
  for (auto [arg, value] : llvm::zip(body.getArguments(), entry.getArguments()))
    base.map(arg, value);
  auto state = [&](unsigned s) { return entry.getArgument(s); };

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

/// The result types of the Jacobian function of `analysis`.
SmallVector<Type> resultTypes(const JacobianAnalysis &analysis) {
  Block &body = analysis.getOp().getBody().front();
  SmallVector<Type> types;
  if (analysis.getStructure() == JacobianStructure::dense) {
    auto t = cast<RankedTensorType>(body.getArgument(0).getType());
    SmallVector<int64_t> shape(t.getShape());
    if (!shape.empty()) {
      int64_t n = analysis.getOp().getNumStates();
      int64_t h = shape.back();
      shape.back() = ShapedType::isDynamic(h) ? h : n * h;
      shape.push_back(shape.back());
    }
    types.push_back(RankedTensorType::get(shape, t.getElementType()));
    return types;
  }
  for (const auto &g : analysis.getGroups()) {
    auto t = cast<RankedTensorType>(body.getArgument(g[0]).getType());
    if (g.size() == 1) {
      types.push_back(t);
      continue;
    }
    SmallVector<int64_t> shape(t.getShape());
    shape.append({(int64_t)g.size(), (int64_t)g.size()});
    types.push_back(RankedTensorType::get(shape, t.getElementType()));
  }
  return types;
}

struct RecurMaterializeJacobianPass
    : recur::impl::RecurMaterializeJacobianBase<RecurMaterializeJacobianPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<RecurrenceOp, std::string>> work;
    for (auto func : module.getOps<func::FuncOp>()) {
      unsigned n = 0;
      func.walk([&](RecurrenceOp op) {
        std::string name = (func.getSymName() + "_jacobian").str();
        if (n > 0)
          name += "_" + std::to_string(n);
        ++n;
        work.push_back({op, name});
      });
    }
    for (auto &[op, name] : work) {
      JacobianAnalysis analysis(op);
      if (!analysis.isSupported()) {
        op.emitError("cannot derive this recurrence's Jacobian: ")
            << analysis.describe();
        return signalPassFailure();
      }
      Block &body = op.getBody().front();
      auto type = FunctionType::get(&getContext(), body.getArgumentTypes(),
                                    resultTypes(analysis));
      func::FuncOp func = module.lookupSymbol<func::FuncOp>(name);
      if (func && (!func.isExternal() || func.getFunctionType() != type)) {
        func.emitError("@")
            << name << " exists and is not a declaration of type " << type;
        return signalPassFailure();
      }
      if (!func) {
        OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
        func = func::FuncOp::create(mb, op.getLoc(), name, type);
      } else {
        func.setPublic();
      }
      Block *entry = func.addEntryBlock();
      OpBuilder b = OpBuilder::atBlockBegin(entry);
      FailureOr<SmallVector<Value>> results =
          buildJacobian(b, op.getLoc(), analysis, *entry);
      if (failed(results))
        return signalPassFailure();
      func::ReturnOp::create(b, op.getLoc(), *results);
    }
  }
};

} // namespace

//===- MaterializeJacobian.cpp - a function computing J_t -----------------===//
//
// --recur-materialize-jacobian: for each recur.recurrence, a function that
// computes the Jacobian of one step, J_t = d h_t / d h_{t-1}, at given
// (h_{t-1}, x_t, captures), by the forward-mode derivative of the body
// (passes/Analysis/Jacobian.h), in the layout of the structure found. A test
// utility for the numbers of the derivatives (Newton builds the same J_t
// inside its map with JacobianAnalysis::emitJacobian).
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
      IRMapping base;
      base.map(body.getArguments(), entry->getArguments());
      FailureOr<SmallVector<Value>> results =
          analysis.emitJacobian(b, op.getLoc(), base);
      if (failed(results))
        return signalPassFailure();
      func::ReturnOp::create(b, op.getLoc(), *results);
    }
  }
};

} // namespace

//===- GPUMath.cpp - math in kernels without libdevice --------------------===//
//
// --recur-gpu-expand-math: convert-gpu-to-nvvm turns math ops into calls of
// libdevice's __nv_* functions, which a PTX module cannot link without the
// CUDA toolkit. Every transcendental op in kernels becomes arith (MLIR's
// polynomial approximations, after expanding the ops that have none into
// ones that do); what NVPTX has an instruction for (sqrt, fma, abs, floor,
// ceil, copysign) becomes an LLVM intrinsic. The same IR runs on the sim
// device, so sim results carry the same approximation error as the GPU's.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/TypeSwitch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace recur {
#define GEN_PASS_DEF_RECURGPUEXPANDMATH
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;

namespace {

struct RecurGPUExpandMathPass
    : recur::impl::RecurGPUExpandMathBase<RecurGPUExpandMathPass> {
  void runOnOperation() override {
    Operation *root = getOperation();
    MLIRContext *ctx = &getContext();
    {
      RewritePatternSet patterns(ctx);
      // Expansions first (tanh, sinh, powf, exp2, ... into exp/log), then
      // the approximations of what is left.
      math::populateExpansionPatterns(patterns);
      populateMathF32ExpansionPatterns(patterns,
                                       [](StringRef) { return true; });
      populateMathPolynomialApproximationPatterns(
          patterns, [](StringRef) { return true; });
      if (failed(applyPatternsGreedily(root, std::move(patterns))))
        return signalPassFailure();
    }
    // |x| of integers: a compare and a select.
    SmallVector<math::AbsIOp> absis;
    root->walk([&](math::AbsIOp op) { absis.push_back(op); });
    for (math::AbsIOp op : absis) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      Value x = op.getOperand();
      Value zero = arith::ConstantOp::create(
          b, loc, b.getZeroAttr(x.getType()));
      Value negative =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
      Value negated = arith::SubIOp::create(b, loc, zero, x);
      op.replaceAllUsesWith(
          arith::SelectOp::create(b, loc, negative, negated, x).getResult());
      op.erase();
    }
    // Instructions PTX has, as LLVM intrinsic calls: convert-gpu-to-nvvm
    // would send math ops and the corresponding LLVM intrinsic ops to
    // libdevice, but leaves llvm.call_intrinsic alone, and NVPTX selects
    // sqrt.rn, fma.rn, abs, cvt.rmi/rpi/rni/rzi and copysign for these.
    SmallVector<Operation *> natives;
    root->walk([&](Operation *op) {
      if (isa<math::SqrtOp, math::FmaOp, math::AbsFOp, math::FloorOp,
              math::CeilOp, math::CopySignOp, math::RoundEvenOp,
              math::TruncOp>(op) &&
          op->getResult(0).getType().isF32())
        natives.push_back(op);
    });
    for (Operation *op : natives) {
      StringRef name =
          llvm::TypeSwitch<Operation *, StringRef>(op)
              .Case([](math::SqrtOp) { return "llvm.sqrt.f32"; })
              .Case([](math::FmaOp) { return "llvm.fma.f32"; })
              .Case([](math::AbsFOp) { return "llvm.fabs.f32"; })
              .Case([](math::FloorOp) { return "llvm.floor.f32"; })
              .Case([](math::CeilOp) { return "llvm.ceil.f32"; })
              .Case([](math::CopySignOp) { return "llvm.copysign.f32"; })
              .Case([](math::RoundEvenOp) { return "llvm.roundeven.f32"; })
              .Case([](math::TruncOp) { return "llvm.trunc.f32"; });
      OpBuilder b(op);
      auto call = LLVM::CallIntrinsicOp::create(
          b, op->getLoc(), op->getResult(0).getType(),
          b.getStringAttr(name), op->getOperands());
      op->getResult(0).replaceAllUsesWith(call.getResult(0));
      op->erase();
    }
    WalkResult left = root->walk([](Operation *op) {
      if (isa<math::MathDialect>(op->getDialect())) {
        op->emitError() << "GPU targets: '" << op->getName()
                        << "' has no expansion without libdevice yet";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

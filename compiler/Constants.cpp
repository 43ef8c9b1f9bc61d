//===- Constants.cpp - weights out of the code ----------------------------===//

#include "compiler/Constants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace recur {

/// The bytes of `attr` in the runtime's layout, or nullopt when it is not a
/// layout we can copy as is (splats, bit-packed i1, unknown attributes).
static std::optional<ArrayRef<char>> rawBytes(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  Type e = type.getElementType();
  if (!e.isIntOrFloat() || e.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  int64_t bytes = type.getNumElements() * (e.getIntOrFloatBitWidth() / 8);
  ArrayRef<char> data;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat())
      return std::nullopt;
    data = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    data = blob->getData();
  } else {
    return std::nullopt;
  }
  if (int64_t(data.size()) != bytes)
    return std::nullopt;
  return data;
}

namespace {
/// linalg.transpose of a constant that nothing else reads as a generic,
/// which populateConstantFoldLinalgOperations folds.
struct GeneralizeConstantTranspose : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() ||
        !op.getInput().getDefiningOp<arith::ConstantOp>() ||
        !op.getInput().hasOneUse())
      return failure();
    return linalg::generalizeNamedOp(rewriter, op);
  }
};
} // namespace

void foldConstantLayouts(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  RewritePatternSet patterns(ctx);
  // Only constants nothing else reads: a weight used both ways would be
  // stored twice.
  tensor::populateFoldConstantExtractSlicePatterns(
      patterns, [](tensor::ExtractSliceOp op) {
        return op.getSource().hasOneUse();
      });
  patterns.add<GeneralizeConstantTranspose>(ctx);
  linalg::populateConstantFoldLinalgOperations(
      patterns, [](OpOperand *operand) {
        auto generic = dyn_cast<linalg::GenericOp>(operand->getOwner());
        return operand->get().hasOneUse() && generic &&
               generic.getNumDpsInputs() == 1;
      });
  (void)applyPatternsGreedily(module, std::move(patterns));
}

ExternalizedConstants externalizeConstants(ModuleOp module,
                                           int64_t minBytes) {
  ExternalizedConstants result;
  llvm::DenseMap<Attribute, unsigned> indexOf;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isPrivate() || func.isExternal())
      continue;
    std::vector<unsigned> &args = result.arguments[func.getSymName().str()];
    llvm::DenseMap<unsigned, Value> argOf; // constant index -> new argument
    SmallVector<arith::ConstantOp> candidates;
    func.walk([&](arith::ConstantOp op) {
      // Only where a function argument is visible.
      if (op->getParentWithTrait<OpTrait::IsIsolatedFromAbove>() != func)
        return;
      auto attr = dyn_cast<ElementsAttr>(op.getValue());
      if (!attr)
        return;
      std::optional<ArrayRef<char>> data = rawBytes(attr);
      if (!data || int64_t(data->size()) < minBytes)
        return;
      candidates.push_back(op);
    });
    for (arith::ConstantOp op : candidates) {
      Attribute value = op.getValue();
      auto [it, inserted] =
          indexOf.try_emplace(value, unsigned(result.constants.size()));
      if (inserted) {
        ArrayRef<char> data = *rawBytes(cast<ElementsAttr>(value));
        ExternalConstant c;
        c.name = "constant" + std::to_string(it->second);
        c.type = cast<RankedTensorType>(op.getType());
        c.data.assign(data.begin(), data.end());
        result.constants.push_back(std::move(c));
      }
      unsigned index = it->second;
      Value &arg = argOf[index];
      if (!arg) {
        unsigned pos = func.getNumArguments();
        if (failed(func.insertArgument(pos, op.getType(), {}, op.getLoc())))
          continue;
        arg = func.getArgument(pos);
        args.push_back(index);
      }
      op.getResult().replaceAllUsesWith(arg);
      op.erase();
    }
  }
  return result;
}

} // namespace recur

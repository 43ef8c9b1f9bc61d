//===- Constants.cpp - weights out of the code ----------------------------===//

#include "compiler/Constants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/DenseMap.h"

#include <cstring>

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

/// The constant `value` is, when nothing else reads it: its op and, for a
/// non-splat, its bytes (rawBytes); nullopt otherwise.
struct SoleConstant {
  arith::ConstantOp op;
  ElementsAttr attr;
  std::optional<ArrayRef<char>> bytes; // none for a splat
};

std::optional<SoleConstant> soleConstant(Value value,
                                         bool slicesMayShare = false) {
  auto op = value.getDefiningOp<arith::ConstantOp>();
  // Slices may share a constant (a bidirectional LSTM's two directions):
  // when every reader is a static slice, each becomes its own constant and
  // the whole goes.
  auto staticSlice = [](Operation *user) {
    auto slice = dyn_cast<tensor::ExtractSliceOp>(user);
    return slice && slice.getOffsets().empty() && slice.getSizes().empty() &&
           slice.getStrides().empty();
  };
  if (!op || !(value.hasOneUse() ||
               (slicesMayShare && llvm::all_of(value.getUsers(), staticSlice))))
    return std::nullopt;
  auto attr = dyn_cast<ElementsAttr>(op.getValue());
  if (!attr)
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && dense.isSplat())
    return SoleConstant{op, attr, std::nullopt};
  std::optional<ArrayRef<char>> bytes = rawBytes(attr);
  if (!bytes)
    return std::nullopt;
  return SoleConstant{op, attr, bytes};
}

SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Replaces `op` (one result of static type) by a constant: the splat of
/// `c` in that type, or `bytes` laid out in it.
void replaceByConstant(PatternRewriter &rewriter, Operation *op,
                       const SoleConstant &c, ArrayRef<char> bytes) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  DenseElementsAttr value =
      c.bytes ? DenseElementsAttr::getFromRawBuffer(type, bytes)
              : DenseElementsAttr::get(
                    type, cast<DenseElementsAttr>(c.attr)
                              .getSplatValue<Attribute>());
  rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, value);
}

/// Calls `visit(source element offset)` for every element of a box of
/// `sizes` in row-major order, where box index i is source element
/// sum(i[d] * strides[d]) + base.
template <typename Fn>
void forEachInBox(ArrayRef<int64_t> sizes, ArrayRef<int64_t> strides,
                  int64_t base, Fn visit) {
  for (int64_t size : sizes)
    if (size == 0)
      return;
  SmallVector<int64_t> index(sizes.size(), 0);
  int64_t offset = base;
  for (;;) {
    visit(offset);
    int64_t d = int64_t(sizes.size()) - 1;
    for (; d >= 0; --d) {
      offset += strides[d];
      if (++index[d] < sizes[d])
        break;
      offset -= strides[d] * sizes[d];
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}

/// linalg.transpose of a constant that nothing else reads: the transposed
/// constant, its bytes moved directly (upstream's folders go through an
/// APFloat per element, several times the weight in memory).
struct FoldConstantTranspose : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SoleConstant> c = soleConstant(op.getInput());
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!c || !op.hasPureTensorSemantics() || !type ||
        !type.hasStaticShape())
      return failure();
    std::vector<char> out;
    if (c->bytes) {
      size_t elem = type.getElementTypeBitWidth() / 8;
      out.resize(c->bytes->size());
      ArrayRef<int64_t> perm = op.getPermutation();
      SmallVector<int64_t> inStrides = rowMajorStrides(type.getShape());
      // Output dimension d walks input dimension perm[d].
      SmallVector<int64_t> sizes, strides;
      for (int64_t d : perm) {
        sizes.push_back(type.getDimSize(d));
        strides.push_back(inStrides[d]);
      }
      char *next = out.data();
      forEachInBox(sizes, strides, 0, [&](int64_t offset) {
        std::memcpy(next, c->bytes->data() + offset * elem, elem);
        next += elem;
      });
    }
    replaceByConstant(rewriter, op, *c, out);
    return success();
  }
};

/// tensor.extract_slice with static offsets, sizes and strides of a
/// constant that nothing but such slices reads: the slice as a constant.
struct FoldConstantExtractSlice : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExtractSliceOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SoleConstant> c =
        soleConstant(op.getSource(), /*slicesMayShare=*/true);
    RankedTensorType type = op.getSourceType();
    if (!c || !type.hasStaticShape() || !op.getType().hasStaticShape() ||
        !op.getOffsets().empty() || !op.getSizes().empty() ||
        !op.getStrides().empty())
      return failure();
    std::vector<char> out;
    if (c->bytes) {
      size_t elem = type.getElementTypeBitWidth() / 8;
      SmallVector<int64_t> inStrides = rowMajorStrides(type.getShape());
      SmallVector<int64_t> strides;
      int64_t base = 0;
      for (auto [d, offset, stride] :
           llvm::enumerate(op.getStaticOffsets(), op.getStaticStrides())) {
        base += offset * inStrides[d];
        strides.push_back(stride * inStrides[d]);
      }
      out.resize(op.getType().getNumElements() * elem);
      char *next = out.data();
      forEachInBox(op.getStaticSizes(), strides, base, [&](int64_t offset) {
        std::memcpy(next, c->bytes->data() + offset * elem, elem);
        next += elem;
      });
    }
    replaceByConstant(rewriter, op, *c, out);
    return success();
  }
};

} // namespace

void foldConstantLayouts(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  RewritePatternSet patterns(ctx);
  patterns.add<FoldConstantTranspose, FoldConstantExtractSlice>(ctx);
  GreedyRewriteConfig config;
  // Only these ops: no folding or deduplication of the module's other
  // constants.
  config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled)
      .enableFolding(false)
      .enableConstantCSE(false);
  (void)applyPatternsGreedily(module, std::move(patterns), config);
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

//===- GPUHostReads.cpp - scalars the driver decides on -------------------===//
//
// --recur-gpu-host-reads (GPU targets, on buffers, before --recur-gpu-map):
// a load of one element of device data whose value decides the driver's
// control flow (an scf.while's condition, an scf.if's) cannot run in a
// kernel: the host needs it. It becomes a copy to the driver's stack through
// @__recur_device_read(host, device, bytes), which --recur-host-abi connects
// to the runtime's env->device_read (host ABI 3), and a load from there.
// Newton's convergence test is the case this exists for.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace recur {
#define GEN_PASS_DEF_RECURGPUHOSTREADS
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;

namespace {

/// Whether `load`'s value decides control flow on the host: it reaches, by
/// scalar ops without regions or memory, an scf.condition's condition or an
/// scf.if's.
bool decidesControlFlow(memref::LoadOp load) {
  SmallVector<Value> worklist{load.getResult()};
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (auto condition = dyn_cast<scf::ConditionOp>(user))
        if (use.get() == condition.getCondition())
          return true;
      if (auto ifOp = dyn_cast<scf::IfOp>(user))
        if (use.get() == ifOp.getCondition())
          return true;
      if (user->getNumRegions() == 0 && isMemoryEffectFree(user) &&
          llvm::none_of(user->getOperandTypes(),
                        llvm::IsaPred<MemRefType, UnrankedMemRefType>))
        llvm::append_range(worklist, user->getResults());
    }
  }
  return false;
}

/// The address of element `indices` of `memref`, as an !llvm.ptr.
Value elementAddress(OpBuilder &b, Location loc, Value memref,
                     ValueRange indices, int64_t elementBytes) {
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value linear = metadata.getOffset();
  for (auto [index, stride] : llvm::zip(indices, metadata.getStrides()))
    linear = arith::AddIOp::create(
        b, loc, linear, arith::MulIOp::create(b, loc, index, stride));
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  Value bytes = arith::MulIOp::create(
      b, loc, linear, arith::ConstantIndexOp::create(b, loc, elementBytes));
  Value address = arith::AddIOp::create(b, loc, base, bytes);
  Value i64 = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), address);
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), i64);
}

struct RecurGPUHostReadsPass
    : recur::impl::RecurGPUHostReadsBase<RecurGPUHostReadsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<memref::LoadOp> loads;
    module.walk([&](memref::LoadOp load) {
      if (load->getParentOfType<scf::ParallelOp>() ||
          load->getParentOfType<gpu::LaunchOp>() ||
          load->getParentOfType<scf::ForallOp>() ||
          !load->getParentOfType<func::FuncOp>())
        return;
      if (isa_and_nonnull<memref::AllocaOp>(load.getMemRef().getDefiningOp()))
        return; // the driver's own stack
      // Float data only: integer and index buffers at this level are the
      // driver's shapes, which --recur-gpu-map keeps on the host.
      if (isa<FloatType>(load.getType()) && decidesControlFlow(load))
        loads.push_back(load);
    });
    if (loads.empty())
      return;
    MLIRContext *ctx = &getContext();
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto type = FunctionType::get(
        ctx, {ptrType, ptrType, IntegerType::get(ctx, 64)}, {});
    auto read = module.lookupSymbol<func::FuncOp>(recur::kDeviceReadSymbol);
    if (!read) {
      OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
      read = func::FuncOp::create(mb, module.getLoc(), recur::kDeviceReadSymbol,
                                  type);
      read.setPrivate();
    } else if (read.getFunctionType() != type || !read.isExternal()) {
      read.emitError("@") << recur::kDeviceReadSymbol
                          << " exists and is not a declaration of type "
                          << type;
      return signalPassFailure();
    }
    for (memref::LoadOp load : loads) {
      Type element = load.getType();
      int64_t bytes = (element.getIntOrFloatBitWidth() + 7) / 8;
      // The slot in the function's entry block: once per call, not once
      // per iteration of the loop the read sits in.
      auto func = load->getParentOfType<func::FuncOp>();
      OpBuilder entry = OpBuilder::atBlockBegin(&func.getBody().front());
      Location loc = load.getLoc();
      Value host =
          memref::AllocaOp::create(entry, loc, MemRefType::get({}, element));
      OpBuilder b(load);
      Value src =
          elementAddress(b, loc, load.getMemRef(), load.getIndices(), bytes);
      Value dst = elementAddress(b, loc, host, ValueRange{}, bytes);
      Value count = arith::ConstantIntOp::create(b, loc, b.getI64Type(), bytes);
      func::CallOp::create(b, loc, read, ValueRange{dst, src, count});
      Value value = memref::LoadOp::create(b, loc, host, ValueRange{});
      load.getResult().replaceAllUsesWith(value);
      load.erase();
    }
  }
};

} // namespace

//===- SimKernels.cpp - NVVM kernels for the sim device -------------------===//
//
// --recur-sim-kernels: the kernel module, lowered to NVVM exactly as for the
// cuda target, becomes host code with the sim ABI of host_abi.h. What PTX
// reads from special registers is read from the recur_sim_thread the
// runtime passes; barriers and shuffles call the runtime through it; shared
// variables live in the block's shared memory the runtime allocates, at
// offsets laid out here. Nothing else changes, so the sim device runs the
// very kernels ptxas assembles.
//
//===----------------------------------------------------------------------===//

#include "passes/GPUKernels.h"
#include "passes/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"

namespace recur {
#define GEN_PASS_DEF_RECURSIMKERNELS
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;

// recur_sim_thread's layout (host_abi.h).
static constexpr int64_t kThreadIdOffset = 0;
static constexpr int64_t kBlockDimOffset = 12;
static constexpr int64_t kBlockIdOffset = 24;
static constexpr int64_t kGridDimOffset = 36;
static constexpr int64_t kLaneIdOffset = 48;
static constexpr int64_t kWarpSizeOffset = 52;
static constexpr int64_t kSharedOffset = 56;
static constexpr int64_t kSchedOffset = 64;
static constexpr int64_t kBarrierOffset = 72;
static constexpr int64_t kShuffleOffset = 80;
/// Shared variables are laid out at multiples of this.
static constexpr int64_t kSharedAlignment = 16;

static bool isSharedGlobal(LLVM::GlobalOp global) {
  return global.getAddrSpace() == 3;
}

std::vector<recur::GPUKernelInfo>
recur::describeGPUKernels(gpu::GPUModuleOp kernels) {
  std::vector<GPUKernelInfo> infos;
  SymbolTable symbols(kernels);
  DataLayout layout = DataLayout::closest(kernels);
  for (auto func : kernels.getOps<LLVM::LLVMFuncOp>()) {
    if (!func->hasAttr(gpu::GPUDialect::getKernelFuncAttrName()) &&
        !func->hasAttr(NVVM::NVVMDialect::getKernelFuncAttrName()))
      continue;
    GPUKernelInfo info;
    info.name = func.getName().str();
    info.numParams = func.getFunctionType().getNumParams();
    llvm::SetVector<LLVM::GlobalOp> shared;
    func.walk([&](Operation *op) {
      if (isa<NVVM::Barrier0Op, NVVM::BarrierOp, NVVM::ShflOp>(op))
        info.synchronizes = true;
      if (auto address = dyn_cast<LLVM::AddressOfOp>(op))
        if (auto global =
                symbols.lookup<LLVM::GlobalOp>(address.getGlobalName()))
          if (isSharedGlobal(global))
            shared.insert(global);
    });
    int64_t offset = 0;
    for (LLVM::GlobalOp global : shared) {
      int64_t bytes = layout.getTypeSize(global.getType());
      if (bytes == 0)
        continue; // dynamic shared memory: after the static variables
      offset = llvm::alignTo(offset, kSharedAlignment);
      info.sharedOffsets[global.getSymName().str()] = offset;
      offset += bytes;
    }
    info.staticSharedBytes = llvm::alignTo(offset, kSharedAlignment);
    for (LLVM::GlobalOp global : shared)
      if (!info.sharedOffsets.count(global.getSymName().str()))
        info.sharedOffsets[global.getSymName().str()] = info.staticSharedBytes;
    if (auto maxThreads =
            func->getAttrOfType<DenseI32ArrayAttr>("nvvm.maxntid")) {
      int64_t n = 1;
      for (int32_t d : maxThreads.asArrayRef())
        n *= d;
      info.maxThreads = n;
    }
    infos.push_back(std::move(info));
  }
  return infos;
}

namespace {

class SimLowering {
public:
  SimLowering(ModuleOp module, gpu::GPUModuleOp kernels)
      : module(module), kernels(kernels), ctx(module.getContext()),
        ptrType(LLVM::LLVMPointerType::get(ctx)),
        i32Type(IntegerType::get(ctx, 32)),
        i64Type(IntegerType::get(ctx, 64)) {}

  LogicalResult run();

private:
  /// A field of the thread struct.
  Value fieldAddress(OpBuilder &b, Location loc, Value thread, int64_t offset);
  Value loadField(OpBuilder &b, Location loc, Value thread, int64_t offset,
                  Type type);
  LogicalResult lowerKernel(LLVM::LLVMFuncOp func,
                            const recur::GPUKernelInfo &info);
  void createWrapper(LLVM::LLVMFuncOp body, StringRef name,
                     ArrayRef<Type> params);

  ModuleOp module;
  gpu::GPUModuleOp kernels;
  MLIRContext *ctx;
  Type ptrType, i32Type, i64Type;
};

Value SimLowering::fieldAddress(OpBuilder &b, Location loc, Value thread,
                                int64_t offset) {
  Type i8Type = IntegerType::get(ctx, 8);
  return LLVM::GEPOp::create(b, loc, ptrType, i8Type, thread,
                             ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(offset)});
}

Value SimLowering::loadField(OpBuilder &b, Location loc, Value thread,
                             int64_t offset, Type type) {
  return LLVM::LoadOp::create(b, loc, type,
                              fieldAddress(b, loc, thread, offset));
}

LogicalResult SimLowering::lowerKernel(LLVM::LLVMFuncOp func,
                                       const recur::GPUKernelInfo &info) {
  SmallVector<Type> params(func.getFunctionType().getParams());
  // The body takes the thread first.
  if (func.isExternal() || func.getFunctionType().isVarArg())
    return func.emitError() << "sim kernels: unexpected kernel declaration";
  SmallVector<Type> withThread{ptrType};
  llvm::append_range(withThread, params);
  func.setFunctionTypeAttr(TypeAttr::get(LLVM::LLVMFunctionType::get(
      func.getFunctionType().getReturnType(), withThread)));
  if (ArrayAttr argAttrs = func.getArgAttrsAttr()) {
    SmallVector<Attribute> attrs{DictionaryAttr::get(ctx)};
    llvm::append_range(attrs, argAttrs);
    func.setArgAttrsAttr(ArrayAttr::get(ctx, attrs));
  }
  Value thread = func.getBody().front().insertArgument(0u, ptrType,
                                                      func.getLoc());
  SymbolTable symbols(kernels);
  Type voidType = LLVM::LLVMVoidType::get(ctx);

  auto sreg = [&](Operation *op, int64_t base, int dim) {
    OpBuilder b(op);
    Value v = loadField(b, op->getLoc(), thread, base + 4 * dim, i32Type);
    op->getResult(0).replaceAllUsesWith(v);
    op->erase();
  };
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) { ops.push_back(op); });
  for (Operation *op : ops) {
    Location loc = op->getLoc();
    if (isa<NVVM::ThreadIdXOp>(op)) { sreg(op, kThreadIdOffset, 0); continue; }
    if (isa<NVVM::ThreadIdYOp>(op)) { sreg(op, kThreadIdOffset, 1); continue; }
    if (isa<NVVM::ThreadIdZOp>(op)) { sreg(op, kThreadIdOffset, 2); continue; }
    if (isa<NVVM::BlockDimXOp>(op)) { sreg(op, kBlockDimOffset, 0); continue; }
    if (isa<NVVM::BlockDimYOp>(op)) { sreg(op, kBlockDimOffset, 1); continue; }
    if (isa<NVVM::BlockDimZOp>(op)) { sreg(op, kBlockDimOffset, 2); continue; }
    if (isa<NVVM::BlockIdXOp>(op)) { sreg(op, kBlockIdOffset, 0); continue; }
    if (isa<NVVM::BlockIdYOp>(op)) { sreg(op, kBlockIdOffset, 1); continue; }
    if (isa<NVVM::BlockIdZOp>(op)) { sreg(op, kBlockIdOffset, 2); continue; }
    if (isa<NVVM::GridDimXOp>(op)) { sreg(op, kGridDimOffset, 0); continue; }
    if (isa<NVVM::GridDimYOp>(op)) { sreg(op, kGridDimOffset, 1); continue; }
    if (isa<NVVM::GridDimZOp>(op)) { sreg(op, kGridDimOffset, 2); continue; }
    if (isa<NVVM::LaneIdOp>(op)) { sreg(op, kLaneIdOffset, 0); continue; }
    if (isa<NVVM::WarpSizeOp>(op)) { sreg(op, kWarpSizeOffset, 0); continue; }
    auto barrier = dyn_cast<NVVM::BarrierOp>(op);
    if (isa<NVVM::Barrier0Op>(op) ||
        (barrier && !barrier.getBarrierId() &&
         !barrier.getNumberOfThreads() && !barrier.getReductionPredicate() &&
         op->getNumResults() == 0)) {
      OpBuilder b(op);
      Value fn = loadField(b, loc, thread, kBarrierOffset, ptrType);
      Value sched = loadField(b, loc, thread, kSchedOffset, ptrType);
      auto type = LLVM::LLVMFunctionType::get(voidType, {ptrType});
      LLVM::CallOp::create(b, loc, type, ValueRange{fn, sched});
      op->erase();
      continue;
    }
    if (auto shfl = dyn_cast<NVVM::ShflOp>(op)) {
      OpBuilder b(op);
      int32_t mode = 0;
      switch (shfl.getKind()) {
      case NVVM::ShflKind::up: mode = 0; break;
      case NVVM::ShflKind::down: mode = 1; break;
      case NVVM::ShflKind::bfly: mode = 2; break;
      case NVVM::ShflKind::idx: mode = 3; break;
      }
      Value value = shfl.getVal();
      Type valueType = value.getType();
      if (valueType.isF32())
        value = LLVM::BitcastOp::create(b, loc, i32Type, value);
      else if (!valueType.isInteger(32))
        return op->emitError() << "the sim device shuffles 32-bit values only";
      // The predicate's slot: in the entry block, so that a shuffle in a
      // loop does not grow the stack.
      Value validSlot;
      {
        OpBuilder entry = OpBuilder::atBlockBegin(&func.getBody().front());
        Value one = LLVM::ConstantOp::create(entry, loc, i64Type, 1);
        validSlot = LLVM::AllocaOp::create(entry, loc, ptrType, i32Type, one);
      }
      Value fn = loadField(b, loc, thread, kShuffleOffset, ptrType);
      Value sched = loadField(b, loc, thread, kSchedOffset, ptrType);
      Value modeValue = LLVM::ConstantOp::create(b, loc, i32Type, mode);
      auto type = LLVM::LLVMFunctionType::get(
          i32Type,
          {ptrType, i32Type, i32Type, i32Type, i32Type, i32Type, ptrType});
      Value result =
          LLVM::CallOp::create(b, loc, type,
                               ValueRange{fn, sched, modeValue, value,
                                          shfl.getOffset(),
                                          shfl.getMaskAndClamp(),
                                          shfl.getThreadMask(), validSlot})
              .getResult();
      if (valueType.isF32())
        result = LLVM::BitcastOp::create(b, loc, valueType, result);
      Value replacement = result;
      if (shfl.getReturnValueAndIsValid().value_or(false)) {
        Value valid = LLVM::LoadOp::create(b, loc, i32Type, validSlot);
        Value zero = LLVM::ConstantOp::create(b, loc, i32Type, 0);
        Value isValid =
            LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, valid, zero);
        Type structType = shfl.getResult().getType();
        Value s = LLVM::PoisonOp::create(b, loc, structType);
        s = LLVM::InsertValueOp::create(b, loc, s, result, ArrayRef<int64_t>{0});
        s = LLVM::InsertValueOp::create(b, loc, s, isValid, ArrayRef<int64_t>{1});
        replacement = s;
      }
      shfl.getResult().replaceAllUsesWith(replacement);
      op->erase();
      continue;
    }
    if (auto address = dyn_cast<LLVM::AddressOfOp>(op)) {
      auto global = symbols.lookup<LLVM::GlobalOp>(address.getGlobalName());
      if (!global || !isSharedGlobal(global))
        continue;
      auto it = info.sharedOffsets.find(global.getSymName().str());
      if (it == info.sharedOffsets.end())
        return op->emitError() << "no shared memory offset for @"
                               << global.getSymName();
      OpBuilder b(op);
      Value base = loadField(b, loc, thread, kSharedOffset, ptrType);
      Value at = LLVM::GEPOp::create(
          b, loc, ptrType, IntegerType::get(ctx, 8), base,
          ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(it->second)});
      // x86 treats address space 3 as plain memory: the cast is free.
      Value cast = LLVM::AddrSpaceCastOp::create(
          b, loc, address.getResult().getType(), at);
      address.getResult().replaceAllUsesWith(cast);
      op->erase();
      continue;
    }
    if (op->getDialect() &&
        op->getDialect()->getNamespace() ==
            NVVM::NVVMDialect::getDialectNamespace())
      return op->emitError() << "the sim device cannot run '" << op->getName()
                             << "' yet";
  }

  // The body is internal; the wrapper is what the runtime calls.
  std::string name = func.getName().str();
  std::string bodyName = "__recur_sim_body_" + name;
  func.setSymName(bodyName);
  func.setLinkage(LLVM::Linkage::Internal);
  SmallVector<NamedAttribute> kept;
  for (NamedAttribute attr : func->getDiscardableAttrs())
    if (!attr.getName().getValue().starts_with("nvvm.") &&
        !attr.getName().getValue().starts_with("gpu."))
      kept.push_back(attr);
  func->setDiscardableAttrs(kept);
  func->setAttr(recur::kDeviceCodeAttr, UnitAttr::get(ctx));
  createWrapper(func, name, params);
  return success();
}

/// void __recur_sim_kernel_<name>(ptr thread, ptr args): args[i] points to
/// parameter i (the launch callback's convention).
void SimLowering::createWrapper(LLVM::LLVMFuncOp body, StringRef name,
                                ArrayRef<Type> params) {
  Location loc = body.getLoc();
  OpBuilder b(ctx);
  b.setInsertionPointAfter(body);
  auto wrapper = LLVM::LLVMFuncOp::create(
      b, loc, (Twine(recur::kSimKernelPrefix) + name).str(),
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                  {ptrType, ptrType}));
  Block *entry = wrapper.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  SmallVector<Value> args{entry->getArgument(0)};
  for (auto [i, type] : llvm::enumerate(params)) {
    Value slot =
        LLVM::GEPOp::create(b, loc, ptrType, ptrType, entry->getArgument(1),
                            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    Value pointer = LLVM::LoadOp::create(b, loc, ptrType, slot);
    args.push_back(LLVM::LoadOp::create(b, loc, type, pointer));
  }
  LLVM::CallOp::create(b, loc, body, args);
  LLVM::ReturnOp::create(b, loc, ValueRange());
  wrapper->setAttr(recur::kDeviceCodeAttr, UnitAttr::get(ctx));
}

LogicalResult SimLowering::run() {
  std::vector<recur::GPUKernelInfo> infos = recur::describeGPUKernels(kernels);
  for (const recur::GPUKernelInfo &info : infos) {
    auto func = SymbolTable(kernels).lookup<LLVM::LLVMFuncOp>(info.name);
    if (failed(lowerKernel(func, info)))
      return failure();
  }
  // Everything moves to the host module; shared variables disappear (they
  // are offsets now). A definition whose name the host module uses too is
  // renamed first (the deallocation helper is in both); a declaration the
  // host module has already is dropped.
  SymbolTable moduleSymbols(module);
  SmallVector<Operation *> toMove;
  for (Operation &op : llvm::make_early_inc_range(*kernels.getBody())) {
    if (auto global = dyn_cast<LLVM::GlobalOp>(op);
        global && isSharedGlobal(global)) {
      op.erase();
      continue;
    }
    StringAttr name = SymbolTable::getSymbolName(&op);
    if (name && moduleSymbols.lookup(name)) {
      auto func = dyn_cast<LLVM::LLVMFuncOp>(op);
      if (func && func.isExternal()) {
        op.erase();
        continue;
      }
      std::string fresh = ("__recur_sim_" + name.getValue()).str();
      for (unsigned i = 0; moduleSymbols.lookup(fresh); ++i)
        fresh = ("__recur_sim_" + name.getValue() + "_" + Twine(i)).str();
      StringAttr freshAttr = StringAttr::get(ctx, fresh);
      if (failed(SymbolTable::replaceAllSymbolUses(name, freshAttr,
                                                   kernels.getOperation())))
        return op.emitError() << "sim kernels: cannot rename @"
                              << name.getValue();
      SymbolTable::setSymbolName(&op, freshAttr);
    }
    toMove.push_back(&op);
  }
  for (Operation *op : toMove) {
    op->moveBefore(module.getBody(), module.getBody()->end());
    moduleSymbols.insert(op);
  }
  kernels.erase();
  return success();
}

struct RecurSimKernelsPass
    : recur::impl::RecurSimKernelsBase<RecurSimKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernels = SymbolTable(module).lookup<gpu::GPUModuleOp>(
        recur::kGPUKernelModule);
    if (!kernels)
      return;
    SmallVector<Attribute> infos;
    for (const recur::GPUKernelInfo &info :
         recur::describeGPUKernels(kernels)) {
      Builder b(&getContext());
      infos.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("name", b.getStringAttr(info.name)),
           b.getNamedAttr("shared", b.getI64IntegerAttr(info.staticSharedBytes)),
           b.getNamedAttr("sync", b.getBoolAttr(info.synchronizes))}));
    }
    if (failed(SimLowering(module, kernels).run()))
      return signalPassFailure();
    module->setAttr(recur::kSimKernelInfoAttr,
                    ArrayAttr::get(&getContext(), infos));
  }
};

} // namespace

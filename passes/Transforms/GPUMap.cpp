//===- GPUMap.cpp - host-level work into GPU kernels ----------------------===//
//
// --recur-gpu-map: on bufferized loops (what the host pipeline has before it
// outlines parallel loops), make every access to tensor data happen inside
// a `gpu.launch`, so that the code left on the host only computes sizes and
// launches kernels (host_abi.h: a GPU target's driver never touches device
// memory).
//
// --recur-gpu-collect-kernels: after gpu-kernel-outlining, one gpu.module
// with uniquely named kernels, and launches as calls the ABI pass
// implements.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

namespace recur {
#define GEN_PASS_DEF_RECURGPUMAP
#define GEN_PASS_DEF_RECURGPUCOLLECTKERNELS
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;

namespace {

/// Threads per block of the kernels made from parallel loops.
constexpr int64_t kBlockSize = 256;
/// The most elements a small constant may have to be written by a kernel
/// (larger ones are the module's constants, --recur-compile externalizes
/// every one of 256 bytes or more).
constexpr int64_t kMaxInlineConstantElements = 4096;

/// The allocation (or block argument, or global) a memref value views.
Value memrefRoot(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      v = view.getViewSource();
      continue;
    }
    if (auto cast = dyn_cast<memref::CastOp>(def)) {
      v = cast.getSource();
      continue;
    }
    if (auto reshape = dyn_cast<memref::ReshapeOp>(def)) {
      v = reshape.getSource();
      continue;
    }
    break;
  }
  return v;
}

/// Memory the host may touch: stack buffers of the driver (shape operands
/// of memref.reshape).
bool isHostMemory(Value memref) {
  return isa_and_nonnull<memref::AllocaOp>(memrefRoot(memref).getDefiningOp());
}

/// Ops that only compute with a memref's descriptor (never its data).
bool isMetadataOp(Operation *op) {
  return isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp,
             memref::DimOp, memref::CastOp, memref::ReshapeOp,
             memref::ExtractStridedMetadataOp,
             memref::ExtractAlignedPointerAsIndexOp, memref::RankOp>(op) ||
         isa<ViewLikeOpInterface>(op);
}

/// Whether `op` itself (not its regions) reads or writes device data.
bool touchesDeviceData(Operation *op) {
  if (isMetadataOp(op))
    return false;
  // The drivers of the scan kernels (--recur-gpu-scan-kernels) run on the
  // host and launch their own kernels.
  if (auto call = dyn_cast<func::CallOp>(op))
    if (call.getCallee().starts_with("__recur_gpu_scan_"))
      return false;
  for (Value operand : op->getOperands())
    if (isa<MemRefType, UnrankedMemRefType>(operand.getType()) &&
        !isHostMemory(operand))
      return true;
  return false;
}

bool containsLaunch(Operation *op) {
  return op
      ->walk([](gpu::LaunchOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

bool touchesDeviceDataDeep(Operation *op) {
  return op
      ->walk([](Operation *nested) {
        return touchesDeviceData(nested) ? WalkResult::interrupt()
                                         : WalkResult::advance();
      })
      .wasInterrupted();
}

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// An empty launch of `grid` x `block` blocks and threads along x, with the
/// builder inside before its terminator; returns the launch.
gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, Value grid,
                           Value block) {
  Value one = indexConstant(b, loc, 1);
  auto launch = gpu::LaunchOp::create(b, loc, grid, one, one, block, one, one);
  Block &body = launch.getBody().front();
  b.setInsertionPointToEnd(&body);
  auto terminator = gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(terminator);
  return launch;
}

struct RecurGPUMapPass : recur::impl::RecurGPUMapBase<RecurGPUMapPass> {
  void runOnOperation() override;

private:
  LogicalResult materializeGlobals(func::FuncOp func);
  void keepShapeBuffersOnHost(func::FuncOp func);
  LogicalResult mapParallel(scf::ParallelOp loop);
  LogicalResult mapBlock(Block &block);
  LogicalResult checkCaptures(func::FuncOp func);
};

/// Host-level `memref.get_global`: the data lives in the driver, where
/// kernels cannot read it. Each becomes a device buffer, allocated and
/// written by a kernel at the function's start (a splat by a parallel fill,
/// other small constants element by element).
LogicalResult RecurGPUMapPass::materializeGlobals(func::FuncOp func) {
  SmallVector<memref::GetGlobalOp> uses;
  func.walk([&](memref::GetGlobalOp op) {
    if (!op->getParentOfType<gpu::LaunchOp>())
      uses.push_back(op);
  });
  if (uses.empty())
    return success();
  llvm::DenseMap<StringAttr, Value> buffers;
  OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
  for (memref::GetGlobalOp use : uses) {
    Value &buffer = buffers[use.getNameAttr().getAttr()];
    if (!buffer) {
      auto global =
          SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
              use, use.getNameAttr());
      auto values = global ? dyn_cast_or_null<DenseElementsAttr>(
                                 global.getInitialValueAttr())
                           : nullptr;
      MemRefType type = use.getType();
      if (!values || !type.hasStaticShape() || !type.getLayout().isIdentity())
        return use.emitError()
               << "GPU targets: this constant cannot be placed in device "
                  "memory (it has no dense initial value or no static shape)";
      if (!values.isSplat() &&
          type.getNumElements() > kMaxInlineConstantElements)
        return use.emitError()
               << "GPU targets: a constant of " << type.getNumElements()
               << " elements left in the code (larger constants belong in "
                  "the module's constants)";
      Location loc = use.getLoc();
      buffer = memref::AllocOp::create(b, loc, type);
      OpBuilder::InsertionGuard guard(b);
      if (values.isSplat()) {
        // A parallel loop: --recur-gpu-map makes it a kernel below.
        Value scalar = arith::ConstantOp::create(
            b, loc, cast<TypedAttr>(values.getSplatValue<Attribute>()));
        SmallVector<Value> lbs, ubs, steps;
        for (int64_t size : type.getShape()) {
          lbs.push_back(indexConstant(b, loc, 0));
          ubs.push_back(indexConstant(b, loc, size));
          steps.push_back(indexConstant(b, loc, 1));
        }
        if (type.getRank() == 0) {
          memref::StoreOp::create(b, loc, scalar, buffer);
        } else {
          scf::ParallelOp::create(
              b, loc, lbs, ubs, steps,
              [&](OpBuilder &nb, Location nl, ValueRange ivs) {
                memref::StoreOp::create(nb, nl, scalar, buffer, ivs);
              });
        }
      } else {
        // One thread writes every element.
        gpu::LaunchOp launch = createLaunch(b, loc, indexConstant(b, loc, 1),
                                            indexConstant(b, loc, 1));
        (void)launch;
        SmallVector<int64_t> strides = computeStrides(type.getShape());
        for (auto [i, value] :
             llvm::enumerate(values.getValues<Attribute>())) {
          SmallVector<Value> index;
          int64_t rest = i;
          for (int64_t stride : strides) {
            index.push_back(indexConstant(b, loc, rest / stride));
            rest %= stride;
          }
          Value scalar =
              arith::ConstantOp::create(b, loc, cast<TypedAttr>(value));
          memref::StoreOp::create(b, loc, scalar, buffer, index);
        }
      }
    }
    use.replaceAllUsesWith(buffer);
    use.erase();
  }
  return success();
}

/// Buffers of the driver's own bookkeeping: index and i1 buffers of static
/// shape that no kernel uses (the shape operands of memref.reshape, the
/// ownership lists of the deallocation helper). They become stack buffers
/// of the driver, which isHostMemory recognizes.
void RecurGPUMapPass::keepShapeBuffersOnHost(func::FuncOp func) {
  SmallVector<memref::AllocOp> shapeBuffers;
  func.walk([&](memref::AllocOp alloc) {
    MemRefType type = alloc.getType();
    Type element = type.getElementType();
    if (!type.hasStaticShape() || type.getNumElements() > 64 ||
        !(element.isIndex() || element.isInteger(1)))
      return;
    auto inKernel = [](Operation *op) {
      return op->getParentOfType<scf::ParallelOp>() ||
             op->getParentOfType<gpu::LaunchOp>();
    };
    if (inKernel(alloc))
      return;
    SmallVector<Value> worklist{alloc.getResult()};
    while (!worklist.empty()) {
      Value v = worklist.pop_back_val();
      for (Operation *user : v.getUsers()) {
        if (inKernel(user) || user->hasTrait<OpTrait::IsTerminator>())
          return;
        // Views of the buffer (not a reshape it gives the shape of).
        auto view = dyn_cast<ViewLikeOpInterface>(user);
        auto reshape = dyn_cast<memref::ReshapeOp>(user);
        if (isa<memref::CastOp>(user) ||
            (view && view.getViewSource() == v) ||
            (reshape && reshape.getSource() == v))
          for (Value result : user->getResults())
            worklist.push_back(result);
      }
    }
    shapeBuffers.push_back(alloc);
  });
  OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
  for (memref::AllocOp alloc : shapeBuffers) {
    auto alloca = memref::AllocaOp::create(b, alloc.getLoc(), alloc.getType());
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        user->erase();
    alloc.replaceAllUsesWith(alloca.getResult());
    alloc.erase();
  }
}

/// Whether `alloc` (inside a loop turned kernel) can become a slice of one
/// buffer for all iterations: its sizes are known before the loop and it
/// does not outlive the iteration (only loads, stores, copies, views and
/// frees use it and its views; nothing yields it).
bool isPrivatizable(memref::AllocOp alloc, Region &loopRegion) {
  if (!alloc.getType().getLayout().isIdentity())
    return false;
  for (Value size : alloc.getDynamicSizes())
    if (loopRegion.isAncestor(size.getParentRegion()))
      return false;
  SmallVector<Value> worklist{alloc.getResult()};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (isa<memref::SubViewOp>(user)) {
        worklist.push_back(user->getResult(0));
        continue;
      }
      // A cast stays valid when the slice's dynamic offset fits its type.
      if (auto castOp = dyn_cast<memref::CastOp>(user)) {
        int64_t offset;
        SmallVector<int64_t> strides;
        auto target = cast<MemRefType>(castOp.getType());
        if (failed(target.getStridesAndOffset(strides, offset)) ||
            !ShapedType::isDynamic(offset))
          return false;
        worklist.push_back(castOp.getResult());
        continue;
      }
      // (Not extract_strided_metadata: its base buffer could be freed.)
      if (!isa<memref::LoadOp, memref::StoreOp, memref::DimOp,
               memref::DeallocOp, memref::CopyOp,
               memref::ExtractAlignedPointerAsIndexOp>(user))
        return false;
    }
  }
  return true;
}

/// Buffers allocated inside a loop turned kernel, one per iteration, become
/// one buffer allocated before the kernel (at `outside`) with the loop's
/// trip counts as leading dimensions; each iteration uses its slice, and the
/// buffer is freed after `last`. Buffers that cannot (isPrivatizable) stay
/// allocations of the kernel's thread (the device heap).
void privatizeAllocs(ArrayRef<memref::AllocOp> allocs,
                     ArrayRef<Value> tripCounts, ArrayRef<Value> normalizedIvs,
                     Region &loopRegion, OpBuilder &outside, Operation *last) {
  for (memref::AllocOp alloc : allocs) {
    if (!isPrivatizable(alloc, loopRegion))
      continue;
    MemRefType type = alloc.getType();
    // The private buffer: trip counts, then the buffer's own sizes.
    SmallVector<int64_t> shape;
    SmallVector<Value> dynamicSizes;
    for (Value n : tripCounts) {
      std::optional<int64_t> c = getConstantIntValue(n);
      shape.push_back(c ? *c : ShapedType::kDynamic);
      if (!c)
        dynamicSizes.push_back(n);
    }
    llvm::append_range(shape, type.getShape());
    llvm::append_range(dynamicSizes, alloc.getDynamicSizes());
    auto bigType =
        MemRefType::get(shape, type.getElementType(),
                        MemRefLayoutAttrInterface(), type.getMemorySpace());
    Location loc = alloc.getLoc();
    auto big = memref::AllocOp::create(outside, loc, bigType, dynamicSizes,
                                       alloc.getAlignmentAttr());
    // Its slice for this iteration, in place of the allocation.
    OpBuilder b(alloc);
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (Value iv : normalizedIvs) {
      offsets.push_back(iv);
      sizes.push_back(b.getIndexAttr(1));
      strides.push_back(b.getIndexAttr(1));
    }
    unsigned dynamicIndex = 0;
    for (int64_t size : type.getShape()) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(
          ShapedType::isDynamic(size)
              ? OpFoldResult(alloc.getDynamicSizes()[dynamicIndex++])
              : OpFoldResult(b.getIndexAttr(size)));
      strides.push_back(b.getIndexAttr(1));
    }
    auto resultType =
        cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
            type.getShape(), bigType, offsets, sizes, strides));
    if (llvm::any_of(alloc->getUsers(), [&](Operation *user) {
          auto castOp = dyn_cast<memref::CastOp>(user);
          return castOp && !memref::CastOp::areCastCompatible(
                               resultType, castOp.getType());
        })) {
      big.erase();
      continue;
    }
    auto slice = memref::SubViewOp::create(b, loc, resultType, big, offsets,
                                           sizes, strides);
    // The buffer is freed after the loop: no thread frees it or a view of
    // it.
    SmallVector<Value> freed{alloc.getResult()};
    while (!freed.empty()) {
      Value v = freed.pop_back_val();
      for (Operation *user : llvm::make_early_inc_range(v.getUsers())) {
        if (isa<memref::DeallocOp>(user))
          user->erase();
        else if (isa<memref::SubViewOp, memref::CastOp>(user))
          freed.push_back(user->getResult(0));
      }
    }
    alloc.replaceAllUsesWith(slice.getResult());
    alloc.erase();
    // Views of the slice have a dynamic offset now.
    SmallVector<Value> views{slice.getResult()};
    while (!views.empty()) {
      Value v = views.pop_back_val();
      for (Operation *user : v.getUsers()) {
        auto sub = dyn_cast<memref::SubViewOp>(user);
        if (!sub)
          continue;
        MemRefType retyped = memref::SubViewOp::inferRankReducedResultType(
            sub.getType().getShape(), sub.getSourceType(),
            sub.getMixedOffsets(), sub.getMixedSizes(), sub.getMixedStrides());
        sub.getResult().setType(retyped);
        views.push_back(sub.getResult());
      }
    }
    OpBuilder after(last->getContext());
    after.setInsertionPointAfter(last);
    memref::DeallocOp::create(after, loc, big);
  }
}

/// An outermost parallel loop becomes a kernel with one thread per
/// iteration (the iterations linearized, the last dimension fastest), in
/// blocks of kBlockSize threads, launched only when there is an iteration.
/// Loops nested in it stay loops of the thread.
LogicalResult RecurGPUMapPass::mapParallel(scf::ParallelOp loop) {
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  // (Loops with reductions are runs of mapBlock, with their consumers.)
  assert(loop.getNumResults() == 0 && "reductions are mapped as runs");
  Value zero = indexConstant(b, loc, 0);
  SmallVector<Value> tripCounts;
  Value total;
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    Value n = arith::CeilDivSIOp::create(b, loc, span, step);
    n = arith::MaxSIOp::create(b, loc, n, zero);
    tripCounts.push_back(n);
    total = total ? arith::MulIOp::create(b, loc, total, n).getResult() : n;
  }
  Value any =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, total, zero);
  auto ifOp = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  Value blockSize = indexConstant(b, loc, kBlockSize);
  Value grid = arith::CeilDivUIOp::create(b, loc, total, blockSize);
  OpBuilder outside = b;
  gpu::LaunchOp launch = createLaunch(b, loc, grid, blockSize);
  outside.setInsertionPoint(launch);
  Value id = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, blockSize),
      launch.getThreadIds().x);
  Value inRange =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, id, total);
  auto guard = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
  b.setInsertionPoint(guard.thenBlock()->getTerminator());
  // The iteration's indices, the last dimension fastest.
  unsigned rank = tripCounts.size();
  SmallVector<Value> normalized(rank), ivs(rank);
  Value rest = id;
  for (int d = rank - 1; d >= 0; --d) {
    if (d == 0) {
      normalized[d] = rest;
    } else {
      normalized[d] = arith::RemUIOp::create(b, loc, rest, tripCounts[d]);
      rest = arith::DivUIOp::create(b, loc, rest, tripCounts[d]);
    }
    ivs[d] = arith::AddIOp::create(
        b, loc, loop.getLowerBound()[d],
        arith::MulIOp::create(b, loc, normalized[d], loop.getStep()[d]));
  }
  // The body moves into the kernel (without its scf.reduce).
  Block *body = loop.getBody();
  for (auto [arg, iv] : llvm::zip(body->getArguments(), ivs))
    arg.replaceAllUsesWith(iv);
  Operation *insertBefore = guard.thenBlock()->getTerminator();
  for (Operation &op : llvm::make_early_inc_range(body->without_terminator()))
    op.moveBefore(insertBefore);
  loop.erase();
  SmallVector<memref::AllocOp> allocs;
  guard.thenBlock()->walk([&](memref::AllocOp a) { allocs.push_back(a); });
  privatizeAllocs(allocs, tripCounts, normalized, guard.getThenRegion(),
                  outside, launch);
  return success();
}

/// Host-level code of `block`: parallel loops become kernels; runs of
/// consecutive ops that touch device data, with the ops computing on their
/// results, run together in a kernel of one thread (a loop without parallel
/// loops inside counts as one op); loops and branches that contain kernels
/// stay on the host, and their bodies are mapped in turn.
LogicalResult RecurGPUMapPass::mapBlock(Block &block) {
  SmallVector<Operation *> run;
  llvm::SmallPtrSet<Operation *, 16> inRun;
  // The run becomes one kernel; none of its results may be needed outside.
  auto flush = [&]() -> LogicalResult {
    if (run.empty())
      return success();
    for (Operation *op : run)
      for (Value result : op->getResults())
        for (Operation *user : result.getUsers()) {
          Operation *top = block.findAncestorOpInBlock(*user);
          if (!top || !inRun.contains(top))
            return op->emitError()
                   << "GPU targets: the host would read tensor data here ('"
                   << op->getName()
                   << "' produces a value the host needs); not supported yet";
        }
    OpBuilder b(run.front());
    Location loc = run.front()->getLoc();
    Value one = indexConstant(b, loc, 1);
    gpu::LaunchOp launch = createLaunch(b, loc, one, one);
    Operation *terminator = launch.getBody().front().getTerminator();
    for (Operation *op : run)
      op->moveBefore(terminator);
    run.clear();
    inRun.clear();
    return success();
  };
  auto dependsOnRun = [&](Operation &op) {
    bool depends = false;
    op.walk([&](Operation *nested) {
      for (Value operand : nested->getOperands())
        if (Operation *def = operand.getDefiningOp())
          if (inRun.contains(def))
            depends = true;
    });
    return depends;
  };
  for (Operation &op : llvm::make_early_inc_range(block)) {
    if (op.hasTrait<OpTrait::IsTerminator>())
      break;
    if (isa<gpu::LaunchOp>(op)) {
      if (failed(flush()))
        return failure();
      continue;
    }
    auto loop = dyn_cast<scf::ParallelOp>(op);
    if (loop && loop.getNumResults() == 0) {
      if (failed(flush()) || failed(mapParallel(loop)))
        return failure();
      continue;
    }
    bool hasKernels =
        op.getNumRegions() != 0 &&
        (containsLaunch(&op) ||
         op.walk([](Operation *nested) {
             auto call = dyn_cast<func::CallOp>(nested);
             auto parallel = dyn_cast<scf::ParallelOp>(nested);
             return (parallel && parallel.getNumResults() == 0) ||
                            (call && call.getCallee().starts_with(
                                         "__recur_gpu_scan_"))
                        ? WalkResult::interrupt()
                        : WalkResult::advance();
           }).wasInterrupted());
    // Control flow that contains kernels, or that chooses buffers (the
    // ownership-based deallocation's clones), stays on the host.
    bool choosesBuffers =
        op.getNumRegions() != 0 &&
        llvm::any_of(op.getResultTypes(),
                     llvm::IsaPred<MemRefType, UnrankedMemRefType>);
    if (hasKernels || choosesBuffers) {
      if (failed(flush()))
        return failure();
      for (Region &region : op.getRegions())
        for (Block &nested : region)
          if (failed(mapBlock(nested)))
            return failure();
      continue;
    }
    if (touchesDeviceDataDeep(&op) || dependsOnRun(op)) {
      run.push_back(&op);
      inRun.insert(&op);
      continue;
    }
    // A host op (sizes, allocations, views) ends the run unless the run
    // needs none of its results later, in which case it moves before the
    // run.
    if (!run.empty() &&
        (isMemoryEffectFree(&op) || isa<memref::AllocOp, memref::AllocaOp>(op))) {
      op.moveBefore(run.front());
      continue;
    }
    if (failed(flush()))
      return failure();
  }
  return flush();
}

/// Kernels must not see the driver's stack buffers.
LogicalResult RecurGPUMapPass::checkCaptures(func::FuncOp func) {
  WalkResult result = func.walk([&](gpu::LaunchOp launch) {
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(launch.getBody(), captured);
    for (Value v : captured)
      if (isa<MemRefType>(v.getType()) && isHostMemory(v)) {
        launch.emitError() << "GPU targets: a kernel would read a buffer of "
                              "the host";
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

void RecurGPUMapPass::runOnOperation() {
  func::FuncOp func = getOperation();
  // Entries only: private functions are helpers of the driver (the
  // deallocation helper, on its stack buffers) or of kernels (copied into
  // the kernel module as they are).
  if (func.isExternal() || func.isPrivate())
    return;
  if (failed(materializeGlobals(func)))
    return signalPassFailure();
  keepShapeBuffersOnHost(func);
  WalkResult calls = func.walk([&](func::CallOp call) {
    // The scan kernels' drivers (--recur-gpu-scan-kernels) launch their own.
    if (call.getCallee().starts_with("__recur_gpu_scan_"))
      return WalkResult::advance();
    for (Value operand : call.getOperands())
      if (isa<MemRefType, UnrankedMemRefType>(operand.getType()) &&
          !isHostMemory(operand) && !call->getParentOfType<scf::ParallelOp>()) {
        call.emitError() << "GPU targets: calls of functions that take "
                            "tensors are not supported yet outside parallel "
                            "loops";
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  if (calls.wasInterrupted())
    return signalPassFailure();
  for (Block &block : func.getBody())
    if (failed(mapBlock(block)))
      return signalPassFailure();
  if (failed(checkCaptures(func)))
    return signalPassFailure();
}

//===----------------------------------------------------------------------===//
// --recur-gpu-collect-kernels
//===----------------------------------------------------------------------===//

struct RecurGPUCollectKernelsPass
    : recur::impl::RecurGPUCollectKernelsBase<RecurGPUCollectKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<gpu::GPUModuleOp> gpuModules(
        module.getOps<gpu::GPUModuleOp>());
    if (gpuModules.empty())
      return;
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto merged = gpu::GPUModuleOp::create(b, module.getLoc(),
                                           recur::kGPUKernelModule);
    SymbolTable mergedSymbols(merged);
    // Old (module, kernel) -> new kernel name.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    SmallVector<Attribute> kernels;
    for (gpu::GPUModuleOp m : gpuModules) {
      for (Operation &op : llvm::make_early_inc_range(*m.getBody())) {
        auto func = dyn_cast<gpu::GPUFuncOp>(op);
        StringAttr oldName = SymbolTable::getSymbolName(&op);
        // Outlining copies the functions a kernel calls into its module:
        // one copy of each is enough.
        if (!(func && func.isKernel()) && mergedSymbols.lookup(oldName)) {
          op.erase();
          continue;
        }
        op.moveBefore(merged.getBody(), merged.getBody()->end());
        // insert() renames on a clash.
        StringAttr newName = mergedSymbols.insert(&op);
        if (func && func.isKernel()) {
          renamed[{m.getSymNameAttr(), oldName}] = newName;
          kernels.push_back(newName);
        }
      }
      m.erase();
    }
    module->setAttr(recur::kGPUKernelsAttr, ArrayAttr::get(ctx, kernels));
    // Functions (the deallocation helper) and globals the kernels use are
    // copied into the kernel module.
    SymbolTable moduleSymbols(module);
    SmallVector<Operation *> worklist;
    merged.walk([&](Operation *op) { worklist.push_back(op); });
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val();
      std::optional<SymbolTable::UseRange> uses = SymbolTable::getSymbolUses(op);
      if (!uses)
        continue;
      for (const SymbolTable::SymbolUse &use : *uses) {
        auto ref = dyn_cast<FlatSymbolRefAttr>(use.getSymbolRef());
        if (!ref || mergedSymbols.lookup(ref.getAttr()))
          continue;
        Operation *def = moduleSymbols.lookup(ref.getAttr());
        if (!def || !isa<func::FuncOp, memref::GlobalOp>(def))
          continue;
        auto cb = OpBuilder::atBlockEnd(merged.getBody());
        Operation *copy = cb.clone(*def);
        if (auto f = dyn_cast<func::FuncOp>(copy))
          f.setPrivate();
        mergedSymbols.insert(copy);
        copy->walk([&](Operation *nested) { worklist.push_back(nested); });
      }
    }
    // Launches name kernels by their index.
    SymbolTable symbols(module);
    unsigned count = 0;
    WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = renamed.find({launch.getKernelModuleName(),
                              launch.getKernelName()});
      if (it == renamed.end()) {
        launch.emitError() << "launch of an unknown kernel";
        return WalkResult::interrupt();
      }
      auto index = llvm::find(kernels, it->second) - kernels.begin();
      OpBuilder lb(launch);
      Location loc = launch.getLoc();
      SmallVector<Value> operands;
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
      gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
      operands.append({grid.x, grid.y, grid.z, block.x, block.y, block.z});
      Value shared = launch.getDynamicSharedMemorySize();
      operands.push_back(shared ? arith::IndexCastOp::create(
                                      lb, loc, lb.getIndexType(), shared)
                                      .getResult()
                                : indexConstant(lb, loc, 0));
      llvm::append_range(operands, launch.getKernelOperands());
      std::string name = (Twine(recur::kGPULaunchPrefix) + Twine(count++)).str();
      auto decl = func::FuncOp::create(
          lb.getUnknownLoc(), name,
          FunctionType::get(ctx, ValueRange(operands).getTypes(), {}));
      decl.setPrivate();
      decl->setAttr(recur::kGPULaunchKernelAttr, lb.getI64IntegerAttr(index));
      symbols.insert(decl);
      func::CallOp::create(lb, loc, decl, operands);
      launch.erase();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
  }
};

} // namespace

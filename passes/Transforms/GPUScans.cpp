//===- GPUScans.cpp - diagonal linear scans as block-level GPU scans ------===//
//
// --recur-gpu-scans (tensors): each recur.linear_scan with a diagonal or
// scalar transition (f32; diagonal on any time axis, scalar on axis 0;
// sequence lengths too) becomes a call
// of a private declaration, which bufferization treats as an opaque
// function that reads its operands and returns new buffers.
//
// --recur-gpu-scan-kernels (buffers, after bufferization): gives each such
// declaration a body: one gpu.launch of a block-level scan. The kernel runs
// one block of 256 threads per state element ("channel") and walks the
// sequence in tiles of 256 x 4 steps:
//
//   1. each thread composes its 4 steps, h -> A h + B, sequentially;
//   2. a warp-level inclusive scan of the (A, B) pairs with up-shuffles;
//   3. warp totals through shared memory, combined by thread 0 into each
//      warp's exclusive prefix and the tile's total;
//   4. each thread starts from the carried state through its prefix and
//      writes its 4 states; the carry moves on by the tile's total.
//
// The operator (A2, B2) o (A1, B1) = (A2 A1, A2 B1 + B2) is associative;
// the scan runs in fp32 like the sequential reference.
//
//===----------------------------------------------------------------------===//

#include "dialects/Recur/IR/RecurOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace recur {
#define GEN_PASS_DEF_RECURGPUSCANS
#define GEN_PASS_DEF_RECURGPUSCANKERNELS
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kScanPrefix = "__recur_gpu_scan_";
/// On the declaration: {reverse, unit} (unit: state elements per
/// coefficient; 1 for diagonal).
constexpr llvm::StringLiteral kScanAttr = "recur.gpu_scan";
constexpr int64_t kThreads = 256;
constexpr int64_t kWarp = 32;
constexpr int64_t kStepsPerThread = 4;

//===----------------------------------------------------------------------===//
// --recur-gpu-scans
//===----------------------------------------------------------------------===//

/// A coefficient computed elementwise from sequences of the state's shape
/// (a stateless recurrence whose body is a tree of elementwise
/// linalg.generic ops with identity maps): the sequences, and a scalar
/// function computing one element from one element of each, which the scan
/// kernel calls in its loads instead of reading the materialized tensor.
struct FusedCoefficient {
  SmallVector<Value> inputs;
  func::FuncOp fn;
};

class CoefficientFuser {
public:
  CoefficientFuser(ModuleOp module, SymbolTable &symbols)
      : module(module), symbols(symbols) {}

  std::optional<FusedCoefficient> fuse(Value x, int64_t timeAxis,
                                       StringRef name);

private:
  /// The scalar of `v` (a value of the map's body) in the function being
  /// built, or null when `v` is not elementwise.
  Value scalarOf(Value v);

  ModuleOp module;
  SymbolTable &symbols;
  recur::RecurrenceOp map;
  OpBuilder *fb = nullptr;
  Block *fnBlock = nullptr;
  DenseMap<Value, Value> scalars;
  SmallVector<Value> inputs;
};

Value CoefficientFuser::scalarOf(Value v) {
  if (Value known = scalars.lookup(v))
    return known;
  Block *body = &map.getBodyBlock();
  Value result;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    // A step of one of the map's sequences.
    if (arg.getOwner() != body || arg.getArgNumber() >= map.getSequences().size())
      return nullptr;
    Value outer = map.getSequences()[arg.getArgNumber()];
    if (!cast<ShapedType>(outer.getType()).getElementType().isF32())
      return nullptr;
    inputs.push_back(outer);
    result = fnBlock->addArgument(fb->getF32Type(), outer.getLoc());
  } else if (auto generic = v.getDefiningOp<linalg::GenericOp>()) {
    if (generic->getBlock() != body || generic.getNumDpsInits() != 1 ||
        generic->getNumResults() != 1 ||
        generic.getNumParallelLoops() != generic.getNumLoops() ||
        !llvm::all_of(generic.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); }))
      return nullptr;
    Block &payload = generic.getRegion().front();
    // The output's old value is not an elementwise input.
    if (!payload.getArguments().back().use_empty())
      return nullptr;
    IRMapping mapping;
    for (auto [operand, arg] :
         llvm::zip(generic.getDpsInputs(), payload.getArguments())) {
      Value scalar = scalarOf(operand);
      if (!scalar)
        return nullptr;
      mapping.map(arg, scalar);
    }
    for (Operation &op : payload.without_terminator()) {
      if (op.getNumRegions() != 0 ||
          !isa<arith::ArithDialect, math::MathDialect>(op.getDialect()))
        return nullptr;
      for (Value operand : op.getOperands()) {
        if (mapping.contains(operand))
          continue;
        // Constants of the body are cloned; nothing else from outside.
        auto constant = operand.getDefiningOp<arith::ConstantOp>();
        if (!constant)
          return nullptr;
        mapping.map(operand, fb->clone(*constant)->getResult(0));
      }
      fb->clone(op, mapping);
    }
    result = mapping.lookup(payload.getTerminator()->getOperand(0));
  } else {
    return nullptr;
  }
  scalars[v] = result;
  return result;
}

std::optional<FusedCoefficient>
CoefficientFuser::fuse(Value x, int64_t timeAxis, StringRef name) {
  map = x.getDefiningOp<recur::RecurrenceOp>();
  if (!map || map.getNumStates() != 0 || map.getSeqLens() ||
      map.getReverse() || !map.getCaptures().empty() ||
      map.getTimeAxisIndex() != timeAxis)
    return std::nullopt;
  unsigned index = cast<OpResult>(x).getResultNumber();
  Value yielded = map.getYield()->getOperand(index);
  // The function, built as we go; erased when the tree is not elementwise.
  OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
  auto fn = func::FuncOp::create(mb, x.getLoc(), name,
                                 mb.getFunctionType({}, {}));
  fn.setPrivate();
  fnBlock = fn.addEntryBlock();
  OpBuilder builder = OpBuilder::atBlockEnd(fnBlock);
  fb = &builder;
  scalars.clear();
  inputs.clear();
  Value result = scalarOf(yielded);
  if (!result || !result.getType().isF32()) {
    fn.erase();
    return std::nullopt;
  }
  func::ReturnOp::create(builder, x.getLoc(), result);
  fn.setType(builder.getFunctionType(fnBlock->getArgumentTypes(),
                                     {builder.getF32Type()}));
  symbols.insert(fn);
  return FusedCoefficient{inputs, fn};
}

struct RecurGPUScansPass
    : recur::impl::RecurGPUScansBase<RecurGPUScansPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<recur::LinearScanOp> scans;
    module.walk([&](recur::LinearScanOp op) { scans.push_back(op); });
    unsigned count = 0;
    for (recur::LinearScanOp op : scans) {
      recur::Structure structure = op.getStructure();
      auto bType = cast<RankedTensorType>(op.getB().getType());
      if ((structure != recur::Structure::diagonal &&
           structure != recur::Structure::scalar) ||
          (structure == recur::Structure::scalar && op.getTimeAxis() != 0) ||
          !bType.getElementType().isF32() || op.getCoefficients().size() != 1)
        continue;
      // The state's elements per coefficient.
      int64_t unit = 1;
      if (structure == recur::Structure::scalar) {
        ArrayRef<int64_t> shape = bType.getShape().drop_front(1);
        int64_t batch = op.getBatchDims();
        for (int64_t d : shape.drop_front(batch)) {
          if (ShapedType::isDynamic(d)) {
            unit = -1;
            break;
          }
          unit *= d;
        }
        if (unit <= 0)
          continue;
      }
      // With sequence lengths: the state elements per batch entry
      // (dimension 0 of the state).
      int64_t perBatch = 0;
      if (op.getSeqLens()) {
        perBatch = 1;
        SmallVector<int64_t> state(bType.getShape());
        state.erase(state.begin() + op.getTimeAxis());
        for (int64_t d : ArrayRef<int64_t>(state).drop_front(1)) {
          if (ShapedType::isDynamic(d)) {
            perBatch = -1;
            break;
          }
          perBatch *= d;
        }
        auto lensType = cast<RankedTensorType>(op.getSeqLens().getType());
        if (perBatch <= 0 || bType.getRank() < 2 ||
            !lensType.getElementType().isInteger(32))
          continue;
      }
      OpBuilder b(op);
      Location loc = op.getLoc();
      auto lastType = cast<RankedTensorType>(op.getLast().getType());
      Value init = op.getInit();
      if (!init) {
        SmallVector<Value> dynamic;
        int64_t axis = op.getTimeAxis();
        for (auto [i, d] : llvm::enumerate(lastType.getShape()))
          if (ShapedType::isDynamic(d))
            dynamic.push_back(tensor::DimOp::create(
                b, loc, op.getB(), int64_t(i) < axis ? i : i + 1));
        Value empty = tensor::EmptyOp::create(b, loc, lastType.getShape(),
                                              lastType.getElementType(),
                                              dynamic);
        Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
        init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
      }
      std::string name;
      do {
        name = (Twine(kScanPrefix) + Twine(count++)).str();
      } while (symbols.lookup(name));
      // h0, the lengths, then the coefficient a (or the sequences a is
      // computed from elementwise), then b (likewise).
      SmallVector<Value> operands{init};
      if (op.getSeqLens())
        operands.push_back(op.getSeqLens());
      CoefficientFuser fuser(module, symbols);
      std::optional<FusedCoefficient> fusedA, fusedB;
      if (structure == recur::Structure::diagonal)
        fusedA = fuser.fuse(op.getCoefficients()[0], op.getTimeAxis(),
                            name + "_a");
      fusedB = fuser.fuse(op.getB(), op.getTimeAxis(), name + "_b");
      if (fusedA)
        llvm::append_range(operands, fusedA->inputs);
      else
        operands.push_back(op.getCoefficients()[0]);
      if (fusedB)
        llvm::append_range(operands, fusedB->inputs);
      else
        operands.push_back(op.getB());
      auto type = FunctionType::get(&getContext(),
                                    ValueRange(operands).getTypes(),
                                    {op.getStates().getType(), lastType});
      OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
      auto decl = func::FuncOp::create(mb, loc, name, type);
      decl.setPrivate();
      // Operands are only read: bufferization need not copy them.
      for (unsigned i = 0; i < operands.size(); ++i)
        decl.setArgAttr(i, "bufferization.access", mb.getStringAttr("read"));
      decl->setAttr(
          kScanAttr,
          mb.getDictionaryAttr(
              {mb.getNamedAttr("reverse", mb.getBoolAttr(op.getReverse())),
               mb.getNamedAttr("unit", mb.getI64IntegerAttr(unit)),
               mb.getNamedAttr("per_batch", mb.getI64IntegerAttr(perBatch)),
               mb.getNamedAttr("time_axis",
                               mb.getI64IntegerAttr(op.getTimeAxis())),
               mb.getNamedAttr("a_inputs",
                               mb.getI64IntegerAttr(
                                   fusedA ? fusedA->inputs.size() : 1)),
               mb.getNamedAttr("b_inputs",
                               mb.getI64IntegerAttr(
                                   fusedB ? fusedB->inputs.size() : 1)),
               mb.getNamedAttr("a_fn",
                               fusedA ? Attribute(FlatSymbolRefAttr::get(
                                            fusedA->fn.getSymNameAttr()))
                                      : mb.getUnitAttr()),
               mb.getNamedAttr("b_fn",
                               fusedB ? Attribute(FlatSymbolRefAttr::get(
                                            fusedB->fn.getSymNameAttr()))
                                      : mb.getUnitAttr())}));
      symbols.insert(decl);
      auto call = func::CallOp::create(b, loc, decl, operands);
      op.replaceAllUsesWith(call.getResults());
      op.erase();
    }
  }
};

//===----------------------------------------------------------------------===//
// --recur-gpu-scan-kernels
//===----------------------------------------------------------------------===//

/// `v` (any rank, identity layout) as a vector.
Value asVector(OpBuilder &b, Location loc, Value v) {
  auto type = cast<MemRefType>(v.getType());
  if (type.getRank() == 1)
    return v;
  if (type.getRank() == 0) {
    auto result = MemRefType::get({1}, type.getElementType());
    return memref::ExpandShapeOp::create(b, loc, result, v,
                                         ArrayRef<ReassociationIndices>{},
                                         ArrayRef<OpFoldResult>{
                                             b.getIndexAttr(1)});
  }
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return memref::CollapseShapeOp::create(b, loc, v,
                                         ArrayRef<ReassociationIndices>{all});
}

class ScanKernelBuilder {
public:
  ScanKernelBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}
  void build(func::FuncOp func, bool reverse, int64_t unit, int64_t perBatch,
             int64_t timeAxis, int64_t wideThreshold, unsigned aInputs,
             unsigned bInputs, FlatSymbolRefAttr aFn, FlatSymbolRefAttr bFn);

private:
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f32(float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  /// (A2, B2) o (A1, B1): first (A1, B1), then (A2, B2).
  std::pair<Value, Value> compose(std::pair<Value, Value> first,
                                  std::pair<Value, Value> second) {
    Value a = arith::MulFOp::create(b, loc, second.first, first.first);
    Value bb = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, second.first, first.second),
        second.second);
    return {a, bb};
  }

  OpBuilder &b;
  Location loc;
};

void ScanKernelBuilder::build(func::FuncOp func, bool reverse, int64_t unit,
                              int64_t perBatch, int64_t timeAxis,
                              int64_t wideThreshold, unsigned aInputs,
                              unsigned bInputs, FlatSymbolRefAttr aFn,
                              FlatSymbolRefAttr bFn) {
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  // h0, the lengths, then a's operands, then b's (--recur-gpu-scans).
  Value h0Arg = entry->getArgument(0);
  Value lensArg = perBatch > 0 ? entry->getArgument(1) : Value();
  unsigned firstCoefficient = perBatch > 0 ? 2 : 1;
  ValueRange aArgs = entry->getArguments().slice(firstCoefficient, aInputs);
  ValueRange bArgs =
      entry->getArguments().slice(firstCoefficient + aInputs, bInputs);
  // Every operand but a scalar a has the shape of b.
  Value bArg = bArgs.front();
  auto statesType = cast<MemRefType>(func.getResultTypes()[0]);
  auto lastType = cast<MemRefType>(func.getResultTypes()[1]);
  // The results, the shapes of b and of the state.
  SmallVector<Value> statesSizes, lastSizes;
  for (int64_t d = 0; d < statesType.getRank(); ++d)
    if (statesType.isDynamicDim(d))
      statesSizes.push_back(memref::DimOp::create(b, loc, bArg, d));
  for (int64_t d = 0; d < lastType.getRank(); ++d)
    if (lastType.isDynamicDim(d))
      lastSizes.push_back(memref::DimOp::create(b, loc, h0Arg, d));
  Value states = memref::AllocOp::create(b, loc, statesType, statesSizes);
  Value last = memref::AllocOp::create(b, loc, lastType, lastSizes);
  // Flat views: b and the states are [outer, T, inner] around the time
  // axis, the state [outer * inner] (element c is (c / inner, c % inner)).
  SmallVector<Value> a1s, b1s;
  for (Value v : aArgs)
    a1s.push_back(asVector(b, loc, v));
  for (Value v : bArgs)
    b1s.push_back(asVector(b, loc, v));
  // a_t and b_t of an element: loaded, or computed from the loaded
  // elements of the sequences they come from.
  auto loadCoefficient = [&](ArrayRef<Value> views, FlatSymbolRefAttr fn,
                             Value at) -> Value {
    SmallVector<Value> elements;
    for (Value view : views)
      elements.push_back(memref::LoadOp::create(b, loc, view, at));
    if (!fn)
      return elements.front();
    return func::CallOp::create(b, loc, fn, TypeRange{b.getF32Type()},
                                elements)
        .getResult(0);
  };
  Value s1 = asVector(b, loc, states);
  Value h0v = asVector(b, loc, h0Arg), lastv = asVector(b, loc, last);
  Value steps = memref::DimOp::create(b, loc, bArg, timeAxis);
  Value inner = idx(1);
  for (int64_t d = timeAxis + 1; d < statesType.getRank(); ++d)
    inner = arith::MulIOp::create(b, loc, inner,
                                  memref::DimOp::create(b, loc, bArg, d));
  Value channels = memref::DimOp::create(b, loc, h0v, 0);
  Value zero = idx(0), one = idx(1);
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                    channels, zero);
  auto ifAny = scf::IfOp::create(b, loc, any, false);
  b.setInsertionPoint(ifAny.thenBlock()->getTerminator());
  auto f32Type = b.getF32Type();

  // Many elements: one thread per element, each walking its sequence (the
  // threads of a warp read neighbouring elements: coalesced).
  Value wide = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                     channels, idx(wideThreshold));
  auto ifWide = scf::IfOp::create(b, loc, wide, /*withElseRegion=*/true);
  b.setInsertionPoint(ifWide.thenBlock()->getTerminator());
  {
    Value grid = arith::CeilDivUIOp::create(b, loc, channels, idx(kThreads));
    auto launch = gpu::LaunchOp::create(b, loc, grid, one, one,
                                        idx(kThreads), one, one);
    Block &body = launch.getBody().front();
    b.setInsertionPointToEnd(&body);
    auto terminator = gpu::TerminatorOp::create(b, loc);
    b.setInsertionPoint(terminator);
    Value c = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, launch.getBlockIds().x, idx(kThreads)),
        launch.getThreadIds().x);
    Value in =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, c, channels);
    auto guard = scf::IfOp::create(b, loc, in, false);
    b.setInsertionPoint(guard.thenBlock()->getTerminator());
    Value outerIndex = arith::DivUIOp::create(b, loc, c, inner);
    Value innerIndex = arith::RemUIOp::create(b, loc, c, inner);
    auto elementAt = [&](Value t) -> Value {
      Value row = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, outerIndex, steps), t);
      return arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, row, inner), innerIndex);
    };
    auto coefficientAt = [&](Value t) -> Value {
      if (unit == 1)
        return elementAt(t);
      Value width = arith::DivUIOp::create(b, loc, channels, idx(unit));
      Value cA = arith::DivUIOp::create(b, loc, c, idx(unit));
      return arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, t, width), cA);
    };
    Value mySteps = steps;
    if (perBatch > 0) {
      Value row = arith::DivUIOp::create(b, loc, c, idx(perBatch));
      Value len = memref::LoadOp::create(b, loc, lensArg,
                                         ValueRange{row});
      Value lenIndex =
          arith::IndexCastOp::create(b, loc, b.getIndexType(), len);
      lenIndex = arith::MaxSIOp::create(b, loc, lenIndex, zero);
      mySteps = arith::MinSIOp::create(b, loc, lenIndex, steps);
    }
    Value lastStep = arith::SubIOp::create(b, loc, mySteps, one);
    Value h0 = memref::LoadOp::create(b, loc, h0v, ValueRange{c});
    auto walk = scf::ForOp::create(
        b, loc, zero, mySteps, one, ValueRange{h0},
        [&](OpBuilder &, Location, Value t, ValueRange h) {
          Value step =
              reverse ? arith::SubIOp::create(b, loc, lastStep, t).getResult()
                      : t;
          Value at = loadCoefficient(a1s, aFn, coefficientAt(step));
          Value bt = loadCoefficient(b1s, bFn, elementAt(step));
          Value next = arith::AddFOp::create(
              b, loc, arith::MulFOp::create(b, loc, at, h[0]), bt);
          memref::StoreOp::create(b, loc, next, s1, elementAt(step));
          scf::YieldOp::create(b, loc, next);
        });
    if (perBatch > 0)
      scf::ForOp::create(b, loc, mySteps, steps, one, ValueRange{},
                         [&](OpBuilder &, Location, Value t, ValueRange) {
                           memref::StoreOp::create(b, loc, f32(0.0f), s1,
                                                   elementAt(t));
                           scf::YieldOp::create(b, loc);
                         });
    memref::StoreOp::create(b, loc, walk.getResult(0), lastv, ValueRange{c});
  }
  // Fewer: the block-level scan.
  b.setInsertionPoint(ifWide.elseBlock()->getTerminator());

  auto shared = gpu::AddressSpaceAttr::get(b.getContext(),
                                           gpu::AddressSpace::Workgroup);
  int64_t warps = kThreads / kWarp;
  // Warp totals, then each warp's exclusive prefix and the tile total.
  auto sharedType =
      MemRefType::get({2 * warps + 2}, f32Type, MemRefLayoutAttrInterface(),
                      shared);
  auto launch = gpu::LaunchOp::create(
      b, loc, channels, one, one, idx(kThreads), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, TypeRange{sharedType, sharedType});
  Block &body = launch.getBody().front();
  b.setInsertionPointToEnd(&body);
  auto terminator = gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(terminator);
  Value sA = launch.getWorkgroupAttributions()[0];
  Value sB = launch.getWorkgroupAttributions()[1];
  Value c = launch.getBlockIds().x, tid = launch.getThreadIds().x;
  Value cA = unit == 1 ? c
                       : arith::DivUIOp::create(b, loc, c, idx(unit))
                             .getResult();
  Value outerIndex = arith::DivUIOp::create(b, loc, c, inner);
  Value innerIndex = arith::RemUIOp::create(b, loc, c, inner);
  Value totalSteps = steps;
  // Where step t of this element is in b and the states, and in a.
  auto elementAt = [&](Value t) -> Value {
    Value row = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, outerIndex, totalSteps), t);
    return arith::AddIOp::create(b, loc,
                                 arith::MulIOp::create(b, loc, row, inner),
                                 innerIndex);
  };
  Value aWidth = unit == 1 ? Value()
                           : arith::DivUIOp::create(b, loc, channels,
                                                    idx(unit))
                                 .getResult();
  auto coefficientAt = [&](Value t) -> Value {
    if (unit == 1)
      return elementAt(t);
    return arith::AddIOp::create(b, loc,
                                 arith::MulIOp::create(b, loc, t, aWidth), cA);
  };
  Value lane = arith::RemUIOp::create(b, loc, tid, idx(kWarp));
  Value warp = arith::DivUIOp::create(b, loc, tid, idx(kWarp));
  Value tile = idx(kThreads * kStepsPerThread);
  Value k = idx(kStepsPerThread);
  Value h0 = memref::LoadOp::create(b, loc, h0v, ValueRange{c});
  Value first = arith::MulIOp::create(b, loc, tid, k);
  // With sequence lengths this block's channel runs min(max(len, 0), T)
  // steps; the states after them are zeros.
  Value allSteps = steps;
  if (perBatch > 0) {
    Value lens = lensArg;
    Value row = arith::DivUIOp::create(b, loc, c, idx(perBatch));
    Value len = memref::LoadOp::create(b, loc, lens, ValueRange{row});
    Value lenIndex =
        arith::IndexCastOp::create(b, loc, b.getIndexType(), len);
    lenIndex = arith::MaxSIOp::create(b, loc, lenIndex, zero);
    steps = arith::MinSIOp::create(b, loc, lenIndex, allSteps);
  }
  Value lastIndex = arith::SubIOp::create(b, loc, steps, one);

  // The step a (tile, position) stands for, and whether it exists.
  auto stepAt = [&](Value t) -> Value {
    return reverse ? arith::SubIOp::create(b, loc, lastIndex, t).getResult()
                   : t;
  };

  auto tiles = scf::ForOp::create(
      b, loc, zero, steps, tile, ValueRange{h0},
      [&](OpBuilder &, Location, Value start, ValueRange iter) {
        Value carry = iter[0];
        Value base = arith::AddIOp::create(b, loc, start, first);
        // 1. This thread's steps, composed.
        auto local = scf::ForOp::create(
            b, loc, zero, k, one, ValueRange{f32(1.0f), f32(0.0f)},
            [&](OpBuilder &, Location, Value j, ValueRange ab) {
              Value t = arith::AddIOp::create(b, loc, base, j);
              Value in = arith::CmpIOp::create(b, loc,
                                               arith::CmpIPredicate::ult, t,
                                               steps);
              auto branch = scf::IfOp::create(b, loc, TypeRange{f32Type,
                                                                f32Type},
                                              in, true);
              b.setInsertionPointToStart(branch.thenBlock());
              Value step = stepAt(t);
              Value at = loadCoefficient(a1s, aFn, coefficientAt(step));
              Value bt = loadCoefficient(b1s, bFn, elementAt(step));
              auto next = compose({ab[0], ab[1]}, {at, bt});
              scf::YieldOp::create(b, loc, ValueRange{next.first,
                                                      next.second});
              b.setInsertionPointToStart(branch.elseBlock());
              scf::YieldOp::create(b, loc, ab);
              b.setInsertionPointAfter(branch);
              scf::YieldOp::create(b, loc, branch.getResults());
            });
        std::pair<Value, Value> mine{local.getResult(0), local.getResult(1)};
        // 2. Inclusive scan across the warp.
        int32_t width = kWarp;
        for (int32_t off = 1; off < kWarp; off *= 2) {
          auto prevA = gpu::ShuffleOp::create(b, loc, mine.first, off, width,
                                              gpu::ShuffleMode::UP);
          auto prevB = gpu::ShuffleOp::create(b, loc, mine.second, off, width,
                                              gpu::ShuffleMode::UP);
          auto combined = compose({prevA.getShuffleResult(),
                                   prevB.getShuffleResult()},
                                  mine);
          Value valid = prevA.getValid();
          mine = {arith::SelectOp::create(b, loc, valid, combined.first,
                                          mine.first),
                  arith::SelectOp::create(b, loc, valid, combined.second,
                                          mine.second)};
        }
        // The exclusive prefix within the warp: the previous lane's.
        auto exA = gpu::ShuffleOp::create(b, loc, mine.first, 1, width,
                                          gpu::ShuffleMode::UP);
        auto exB = gpu::ShuffleOp::create(b, loc, mine.second, 1, width,
                                          gpu::ShuffleMode::UP);
        Value exclusiveA = arith::SelectOp::create(
            b, loc, exA.getValid(), exA.getShuffleResult(), f32(1.0f));
        Value exclusiveB = arith::SelectOp::create(
            b, loc, exB.getValid(), exB.getShuffleResult(), f32(0.0f));
        // 3. Warp totals; thread 0 turns them into prefixes.
        Value isLastLane = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::eq, lane, idx(kWarp - 1));
        auto store = scf::IfOp::create(b, loc, isLastLane, false);
        b.setInsertionPoint(store.thenBlock()->getTerminator());
        memref::StoreOp::create(b, loc, mine.first, sA, ValueRange{warp});
        memref::StoreOp::create(b, loc, mine.second, sB, ValueRange{warp});
        b.setInsertionPointAfter(store);
        gpu::BarrierOp::create(b, loc);
        Value isFirst =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, zero);
        auto prefixes = scf::IfOp::create(b, loc, isFirst, false);
        b.setInsertionPoint(prefixes.thenBlock()->getTerminator());
        auto walk = scf::ForOp::create(
            b, loc, zero, idx(warps), one, ValueRange{f32(1.0f), f32(0.0f)},
            [&](OpBuilder &, Location, Value w, ValueRange acc) {
              Value wA = memref::LoadOp::create(b, loc, sA, ValueRange{w});
              Value wB = memref::LoadOp::create(b, loc, sB, ValueRange{w});
              Value slot = arith::AddIOp::create(b, loc, w, idx(warps));
              memref::StoreOp::create(b, loc, acc[0], sA, ValueRange{slot});
              memref::StoreOp::create(b, loc, acc[1], sB, ValueRange{slot});
              auto next = compose({acc[0], acc[1]}, {wA, wB});
              scf::YieldOp::create(b, loc,
                                   ValueRange{next.first, next.second});
            });
        memref::StoreOp::create(b, loc, walk.getResult(0), sA,
                                ValueRange{idx(2 * warps)});
        memref::StoreOp::create(b, loc, walk.getResult(1), sB,
                                ValueRange{idx(2 * warps)});
        b.setInsertionPointAfter(prefixes);
        gpu::BarrierOp::create(b, loc);
        // 4. This thread's start: the carry through the warp's prefix, then
        // through the lanes before it.
        Value slot = arith::AddIOp::create(b, loc, warp, idx(warps));
        Value pA = memref::LoadOp::create(b, loc, sA, ValueRange{slot});
        Value pB = memref::LoadOp::create(b, loc, sB, ValueRange{slot});
        auto prefix = compose({pA, pB}, {exclusiveA, exclusiveB});
        Value h = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, prefix.first, carry),
            prefix.second);
        scf::ForOp::create(
            b, loc, zero, k, one, ValueRange{h},
            [&](OpBuilder &, Location, Value j, ValueRange hs) {
              Value t = arith::AddIOp::create(b, loc, base, j);
              Value in = arith::CmpIOp::create(b, loc,
                                               arith::CmpIPredicate::ult, t,
                                               steps);
              auto branch =
                  scf::IfOp::create(b, loc, TypeRange{f32Type}, in, true);
              b.setInsertionPointToStart(branch.thenBlock());
              Value step = stepAt(t);
              Value at = loadCoefficient(a1s, aFn, coefficientAt(step));
              Value bt = loadCoefficient(b1s, bFn, elementAt(step));
              Value next = arith::AddFOp::create(
                  b, loc, arith::MulFOp::create(b, loc, at, hs[0]), bt);
              memref::StoreOp::create(b, loc, next, s1, elementAt(step));
              scf::YieldOp::create(b, loc, next);
              b.setInsertionPointToStart(branch.elseBlock());
              scf::YieldOp::create(b, loc, hs);
              b.setInsertionPointAfter(branch);
              scf::YieldOp::create(b, loc, branch.getResults());
            });
        // The carry moves on by the tile's total.
        Value tA = memref::LoadOp::create(b, loc, sA, ValueRange{idx(2 * warps)});
        Value tB = memref::LoadOp::create(b, loc, sB, ValueRange{idx(2 * warps)});
        Value nextCarry = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, tA, carry), tB);
        // Shared memory is rewritten by the next tile.
        gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, nextCarry);
      });
  if (perBatch > 0) {
    // Steps past the length: zeros.
    Value from = arith::AddIOp::create(b, loc, steps, tid);
    scf::ForOp::create(b, loc, from, allSteps, idx(kThreads), ValueRange{},
                       [&](OpBuilder &, Location, Value t, ValueRange) {
                         memref::StoreOp::create(b, loc, f32(0.0f), s1,
                                                 elementAt(t));
                         scf::YieldOp::create(b, loc);
                       });
  }
  Value isFirst =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, zero);
  auto writeLast = scf::IfOp::create(b, loc, isFirst, false);
  b.setInsertionPoint(writeLast.thenBlock()->getTerminator());
  memref::StoreOp::create(b, loc, tiles.getResult(0), lastv, ValueRange{c});

  // No channel: the last state is the (empty) initial state.
  b.setInsertionPointAfter(ifAny);
  func::ReturnOp::create(b, loc, ValueRange{states, last});
}

struct RecurGPUScanKernelsPass
    : recur::impl::RecurGPUScanKernelsBase<RecurGPUScanKernelsPass> {
  using RecurGPUScanKernelsBase::RecurGPUScanKernelsBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      auto info = func->getAttrOfType<DictionaryAttr>(kScanAttr);
      if (!info || !func.isExternal())
        continue;
      for (Type t : func.getFunctionType().getInputs())
        if (auto m = dyn_cast<MemRefType>(t); !m || !m.getLayout().isIdentity()) {
          func.emitError() << "GPU scan: expected identity-layout buffers";
          return signalPassFailure();
        }
      OpBuilder b(&getContext());
      ScanKernelBuilder(b, func.getLoc())
          .build(func, cast<BoolAttr>(info.get("reverse")).getValue(),
                 cast<IntegerAttr>(info.get("unit")).getInt(),
                 cast<IntegerAttr>(info.get("per_batch")).getInt(),
                 cast<IntegerAttr>(info.get("time_axis")).getInt(),
                 wideThreshold,
                 cast<IntegerAttr>(info.get("a_inputs")).getInt(),
                 cast<IntegerAttr>(info.get("b_inputs")).getInt(),
                 dyn_cast<FlatSymbolRefAttr>(info.get("a_fn")),
                 dyn_cast<FlatSymbolRefAttr>(info.get("b_fn")));
      func->removeAttr(kScanAttr);
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        func.removeArgAttr(i, "bufferization.access");
    }
  }
};

} // namespace

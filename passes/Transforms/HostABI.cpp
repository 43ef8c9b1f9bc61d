//===- HostABI.cpp - the host shared object's contract --------------------===//
//
// --recur-host-mark-entries (func level) and --recur-host-abi (LLVM dialect):
// make compiled host code follow runtime/include/recur/host_abi.h -- exported
// entry points taking descriptor pointers, parallel loops handed to the
// runtime's parallel_for, a version symbol, and nothing else exported.
// Declarations of the ABI's helpers (@__recur_newton_report,
// @__recur_device_read) get bodies that call the env's callbacks.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

namespace recur {
#define GEN_PASS_DEF_RECURHOSTMARKENTRIES
#define GEN_PASS_DEF_RECURHOSTABI
#include "passes/Passes.h.inc"
} // namespace recur

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// --recur-host-mark-entries
//===----------------------------------------------------------------------===//

/// Whether `type` is what a host_abi.h descriptor describes: a ranked memref
/// whose strides are those of its shape (the runtime hands in dense buffers
/// and reads results as dense).
bool isDescriptorType(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getLayout().isIdentity();
}

struct RecurHostMarkEntriesPass
    : recur::impl::RecurHostMarkEntriesBase<RecurHostMarkEntriesPass> {
  void runOnOperation() override {
    StringRef cInterface = LLVM::LLVMDialect::getEmitCWrapperAttrName();
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      FunctionType type = func.getFunctionType();
      auto check = [&](TypeRange types, StringRef what) {
        for (auto [i, t] : llvm::enumerate(types)) {
          if (isDescriptorType(t))
            continue;
          func.emitError() << "host entry point @" << func.getSymName() << ": "
                           << what << " #" << i << " has type " << t
                           << "; entry points take and return only ranked "
                              "memrefs with the identity layout";
          return false;
        }
        return true;
      };
      if (!check(type.getInputs(), "operand") ||
          !check(type.getResults(), "result")) {
        signalPassFailure();
        continue;
      }
      func->setAttr(cInterface, UnitAttr::get(&getContext()));
    }
  }
};

//===----------------------------------------------------------------------===//
// --recur-host-abi
//===----------------------------------------------------------------------===//

/// The rank of a memref descriptor struct as func-to-llvm builds it
/// ({ptr allocated, ptr aligned, i64 offset, [R x i64] sizes, [R x i64]
/// strides}; rank 0 has no arrays), or nothing for any other type.
std::optional<unsigned> descriptorRank(Type type) {
  auto s = dyn_cast<LLVM::LLVMStructType>(type);
  if (!s || s.isOpaque())
    return std::nullopt;
  ArrayRef<Type> body = s.getBody();
  auto isI64 = [](Type t) { return t.isInteger(64); };
  if ((body.size() != 3 && body.size() != 5) ||
      !isa<LLVM::LLVMPointerType>(body[0]) ||
      !isa<LLVM::LLVMPointerType>(body[1]) || !isI64(body[2]))
    return std::nullopt;
  if (body.size() == 3)
    return 0u;
  auto sizes = dyn_cast<LLVM::LLVMArrayType>(body[3]);
  if (!sizes || sizes != body[4] || !isI64(sizes.getElementType()))
    return std::nullopt;
  return sizes.getNumElements();
}

/// How many memref descriptors `types` spells when each was expanded into
/// the arguments ptr, ptr, i64 offset, R i64 sizes, R i64 strides, or
/// nothing when it is not such a sequence.
std::optional<unsigned> countExpandedDescriptors(ArrayRef<Type> types) {
  unsigned count = 0;
  for (size_t i = 0; i < types.size(); ++count) {
    if (i + 2 >= types.size() || !isa<LLVM::LLVMPointerType>(types[i]) ||
        !isa<LLVM::LLVMPointerType>(types[i + 1]))
      return std::nullopt;
    size_t words = 0; // offset, sizes, strides
    for (i += 2; i < types.size() && types[i].isInteger(64); ++i)
      ++words;
    if (words % 2 != 1)
      return std::nullopt;
  }
  return count;
}

class HostABIBuilder {
public:
  explicit HostABIBuilder(ModuleOp module)
      : module(module), symbols(module), ctx(module.getContext()),
        ptrType(LLVM::LLVMPointerType::get(ctx)),
        i64Type(IntegerType::get(ctx, 64)) {}

  /// Gives `launch` (a declaration) a body, and creates its thunk.
  LogicalResult implementLaunch(LLVM::LLVMFuncOp launch);
  /// Gives `launch` (a GPU launch declaration of --recur-gpu-collect-
  /// kernels) a body calling env->launch.
  LogicalResult implementGPULaunch(LLVM::LLVMFuncOp launch);
  /// Host code of a GPU target: malloc/aligned_alloc/free calls outside
  /// device code go to env->device_alloc/device_free.
  LogicalResult useDeviceMemory();
  /// Host code of the host target: malloc, aligned_alloc (alignment <= 64)
  /// and free calls go to env->host_alloc/host_free, or to the C library
  /// where there is no env or no such callback.
  LogicalResult useHostMemory();
  /// The malloc, aligned_alloc and free calls outside device code.
  SmallVector<LLVM::CallOp> allocationCalls();
  /// Replaces `calls` (allocationCalls) by calls of `alloc` (i64 bytes ->
  /// ptr) and `release` (ptr -> void); an aligned_alloc whose alignment is
  /// not a constant of at most `maxAlignment` stays.
  LogicalResult redirectAllocations(ArrayRef<LLVM::CallOp> calls,
                                    LLVM::LLVMFuncOp alloc,
                                    LLVM::LLVMFuncOp release,
                                    uint64_t maxAlignment);
  /// Gives @__recur_newton_report (a declaration) a body calling
  /// env->report_newton when there is one.
  LogicalResult implementNewtonReport(LLVM::LLVMFuncOp report);
  /// Gives @__recur_device_read (a declaration) a body calling
  /// env->device_read, or memcpy without one.
  LogicalResult implementDeviceRead(LLVM::LLVMFuncOp read);
  /// Creates the exported entry of the public function `func`.
  LogicalResult createEntry(LLVM::LLVMFuncOp func);
  /// Creates the exported version function unless it exists.
  void createVersion();
  /// Gives every definition but the entries and the version internal
  /// linkage, so that the shared object exports nothing else.
  void internalize();

private:
  /// A function loading the env and calling its field `index` (a callback
  /// of type `type`) with env->ctx first, then the function's arguments.
  LLVM::LLVMFuncOp getOrCreateEnvCall(StringRef name, unsigned index,
                                      LLVM::LLVMFunctionType type);
  /// The thread-local `@__recur_env` (created on first use): the env of the
  /// entry running on this thread, read by launches.
  LLVM::GlobalOp getOrCreateEnvGlobal();
  /// The address of this thread's `@__recur_env`.
  Value envSlot(OpBuilder &b, Location loc);
  /// Loads this thread's env and its field `index`; branches to `missing`
  /// when either is null, else continues in a new block (where `b` is left)
  /// with the env's ctx and the field in `envCtx` and `callee`.
  void loadEnvCallback(OpBuilder &b, Location loc, Region &region,
                       unsigned index, Block *missing, Value &envCtx,
                       Value &callee);
  /// Emits an error on `decl` unless its type is `expected`.
  LogicalResult checkDeclType(LLVM::LLVMFuncOp decl,
                              LLVM::LLVMFunctionType expected,
                              StringRef spelled);
  /// A new function with an empty entry block, after `after` or else at the
  /// end of the module.
  LLVM::LLVMFuncOp createFunc(Location loc, StringRef name, Type result,
                              ArrayRef<Type> inputs, LLVM::Linkage linkage,
                              Operation *after = nullptr);

  ModuleOp module;
  SymbolTable symbols;
  MLIRContext *ctx;
  Type ptrType, i64Type;
  LLVM::GlobalOp envGlobal;
};

LLVM::LLVMFuncOp HostABIBuilder::createFunc(Location loc, StringRef name,
                                            Type result, ArrayRef<Type> inputs,
                                            LLVM::Linkage linkage,
                                            Operation *after) {
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  if (after)
    b.setInsertionPointAfter(after);
  auto func = LLVM::LLVMFuncOp::create(
      b, loc, name, LLVM::LLVMFunctionType::get(result, inputs), linkage);
  symbols.insert(func);
  func.addEntryBlock(b);
  return func;
}

LLVM::GlobalOp HostABIBuilder::getOrCreateEnvGlobal() {
  if (envGlobal)
    return envGlobal;
  if ((envGlobal = symbols.lookup<LLVM::GlobalOp>(recur::kHostEnvGlobal)))
    return envGlobal;
  // Thread-local because two threads may run entries with different envs at
  // once; a launch always runs on the thread of its entry (bodies do not
  // launch), so it reads the right one.
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Location loc = module.getLoc();
  envGlobal = LLVM::GlobalOp::create(
      b, loc, ptrType, /*isConstant=*/false, LLVM::Linkage::Internal,
      recur::kHostEnvGlobal, Attribute(), /*alignment=*/8, /*addrSpace=*/0,
      /*dsoLocal=*/false, /*threadLocal=*/true);
  Block *init = b.createBlock(&envGlobal.getInitializerRegion());
  b.setInsertionPointToStart(init);
  LLVM::ReturnOp::create(b, loc,
                         ValueRange{LLVM::ZeroOp::create(b, loc, ptrType)});
  symbols.insert(envGlobal);
  return envGlobal;
}

Value HostABIBuilder::envSlot(OpBuilder &b, Location loc) {
  Value global = LLVM::AddressOfOp::create(b, loc, getOrCreateEnvGlobal());
  return LLVM::ThreadlocalAddressOp::create(b, loc, ptrType, global);
}

LogicalResult HostABIBuilder::implementLaunch(LLVM::LLVMFuncOp launch) {
  StringRef index =
      launch.getName().drop_front(recur::kHostParLaunchPrefix.size());
  // The body the outlining pass recorded, or else the one with the same N.
  std::string bodyName = (Twine(recur::kHostParBodyPrefix) + index).str();
  if (auto ref =
          launch->getAttrOfType<FlatSymbolRefAttr>(recur::kHostParBodyAttr))
    bodyName = ref.getValue().str();
  auto body = symbols.lookup<LLVM::LLVMFuncOp>(bodyName);
  if (!body || body.isExternal())
    return launch.emitError()
           << "no definition of @" << bodyName << " for this parallel launch";
  // After func-to-llvm both have the captures' expanded arguments: the
  // launch after n, the body after begin and end.
  LLVM::LLVMFunctionType launchType = launch.getFunctionType();
  LLVM::LLVMFunctionType bodyType = body.getFunctionType();
  ArrayRef<Type> launchInputs = launchType.getParams();
  ArrayRef<Type> bodyInputs = bodyType.getParams();
  if (launchInputs.empty() || bodyInputs.size() != launchInputs.size() + 1 ||
      launchInputs[0] != i64Type || bodyInputs[0] != i64Type ||
      bodyInputs[1] != i64Type ||
      launchInputs.drop_front(1) != bodyInputs.drop_front(2) ||
      !isa<LLVM::LLVMVoidType>(launchType.getReturnType()) ||
      !isa<LLVM::LLVMVoidType>(bodyType.getReturnType()))
    return launch.emitError()
           << "signature does not match @" << bodyName
           << ": expected (i64 n, captures...) and (i64 begin, i64 end, "
              "captures...)";

  Location loc = launch.getLoc();
  ArrayRef<Type> captureTypes = launchInputs.drop_front(1);
  Type voidType = LLVM::LLVMVoidType::get(ctx);
  // The captures, then the launching thread's env: the thunk makes it this
  // thread's env while the body runs, so that the body's allocations reach
  // env->host_alloc on worker threads too.
  SmallVector<Type> fieldTypes(captureTypes);
  fieldTypes.push_back(ptrType);
  auto fieldsType = LLVM::LLVMStructType::getLiteral(ctx, fieldTypes);
  int32_t envField = static_cast<int32_t>(captureTypes.size());

  // void @__recur_par_thunk_N(ptr data, i64 begin, i64 end): the
  // recur_host_parallel_body the runtime calls.
  std::string thunkName = (Twine(recur::kHostParThunkPrefix) + index).str();
  if (symbols.lookup(thunkName))
    return launch.emitError() << "@" << thunkName << " already exists";
  LLVM::LLVMFuncOp thunk =
      createFunc(loc, thunkName, voidType, {ptrType, i64Type, i64Type},
                 LLVM::Linkage::Internal, /*after=*/launch);
  {
    Block *entry = &thunk.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    SmallVector<Value> args{entry->getArgument(1), entry->getArgument(2)};
    for (auto [i, type] : llvm::enumerate(captureTypes)) {
      Value field = LLVM::GEPOp::create(
          b, loc, ptrType, fieldsType, entry->getArgument(0),
          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
      args.push_back(LLVM::LoadOp::create(b, loc, type, field));
    }
    Value envAt = LLVM::GEPOp::create(b, loc, ptrType, fieldsType,
                                      entry->getArgument(0),
                                      ArrayRef<LLVM::GEPArg>{0, envField});
    Value launchEnv = LLVM::LoadOp::create(b, loc, ptrType, envAt);
    Value slot = envSlot(b, loc);
    Value previous = LLVM::LoadOp::create(b, loc, ptrType, slot);
    LLVM::StoreOp::create(b, loc, launchEnv, slot);
    LLVM::CallOp::create(b, loc, body, args);
    LLVM::StoreOp::create(b, loc, previous, slot);
    LLVM::ReturnOp::create(b, loc, ValueRange());
  }

  // The launch: captures into a stack struct (parallel_for returns only when
  // every range has run, so the frame outlives the workers' reads), then
  // env->parallel_for(env->ctx, n, thunk, &struct).
  OpBuilder b(ctx);
  Block *entry = launch.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  Value n = entry->getArgument(0);
  Value one = LLVM::ConstantOp::create(b, loc, i64Type, 1);
  Value data = LLVM::AllocaOp::create(b, loc, ptrType, fieldsType, one);
  for (auto [i, arg] : llvm::enumerate(entry->getArguments().drop_front())) {
    Value field = LLVM::GEPOp::create(
        b, loc, ptrType, fieldsType, data,
        ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    LLVM::StoreOp::create(b, loc, arg, field);
  }
  Value env = LLVM::LoadOp::create(b, loc, ptrType, envSlot(b, loc));
  LLVM::StoreOp::create(
      b, loc, env,
      LLVM::GEPOp::create(b, loc, ptrType, fieldsType, data,
                          ArrayRef<LLVM::GEPArg>{0, envField}));
  Value noEnv = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, env,
                                     LLVM::ZeroOp::create(b, loc, ptrType));
  // Too little work for the pool (--recur-outline-host-parallel's
  // estimate): run it here too.
  if (auto minIterations = launch->getAttrOfType<IntegerAttr>(
          recur::kHostParMinIterationsAttr)) {
    Value threshold =
        LLVM::ConstantOp::create(b, loc, i64Type, minIterations.getInt());
    Value small = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, n,
                                       threshold);
    noEnv = LLVM::OrOp::create(b, loc, noEnv, small);
  }
  Block *parallel = b.createBlock(&launch.getBody());
  Block *sequential = b.createBlock(&launch.getBody());
  b.setInsertionPointToEnd(entry);
  LLVM::CondBrOp::create(b, loc, noEnv, sequential, parallel);

  // recur_host_env is { void *ctx; void (*parallel_for)(...); }: two
  // pointers, ctx at offset 0 and parallel_for at offset 8, as the literal
  // struct {ptr, ptr} lays them out.
  b.setInsertionPointToStart(parallel);
  auto envType = LLVM::LLVMStructType::getLiteral(ctx, {ptrType, ptrType});
  Value envCtx = LLVM::LoadOp::create(b, loc, ptrType, env);
  Value forSlot = LLVM::GEPOp::create(b, loc, ptrType, envType, env,
                                      ArrayRef<LLVM::GEPArg>{0, 1});
  Value parallelFor = LLVM::LoadOp::create(b, loc, ptrType, forSlot);
  // void (*)(void *ctx, int64_t n, recur_host_parallel_body, void *data)
  auto parallelForType = LLVM::LLVMFunctionType::get(
      voidType, {ptrType, i64Type, ptrType, ptrType});
  Value thunkAddress = LLVM::AddressOfOp::create(b, loc, thunk);
  LLVM::CallOp::create(b, loc, parallelForType,
                       ValueRange{parallelFor, envCtx, n, thunkAddress, data});
  LLVM::ReturnOp::create(b, loc, ValueRange());

  // No runtime (the code called without an entry, or a null env): run all
  // iterations here.
  b.setInsertionPointToStart(sequential);
  Value zero = LLVM::ConstantOp::create(b, loc, i64Type, 0);
  LLVM::CallOp::create(b, loc, thunk, ValueRange{data, zero, n});
  LLVM::ReturnOp::create(b, loc, ValueRange());

  launch.setLinkage(LLVM::Linkage::Internal);
  // The thunk references the body now; LLVM IR has no use for the name.
  launch->removeAttr(recur::kHostParBodyAttr);
  launch->removeAttr(recur::kHostParMinIterationsAttr);
  return success();
}

// recur_host_env's fields, 8 bytes each: ctx, parallel_for, device_alloc,
// device_free, launch, report_newton, device_read (host ABI version 3).
static constexpr unsigned kEnvFields = 9;
static constexpr unsigned kEnvDeviceAlloc = 2;
static constexpr unsigned kEnvDeviceFree = 3;
static constexpr unsigned kEnvLaunch = 4;
static constexpr unsigned kEnvReportNewton = 5;
static constexpr unsigned kEnvDeviceRead = 6;
static constexpr unsigned kEnvHostAlloc = 7;
static constexpr unsigned kEnvHostFree = 8;

LLVM::LLVMFuncOp
HostABIBuilder::getOrCreateEnvCall(StringRef name, unsigned index,
                                   LLVM::LLVMFunctionType type) {
  if (auto existing = symbols.lookup<LLVM::LLVMFuncOp>(name))
    return existing;
  Location loc = module.getLoc();
  LLVM::LLVMFuncOp func =
      createFunc(loc, name, type.getReturnType(), type.getParams(),
                 LLVM::Linkage::Internal);
  Block *entry = &func.getBody().front();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  SmallVector<Type> fields(kEnvFields, ptrType);
  auto envType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  Value env = LLVM::LoadOp::create(b, loc, ptrType, envSlot(b, loc));
  Value envCtx = LLVM::LoadOp::create(b, loc, ptrType, env);
  Value slot = LLVM::GEPOp::create(
      b, loc, ptrType, envType, env,
      ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(index)});
  Value callee = LLVM::LoadOp::create(b, loc, ptrType, slot);
  SmallVector<Type> calleeParams{ptrType};
  llvm::append_range(calleeParams, type.getParams());
  auto calleeType =
      LLVM::LLVMFunctionType::get(type.getReturnType(), calleeParams);
  SmallVector<Value> args{callee, envCtx};
  llvm::append_range(args, entry->getArguments());
  auto call = LLVM::CallOp::create(b, loc, calleeType, args);
  if (isa<LLVM::LLVMVoidType>(type.getReturnType()))
    LLVM::ReturnOp::create(b, loc, ValueRange());
  else
    LLVM::ReturnOp::create(b, loc, call.getResults());
  return func;
}

void HostABIBuilder::loadEnvCallback(OpBuilder &b, Location loc, Region &region,
                                     unsigned index, Block *missing,
                                     Value &envCtx, Value &callee) {
  SmallVector<Type> fields(kEnvFields, ptrType);
  auto envType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  Block *current = b.getInsertionBlock();
  Value null = LLVM::ZeroOp::create(b, loc, ptrType);
  Value env = LLVM::LoadOp::create(b, loc, ptrType, envSlot(b, loc));
  Value noEnv =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, env, null);
  Block *hasEnv = b.createBlock(&region, region.end());
  Block *hasCallee = b.createBlock(&region, region.end());
  b.setInsertionPointToEnd(current);
  LLVM::CondBrOp::create(b, loc, noEnv, missing, hasEnv);

  b.setInsertionPointToStart(hasEnv);
  Value slot = LLVM::GEPOp::create(
      b, loc, ptrType, envType, env,
      ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(index)});
  callee = LLVM::LoadOp::create(b, loc, ptrType, slot);
  Value noCallee =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, callee, null);
  LLVM::CondBrOp::create(b, loc, noCallee, missing, hasCallee);

  b.setInsertionPointToStart(hasCallee);
  envCtx = LLVM::LoadOp::create(b, loc, ptrType, env);
}

LogicalResult HostABIBuilder::checkDeclType(LLVM::LLVMFuncOp decl,
                                            LLVM::LLVMFunctionType expected,
                                            StringRef spelled) {
  if (decl.getFunctionType() == expected)
    return success();
  return decl.emitError() << "@" << decl.getName() << " must be declared as "
                          << spelled << ", not " << decl.getFunctionType();
}

LogicalResult HostABIBuilder::implementNewtonReport(LLVM::LLVMFuncOp report) {
  Type voidType = LLVM::LLVMVoidType::get(ctx);
  if (failed(checkDeclType(
          report,
          LLVM::LLVMFunctionType::get(voidType, {i64Type, i64Type, i64Type}),
          "(i64 site, i64 iterations, i64 converged) -> void")))
    return failure();
  // entry: env and env->report_newton, or return when either is null.
  Location loc = report.getLoc();
  OpBuilder b(ctx);
  Block *entry = report.addEntryBlock(b);
  Region &body = report.getBody();
  Block *done = b.createBlock(&body, body.end());
  LLVM::ReturnOp::create(b, loc, ValueRange());
  b.setInsertionPointToEnd(entry);
  Value envCtx, callee;
  loadEnvCallback(b, loc, body, kEnvReportNewton, done, envCtx, callee);
  // void (*report_newton)(void *ctx, int64_t site, int64_t iterations,
  //                       int64_t converged)
  auto calleeType = LLVM::LLVMFunctionType::get(
      voidType, {ptrType, i64Type, i64Type, i64Type});
  SmallVector<Value> args{callee, envCtx};
  llvm::append_range(args, entry->getArguments());
  LLVM::CallOp::create(b, loc, calleeType, args);
  LLVM::BrOp::create(b, loc, ValueRange(), done);
  // The return block last, for readability of the output.
  done->moveBefore(&body, body.end());
  report.setLinkage(LLVM::Linkage::Internal);
  return success();
}

LogicalResult HostABIBuilder::implementDeviceRead(LLVM::LLVMFuncOp read) {
  Type voidType = LLVM::LLVMVoidType::get(ctx);
  if (failed(checkDeclType(
          read,
          LLVM::LLVMFunctionType::get(voidType, {ptrType, ptrType, i64Type}),
          "(ptr host_dst, ptr device_src, i64 bytes) -> void")))
    return failure();
  Location loc = read.getLoc();
  OpBuilder b(ctx);
  Block *entry = read.addEntryBlock(b);
  Region &body = read.getBody();
  Value dst = entry->getArgument(0), src = entry->getArgument(1),
        bytes = entry->getArgument(2);
  // No env or no device_read (the host target, or code called without the
  // runtime): device memory is host memory, so copy it here.
  Block *copy = b.createBlock(&body, body.end());
  LLVM::MemcpyOp::create(b, loc, dst, src, bytes, /*isVolatile=*/false);
  LLVM::ReturnOp::create(b, loc, ValueRange());
  b.setInsertionPointToEnd(entry);
  Value envCtx, callee;
  loadEnvCallback(b, loc, body, kEnvDeviceRead, copy, envCtx, callee);
  // void (*device_read)(void *ctx, void *host_dst, const void *device_src,
  //                     int64_t bytes)
  auto calleeType = LLVM::LLVMFunctionType::get(
      voidType, {ptrType, ptrType, ptrType, i64Type});
  LLVM::CallOp::create(b, loc, calleeType,
                       ValueRange{callee, envCtx, dst, src, bytes});
  LLVM::ReturnOp::create(b, loc, ValueRange());
  copy->moveBefore(&body, body.end());
  read.setLinkage(LLVM::Linkage::Internal);
  return success();
}

LogicalResult HostABIBuilder::implementGPULaunch(LLVM::LLVMFuncOp launch) {
  auto kernel = launch->getAttrOfType<IntegerAttr>(recur::kGPULaunchKernelAttr);
  LLVM::LLVMFunctionType type = launch.getFunctionType();
  // grid x, y, z, block x, y, z, dynamic shared bytes, then the kernel's
  // parameters.
  constexpr unsigned kConfig = 7;
  if (!kernel || type.getNumParams() < kConfig ||
      !llvm::all_of(type.getParams().take_front(kConfig),
                    [&](Type t) { return t == i64Type; }))
    return launch.emitError()
           << "GPU launch declarations take 7 i64 (grid, block, dynamic "
              "shared bytes) and the kernel's parameters, and name their "
              "kernel in "
           << recur::kGPULaunchKernelAttr;
  Type voidType = LLVM::LLVMVoidType::get(ctx);
  // void launch(ctx, i64 kernel, 7 x i64, void **args, i64 n)
  SmallVector<Type> launchParams(8, i64Type);
  launchParams.append({ptrType, i64Type});
  LLVM::LLVMFuncOp callback = getOrCreateEnvCall(
      "__recur_env_launch", kEnvLaunch,
      LLVM::LLVMFunctionType::get(voidType, launchParams));

  Location loc = launch.getLoc();
  OpBuilder b(ctx);
  Block *entry = launch.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  ArrayRef<Type> kernelParams = type.getParams().drop_front(kConfig);
  Value one = LLVM::ConstantOp::create(b, loc, i64Type, 1);
  Value count =
      LLVM::ConstantOp::create(b, loc, i64Type, int64_t(kernelParams.size()));
  // Each parameter in a stack slot; args[i] points to slot i.
  Value args = LLVM::AllocaOp::create(
      b, loc, ptrType, ptrType,
      LLVM::ConstantOp::create(b, loc, i64Type,
                               int64_t(std::max<size_t>(kernelParams.size(), 1))));
  for (auto [i, t] : llvm::enumerate(kernelParams)) {
    Value slot = LLVM::AllocaOp::create(b, loc, ptrType, t, one);
    LLVM::StoreOp::create(b, loc, entry->getArgument(kConfig + i), slot);
    Value at = LLVM::GEPOp::create(b, loc, ptrType, ptrType, args,
                                   ArrayRef<LLVM::GEPArg>{int32_t(i)});
    LLVM::StoreOp::create(b, loc, slot, at);
  }
  SmallVector<Value> callArgs{
      LLVM::ConstantOp::create(b, loc, i64Type, kernel.getInt())};
  llvm::append_range(callArgs, entry->getArguments().take_front(kConfig));
  callArgs.append({args, count});
  LLVM::CallOp::create(b, loc, callback, callArgs);
  LLVM::ReturnOp::create(b, loc, ValueRange());
  launch.setLinkage(LLVM::Linkage::Internal);
  launch->removeAttr(recur::kGPULaunchKernelAttr);
  return success();
}

SmallVector<LLVM::CallOp> HostABIBuilder::allocationCalls() {
  SmallVector<LLVM::CallOp> calls;
  module.walk([&](LLVM::CallOp call) {
    auto func = call->getParentOfType<LLVM::LLVMFuncOp>();
    if (func && !func->hasAttr(recur::kDeviceCodeAttr) && call.getCallee() &&
        llvm::is_contained({"malloc", "aligned_alloc", "free"},
                           *call.getCallee()))
      calls.push_back(call);
  });
  return calls;
}

LogicalResult HostABIBuilder::redirectAllocations(ArrayRef<LLVM::CallOp> calls,
                                                  LLVM::LLVMFuncOp alloc,
                                                  LLVM::LLVMFuncOp release,
                                                  uint64_t maxAlignment) {
  for (LLVM::CallOp call : calls) {
    OpBuilder b(call);
    StringRef callee = *call.getCallee();
    if (callee == "free") {
      LLVM::CallOp::create(b, call.getLoc(), release, call.getArgOperands());
      call.erase();
      continue;
    }
    Value size = call.getArgOperands().back();
    if (size.getType() != i64Type)
      return call.emitError() << "unexpected allocation size type";
    if (callee == "aligned_alloc") {
      APInt alignment;
      if (!matchPattern(call.getArgOperands().front(),
                        m_ConstantInt(&alignment)) ||
          alignment.getZExtValue() > maxAlignment)
        continue;
    }
    auto replacement = LLVM::CallOp::create(b, call.getLoc(), alloc, size);
    call.getResult().replaceAllUsesWith(replacement.getResult());
    call.erase();
  }
  return success();
}

LogicalResult HostABIBuilder::useDeviceMemory() {
  Type voidType = LLVM::LLVMVoidType::get(ctx);
  LLVM::LLVMFuncOp alloc = getOrCreateEnvCall(
      "__recur_env_device_alloc", kEnvDeviceAlloc,
      LLVM::LLVMFunctionType::get(ptrType, {i64Type}));
  LLVM::LLVMFuncOp release = getOrCreateEnvCall(
      "__recur_env_device_free", kEnvDeviceFree,
      LLVM::LLVMFunctionType::get(voidType, {ptrType}));
  // Device memory is aligned to 256.
  return redirectAllocations(allocationCalls(), alloc, release, 256);
}

LogicalResult HostABIBuilder::useHostMemory() {
  SmallVector<LLVM::CallOp> calls = allocationCalls();
  if (calls.empty())
    return success();
  Location loc = module.getLoc();
  Type voidType = LLVM::LLVMVoidType::get(ctx);
  auto declare = [&](StringRef name, Type result, ArrayRef<Type> inputs) {
    if (auto existing = symbols.lookup<LLVM::LLVMFuncOp>(name))
      return existing;
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto decl = LLVM::LLVMFuncOp::create(
        b, loc, name, LLVM::LLVMFunctionType::get(result, inputs));
    symbols.insert(decl);
    return decl;
  };
  LLVM::LLVMFuncOp alignedAlloc =
      declare("aligned_alloc", ptrType, {i64Type, i64Type});
  LLVM::LLVMFuncOp cFree = declare("free", voidType, {ptrType});
  if (failed(checkDeclType(
          alignedAlloc, LLVM::LLVMFunctionType::get(ptrType, {i64Type, i64Type}),
          "(i64, i64) -> ptr")) ||
      failed(checkDeclType(cFree,
                           LLVM::LLVMFunctionType::get(voidType, {ptrType}),
                           "(ptr) -> void")))
    return failure();

  // ptr @__recur_host_alloc(i64 bytes): env->host_alloc(ctx, bytes), else
  // aligned_alloc(64, bytes rounded up to 64).
  LLVM::LLVMFuncOp alloc =
      createFunc(loc, "__recur_host_alloc", ptrType, {i64Type},
                 LLVM::Linkage::Internal);
  {
    OpBuilder b(ctx);
    Region &body = alloc.getBody();
    Block *entry = &body.front();
    Value bytes = entry->getArgument(0);
    Block *fallback = b.createBlock(&body, body.end());
    Value c63 = LLVM::ConstantOp::create(b, loc, i64Type, 63);
    Value c64 = LLVM::ConstantOp::create(b, loc, i64Type, 64);
    Value mask = LLVM::ConstantOp::create(b, loc, i64Type, ~int64_t(63));
    Value rounded = LLVM::AndOp::create(
        b, loc, LLVM::AddOp::create(b, loc, bytes, c63), mask);
    Value got = LLVM::CallOp::create(b, loc, alignedAlloc,
                                     ValueRange{c64, rounded})
                    .getResult();
    LLVM::ReturnOp::create(b, loc, got);
    b.setInsertionPointToEnd(entry);
    Value envCtx, callee;
    loadEnvCallback(b, loc, body, kEnvHostAlloc, fallback, envCtx, callee);
    auto calleeType =
        LLVM::LLVMFunctionType::get(ptrType, {ptrType, i64Type});
    Value result = LLVM::CallOp::create(b, loc, calleeType,
                                        ValueRange{callee, envCtx, bytes})
                       .getResult();
    LLVM::ReturnOp::create(b, loc, result);
    fallback->moveBefore(&body, body.end());
  }
  // void @__recur_host_free(ptr): env->host_free(ctx, ptr), else free(ptr).
  LLVM::LLVMFuncOp release =
      createFunc(loc, "__recur_host_free", voidType, {ptrType},
                 LLVM::Linkage::Internal);
  {
    OpBuilder b(ctx);
    Region &body = release.getBody();
    Block *entry = &body.front();
    Value ptr = entry->getArgument(0);
    Block *fallback = b.createBlock(&body, body.end());
    LLVM::CallOp::create(b, loc, cFree, ValueRange{ptr});
    LLVM::ReturnOp::create(b, loc, ValueRange());
    b.setInsertionPointToEnd(entry);
    Value envCtx, callee;
    loadEnvCallback(b, loc, body, kEnvHostFree, fallback, envCtx, callee);
    auto calleeType = LLVM::LLVMFunctionType::get(voidType, {ptrType, ptrType});
    LLVM::CallOp::create(b, loc, calleeType, ValueRange{callee, envCtx, ptr});
    LLVM::ReturnOp::create(b, loc, ValueRange());
    fallback->moveBefore(&body, body.end());
  }

  // host_alloc promises 64-byte alignment.
  return redirectAllocations(calls, alloc, release, 64);
}

LogicalResult HostABIBuilder::createEntry(LLVM::LLVMFuncOp func) {
  StringRef name = func.getName();
  LLVM::LLVMFunctionType type = func.getFunctionType();
  auto notDescriptors = [&](StringRef what) {
    return func.emitError()
           << "host entry point @" << name << ": " << what
           << "; entry points take and return only ranked memrefs (lowered "
              "to memref descriptors)";
  };

  std::optional<unsigned> numOperands =
      countExpandedDescriptors(type.getParams());
  if (!numOperands)
    return notDescriptors("its arguments are not memref descriptors");
  // One result is returned as its descriptor, several as a struct of them.
  Type resultType = type.getReturnType();
  unsigned numResults = 0;
  if (descriptorRank(resultType)) {
    numResults = 1;
  } else if (auto results = dyn_cast<LLVM::LLVMStructType>(resultType)) {
    if (results.isOpaque() || results.getBody().size() < 2 ||
        !llvm::all_of(results.getBody(),
                      [](Type t) { return descriptorRank(t).has_value(); }))
      return notDescriptors("its results are not memref descriptors");
    numResults = results.getBody().size();
  } else if (!isa<LLVM::LLVMVoidType>(resultType)) {
    return notDescriptors("its result is not a memref descriptor");
  }

  // _mlir_ciface_f(ptr results?, ptr operand0, ...): func-to-llvm's wrapper
  // for functions with llvm.emit_c_interface. It takes each memref by a
  // pointer to its descriptor, and returns descriptors by storing them
  // through the first pointer.
  std::string cifaceName = ("_mlir_ciface_" + name).str();
  auto ciface = symbols.lookup<LLVM::LLVMFuncOp>(cifaceName);
  if (!ciface)
    return func.emitError()
           << "host entry point @" << name << " has no C interface @"
           << cifaceName
           << " (run --recur-host-mark-entries before the lowering to LLVM)";
  LLVM::LLVMFunctionType cifaceType = ciface.getFunctionType();
  unsigned numCifaceArgs = *numOperands + (numResults ? 1 : 0);
  if (cifaceType.getNumParams() != numCifaceArgs ||
      !llvm::all_of(cifaceType.getParams(),
                    llvm::IsaPred<LLVM::LLVMPointerType>) ||
      !isa<LLVM::LLVMVoidType>(cifaceType.getReturnType()))
    return ciface.emitError()
           << "expected " << numCifaceArgs
           << " pointer arguments and no result for the C interface of @"
           << name;

  std::string entryName = (Twine(recur::kHostEntryPrefix) + name).str();
  if (symbols.lookup(entryName))
    return func.emitError() << "@" << entryName << " already exists";
  // void entry(const recur_host_env *env, void **operands, void *results)
  Location loc = func.getLoc();
  LLVM::LLVMFuncOp entryFunc =
      createFunc(loc, entryName, LLVM::LLVMVoidType::get(ctx),
                 {ptrType, ptrType, ptrType}, LLVM::Linkage::External);
  Block *entry = &entryFunc.getBody().front();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  // The env is this call's: launches inside read it. The previous one is put
  // back afterwards, so that entries may nest.
  Value slot = envSlot(b, loc);
  Value previous = LLVM::LoadOp::create(b, loc, ptrType, slot);
  LLVM::StoreOp::create(b, loc, entry->getArgument(0), slot);

  SmallVector<Value> args;
  // host_abi.h lays the results' descriptors out one after the other, each
  // 3 + 2R words of 8 bytes: exactly the descriptor struct (two pointers,
  // then i64s, all 8-byte aligned, so no padding) and, for several results,
  // the struct of those structs that the wrapper stores.
  if (numResults)
    args.push_back(entry->getArgument(2));
  // operands is void **: operands[i] points to operand i's descriptor, which
  // is what the wrapper takes.
  for (unsigned i = 0; i < *numOperands; ++i) {
    Value operandSlot =
        LLVM::GEPOp::create(b, loc, ptrType, ptrType, entry->getArgument(1),
                            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    args.push_back(LLVM::LoadOp::create(b, loc, ptrType, operandSlot));
  }
  LLVM::CallOp::create(b, loc, ciface, args);
  LLVM::StoreOp::create(b, loc, previous, slot);
  LLVM::ReturnOp::create(b, loc, ValueRange());
  return success();
}

void HostABIBuilder::createVersion() {
  if (symbols.lookup(recur::kHostABIVersionSymbol))
    return;
  Type i32Type = IntegerType::get(ctx, 32);
  LLVM::LLVMFuncOp version =
      createFunc(module.getLoc(), recur::kHostABIVersionSymbol, i32Type, {},
                 LLVM::Linkage::External);
  OpBuilder b = OpBuilder::atBlockBegin(&version.getBody().front());
  Value value = LLVM::ConstantOp::create(b, module.getLoc(), i32Type,
                                         recur::kHostABIVersion);
  LLVM::ReturnOp::create(b, module.getLoc(), value);
}

void HostABIBuilder::internalize() {
  auto isExported = [](StringRef name) {
    return name.starts_with(recur::kHostEntryPrefix) ||
           name.starts_with(recur::kSimKernelPrefix) ||
           name == recur::kHostABIVersionSymbol;
  };
  for (Operation &op : module.getBody()->getOperations()) {
    if (auto func = dyn_cast<LLVM::LLVMFuncOp>(op)) {
      // Declarations (malloc, free, libm) are resolved by the loader.
      if (!func.isExternal() && func.getLinkage() == LLVM::Linkage::External &&
          !isExported(func.getName()))
        func.setLinkage(LLVM::Linkage::Internal);
    } else if (auto global = dyn_cast<LLVM::GlobalOp>(op)) {
      bool defined = global.getValueOrNull() || global.getInitializerBlock();
      if (defined && global.getLinkage() == LLVM::Linkage::External &&
          !isExported(global.getSymName()))
        global.setLinkage(LLVM::Linkage::Internal);
    }
  }
}

struct RecurHostABIPass : recur::impl::RecurHostABIBase<RecurHostABIPass> {
  using RecurHostABIBase::RecurHostABIBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    HostABIBuilder abi(module);
    SmallVector<LLVM::LLVMFuncOp> launches, gpuLaunches, entries;
    SmallVector<LLVM::LLVMFuncOp> newtonReports, deviceReads;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      if (func->hasAttr(recur::kDeviceCodeAttr))
        continue;
      StringRef name = func.getName();
      if (name == recur::kNewtonReportSymbol ||
          name == recur::kDeviceReadSymbol) {
        if (func.isExternal())
          (name == recur::kNewtonReportSymbol ? newtonReports : deviceReads)
              .push_back(func);
        continue;
      }
      if (name.starts_with(recur::kHostParLaunchPrefix)) {
        if (func.isExternal())
          launches.push_back(func);
        continue;
      }
      if (name.starts_with(recur::kGPULaunchPrefix)) {
        if (func.isExternal())
          gpuLaunches.push_back(func);
        continue;
      }
      if (!func.isExternal() && func.isPublic() &&
          func.getLinkage() == LLVM::Linkage::External &&
          !name.starts_with("_mlir_ciface_") && !name.starts_with("__recur_"))
        entries.push_back(func);
    }
    bool failed = false;
    // The one function of MLIR's runner library that the lowering calls on
    // its own; the shared object cannot import it.
    module.walk([&](LLVM::CallOp call) {
      if (call.getCallee() == "memrefCopy") {
        call.emitError(
            "a strided memref copy calls memrefCopy (MLIR's runner "
            "library), which host code cannot import; run "
            "--recur-host-expand-copies before the lowering to LLVM");
        failed = true;
      }
    });
    for (LLVM::LLVMFuncOp launch : launches)
      failed |= mlir::failed(abi.implementLaunch(launch));
    for (LLVM::LLVMFuncOp launch : gpuLaunches)
      failed |= mlir::failed(abi.implementGPULaunch(launch));
    for (LLVM::LLVMFuncOp report : newtonReports)
      failed |= mlir::failed(abi.implementNewtonReport(report));
    for (LLVM::LLVMFuncOp read : deviceReads)
      failed |= mlir::failed(abi.implementDeviceRead(read));
    if (deviceMemory)
      failed |= mlir::failed(abi.useDeviceMemory());
    else
      failed |= mlir::failed(abi.useHostMemory());
    for (LLVM::LLVMFuncOp func : entries)
      failed |= mlir::failed(abi.createEntry(func));
    if (failed)
      return signalPassFailure();
    abi.createVersion();
    abi.internalize();
  }
};

} // namespace

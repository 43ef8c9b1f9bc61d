//===- Session.cpp - sessions: host code loaded, plans interpreted --------===//
//
// A session picks the module's host target, loads its shared object, checks
// the host ABI version and resolves every symbol its plans call. A call
// checks the inputs against the function's signature, then runs the plan's
// steps: each HostCall gets memref descriptors for its operands and returns
// descriptors for its results, which become output tensors (taking the
// malloc'ed memory, or copying when it is not the callee's to give).
//
// On a GPU device (sim, cuda) the session picks the target of that kind and
// loads its kernels (GpuDevice.h) and uploads the constants. A step's
// operands are then device copies, the entry allocates and launches through
// env (a GpuStep records the first error and the step's allocations), and
// results are copied back from device memory; every allocation of the step
// is freed when it ends.
//
// Compiled code reports each Newton solve through env->report_newton; the
// session sums the reports of a call into its statistics
// (recur_session_stat), which every call resets.
//
//===----------------------------------------------------------------------===//

#include "BufferCache.h"
#include "GpuDevice.h"
#include "HostLibrary.h"
#include "Internal.h"
#include "ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <unordered_set>

using namespace recur::rt;

namespace {

/// The statistics of one call (runtime.h's recur_stat). Compiled code
/// reports from the calling thread, but parallel bodies see the env too, so
/// every update is an atomic read-modify-write.
struct CallStats {
  std::atomic<int64_t> newtonSolves{0};
  std::atomic<int64_t> newtonIterations{0};
  std::atomic<int64_t> newtonMaxIterations{0};
  std::atomic<int64_t> newtonFallbacks{0};

  void reset() {
    newtonSolves.store(0, std::memory_order_relaxed);
    newtonIterations.store(0, std::memory_order_relaxed);
    newtonMaxIterations.store(0, std::memory_order_relaxed);
    newtonFallbacks.store(0, std::memory_order_relaxed);
  }

  /// One report_newton (host_abi.h). Negative iteration counts (a broken
  /// callee) count as 0.
  void addNewton(int64_t iterations, int64_t converged) {
    iterations = std::max<int64_t>(iterations, 0);
    auto add = [](std::atomic<int64_t> &v, int64_t x) {
      int64_t old = v.load(std::memory_order_relaxed), sum;
      do {
        if (__builtin_add_overflow(old, x, &sum))
          sum = INT64_MAX;
      } while (!v.compare_exchange_weak(old, sum, std::memory_order_relaxed));
    };
    add(newtonSolves, 1);
    add(newtonIterations, iterations);
    int64_t max = newtonMaxIterations.load(std::memory_order_relaxed);
    while (iterations > max &&
           !newtonMaxIterations.compare_exchange_weak(
               max, iterations, std::memory_order_relaxed)) {
    }
    if (!converged)
      add(newtonFallbacks, 1);
  }
};

} // namespace

struct recur_session_s {
  recur_device *device = nullptr;
  recur_module *module = nullptr;
  const TargetInfo *target = nullptr;
  std::unique_ptr<HostLibrary> library = std::make_unique<HostLibrary>();
  /// For each function: its plan in `target`, or null.
  std::vector<const PlanInfo *> planOf;
  /// For each plan of `target`: the entry point of each step.
  std::vector<std::vector<recur_host_entry>> entries;
  /// One call at a time per session.
  std::mutex callMutex;
  /// GPU targets: the device's view of the target, and each constant's
  /// device copy (null when empty), uploaded when the session is made.
  std::unique_ptr<GpuBackend> gpu;
  std::vector<void *> constantBuffers;
  /// The last call's statistics.
  CallStats stats;
  /// Host targets: the buffers host code freed, for its next allocations
  /// (shared with the output tensors made from them, which give their
  /// memory back on release).
  std::shared_ptr<BufferCache> buffers = std::make_shared<BufferCache>();

  ~recur_session_s() {
    if (gpu) {
      std::string ignored;
      gpu->activate(&ignored);
      for (void *p : constantBuffers)
        gpu->release(p);
      gpu.reset();
    }
    // Tensors may outlive the session: what they give back is freed.
    buffers->close();
    // The host code goes first; the module and device it used after.
    library.reset();
    recur_module_release(module);
    recur_device_release(device);
  }
};

//===----------------------------------------------------------------------===//
// Which host code runs here
//===----------------------------------------------------------------------===//

#if defined(__x86_64__)
static const char *const kArchNames[] = {"x86_64", "amd64", "x86_64h"};
#elif defined(__aarch64__)
static const char *const kArchNames[] = {"aarch64", "arm64"};
#elif defined(__riscv) && __riscv_xlen == 64
static const char *const kArchNames[] = {"riscv64"};
#else
static const char *const kArchNames[] = {"unknown-architecture"};
#endif

#if defined(__linux__)
static const char *const kOSName = "linux";
#else
static const char *const kOSName = "unknown-os";
#endif

/// Whether this process can run code for `triple` (arch-vendor-os[-env]).
static bool tripleRunsHere(const std::string &triple) {
  size_t dash = triple.find('-');
  std::string arch = triple.substr(0, dash);
  bool archOk = std::any_of(std::begin(kArchNames), std::end(kArchNames),
                            [&](const char *a) { return arch == a; });
  if (!archOk || dash == std::string::npos)
    return false;
  // The OS is one of the later components (the vendor may be omitted).
  size_t pos = dash + 1;
  while (pos <= triple.size()) {
    size_t next = triple.find('-', pos);
    std::string part = triple.substr(
        pos, next == std::string::npos ? std::string::npos : next - pos);
    if (part.compare(0, std::strlen(kOSName), kOSName) == 0)
      return true;
    if (next == std::string::npos)
      break;
    pos = next + 1;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Session creation
//===----------------------------------------------------------------------===//

/// Loads a GPU target's kernels and uploads the module's constants.
static recur_status prepareGpu(recur_session &session) {
  const TargetInfo &target = *session.target;
  recur_device &device = *session.device;
  std::string error;
  if (device.kind == DeviceKind::Sim)
    session.gpu =
        createSimBackend(target, *session.library, device.pool.get(), &error);
  else
    session.gpu = createCudaBackend(device.cuda, target, &error);
  if (!session.gpu)
    return makeStatus(RECUR_UNAVAILABLE, "device " + quote(device.name) +
                                             ": cannot load the module's " +
                                             targetKindName(target.kind) +
                                             " kernels: " + error);
  if (!session.gpu->activate(&error))
    return makeStatus(RECUR_UNAVAILABLE,
                      "device " + quote(device.name) + ": " + error);
  const recur_module &module = *session.module;
  session.constantBuffers.assign(module.constants.size(), nullptr);
  for (size_t c = 0; c < module.constants.size(); ++c) {
    const ConstantInfo &info = module.constants[c];
    if (!info.byteSize)
      continue;
    void *p = session.gpu->allocate(info.byteSize, &error);
    if (p)
      session.constantBuffers[c] = p;
    if (!p || !session.gpu->copyToDevice(p, info.data, info.byteSize, &error))
      return makeStatus(
          p ? RECUR_UNAVAILABLE : RECUR_OUT_OF_MEMORY,
          "device " + quote(device.name) + ": constant " + std::to_string(c) +
              (info.name.empty() ? "" : " (" + quote(info.name) + ")") + ": " +
              error);
  }
  return nullptr;
}

/// The memref descriptor (host_abi.h) of a dense row-major buffer at
/// `data` with `rank` sizes `shape`, written to `w`.
static void writeDenseDescriptor(int64_t *w, const void *data, int32_t rank,
                                 const int64_t *shape) {
  std::memcpy(&w[0], &data, sizeof(void *));
  std::memcpy(&w[1], &data, sizeof(void *));
  w[2] = 0;
  int64_t stride = 1;
  for (int32_t d = rank - 1; d >= 0; --d) {
    w[3 + d] = shape[d];
    w[3 + rank + d] = stride;
    stride *= shape[d];
  }
}

static recur_status createSession(recur_device *device, recur_module *module,
                                  recur_session **out) {
  // The module's targets of the device's kind, and the first whose host
  // code (for sim and cuda: the driver) runs here.
  TargetKind wanted = targetKindOf(device->kind);
  const char *kindName = targetKindName(wanted);
  const TargetInfo *target = nullptr;
  std::string hostTriples, allTargets;
  for (const TargetInfo &t : module->targets) {
    if (!allTargets.empty())
      allTargets += ", ";
    allTargets += (t.name.empty() ? std::string("(unnamed)") : quote(t.name)) +
                  " (" + targetKindName(t.kind) + ")";
    if (t.kind != wanted)
      continue;
    if (!hostTriples.empty())
      hostTriples += ", ";
    hostTriples += quote(t.triple);
    if (!target && tripleRunsHere(t.triple))
      target = &t;
  }
  if (hostTriples.empty())
    return makeStatus(
        RECUR_UNAVAILABLE,
        "the module has no code for device " + quote(device->name) +
            " (its targets: " +
            (allTargets.empty() ? std::string("none") : allTargets) + ")");
  if (!target)
    return makeStatus(RECUR_UNAVAILABLE,
                      std::string("the module's ") + kindName +
                          " code is for " + hostTriples +
                          ", which this process (" + kArchNames[0] + " " +
                          kOSName + ") cannot run");

  auto session = std::make_unique<recur_session_s>();
  retainModule(module);
  session->module = module;
  retainDevice(device);
  session->device = device;
  session->target = target;

  std::string error;
  if (!session->library->load(target->binary, target->binarySize, &error))
    return makeStatus(RECUR_UNAVAILABLE,
                      "cannot load the module's host code: " + error);

  using VersionFn = uint32_t (*)();
  auto version = reinterpret_cast<VersionFn>(
      session->library->symbol(RECUR_HOST_ABI_VERSION_SYMBOL, &error));
  if (!version)
    return makeStatus(RECUR_UNAVAILABLE,
                      "the module's host code has no " +
                          std::string(RECUR_HOST_ABI_VERSION_SYMBOL) + ": " +
                          error);
  uint32_t v = version();
  if (v != RECUR_HOST_ABI_VERSION)
    return makeStatus(RECUR_UNAVAILABLE,
                      "the module's host code uses host ABI version " +
                          std::to_string(v) + "; this runtime implements " +
                          std::to_string(RECUR_HOST_ABI_VERSION));

  session->planOf.assign(module->functions.size(), nullptr);
  session->entries.resize(target->plans.size());
  for (size_t p = 0; p < target->plans.size(); ++p) {
    const PlanInfo &plan = target->plans[p];
    session->planOf[plan.function] = &plan;
    for (size_t s = 0; s < plan.steps.size(); ++s) {
      const std::string &name = plan.steps[s].symbol;
      void *sym = session->library->symbol(name.c_str(), &error);
      if (!sym)
        return makeStatus(
            RECUR_UNAVAILABLE,
            "function " + quote(module->functions[plan.function].name) +
                " step " + std::to_string(s) + ": symbol " + quote(name) +
                " is missing from the module's host code: " + error);
      session->entries[p].push_back(reinterpret_cast<recur_host_entry>(sym));
    }
  }
  if (wanted != TargetKind::Host)
    if (recur_status s = prepareGpu(*session))
      return s;
  *out = session.release();
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

namespace {

/// A tensor-like view of a plan value.
struct ValueView {
  void *data;
  size_t bytes;
  const int64_t *shape;
  int32_t rank;
};

/// A memory range that results must not take ownership of.
struct Range {
  uintptr_t begin, end; // end > begin, even for empty tensors
  bool contains(const void *p) const {
    auto a = reinterpret_cast<uintptr_t>(p);
    return a >= begin && a < end;
  }
};

Range rangeOf(const void *data, size_t bytes) {
  auto b = reinterpret_cast<uintptr_t>(data);
  return {b, b + std::max<size_t>(bytes, 1)};
}

/// A result descriptor, read back after the call.
struct Result {
  uint32_t output;
  int32_t rank;
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[kMaxRank];
  int64_t strides[kMaxRank];
  bool owned; // ours to free: from malloc and not aliased
  size_t count, bytes;
};

/// Room for a step's result descriptors (host_abi.h), sized by the declared
/// output ranks.
std::vector<int64_t> resultDescriptorWords(const FunctionInfo &fn,
                                           const HostCallStep &step) {
  size_t words = 0;
  for (const ValueRef &ref : step.results)
    words += RECUR_HOST_DESCRIPTOR_WORDS(fn.outputs[ref.index].shape.size());
  return std::vector<int64_t>(std::max<size_t>(words, 1), 0);
}

/// Reads a result's descriptor (host_abi.h) from `w`; r.rank is set.
void readDescriptor(Result &r, const int64_t *w) {
  std::memcpy(&r.allocated, &w[0], sizeof(void *));
  std::memcpy(&r.aligned, &w[1], sizeof(void *));
  r.offset = w[2];
  for (int32_t d = 0; d < r.rank; ++d) {
    r.sizes[d] = w[3 + d];
    r.strides[d] = w[3 + r.rank + d];
  }
}

/// Copies `count` elements laid out with `strides` (in elements) from `src`
/// into dense row-major `dst`.
void copyStrided(uint8_t *dst, const uint8_t *src, int32_t rank,
                 const int64_t *sizes, const int64_t *strides, size_t esize,
                 size_t count) {
  if (count == 0)
    return;
  if (rank == 0) {
    std::memcpy(dst, src, esize);
    return;
  }
  int64_t index[kMaxRank] = {};
  int64_t inner = sizes[rank - 1];
  bool innerDense = strides[rank - 1] == 1;
  size_t rows = count / static_cast<size_t>(inner);
  for (size_t r = 0; r < rows; ++r) {
    int64_t base = 0;
    for (int32_t d = 0; d < rank - 1; ++d)
      base += index[d] * strides[d];
    const uint8_t *row = src + base * static_cast<int64_t>(esize);
    if (innerDense) {
      std::memcpy(dst, row, static_cast<size_t>(inner) * esize);
      dst += static_cast<size_t>(inner) * esize;
    } else {
      for (int64_t i = 0; i < inner; ++i, dst += esize)
        std::memcpy(dst,
                    row + i * strides[rank - 1] * static_cast<int64_t>(esize),
                    esize);
    }
    for (int32_t d = rank - 2; d >= 0; --d) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
}

bool isRowMajor(int32_t rank, const int64_t *sizes, const int64_t *strides) {
  int64_t expected = 1;
  for (int32_t d = rank - 1; d >= 0; --d) {
    if (sizes[d] != 1 && strides[d] != expected)
      return false;
    expected *= sizes[d];
  }
  return true;
}

/// A host step's context (host_abi.h's env->ctx).
struct HostStep {
  ThreadPool *pool;
  CallStats *stats;
  BufferCache *buffers;

  static void *hostAlloc(void *ctx, int64_t bytes) noexcept {
    if (bytes <= 0)
      return nullptr;
    return static_cast<HostStep *>(ctx)->buffers->allocate(
        static_cast<size_t>(bytes));
  }
  static void hostFree(void *ctx, void *ptr) noexcept {
    static_cast<HostStep *>(ctx)->buffers->release(ptr);
  }

  static void parallelFor(void *ctx, int64_t n, recur_host_parallel_body body,
                          void *data) {
    ThreadPool::parallelForThunk(static_cast<HostStep *>(ctx)->pool, n, body,
                                 data);
  }
  static void reportNewton(void *ctx, int64_t, int64_t iterations,
                           int64_t converged) noexcept {
    static_cast<HostStep *>(ctx)->stats->addNewton(iterations, converged);
  }
};

/// Runs one call; owns the outputs produced so far.
class Call {
public:
  Call(recur_session &session, const FunctionInfo &fn, const PlanInfo &plan,
       const std::vector<recur_host_entry> &entries,
       recur_tensor *const *inputs)
      : session(session), module(*session.module), fn(fn), plan(plan),
        entries(entries), inputs(inputs), produced(fn.outputs.size()) {}

  ~Call() {
    for (recur_tensor *t : produced)
      recur_tensor_release(t);
  }

  recur_status run(recur_tensor **outputs) {
    for (size_t s = 0; s < plan.steps.size(); ++s)
      if (recur_status st = runStep(plan.steps[s], entries[s]))
        return prefixStatus(st, "call to " + quote(fn.name) + " step " +
                                    std::to_string(s) + " (" +
                                    quote(plan.steps[s].symbol) + "): ");
    for (size_t o = 0; o < produced.size(); ++o) {
      outputs[o] = produced[o];
      produced[o] = nullptr;
    }
    return nullptr;
  }

private:
  ValueView view(const ValueRef &ref) const {
    switch (ref.kind) {
    case ValueKind::Input: {
      recur_tensor *t = inputs[ref.index];
      return {t->data, t->bytes, t->shape, t->rank};
    }
    case ValueKind::Constant: {
      const ConstantInfo &c = module.constants[ref.index];
      return {const_cast<void *>(c.data), c.byteSize, c.shape.data(),
              static_cast<int32_t>(c.shape.size())};
    }
    case ValueKind::Output: {
      recur_tensor *t = produced[ref.index];
      return {t->data, t->bytes, t->shape, t->rank};
    }
    }
    return {};
  }

  /// Memory that results may alias but never own.
  bool aliasesKnownMemory(const void *p) const {
    for (size_t i = 0; i < fn.inputs.size(); ++i)
      if (rangeOf(inputs[i]->data, inputs[i]->bytes).contains(p))
        return true;
    for (const recur_tensor *t : produced)
      if (t && (rangeOf(t->data, t->bytes).contains(p) || t->owned == p))
        return true;
    const AlignedBytes &buf = module.buffer;
    if (rangeOf(buf.data.get(), buf.size).contains(p))
      return true;
    for (const ConstantInfo &c : module.constants)
      if (c.copy.data && rangeOf(c.data, c.byteSize).contains(p))
        return true;
    return HostLibrary::insideLoadedObject(p);
  }

  recur_status runStep(const HostCallStep &step, recur_host_entry entry);
  recur_status runGpuStep(const HostCallStep &step, recur_host_entry entry);
  recur_status checkResult(Result &r) const;
  recur_status makeOutput(const Result &r, std::vector<void *> &toFree);

  recur_session &session;
  const recur_module &module;
  const FunctionInfo &fn;
  const PlanInfo &plan;
  const std::vector<recur_host_entry> &entries;
  recur_tensor *const *inputs;
  std::vector<recur_tensor *> produced;
};

} // namespace

recur_status Call::checkResult(Result &r) const {
  const ParamInfo &param = fn.outputs[r.output];
  std::string where = "output " + std::to_string(r.output) + " (" +
                      quote(param.name) + "): the host code returned ";
  for (int32_t d = 0; d < r.rank; ++d) {
    if (r.sizes[d] < 0)
      return makeStatus(RECUR_INTERNAL,
                        where + "size " + std::to_string(r.sizes[d]) +
                            " for dimension " + std::to_string(d));
    if (param.shape[d] >= 0 && r.sizes[d] != param.shape[d])
      return makeStatus(RECUR_INTERNAL,
                        where + "size " + std::to_string(r.sizes[d]) +
                            " for dimension " + std::to_string(d) +
                            ", which the module declares as " +
                            std::to_string(param.shape[d]));
  }
  if (!shapeSizes(param.dtype, r.sizes, r.rank, &r.count, &r.bytes))
    return makeStatus(RECUR_INTERNAL, where + "shape " +
                                          shapeString(r.sizes, r.rank) +
                                          ", which overflows the size type");
  if (r.bytes && !r.aligned)
    return makeStatus(RECUR_INTERNAL, where + "a NULL pointer for " +
                                          std::to_string(r.bytes) + " bytes");
  if (r.bytes && r.offset < 0)
    return makeStatus(RECUR_INTERNAL,
                      where + "offset " + std::to_string(r.offset));
  return nullptr;
}

recur_status Call::makeOutput(const Result &r, std::vector<void *> &toFree) {
  const ParamInfo &param = fn.outputs[r.output];
  size_t esize = recur_dtype_size(param.dtype);
  const uint8_t *start = r.bytes ? static_cast<const uint8_t *>(r.aligned) +
                                       r.offset * static_cast<int64_t>(esize)
                                 : nullptr;
  recur_tensor *tensor = nullptr;
  if (r.owned && (r.bytes == 0 || isRowMajor(r.rank, r.sizes, r.strides))) {
    // Take the memory as it is.
    if (recur_status s = adoptTensor(param.dtype, r.rank, r.sizes,
                                     const_cast<uint8_t *>(start), r.allocated,
                                     &tensor, session.buffers))
      return s;
  } else {
    void *copy = r.bytes ? session.buffers->allocate(r.bytes) : nullptr;
    if (r.bytes && !copy)
      return makeStatus(RECUR_OUT_OF_MEMORY,
                        "cannot allocate " + std::to_string(r.bytes) +
                            " bytes for output " + std::to_string(r.output));
    copyStrided(static_cast<uint8_t *>(copy), start, r.rank, r.sizes, r.strides,
                esize, r.count);
    if (recur_status s = adoptTensor(param.dtype, r.rank, r.sizes, copy, copy,
                                     &tensor, session.buffers)) {
      session.buffers->release(copy);
      return s;
    }
    if (r.owned)
      toFree.push_back(r.allocated);
  }
  produced[r.output] = tensor;
  return nullptr;
}

recur_status Call::runStep(const HostCallStep &step, recur_host_entry entry) {
  if (session.gpu)
    return runGpuStep(step, entry);
  // Operand descriptors, one after the other, and pointers to them.
  size_t operandWords = 0;
  std::vector<ValueView> views(step.operands.size());
  for (size_t k = 0; k < step.operands.size(); ++k) {
    views[k] = view(step.operands[k]);
    operandWords += RECUR_HOST_DESCRIPTOR_WORDS(views[k].rank);
  }
  std::vector<int64_t> words(operandWords);
  std::vector<void *> operands(step.operands.size());
  size_t pos = 0;
  for (size_t k = 0; k < views.size(); ++k) {
    const ValueView &v = views[k];
    int64_t *w = words.data() + pos;
    operands[k] = w;
    writeDenseDescriptor(w, v.data, v.rank, v.shape);
    pos += RECUR_HOST_DESCRIPTOR_WORDS(v.rank);
  }

  std::vector<int64_t> results = resultDescriptorWords(fn, step);

  std::vector<Result> rs(step.results.size());
  std::vector<void *> candidates; // owned allocations, no duplicates
  std::vector<void *> toFree;
  candidates.reserve(rs.size());
  toFree.reserve(rs.size());

  HostStep ctx{session.device->pool.get(), &session.stats,
                  session.buffers.get()};
  recur_host_env env{};
  env.ctx = &ctx;
  env.parallel_for = &HostStep::parallelFor;
  env.report_newton = &HostStep::reportNewton;
  env.host_alloc = &HostStep::hostAlloc;
  env.host_free = &HostStep::hostFree;
  entry(&env, operands.data(), results.data());

  // Read the descriptors back and decide who owns what. (Allocated before
  // the call, so that nothing between the call and the hand-over throws.)
  pos = 0;
  for (size_t k = 0; k < rs.size(); ++k) {
    Result &r = rs[k];
    r.output = step.results[k].index;
    r.rank = static_cast<int32_t>(fn.outputs[r.output].shape.size());
    readDescriptor(r, results.data() + pos);
    pos += RECUR_HOST_DESCRIPTOR_WORDS(r.rank);
    r.owned = r.allocated && !aliasesKnownMemory(r.allocated) &&
              std::find(candidates.begin(), candidates.end(), r.allocated) ==
                  candidates.end();
    if (r.owned)
      candidates.push_back(r.allocated); // given to a tensor or freed below
  }

  // Malformed results: free what the callee handed over and fail.
  for (Result &r : rs)
    if (recur_status s = checkResult(r)) {
      for (void *p : candidates)
        session.buffers->release(p);
      return s;
    }

  for (size_t k = 0; k < rs.size(); ++k) {
    if (recur_status s = makeOutput(rs[k], toFree)) {
      // The outputs made so far own their memory; free the rest.
      for (size_t j = k; j < rs.size(); ++j)
        if (rs[j].owned)
          toFree.push_back(rs[j].allocated);
      for (void *p : toFree)
        session.buffers->release(p);
      return s;
    }
  }
  for (void *p : toFree)
    session.buffers->release(p);
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Calls on GPU devices
//===----------------------------------------------------------------------===//

namespace {

/// One GPU step's context (host_abi.h's env->ctx): the device callbacks
/// record the first error here and the device memory the step allocates.
/// The destructor frees every allocation still live and the operands'
/// device copies.
class GpuStep {
public:
  GpuStep(recur_session &session)
      : gpu(*session.gpu), target(*session.target),
        pool(session.device->pool.get()), stats(session.stats),
        constants(session.module->constants),
        constantBuffers(session.constantBuffers) {}

  ~GpuStep() {
    for (auto &[p, bytes] : live)
      gpu.release(p);
    for (auto &[p, bytes] : uploads)
      gpu.release(p);
  }

  GpuStep(const GpuStep &) = delete;
  GpuStep &operator=(const GpuStep &) = delete;

  recur_host_env env() {
    recur_host_env e{};
    e.ctx = this;
    e.parallel_for = &GpuStep::parallelFor;
    e.device_alloc = &GpuStep::deviceAlloc;
    e.device_free = &GpuStep::deviceFree;
    e.launch = &GpuStep::launch;
    e.report_newton = &GpuStep::reportNewton;
    e.device_read = &GpuStep::deviceRead;
    return e;
  }

  /// A device copy of `bytes` at `data` (null for 0 bytes), freed with the
  /// step; false with the error recorded.
  bool upload(const void *data, size_t bytes, void **out) {
    *out = nullptr;
    if (!bytes)
      return true;
    std::string error;
    void *p = gpu.allocate(bytes, &error);
    if (!p) {
      fail(RECUR_OUT_OF_MEMORY, error);
      return false;
    }
    uploads.emplace_back(p, bytes);
    if (!gpu.copyToDevice(p, data, bytes, &error)) {
      fail(RECUR_INTERNAL, error);
      return false;
    }
    *out = p;
    return true;
  }

  void fail(recur_status_code c, std::string message) noexcept {
    if (failed)
      return;
    failed = true;
    code = c;
    try {
      error = std::move(message);
    } catch (...) {
      code = RECUR_OUT_OF_MEMORY;
    }
  }

  /// Waits for the launches; then the first error, or null.
  recur_status finish() {
    if (!failed && launched) {
      std::string e;
      if (!gpu.synchronize(&e))
        fail(RECUR_INTERNAL, "running the kernels failed (the last launched: " +
                                 lastKernel + "): " + e);
    }
    if (!failed)
      return nullptr;
    return makeStatus(code, error.empty() ? "out of memory" : error);
  }

  /// The live allocation of this step that contains `p` (its base and
  /// size), or false.
  bool findAllocation(const void *p, uintptr_t *base, size_t *bytes) const {
    auto a = reinterpret_cast<uintptr_t>(p);
    for (const auto &[q, n] : live) {
      auto b = reinterpret_cast<uintptr_t>(q);
      if (a >= b && a < b + n) {
        *base = b;
        *bytes = n;
        return true;
      }
    }
    return false;
  }

  GpuBackend &gpu;

private:
  static void parallelFor(void *ctx, int64_t n, recur_host_parallel_body body,
                          void *data) {
    auto *self = static_cast<GpuStep *>(ctx);
    if (self->pool)
      self->pool->parallelFor(n, body, data);
    else if (n > 0)
      body(data, 0, n);
  }

  static void *deviceAlloc(void *ctx, int64_t bytes) noexcept {
    auto *self = static_cast<GpuStep *>(ctx);
    if (self->failed || bytes == 0)
      return nullptr;
    try {
      if (bytes < 0) {
        self->fail(RECUR_INTERNAL,
                   "device_alloc of " + std::to_string(bytes) + " bytes");
        return nullptr;
      }
      std::string error;
      void *p = self->gpu.allocate(static_cast<size_t>(bytes), &error);
      if (!p) {
        self->fail(RECUR_OUT_OF_MEMORY, "device_alloc: " + error);
        return nullptr;
      }
      try {
        self->live.emplace(p, static_cast<size_t>(bytes));
      } catch (...) {
        self->gpu.release(p);
        throw;
      }
      return p;
    } catch (...) {
      self->fail(RECUR_OUT_OF_MEMORY, "");
      return nullptr;
    }
  }

  static void deviceFree(void *ctx, void *ptr) noexcept {
    auto *self = static_cast<GpuStep *>(ctx);
    if (!ptr)
      return;
    auto it = self->live.find(ptr);
    if (it == self->live.end()) {
      // Freeing what is not ours could free an operand; keep it.
      try {
        self->fail(RECUR_INTERNAL,
                   "device_free of a pointer that device_alloc did not "
                   "return in this call (or that was freed already)");
      } catch (...) {
        self->fail(RECUR_OUT_OF_MEMORY, "");
      }
      return;
    }
    self->gpu.release(ptr);
    self->live.erase(it);
  }

  static void reportNewton(void *ctx, int64_t, int64_t iterations,
                           int64_t converged) noexcept {
    static_cast<GpuStep *>(ctx)->stats.addNewton(iterations, converged);
  }

  static void deviceRead(void *ctx, void *dst, const void *src,
                         int64_t bytes) noexcept {
    auto *self = static_cast<GpuStep *>(ctx);
    try {
      if (!self->read(dst, src, bytes) && dst && bytes > 0)
        std::memset(dst, 0, static_cast<size_t>(bytes));
    } catch (...) {
      self->fail(RECUR_OUT_OF_MEMORY, "");
      if (dst && bytes > 0)
        std::memset(dst, 0, static_cast<size_t>(bytes));
    }
  }

  /// Whether [p, p + bytes) lies inside device memory of this call: a live
  /// allocation, an operand's copy, or a constant's.
  bool insideDeviceMemory(const void *p, size_t bytes) const {
    auto a = reinterpret_cast<uintptr_t>(p);
    auto inside = [&](const void *base, size_t size) {
      auto b = reinterpret_cast<uintptr_t>(base);
      return base && a >= b && a - b <= size && bytes <= size - (a - b);
    };
    for (const auto &[q, n] : live)
      if (inside(q, n))
        return true;
    for (const auto &[q, n] : uploads)
      if (inside(q, n))
        return true;
    for (size_t c = 0; c < constantBuffers.size(); ++c)
      if (inside(constantBuffers[c], constants[c].byteSize))
        return true;
    return false;
  }

  /// device_read: false (the error recorded, or one recorded before) when
  /// `dst` must be zero-filled.
  bool read(void *dst, const void *src, int64_t bytes) {
    if (failed)
      return false;
    if (bytes == 0)
      return true;
    if (bytes < 0 || !dst) {
      fail(RECUR_INTERNAL, "device_read of " + std::to_string(bytes) +
                               " bytes into " + (dst ? "host memory" : "NULL"));
      return false;
    }
    auto n = static_cast<size_t>(bytes);
    if (!insideDeviceMemory(src, n)) {
      fail(RECUR_INTERNAL, "device_read of " + std::to_string(bytes) +
                               " bytes from memory that is not device "
                               "memory of this call");
      return false;
    }
    std::string e;
    if (launched && !gpu.synchronize(&e)) {
      fail(RECUR_INTERNAL, "running the kernels failed (the last launched: " +
                               lastKernel + "): " + e);
      return false;
    }
    if (!gpu.copyToHost(dst, src, n, &e)) {
      fail(RECUR_INTERNAL,
           "device_read of " + std::to_string(bytes) + " bytes: " + e);
      return false;
    }
    return true;
  }

  static void launch(void *ctx, int64_t kernel, int64_t gx, int64_t gy,
                     int64_t gz, int64_t bx, int64_t by, int64_t bz,
                     int64_t dynamicShared, void **args,
                     int64_t numArgs) noexcept {
    auto *self = static_cast<GpuStep *>(ctx);
    if (self->failed)
      return;
    try {
      self->launchKernel(kernel, {{gx, gy, gz}, {bx, by, bz}, dynamicShared},
                         args, numArgs);
    } catch (...) {
      self->fail(RECUR_OUT_OF_MEMORY, "");
    }
  }

  void launchKernel(int64_t kernel, const LaunchConfig &config, void **args,
                    int64_t numArgs) {
    size_t numKernels = target.kernels.size();
    if (kernel < 0 || static_cast<uint64_t>(kernel) >= numKernels) {
      fail(RECUR_INTERNAL, "launch of kernel number " + std::to_string(kernel) +
                               ", but the target has " +
                               std::to_string(numKernels) + " kernels");
      return;
    }
    const KernelInfo &info = target.kernels[static_cast<size_t>(kernel)];
    std::string name = "kernel " + quote(info.name) + " (number " +
                       std::to_string(kernel) + ")";
    std::string error;
    if (numArgs < 0 || (numArgs > 0 && !args)) {
      fail(RECUR_INTERNAL, name + ": launched with " + std::to_string(numArgs) +
                               " arguments at " +
                               (args ? "a valid pointer" : "NULL"));
      return;
    }
    if (info.numParams && static_cast<uint64_t>(numArgs) != info.numParams) {
      fail(RECUR_INTERNAL, name + ": launched with " +
                               std::to_string(numArgs) +
                               " arguments; it takes " +
                               std::to_string(info.numParams));
      return;
    }
    if (!checkLaunch(info, config, &error)) {
      fail(RECUR_INTERNAL, name + ": cannot launch: " + error);
      return;
    }
    launched = true;
    lastKernel = quote(info.name);
    if (!gpu.launch(static_cast<size_t>(kernel), config, args, numArgs, &error))
      fail(RECUR_INTERNAL, name + ": " + error);
  }

  const TargetInfo &target;
  ThreadPool *pool;
  CallStats &stats;
  const std::vector<ConstantInfo> &constants;
  const std::vector<void *> &constantBuffers;
  std::unordered_map<void *, size_t> live;
  std::vector<std::pair<void *, size_t>> uploads;
  bool failed = false;
  bool launched = false;
  recur_status_code code = RECUR_INTERNAL;
  std::string error;
  std::string lastKernel;
};

} // namespace

recur_status Call::runGpuStep(const HostCallStep &step,
                              recur_host_entry entry) {
  GpuStep ctx(session);
  std::string error;
  if (!ctx.gpu.activate(&error))
    return makeStatus(RECUR_UNAVAILABLE, error);

  // Operands: device copies of inputs (and of outputs of earlier steps),
  // the session's copies of constants. `buffers` remembers each operand's
  // device range, which results may alias (and are then copied from).
  struct Buffer {
    uintptr_t begin;
    size_t bytes;
  };
  std::vector<Buffer> buffers;
  size_t operandWords = 0;
  std::vector<ValueView> views(step.operands.size());
  for (size_t k = 0; k < step.operands.size(); ++k) {
    views[k] = view(step.operands[k]);
    operandWords += RECUR_HOST_DESCRIPTOR_WORDS(views[k].rank);
  }
  std::vector<int64_t> words(operandWords);
  std::vector<void *> operands(step.operands.size());
  std::vector<void *> devicePtrs(step.operands.size(), nullptr);
  size_t pos = 0;
  for (size_t k = 0; k < views.size(); ++k) {
    const ValueRef &ref = step.operands[k];
    const ValueView &v = views[k];
    void *device = nullptr;
    if (ref.kind == ValueKind::Constant) {
      device = session.constantBuffers[ref.index];
    } else {
      // The same value twice is uploaded once.
      for (size_t j = 0; j < k && !device; ++j)
        if (step.operands[j].kind == ref.kind &&
            step.operands[j].index == ref.index)
          device = devicePtrs[j];
      if (!device && !ctx.upload(v.data, v.bytes, &device))
        return prefixStatus(ctx.finish(),
                            "operand " + std::to_string(k) + ": ");
    }
    devicePtrs[k] = device;
    if (device)
      buffers.push_back({reinterpret_cast<uintptr_t>(device), v.bytes});
    int64_t *w = words.data() + pos;
    operands[k] = w;
    writeDenseDescriptor(w, device, v.rank, v.shape);
    pos += RECUR_HOST_DESCRIPTOR_WORDS(v.rank);
  }

  std::vector<int64_t> results = resultDescriptorWords(fn, step);
  std::vector<Result> rs(step.results.size());
  std::vector<recur_tensor *> made(rs.size(), nullptr);

  recur_host_env env = ctx.env();
  entry(&env, operands.data(), results.data());
  if (recur_status s = ctx.finish())
    return s;

  pos = 0;
  for (size_t k = 0; k < rs.size(); ++k) {
    Result &r = rs[k];
    r.output = step.results[k].index;
    r.rank = static_cast<int32_t>(fn.outputs[r.output].shape.size());
    readDescriptor(r, results.data() + pos);
    pos += RECUR_HOST_DESCRIPTOR_WORDS(r.rank);
    r.owned = false; // the step's allocations are all freed with ctx
  }

  auto release = [&] {
    for (recur_tensor *t : made)
      recur_tensor_release(t);
  };
  for (size_t k = 0; k < rs.size(); ++k) {
    Result &r = rs[k];
    if (recur_status s = checkResult(r)) {
      release();
      return s;
    }
    const ParamInfo &param = fn.outputs[r.output];
    std::string where = "output " + std::to_string(r.output) + " (" +
                        quote(param.name) + "): the GPU code returned ";
    size_t esize = recur_dtype_size(param.dtype);
    void *copy = nullptr;
    if (r.bytes) {
      // The buffer it lies in: an allocation of this step or an operand.
      uintptr_t base = 0;
      size_t size = 0;
      bool known = ctx.findAllocation(r.allocated, &base, &size);
      for (size_t b = 0; !known && b < buffers.size(); ++b) {
        auto a = reinterpret_cast<uintptr_t>(r.allocated);
        if (a >= buffers[b].begin && a < buffers[b].begin + buffers[b].bytes) {
          base = buffers[b].begin;
          size = buffers[b].bytes;
          known = true;
        }
      }
      if (!known) {
        release();
        return makeStatus(RECUR_INTERNAL,
                          where + "memory that is neither a device "
                                  "allocation of this call nor an operand");
      }
      if (!isRowMajor(r.rank, r.sizes, r.strides)) {
        std::string strides;
        for (int32_t d = 0; d < r.rank; ++d)
          strides += (d ? "x" : "") + std::to_string(r.strides[d]);
        release();
        return makeStatus(RECUR_INTERNAL,
                          where + "strides " + strides + " for shape " +
                              shapeString(r.sizes, r.rank) +
                              "; results of GPU code must be dense row-major");
      }
      uintptr_t start = reinterpret_cast<uintptr_t>(r.aligned);
      size_t skip;
      bool inside = checkedMul(static_cast<size_t>(r.offset), esize, &skip) &&
                    !__builtin_add_overflow(start, skip, &start) &&
                    start >= base && start - base <= size &&
                    r.bytes <= size - (start - base);
      if (!inside) {
        release();
        return makeStatus(RECUR_INTERNAL,
                          where + std::to_string(r.bytes) +
                              " bytes at offset " + std::to_string(r.offset) +
                              " that do not lie inside its buffer of " +
                              std::to_string(size) + " bytes");
      }
      copy = alignedMalloc(r.bytes);
      if (!copy) {
        release();
        return makeStatus(RECUR_OUT_OF_MEMORY,
                          "cannot allocate " + std::to_string(r.bytes) +
                              " bytes for output " + std::to_string(r.output));
      }
      if (!ctx.gpu.copyToHost(copy, reinterpret_cast<const void *>(start),
                              r.bytes, &error)) {
        std::free(copy);
        release();
        return makeStatus(RECUR_INTERNAL, where +
                                              "memory that cannot be "
                                              "copied back: " +
                                              error);
      }
    }
    if (recur_status s =
            adoptTensor(param.dtype, r.rank, r.sizes, copy, copy, &made[k])) {
      std::free(copy);
      release();
      return s;
    }
  }
  for (size_t k = 0; k < rs.size(); ++k)
    produced[rs[k].output] = made[k];
  return nullptr;
}

static recur_status checkInputs(const FunctionInfo &fn,
                                recur_tensor *const *inputs) {
  struct Binding {
    int32_t symbol;
    size_t input, dim;
    int64_t size;
  };
  std::vector<Binding> bindings;
  for (size_t i = 0; i < fn.inputs.size(); ++i) {
    const ParamInfo &p = fn.inputs[i];
    std::string where =
        "input " + std::to_string(i) + " (" + quote(p.name) + ")";
    const recur_tensor *t = inputs[i];
    if (!t)
      return makeStatus(RECUR_INVALID_ARGUMENT, where + " is NULL");
    if (t->dtype != p.dtype)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        where + ": dtype is " + recur_dtype_name(t->dtype) +
                            ", expected " + recur_dtype_name(p.dtype));
    auto rank = static_cast<int32_t>(p.shape.size());
    if (t->rank != rank)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        where + ": rank is " + std::to_string(t->rank) +
                            ", expected " + std::to_string(rank) + " (" +
                            shapeString(p.shape.data(), p.shape.size()) + ")");
    for (int32_t d = 0; d < rank; ++d) {
      if (p.shape[d] >= 0 && t->shape[d] != p.shape[d])
        return makeStatus(RECUR_INVALID_ARGUMENT,
                          where + ": dimension " + std::to_string(d) + " is " +
                              std::to_string(t->shape[d]) + ", expected " +
                              std::to_string(p.shape[d]));
      int32_t sym = p.symbols.empty() ? -1 : p.symbols[d];
      if (sym < 0)
        continue;
      auto it = std::find_if(bindings.begin(), bindings.end(),
                             [&](const Binding &b) { return b.symbol == sym; });
      if (it == bindings.end()) {
        bindings.push_back({sym, i, static_cast<size_t>(d), t->shape[d]});
      } else if (it->size != t->shape[d]) {
        const ParamInfo &other = fn.inputs[it->input];
        return makeStatus(RECUR_INVALID_ARGUMENT,
                          where + ": dimension " + std::to_string(d) + " is " +
                              std::to_string(t->shape[d]) + " but input " +
                              std::to_string(it->input) + " (" +
                              quote(other.name) + ") dimension " +
                              std::to_string(it->dim) + " (same symbol) is " +
                              std::to_string(it->size));
      }
    }
    size_t esize = recur_dtype_size(t->dtype);
    if (t->bytes && reinterpret_cast<uintptr_t>(t->data) % esize != 0)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        where + ": data is not aligned to its " +
                            std::to_string(esize) + "-byte elements");
  }
  return nullptr;
}

static recur_status callSession(recur_session *session, const char *function,
                                recur_tensor *const *inputs, size_t numInputs,
                                recur_tensor **outputs, size_t numOutputs) {
  if (outputs)
    for (size_t i = 0; i < numOutputs; ++i)
      outputs[i] = nullptr;
  if (!session)
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      "recur_session_call: session or function is NULL");
  std::lock_guard<std::mutex> lock(session->callMutex);
  session->stats.reset();
  if (!function)
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      "recur_session_call: session or function is NULL");
  if (numInputs && !inputs)
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      "recur_session_call: inputs is NULL");
  if (numOutputs && !outputs)
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      "recur_session_call: outputs is NULL");
  const recur_module &module = *session->module;
  auto it = module.functionIndex.find(function);
  if (it == module.functionIndex.end())
    return makeStatus(RECUR_NOT_FOUND, "no function " + quote(function) +
                                           " in the module (it has: " +
                                           functionList(&module) + ")");
  const FunctionInfo &fn = module.functions[it->second];
  std::string prefix = "call to " + quote(fn.name) + ": ";
  if (numInputs != fn.inputs.size())
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      prefix + "the function takes " +
                          std::to_string(fn.inputs.size()) + " inputs, got " +
                          std::to_string(numInputs));
  if (numOutputs != fn.outputs.size())
    return makeStatus(
        RECUR_INVALID_ARGUMENT,
        prefix + "the function has " + std::to_string(fn.outputs.size()) +
            " outputs, got room for " + std::to_string(numOutputs));
  if (recur_status s = checkInputs(fn, inputs))
    return prefixStatus(s, prefix);
  const PlanInfo *plan = session->planOf[it->second];
  if (!plan)
    return makeStatus(RECUR_UNAVAILABLE,
                      prefix + "the module's " +
                          targetKindName(session->target->kind) +
                          " target has no plan for it");
  size_t planIndex = static_cast<size_t>(plan - session->target->plans.data());

  Call call(*session, fn, *plan, session->entries[planIndex], inputs);
  return call.run(outputs);
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

recur_status recur_session_create(recur_device *device, recur_module *module,
                                  recur_session **out) {
  return guard([&]() -> recur_status {
    if (!out)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        "recur_session_create: out is NULL");
    *out = nullptr;
    if (!device || !module)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        "recur_session_create: device or module is NULL");
    return createSession(device, module, out);
  });
}

void recur_session_release(recur_session *session) { delete session; }

recur_status recur_session_call(recur_session *session, const char *function,
                                recur_tensor *const *inputs, size_t num_inputs,
                                recur_tensor **outputs, size_t num_outputs) {
  recur_status s = guard([&] {
    return callSession(session, function, inputs, num_inputs, outputs,
                       num_outputs);
  });
  if (s && outputs)
    for (size_t i = 0; i < num_outputs; ++i)
      outputs[i] = nullptr;
  return s;
}

int64_t recur_session_stat(const recur_session *session, recur_stat stat) {
  if (!session)
    return -1;
  const CallStats &s = session->stats;
  switch (rawEnum(stat)) {
  case RECUR_STAT_NEWTON_SOLVES:
    return s.newtonSolves.load(std::memory_order_relaxed);
  case RECUR_STAT_NEWTON_ITERATIONS:
    return s.newtonIterations.load(std::memory_order_relaxed);
  case RECUR_STAT_NEWTON_MAX_ITERATIONS:
    return s.newtonMaxIterations.load(std::memory_order_relaxed);
  case RECUR_STAT_NEWTON_FALLBACKS:
    return s.newtonFallbacks.load(std::memory_order_relaxed);
  default:
    return -1;
  }
}

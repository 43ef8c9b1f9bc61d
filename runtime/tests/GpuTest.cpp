//===- GpuTest.cpp - the sim and cuda devices -----------------------------===//
//
// Runs the hand-written sim module of fake_gpu.c: device memory, launches,
// barriers and shared memory, warp shuffles (checked against references
// computed here), the errors a broken kernel or driver must produce, and
// how the cuda device fails on a machine without NVIDIA's driver.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <random>

using namespace recur::test;

namespace {

const std::vector<uint8_t> &fakeGpu() {
  static const std::vector<uint8_t> bytes = readFileBytes(RECUR_FAKE_GPU_PATH);
  return bytes;
}

/// Indices of gpuSpec()'s functions.
enum Fn : uint32_t {
  Vadd,
  VaddConst,
  BlockSum,
  WarpOps,
  BadBarrier,
  LaunchCfg,
  Alias,
  Strided,
  Wild,
  Overrun,
  BadFree,
  TwoSteps,
  ReadBack,
  BadRead,
};

/// The kernel table, in fake_gpu.c's numbering.
std::vector<KernelSpec> kernelTable() {
  return {{"vadd", 0, false, 0},    {"block_sum", 4, true, 256},
          {"warp_ops", 0, true, 0}, {"bad_barrier", 0, true, 0},
          {"mark", 0, false, 512},  {"exit_shuffle", 0, true, 0}};
}

ModuleSpec gpuSpec() {
  ModuleSpec m;
  TensorSpec vec = f32({-1}, {0});
  TensorSpec ivec = typed(RECUR_DTYPE_I32, {-1});
  m.functions = {
      {"vadd", {{"a", vec}, {"b", vec}}, {{"c", f32({-1})}}},
      {"vadd_const", {{"a", f32({4})}}, {{"c", f32({4})}}},
      {"block_sum", {{"x", ivec}}, {{"sums", ivec}}},
      {"warp_ops",
       {{"x", ivec}},
       {{"sum", ivec},
        {"prefix", ivec},
        {"bcast", ivec},
        {"down", ivec},
        {"seg", ivec}}},
      {"bad_barrier",
       {{"x", typed(RECUR_DTYPE_I32, {32})}},
       {{"y", typed(RECUR_DTYPE_I32, {32})}}},
      {"launch_cfg",
       {{"cfg", typed(RECUR_DTYPE_I64, {8})}},
       {{"y", typed(RECUR_DTYPE_I32, {})}}},
      {"alias", {{"x", vec}}, {{"y", f32({-1})}}},
      {"strided", {{"x", vec}}, {{"y", f32({-1})}}},
      {"wild", {{"x", vec}}, {{"y", f32({-1})}}},
      {"overrun", {{"x", vec}}, {{"y", f32({-1})}}},
      {"bad_free", {{"x", vec}}, {{"y", f32({-1})}}},
      {"two_steps",
       {{"a", vec}, {"b", vec}},
       {{"c", f32({-1})}, {"t", f32({-1})}}},
      {"read_back",
       {{"cfg", typed(RECUR_DTYPE_I64, {9})}},
       {{"y", typed(RECUR_DTYPE_I32, {})}}},
      {"bad_read", {{"x", vec}}, {{"y", f32({-1})}}},
  };
  m.constants = {{"w", f32({4}), floatBytes({10, 20, 30, 40})}};
  TargetSpec t;
  t.kind = 1;
  t.name = "sim";
  t.binary = fakeGpu();
  t.kernels = kernelTable();
  const char *entries[] = {"gpu_vadd",     "gpu_vadd",        "gpu_block_sum",
                           "gpu_warp_ops", "gpu_bad_barrier", "gpu_launch_cfg",
                           "gpu_alias",    "gpu_strided",     "gpu_wild",
                           "gpu_overrun",  "gpu_bad_free"};
  for (uint32_t f = 0; f < sizeof(entries) / sizeof(entries[0]); ++f)
    t.plans.push_back(simplePlan(m, f, entries[f]));
  t.plans[VaddConst].steps[0].operands = {in(0), cst(0)};
  // two_steps: t = a + b; c = t + b (an output of step 0 feeds step 1).
  PlanSpec two;
  two.function = TwoSteps;
  two.steps = {{1, "gpu_vadd", {in(0), in(1)}, {out(1)}},
               {1, "gpu_vadd", {out(1), in(1)}, {out(0)}}};
  t.plans.push_back(two);
  t.plans.push_back(simplePlan(m, ReadBack, "gpu_read_back"));
  t.plans.push_back(simplePlan(m, BadRead, "gpu_bad_read"));
  m.targets = {t};
  return m;
}

/// RECUR_STAT_NEWTON_* of the session's last call: solves, iterations,
/// max iterations, fallbacks.
std::vector<int64_t> newtonStats(const recur_session *session) {
  return {recur_session_stat(session, RECUR_STAT_NEWTON_SOLVES),
          recur_session_stat(session, RECUR_STAT_NEWTON_ITERATIONS),
          recur_session_stat(session, RECUR_STAT_NEWTON_MAX_ITERATIONS),
          recur_session_stat(session, RECUR_STAT_NEWTON_FALLBACKS)};
}

TensorPtr makeTensor(recur_dtype dtype, std::vector<int64_t> shape,
                     const void *data) {
  recur_tensor *t = nullptr;
  EXPECT_OK(recur_tensor_create(dtype, static_cast<int32_t>(shape.size()),
                                shape.data(), &t));
  if (t && recur_tensor_byte_size(t))
    std::memcpy(recur_tensor_data(t), data, recur_tensor_byte_size(t));
  return TensorPtr(t);
}

template <typename T> std::vector<T> contents(recur_tensor *t) {
  auto *p = static_cast<const T *>(recur_tensor_data(t));
  return std::vector<T>(p, p + recur_tensor_element_count(t));
}

class SimTest : public ::testing::TestWithParam<int32_t> {
protected:
  void SetUp() override {
    ASSERT_FALSE(fakeGpu().empty()) << "cannot read " RECUR_FAKE_GPU_PATH;
    open(gpuSpec());
  }

  void open(const ModuleSpec &spec) {
    session.reset();
    std::vector<uint8_t> bytes = buildModule(spec);
    recur_module *m = nullptr;
    ASSERT_OK(recur_module_load_memory(bytes.data(), bytes.size(), &m));
    module.reset(m);
    recur_device_options options{GetParam()};
    recur_device *d = nullptr;
    ASSERT_OK(recur_device_create("sim", &options, &d));
    device.reset(d);
    recur_session *s = nullptr;
    ASSERT_OK(recur_session_create(device.get(), module.get(), &s));
    session.reset(s);
  }

  /// Calls `fn`; the outputs, or an empty vector (with the status in
  /// `status`) on failure.
  std::vector<TensorPtr> call(const char *fn, std::vector<recur_tensor *> in,
                              size_t numOutputs, recur_status *status) {
    std::vector<recur_tensor *> out(numOutputs, nullptr);
    *status = recur_session_call(session.get(), fn, in.data(), in.size(),
                                 out.data(), out.size());
    std::vector<TensorPtr> result;
    if (!*status)
      for (recur_tensor *t : out)
        result.emplace_back(t);
    return result;
  }

  std::vector<TensorPtr> callOk(const char *fn, std::vector<recur_tensor *> in,
                                size_t numOutputs) {
    recur_status s = nullptr;
    std::vector<TensorPtr> out = call(fn, std::move(in), numOutputs, &s);
    EXPECT_OK(s);
    return out;
  }

  recur_status launch(std::vector<int64_t> cfg, int32_t *value = nullptr) {
    TensorPtr t = makeTensor(RECUR_DTYPE_I64, {8}, cfg.data());
    recur_status s = nullptr;
    std::vector<TensorPtr> out = call("launch_cfg", {t.get()}, 1, &s);
    if (!s && value)
      *value = contents<int32_t>(out[0].get())[0];
    return s;
  }

  static std::vector<float> randomFloats(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-10.0f, 10.0f);
    std::vector<float> v(n);
    for (float &x : v)
      x = dist(rng);
    return v;
  }

  static std::vector<int32_t> randomInts(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int32_t> dist(-1000, 1000);
    std::vector<int32_t> v(n);
    for (int32_t &x : v)
      x = dist(rng);
    return v;
  }

  ModulePtr module;
  DevicePtr device;
  SessionPtr session;
};

TEST_P(SimTest, VectorAdd) {
  for (size_t n : {size_t(1), size_t(128), size_t(1000)}) {
    std::vector<float> a = randomFloats(n, 1), b = randomFloats(n, 2);
    int64_t len = static_cast<int64_t>(n);
    TensorPtr ta = makeTensor(RECUR_DTYPE_F32, {len}, a.data());
    TensorPtr tb = makeTensor(RECUR_DTYPE_F32, {len}, b.data());
    std::vector<TensorPtr> out = callOk("vadd", {ta.get(), tb.get()}, 1);
    ASSERT_EQ(out.size(), 1u);
    std::vector<float> c = contents<float>(out[0].get());
    ASSERT_EQ(c.size(), n);
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(c[i], a[i] + b[i]) << "n=" << n << " i=" << i;
  }
}

TEST_P(SimTest, EmptyVectors) {
  TensorPtr ta = makeTensor(RECUR_DTYPE_F32, {0}, nullptr);
  std::vector<TensorPtr> out = callOk("vadd", {ta.get(), ta.get()}, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(recur_tensor_element_count(out[0].get()), 0u);
}

TEST_P(SimTest, ConstantsStayOnTheDevice) {
  std::vector<float> a = {1, 2, 3, 4};
  TensorPtr ta = makeTensor(RECUR_DTYPE_F32, {4}, a.data());
  for (int rep = 0; rep < 3; ++rep) {
    std::vector<TensorPtr> out = callOk("vadd_const", {ta.get()}, 1);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(contents<float>(out[0].get()),
              (std::vector<float>{11, 22, 33, 44}));
  }
}

TEST_P(SimTest, OutputFeedsLaterStep) {
  std::vector<float> a = randomFloats(300, 3), b = randomFloats(300, 4);
  TensorPtr ta = makeTensor(RECUR_DTYPE_F32, {300}, a.data());
  TensorPtr tb = makeTensor(RECUR_DTYPE_F32, {300}, b.data());
  std::vector<TensorPtr> out = callOk("two_steps", {ta.get(), tb.get()}, 2);
  ASSERT_EQ(out.size(), 2u);
  std::vector<float> c = contents<float>(out[0].get());
  std::vector<float> t = contents<float>(out[1].get());
  for (size_t i = 0; i < 300; ++i) {
    float sum = a[i] + b[i];
    ASSERT_EQ(t[i], sum);
    ASSERT_EQ(c[i], sum + b[i]);
  }
}

TEST_P(SimTest, BlockReductionThroughSharedMemory) {
  for (size_t n : {size_t(5), size_t(256), size_t(256 * 37 + 5)}) {
    std::vector<int32_t> x = randomInts(n, static_cast<unsigned>(n));
    TensorPtr tx =
        makeTensor(RECUR_DTYPE_I32, {static_cast<int64_t>(n)}, x.data());
    std::vector<TensorPtr> out = callOk("block_sum", {tx.get()}, 1);
    ASSERT_EQ(out.size(), 1u);
    std::vector<int32_t> sums = contents<int32_t>(out[0].get());
    size_t blocks = (n + 255) / 256;
    ASSERT_EQ(sums.size(), blocks);
    for (size_t b = 0; b < blocks; ++b) {
      int32_t expected = 0;
      for (size_t i = b * 256; i < std::min(n, (b + 1) * 256); ++i)
        expected += x[i];
      EXPECT_EQ(sums[b], expected) << "n=" << n << " block " << b;
    }
  }
}

TEST_P(SimTest, WarpShuffles) {
  const size_t n = 64 * 4 + 40; // the last block is partly out of range
  std::vector<int32_t> x = randomInts(n, 7);
  TensorPtr tx = makeTensor(RECUR_DTYPE_I32, {int64_t(n)}, x.data());
  std::vector<TensorPtr> out = callOk("warp_ops", {tx.get()}, 5);
  ASSERT_EQ(out.size(), 5u);
  std::vector<int32_t> sum = contents<int32_t>(out[0].get()),
                       prefix = contents<int32_t>(out[1].get()),
                       bcast = contents<int32_t>(out[2].get()),
                       down = contents<int32_t>(out[3].get()),
                       seg = contents<int32_t>(out[4].get());
  // Threads past n load 0; warps are 32 consecutive elements.
  auto v = [&](size_t i) { return i < n ? x[i] : 0; };
  for (size_t i = 0; i < n; ++i) {
    size_t lane = i % 32, base = i - lane;
    int32_t s = 0, p = 0, g = 0;
    for (size_t l = 0; l < 32; ++l) {
      s += v(base + l);
      if (l <= lane)
        p += v(base + l);
      if (l / 8 == lane / 8)
        g += v(base + l);
    }
    ASSERT_EQ(sum[i], s) << i << " prefix " << prefix[i] << " seg " << seg[i]
                         << " down " << down[i];
    ASSERT_EQ(prefix[i], p) << i;
    ASSERT_EQ(bcast[i], v(base + 5)) << i;
    ASSERT_EQ(down[i], lane + 3 < 32 ? v(i + 3) : -1) << i;
    ASSERT_EQ(seg[i], g) << i;
  }
}

TEST_P(SimTest, WrongBarrierIsReported) {
  std::vector<int32_t> x(32, 0);
  TensorPtr tx = makeTensor(RECUR_DTYPE_I32, {32}, x.data());
  recur_status s = nullptr;
  call("bad_barrier", {tx.get()}, 1, &s);
  EXPECT_ERROR(s, RECUR_INTERNAL,
               "call to 'bad_barrier' step 0 ('gpu_bad_barrier'): kernel "
               "'bad_barrier' (number 3): barrier reached by 16 of 32 threads "
               "in block (0,0,0) (16 exited without reaching it)");
}

TEST_P(SimTest, BarrierInKernelMarkedNotSynchronizing) {
  ModuleSpec spec = gpuSpec();
  spec.targets[0].kernels[3].synchronizes = false;
  open(spec);
  std::vector<int32_t> x(32, 0);
  TensorPtr tx = makeTensor(RECUR_DTYPE_I32, {32}, x.data());
  recur_status s = nullptr;
  call("bad_barrier", {tx.get()}, 1, &s);
  EXPECT_ERROR(s, RECUR_INTERNAL,
               "kernel 'bad_barrier' (number 3): block (0,0,0): thread 0 "
               "reached a barrier, but the kernel is marked as not "
               "synchronizing");
}

TEST_P(SimTest, LaunchWithTheWrongArgumentCountIsReported) {
  ModuleSpec spec = gpuSpec();
  spec.targets[0].kernels[3].numParams = 7;
  open(spec);
  std::vector<int32_t> x(32, 0);
  TensorPtr tx = makeTensor(RECUR_DTYPE_I32, {32}, x.data());
  recur_status s = nullptr;
  call("bad_barrier", {tx.get()}, 1, &s);
  EXPECT_ERROR(s, RECUR_INTERNAL,
               "kernel 'bad_barrier' (number 3): launched with 1 arguments; "
               "it takes 7");
}

TEST_P(SimTest, ShuffleWithExitedLaneIsReported) {
  EXPECT_ERROR(launch({5, 1, 1, 1, 32, 1, 1, 0}), RECUR_INTERNAL,
               "kernel 'exit_shuffle' (number 5): block (0,0,0): warp 0: lane "
               "0 waits in shfl.sync (member mask 0xffffffff) for lane 16, "
               "which exited without reaching it");
}

TEST_P(SimTest, LaunchConfiguration) {
  int32_t value = 0;
  ASSERT_OK(launch({4, 2, 3, 1, 4, 2, 2, 0}, &value));
  EXPECT_EQ(value, 2 * 3 * 4 * 2 * 2);
  ASSERT_OK(launch({4, 1, 1, 1, 1, 1, 64, 0}, &value));
  EXPECT_EQ(value, 64);
  ASSERT_OK(launch({4, 1, 1, 1, 512, 1, 1, 48 * 1024}, &value));
  EXPECT_EQ(value, 512);
}

struct BadLaunch {
  const char *name;
  std::vector<int64_t> cfg;
  const char *message;
};

class SimLaunchErrorTest : public SimTest {};

const BadLaunch kBadLaunches[] = {
    {"BlockTooLarge",
     {4, 1, 1, 1, 1025, 1, 1, 0},
     "kernel 'mark' (number 4): cannot launch: block 1025x1x1 exceeds the "
     "limits (at most 1024 threads, z at most 64)"},
    {"BlockProductTooLarge",
     {4, 1, 1, 1, 64, 32, 1, 0},
     "cannot launch: block 64x32x1 exceeds the limits"},
    {"BlockZTooLarge",
     {4, 1, 1, 1, 1, 1, 65, 0},
     "cannot launch: block 1x1x65 exceeds the limits"},
    {"AboveKernelMaxThreads",
     {4, 1, 1, 1, 513, 1, 1, 0},
     "cannot launch: block 513x1x1 has 513 threads; the kernel was compiled "
     "for at most 512"},
    {"ZeroGrid",
     {4, 0, 1, 1, 1, 1, 1, 0},
     "cannot launch: grid 0x1x1 of blocks 1x1x1: every dimension must be at "
     "least 1"},
    {"ZeroBlock",
     {4, 1, 1, 1, 8, 0, 1, 0},
     "every dimension must be at least 1"},
    {"GridYTooLarge",
     {4, 1, 65536, 1, 1, 1, 1, 0},
     "cannot launch: grid 1x65536x1 exceeds the limits (x at most 2147483647, "
     "y and z at most 65535)"},
    {"GridXTooLarge",
     {4, int64_t(1) << 31, 1, 1, 1, 1, 1, 0},
     "cannot launch: grid 2147483648x1x1 exceeds the limits"},
    {"TooMuchSharedMemory",
     {1, 1, 1, 1, 32, 1, 1, 48 * 1024 - 3},
     "kernel 'block_sum' (number 1): cannot launch: it needs 4 bytes of static "
     "and 49149 bytes of dynamic shared memory; a block has at most 49152 "
     "bytes"},
    {"NegativeSharedMemory",
     {1, 1, 1, 1, 32, 1, 1, -1},
     "and -1 bytes of dynamic shared memory"},
    {"KernelOutOfRange",
     {9, 1, 1, 1, 1, 1, 1, 0},
     "launch of kernel number 9, but the target has 6 kernels"},
    {"NegativeKernel",
     {-1, 1, 1, 1, 1, 1, 1, 0},
     "launch of kernel number -1, but the target has 6 kernels"},
};

TEST_P(SimLaunchErrorTest, IsRefused) {
  for (const BadLaunch &bad : kBadLaunches) {
    SCOPED_TRACE(bad.name);
    EXPECT_ERROR(launch(bad.cfg), RECUR_INTERNAL, bad.message);
  }
}

TEST_P(SimTest, ResultAliasingAnInputIsCopied) {
  std::vector<float> a = randomFloats(50, 5);
  TensorPtr ta = makeTensor(RECUR_DTYPE_F32, {50}, a.data());
  std::vector<TensorPtr> out = callOk("alias", {ta.get()}, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(contents<float>(out[0].get()), a);
  EXPECT_NE(recur_tensor_data(out[0].get()), recur_tensor_data(ta.get()));
}

TEST_P(SimTest, MalformedResultsAreRefused) {
  std::vector<float> a = randomFloats(8, 6);
  TensorPtr ta = makeTensor(RECUR_DTYPE_F32, {8}, a.data());
  struct Case {
    const char *fn, *message;
  } cases[] = {
      {"strided", "call to 'strided' step 0 ('gpu_strided'): output 0 ('y'): "
                  "the GPU code returned strides 2 for shape 8; results of GPU "
                  "code must be dense row-major"},
      {"wild", "output 0 ('y'): the GPU code returned memory that is neither a "
               "device allocation of this call nor an operand"},
      {"overrun", "output 0 ('y'): the GPU code returned 32 bytes at offset 1 "
                  "that do not lie inside its buffer of 32 bytes"},
      {"bad_free", "device_free of a pointer that device_alloc did not return "
                   "in this call"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.fn);
    recur_status s = nullptr;
    call(c.fn, {ta.get()}, 1, &s);
    EXPECT_ERROR(s, RECUR_INTERNAL, c.message);
  }
  // The session still works.
  std::vector<TensorPtr> out = callOk("alias", {ta.get()}, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(contents<float>(out[0].get()), a);
}

TEST_P(SimTest, DeviceReadAndNewtonReports) {
  // mark writes the thread count: 2x3x1 blocks of 4x2x2 threads = 96.
  struct Case {
    std::vector<int64_t> cfg;
    int32_t count;
    int64_t fallbacks;
  } cases[] = {{{4, 2, 3, 1, 4, 2, 2, 0, 1}, 96, 0},
               {{4, 1, 1, 1, 7, 1, 1, 0, 0}, 7, 1},
               {{4, 5, 1, 1, 32, 1, 1, 0, 1}, 160, 0}};
  for (const Case &c : cases) {
    TensorPtr cfg = makeTensor(RECUR_DTYPE_I64, {9}, c.cfg.data());
    std::vector<TensorPtr> out = callOk("read_back", {cfg.get()}, 1);
    ASSERT_EQ(out.size(), 1u);
    // The runtime's own copy of the result, and what device_read gave the
    // driver (reported as the iteration count), both equal the count.
    EXPECT_EQ(contents<int32_t>(out[0].get())[0], c.count);
    EXPECT_EQ(newtonStats(session.get()),
              (std::vector<int64_t>{1, c.count, c.count, c.fallbacks}));
  }
  TensorPtr x =
      makeTensor(RECUR_DTYPE_F32, {2}, std::vector<float>{1, 2}.data());
  TensorPtr y =
      makeTensor(RECUR_DTYPE_F32, {2}, std::vector<float>{3, 4}.data());
  callOk("vadd", {x.get(), y.get()}, 1);
  EXPECT_EQ(newtonStats(session.get()), (std::vector<int64_t>{0, 0, 0, 0}));
}

TEST_P(SimTest, DeviceReadOfForeignMemoryIsReported) {
  TensorPtr x = makeTensor(RECUR_DTYPE_F32, {4}, std::vector<float>(4).data());
  recur_status s = nullptr;
  call("bad_read", {x.get()}, 1, &s);
  EXPECT_ERROR(s, RECUR_INTERNAL,
               "device_read of 4 bytes from memory that is not device memory "
               "of this call");
  // The destination was zero-filled: the report after it says 0.
  EXPECT_EQ(newtonStats(session.get()), (std::vector<int64_t>{1, 0, 0, 0}));
}

INSTANTIATE_TEST_SUITE_P(Threads, SimTest, ::testing::Values(1, 4));
INSTANTIATE_TEST_SUITE_P(Threads, SimLaunchErrorTest, ::testing::Values(1));

//===----------------------------------------------------------------------===//
// Sessions on GPU devices
//===----------------------------------------------------------------------===//

recur_status createSession(const ModuleSpec &spec, const char *deviceName) {
  std::vector<uint8_t> bytes = buildModule(spec);
  recur_module *m = nullptr;
  if (recur_status s = recur_module_load_memory(bytes.data(), bytes.size(), &m))
    return s;
  ModulePtr module(m);
  recur_device *d = nullptr;
  if (recur_status s = recur_device_create(deviceName, nullptr, &d))
    return s;
  DevicePtr device(d);
  recur_session *session = nullptr;
  recur_status s = recur_session_create(d, m, &session);
  recur_session_release(session);
  return s;
}

TEST(GpuSessionTest, MissingSimKernel) {
  ModuleSpec spec = gpuSpec();
  spec.targets[0].kernels.push_back({"nope", 0, false, 0});
  EXPECT_ERROR(createSession(spec, "sim"), RECUR_UNAVAILABLE,
               "device 'sim': cannot load the module's sim kernels: kernel 6 "
               "('nope'): symbol '__recur_sim_kernel_nope' is missing from the "
               "module's sim code");
}

TEST(GpuSessionTest, DeviceMustMatchTargetKind) {
  EXPECT_ERROR(createSession(gpuSpec(), "host"), RECUR_UNAVAILABLE,
               "the module has no code for device 'host' (its targets: 'sim' "
               "(sim))");
  ModuleSpec host;
  host.functions = {{"f", {}, {}}};
  TargetSpec t;
  t.binary = stubBinary();
  host.targets = {t};
  EXPECT_ERROR(createSession(host, "sim"), RECUR_UNAVAILABLE,
               "the module has no code for device 'sim' (its targets: 'host' "
               "(host))");
}

TEST(GpuSessionTest, SimTargetForAnotherMachine) {
  ModuleSpec spec = gpuSpec();
  spec.targets[0].triple = "sparc-sun-solaris";
  EXPECT_ERROR(createSession(spec, "sim"), RECUR_UNAVAILABLE,
               "the module's sim code is for 'sparc-sun-solaris'");
}

//===----------------------------------------------------------------------===//
// The cuda device without a GPU
//===----------------------------------------------------------------------===//

/// Sets an environment variable for one scope.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name(name) {
    if (const char *old = std::getenv(name))
      saved = old, hadValue = true;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (hadValue)
      setenv(name, saved.c_str(), 1);
    else
      unsetenv(name);
  }

private:
  const char *name;
  std::string saved;
  bool hadValue = false;
};

TEST(CudaDeviceTest, DriverLibraryMissing) {
  ScopedEnv env("RECUR_CUDA_DRIVER", "/nonexistent/libcuda.so.1");
  recur_device *d = nullptr;
  EXPECT_ERROR(recur_device_create("cuda", nullptr, &d), RECUR_UNAVAILABLE,
               "device 'cuda': cannot load NVIDIA's driver library "
               "/nonexistent/libcuda.so.1 (");
  EXPECT_EQ(d, nullptr);
}

TEST(CudaDeviceTest, DriverWithoutTheApi) {
  ScopedEnv env("RECUR_CUDA_DRIVER", RECUR_FAKE_GPU_PATH);
  recur_device *d = nullptr;
  EXPECT_ERROR(recur_device_create("cuda", nullptr, &d), RECUR_UNAVAILABLE,
               "lacks cuGetErrorName, cuGetErrorString, cuInit");
  EXPECT_EQ(d, nullptr);
}

TEST(CudaDeviceTest, NoDevice) {
  ScopedEnv env("RECUR_CUDA_DRIVER", RECUR_FAKE_CUDA_PATH);
  recur_device *d = nullptr;
  {
    ScopedEnv init("FAKE_CUDA_INIT", nullptr);
    EXPECT_ERROR(recur_device_create("cuda", nullptr, &d), RECUR_UNAVAILABLE,
                 "device 'cuda': cuInit failed: CUDA_ERROR_NO_DEVICE (no "
                 "CUDA-capable device is detected)");
  }
  {
    ScopedEnv init("FAKE_CUDA_INIT", "0");
    EXPECT_ERROR(recur_device_create("cuda", nullptr, &d), RECUR_UNAVAILABLE,
                 "device 'cuda': the NVIDIA driver reports no GPU");
  }
  EXPECT_EQ(d, nullptr);
}

TEST(CudaDeviceTest, ThisMachine) {
  // Without an override: fails cleanly where there is no driver, or works.
  ScopedEnv env("RECUR_CUDA_DRIVER", nullptr);
  recur_device *d = nullptr;
  recur_status s = recur_device_create("cuda", nullptr, &d);
  if (!s) {
    EXPECT_STREQ(recur_device_name(d), "cuda");
    recur_device_release(d);
    GTEST_SKIP() << "this machine has a GPU";
  }
  EXPECT_EQ(recur_status_get_code(s), RECUR_UNAVAILABLE);
  EXPECT_NE(std::string(recur_status_get_message(s)).find("device 'cuda': "),
            std::string::npos)
      << recur_status_get_message(s);
  recur_status_free(s);
  EXPECT_EQ(d, nullptr);
}

//===----------------------------------------------------------------------===//
// The cuda device's code against a fake driver (fake_cuda.c)
//===----------------------------------------------------------------------===//

std::vector<uint8_t> textBytes(const std::string &s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

/// gpuSpec() with its target turned into a cuda target: the same driver,
/// and images for sm_80 (PTX), sm_86 (cubin), sm_90 (PTX).
ModuleSpec cudaSpec() {
  ModuleSpec m = gpuSpec();
  TargetSpec &t = m.targets[0];
  t.kind = 2;
  t.name = "cuda";
  t.images = {{"sm_80", 0, textBytes("ptx for sm_80")},
              {"sm_86", 1,
               textBytes("\x7f"
                         "ELFcubin for sm_86")},
              {"sm_90", 0, textBytes("ptx for sm_90")},
              {"sm_90a", 0, textBytes("ptx for sm_90a")}};
  return m;
}

class CudaFakeTest : public ::testing::Test {
protected:
  CudaFakeTest()
      : driver("RECUR_CUDA_DRIVER", RECUR_FAKE_CUDA_PATH),
        init("FAKE_CUDA_INIT", "0"), sm("FAKE_CUDA_SM", "86"),
        fail("FAKE_CUDA_FAIL", nullptr) {}

  void SetUp() override {
    ASSERT_FALSE(fakeGpu().empty());
    library = dlopen(RECUR_FAKE_CUDA_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(library, nullptr) << dlerror();
    lastImage = reinterpret_cast<const char *(*)()>(
        dlsym(library, "fake_cuda_last_image"));
    liveAllocations = reinterpret_cast<long (*)()>(
        dlsym(library, "fake_cuda_live_allocations"));
    ASSERT_TRUE(lastImage && liveAllocations);
  }
  void TearDown() override {
    if (library)
      dlclose(library);
  }

  recur_status open(const ModuleSpec &spec) {
    session.reset();
    std::vector<uint8_t> bytes = buildModule(spec);
    recur_module *m = nullptr;
    if (recur_status s =
            recur_module_load_memory(bytes.data(), bytes.size(), &m))
      return s;
    module.reset(m);
    recur_device *d = nullptr;
    if (recur_status s = recur_device_create("cuda", nullptr, &d))
      return s;
    device.reset(d);
    recur_session *s = nullptr;
    recur_status st = recur_session_create(d, m, &s);
    session.reset(s);
    return st;
  }

  ScopedEnv driver, init, sm, fail;
  void *library = nullptr;
  const char *(*lastImage)() = nullptr;
  long (*liveAllocations)() = nullptr;
  ModulePtr module;
  DevicePtr device;
  SessionPtr session;
};

TEST_F(CudaFakeTest, RunsThroughTheDriverApi) {
  ASSERT_OK(open(cudaSpec()));
  EXPECT_STREQ(lastImage(), "cubin for sm_86");
  long constants = liveAllocations(); // the constant w
  EXPECT_EQ(constants, 1);
  std::vector<float> a(300), b(300);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = 0.5f * static_cast<float>(i);
    b[i] = 3.0f - static_cast<float>(i);
  }
  TensorPtr ta = makeTensor(RECUR_DTYPE_F32, {300}, a.data());
  TensorPtr tb = makeTensor(RECUR_DTYPE_F32, {300}, b.data());
  recur_tensor *in[] = {ta.get(), tb.get()};
  recur_tensor *out[1] = {nullptr};
  ASSERT_OK(recur_session_call(session.get(), "vadd", in, 2, out, 1));
  TensorPtr c(out[0]);
  std::vector<float> got = contents<float>(c.get());
  ASSERT_EQ(got.size(), 300u);
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_EQ(got[i], a[i] + b[i]) << i;
  std::vector<float> four = {1, 2, 3, 4};
  TensorPtr t4 = makeTensor(RECUR_DTYPE_F32, {4}, four.data());
  recur_tensor *in4[] = {t4.get()};
  ASSERT_OK(recur_session_call(session.get(), "vadd_const", in4, 1, out, 1));
  TensorPtr c4(out[0]);
  EXPECT_EQ(contents<float>(c4.get()), (std::vector<float>{11, 22, 33, 44}));
  // Every allocation of the calls was freed; the constant stays.
  EXPECT_EQ(liveAllocations(), constants);
  session.reset();
  EXPECT_EQ(liveAllocations(), 0);
}

TEST_F(CudaFakeTest, ChoosesTheImage) {
  struct Case {
    const char *sm, *image;
  } cases[] = {{"80", "ptx for sm_80"},
               {"86", "cubin for sm_86"},
               {"89", "ptx for sm_80"},
               {"90", "ptx for sm_90a"},
               {"120", "ptx for sm_90"}};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.sm);
    ScopedEnv arch("FAKE_CUDA_SM", c.sm);
    ASSERT_OK(open(cudaSpec()));
    EXPECT_STREQ(lastImage(), c.image);
  }
  ScopedEnv old("FAKE_CUDA_SM", "75");
  EXPECT_ERROR(open(cudaSpec()), RECUR_UNAVAILABLE,
               "device 'cuda': cannot load the module's cuda kernels: the "
               "module's cuda code is for sm_80 (PTX), sm_86 (cubin), sm_90 "
               "(PTX), sm_90a (PTX); this GPU (Fake GPU) is sm_75");
}

TEST_F(CudaFakeTest, LoadErrors) {
  ModuleSpec spec = cudaSpec();
  spec.targets[0].images = {{"sm_80", 0, textBytes("BROKEN ptx")}};
  EXPECT_ERROR(open(spec), RECUR_UNAVAILABLE,
               "cuModuleLoadDataEx failed: CUDA_ERROR_INVALID_PTX (fake "
               "error) for the sm_80 PTX: ptxas fatal   : fake syntax error");
  spec = cudaSpec();
  spec.targets[0].kernels.push_back({"nope", 0, false, 0});
  EXPECT_ERROR(open(spec), RECUR_UNAVAILABLE,
               "kernel 6 ('nope'): cuModuleGetFunction failed: "
               "CUDA_ERROR_NOT_FOUND (fake error) in the sm_86 image");
}

TEST_F(CudaFakeTest, LaunchErrors) {
  ASSERT_OK(open(cudaSpec()));
  auto launch = [&](std::vector<int64_t> cfg, int32_t *value) {
    TensorPtr t = makeTensor(RECUR_DTYPE_I64, {8}, cfg.data());
    recur_tensor *in[] = {t.get()};
    recur_tensor *out[1] = {nullptr};
    recur_status s =
        recur_session_call(session.get(), "launch_cfg", in, 1, out, 1);
    TensorPtr y(out[0]);
    if (!s && value)
      *value = contents<int32_t>(y.get())[0];
    return s;
  };
  int32_t value = 0;
  ASSERT_OK(launch({4, 2, 3, 1, 4, 2, 2, 0}, &value));
  EXPECT_EQ(value, 96);
  EXPECT_ERROR(launch({4, 1, 1, 1, 2048, 1, 1, 0}, nullptr), RECUR_INTERNAL,
               "kernel 'mark' (number 4): cannot launch: block 2048x1x1 "
               "exceeds the limits");
  EXPECT_ERROR(launch({1, 1, 1, 1, 32, 1, 1, 0}, nullptr), RECUR_INTERNAL,
               "kernel 'block_sum' (number 1): cuLaunchKernel failed: "
               "CUDA_ERROR_UNKNOWN (fake error)");
  {
    ScopedEnv faulty("FAKE_CUDA_FAIL", "1");
    EXPECT_ERROR(launch({4, 1, 1, 1, 1, 1, 1, 0}, nullptr), RECUR_INTERNAL,
                 "running the kernels failed (the last launched: 'mark'): "
                 "cuCtxSynchronize failed: CUDA_ERROR_LAUNCH_FAILED "
                 "(unspecified launch failure)");
  }
  EXPECT_EQ(liveAllocations(), 1); // only the constant
}

TEST_F(CudaFakeTest, DeviceRead) {
  ASSERT_OK(open(cudaSpec()));
  auto readBack = [&](std::vector<int64_t> cfg, int32_t *value) {
    TensorPtr t = makeTensor(RECUR_DTYPE_I64, {9}, cfg.data());
    recur_tensor *in[] = {t.get()};
    recur_tensor *out[1] = {nullptr};
    recur_status s =
        recur_session_call(session.get(), "read_back", in, 1, out, 1);
    TensorPtr y(out[0]);
    if (!s && value)
      *value = contents<int32_t>(y.get())[0];
    return s;
  };
  int32_t value = 0;
  ASSERT_OK(readBack({4, 2, 3, 1, 4, 2, 2, 0, 0}, &value));
  EXPECT_EQ(value, 96);
  EXPECT_EQ(newtonStats(session.get()), (std::vector<int64_t>{1, 96, 96, 1}));
  {
    // The launch faults: device_read synchronizes first, so the fault is
    // its error, and the driver reads zeros.
    ScopedEnv faulty("FAKE_CUDA_FAIL", "1");
    EXPECT_ERROR(readBack({4, 1, 1, 1, 1, 1, 1, 0, 1}, nullptr), RECUR_INTERNAL,
                 "running the kernels failed (the last launched: 'mark'): "
                 "cuCtxSynchronize failed: CUDA_ERROR_LAUNCH_FAILED");
    EXPECT_EQ(newtonStats(session.get()), (std::vector<int64_t>{1, 0, 0, 0}));
  }
  EXPECT_EQ(liveAllocations(), 1); // only the constant
}

} // namespace

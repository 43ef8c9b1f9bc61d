//===- SessionTest.cpp - devices, sessions and calls ----------------------===//
//
// Runs the hand-written kernels of fake_kernels.c through modules built
// here: results, ownership and aliasing of result memory, parallel_for,
// input checks and the errors of session creation.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace recur::test;

namespace {

/// Indices of the functions of kernelsSpec().
enum Fn : uint32_t {
  AddOne,
  AddOneParallel,
  AddMul,
  AliasInput,
  SameBufferTwice,
  StaticTable,
  TransposeView,
  OffsetResult,
  BadSize,
  NullResult,
  ScaleConst,
  ScalarDouble,
  Cover,
  AddTwo,
  Check,
  NewtonReport,
};

/// A module with one function per kernel of fake_kernels.c.
ModuleSpec kernelsSpec() {
  ModuleSpec m;
  TensorSpec vec = f32({-1}, {0});
  m.functions = {
      {"add_one", {{"x", vec}}, {{"y", f32({-1})}}},
      {"add_one_parallel", {{"x", vec}}, {{"y", f32({-1})}}},
      {"add_mul",
       {{"a", vec}, {"b", vec}},
       {{"sum", f32({-1})}, {"product", f32({-1})}}},
      {"alias_input", {{"x", vec}}, {{"y", f32({-1})}}},
      {"same_buffer_twice",
       {{"x", vec}},
       {{"y0", f32({-1})}, {"y1", f32({-1})}}},
      {"static_table", {}, {{"y", f32({4})}}},
      {"transpose_view", {{"x", f32({-1, -1})}}, {{"y", f32({-1, -1})}}},
      {"offset_result", {{"x", vec}}, {{"y", f32({-1})}}},
      {"bad_size", {{"x", f32({4})}}, {{"y", f32({4})}}},
      {"null_result", {{"x", vec}}, {{"y", f32({-1})}}},
      {"scale_const", {{"x", f32({4})}}, {{"y", f32({4})}}},
      {"scalar_double",
       {{"x", typed(RECUR_DTYPE_F64, {})}},
       {{"y", typed(RECUR_DTYPE_F64, {})}}},
      {"cover",
       {{"x", vec}},
       {{"counts", typed(RECUR_DTYPE_I32, {-1})},
        {"nested", typed(RECUR_DTYPE_I32, {-1})}}},
      {"add_two", {{"x", vec}}, {{"y", f32({-1})}, {"t", f32({-1})}}},
      {"check",
       {{"x", f32({-1, -1}, {-1, 0})}, {"h0", f32({-1, 8}, {0, -1})}},
       {{"y", f32({-1, -1})}}},
      {"newton_report",
       {{"x", typed(RECUR_DTYPE_I64, {4})}},
       {{"y", typed(RECUR_DTYPE_I64, {2})}}},
  };
  m.constants = {{"w", f32({4}), floatBytes({2, 3, 4, 5})}};
  TargetSpec t;
  t.binary = fakeKernels();
  const char *symbols[] = {
      "add_one",        "add_one_parallel",  "add_mul",
      "alias_input",    "same_buffer_twice", "static_table",
      "transpose_view", "offset_result",     "bad_size",
      "null_result",    "scale_const",       "scalar_double",
      "cover"};
  for (uint32_t f = 0; f < sizeof(symbols) / sizeof(symbols[0]); ++f)
    t.plans.push_back(simplePlan(m, f, symbols[f],
                                 f == ScaleConst ? std::vector<uint32_t>{0}
                                                 : std::vector<uint32_t>{}));
  // add_two: t = x + 1; y = t + 1 (an output feeds a later step).
  PlanSpec two;
  two.function = AddTwo;
  two.steps = {{1, "add_one", {in(0)}, {out(1)}},
               {1, "add_one", {out(1)}, {out(0)}}};
  t.plans.push_back(two);
  // check(x, h0): the transpose of x (h0 is only checked).
  t.plans.push_back({Check, {{1, "transpose_view", {in(0)}, {out(0)}}}});
  t.plans.push_back(simplePlan(m, NewtonReport, "newton_report"));
  m.targets = {t};
  return m;
}

class SessionTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(fakeKernels().empty())
        << "cannot read " RECUR_FAKE_KERNELS_PATH;
    open(kernelsSpec(), 0);
  }

  void open(const ModuleSpec &spec, int32_t threads) {
    session.reset();
    recur_module *m = nullptr;
    std::vector<uint8_t> bytes = buildModule(spec);
    ASSERT_OK(recur_module_load_memory(bytes.data(), bytes.size(), &m));
    module.reset(m);
    recur_device_options options{threads};
    recur_device *d = nullptr;
    ASSERT_OK(recur_device_create("host", &options, &d));
    device.reset(d);
    recur_session *s = nullptr;
    ASSERT_OK(recur_session_create(device.get(), module.get(), &s));
    session.reset(s);
  }

  static TensorPtr vector(const std::vector<float> &values) {
    int64_t shape[] = {static_cast<int64_t>(values.size())};
    recur_tensor *t = nullptr;
    EXPECT_OK(recur_tensor_create(RECUR_DTYPE_F32, 1, shape, &t));
    if (!values.empty())
      std::memcpy(recur_tensor_data(t), values.data(),
                  values.size() * sizeof(float));
    return TensorPtr(t);
  }

  static TensorPtr tensor(recur_dtype dtype, std::vector<int64_t> shape) {
    recur_tensor *t = nullptr;
    EXPECT_OK(recur_tensor_create(dtype, static_cast<int32_t>(shape.size()),
                                  shape.data(), &t));
    return TensorPtr(t);
  }

  static std::vector<float> values(recur_tensor *t) {
    auto *p = static_cast<const float *>(recur_tensor_data(t));
    return std::vector<float>(p, p + recur_tensor_element_count(t));
  }

  /// Calls `fn`; returns its outputs (empty pointers on failure).
  recur_status call(const char *fn, std::vector<recur_tensor *> inputs,
                    std::vector<TensorPtr> *outputs, size_t numOutputs) {
    std::vector<recur_tensor *> raw(numOutputs, nullptr);
    recur_status s = recur_session_call(session.get(), fn, inputs.data(),
                                        inputs.size(), raw.data(), raw.size());
    outputs->clear();
    for (recur_tensor *t : raw)
      outputs->emplace_back(t);
    return s;
  }

  ModulePtr module;
  DevicePtr device;
  SessionPtr session;
};

} // namespace

TEST_F(SessionTest, AddOne) {
  for (size_t n : {1u, 2u, 7u, 1000u}) {
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i)
      x[i] = static_cast<float>(i) * 0.5f;
    TensorPtr in = vector(x);
    std::vector<TensorPtr> out;
    ASSERT_OK(call("add_one", {in.get()}, &out, 1));
    ASSERT_EQ(recur_tensor_rank(out[0].get()), 1);
    ASSERT_EQ(recur_tensor_shape(out[0].get())[0], static_cast<int64_t>(n));
    std::vector<float> y = values(out[0].get());
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(y[i], x[i] + 1.0f);
  }
}

TEST_F(SessionTest, ZeroSize) {
  TensorPtr in = vector({});
  std::vector<TensorPtr> out;
  ASSERT_OK(call("add_one", {in.get()}, &out, 1));
  EXPECT_EQ(recur_tensor_element_count(out[0].get()), 0u);
  EXPECT_EQ(recur_tensor_shape(out[0].get())[0], 0);
  ASSERT_OK(call("add_one_parallel", {in.get()}, &out, 1));
  ASSERT_OK(call("offset_result", {in.get()}, &out, 1));
  ASSERT_OK(call("same_buffer_twice", {in.get()}, &out, 2));
  ASSERT_OK(call("alias_input", {in.get()}, &out, 1));
  ASSERT_OK(call("cover", {in.get()}, &out, 2));
  EXPECT_EQ(recur_tensor_byte_size(out[1].get()), 0u);

  // A zero-size input over a NULL pointer.
  int64_t zero[] = {0};
  recur_tensor *wrapped = nullptr;
  ASSERT_OK(recur_tensor_wrap(RECUR_DTYPE_F32, 1, zero, nullptr, 0, &wrapped));
  TensorPtr w(wrapped);
  ASSERT_OK(call("add_one", {w.get()}, &out, 1));
  ASSERT_OK(call("alias_input", {w.get()}, &out, 1));
}

TEST_F(SessionTest, ParallelAddOne) {
  for (int32_t threads : {1, 2, 4}) {
    open(kernelsSpec(), threads);
    for (size_t n : {1u, 3u, 64u, 10007u}) {
      std::vector<float> x(n);
      for (size_t i = 0; i < n; ++i)
        x[i] = static_cast<float>(i);
      TensorPtr in = vector(x);
      std::vector<TensorPtr> out;
      ASSERT_OK(call("add_one_parallel", {in.get()}, &out, 1));
      std::vector<float> y = values(out[0].get());
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(y[i], x[i] + 1.0f) << i;
    }
  }
}

TEST_F(SessionTest, ParallelForCoversEachIndexOnceAndNestsInline) {
  for (int32_t threads : {1, 2, 3, 5, 8}) {
    open(kernelsSpec(), threads);
    for (int64_t n : {1, 2, 3, 5, 8, 17, 100, 1000, 4097}) {
      TensorPtr in = vector(std::vector<float>(static_cast<size_t>(n)));
      std::vector<TensorPtr> out;
      ASSERT_OK(call("cover", {in.get()}, &out, 2));
      auto *counts = static_cast<int32_t *>(recur_tensor_data(out[0].get()));
      auto *nested = static_cast<int32_t *>(recur_tensor_data(out[1].get()));
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(counts[i], 1)
            << "threads " << threads << " n " << n << " index " << i;
        ASSERT_EQ(nested[i], 1)
            << "threads " << threads << " n " << n << " index " << i;
      }
    }
  }
}

TEST_F(SessionTest, TwoInputsTwoOutputs) {
  TensorPtr a = vector({1, 2, 3}), b = vector({4, 5, 6});
  std::vector<TensorPtr> out;
  ASSERT_OK(call("add_mul", {a.get(), b.get()}, &out, 2));
  EXPECT_EQ(values(out[0].get()), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(values(out[1].get()), (std::vector<float>{4, 10, 18}));
}

TEST_F(SessionTest, AliasedResultIsCopied) {
  TensorPtr x = vector({1, 2, 3});
  std::vector<TensorPtr> out;
  ASSERT_OK(call("alias_input", {x.get()}, &out, 1));
  EXPECT_NE(recur_tensor_data(out[0].get()), recur_tensor_data(x.get()));
  EXPECT_EQ(values(out[0].get()), (std::vector<float>{1, 2, 3}));
  // Releasing both must not double free (ASan checks).
  out.clear();
  x.reset();
}

TEST_F(SessionTest, AliasOfWrappedCallerMemoryIsCopied) {
  float data[3] = {7, 8, 9};
  int64_t shape[] = {3};
  recur_tensor *t = nullptr;
  ASSERT_OK(
      recur_tensor_wrap(RECUR_DTYPE_F32, 1, shape, data, sizeof(data), &t));
  TensorPtr x(t);
  std::vector<TensorPtr> out;
  ASSERT_OK(call("alias_input", {x.get()}, &out, 1));
  EXPECT_NE(recur_tensor_data(out[0].get()), static_cast<void *>(data));
  EXPECT_EQ(values(out[0].get()), (std::vector<float>{7, 8, 9}));
}

TEST_F(SessionTest, SameBufferTwiceHasOneOwner) {
  TensorPtr x = vector({1, 2});
  std::vector<TensorPtr> out;
  ASSERT_OK(call("same_buffer_twice", {x.get()}, &out, 2));
  EXPECT_NE(recur_tensor_data(out[0].get()), recur_tensor_data(out[1].get()));
  EXPECT_EQ(values(out[0].get()), (std::vector<float>{2, 3}));
  EXPECT_EQ(values(out[1].get()), (std::vector<float>{2, 3}));
}

TEST_F(SessionTest, ResultInsideSharedObjectIsCopied) {
  std::vector<TensorPtr> out;
  ASSERT_OK(call("static_table", {}, &out, 1));
  EXPECT_EQ(values(out[0].get()), (std::vector<float>{10, 20, 30, 40}));
  // The copy is ours: writing it leaves the next call's result alone.
  static_cast<float *>(recur_tensor_data(out[0].get()))[0] = -1;
  std::vector<TensorPtr> again;
  ASSERT_OK(call("static_table", {}, &again, 1));
  EXPECT_EQ(values(again[0].get())[0], 10);
}

TEST_F(SessionTest, StridedResultIsCopiedRowMajor) {
  // x = [[1 2 3] [4 5 6]]; its transpose comes back as a strided view.
  auto x = tensor(RECUR_DTYPE_F32, {2, 3});
  auto *p = static_cast<float *>(recur_tensor_data(x.get()));
  for (int i = 0; i < 6; ++i)
    p[i] = static_cast<float>(i + 1);
  std::vector<TensorPtr> out;
  ASSERT_OK(call("transpose_view", {x.get()}, &out, 1));
  ASSERT_EQ(recur_tensor_rank(out[0].get()), 2);
  EXPECT_EQ(recur_tensor_shape(out[0].get())[0], 3);
  EXPECT_EQ(recur_tensor_shape(out[0].get())[1], 2);
  EXPECT_EQ(values(out[0].get()), (std::vector<float>{1, 4, 2, 5, 3, 6}));

  // A 1xN transpose is contiguous (size-1 dimensions' strides do not matter).
  auto row = tensor(RECUR_DTYPE_F32, {1, 3});
  ASSERT_OK(call("transpose_view", {row.get()}, &out, 1));
  EXPECT_EQ(recur_tensor_shape(out[0].get())[0], 3);
}

TEST_F(SessionTest, ReleasedOutputMemoryServesTheNextCall) {
  // A 256 x 256 transpose (256 KiB) is copied into memory from the
  // session's buffer cache; once that output is destroyed, the next call's
  // copy reuses it, like ONNX Runtime's arena.
  auto x = tensor(RECUR_DTYPE_F32, {256, 256});
  auto *p = static_cast<float *>(recur_tensor_data(x.get()));
  for (int i = 0; i < 256 * 256; ++i)
    p[i] = static_cast<float>(i);
  std::vector<TensorPtr> out;
  ASSERT_OK(call("transpose_view", {x.get()}, &out, 1));
  const void *first = recur_tensor_data(out[0].get());
  out.clear(); // destroys the output: its memory goes back to the session
  // Were it freed instead, this allocation of the same size would likely
  // get it from the C library, and the next call could not.
  void *decoy = std::malloc(256 * 256 * sizeof(float));
  ASSERT_NE(decoy, nullptr);
  std::memset(decoy, 0, 256 * 256 * sizeof(float));
  ASSERT_OK(call("transpose_view", {x.get()}, &out, 1));
  std::free(decoy);
  EXPECT_EQ(recur_tensor_data(out[0].get()), first);
  std::vector<float> y = values(out[0].get());
  for (int i = 0; i < 256; ++i)
    for (int j = 0; j < 256; ++j)
      ASSERT_EQ(y[i * 256 + j], p[j * 256 + i]);

  // Two live outputs never share memory.
  std::vector<TensorPtr> second;
  ASSERT_OK(call("transpose_view", {x.get()}, &second, 1));
  EXPECT_NE(recur_tensor_data(second[0].get()), first);
}

TEST_F(SessionTest, OutputsOutliveTheirSession) {
  auto x = tensor(RECUR_DTYPE_F32, {256, 256});
  auto *p = static_cast<float *>(recur_tensor_data(x.get()));
  for (int i = 0; i < 256 * 256; ++i)
    p[i] = static_cast<float>(i % 977);
  std::vector<TensorPtr> out;
  ASSERT_OK(call("transpose_view", {x.get()}, &out, 1));
  session.reset();
  module.reset();
  device.reset();
  // Still readable; destroying it afterwards frees it (the cache is closed).
  std::vector<float> y = values(out[0].get());
  EXPECT_EQ(y[1], p[256]);
  EXPECT_EQ(y[256 * 255 + 3], p[3 * 256 + 255]);
  out.clear();
}

TEST_F(SessionTest, OffsetResult) {
  TensorPtr x = vector({1, 2, 3, 4, 5});
  std::vector<TensorPtr> out;
  ASSERT_OK(call("offset_result", {x.get()}, &out, 1));
  EXPECT_EQ(values(out[0].get()), (std::vector<float>{2, 3, 4, 5, 6}));
}

TEST_F(SessionTest, MalformedResultsAreInternalErrors) {
  TensorPtr x = vector({1, 2, 3, 4});
  std::vector<TensorPtr> out;
  EXPECT_ERROR(call("bad_size", {x.get()}, &out, 1), RECUR_INTERNAL,
               "call to 'bad_size' step 0 ('bad_size'): output 0 ('y'): the "
               "host code returned size 5 for dimension 0, which the module "
               "declares as 4");
  EXPECT_EQ(out[0], nullptr);
  EXPECT_ERROR(call("null_result", {x.get()}, &out, 1), RECUR_INTERNAL,
               "returned a NULL pointer for 16 bytes");
}

TEST_F(SessionTest, Constants) {
  TensorPtr x = vector({1, 1, 2, 2});
  std::vector<TensorPtr> out;
  ASSERT_OK(call("scale_const", {x.get()}, &out, 1));
  EXPECT_EQ(values(out[0].get()), (std::vector<float>{2, 3, 8, 10}));
}

TEST_F(SessionTest, Scalar) {
  auto x = tensor(RECUR_DTYPE_F64, {});
  *static_cast<double *>(recur_tensor_data(x.get())) = 21;
  std::vector<TensorPtr> out;
  ASSERT_OK(call("scalar_double", {x.get()}, &out, 1));
  EXPECT_EQ(recur_tensor_rank(out[0].get()), 0);
  EXPECT_EQ(*static_cast<double *>(recur_tensor_data(out[0].get())), 42);
}

TEST_F(SessionTest, MultiStepPlan) {
  TensorPtr x = vector({1, 2});
  std::vector<TensorPtr> out;
  ASSERT_OK(call("add_two", {x.get()}, &out, 2));
  EXPECT_EQ(values(out[0].get()), (std::vector<float>{3, 4}));
  EXPECT_EQ(values(out[1].get()), (std::vector<float>{2, 3}));
}

TEST_F(SessionTest, InputChecks) {
  TensorPtr x = vector({1, 2, 3});
  std::vector<TensorPtr> out;
  EXPECT_ERROR(call("add_one", {x.get(), x.get()}, &out, 1),
               RECUR_INVALID_ARGUMENT,
               "call to 'add_one': the function takes 1 inputs, got 2");
  EXPECT_ERROR(call("add_one", {x.get()}, &out, 2), RECUR_INVALID_ARGUMENT,
               "call to 'add_one': the function has 1 outputs, got room for 2");
  EXPECT_ERROR(call("add_one", {nullptr}, &out, 1), RECUR_INVALID_ARGUMENT,
               "call to 'add_one': input 0 ('x') is NULL");
  auto f64 = tensor(RECUR_DTYPE_F64, {3});
  EXPECT_ERROR(call("add_mul", {x.get(), f64.get()}, &out, 2),
               RECUR_INVALID_ARGUMENT,
               "input 1 ('b'): dtype is f64, expected f32");
  auto matrix = tensor(RECUR_DTYPE_F32, {3, 1});
  EXPECT_ERROR(call("add_one", {matrix.get()}, &out, 1), RECUR_INVALID_ARGUMENT,
               "input 0 ('x'): rank is 2, expected 1 (?)");
  EXPECT_ERROR(call("bad_size", {x.get()}, &out, 1), RECUR_INVALID_ARGUMENT,
               "input 0 ('x'): dimension 0 is 3, expected 4");
  TensorPtr two = vector({1, 2});
  EXPECT_ERROR(call("add_mul", {x.get(), two.get()}, &out, 2),
               RECUR_INVALID_ARGUMENT,
               "input 1 ('b'): dimension 0 is 2 but input 0 ('a') dimension 0 "
               "(same symbol) is 3");
  auto cx = tensor(RECUR_DTYPE_F32, {2, 4});
  auto h0 = tensor(RECUR_DTYPE_F32, {3, 8});
  EXPECT_ERROR(call("check", {cx.get(), h0.get()}, &out, 1),
               RECUR_INVALID_ARGUMENT,
               "input 1 ('h0'): dimension 0 is 3 but input 0 ('x') dimension 1 "
               "(same symbol) is 4");
  auto h7 = tensor(RECUR_DTYPE_F32, {4, 7});
  EXPECT_ERROR(call("check", {cx.get(), h7.get()}, &out, 1),
               RECUR_INVALID_ARGUMENT,
               "input 1 ('h0'): dimension 1 is 7, expected 8");
  auto h4 = tensor(RECUR_DTYPE_F32, {4, 8});
  EXPECT_OK(call("check", {cx.get(), h4.get()}, &out, 1));

  // Misaligned data.
  alignas(8) float buffer[5] = {};
  int64_t shape[] = {1};
  recur_tensor *odd = nullptr;
  ASSERT_OK(recur_tensor_wrap(RECUR_DTYPE_F32, 1, shape,
                              reinterpret_cast<char *>(buffer) + 1, 4, &odd));
  TensorPtr oddPtr(odd);
  EXPECT_ERROR(call("add_one", {odd}, &out, 1), RECUR_INVALID_ARGUMENT,
               "input 0 ('x'): data is not aligned to its 4-byte elements");
}

TEST_F(SessionTest, FailedCallsLeaveOutputsNull) {
  TensorPtr x = vector({1, 2, 3});
  recur_tensor *sentinel = reinterpret_cast<recur_tensor *>(uintptr_t(0x1234));
  recur_tensor *outs[2] = {sentinel, sentinel};
  recur_tensor *in[] = {x.get()};
  EXPECT_ERROR(recur_session_call(session.get(), "bad_size", in, 1, outs, 1),
               RECUR_INVALID_ARGUMENT, "dimension 0 is 3, expected 4");
  EXPECT_EQ(outs[0], nullptr);
  outs[0] = sentinel;
  EXPECT_ERROR(recur_session_call(session.get(), "nope", in, 1, outs, 2),
               RECUR_NOT_FOUND,
               "no function 'nope' in the module (it has: 'add_one', "
               "'add_one_parallel', 'add_mul'");
  EXPECT_EQ(outs[0], nullptr);
  EXPECT_EQ(outs[1], nullptr);
  EXPECT_ERROR(
      recur_session_call(session.get(), "add_one", nullptr, 1, outs, 1),
      RECUR_INVALID_ARGUMENT, "inputs is NULL");
  EXPECT_ERROR(recur_session_call(session.get(), "add_one", in, 1, nullptr, 1),
               RECUR_INVALID_ARGUMENT, "outputs is NULL");
  EXPECT_ERROR(recur_session_call(nullptr, "add_one", in, 1, outs, 1),
               RECUR_INVALID_ARGUMENT, "session or function is NULL");
}

TEST_F(SessionTest, SessionKeepsModuleAndDeviceAlive) {
  module.reset();
  device.reset();
  TensorPtr x = vector({5});
  std::vector<TensorPtr> out;
  ASSERT_OK(call("add_one_parallel", {x.get()}, &out, 1));
  EXPECT_EQ(values(out[0].get())[0], 6);
}

TEST_F(SessionTest, HostCodeIsLoadedFromMemory) {
  // The session's shared object is mapped from a memfd, not from a file.
  std::vector<uint8_t> maps = readFileBytes("/proc/self/maps");
  std::string text(maps.begin(), maps.end());
  EXPECT_NE(text.find("/memfd:recur-host-code"), std::string::npos);
  EXPECT_EQ(text.find("recur-host-"), text.find("recur-host-code"))
      << "a temporary file was used";
}

TEST_F(SessionTest, ManySessionsOfOneModule) {
  // Loads and unloads the host code repeatedly, with several loaded at once.
  std::vector<SessionPtr> sessions;
  for (int i = 0; i < 12; ++i) {
    recur_session *s = nullptr;
    ASSERT_OK(recur_session_create(device.get(), module.get(), &s));
    sessions.emplace_back(s);
    if (i % 3 == 2)
      sessions.erase(sessions.begin());
  }
  TensorPtr x = vector({1});
  for (SessionPtr &s : sessions) {
    recur_tensor *in[] = {x.get()};
    recur_tensor *out = nullptr;
    ASSERT_OK(recur_session_call(s.get(), "add_one", in, 1, &out, 1));
    EXPECT_EQ(static_cast<float *>(recur_tensor_data(out))[0], 2);
    recur_tensor_release(out);
  }
}

TEST_F(SessionTest, ConcurrentSessionsShareADevice) {
  open(kernelsSpec(), 3);
  recur_session *other = nullptr;
  ASSERT_OK(recur_session_create(device.get(), module.get(), &other));
  SessionPtr second(other);
  std::atomic<int> failures{0};
  auto work = [&](recur_session *s) {
    std::vector<float> x(5000);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = static_cast<float>(i);
    TensorPtr in = vector(x);
    for (int iter = 0; iter < 40; ++iter) {
      recur_tensor *inputs[] = {in.get()};
      recur_tensor *out = nullptr;
      recur_status st =
          recur_session_call(s, "add_one_parallel", inputs, 1, &out, 1);
      if (st) {
        recur_status_free(st);
        ++failures;
        continue;
      }
      auto *y = static_cast<float *>(recur_tensor_data(out));
      for (size_t i = 0; i < x.size(); ++i)
        if (y[i] != x[i] + 1)
          ++failures;
      recur_tensor_release(out);
    }
  };
  std::thread a(work, session.get()), b(work, second.get()),
      c(work, session.get());
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(failures.load(), 0);
}

//===----------------------------------------------------------------------===//
// Session creation errors
//===----------------------------------------------------------------------===//

class SessionCreateTest : public ::testing::Test {
protected:
  recur_status create(const ModuleSpec &spec) {
    std::vector<uint8_t> bytes = buildModule(spec);
    recur_module *m = nullptr;
    if (recur_status s =
            recur_module_load_memory(bytes.data(), bytes.size(), &m))
      return s;
    ModulePtr module(m);
    recur_device *d = nullptr;
    if (recur_status s = recur_device_create("host", nullptr, &d))
      return s;
    DevicePtr device(d);
    recur_session *s = nullptr;
    recur_status st = recur_session_create(device.get(), module.get(), &s);
    recur_session_release(s);
    return st;
  }

  static ModuleSpec oneFunction(const std::string &symbol) {
    ModuleSpec m;
    m.functions = {{"main", {{"x", f32({-1})}}, {{"y", f32({-1})}}}};
    TargetSpec t;
    t.binary = fakeKernels();
    t.plans = {simplePlan(m, 0, symbol)};
    m.targets = {t};
    return m;
  }
};

TEST_F(SessionCreateTest, Works) { EXPECT_OK(create(oneFunction("add_one"))); }

TEST_F(SessionCreateTest, NoHostTarget) {
  ModuleSpec m = oneFunction("add_one");
  m.targets.clear();
  EXPECT_ERROR(create(m), RECUR_UNAVAILABLE,
               "the module has no code for device 'host' (its targets: none)");
}

TEST_F(SessionCreateTest, ForeignTriple) {
  ModuleSpec m = oneFunction("add_one");
  m.targets[0].triple = "riscv32-unknown-elf";
  EXPECT_ERROR(create(m), RECUR_UNAVAILABLE,
               "the module's host code is for 'riscv32-unknown-elf', which "
               "this process");
  std::string arch = hostTriple().substr(0, hostTriple().find('-'));
  m.targets[0].triple = arch + "-apple-darwin";
  EXPECT_ERROR(create(m), RECUR_UNAVAILABLE, "cannot run");
  m.targets[0].triple = arch;
  EXPECT_ERROR(create(m), RECUR_UNAVAILABLE, "cannot run");
  m.targets[0].triple = arch + "-linux-gnu";
  EXPECT_OK(create(m));
}

TEST_F(SessionCreateTest, MissingSymbol) {
  EXPECT_ERROR(create(oneFunction("no_such_entry")), RECUR_UNAVAILABLE,
               "function 'main' step 0: symbol 'no_such_entry' is missing from "
               "the module's host code");
}

TEST_F(SessionCreateTest, SymbolFromAnotherLibrary) {
  EXPECT_ERROR(create(oneFunction("malloc")), RECUR_UNAVAILABLE,
               "symbol 'malloc' is missing from the module's host code: it is "
               "not defined by the module's host code");
}

TEST_F(SessionCreateTest, WrongHostAbiVersion) {
  ModuleSpec m = oneFunction("add_one");
  m.targets[0].binary = readFileBytes(RECUR_FAKE_KERNELS_BADABI_PATH);
  ASSERT_FALSE(m.targets[0].binary.empty());
  EXPECT_ERROR(create(m), RECUR_UNAVAILABLE,
               "the module's host code uses host ABI version 99; this runtime "
               "implements 4");
}

TEST_F(SessionCreateTest, NotASharedObject) {
  ModuleSpec m = oneFunction("add_one");
  m.targets[0].binary = stubBinary();
  EXPECT_ERROR(create(m), RECUR_UNAVAILABLE,
               "cannot load the module's host code: ");
}

TEST_F(SessionCreateTest, NoAbiVersionSymbol) {
  ModuleSpec m = oneFunction("add_one");
  m.targets[0].binary = readFileBytes(RECUR_FAKE_KERNELS_NOABI_PATH);
  ASSERT_FALSE(m.targets[0].binary.empty());
  EXPECT_ERROR(create(m), RECUR_UNAVAILABLE,
               "the module's host code has no __recur_host_abi_version");
}

TEST(DeviceTest, CreateAndName) {
  recur_device *d = nullptr;
  ASSERT_OK(recur_device_create("host", nullptr, &d));
  EXPECT_STREQ(recur_device_name(d), "host");
  recur_device_release(d);
  recur_device_options options{3};
  ASSERT_OK(recur_device_create("host", &options, &d));
  recur_device_release(d);
  recur_device_release(nullptr);
}

TEST(DeviceTest, Errors) {
  recur_device *d = nullptr;
  EXPECT_ERROR(recur_device_create("gpu", nullptr, &d), RECUR_NOT_FOUND,
               "unknown device 'gpu' (known devices: 'host', 'sim', 'cuda')");
  recur_device_options options{-2};
  EXPECT_ERROR(recur_device_create("host", &options, &d),
               RECUR_INVALID_ARGUMENT, "num_threads is -2");
  EXPECT_ERROR(recur_device_create(nullptr, nullptr, &d),
               RECUR_INVALID_ARGUMENT, "name is NULL");
  EXPECT_EQ(d, nullptr);
  recur_module *m = nullptr;
  recur_session *s = nullptr;
  EXPECT_ERROR(recur_session_create(nullptr, m, &s), RECUR_INVALID_ARGUMENT,
               "device or module is NULL");
}

//===----------------------------------------------------------------------===//
// Statistics (report_newton)
//===----------------------------------------------------------------------===//

namespace {

struct NewtonStats {
  int64_t solves, iterations, maxIterations, fallbacks;
  bool operator==(const NewtonStats &o) const {
    return solves == o.solves && iterations == o.iterations &&
           maxIterations == o.maxIterations && fallbacks == o.fallbacks;
  }
};

std::ostream &operator<<(std::ostream &os, const NewtonStats &s) {
  return os << "{solves " << s.solves << ", iterations " << s.iterations
            << ", max " << s.maxIterations << ", fallbacks " << s.fallbacks
            << "}";
}

NewtonStats statsOf(const recur_session *session) {
  return {recur_session_stat(session, RECUR_STAT_NEWTON_SOLVES),
          recur_session_stat(session, RECUR_STAT_NEWTON_ITERATIONS),
          recur_session_stat(session, RECUR_STAT_NEWTON_MAX_ITERATIONS),
          recur_session_stat(session, RECUR_STAT_NEWTON_FALLBACKS)};
}

} // namespace

TEST_F(SessionTest, NewtonStatistics) {
  EXPECT_EQ(statsOf(session.get()), (NewtonStats{0, 0, 0, 0}));
  // Each case: the two solves' (iterations, converged), and the expected
  // statistics, computed by hand.
  struct Case {
    int64_t x[4];
    NewtonStats expected;
  } cases[] = {
      {{5, 1, 9, 0}, {2, 14, 9, 1}},
      {{7, 1, 3, 1}, {2, 10, 7, 0}},
      {{12, 0, 12, 0}, {2, 24, 12, 2}},
      {{0, 1, 1, 1}, {2, 1, 1, 0}},
  };
  for (const Case &c : cases) {
    TensorPtr x = tensor(RECUR_DTYPE_I64, {4});
    std::memcpy(recur_tensor_data(x.get()), c.x, sizeof(c.x));
    std::vector<TensorPtr> out;
    ASSERT_OK(call("newton_report", {x.get()}, &out, 1));
    const auto *y =
        static_cast<const int64_t *>(recur_tensor_data(out[0].get()));
    EXPECT_EQ(y[0], 1) << "the host device gives report_newton";
    EXPECT_EQ(y[1], 0) << "the host device gives no device_read";
    EXPECT_EQ(statsOf(session.get()), c.expected);
  }
  // Every call starts from zero: one without reports, and one that fails.
  TensorPtr v = vector({1, 2});
  std::vector<TensorPtr> out;
  ASSERT_OK(call("add_one", {v.get()}, &out, 1));
  EXPECT_EQ(statsOf(session.get()), (NewtonStats{0, 0, 0, 0}));
  TensorPtr x = tensor(RECUR_DTYPE_I64, {4});
  const int64_t values[4] = {4, 1, 6, 0};
  std::memcpy(recur_tensor_data(x.get()), values, sizeof(values));
  ASSERT_OK(call("newton_report", {x.get()}, &out, 1));
  EXPECT_EQ(statsOf(session.get()), (NewtonStats{2, 10, 6, 1}));
  EXPECT_ERROR(call("newton_report", {v.get()}, &out, 1),
               RECUR_INVALID_ARGUMENT, "dtype is f32, expected i64");
  EXPECT_EQ(statsOf(session.get()), (NewtonStats{0, 0, 0, 0}));
}

TEST_F(SessionTest, UnknownStatistic) {
  EXPECT_EQ(recur_session_stat(session.get(), static_cast<recur_stat>(4)), -1);
  EXPECT_EQ(recur_session_stat(session.get(), static_cast<recur_stat>(-1)), -1);
  EXPECT_EQ(recur_session_stat(nullptr, RECUR_STAT_NEWTON_SOLVES), -1);
}

//===- CppApiTest.cpp - the C++ wrappers of runtime.hpp -------------------===//

#include "TestUtil.h"
#include "recur/runtime.hpp"

using namespace recur::test;

TEST(CppApiTest, LoadCallRelease) {
  ModuleSpec spec;
  spec.functions = {{"inc", {{"x", f32({-1})}}, {{"y", f32({-1})}}}};
  TargetSpec t;
  t.binary = fakeKernels();
  t.plans = {simplePlan(spec, 0, "add_one_parallel")};
  spec.targets = {t};
  std::vector<uint8_t> bytes = buildModule(spec);

  recur::Module module = recur::Module::loadMemory(bytes.data(), bytes.size());
  EXPECT_EQ(module.functionCount(), 1u);
  EXPECT_EQ(module.functionName(0), "inc");
  EXPECT_EQ(module.findFunction("inc"), 0u);
  std::vector<recur_param_info> inputs = module.inputs(0);
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_STREQ(inputs[0].name, "x");
  EXPECT_EQ(module.outputs(0).size(), 1u);

  recur::Device device = recur::Device::create("host", 2);
  EXPECT_EQ(device.name(), "host");
  recur::Session session(device, module);

  float data[3] = {1, 2, 3};
  recur::Tensor x =
      recur::Tensor::wrap(RECUR_DTYPE_F32, {3}, data, sizeof(data));
  std::vector<recur::Tensor> out = session.call("inc", {&x});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (std::vector<int64_t>{3}));
  EXPECT_EQ(out[0].dtype(), RECUR_DTYPE_F32);
  EXPECT_EQ(out[0].data<float>()[2], 4);

  recur::Tensor z = recur::Tensor::create(RECUR_DTYPE_I8, {2, 2});
  EXPECT_EQ(z.byteSize(), 4u);
  recur::Tensor moved = std::move(z);
  EXPECT_FALSE(z);
  EXPECT_TRUE(moved);
}

TEST(CppApiTest, ErrorsThrowWithCode) {
  try {
    recur::Device::create("tpu");
    FAIL() << "no exception";
  } catch (const recur::Error &e) {
    EXPECT_EQ(e.code(), RECUR_NOT_FOUND);
    EXPECT_NE(std::string(e.what()).find("unknown device 'tpu'"),
              std::string::npos);
  }
  EXPECT_THROW(recur::Module::loadFile("/nonexistent/model.rmod"),
               recur::Error);
  EXPECT_THROW(recur::Tensor::create(RECUR_DTYPE_F32, {-1}),
               std::runtime_error);
}

TEST(CppApiTest, SessionStatistics) {
  ModuleSpec spec;
  spec.functions = {{"newton",
                     {{"x", typed(RECUR_DTYPE_I64, {4})}},
                     {{"y", typed(RECUR_DTYPE_I64, {2})}}}};
  TargetSpec t;
  t.binary = fakeKernels();
  t.plans = {simplePlan(spec, 0, "newton_report")};
  spec.targets = {t};
  std::vector<uint8_t> bytes = buildModule(spec);
  recur::Module module = recur::Module::loadMemory(bytes.data(), bytes.size());
  recur::Session session(recur::Device::create("host", 1), module);
  EXPECT_EQ(session.stat(RECUR_STAT_NEWTON_SOLVES), 0);
  int64_t data[4] = {3, 1, 8, 0};
  recur::Tensor x =
      recur::Tensor::wrap(RECUR_DTYPE_I64, {4}, data, sizeof(data));
  session.call("newton", {&x});
  EXPECT_EQ(session.stat(RECUR_STAT_NEWTON_SOLVES), 2);
  EXPECT_EQ(session.stat(RECUR_STAT_NEWTON_ITERATIONS), 11);
  EXPECT_EQ(session.stat(RECUR_STAT_NEWTON_MAX_ITERATIONS), 8);
  EXPECT_EQ(session.stat(RECUR_STAT_NEWTON_FALLBACKS), 1);
}

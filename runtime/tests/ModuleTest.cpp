//===- ModuleTest.cpp - loading and verifying modules ---------------------===//
//
// Valid modules load and describe their functions; every malformed module
// is refused with RECUR_INVALID_MODULE and a message that says what and
// where; truncated and corrupted bytes never crash (run these under ASan:
// tools/sanitize-runtime.sh).
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "recur/module_generated.h"

#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <functional>
#include <random>
#include <unistd.h>

using namespace recur::test;

namespace {

/// One function f(x: f32[?]) -> (y: f32[?], z: f32[4]) using constant w.
ModuleSpec baseSpec() {
  ModuleSpec m;
  m.functions = {
      {"f", {{"x", f32({-1}, {0})}}, {{"y", f32({-1})}, {"z", f32({4})}}}};
  m.constants = {{"w", f32({4}), floatBytes({1, 2, 3, 4})}};
  TargetSpec t;
  t.binary = stubBinary();
  StepSpec s;
  s.symbol = "f_entry";
  s.operands = {in(0), cst(0)};
  s.results = {out(0), out(1)};
  t.plans = {{0, {s}}};
  m.targets = {t};
  return m;
}

recur_status load(const std::vector<uint8_t> &bytes, ModulePtr *out = nullptr) {
  recur_module *m = nullptr;
  recur_status s = recur_module_load_memory(bytes.data(), bytes.size(), &m);
  if (out)
    out->reset(m);
  else
    recur_module_release(m);
  return s;
}

/// Reads everything the C API shows about a loaded module.
void walk(const recur_module *m) {
  size_t n = recur_module_function_count(m);
  for (size_t f = 0; f < n; ++f) {
    ASSERT_NE(recur_module_function_name(m, f), nullptr);
    for (size_t i = 0; i < recur_function_input_count(m, f); ++i) {
      recur_param_info info;
      ASSERT_OK(recur_function_input_info(m, f, i, &info));
      for (int32_t d = 0; d < info.rank; ++d)
        ASSERT_GE(info.shape[d], -1);
    }
    for (size_t o = 0; o < recur_function_output_count(m, f); ++o) {
      recur_param_info info;
      ASSERT_OK(recur_function_output_info(m, f, o, &info));
      for (int32_t d = 0; d < info.rank; ++d)
        ASSERT_GE(info.shape[d], -1);
    }
  }
}

} // namespace

TEST(ModuleTest, LoadsAndDescribesFunctions) {
  ModuleSpec spec = baseSpec();
  spec.functions.push_back(
      {"g",
       {{"a", typed(RECUR_DTYPE_I64, {2, -1, 3}, {-1, 5, -1})},
        {"b", typed(RECUR_DTYPE_BF16, {})}},
       {{"c", typed(RECUR_DTYPE_U8, {7})}}});
  ModulePtr m;
  ASSERT_OK(load(buildModule(spec), &m));
  EXPECT_EQ(recur_module_function_count(m.get()), 2u);
  EXPECT_STREQ(recur_module_function_name(m.get(), 1), "g");
  EXPECT_EQ(recur_module_function_name(m.get(), 2), nullptr);
  size_t index = 99;
  ASSERT_OK(recur_module_find_function(m.get(), "g", &index));
  EXPECT_EQ(index, 1u);
  EXPECT_ERROR(recur_module_find_function(m.get(), "h", &index),
               RECUR_NOT_FOUND,
               "no function 'h' in the module (it has: 'f', 'g')");

  EXPECT_EQ(recur_function_input_count(m.get(), 1), 2u);
  EXPECT_EQ(recur_function_output_count(m.get(), 1), 1u);
  EXPECT_EQ(recur_function_input_count(m.get(), 5), 0u);
  recur_param_info info;
  ASSERT_OK(recur_function_input_info(m.get(), 1, 0, &info));
  EXPECT_STREQ(info.name, "a");
  EXPECT_EQ(info.dtype, RECUR_DTYPE_I64);
  ASSERT_EQ(info.rank, 3);
  EXPECT_EQ(info.shape[0], 2);
  EXPECT_EQ(info.shape[1], -1);
  EXPECT_EQ(info.shape[2], 3);
  ASSERT_OK(recur_function_input_info(m.get(), 1, 1, &info));
  EXPECT_EQ(info.rank, 0);
  EXPECT_EQ(info.dtype, RECUR_DTYPE_BF16);
  ASSERT_OK(recur_function_output_info(m.get(), 1, 0, &info));
  EXPECT_STREQ(info.name, "c");
  EXPECT_EQ(info.shape[0], 7);
  EXPECT_ERROR(recur_function_input_info(m.get(), 1, 2, &info),
               RECUR_INVALID_ARGUMENT, "has 2 inputs, not 3");
  EXPECT_ERROR(recur_function_output_info(m.get(), 9, 0, &info),
               RECUR_INVALID_ARGUMENT, "function 9 is out of range");
}

TEST(ModuleTest, LoadFile) {
  std::vector<uint8_t> bytes = buildModule(baseSpec());
  char path[] = "/tmp/recur-module-test-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, bytes.data(), bytes.size()),
            static_cast<ssize_t>(bytes.size()));
  close(fd);
  recur_module *m = nullptr;
  EXPECT_OK(recur_module_load_file(path, &m));
  EXPECT_EQ(recur_module_function_count(m), 1u);
  recur_module_release(m);

  // A truncated file names itself in the message.
  ASSERT_EQ(truncate(path, static_cast<off_t>(bytes.size() / 2)), 0);
  EXPECT_ERROR(recur_module_load_file(path, &m), RECUR_INVALID_MODULE,
               std::string("'") + path +
                   "': module fails flatbuffers verification");
  ASSERT_EQ(truncate(path, 0), 0);
  EXPECT_ERROR(recur_module_load_file(path, &m), RECUR_INVALID_MODULE,
               std::string("'") + path + "': file is empty");
  unlink(path);
  EXPECT_ERROR(recur_module_load_file(path, &m), RECUR_NOT_FOUND,
               std::string("cannot open '") + path +
                   "': No such file or directory");
  EXPECT_ERROR(recur_module_load_file("/tmp", &m), RECUR_IO_ERROR,
               "cannot read '/tmp': Is a directory");
  EXPECT_ERROR(recur_module_load_file(nullptr, &m), RECUR_INVALID_ARGUMENT,
               "path is NULL");
  EXPECT_EQ(m, nullptr);
}

TEST(ModuleTest, LoadMemoryEdgeCases) {
  recur_module *m = nullptr;
  EXPECT_ERROR(recur_module_load_memory(nullptr, 0, &m), RECUR_INVALID_MODULE,
               "module is empty");
  EXPECT_ERROR(recur_module_load_memory(nullptr, 5, &m), RECUR_INVALID_ARGUMENT,
               "data is NULL");
  const char tiny[] = "RMOD";
  EXPECT_ERROR(recur_module_load_memory(tiny, 4, &m), RECUR_INVALID_MODULE,
               "too small");
  std::vector<uint8_t> bytes = buildModule(baseSpec());
  EXPECT_ERROR(recur_module_load_memory(bytes.data(), bytes.size(), nullptr),
               RECUR_INVALID_ARGUMENT, "out is NULL");
  // The buffer is copied: the caller may reuse its memory at once, and an
  // unaligned source works.
  std::vector<uint8_t> shifted(bytes.size() + 1);
  std::copy(bytes.begin(), bytes.end(), shifted.begin() + 1);
  ASSERT_OK(recur_module_load_memory(shifted.data() + 1, bytes.size(), &m));
  std::fill(shifted.begin(), shifted.end(), 0);
  EXPECT_STREQ(recur_module_function_name(m, 0), "f");
  recur_module_release(m);
  recur_module_release(nullptr);
}

TEST(ModuleTest, WrongIdentifier) {
  std::vector<uint8_t> bytes = buildModule(baseSpec());
  bytes[4] = 'X';
  EXPECT_ERROR(
      load(bytes), RECUR_INVALID_MODULE,
      "not a Recur module: file identifier is 'XMOD', expected 'RMOD'");
  std::vector<uint8_t> junk(100, 0xff);
  EXPECT_ERROR(load(junk), RECUR_INVALID_MODULE, "not a Recur module");
}

TEST(ModuleTest, WrongVersion) {
  ModuleSpec spec = baseSpec();
  spec.version = 2;
  EXPECT_ERROR(load(buildModule(spec)), RECUR_INVALID_MODULE,
               "module format version 2 is not supported (this runtime reads "
               "version 1)");
  spec.version = 0;
  EXPECT_ERROR(load(buildModule(spec)), RECUR_INVALID_MODULE,
               "module format version 0 is not supported");
}

TEST(ModuleTest, EveryTruncationIsRefused) {
  std::vector<uint8_t> bytes = buildModule(baseSpec());
  for (size_t len = 0; len < bytes.size(); ++len) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + len);
    recur_module *m = nullptr;
    recur_status s = recur_module_load_memory(cut.data(), len, &m);
    ASSERT_NE(s, nullptr) << "a module truncated to " << len << " of "
                          << bytes.size() << " bytes loaded";
    EXPECT_EQ(recur_status_get_code(s), RECUR_INVALID_MODULE);
    recur_status_free(s);
  }
}

TEST(ModuleTest, TruncatedRealModuleIsRefused) {
  ModuleSpec spec = baseSpec();
  spec.targets[0].binary = fakeKernels();
  std::vector<uint8_t> bytes = buildModule(spec);
  for (size_t len = 0; len < bytes.size(); len += 1 + len / 16) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + len);
    EXPECT_ERROR(load(cut), RECUR_INVALID_MODULE, "") << len;
  }
}

TEST(ModuleTest, FlippedBytesNeverCrash) {
  std::vector<uint8_t> bytes = buildModule(baseSpec());
  size_t refused = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t mask : {0xffu, 0x01u, 0x80u}) {
      std::vector<uint8_t> bad = bytes;
      bad[i] ^= mask;
      ModulePtr m;
      recur_status s = load(bad, &m);
      if (s) {
        EXPECT_EQ(recur_status_get_code(s), RECUR_INVALID_MODULE);
        recur_status_free(s);
        ++refused;
      } else {
        walk(m.get());
      }
    }
  }
  EXPECT_GT(refused, 0u);

  // And many random multi-byte corruptions.
  std::mt19937 rng(1234);
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<uint8_t> bad = bytes;
    int flips = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < flips; ++k)
      bad[rng() % bad.size()] = static_cast<uint8_t>(rng());
    ModulePtr m;
    recur_status s = load(bad, &m);
    if (s)
      recur_status_free(s);
    else
      walk(m.get());
  }
}

//===----------------------------------------------------------------------===//
// Semantic checks: one mutation of the base module each
//===----------------------------------------------------------------------===//

struct BadModuleCase {
  const char *name;
  std::function<void(ModuleSpec &)> mutate;
  const char *message;
};

class BadModuleTest : public ::testing::TestWithParam<BadModuleCase> {};

TEST_P(BadModuleTest, IsRefusedWithMessage) {
  ModuleSpec spec = baseSpec();
  GetParam().mutate(spec);
  EXPECT_ERROR(load(buildModule(spec)), RECUR_INVALID_MODULE,
               GetParam().message);
}

static StepSpec &step0(ModuleSpec &m) { return m.targets[0].plans[0].steps[0]; }

static const BadModuleCase kBadModules[] = {
    {"InvalidDType",
     [](ModuleSpec &m) { m.functions[0].inputs[0].type.dtype = 0; },
     "function 0 ('f') input 0 ('x'): dtype 0 is not a valid element type"},
    {"UnknownDType",
     [](ModuleSpec &m) { m.functions[0].outputs[1].type.dtype = 42; },
     "function 0 ('f') output 1 ('z'): dtype 42 is not a valid element type"},
    {"RankTooLarge",
     [](ModuleSpec &m) {
       m.functions[0].inputs[0].type = f32(std::vector<int64_t>(17, 1));
     },
     "function 0 ('f') input 0 ('x'): rank 17 exceeds the maximum of 16"},
    {"NegativeDimension",
     [](ModuleSpec &m) {
       m.functions[0].outputs[1].type.shape = {4, -2};
     },
     "function 0 ('f') output 1 ('z'): dimension 1 is -2"},
    {"DimSymbolsCount",
     [](ModuleSpec &m) {
       m.functions[0].inputs[0].type = f32({-1, -1, 3}, {0, 1});
     },
     "function 0 ('f') input 0 ('x'): dim_symbols has 2 entries for rank 3"},
    {"NegativeSymbol",
     [](ModuleSpec &m) { m.functions[0].inputs[0].type.symbols = {-5}; },
     "function 0 ('f') input 0 ('x'): dim_symbols[0] is -5"},
    {"EmptyFunctionName", [](ModuleSpec &m) { m.functions[0].name = ""; },
     "function 0: name is empty"},
    {"NulInFunctionName",
     [](ModuleSpec &m) { m.functions[0].name = std::string("a\0b", 3); },
     "function 0: name 'a\\x00b' contains a NUL byte"},
    {"DuplicateFunction",
     [](ModuleSpec &m) { m.functions.push_back(m.functions[0]); },
     "function 1 ('f'): name is also the name of function 0"},
    {"DynamicConstant", [](ModuleSpec &m) { m.constants[0].type.shape = {-1}; },
     "constant 0 ('w'): dimension 0 is dynamic (a constant needs a static "
     "shape)"},
    {"ConstantSizeMismatch",
     [](ModuleSpec &m) { m.constants[0].data.resize(12); },
     "constant 0 ('w'): data has 12 bytes but shape 4 of f32 needs 16"},
    {"ConstantMissingData", [](ModuleSpec &m) { m.constants[0].data.clear(); },
     "constant 0 ('w'): data has 0 bytes but shape 4 of f32 needs 16"},
    {"ConstantSizeOverflow",
     [](ModuleSpec &m) {
       m.constants[0].type.shape = {int64_t(1) << 40, int64_t(1) << 40};
     },
     "constant 0 ('w'): shape 1099511627776x1099511627776 of f32 overflows"},
    {"ConstantDType", [](ModuleSpec &m) { m.constants[0].type.dtype = 200; },
     "constant 0 ('w'): dtype 200 is not a valid element type"},
    {"UnknownTargetKind", [](ModuleSpec &m) { m.targets[0].kind = 3; },
     "target 0 ('host'): unknown target kind 3 (this runtime knows: host, sim, "
     "cuda)"},
    {"MissingBinary", [](ModuleSpec &m) { m.targets[0].hasBinary = false; },
     "target 0 ('host'): host target has no binary"},
    {"EmptyBinary", [](ModuleSpec &m) { m.targets[0].binary.clear(); },
     "target 0 ('host'): host target's binary is empty"},
    {"PlanFunctionOutOfRange",
     [](ModuleSpec &m) { m.targets[0].plans[0].function = 5; },
     "target 0 ('host') plan 0: function index 5 is out of range (the module "
     "has 1 functions)"},
    {"DuplicatePlan",
     [](ModuleSpec &m) { m.targets[0].plans.push_back(m.targets[0].plans[0]); },
     "target 0 ('host') plan 1 (function 'f'): the function already has plan "
     "0 in this target"},
    {"UnknownStepType", [](ModuleSpec &m) { step0(m).type = 9; },
     "target 0 ('host') plan 0 (function 'f') step 0: unknown step type 9"},
    {"NoStepType", [](ModuleSpec &m) { step0(m).type = 0; },
     "step 0: unknown step type 0"},
    {"EmptySymbol", [](ModuleSpec &m) { step0(m).symbol = ""; },
     "step 0: HostCall symbol is empty"},
    {"InputOutOfRange", [](ModuleSpec &m) { step0(m).operands[0] = in(3); },
     "step 0 operand 0: input 3 is out of range (the function has 1 inputs)"},
    {"ConstantOutOfRange", [](ModuleSpec &m) { step0(m).operands[1] = cst(2); },
     "step 0 operand 1: constant 2 is out of range (the module has 1 "
     "constants)"},
    {"OutputOutOfRange", [](ModuleSpec &m) { step0(m).results[1] = out(4); },
     "step 0 result 1: output 4 is out of range (the function has 2 outputs)"},
    {"UnknownValueKind",
     [](ModuleSpec &m) {
       step0(m).operands[0] = {7, 0};
     },
     "step 0 operand 0: unknown value kind 7"},
    {"ResultIsInput", [](ModuleSpec &m) { step0(m).results[0] = in(0); },
     "step 0 result 0: is input 0, but results must be outputs"},
    {"ResultIsConstant", [](ModuleSpec &m) { step0(m).results[0] = cst(0); },
     "step 0 result 0: is constant 0, but results must be outputs"},
    {"OutputProducedTwice", [](ModuleSpec &m) { step0(m).results[1] = out(0); },
     "step 0 result 1: output 0 ('y') is already produced by step 0 result 0"},
    {"OutputProducedTwiceAcrossSteps",
     [](ModuleSpec &m) {
       StepSpec again = step0(m);
       again.results = {out(1)};
       m.targets[0].plans[0].steps.push_back(again);
     },
     "step 1 result 0: output 1 ('z') is already produced by step 0 result 1"},
    {"MissingOutput", [](ModuleSpec &m) { step0(m).results.pop_back(); },
     "target 0 ('host') plan 0 (function 'f'): output 1 ('z') is not "
     "produced by the plan"},
    {"NoSteps", [](ModuleSpec &m) { m.targets[0].plans[0].steps.clear(); },
     "output 0 ('y') is not produced by the plan"},
    {"OutputUsedBeforeProduced",
     [](ModuleSpec &m) { step0(m).operands.push_back(out(0)); },
     "step 0 operand 2: output 0 is used before a step produces it"},
    // GPU targets: kernels and images.
    {"HostTargetWithKernels",
     [](ModuleSpec &m) { m.targets[0].kernels = {{"k"}}; },
     "target 0 ('host'): a host target has no GPU kernels, but it lists 1"},
    {"SimMissingBinary",
     [](ModuleSpec &m) {
       m.targets[0].kind = 1;
       m.targets[0].hasBinary = false;
     },
     "target 0 ('host'): sim target has no binary"},
    {"SimTargetWithImages",
     [](ModuleSpec &m) {
       m.targets[0].kind = 1;
       m.targets[0].images = {{"sm_80", 0, {'x'}}};
     },
     "target 0 ('host'): only cuda targets have kernel images, but this sim "
     "target has 1"},
    {"CudaWithoutImages", [](ModuleSpec &m) { m.targets[0].kind = 2; },
     "target 0 ('host'): cuda target has no kernel images (PTX or cubin)"},
    {"EmptyKernelName",
     [](ModuleSpec &m) {
       m.targets[0].kind = 1;
       m.targets[0].kernels = {{"a"}, {""}};
     },
     "target 0 ('host') kernel 1: name is empty"},
    {"NulInKernelName",
     [](ModuleSpec &m) {
       m.targets[0].kind = 1;
       m.targets[0].kernels = {{std::string("k\0x", 3)}};
     },
     "target 0 ('host') kernel 0: name 'k\\x00x' contains a NUL byte"},
    {"DuplicateKernel",
     [](ModuleSpec &m) {
       m.targets[0].kind = 1;
       m.targets[0].kernels = {{"k"}, {"j"}, {"k"}};
     },
     "target 0 ('host') kernel 2 ('k'): name is also the name of kernel 0"},
    {"KernelSharedMemoryTooLarge",
     [](ModuleSpec &m) {
       m.targets[0].kind = 1;
       m.targets[0].kernels = {{"k", 48 * 1024 + 1}};
     },
     "kernel 0 ('k'): static_shared_bytes is 49153 (the limit is 49152)"},
    {"KernelMaxThreadsTooLarge",
     [](ModuleSpec &m) {
       m.targets[0].kind = 1;
       m.targets[0].kernels = {{"k", 0, true, 2048}};
     },
     "kernel 0 ('k'): max_threads is 2048 (a block has at most 1024 threads)"},
    {"ImageArchNotSm",
     [](ModuleSpec &m) {
       m.targets[0].kind = 2;
       m.targets[0].images = {{"compute_80", 0, {'x'}}};
     },
     "target 0 ('host') image 0: arch 'compute_80' is not an NVIDIA "
     "architecture like 'sm_80' or 'sm_90a'"},
    {"ImageArchNoDigits",
     [](ModuleSpec &m) {
       m.targets[0].kind = 2;
       m.targets[0].images = {{"sm_", 0, {'x'}}};
     },
     "image 0: arch 'sm_' is not an NVIDIA architecture"},
    {"ImageArchSuffix",
     [](ModuleSpec &m) {
       m.targets[0].kind = 2;
       m.targets[0].images = {{"sm_90b", 0, {'x'}}};
     },
     "image 0: arch 'sm_90b' is not an NVIDIA architecture"},
    {"ImageArchEmpty",
     [](ModuleSpec &m) {
       m.targets[0].kind = 2;
       m.targets[0].images = {{"", 0, {'x'}}};
     },
     "image 0: arch '' is not an NVIDIA architecture"},
    {"ImageWithoutData",
     [](ModuleSpec &m) {
       m.targets[0].kind = 2;
       m.targets[0].images = {{"sm_80", 0, {}}};
     },
     "target 0 ('host') image 0 (sm_80): PTX image has no data"},
    {"PtxWithNul",
     [](ModuleSpec &m) {
       m.targets[0].kind = 2;
       m.targets[0].images = {{"sm_80", 0, {'a', 0, 'b'}}};
     },
     "image 0 (sm_80): PTX text contains a NUL byte"},
    {"CubinNotElf",
     [](ModuleSpec &m) {
       m.targets[0].kind = 2;
       m.targets[0].images = {{"sm_90", 1, {'a', 'b', 'c', 'd'}}};
     },
     "image 0 (sm_90): cubin is not an ELF file"},
    {"UnknownImageFormat",
     [](ModuleSpec &m) {
       m.targets[0].kind = 2;
       m.targets[0].images = {{"sm_90", 7, {'x'}}};
     },
     "image 0 (sm_90): unknown image format 7 (this runtime knows: ptx, "
     "cubin)"},
    {"DuplicateImage",
     [](ModuleSpec &m) {
       m.targets[0].kind = 2;
       m.targets[0].images = {{"sm_80", 0, {'x'}},
                              {"sm_80", 1, {0x7f, 'E', 'L', 'F'}},
                              {"sm_80", 0, {'y'}}};
     },
     "image 2 (sm_80): image 0 is also the PTX for sm_80"},
};

INSTANTIATE_TEST_SUITE_P(
    Verify, BadModuleTest, ::testing::ValuesIn(kBadModules),
    [](const ::testing::TestParamInfo<BadModuleCase> &info) {
      return std::string(info.param.name);
    });

TEST(ModuleTest, OutputOperandOfLaterStepIsFine) {
  ModuleSpec spec = baseSpec();
  StepSpec second;
  second.symbol = "g_entry";
  second.operands = {out(0)};
  second.results = {out(1)};
  step0(spec).results = {out(0)};
  spec.targets[0].plans[0].steps.push_back(second);
  EXPECT_OK(load(buildModule(spec)));
}

TEST(ModuleTest, GpuTargetsLoad) {
  ModuleSpec spec = baseSpec();
  TargetSpec sim = spec.targets[0];
  sim.kind = 1;
  sim.name = "sim";
  sim.kernels = {{"a", 16, true, 256}, {"b"}};
  TargetSpec cuda = sim;
  cuda.kind = 2;
  cuda.name = "cuda";
  cuda.images = {{"sm_80", 0, {'.', 'v'}},
                 {"sm_90a", 0, {'.', 'v'}},
                 {"sm_90", 1, {0x7f, 'E', 'L', 'F', 1}}};
  spec.targets = {spec.targets[0], sim, cuda};
  EXPECT_OK(load(buildModule(spec)));
}

TEST(ModuleTest, EmptyModuleLoads) {
  ModuleSpec spec;
  ModulePtr m;
  ASSERT_OK(load(buildModule(spec), &m));
  EXPECT_EQ(recur_module_function_count(m.get()), 0u);
}

TEST(ModuleTest, FuzzCorpus) {
  // valid_* files load; bad_* and regress_* (fuzzer findings) are refused.
  DIR *dir = opendir(RECUR_FUZZ_CORPUS_DIR);
  ASSERT_NE(dir, nullptr) << RECUR_FUZZ_CORPUS_DIR;
  int files = 0;
  while (dirent *e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.size() < 5 || name.substr(name.size() - 5) != ".rmod")
      continue;
    ++files;
    std::vector<uint8_t> bytes =
        readFileBytes(std::string(RECUR_FUZZ_CORPUS_DIR) + "/" + name);
    ModulePtr m;
    recur_status s = load(bytes, &m);
    if (name.rfind("valid_", 0) == 0) {
      EXPECT_TRUE(isOk(s)) << name;
      walk(m.get());
    } else {
      EXPECT_TRUE(isError(s, RECUR_INVALID_MODULE, "")) << name;
    }
  }
  closedir(dir);
  EXPECT_GE(files, 10);
}

/// A module whose one input has a shape vector of int64 that starts 4 bytes
/// off an 8-byte boundary (the flatbuffers 2.0 verifier does not check the
/// alignment of 8-byte elements; the fuzzer found the unaligned read).
static std::vector<uint8_t> misalignedShapeModule(int padding) {
  namespace fb = recur::fb;
  flatbuffers::FlatBufferBuilder fbb;
  auto name = fbb.CreateString("x");
  for (int i = 0; i < padding; ++i)
    fbb.PushElement<uint32_t>(0);
  // Two int64 dims as four uint32 halves, aligned to 4 only.
  fbb.StartVector(4, sizeof(uint32_t));
  for (uint32_t half : {0u, 0u, 3u, 0u})
    fbb.PushElement<uint32_t>(half);
  flatbuffers::Offset<flatbuffers::Vector<int64_t>> shape(fbb.EndVector(2));
  auto type = fb::CreateTensorType(fbb, fb::DType::f32, shape);
  auto param = fb::CreateParameter(fbb, name, type);
  auto function = fb::CreateFunction(
      fbb, fbb.CreateString("main"),
      fbb.CreateVector(std::vector<flatbuffers::Offset<fb::Parameter>>{param}));
  auto module = fb::CreateModule(
      fbb, 1, 0,
      fbb.CreateVector(
          std::vector<flatbuffers::Offset<fb::Function>>{function}));
  fb::FinishModuleBuffer(fbb, module);
  const uint8_t *base = fbb.GetBufferPointer();
  const auto *m = fb::GetModule(base);
  const auto *dims = m->functions()->Get(0)->inputs()->Get(0)->type()->shape();
  if ((reinterpret_cast<uintptr_t>(dims->Data()) -
       reinterpret_cast<uintptr_t>(base)) %
          8 ==
      0)
    return {};
  return std::vector<uint8_t>(base, base + fbb.GetSize());
}

TEST(ModuleTest, MisalignedShapeVector) {
  std::vector<uint8_t> bytes = misalignedShapeModule(0);
  if (bytes.empty())
    bytes = misalignedShapeModule(1);
  ASSERT_FALSE(bytes.empty());
  EXPECT_ERROR(load(bytes), RECUR_INVALID_MODULE,
               "function 0 ('main') input 0 ('x'): shape vector is not 8-byte "
               "aligned");
}

TEST(ModuleTest, SharedTablesCannotBlowUpLoading) {
  // One Parameter with a 4 KiB name, referenced 200000 times: a file under
  // 1 MB that would expand to 800 MB of names.
  namespace fb = recur::fb;
  flatbuffers::FlatBufferBuilder fbb;
  auto name = fbb.CreateString(std::string(4096, 'n'));
  auto type = fb::CreateTensorType(fbb, fb::DType::f32,
                                   fbb.CreateVector(std::vector<int64_t>{4}));
  auto param = fb::CreateParameter(fbb, name, type);
  std::vector<flatbuffers::Offset<fb::Parameter>> inputs(200000, param);
  auto function =
      fb::CreateFunction(fbb, fbb.CreateString("f"), fbb.CreateVector(inputs));
  auto module = fb::CreateModule(
      fbb, 1, 0,
      fbb.CreateVector(
          std::vector<flatbuffers::Offset<fb::Function>>{function}));
  fb::FinishModuleBuffer(fbb, module);
  std::vector<uint8_t> bytes(fbb.GetBufferPointer(),
                             fbb.GetBufferPointer() + fbb.GetSize());
  EXPECT_ERROR(load(bytes), RECUR_INVALID_MODULE,
               "the module expands to far more than its size");
}

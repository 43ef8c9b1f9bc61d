//===- make_corpus.cpp - writes the module fuzzer's seed corpus -----------===//
//
// recur-fuzz-corpus DIR writes small valid_* and bad_* .rmod files into DIR
// (runtime/fuzz/corpus is its output, committed). The host binary is a
// stub: the fuzzer only loads modules, it never runs them. The corpus's
// regress_* files are inputs the fuzzer found, kept by hand; the unit tests
// load every file there (valid_* must load, the others must not).
//
//===----------------------------------------------------------------------===//

#include "ModuleBuilder.h"

#include <cstdio>
#include <fstream>
#include <string>

using namespace recur::test;

namespace {

std::vector<uint8_t> stub() {
  std::vector<uint8_t> b = {0x7f, 'E', 'L', 'F'};
  b.resize(32, 0);
  return b;
}

ModuleSpec basic() {
  ModuleSpec m;
  m.functions = {{"main",
                  {{"x", f32({-1, 4}, {0, -1})}, {"h0", f32({-1, 8}, {0, -1})}},
                  {{"y", f32({-1, 8})}, {"h", f32({-1, 8})}}}};
  m.constants = {{"w", f32({2, 2}), floatBytes({1, 2, 3, 4})}};
  TargetSpec t;
  t.binary = stub();
  t.plans = {simplePlan(m, 0, "__recur_entry_main", {0})};
  m.targets = {t};
  return m;
}

ModuleSpec several() {
  ModuleSpec m;
  m.functions = {
      {"step",
       {{"x", typed(RECUR_DTYPE_F64, {})}},
       {{"y", typed(RECUR_DTYPE_F64, {})}}},
      {"scan",
       {{"x", typed(RECUR_DTYPE_BF16, {-1, -1, 16}, {0, 1, -1})},
        {"mask", typed(RECUR_DTYPE_I1, {-1, -1}, {0, 1})}},
       {{"y", typed(RECUR_DTYPE_I64, {-1})},
        {"t", typed(RECUR_DTYPE_U8, {3})}}},
  };
  m.constants = {{"a", typed(RECUR_DTYPE_I16, {3}), {1, 0, 2, 0, 3, 0}},
                 {"empty", f32({0, 5}), {}}};
  TargetSpec t;
  t.binary = stub();
  t.plans.push_back(simplePlan(m, 0, "__recur_entry_step"));
  PlanSpec two;
  two.function = 1;
  two.steps = {{1, "first", {in(0), cst(1)}, {out(1)}},
               {1, "second", {in(1), out(1), cst(0)}, {out(0)}}};
  t.plans.push_back(two);
  m.targets = {t};
  return m;
}

/// A sim and a cuda target (with a PTX and a cubin image) for basic()'s
/// function.
ModuleSpec gpu() {
  ModuleSpec m = basic();
  TargetSpec sim = m.targets[0];
  sim.kind = 1;
  sim.name = "sim";
  sim.kernels = {{"scan", 64, true, 256}, {"gate"}};
  TargetSpec cuda = sim;
  cuda.kind = 2;
  cuda.name = "cuda";
  std::string ptx = ".version 8.0\n.target sm_80\n";
  cuda.images = {{"sm_80", 0, std::vector<uint8_t>(ptx.begin(), ptx.end())},
                 {"sm_90a", 1, stub()}};
  m.targets = {sim, cuda};
  return m;
}

bool write(const std::string &dir, const char *name,
           const std::vector<uint8_t> &bytes) {
  std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return false;
  }
  if (bytes.size() >= 8192)
    std::fprintf(stderr, "warning: %s is %zu bytes\n", name, bytes.size());
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::string dir = argv[1];
  bool ok = true;

  ok &= write(dir, "valid_basic.rmod", buildModule(basic()));
  ok &= write(dir, "valid_several.rmod", buildModule(several()));
  ok &= write(dir, "valid_empty.rmod", buildModule(ModuleSpec()));
  ok &= write(dir, "valid_gpu.rmod", buildModule(gpu()));

  std::vector<uint8_t> bytes = buildModule(basic());
  ok &= write(
      dir, "bad_truncated.rmod",
      std::vector<uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  std::vector<uint8_t> id = bytes;
  id[4] = 'X';
  ok &= write(dir, "bad_identifier.rmod", id);

  ModuleSpec m = basic();
  m.version = 7;
  ok &= write(dir, "bad_version.rmod", buildModule(m));
  m = basic();
  m.targets[0].plans[0].steps[0].operands[0] = in(9);
  ok &= write(dir, "bad_valueref.rmod", buildModule(m));
  m = basic();
  m.constants[0].data.resize(3);
  ok &= write(dir, "bad_constant_size.rmod", buildModule(m));
  m = several();
  m.functions[1].name = "step";
  ok &= write(dir, "bad_duplicate_function.rmod", buildModule(m));
  m = several();
  m.targets[0].plans[1].steps[1].results.clear();
  ok &= write(dir, "bad_missing_output.rmod", buildModule(m));
  m = several();
  m.targets[0].plans[1].steps[0].type = 5;
  ok &= write(dir, "bad_step_type.rmod", buildModule(m));
  m = basic();
  m.functions[0].inputs[0].type.symbols = {0, 1, 2};
  ok &= write(dir, "bad_dim_symbols.rmod", buildModule(m));
  m = gpu();
  m.targets[1].images[0].arch = "sm_8O";
  ok &= write(dir, "bad_image_arch.rmod", buildModule(m));
  m = gpu();
  m.targets[0].kernels[1].name = "scan";
  ok &= write(dir, "bad_duplicate_kernel.rmod", buildModule(m));
  return ok ? 0 : 1;
}

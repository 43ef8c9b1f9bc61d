//===- ModuleBuilder.h - writing .rmod files for tests ----------*- C++ -*-===//
//
// A plain description of a module (ModuleSpec) and a function that writes it
// with the flatbuffers builder. The description can say things the runtime
// must refuse (bad dtypes, out-of-range references, unknown kinds), so the
// tests and the fuzzer's corpus generator can produce broken modules too.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_RUNTIME_TESTS_MODULEBUILDER_H
#define RECUR_RUNTIME_TESTS_MODULEBUILDER_H

#include "recur/runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace recur::test {

struct TensorSpec {
  uint8_t dtype = RECUR_DTYPE_F32;
  std::vector<int64_t> shape;
  std::vector<int32_t> symbols; // written only when hasSymbols
  bool hasSymbols = false;
};

TensorSpec f32(std::vector<int64_t> shape, std::vector<int32_t> symbols = {});
TensorSpec typed(recur_dtype dtype, std::vector<int64_t> shape,
                 std::vector<int32_t> symbols = {});

struct ParamSpec {
  std::string name;
  TensorSpec type;
};

struct FunctionSpec {
  std::string name;
  std::vector<ParamSpec> inputs, outputs;
};

struct ConstantSpec {
  std::string name;
  TensorSpec type;
  std::vector<uint8_t> data;
};

/// A ValueRef: kind 0 input, 1 constant, 2 output (anything else is bad).
struct ValueSpec {
  uint8_t kind;
  uint32_t index;
};
inline ValueSpec in(uint32_t i) { return {0, i}; }
inline ValueSpec cst(uint32_t i) { return {1, i}; }
inline ValueSpec out(uint32_t i) { return {2, i}; }

struct StepSpec {
  uint8_t type = 1; // 1: HostCall
  std::string symbol;
  std::vector<ValueSpec> operands, results;
};

struct PlanSpec {
  uint32_t function = 0;
  std::vector<StepSpec> steps;
};

/// A GPU kernel of a sim or cuda target.
struct KernelSpec {
  std::string name;
  uint32_t staticSharedBytes = 0;
  bool synchronizes = false;
  uint32_t maxThreads = 0;
  uint32_t numParams = 0;
};

/// A cuda target's image: format 0 PTX, 1 cubin (anything else is bad).
struct ImageSpec {
  std::string arch;
  uint8_t format = 0;
  std::vector<uint8_t> data;
};

struct TargetSpec {
  uint8_t kind = 0; // 0 host, 1 sim, 2 cuda
  std::string name = "host";
  std::string triple; // empty: this machine's
  std::string cpu = "generic";
  std::vector<uint8_t> binary;
  bool hasBinary = true;
  std::vector<PlanSpec> plans;
  std::vector<KernelSpec> kernels;
  std::vector<ImageSpec> images;
};

struct ModuleSpec {
  uint32_t version = 1;
  std::string producer = "recur-runtime-tests";
  std::vector<FunctionSpec> functions;
  std::vector<ConstantSpec> constants;
  std::vector<TargetSpec> targets;
};

/// The triple of the machine the tests run on (x86_64-unknown-linux-gnu...).
std::string hostTriple();

/// The .rmod bytes for `spec`.
std::vector<uint8_t> buildModule(const ModuleSpec &spec);

/// A one-step plan calling `symbol` with all inputs (then `constants`) and
/// producing all outputs of function `function`.
PlanSpec simplePlan(const ModuleSpec &spec, uint32_t function,
                    const std::string &symbol,
                    std::vector<uint32_t> constants = {});

/// The bytes of a file; empty when it cannot be read.
std::vector<uint8_t> readFileBytes(const std::string &path);

/// Little-endian bytes of floats, for constants.
std::vector<uint8_t> floatBytes(const std::vector<float> &values);

} // namespace recur::test

#endif // RECUR_RUNTIME_TESTS_MODULEBUILDER_H

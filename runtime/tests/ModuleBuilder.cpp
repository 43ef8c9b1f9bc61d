//===- ModuleBuilder.cpp - writing .rmod files for tests ------------------===//

#include "ModuleBuilder.h"

#include "recur/module_generated.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace fb = recur::fb;
using namespace recur::test;

TensorSpec recur::test::typed(recur_dtype dtype, std::vector<int64_t> shape,
                              std::vector<int32_t> symbols) {
  TensorSpec t;
  t.dtype = static_cast<uint8_t>(dtype);
  t.shape = std::move(shape);
  t.hasSymbols = !symbols.empty();
  t.symbols = std::move(symbols);
  return t;
}

TensorSpec recur::test::f32(std::vector<int64_t> shape,
                            std::vector<int32_t> symbols) {
  return typed(RECUR_DTYPE_F32, std::move(shape), std::move(symbols));
}

std::string recur::test::hostTriple() {
#if defined(__x86_64__)
  return "x86_64-unknown-linux-gnu";
#elif defined(__aarch64__)
  return "aarch64-unknown-linux-gnu";
#else
  return "unknown-unknown-linux-gnu";
#endif
}

std::vector<uint8_t> recur::test::buildModule(const ModuleSpec &spec) {
  flatbuffers::FlatBufferBuilder fbb(1 << 12);

  auto tensorType = [&](const TensorSpec &t) {
    auto shape = fbb.CreateVector(t.shape);
    flatbuffers::Offset<flatbuffers::Vector<int32_t>> symbols;
    if (t.hasSymbols)
      symbols = fbb.CreateVector(t.symbols);
    return fb::CreateTensorType(fbb, static_cast<fb::DType>(t.dtype), shape,
                                symbols);
  };
  auto params = [&](const std::vector<ParamSpec> &list) {
    std::vector<flatbuffers::Offset<fb::Parameter>> out;
    for (const ParamSpec &p : list) {
      auto name = fbb.CreateString(p.name);
      auto type = tensorType(p.type);
      out.push_back(fb::CreateParameter(fbb, name, type));
    }
    return fbb.CreateVector(out);
  };

  std::vector<flatbuffers::Offset<fb::Function>> functions;
  for (const FunctionSpec &f : spec.functions) {
    auto name = fbb.CreateString(f.name);
    auto inputs = params(f.inputs);
    auto outputs = params(f.outputs);
    functions.push_back(fb::CreateFunction(fbb, name, inputs, outputs));
  }

  std::vector<flatbuffers::Offset<fb::Constant>> constants;
  for (const ConstantSpec &c : spec.constants) {
    auto name = fbb.CreateString(c.name);
    auto type = tensorType(c.type);
    fbb.ForceVectorAlignment(c.data.size(), 1, 64);
    auto data = fbb.CreateVector(c.data);
    constants.push_back(fb::CreateConstant(fbb, name, type, data));
  }

  auto refs = [&](const std::vector<ValueSpec> &list) {
    std::vector<fb::ValueRef> out;
    for (const ValueSpec &v : list)
      out.emplace_back(static_cast<fb::ValueKind>(v.kind), v.index);
    return fbb.CreateVectorOfStructs(out);
  };

  std::vector<flatbuffers::Offset<fb::Target>> targets;
  for (const TargetSpec &t : spec.targets) {
    std::vector<flatbuffers::Offset<fb::Plan>> plans;
    for (const PlanSpec &p : t.plans) {
      std::vector<flatbuffers::Offset<fb::PlanStep>> steps;
      for (const StepSpec &s : p.steps) {
        auto symbol = fbb.CreateString(s.symbol);
        auto operands = refs(s.operands);
        auto results = refs(s.results);
        auto call = fb::CreateHostCall(fbb, symbol, operands, results);
        steps.push_back(fb::CreatePlanStep(fbb, static_cast<fb::Step>(s.type),
                                           call.Union()));
      }
      auto stepVec = fbb.CreateVector(steps);
      plans.push_back(fb::CreatePlan(fbb, p.function, stepVec));
    }
    auto name = fbb.CreateString(t.name);
    auto triple = fbb.CreateString(t.triple.empty() ? hostTriple() : t.triple);
    auto cpu = fbb.CreateString(t.cpu);
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> binary;
    if (t.hasBinary) {
      fbb.ForceVectorAlignment(t.binary.size(), 1, 64);
      binary = fbb.CreateVector(t.binary);
    }
    auto planVec = fbb.CreateVector(plans);
    flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Kernel>>>
        kernelVec;
    if (!t.kernels.empty()) {
      std::vector<flatbuffers::Offset<fb::Kernel>> kernels;
      for (const KernelSpec &k : t.kernels)
        kernels.push_back(fb::CreateKernel(fbb, fbb.CreateString(k.name),
                                           k.staticSharedBytes, k.synchronizes,
                                           k.maxThreads, k.numParams));
      kernelVec = fbb.CreateVector(kernels);
    }
    flatbuffers::Offset<
        flatbuffers::Vector<flatbuffers::Offset<fb::KernelImage>>>
        imageVec;
    if (!t.images.empty()) {
      std::vector<flatbuffers::Offset<fb::KernelImage>> images;
      for (const ImageSpec &i : t.images) {
        auto arch = fbb.CreateString(i.arch);
        flatbuffers::Offset<flatbuffers::Vector<uint8_t>> data;
        if (!i.data.empty()) {
          fbb.ForceVectorAlignment(i.data.size(), 1, 64);
          data = fbb.CreateVector(i.data);
        }
        images.push_back(fb::CreateKernelImage(
            fbb, arch, static_cast<fb::ImageFormat>(i.format), data));
      }
      imageVec = fbb.CreateVector(images);
    }
    targets.push_back(fb::CreateTarget(fbb, static_cast<fb::TargetKind>(t.kind),
                                       name, triple, cpu, binary, planVec,
                                       kernelVec, imageVec));
  }

  auto producer = fbb.CreateString(spec.producer);
  auto fnVec = fbb.CreateVector(functions);
  auto constVec = fbb.CreateVector(constants);
  auto targetVec = fbb.CreateVector(targets);
  auto module =
      fb::CreateModule(fbb, spec.version, producer, fnVec, constVec, targetVec);
  fb::FinishModuleBuffer(fbb, module);
  return std::vector<uint8_t>(fbb.GetBufferPointer(),
                              fbb.GetBufferPointer() + fbb.GetSize());
}

PlanSpec recur::test::simplePlan(const ModuleSpec &spec, uint32_t function,
                                 const std::string &symbol,
                                 std::vector<uint32_t> constants) {
  const FunctionSpec &f = spec.functions.at(function);
  StepSpec step;
  step.symbol = symbol;
  for (uint32_t i = 0; i < f.inputs.size(); ++i)
    step.operands.push_back(in(i));
  for (uint32_t c : constants)
    step.operands.push_back(cst(c));
  for (uint32_t o = 0; o < f.outputs.size(); ++o)
    step.results.push_back(out(o));
  PlanSpec plan;
  plan.function = function;
  plan.steps.push_back(step);
  return plan;
}

std::vector<uint8_t> recur::test::readFileBytes(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(file),
                              std::istreambuf_iterator<char>());
}

std::vector<uint8_t> recur::test::floatBytes(const std::vector<float> &values) {
  std::vector<uint8_t> out(values.size() * sizeof(float));
  if (!values.empty())
    std::memcpy(out.data(), values.data(), out.size());
  return out;
}

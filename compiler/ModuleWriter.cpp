//===- ModuleWriter.cpp - the .rmod file ----------------------------------===//
//
// Builds the flatbuffer described by runtime/schema/module.fbs.
//
//===----------------------------------------------------------------------===//

#include "compiler/ModuleWriter.h"

// flatc's generated code is not warning-clean under LLVM's warning flags.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wcovered-switch-default"
#include "recur/module_generated.h"
#pragma clang diagnostic pop

using namespace mlir;

namespace recur {

/// The format version this compiler writes (module.fbs).
static constexpr uint32_t kFormatVersion = 1;

std::string hostEntrySymbol(StringRef function) {
  return "__recur_entry_" + function.str();
}

static fb::DType toDType(Type t) {
  if (t.isF32())
    return fb::DType::f32;
  if (t.isF64())
    return fb::DType::f64;
  if (t.isF16())
    return fb::DType::f16;
  if (t.isBF16())
    return fb::DType::bf16;
  if (t.isSignlessInteger(1))
    return fb::DType::i1;
  if (t.isSignlessInteger(8))
    return fb::DType::i8;
  if (t.isSignlessInteger(16))
    return fb::DType::i16;
  if (t.isSignlessInteger(32))
    return fb::DType::i32;
  if (t.isSignlessInteger(64))
    return fb::DType::i64;
  if (t.isUnsignedInteger(8))
    return fb::DType::u8;
  return fb::DType::invalid;
}

std::vector<uint8_t> writeModule(ArrayRef<FunctionSignature> functions,
                                 const ExternalizedConstants &constants,
                                 ArrayRef<TargetCode> targets) {
  flatbuffers::FlatBufferBuilder fbb(1 << 16);

  auto tensorType = [&](Type element, ArrayRef<int64_t> shape,
                        ArrayRef<int32_t> symbols) {
    std::vector<int64_t> dims(shape.begin(), shape.end());
    for (int64_t &d : dims)
      if (ShapedType::isDynamic(d))
        d = -1;
    auto shapeVec = fbb.CreateVector(dims);
    flatbuffers::Offset<flatbuffers::Vector<int32_t>> symbolVec;
    if (llvm::any_of(symbols, [](int32_t s) { return s >= 0; }))
      symbolVec = fbb.CreateVector(symbols.data(), symbols.size());
    return fb::CreateTensorType(fbb, toDType(element), shapeVec, symbolVec);
  };
  auto params = [&](ArrayRef<ParamSignature> list) {
    std::vector<flatbuffers::Offset<fb::Parameter>> out;
    for (const ParamSignature &p : list) {
      auto name = fbb.CreateString(p.name);
      auto type = tensorType(p.elementType, p.shape, p.dimSymbols);
      out.push_back(fb::CreateParameter(fbb, name, type));
    }
    return fbb.CreateVector(out);
  };

  std::vector<flatbuffers::Offset<fb::Function>> fns;
  for (const FunctionSignature &f : functions) {
    auto name = fbb.CreateString(f.name);
    auto inputs = params(f.inputs);
    auto outputs = params(f.outputs);
    fns.push_back(fb::CreateFunction(fbb, name, inputs, outputs));
  }

  std::vector<flatbuffers::Offset<fb::Constant>> consts;
  for (const ExternalConstant &c : constants.constants) {
    auto name = fbb.CreateString(c.name);
    auto type = tensorType(c.type.getElementType(), c.type.getShape(), {});
    fbb.ForceVectorAlignment(c.data.size(), sizeof(uint8_t), 64);
    auto data = fbb.CreateVector(
        reinterpret_cast<const uint8_t *>(c.data.data()), c.data.size());
    consts.push_back(fb::CreateConstant(fbb, name, type, data));
  }

  // Every target runs every function with one call of its entry.
  auto makePlans = [&] {
    std::vector<flatbuffers::Offset<fb::Plan>> plans;
    for (auto [index, f] : llvm::enumerate(functions)) {
      std::vector<fb::ValueRef> operands, results;
      for (unsigned i = 0; i < f.inputs.size(); ++i)
        operands.emplace_back(fb::ValueKind::input, i);
      auto it = constants.arguments.find(f.name);
      if (it != constants.arguments.end())
        for (unsigned c : it->second)
          operands.emplace_back(fb::ValueKind::constant, c);
      for (unsigned i = 0; i < f.outputs.size(); ++i)
        results.emplace_back(fb::ValueKind::output, i);
      auto symbol = fbb.CreateString(hostEntrySymbol(f.name));
      auto call = fb::CreateHostCall(fbb, symbol,
                                     fbb.CreateVectorOfStructs(operands),
                                     fbb.CreateVectorOfStructs(results));
      std::vector<flatbuffers::Offset<fb::PlanStep>> steps = {
          fb::CreatePlanStep(fbb, fb::Step::HostCall, call.Union())};
      plans.push_back(fb::CreatePlan(fbb, index, fbb.CreateVector(steps)));
    }
    return fbb.CreateVector(plans);
  };
  auto bytes = [&](const std::vector<char> &data) {
    fbb.ForceVectorAlignment(data.size(), sizeof(uint8_t), 64);
    return fbb.CreateVector(reinterpret_cast<const uint8_t *>(data.data()),
                            data.size());
  };

  std::vector<flatbuffers::Offset<fb::Target>> fbTargets;
  for (const TargetCode &t : targets) {
    auto plans = makePlans();
    std::vector<flatbuffers::Offset<fb::Kernel>> kernels;
    for (const KernelEntry &k : t.kernels)
      kernels.push_back(fb::CreateKernel(
          fbb, fbb.CreateString(k.name), uint32_t(k.staticSharedBytes),
          k.synchronizes, uint32_t(k.maxThreads), uint32_t(k.numParams)));
    std::vector<flatbuffers::Offset<fb::KernelImage>> images;
    for (const KernelImage &image : t.images) {
      auto arch = fbb.CreateString(image.arch);
      auto data = bytes(image.data);
      images.push_back(fb::CreateKernelImage(
          fbb, arch, image.cubin ? fb::ImageFormat::cubin : fb::ImageFormat::ptx,
          data));
    }
    fb::TargetKind kind = t.kind == TargetKind::Host  ? fb::TargetKind::host
                          : t.kind == TargetKind::Sim ? fb::TargetKind::sim
                                                      : fb::TargetKind::cuda;
    auto name = fbb.CreateString(t.name);
    auto triple = fbb.CreateString(t.machine.triple);
    auto cpu = fbb.CreateString(t.machine.cpu);
    auto binary = bytes(t.binary);
    flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Kernel>>>
        kernelVec;
    if (!kernels.empty())
      kernelVec = fbb.CreateVector(kernels);
    flatbuffers::Offset<
        flatbuffers::Vector<flatbuffers::Offset<fb::KernelImage>>>
        imageVec;
    if (!images.empty())
      imageVec = fbb.CreateVector(images);
    fbTargets.push_back(fb::CreateTarget(fbb, kind, name, triple, cpu, binary,
                                         plans, kernelVec, imageVec));
  }

  auto producer = fbb.CreateString("recur-compile");
  auto module = fb::CreateModule(
      fbb, kFormatVersion, producer, fbb.CreateVector(fns),
      fbb.CreateVector(consts), fbb.CreateVector(fbTargets));
  fb::FinishModuleBuffer(fbb, module);
  return std::vector<uint8_t>(fbb.GetBufferPointer(),
                              fbb.GetBufferPointer() + fbb.GetSize());
}

} // namespace recur

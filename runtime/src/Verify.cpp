//===- Verify.cpp - verifying a .rmod and reading it into structs ---------===//
//
// Nothing in a module buffer is read before the flatbuffers verifier has
// accepted it (with the "RMOD" identifier). Then the semantic checks below
// run while the contents are copied into plain structs (Internal.h), so the
// rest of the runtime never touches the flatbuffer again, except for the
// constant data and the host binary, whose bounds the verifier checked.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "recur/module_generated.h"

#include <cstring>
#include <unordered_map>
#include <unordered_set>

using namespace recur::rt;
namespace fb = recur::fb;

/// The module format version this runtime reads.
static constexpr uint32_t kFormatVersion = 1;

const char *recur::rt::targetKindName(TargetKind kind) {
  switch (kind) {
  case TargetKind::Host:
    return "host";
  case TargetKind::Sim:
    return "sim";
  case TargetKind::Cuda:
    return "cuda";
  }
  return "unknown";
}

namespace {

/// Walks a verified fb::Module and fills a recur_module, failing with a
/// message that says what is wrong and where.
///
/// The verifier checks a vector or string in constant time, and many tables
/// may share one, so a small file can describe a huge module. The reader
/// therefore charges what it reads and copies against a budget proportional
/// to the file's size, which no module written without sharing comes near.
class ModuleReader {
public:
  ModuleReader(const fb::Module &fbModule, recur_module &module,
               size_t fileSize)
      : fbModule(fbModule), module(module),
        budget(uint64_t(8) * fileSize + (uint64_t(1) << 20)) {}

  recur_status run();

private:
  static recur_status fail(const std::string &message) {
    return makeStatus(RECUR_INVALID_MODULE, message);
  }

  /// Takes `units` (about a byte each) from the budget; false when spent.
  bool charge(uint64_t units) {
    if (units > budget)
      return false;
    budget -= units;
    return true;
  }
  static recur_status overBudget(const std::string &where) {
    return fail(where + ": the module expands to far more than its size "
                        "(tables or vectors shared many times)");
  }

  /// Copies a string that the C API hands out; NUL bytes are refused since
  /// they would silently shorten it.
  recur_status readName(const flatbuffers::String *s, const std::string &where,
                        std::string *out);
  recur_status readTensorType(const fb::TensorType *type,
                              const std::string &where, bool isConstant,
                              recur_dtype *dtype, std::vector<int64_t> *shape,
                              std::vector<int32_t> *symbols);
  recur_status readParams(
      const flatbuffers::Vector<flatbuffers::Offset<fb::Parameter>> *params,
      const std::string &where, const char *what, std::vector<ParamInfo> *out);
  recur_status readFunctions();
  recur_status readConstants();
  recur_status readTargets();
  recur_status readPlan(const fb::Plan &plan, const std::string &where,
                        PlanInfo *out);
  recur_status readValueRef(const fb::ValueRef &ref, const FunctionInfo &fn,
                            const std::string &where, ValueRef *out);
  recur_status readKernels(const fb::Target &target, const std::string &where,
                           TargetInfo *info);
  recur_status readImages(const fb::Target &target, const std::string &where,
                          TargetInfo *info);

  const fb::Module &fbModule;
  recur_module &module;
  uint64_t budget;
};

} // namespace

recur_status ModuleReader::readName(const flatbuffers::String *s,
                                    const std::string &where,
                                    std::string *out) {
  if (!s) {
    out->clear();
    return nullptr;
  }
  if (!charge(uint64_t(s->size()) + 16))
    return overBudget(where);
  if (std::memchr(s->c_str(), 0, s->size()))
    return fail(where + ": name " +
                quote(std::string_view(s->c_str(), s->size())) +
                " contains a NUL byte");
  out->assign(s->c_str(), s->size());
  return nullptr;
}

recur_status ModuleReader::readTensorType(const fb::TensorType *type,
                                          const std::string &where,
                                          bool isConstant, recur_dtype *dtype,
                                          std::vector<int64_t> *shape,
                                          std::vector<int32_t> *symbols) {
  if (!type)
    return fail(where + ": has no type");
  auto rawDType = static_cast<uint32_t>(type->dtype());
  if (!isValidDType(rawDType))
    return fail(where + ": dtype " + std::to_string(rawDType) +
                " is not a valid element type");
  *dtype = static_cast<recur_dtype>(rawDType);

  const flatbuffers::Vector<int64_t> *dims = type->shape();
  size_t rank = dims ? dims->size() : 0;
  if (rank > static_cast<size_t>(kMaxRank))
    return fail(where + ": rank " + std::to_string(rank) +
                " exceeds the maximum of " + std::to_string(kMaxRank));
  // The flatbuffers 2.0 verifier checks only the 4-byte alignment of a
  // vector's length, not its elements': 8-byte elements must be aligned.
  if (!charge(16 + 12 * uint64_t(rank)))
    return overBudget(where);
  if (rank && reinterpret_cast<uintptr_t>(dims->Data()) % alignof(int64_t))
    return fail(where + ": shape vector is not 8-byte aligned");
  shape->assign(rank, 0);
  for (size_t i = 0; i < rank; ++i) {
    int64_t d = dims->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (d < -1)
      return fail(where + ": dimension " + std::to_string(i) + " is " +
                  std::to_string(d) + " (must be >= 0, or -1 for dynamic)");
    if (d == -1 && isConstant)
      return fail(where + ": dimension " + std::to_string(i) +
                  " is dynamic (a constant needs a static shape)");
    (*shape)[i] = d;
  }

  symbols->clear();
  if (const flatbuffers::Vector<int32_t> *syms = type->dim_symbols()) {
    if (syms->size() != rank)
      return fail(where + ": dim_symbols has " + std::to_string(syms->size()) +
                  " entries for rank " + std::to_string(rank));
    symbols->resize(rank);
    for (size_t i = 0; i < rank; ++i) {
      int32_t s = syms->Get(static_cast<flatbuffers::uoffset_t>(i));
      if (s < -1)
        return fail(where + ": dim_symbols[" + std::to_string(i) + "] is " +
                    std::to_string(s) + " (must be >= 0, or -1 for none)");
      (*symbols)[i] = s;
    }
  }
  return nullptr;
}

recur_status ModuleReader::readParams(
    const flatbuffers::Vector<flatbuffers::Offset<fb::Parameter>> *params,
    const std::string &where, const char *what, std::vector<ParamInfo> *out) {
  size_t n = params ? params->size() : 0;
  if (!charge(64 * uint64_t(n)))
    return overBudget(where);
  out->resize(n);
  for (size_t i = 0; i < n; ++i) {
    const fb::Parameter *p =
        params->Get(static_cast<flatbuffers::uoffset_t>(i));
    ParamInfo &info = (*out)[i];
    std::string at = where + " " + what + " " + std::to_string(i);
    if (recur_status s = readName(p->name(), at, &info.name))
      return s;
    at += " (" + quote(info.name) + ")";
    if (recur_status s =
            readTensorType(p->type(), at, /*isConstant=*/false, &info.dtype,
                           &info.shape, &info.symbols))
      return s;
  }
  return nullptr;
}

recur_status ModuleReader::readFunctions() {
  const auto *functions = fbModule.functions();
  size_t n = functions ? functions->size() : 0;
  if (!charge(64 * uint64_t(n)))
    return overBudget("functions");
  module.functions.resize(n);
  module.functionIndex.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const fb::Function *f =
        functions->Get(static_cast<flatbuffers::uoffset_t>(i));
    FunctionInfo &fn = module.functions[i];
    std::string where = "function " + std::to_string(i);
    if (recur_status s = readName(f->name(), where, &fn.name))
      return s;
    if (fn.name.empty())
      return fail(where + ": name is empty");
    auto [it, inserted] = module.functionIndex.emplace(fn.name, i);
    if (!inserted)
      return fail(where + " (" + quote(fn.name) +
                  "): name is also the name of function " +
                  std::to_string(it->second));
    where += " (" + quote(fn.name) + ")";
    if (recur_status s = readParams(f->inputs(), where, "input", &fn.inputs))
      return s;
    if (recur_status s = readParams(f->outputs(), where, "output", &fn.outputs))
      return s;
  }
  return nullptr;
}

recur_status ModuleReader::readConstants() {
  const auto *constants = fbModule.constants();
  size_t n = constants ? constants->size() : 0;
  if (!charge(64 * uint64_t(n)))
    return overBudget("constants");
  module.constants.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const fb::Constant *c =
        constants->Get(static_cast<flatbuffers::uoffset_t>(i));
    ConstantInfo &info = module.constants[i];
    std::string where = "constant " + std::to_string(i);
    if (recur_status s = readName(c->name(), where, &info.name))
      return s;
    if (!info.name.empty())
      where += " (" + quote(info.name) + ")";
    std::vector<int32_t> symbols;
    if (recur_status s = readTensorType(c->type(), where, /*isConstant=*/true,
                                        &info.dtype, &info.shape, &symbols))
      return s;
    size_t count, bytes;
    if (!shapeSizes(info.dtype, info.shape.data(), info.shape.size(), &count,
                    &bytes))
      return fail(where + ": shape " +
                  shapeString(info.shape.data(), info.shape.size()) + " of " +
                  recur_dtype_name(info.dtype) + " overflows the size type");
    const flatbuffers::Vector<uint8_t> *data = c->data();
    size_t have = data ? data->size() : 0;
    if (have != bytes)
      return fail(
          where + ": data has " + std::to_string(have) + " bytes but shape " +
          shapeString(info.shape.data(), info.shape.size()) + " of " +
          recur_dtype_name(info.dtype) + " needs " + std::to_string(bytes));
    info.byteSize = bytes;
    if (bytes == 0)
      continue;
    // The schema's force_align keeps the data 64-byte aligned in a buffer
    // that is itself aligned; a writer that ignored it gets an aligned copy.
    const uint8_t *p = data->data();
    if (reinterpret_cast<uintptr_t>(p) % kAlignment == 0) {
      info.data = p;
    } else {
      if (!charge(bytes))
        return overBudget(where);
      if (!info.copy.allocate(bytes))
        return outOfMemoryStatus();
      std::memcpy(info.copy.data.get(), p, bytes);
      info.data = info.copy.data.get();
    }
  }
  return nullptr;
}

recur_status ModuleReader::readValueRef(const fb::ValueRef &ref,
                                        const FunctionInfo &fn,
                                        const std::string &where,
                                        ValueRef *out) {
  uint32_t index = ref.index();
  switch (ref.kind()) {
  case fb::ValueKind::input:
    if (index >= fn.inputs.size())
      return fail(where + ": input " + std::to_string(index) +
                  " is out of range (the function has " +
                  std::to_string(fn.inputs.size()) + " inputs)");
    *out = {ValueKind::Input, index};
    return nullptr;
  case fb::ValueKind::constant:
    if (index >= module.constants.size())
      return fail(where + ": constant " + std::to_string(index) +
                  " is out of range (the module has " +
                  std::to_string(module.constants.size()) + " constants)");
    *out = {ValueKind::Constant, index};
    return nullptr;
  case fb::ValueKind::output:
    if (index >= fn.outputs.size())
      return fail(where + ": output " + std::to_string(index) +
                  " is out of range (the function has " +
                  std::to_string(fn.outputs.size()) + " outputs)");
    *out = {ValueKind::Output, index};
    return nullptr;
  }
  return fail(where + ": unknown value kind " +
              std::to_string(static_cast<unsigned>(ref.kind())));
}

recur_status ModuleReader::readPlan(const fb::Plan &plan,
                                    const std::string &where, PlanInfo *out) {
  const FunctionInfo &fn = module.functions[out->function];
  const auto *steps = plan.steps();
  size_t n = steps ? steps->size() : 0;

  if (!charge(16 * uint64_t(fn.outputs.size()) + 64 * uint64_t(n)))
    return overBudget(where);
  // For each output: the step and result that produce it, or -1.
  struct Producer {
    int64_t step = -1, result = -1;
  };
  std::vector<Producer> producedBy(fn.outputs.size());
  out->steps.resize(n);
  for (size_t i = 0; i < n; ++i) {
    auto idx = static_cast<flatbuffers::uoffset_t>(i);
    std::string at = where + " step " + std::to_string(i);
    const fb::PlanStep *entry = steps->Get(idx);
    if (!entry)
      return fail(at + ": missing step");
    fb::Step type = entry->step_type();
    if (type != fb::Step::HostCall)
      return fail(at + ": unknown step type " +
                  std::to_string(static_cast<unsigned>(type)));
    const fb::HostCall *call = entry->step_as_HostCall();
    if (!call)
      return fail(at + ": missing HostCall table");
    HostCallStep &step = out->steps[i];
    if (recur_status s = readName(call->symbol(), at, &step.symbol))
      return s;
    if (step.symbol.empty())
      return fail(at + ": HostCall symbol is empty");

    size_t numOperands = call->operands() ? call->operands()->size() : 0;
    size_t numResults = call->results() ? call->results()->size() : 0;
    if (!charge(8 * (uint64_t(numOperands) + numResults)))
      return overBudget(at);
    step.operands.resize(numOperands);
    for (size_t k = 0; k < numOperands; ++k) {
      const fb::ValueRef *ref =
          call->operands()->Get(static_cast<flatbuffers::uoffset_t>(k));
      std::string refAt = at + " operand " + std::to_string(k);
      if (recur_status s = readValueRef(*ref, fn, refAt, &step.operands[k]))
        return s;
      const ValueRef &v = step.operands[k];
      if (v.kind == ValueKind::Output && producedBy[v.index].step < 0)
        return fail(refAt + ": output " + std::to_string(v.index) +
                    " is used before a step produces it");
    }

    step.results.resize(numResults);
    for (size_t k = 0; k < numResults; ++k) {
      const fb::ValueRef *ref =
          call->results()->Get(static_cast<flatbuffers::uoffset_t>(k));
      std::string refAt = at + " result " + std::to_string(k);
      if (recur_status s = readValueRef(*ref, fn, refAt, &step.results[k]))
        return s;
      const ValueRef &v = step.results[k];
      if (v.kind != ValueKind::Output)
        return fail(refAt + ": is " +
                    (v.kind == ValueKind::Input ? "input " : "constant ") +
                    std::to_string(v.index) + ", but results must be outputs");
      Producer &p = producedBy[v.index];
      if (p.step >= 0)
        return fail(refAt + ": output " + std::to_string(v.index) + " (" +
                    quote(fn.outputs[v.index].name) +
                    ") is already produced by step " + std::to_string(p.step) +
                    " result " + std::to_string(p.result));
      p = {static_cast<int64_t>(i), static_cast<int64_t>(k)};
    }
  }
  for (size_t o = 0; o < producedBy.size(); ++o)
    if (producedBy[o].step < 0)
      return fail(where + ": output " + std::to_string(o) + " (" +
                  quote(fn.outputs[o].name) + ") is not produced by the plan");
  return nullptr;
}

/// Limits of CUDA's default launch configuration, which the sim device
/// mimics; kernels that exceed them could never be launched.
static constexpr uint32_t kMaxKernelThreads = 1024;
static constexpr uint32_t kMaxSharedBytes = 48 * 1024;
/// Kernel names become symbol names; longer ones are a broken writer.
static constexpr size_t kMaxKernelName = 4096;

recur_status ModuleReader::readKernels(const fb::Target &target,
                                       const std::string &where,
                                       TargetInfo *info) {
  const auto *kernels = target.kernels();
  size_t n = kernels ? kernels->size() : 0;
  if (n && info->kind == TargetKind::Host)
    return fail(where + ": a host target has no GPU kernels, but it lists " +
                std::to_string(n));
  if (!charge(64 * uint64_t(n)))
    return overBudget(where);
  info->kernels.resize(n);
  std::unordered_map<std::string, size_t> index;
  index.reserve(n);
  for (size_t k = 0; k < n; ++k) {
    const fb::Kernel *kernel =
        kernels->Get(static_cast<flatbuffers::uoffset_t>(k));
    KernelInfo &out = info->kernels[k];
    std::string at = where + " kernel " + std::to_string(k);
    if (recur_status s = readName(kernel->name(), at, &out.name))
      return s;
    if (out.name.empty())
      return fail(at + ": name is empty");
    if (out.name.size() > kMaxKernelName)
      return fail(at + ": name is " + std::to_string(out.name.size()) +
                  " bytes long (the limit is " +
                  std::to_string(kMaxKernelName) + ")");
    auto [it, inserted] = index.emplace(out.name, k);
    if (!inserted)
      return fail(at + " (" + quote(out.name) +
                  "): name is also the name of kernel " +
                  std::to_string(it->second));
    at += " (" + quote(out.name) + ")";
    out.staticSharedBytes = kernel->static_shared_bytes();
    if (out.staticSharedBytes > kMaxSharedBytes)
      return fail(at + ": static_shared_bytes is " +
                  std::to_string(out.staticSharedBytes) + " (the limit is " +
                  std::to_string(kMaxSharedBytes) + ")");
    out.synchronizes = kernel->synchronizes();
    out.maxThreads = kernel->max_threads();
    out.numParams = kernel->num_params();
    if (out.maxThreads > kMaxKernelThreads)
      return fail(at + ": max_threads is " + std::to_string(out.maxThreads) +
                  " (a block has at most " + std::to_string(kMaxKernelThreads) +
                  " threads)");
  }
  return nullptr;
}

/// Parses "sm_<digits>" or "sm_<digits>a"; false otherwise.
static bool parseArch(const std::string &arch, uint32_t *version,
                      bool *specific) {
  if (arch.size() < 4 || arch.compare(0, 3, "sm_") != 0)
    return false;
  size_t end = arch.size();
  *specific = arch[end - 1] == 'a';
  if (*specific)
    --end;
  if (end == 3 || end - 3 > 4)
    return false;
  uint32_t v = 0;
  for (size_t i = 3; i < end; ++i) {
    if (arch[i] < '0' || arch[i] > '9')
      return false;
    v = v * 10 + static_cast<uint32_t>(arch[i] - '0');
  }
  *version = v;
  return true;
}

recur_status ModuleReader::readImages(const fb::Target &target,
                                      const std::string &where,
                                      TargetInfo *info) {
  const auto *images = target.images();
  size_t n = images ? images->size() : 0;
  if (info->kind != TargetKind::Cuda) {
    if (n)
      return fail(where + ": only cuda targets have kernel images, but this " +
                  targetKindName(info->kind) + " target has " +
                  std::to_string(n));
    return nullptr;
  }
  if (n == 0)
    return fail(where + ": cuda target has no kernel images (PTX or cubin)");
  if (!charge(64 * uint64_t(n)))
    return overBudget(where);
  info->images.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const fb::KernelImage *image =
        images->Get(static_cast<flatbuffers::uoffset_t>(i));
    KernelImageInfo &out = info->images[i];
    std::string at = where + " image " + std::to_string(i);
    if (recur_status s = readName(image->arch(), at, &out.arch))
      return s;
    if (!parseArch(out.arch, &out.smVersion, &out.archSpecific))
      return fail(at + ": arch " + quote(out.arch) +
                  " is not an NVIDIA architecture like 'sm_80' or 'sm_90a'");
    at += " (" + out.arch + ")";
    switch (image->format()) {
    case fb::ImageFormat::ptx:
      out.format = ImageFormat::Ptx;
      break;
    case fb::ImageFormat::cubin:
      out.format = ImageFormat::Cubin;
      break;
    default:
      return fail(at + ": unknown image format " +
                  std::to_string(static_cast<unsigned>(image->format())) +
                  " (this runtime knows: ptx, cubin)");
    }
    const char *format = out.format == ImageFormat::Ptx ? "PTX" : "cubin";
    for (size_t j = 0; j < i; ++j)
      if (info->images[j].arch == out.arch &&
          info->images[j].format == out.format)
        return fail(at + ": image " + std::to_string(j) + " is also the " +
                    format + " for " + out.arch);
    const flatbuffers::Vector<uint8_t> *data = image->data();
    if (!data || data->size() == 0)
      return fail(at + ": " + format + " image has no data");
    out.data = data->data();
    out.size = data->size();
    if (out.format == ImageFormat::Ptx) {
      // The driver reads PTX as a C string: a NUL inside would cut it.
      if (!charge(out.size))
        return overBudget(at);
      if (std::memchr(out.data, 0, out.size))
        return fail(at + ": PTX text contains a NUL byte");
    } else if (out.size < 4 || std::memcmp(out.data,
                                           "\x7f"
                                           "ELF",
                                           4) != 0) {
      return fail(at + ": cubin is not an ELF file");
    }
  }
  return nullptr;
}

recur_status ModuleReader::readTargets() {
  const auto *targets = fbModule.targets();
  size_t n = targets ? targets->size() : 0;
  if (!charge(64 * uint64_t(n)))
    return overBudget("targets");
  module.targets.resize(n);
  for (size_t t = 0; t < n; ++t) {
    const fb::Target *target =
        targets->Get(static_cast<flatbuffers::uoffset_t>(t));
    TargetInfo &info = module.targets[t];
    std::string where = "target " + std::to_string(t);
    if (recur_status s = readName(target->name(), where, &info.name))
      return s;
    if (!info.name.empty())
      where += " (" + quote(info.name) + ")";
    switch (target->kind()) {
    case fb::TargetKind::host:
      info.kind = TargetKind::Host;
      break;
    case fb::TargetKind::sim:
      info.kind = TargetKind::Sim;
      break;
    case fb::TargetKind::cuda:
      info.kind = TargetKind::Cuda;
      break;
    default:
      return fail(where + ": unknown target kind " +
                  std::to_string(static_cast<unsigned>(target->kind())) +
                  " (this runtime knows: host, sim, cuda)");
    }
    const char *kind = targetKindName(info.kind);
    if (recur_status s = readName(target->triple(), where, &info.triple))
      return s;
    if (recur_status s = readName(target->cpu(), where, &info.cpu))
      return s;
    const flatbuffers::Vector<uint8_t> *binary = target->binary();
    if (!binary)
      return fail(where + ": " + kind + " target has no binary");
    if (binary->size() == 0)
      return fail(where + ": " + kind + " target's binary is empty");
    info.binary = binary->data();
    info.binarySize = binary->size();
    if (recur_status s = readKernels(*target, where, &info))
      return s;
    if (recur_status s = readImages(*target, where, &info))
      return s;

    const auto *plans = target->plans();
    size_t numPlans = plans ? plans->size() : 0;
    if (!charge(64 * uint64_t(numPlans)))
      return overBudget(where);
    info.plans.resize(numPlans);
    std::unordered_map<uint32_t, size_t> planOf;
    for (size_t p = 0; p < numPlans; ++p) {
      const fb::Plan *plan = plans->Get(static_cast<flatbuffers::uoffset_t>(p));
      std::string at = where + " plan " + std::to_string(p);
      uint32_t f = plan->function();
      if (f >= module.functions.size())
        return fail(at + ": function index " + std::to_string(f) +
                    " is out of range (the module has " +
                    std::to_string(module.functions.size()) + " functions)");
      at += " (function " + quote(module.functions[f].name) + ")";
      auto [it, inserted] = planOf.emplace(f, p);
      if (!inserted)
        return fail(at + ": the function already has plan " +
                    std::to_string(it->second) + " in this target");
      info.plans[p].function = f;
      if (recur_status s = readPlan(*plan, at, &info.plans[p]))
        return s;
    }
  }
  return nullptr;
}

recur_status ModuleReader::run() {
  module.version = fbModule.version();
  if (module.version != kFormatVersion)
    return fail("module format version " + std::to_string(module.version) +
                " is not supported (this runtime reads version " +
                std::to_string(kFormatVersion) + ")");
  if (recur_status s =
          readName(fbModule.producer(), "module producer", &module.producer))
    return s;
  if (recur_status s = readFunctions())
    return s;
  if (recur_status s = readConstants())
    return s;
  if (recur_status s = readTargets())
    return s;

  // The C API's views of the parameters.
  auto infos = [](const std::vector<ParamInfo> &params) {
    std::vector<recur_param_info> out(params.size());
    for (size_t i = 0; i < params.size(); ++i)
      out[i] = {params[i].name.c_str(), params[i].dtype,
                static_cast<int32_t>(params[i].shape.size()),
                params[i].shape.data()};
    return out;
  };
  module.inputInfos.reserve(module.functions.size());
  module.outputInfos.reserve(module.functions.size());
  for (const FunctionInfo &fn : module.functions) {
    module.inputInfos.push_back(infos(fn.inputs));
    module.outputInfos.push_back(infos(fn.outputs));
  }
  return nullptr;
}

recur_status recur::rt::loadModule(AlignedBytes bytes, recur_module **out) {
  *out = nullptr;
  const uint8_t *buf = bytes.data.get();
  size_t size = bytes.size;
  if (size == 0)
    return makeStatus(RECUR_INVALID_MODULE, "module is empty (0 bytes)");
  if (size < 2 * sizeof(flatbuffers::uoffset_t))
    return makeStatus(RECUR_INVALID_MODULE,
                      "module is " + std::to_string(size) +
                          " bytes, too small to be a Recur module");
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return makeStatus(RECUR_INVALID_MODULE,
                      "module is " + std::to_string(size) +
                          " bytes; the format's limit is " +
                          std::to_string(FLATBUFFERS_MAX_BUFFER_SIZE - 1));
  // A flatbuffer is aligned from its end and its root offset is 4-aligned,
  // so every whole buffer is a multiple of 4 bytes long; anything else lost
  // its tail (even if only padding, which the verifier cannot see).
  if (size % sizeof(flatbuffers::uoffset_t) != 0)
    return makeStatus(RECUR_INVALID_MODULE,
                      "module is " + std::to_string(size) +
                          " bytes, not a multiple of 4: a truncated file");
  const char *identifier = fb::ModuleIdentifier();
  if (std::memcmp(buf + sizeof(flatbuffers::uoffset_t), identifier,
                  flatbuffers::kFileIdentifierLength) != 0)
    return makeStatus(
        RECUR_INVALID_MODULE,
        "not a Recur module: file identifier is " +
            quote(std::string_view(reinterpret_cast<const char *>(buf) +
                                       sizeof(flatbuffers::uoffset_t),
                                   flatbuffers::kFileIdentifierLength)) +
            ", expected '" + identifier + "'");

  flatbuffers::Verifier::Options options;
  options.max_depth = 64;
  options.max_tables = 1000000;
  options.check_alignment = true;
  flatbuffers::Verifier verifier(buf, size, options);
  if (!fb::VerifyModuleBuffer(verifier))
    return makeStatus(RECUR_INVALID_MODULE,
                      "module fails flatbuffers verification (a truncated or "
                      "corrupted file, or not a Recur module)");

  std::unique_ptr<recur_module> module(new recur_module);
  module->buffer = std::move(bytes);
  const fb::Module *root = fb::GetModule(module->buffer.data.get());
  ModuleReader reader(*root, *module, size);
  if (recur_status s = reader.run())
    return s;
  *out = module.release();
  return nullptr;
}

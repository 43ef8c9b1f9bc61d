//===- Internal.h - the runtime's private declarations ----------*- C++ -*-===//
//
// The structs behind the C API's opaque handles and the helpers the runtime's
// files share. Nothing here is exported: the library is built with
// -fvisibility=hidden and a version script that keeps only recur_*.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_RUNTIME_SRC_INTERNAL_H
#define RECUR_RUNTIME_SRC_INTERNAL_H

#include "recur/runtime.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct recur_status_s {
  recur_status_code code;
  std::string message;
};

namespace recur::rt {

class ThreadPool;

/// The largest rank the runtime accepts (module format and tensors).
constexpr int32_t kMaxRank = 16;
/// Alignment of module buffers and of the tensors the runtime allocates.
constexpr size_t kAlignment = 64;

//===----------------------------------------------------------------------===//
// Status helpers
//===----------------------------------------------------------------------===//

/// A new status; never throws (falls back to a static out-of-memory status).
recur_status makeStatus(recur_status_code code, std::string message) noexcept;
/// The status for an allocation failure.
recur_status outOfMemoryStatus() noexcept;
/// Prefixes `prefix` to the message of `status` (which may be NULL).
recur_status prefixStatus(recur_status status, std::string_view prefix);

/// Runs `fn` (returning recur_status) and turns exceptions into statuses, so
/// none crosses the C API.
template <typename Fn> recur_status guard(Fn &&fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc &) {
    return outOfMemoryStatus();
  } catch (const std::exception &e) {
    return makeStatus(RECUR_INTERNAL,
                      std::string("internal error: ") + e.what());
  } catch (...) {
    return makeStatus(RECUR_INTERNAL, "internal error: unknown exception");
  }
}

/// `'name'`, with non-printable bytes escaped and long names shortened, for
/// messages about names read from a file.
std::string quote(std::string_view name);
/// "2x3x?" for a shape (-1 prints as ?); "scalar" for rank 0.
std::string shapeString(const int64_t *shape, size_t rank);

/// Checked arithmetic: false on overflow.
inline bool checkedMul(size_t a, size_t b, size_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}
inline bool checkedAdd(size_t a, size_t b, size_t *out) {
  return !__builtin_add_overflow(a, b, out);
}

/// Element count and byte size of a shape with non-negative sizes; false on
/// overflow.
bool shapeSizes(recur_dtype dtype, const int64_t *shape, size_t rank,
                size_t *count, size_t *bytes);
bool isValidDType(uint32_t dtype);

/// The integer a caller passed for an enum parameter. C callers may pass any
/// value; reading it as the enum type would be undefined when out of range.
template <typename Enum> uint32_t rawEnum(const Enum &value) {
  static_assert(sizeof(Enum) == sizeof(uint32_t), "C enums are 32-bit");
  uint32_t raw;
  std::memcpy(&raw, &value, sizeof(raw));
  return raw;
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

struct FreeDeleter {
  void operator()(void *p) const { std::free(p); }
};

/// Bytes owned with kAlignment alignment (freed with free()).
struct AlignedBytes {
  std::unique_ptr<uint8_t, FreeDeleter> data;
  size_t size = 0;

  /// Allocates `size` bytes (contents unspecified); false when out of memory.
  bool allocate(size_t size);
};

/// `size` bytes aligned to kAlignment from the C allocator (NULL for 0 or on
/// failure); release with free().
void *alignedMalloc(size_t size);

//===----------------------------------------------------------------------===//
// Modules: the verified contents of a .rmod, as plain structs
//===----------------------------------------------------------------------===//

struct ParamInfo {
  std::string name;
  recur_dtype dtype = RECUR_DTYPE_INVALID;
  std::vector<int64_t> shape;   // -1: dynamic
  std::vector<int32_t> symbols; // empty, or one per dimension
};

struct FunctionInfo {
  std::string name;
  std::vector<ParamInfo> inputs;
  std::vector<ParamInfo> outputs;
};

struct ConstantInfo {
  std::string name;
  recur_dtype dtype = RECUR_DTYPE_INVALID;
  std::vector<int64_t> shape;
  const void *data = nullptr; // kAlignment-aligned (or NULL when empty)
  size_t byteSize = 0;
  AlignedBytes copy; // owns `data` when the file's data was misaligned
};

enum class ValueKind : uint8_t { Input = 0, Constant = 1, Output = 2 };

struct ValueRef {
  ValueKind kind;
  uint32_t index;
};

struct HostCallStep {
  std::string symbol;
  std::vector<ValueRef> operands;
  std::vector<ValueRef> results;
};

struct PlanInfo {
  uint32_t function = 0;
  std::vector<HostCallStep> steps;
};

/// The values equal the schema's TargetKind.
enum class TargetKind : uint8_t { Host = 0, Sim = 1, Cuda = 2 };

/// A GPU kernel of a `sim` or `cuda` target (the launch callback's kernel
/// number is its index in TargetInfo::kernels).
struct KernelInfo {
  std::string name;
  uint32_t staticSharedBytes = 0;
  bool synchronizes = false;
  uint32_t maxThreads = 0; // 0: not stated
  uint32_t numParams = 0;  // 0: not stated
};

enum class ImageFormat : uint8_t { Ptx = 0, Cubin = 1 };

/// A `cuda` target's kernels for one architecture.
struct KernelImageInfo {
  std::string arch;   // "sm_80", "sm_90a"
  uint32_t smVersion; // 80, 90
  bool archSpecific;  // the "a" suffix
  ImageFormat format;
  const uint8_t *data = nullptr; // into the module's buffer
  size_t size = 0;
};

struct TargetInfo {
  TargetKind kind = TargetKind::Host;
  std::string name, triple, cpu;
  const uint8_t *binary = nullptr;
  size_t binarySize = 0;
  std::vector<PlanInfo> plans;
  std::vector<KernelInfo> kernels;     // sim, cuda
  std::vector<KernelImageInfo> images; // cuda
};

const char *targetKindName(TargetKind kind);

} // namespace recur::rt

struct recur_module_s {
  std::atomic<int32_t> refs{1};
  recur::rt::AlignedBytes buffer;
  uint32_t version = 0;
  std::string producer;
  std::vector<recur::rt::FunctionInfo> functions;
  std::unordered_map<std::string, size_t> functionIndex;
  std::vector<recur::rt::ConstantInfo> constants;
  std::vector<recur::rt::TargetInfo> targets;
  /// The C API's view of the parameters' shapes.
  std::vector<std::vector<recur_param_info>> inputInfos, outputInfos;
};

namespace recur::rt {

/// Verifies `bytes` (already in an aligned owned buffer) and builds the
/// module. The message of an error says what is wrong and where.
recur_status loadModule(AlignedBytes bytes, recur_module **out);
void retainModule(recur_module *module);
/// "'a', 'b'" (or "none"): the module's function names, for messages.
std::string functionList(const recur_module *module);

} // namespace recur::rt

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

namespace recur::rt {
class BufferCache;
} // namespace recur::rt

struct recur_tensor_s {
  recur_dtype dtype = RECUR_DTYPE_INVALID;
  int32_t rank = 0;
  int64_t shape[recur::rt::kMaxRank] = {};
  size_t count = 0;
  size_t bytes = 0;
  void *data = nullptr;
  void *owned = nullptr; // freed on release: to `cache` if set, else free()
  /// The session's cache that `owned` came from (outputs of host code).
  std::shared_ptr<recur::rt::BufferCache> cache;
};

namespace recur::rt {

/// A tensor of the given (already validated, non-negative) shape that takes
/// `owned` (may be NULL) and points at `data`; `owned` goes back to `cache`
/// on release when one is given.
recur_status adoptTensor(recur_dtype dtype, int32_t rank, const int64_t *shape,
                         void *data, void *owned, recur_tensor **out,
                         std::shared_ptr<BufferCache> cache = nullptr);

} // namespace recur::rt

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

namespace recur::rt {
class CudaDriver;
enum class DeviceKind : uint8_t { Host, Sim, Cuda };
} // namespace recur::rt

struct recur_device_s {
  std::atomic<int32_t> refs{1};
  std::string name;
  recur::rt::DeviceKind kind = recur::rt::DeviceKind::Host;
  /// Host: runs parallel_for. Sim: runs blocks of a grid in parallel.
  /// Cuda: one thread (parallel_for runs inline).
  std::unique_ptr<recur::rt::ThreadPool> pool;
  /// Cuda: the loaded driver API and its device (GpuDevice.h).
  std::shared_ptr<recur::rt::CudaDriver> cuda;
};

namespace recur::rt {
void retainDevice(recur_device *device);
/// The target kind a device runs.
TargetKind targetKindOf(DeviceKind kind);
} // namespace recur::rt

#endif // RECUR_RUNTIME_SRC_INTERNAL_H

//===- CudaDevice.cpp - the cuda device: NVIDIA's driver API --------------===//
//
// The driver library (libcuda.so.1, or $RECUR_CUDA_DRIVER) is opened at run
// time and its functions looked up by name, with the few types and
// constants they need declared here: nothing in the build needs the CUDA
// toolkit, and a machine without a driver or GPU gets a clear error from
// recur_device_create("cuda").
//
// A device is GPU 0 and its primary context; a session loads its target's
// best image into that context: the cubin for the device's exact
// architecture, else the PTX for the highest architecture not above it
// (the driver compiles it), else an error listing what the module has.
//
//===----------------------------------------------------------------------===//

#include "GpuDevice.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>

using namespace recur::rt;

// The driver API's opaque types, named as cuda.h names them (at global
// scope, so that function types match the driver's exactly).
struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;

namespace {

// The driver API's types, as cuda.h declares them (ABI-stable).
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = CUctx_st *;
using CUmodule = CUmod_st *;
using CUfunction = CUfunc_st *;
using CUstream = CUstream_st *;
using CUjit_option = int;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_LIMIT_MALLOC_HEAP_SIZE = 2;
/// Kernels that could not have all their buffers hoisted allocate per step
/// from the device heap (docs/gpu.md); CUDA's default heap is 8 MiB.
constexpr size_t kDeviceHeapBytes = size_t(256) << 20;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

} // namespace

class recur::rt::CudaDriver {
public:
  ~CudaDriver() {
    if (context && primaryCtxRelease)
      primaryCtxRelease(device);
    // The driver library stays loaded: it may have started threads.
  }

  /// "cuInit failed: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is
  /// detected)".
  std::string describe(const char *what, CUresult r) const {
    const char *name = nullptr, *text = nullptr;
    if (getErrorName)
      getErrorName(r, &name);
    if (getErrorString)
      getErrorString(r, &text);
    std::string out = std::string(what) + " failed: ";
    out += name ? name : "CUDA error " + std::to_string(r);
    if (text)
      out += std::string(" (") + text + ")";
    return out;
  }

  bool makeCurrent(std::string *error) const {
    CUresult r = ctxSetCurrent(context);
    if (r != CUDA_SUCCESS) {
      *error = describe("cuCtxSetCurrent", r);
      return false;
    }
    return true;
  }

  void *library = nullptr;
  CUdevice device = 0;
  CUcontext context = nullptr;
  int major = 0, minor = 0;
  std::string deviceName;

  CUresult (*init)(unsigned) = nullptr;
  CUresult (*deviceGetCount)(int *) = nullptr;
  CUresult (*deviceGet)(CUdevice *, int) = nullptr;
  CUresult (*deviceGetAttribute)(int *, int, CUdevice) = nullptr;
  CUresult (*deviceGetName)(char *, int, CUdevice) = nullptr;
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice) = nullptr;
  CUresult (*primaryCtxRelease)(CUdevice) = nullptr;
  CUresult (*ctxSetCurrent)(CUcontext) = nullptr;
  CUresult (*ctxSynchronize)() = nullptr;
  CUresult (*ctxSetLimit)(int, size_t) = nullptr; // optional
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *, unsigned,
                               CUjit_option *, void **) = nullptr;
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *) = nullptr;
  CUresult (*moduleUnload)(CUmodule) = nullptr;
  CUresult (*memAlloc)(CUdeviceptr *, size_t) = nullptr;
  CUresult (*memFree)(CUdeviceptr) = nullptr;
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t) = nullptr;
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t) = nullptr;
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **) = nullptr;
  CUresult (*getErrorName)(CUresult, const char **) = nullptr;
  CUresult (*getErrorString)(CUresult, const char **) = nullptr;
};

template <typename Fn>
static bool lookUp(void *library, const char *name, Fn *out,
                   std::string *missing) {
  void *p = dlsym(library, name);
  if (!p) {
    if (!missing->empty())
      *missing += ", ";
    *missing += name;
    return false;
  }
  *out = reinterpret_cast<Fn>(p);
  return true;
}

std::shared_ptr<CudaDriver> recur::rt::openCudaDriver(std::string *error) {
  const char *override = std::getenv("RECUR_CUDA_DRIVER");
  std::string path =
      override && *override ? std::string(override) : "libcuda.so.1";
  auto driver = std::make_shared<CudaDriver>();
  dlerror();
  driver->library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!driver->library) {
    const char *why = dlerror();
    *error = "cannot load NVIDIA's driver library " + path + " (" +
             (why ? why : "unknown error") + ")" +
             (override && *override
                  ? std::string(" named by RECUR_CUDA_DRIVER")
                  : std::string("; this machine has no NVIDIA driver"));
    return nullptr;
  }
  CudaDriver &d = *driver;
  std::string missing;
  void *lib = d.library;
  lookUp(lib, "cuGetErrorName", &d.getErrorName, &missing);
  lookUp(lib, "cuGetErrorString", &d.getErrorString, &missing);
  lookUp(lib, "cuInit", &d.init, &missing);
  lookUp(lib, "cuDeviceGetCount", &d.deviceGetCount, &missing);
  lookUp(lib, "cuDeviceGet", &d.deviceGet, &missing);
  lookUp(lib, "cuDeviceGetAttribute", &d.deviceGetAttribute, &missing);
  lookUp(lib, "cuDeviceGetName", &d.deviceGetName, &missing);
  lookUp(lib, "cuDevicePrimaryCtxRetain", &d.primaryCtxRetain, &missing);
  {
    std::string ignored;
    if (!lookUp(lib, "cuDevicePrimaryCtxRelease_v2", &d.primaryCtxRelease,
                &ignored))
      lookUp(lib, "cuDevicePrimaryCtxRelease", &d.primaryCtxRelease, &missing);
  }
  lookUp(lib, "cuCtxSetCurrent", &d.ctxSetCurrent, &missing);
  lookUp(lib, "cuCtxSynchronize", &d.ctxSynchronize, &missing);
  if (void *p = dlsym(lib, "cuCtxSetLimit"))
    d.ctxSetLimit = reinterpret_cast<decltype(d.ctxSetLimit)>(p);
  lookUp(lib, "cuModuleLoadDataEx", &d.moduleLoadDataEx, &missing);
  lookUp(lib, "cuModuleGetFunction", &d.moduleGetFunction, &missing);
  lookUp(lib, "cuModuleUnload", &d.moduleUnload, &missing);
  lookUp(lib, "cuMemAlloc_v2", &d.memAlloc, &missing);
  lookUp(lib, "cuMemFree_v2", &d.memFree, &missing);
  lookUp(lib, "cuMemcpyHtoD_v2", &d.memcpyHtoD, &missing);
  lookUp(lib, "cuMemcpyDtoH_v2", &d.memcpyDtoH, &missing);
  lookUp(lib, "cuLaunchKernel", &d.launchKernel, &missing);
  if (!missing.empty()) {
    *error = "NVIDIA's driver library " + path + " lacks " + missing +
             " (a driver too old, or not NVIDIA's)";
    return nullptr;
  }
  if (CUresult r = d.init(0)) {
    *error = d.describe("cuInit", r) +
             "; this machine's NVIDIA driver cannot run a GPU";
    return nullptr;
  }
  int count = 0;
  if (CUresult r = d.deviceGetCount(&count)) {
    *error = d.describe("cuDeviceGetCount", r);
    return nullptr;
  }
  if (count < 1) {
    *error = "the NVIDIA driver reports no GPU on this machine";
    return nullptr;
  }
  if (CUresult r = d.deviceGet(&d.device, 0)) {
    *error = d.describe("cuDeviceGet", r);
    return nullptr;
  }
  if (CUresult r = d.deviceGetAttribute(
          &d.major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, d.device)) {
    *error = d.describe("cuDeviceGetAttribute", r);
    return nullptr;
  }
  if (CUresult r = d.deviceGetAttribute(
          &d.minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, d.device)) {
    *error = d.describe("cuDeviceGetAttribute", r);
    return nullptr;
  }
  char name[256] = {};
  if (d.deviceGetName(name, sizeof(name) - 1, d.device) == CUDA_SUCCESS)
    d.deviceName = name;
  CUcontext context = nullptr;
  if (CUresult r = d.primaryCtxRetain(&context, d.device)) {
    *error = d.describe("cuDevicePrimaryCtxRetain", r);
    return nullptr;
  }
  d.context = context;
  // A larger device heap (best effort: a failure shows later as a failed
  // kernel, reported by name).
  if (d.ctxSetLimit && d.ctxSetCurrent(context) == CUDA_SUCCESS)
    d.ctxSetLimit(CU_LIMIT_MALLOC_HEAP_SIZE, kDeviceHeapBytes);
  return driver;
}

std::string recur::rt::cudaDeviceArch(const CudaDriver &driver) {
  return "sm_" + std::to_string(driver.major * 10 + driver.minor);
}

namespace {

class CudaBackend final : public GpuBackend {
public:
  CudaBackend(std::shared_ptr<CudaDriver> driver) : driver(std::move(driver)) {}

  ~CudaBackend() override {
    if (module) {
      std::string ignored;
      if (driver->makeCurrent(&ignored))
        driver->moduleUnload(module);
    }
  }

  bool load(const TargetInfo &target, std::string *error);

  bool activate(std::string *error) override {
    return driver->makeCurrent(error);
  }

  void *allocate(size_t bytes, std::string *error) override {
    CUdeviceptr p = 0;
    if (CUresult r = driver->memAlloc(&p, bytes)) {
      *error = driver->describe("cuMemAlloc", r) + " for " +
               std::to_string(bytes) + " bytes";
      return nullptr;
    }
    return reinterpret_cast<void *>(static_cast<uintptr_t>(p));
  }

  void release(void *ptr) override {
    if (ptr)
      driver->memFree(
          static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(ptr)));
  }

  bool copyToDevice(void *dst, const void *src, size_t bytes,
                    std::string *error) override {
    if (!bytes)
      return true;
    if (CUresult r = driver->memcpyHtoD(
            static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(dst)), src,
            bytes)) {
      *error = driver->describe("cuMemcpyHtoD", r);
      return false;
    }
    return true;
  }

  bool copyToHost(void *dst, const void *src, size_t bytes,
                  std::string *error) override {
    if (!bytes)
      return true;
    if (CUresult r = driver->memcpyDtoH(
            dst, static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(src)),
            bytes)) {
      *error = driver->describe("cuMemcpyDtoH", r);
      return false;
    }
    return true;
  }

  bool launch(size_t kernel, const LaunchConfig &c, void **args, int64_t,
              std::string *error) override {
    CUresult r = driver->launchKernel(
        functions[kernel], static_cast<unsigned>(c.grid[0]),
        static_cast<unsigned>(c.grid[1]), static_cast<unsigned>(c.grid[2]),
        static_cast<unsigned>(c.block[0]), static_cast<unsigned>(c.block[1]),
        static_cast<unsigned>(c.block[2]),
        static_cast<unsigned>(c.dynamicSharedBytes), nullptr, args, nullptr);
    if (r != CUDA_SUCCESS) {
      *error = driver->describe("cuLaunchKernel", r);
      return false;
    }
    return true;
  }

  bool synchronize(std::string *error) override {
    if (CUresult r = driver->ctxSynchronize()) {
      *error = driver->describe("cuCtxSynchronize", r);
      return false;
    }
    return true;
  }

private:
  std::shared_ptr<CudaDriver> driver;
  CUmodule module = nullptr;
  std::vector<CUfunction> functions;
};

/// The image to load on a device of `sm` (e.g. 80), or null: the cubin for
/// exactly `sm`, else the PTX for the highest architecture not above it.
/// PTX or cubin for an architecture-specific target ("sm_90a") runs only on
/// that architecture, where it is preferred (a superset of "sm_90").
const KernelImageInfo *chooseImage(const TargetInfo &target, uint32_t sm) {
  auto better = [](const KernelImageInfo *best, const KernelImageInfo &i) {
    return !best || i.smVersion > best->smVersion ||
           (i.smVersion == best->smVersion && i.archSpecific &&
            !best->archSpecific);
  };
  const KernelImageInfo *best = nullptr;
  for (const KernelImageInfo &image : target.images)
    if (image.format == ImageFormat::Cubin && image.smVersion == sm &&
        better(best, image))
      best = &image;
  if (best)
    return best;
  for (const KernelImageInfo &image : target.images) {
    if (image.format != ImageFormat::Ptx || image.smVersion > sm ||
        (image.archSpecific && image.smVersion != sm))
      continue;
    if (better(best, image))
      best = &image;
  }
  return best;
}

bool CudaBackend::load(const TargetInfo &target, std::string *error) {
  uint32_t sm = static_cast<uint32_t>(driver->major * 10 + driver->minor);
  const KernelImageInfo *image = chooseImage(target, sm);
  if (!image) {
    std::string archs;
    for (const KernelImageInfo &i : target.images)
      archs += (archs.empty() ? "" : ", ") + i.arch +
               (i.format == ImageFormat::Ptx ? " (PTX)" : " (cubin)");
    *error =
        "the module's cuda code is for " + archs + "; this GPU" +
        (driver->deviceName.empty() ? "" : " (" + driver->deviceName + ")") +
        " is " + cudaDeviceArch(*driver) +
        ", which needs a cubin for exactly it or PTX for it or an "
        "earlier architecture";
    return false;
  }
  if (!driver->makeCurrent(error))
    return false;
  // PTX must be a C string; the module stores it without the NUL.
  std::string ptx;
  const void *data = image->data;
  if (image->format == ImageFormat::Ptx) {
    ptx.assign(reinterpret_cast<const char *>(image->data), image->size);
    data = ptx.c_str();
  }
  char log[8192] = {};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log) - 1)};
  if (CUresult r =
          driver->moduleLoadDataEx(&module, data, 2, options, values)) {
    module = nullptr;
    *error = driver->describe("cuModuleLoadDataEx", r) + " for the " +
             image->arch +
             (image->format == ImageFormat::Ptx ? " PTX" : " cubin");
    if (log[0])
      *error += ": " + std::string(log);
    return false;
  }
  functions.resize(target.kernels.size());
  for (size_t k = 0; k < target.kernels.size(); ++k)
    if (CUresult r = driver->moduleGetFunction(
            &functions[k], module, target.kernels[k].name.c_str())) {
      *error = "kernel " + std::to_string(k) + " (" +
               quote(target.kernels[k].name) +
               "): " + driver->describe("cuModuleGetFunction", r) + " in the " +
               image->arch + " image";
      return false;
    }
  return true;
}

} // namespace

std::unique_ptr<GpuBackend>
recur::rt::createCudaBackend(std::shared_ptr<CudaDriver> driver,
                             const TargetInfo &target, std::string *error) {
  auto backend = std::make_unique<CudaBackend>(std::move(driver));
  if (!backend->load(target, error))
    return nullptr;
  return backend;
}

//===- GpuDevice.h - the sim and cuda devices behind one interface -*- C++ -*-//
//
// A session on a GPU device (`sim` or `cuda`) gets a GpuBackend for its
// target: device memory, copies, and kernel launches by number. Session.cpp
// runs the same plans as on the host through it (host_abi.h's device_alloc,
// device_free and launch callbacks); SimDevice.cpp runs the kernels on the
// CPU with GPU semantics, CudaDevice.cpp through NVIDIA's driver API.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_RUNTIME_SRC_GPUDEVICE_H
#define RECUR_RUNTIME_SRC_GPUDEVICE_H

#include "Internal.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace recur::rt {

class HostLibrary;
class ThreadPool;

/// Alignment of device allocations (host_abi.h promises at least 256).
constexpr size_t kDeviceAlignment = 256;

/// CUDA's default launch limits, which both devices enforce (the sim device
/// so that what runs there also launches on a GPU).
constexpr int64_t kMaxBlockThreads = 1024;
constexpr int64_t kMaxBlockZ = 64;
constexpr int64_t kMaxGridX = 2147483647;
constexpr int64_t kMaxGridYZ = 65535;
constexpr int64_t kMaxSharedBytes = 48 * 1024;

struct LaunchConfig {
  int64_t grid[3];
  int64_t block[3];
  int64_t dynamicSharedBytes;
};

/// Checks `config` against the limits above and the kernel's own
/// (max_threads); on failure returns false with `error` saying what is
/// wrong (the caller names the kernel).
bool checkLaunch(const KernelInfo &kernel, const LaunchConfig &config,
                 std::string *error);

/// One session's view of a GPU device: its target's kernels loaded.
/// Not thread-safe; a session runs one call at a time.
class GpuBackend {
public:
  virtual ~GpuBackend() = default;

  /// Makes the device usable from the calling thread (cuda: the context).
  virtual bool activate(std::string *error) = 0;
  /// `bytes` (> 0) of device memory aligned to kDeviceAlignment.
  virtual void *allocate(size_t bytes, std::string *error) = 0;
  virtual void release(void *ptr) = 0;
  virtual bool copyToDevice(void *dst, const void *src, size_t bytes,
                            std::string *error) = 0;
  virtual bool copyToHost(void *dst, const void *src, size_t bytes,
                          std::string *error) = 0;
  /// Runs kernel number `kernel` (already checked with checkLaunch). The
  /// error says what failed, without the kernel's name.
  virtual bool launch(size_t kernel, const LaunchConfig &config, void **args,
                      int64_t numArgs, std::string *error) = 0;
  /// Waits for every launch to finish; reports errors of earlier launches.
  virtual bool synchronize(std::string *error) = 0;
};

/// The sim backend: the kernels `__recur_sim_kernel_<name>` of `library`
/// (the target's loaded shared object), run on `pool` (may be null: one
/// block after another on the calling thread).
std::unique_ptr<GpuBackend> createSimBackend(const TargetInfo &target,
                                             const HostLibrary &library,
                                             ThreadPool *pool,
                                             std::string *error);

/// NVIDIA's driver API, loaded at run time, and the device it runs on.
/// Defined in CudaDevice.cpp.
class CudaDriver;

/// Loads the driver (RECUR_CUDA_DRIVER overrides "libcuda.so.1"), picks
/// device 0 and retains its primary context. Null with `error` set when
/// this machine has no usable driver or GPU.
std::shared_ptr<CudaDriver> openCudaDriver(std::string *error);

/// "sm_80": the architecture of the driver's device.
std::string cudaDeviceArch(const CudaDriver &driver);

/// The cuda backend: the target's best image loaded into the device's
/// primary context.
std::unique_ptr<GpuBackend>
createCudaBackend(std::shared_ptr<CudaDriver> driver, const TargetInfo &target,
                  std::string *error);

} // namespace recur::rt

#endif // RECUR_RUNTIME_SRC_GPUDEVICE_H

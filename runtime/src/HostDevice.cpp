//===- HostDevice.cpp - devices: host, sim and cuda -----------------------===//
//
// `host` and `sim` run on this machine's CPUs with a thread pool (sim runs a
// grid's blocks across it); `cuda` opens NVIDIA's driver (CudaDevice.cpp).
//
//===----------------------------------------------------------------------===//

#include "GpuDevice.h"
#include "Internal.h"
#include "ThreadPool.h"

#include <cstring>
#include <system_error>
#include <thread>

using namespace recur::rt;

/// More threads than this is a mistake, not a configuration.
static constexpr int32_t kMaxThreads = 1024;

void recur::rt::retainDevice(recur_device *device) {
  device->refs.fetch_add(1, std::memory_order_relaxed);
}

TargetKind recur::rt::targetKindOf(DeviceKind kind) {
  switch (kind) {
  case DeviceKind::Host:
    return TargetKind::Host;
  case DeviceKind::Sim:
    return TargetKind::Sim;
  case DeviceKind::Cuda:
    return TargetKind::Cuda;
  }
  return TargetKind::Host;
}

recur_status recur_device_create(const char *name,
                                 const recur_device_options *options,
                                 recur_device **out) {
  return guard([&]() -> recur_status {
    if (!out)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        "recur_device_create: out is NULL");
    *out = nullptr;
    if (!name)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        "recur_device_create: name is NULL");
    DeviceKind kind;
    if (std::strcmp(name, "host") == 0)
      kind = DeviceKind::Host;
    else if (std::strcmp(name, "sim") == 0)
      kind = DeviceKind::Sim;
    else if (std::strcmp(name, "cuda") == 0)
      kind = DeviceKind::Cuda;
    else
      return makeStatus(RECUR_NOT_FOUND,
                        "unknown device " + quote(name) +
                            " (known devices: 'host', 'sim', 'cuda')");
    int32_t threads = options ? options->num_threads : 0;
    if (threads < 0 || threads > kMaxThreads)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        "num_threads is " + std::to_string(threads) +
                            " (must be in [0, " + std::to_string(kMaxThreads) +
                            "]; 0 means one per core)");
    if (threads == 0)
      threads = static_cast<int32_t>(
          std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                          kMaxThreads)));
    auto device = std::make_unique<recur_device>();
    device->name = name;
    device->kind = kind;
    if (kind == DeviceKind::Cuda) {
      // The driver only launches; parallel_for runs on the calling thread.
      threads = 1;
      std::string error;
      device->cuda = openCudaDriver(&error);
      if (!device->cuda)
        return makeStatus(RECUR_UNAVAILABLE, "device 'cuda': " + error);
    }
    try {
      device->pool = std::make_unique<ThreadPool>(threads);
    } catch (const std::system_error &e) {
      return makeStatus(RECUR_UNAVAILABLE,
                        "cannot start " + std::to_string(threads) +
                            " threads for the " + std::string(name) +
                            " device: " + e.what());
    }
    *out = device.release();
    return nullptr;
  });
}

void recur_device_release(recur_device *device) {
  if (device && device->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete device;
}

const char *recur_device_name(const recur_device *device) {
  return device ? device->name.c_str() : "";
}

//===- Module.cpp - loading modules and reading their signatures ----------===//
//
// A module's bytes are copied into an owned 64-byte aligned buffer, verified
// (Verify.cpp) and kept for the module's lifetime: constants and the host
// binary point into it.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace recur::rt;

void recur::rt::retainModule(recur_module *module) {
  module->refs.fetch_add(1, std::memory_order_relaxed);
}

std::string recur::rt::functionList(const recur_module *module) {
  if (module->functions.empty())
    return "none";
  std::string out;
  for (const FunctionInfo &fn : module->functions) {
    if (!out.empty())
      out += ", ";
    out += quote(fn.name);
  }
  return out;
}

namespace {
/// Closes a file descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0)
      ::close(fd);
  }
};
} // namespace

/// Reads all of `fd` into `bytes`. Returns an errno value, 0 on success.
static int readAll(int fd, AlignedBytes &bytes, bool *oom) {
  *oom = false;
  struct stat st;
  if (::fstat(fd, &st) != 0)
    return errno;
  // Regular files are read straight into a buffer of their size; anything
  // else (a pipe, a file that grows) into a buffer that doubles.
  size_t capacity = S_ISREG(st.st_mode) && st.st_size > 0
                        ? static_cast<size_t>(st.st_size)
                        : size_t(64) << 10;
  AlignedBytes buf;
  if (!buf.allocate(capacity)) {
    *oom = true;
    return ENOMEM;
  }
  size_t used = 0;
  for (;;) {
    if (used == capacity) {
      // Grow: the file is longer than fstat said, or not a regular file.
      size_t next;
      if (!checkedMul(capacity, 2, &next)) {
        *oom = true;
        return ENOMEM;
      }
      AlignedBytes bigger;
      if (!bigger.allocate(next)) {
        *oom = true;
        return ENOMEM;
      }
      std::memcpy(bigger.data.get(), buf.data.get(), used);
      buf = std::move(bigger);
      capacity = next;
    }
    ssize_t n = ::read(fd, buf.data.get() + used, capacity - used);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    if (n == 0)
      break;
    used += static_cast<size_t>(n);
  }
  buf.size = used;
  bytes = std::move(buf);
  return 0;
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

recur_status recur_module_load_file(const char *path, recur_module **out) {
  return guard([&]() -> recur_status {
    if (!out)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        "recur_module_load_file: out is NULL");
    *out = nullptr;
    if (!path)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        "recur_module_load_file: path is NULL");
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      return makeStatus(err == ENOENT ? RECUR_NOT_FOUND : RECUR_IO_ERROR,
                        std::string("cannot open '") + path +
                            "': " + std::strerror(err));
    }
    FdCloser closer{fd};
    AlignedBytes bytes;
    bool oom;
    if (int err = readAll(fd, bytes, &oom))
      return makeStatus(oom ? RECUR_OUT_OF_MEMORY : RECUR_IO_ERROR,
                        std::string("cannot read '") + path +
                            "': " + std::strerror(err));
    if (bytes.size == 0)
      return makeStatus(RECUR_INVALID_MODULE,
                        std::string("'") + path +
                            "': file is empty (not a Recur module)");
    return prefixStatus(loadModule(std::move(bytes), out),
                        std::string("'") + path + "': ");
  });
}

recur_status recur_module_load_memory(const void *data, size_t size,
                                      recur_module **out) {
  return guard([&]() -> recur_status {
    if (!out)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        "recur_module_load_memory: out is NULL");
    *out = nullptr;
    if (!data && size)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        "recur_module_load_memory: data is NULL");
    AlignedBytes bytes;
    if (!bytes.allocate(size))
      return makeStatus(RECUR_OUT_OF_MEMORY, "cannot allocate " +
                                                 std::to_string(size) +
                                                 " bytes for the module");
    if (size)
      std::memcpy(bytes.data.get(), data, size);
    return loadModule(std::move(bytes), out);
  });
}

void recur_module_release(recur_module *module) {
  if (module && module->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete module;
}

size_t recur_module_function_count(const recur_module *module) {
  return module ? module->functions.size() : 0;
}

const char *recur_module_function_name(const recur_module *module,
                                       size_t function) {
  if (!module || function >= module->functions.size())
    return nullptr;
  return module->functions[function].name.c_str();
}

recur_status recur_module_find_function(const recur_module *module,
                                        const char *name, size_t *function) {
  return guard([&]() -> recur_status {
    if (!module || !name || !function)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        "recur_module_find_function: NULL argument");
    auto it = module->functionIndex.find(name);
    if (it == module->functionIndex.end())
      return makeStatus(RECUR_NOT_FOUND, "no function " + quote(name) +
                                             " in the module (it has: " +
                                             functionList(module) + ")");
    *function = it->second;
    return nullptr;
  });
}

size_t recur_function_input_count(const recur_module *module, size_t function) {
  if (!module || function >= module->functions.size())
    return 0;
  return module->functions[function].inputs.size();
}

size_t recur_function_output_count(const recur_module *module,
                                   size_t function) {
  if (!module || function >= module->functions.size())
    return 0;
  return module->functions[function].outputs.size();
}

static recur_status paramInfo(const recur_module *module, size_t function,
                              size_t index, bool input,
                              recur_param_info *info) {
  const char *api =
      input ? "recur_function_input_info" : "recur_function_output_info";
  if (!module || !info)
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      std::string(api) + ": NULL argument");
  if (function >= module->functions.size())
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      std::string(api) + ": function " +
                          std::to_string(function) +
                          " is out of range (the module has " +
                          std::to_string(module->functions.size()) + ")");
  const auto &infos =
      input ? module->inputInfos[function] : module->outputInfos[function];
  if (index >= infos.size())
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      std::string(api) + ": function " +
                          quote(module->functions[function].name) + " has " +
                          std::to_string(infos.size()) +
                          (input ? " inputs" : " outputs") + ", not " +
                          std::to_string(index + 1));
  *info = infos[index];
  return nullptr;
}

recur_status recur_function_input_info(const recur_module *module,
                                       size_t function, size_t input,
                                       recur_param_info *info) {
  return guard(
      [&] { return paramInfo(module, function, input, /*input=*/true, info); });
}

recur_status recur_function_output_info(const recur_module *module,
                                        size_t function, size_t output,
                                        recur_param_info *info) {
  return guard([&] {
    return paramInfo(module, function, output, /*input=*/false, info);
  });
}

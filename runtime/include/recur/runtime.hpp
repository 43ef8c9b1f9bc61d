//===- runtime.hpp - C++ wrappers over the Recur runtime's C API -*- C++
//-*-===//
//
// Header-only RAII handles (Module, Device, Session, Tensor) over runtime.h.
// Failures throw recur::Error, which carries the status code.
//
//   recur::Module module = recur::Module::loadFile("model.rmod");
//   recur::Device device = recur::Device::create("host");
//   recur::Session session(device, module);
//   std::vector<recur::Tensor> out = session.call("main", {&x, &h0});
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_RUNTIME_HPP
#define RECUR_RUNTIME_HPP

#include "recur/runtime.h"

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace recur {

/// A failed runtime call.
class Error : public std::runtime_error {
public:
  Error(recur_status_code code, const std::string &message)
      : std::runtime_error(message), code_(code) {}
  recur_status_code code() const noexcept { return code_; }

private:
  recur_status_code code_;
};

/// Throws when `status` is an error (and frees it either way).
inline void check(recur_status status) {
  if (!status)
    return;
  recur_status_code code = recur_status_get_code(status);
  std::string message = recur_status_get_message(status);
  recur_status_free(status);
  throw Error(code, message);
}

namespace detail {
/// A move-only owner of a C handle.
template <typename T, void (*Release)(T *)> class Handle {
public:
  Handle() = default;
  explicit Handle(T *p) : p_(p) {}
  Handle(Handle &&o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Handle &operator=(Handle &&o) noexcept {
    if (this != &o) {
      Release(p_);
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  Handle(const Handle &) = delete;
  Handle &operator=(const Handle &) = delete;
  ~Handle() { Release(p_); }

  T *get() const { return p_; }
  T *release() { return std::exchange(p_, nullptr); }
  explicit operator bool() const { return p_ != nullptr; }

private:
  T *p_ = nullptr;
};
} // namespace detail

class Tensor : public detail::Handle<recur_tensor, recur_tensor_release> {
public:
  using Handle::Handle;

  /// A zero-filled tensor.
  static Tensor create(recur_dtype dtype, const std::vector<int64_t> &shape) {
    recur_tensor *t = nullptr;
    check(recur_tensor_create(dtype, static_cast<int32_t>(shape.size()),
                              shape.data(), &t));
    return Tensor(t);
  }
  /// A tensor over `data` (not copied; it must outlive the tensor).
  static Tensor wrap(recur_dtype dtype, const std::vector<int64_t> &shape,
                     void *data, size_t byteSize) {
    recur_tensor *t = nullptr;
    check(recur_tensor_wrap(dtype, static_cast<int32_t>(shape.size()),
                            shape.data(), data, byteSize, &t));
    return Tensor(t);
  }

  recur_dtype dtype() const { return recur_tensor_dtype(get()); }
  int32_t rank() const { return recur_tensor_rank(get()); }
  std::vector<int64_t> shape() const {
    const int64_t *s = recur_tensor_shape(get());
    return s ? std::vector<int64_t>(s, s + rank()) : std::vector<int64_t>();
  }
  size_t elementCount() const { return recur_tensor_element_count(get()); }
  size_t byteSize() const { return recur_tensor_byte_size(get()); }
  void *data() const { return recur_tensor_data(get()); }
  template <typename T> T *data() const { return static_cast<T *>(data()); }
};

class Module : public detail::Handle<recur_module, recur_module_release> {
public:
  using Handle::Handle;

  static Module loadFile(const std::string &path) {
    recur_module *m = nullptr;
    check(recur_module_load_file(path.c_str(), &m));
    return Module(m);
  }
  static Module loadMemory(const void *data, size_t size) {
    recur_module *m = nullptr;
    check(recur_module_load_memory(data, size, &m));
    return Module(m);
  }

  size_t functionCount() const { return recur_module_function_count(get()); }
  std::string functionName(size_t function) const {
    const char *name = recur_module_function_name(get(), function);
    return name ? name : "";
  }
  size_t findFunction(const std::string &name) const {
    size_t index = 0;
    check(recur_module_find_function(get(), name.c_str(), &index));
    return index;
  }
  std::vector<recur_param_info> inputs(size_t function) const {
    return params(function, recur_function_input_count(get(), function),
                  recur_function_input_info);
  }
  std::vector<recur_param_info> outputs(size_t function) const {
    return params(function, recur_function_output_count(get(), function),
                  recur_function_output_info);
  }

private:
  using InfoFn = recur_status (*)(const recur_module *, size_t, size_t,
                                  recur_param_info *);
  std::vector<recur_param_info> params(size_t function, size_t count,
                                       InfoFn info) const {
    std::vector<recur_param_info> out(count);
    for (size_t i = 0; i < count; ++i)
      check(info(get(), function, i, &out[i]));
    return out;
  }
};

class Device : public detail::Handle<recur_device, recur_device_release> {
public:
  using Handle::Handle;

  /// `numThreads` 0: one per core.
  static Device create(const std::string &name = "host",
                       int32_t numThreads = 0) {
    recur_device_options options{numThreads};
    recur_device *d = nullptr;
    check(recur_device_create(name.c_str(), &options, &d));
    return Device(d);
  }
  std::string name() const { return recur_device_name(get()); }
};

class Session : public detail::Handle<recur_session, recur_session_release> {
public:
  Session() = default;
  /// The session keeps `device` and `module` alive on its own.
  Session(const Device &device, const Module &module)
      : Handle(create(device, module)), module_(module.get()) {}

  /// Calls `function`; returns its outputs.
  std::vector<Tensor> call(const std::string &function,
                           const std::vector<const Tensor *> &inputs) {
    size_t index = 0;
    check(recur_module_find_function(module_, function.c_str(), &index));
    std::vector<recur_tensor *> in(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i)
      in[i] = inputs[i] ? inputs[i]->get() : nullptr;
    std::vector<recur_tensor *> out(
        recur_function_output_count(module_, index));
    check(recur_session_call(get(), function.c_str(), in.data(), in.size(),
                             out.data(), out.size()));
    std::vector<Tensor> result;
    result.reserve(out.size());
    for (recur_tensor *t : out)
      result.emplace_back(t);
    return result;
  }
  std::vector<Tensor> call(const std::string &function,
                           std::initializer_list<const Tensor *> inputs) {
    return call(function, std::vector<const Tensor *>(inputs));
  }

  /// A statistic of the last call (recur_session_stat).
  int64_t stat(recur_stat stat) const {
    return recur_session_stat(get(), stat);
  }

private:
  static recur_session *create(const Device &device, const Module &module) {
    recur_session *s = nullptr;
    check(recur_session_create(device.get(), module.get(), &s));
    return s;
  }
  recur_module *module_ = nullptr; // kept alive by the session
};

} // namespace recur

#endif // RECUR_RUNTIME_HPP

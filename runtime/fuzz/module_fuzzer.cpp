//===- module_fuzzer.cpp - libFuzzer target for the module loader ---------===//
//
// Loads arbitrary bytes as a module and, when they load, reads every
// function's signature. It never creates a session: that would run the
// module's host code.
//
//===----------------------------------------------------------------------===//

#include "recur/runtime.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  recur_module *module = nullptr;
  recur_status status = recur_module_load_memory(data, size, &module);
  if (status) {
    // The message must be a readable string.
    volatile size_t length = std::strlen(recur_status_get_message(status));
    (void)length;
    recur_status_free(status);
    return 0;
  }
  volatile uint64_t sink = 0; // keeps the reads; wraps around
  size_t functions = recur_module_function_count(module);
  for (size_t f = 0; f < functions; ++f) {
    const char *name = recur_module_function_name(module, f);
    size_t index = 0;
    // Every listed name must be found, at its own index.
    if (recur_module_find_function(module, name, &index) || index != f)
      __builtin_trap();
    for (int pass = 0; pass < 2; ++pass) {
      size_t count = pass == 0 ? recur_function_input_count(module, f)
                               : recur_function_output_count(module, f);
      for (size_t i = 0; i < count; ++i) {
        recur_param_info info;
        recur_status s = pass == 0
                             ? recur_function_input_info(module, f, i, &info)
                             : recur_function_output_info(module, f, i, &info);
        if (s)
          __builtin_trap();
        sink = sink + std::strlen(info.name) +
               static_cast<uint64_t>(info.dtype) +
               static_cast<uint64_t>(info.rank);
        for (int32_t d = 0; d < info.rank; ++d)
          sink = sink + static_cast<uint64_t>(info.shape[d]);
      }
    }
  }
  recur_module_release(module);
  return 0;
}

//===- recur-run.cpp - run a function of a compiled module ----------------===//
//
//   recur-run MODULE.rmod [--function=NAME] [--device=host|sim|cuda]
//             [--threads=N]
//             --input=@x.npy --input="2x3xf32=1,2,3,4,5,6" ...
//             [--output=@y.npy | --output=-]... [--benchmark=N]
//
// Links only the runtime's C API, as any program that embeds Recur does.
// Every error is one line "recur-run: error: ..." on stderr, exit code 1.
// See docs/recur-run.md.
//
//===----------------------------------------------------------------------===//

#include "tools/recur-run/Npy.h"
#include "tools/recur-run/TensorText.h"

#include "recur/runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using namespace recur::run;

static const char kHelp[] =
    R"(recur-run: runs a function of a compiled Recur module (.rmod).

usage: recur-run MODULE.rmod [options] --input=... [--input=...]

  --input=@FILE.npy      an input from a NumPy .npy file (C order,
                         little-endian: f4 f8 f2 b1 i1 u1 i2 i4 i8)
  --input=SHAPExDTYPE=VALUES
                         an inline input: 2x3xf32=1,2,3,4,5,6; f32=3.5 is a
                         scalar; 4x8xf32=0 fills the tensor with one value
                         Inputs are given in the order of the function's.
  --output=@FILE.npy     writes the next output to a .npy file
  --output=-             prints the next output
                         Outputs without an --output are printed.
  --function=NAME        the function to call (default: the module's only one)
  --device=NAME          the device to run on: host (default), sim (the
                         module's GPU kernels run on the CPU with GPU
                         semantics) or cuda (an NVIDIA GPU)
  --threads=N            threads of the host or sim device (default 0: one
                         per core)
  --benchmark=N          after the call, calls N more times and prints the
                         minimum, median and maximum wall time
  --help                 prints this help

When the first call solved recurrences with Newton's method, one line on
stderr says how, for example
  recur-run: newton: 2 solves, 14 iterations (at most 9 in one solve)
with "; 1 did not converge and finished sequentially" appended when a solve
reached its iteration limit (its result is still right).

Exit code 0 on success; 1 on any error, with one line on stderr that starts
with "recur-run: error: ". See docs/recur-run.md.
)";

// How many leading values of an output are printed.
static const size_t kPrintedValues = 16;

namespace {

/// Releases the runtime's objects.
struct Releaser {
  void operator()(recur_module *module) const { recur_module_release(module); }
  void operator()(recur_device *device) const { recur_device_release(device); }
  void operator()(recur_session *session) const {
    recur_session_release(session);
  }
  void operator()(recur_tensor *tensor) const { recur_tensor_release(tensor); }
};
using ModulePtr = std::unique_ptr<recur_module, Releaser>;
using DevicePtr = std::unique_ptr<recur_device, Releaser>;
using SessionPtr = std::unique_ptr<recur_session, Releaser>;
using TensorPtr = std::unique_ptr<recur_tensor, Releaser>;

struct Options {
  bool help = false;
  std::string modulePath;
  std::string function;
  std::string device = "host";
  int64_t threads = 0;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  int64_t benchmark = 0;
};

} // namespace

static int fail(const std::string &message) {
  std::fprintf(stderr, "recur-run: error: %s\n", message.c_str());
  return 1;
}

/// A failed status's message; frees the status.
static std::string takeMessage(recur_status status) {
  std::string message = recur_status_get_message(status);
  if (message.empty())
    message = recur_status_code_name(recur_status_get_code(status));
  recur_status_free(status);
  return message;
}

/// Parses a decimal integer in [low, high].
static bool parseInteger(std::string_view text, int64_t low, int64_t high,
                         int64_t &out) {
  if (text.empty() || text.size() > 18)
    return false;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + (c - '0');
  }
  if (value < low || value > high)
    return false;
  out = value;
  return true;
}

static bool parseOptions(int argc, char **argv, Options &options,
                         std::string &error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-help" || arg == "-h") {
      options.help = true;
      return true;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (!options.modulePath.empty()) {
        error = "unexpected argument '" + std::string(arg) +
                "' (one module file only; inputs are --input=...)";
        return false;
      }
      options.modulePath = std::string(arg);
      continue;
    }
    size_t equals = arg.find('=');
    std::string_view name = arg.substr(0, equals);
    bool known = name == "--input" || name == "--output" ||
                 name == "--function" || name == "--device" ||
                 name == "--threads" || name == "--benchmark";
    if (!known) {
      error = "unknown option '" + std::string(arg) + "'; see --help";
      return false;
    }
    if (equals == std::string_view::npos) {
      error =
          std::string(name) + " needs a value: " + std::string(name) + "=...";
      return false;
    }
    std::string value(arg.substr(equals + 1));
    if (name == "--input") {
      options.inputs.push_back(value);
    } else if (name == "--output") {
      if (value != "-" && (value.size() < 2 || value[0] != '@')) {
        error =
            "--output=" + value + ": expected @FILE.npy (write) or - (print)";
        return false;
      }
      options.outputs.push_back(value);
    } else if (name == "--function" || name == "--device") {
      if (value.empty()) {
        error =
            std::string(name) + " needs a value: " + std::string(name) + "=...";
        return false;
      }
      (name == "--function" ? options.function : options.device) = value;
    } else if (name == "--threads") {
      // The runtime checks the upper bound.
      if (!parseInteger(value, 0, INT32_MAX, options.threads)) {
        error = "--threads=" + value +
                ": expected a number of threads (0: one per core)";
        return false;
      }
    } else if (!parseInteger(value, 1, 1000000000, options.benchmark)) {
      error = "--benchmark=" + value + ": expected a number of calls >= 1";
      return false;
    }
  }
  if (options.modulePath.empty()) {
    error = "no module file given; usage: recur-run MODULE.rmod "
            "--input=... (see --help)";
    return false;
  }
  return true;
}

/// "name: ?x4xf32, ..." for a function's inputs or outputs.
static std::string formatParams(const recur_module *module, size_t function,
                                bool inputs) {
  size_t count = inputs ? recur_function_input_count(module, function)
                        : recur_function_output_count(module, function);
  std::string text;
  for (size_t i = 0; i < count; ++i) {
    recur_param_info info{};
    recur_status status =
        inputs ? recur_function_input_info(module, function, i, &info)
               : recur_function_output_info(module, function, i, &info);
    if (status) {
      recur_status_free(status);
      continue;
    }
    text += (i ? ", " : "") + std::string(info.name ? info.name : "") + ": " +
            formatType(info.dtype, info.shape, info.rank);
  }
  return text;
}

static std::string functionList(const recur_module *module) {
  std::string text;
  for (size_t i = 0, e = recur_module_function_count(module); i < e; ++i)
    text +=
        (i ? ", " : "") + std::string(recur_module_function_name(module, i));
  return text;
}

/// Picks the function to call: --function, or the module's only one.
static bool selectFunction(const recur_module *module, const Options &options,
                           size_t &function, std::string &error) {
  size_t count = recur_module_function_count(module);
  if (!options.function.empty()) {
    recur_status status =
        recur_module_find_function(module, options.function.c_str(), &function);
    if (!status)
      return true;
    recur_status_free(status);
    error = "the module has no function '" + options.function +
            "'; its functions: " + functionList(module);
    return false;
  }
  if (count == 1) {
    function = 0;
    return true;
  }
  error = count == 0
              ? std::string("the module has no functions")
              : "the module has " + std::to_string(count) + " functions (" +
                    functionList(module) + "); choose one with --function=NAME";
  return false;
}

static std::string plural(size_t count, const char *noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

/// Writes or prints output `i` of the call.
static bool reportOutput(const recur_module *module, size_t function, size_t i,
                         recur_tensor *tensor, const Options &options,
                         std::string &error) {
  recur_dtype dtype = recur_tensor_dtype(tensor);
  int32_t rank = recur_tensor_rank(tensor);
  const int64_t *shape = recur_tensor_shape(tensor);
  const void *data = recur_tensor_data(tensor);
  if (i < options.outputs.size() && options.outputs[i] != "-")
    return writeNpy(options.outputs[i].substr(1), dtype, shape, rank, data,
                    recur_tensor_byte_size(tensor), error);

  recur_param_info info{};
  std::string name;
  if (recur_status status =
          recur_function_output_info(module, function, i, &info))
    recur_status_free(status);
  else if (info.name && *info.name)
    name = std::string(" ('") + info.name + "')";
  std::string values =
      rank == 0 ? formatElement(dtype, static_cast<const uint8_t *>(data), 0)
                : formatValues(dtype, data, recur_tensor_element_count(tensor),
                               kPrintedValues);
  std::printf("output %zu%s: %s = %s\n", i, name.c_str(),
              formatType(dtype, shape, rank).c_str(), values.c_str());
  return true;
}

/// Calls the function; on success `outputs` holds its results.
static bool call(recur_session *session, const char *function,
                 const std::vector<TensorPtr> &inputs,
                 std::vector<TensorPtr> &outputs, std::string &error) {
  std::vector<recur_tensor *> in, out(outputs.size(), nullptr);
  for (const TensorPtr &tensor : inputs)
    in.push_back(tensor.get());
  if (recur_status status = recur_session_call(
          session, function, in.data(), in.size(), out.data(), out.size())) {
    error = takeMessage(status);
    return false;
  }
  for (size_t i = 0; i < out.size(); ++i)
    outputs[i].reset(out[i]);
  return true;
}

/// Milliseconds to four significant digits: "0.004123", "12.35", "1235".
static std::string formatMilliseconds(double milliseconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), milliseconds >= 1000 ? "%.0f" : "%.4g",
                milliseconds);
  return buffer;
}

static void printBenchmark(const std::string &function,
                           std::vector<double> milliseconds) {
  std::sort(milliseconds.begin(), milliseconds.end());
  size_t n = milliseconds.size();
  double median = n % 2 ? milliseconds[n / 2]
                        : (milliseconds[n / 2 - 1] + milliseconds[n / 2]) / 2;
  std::printf("benchmark: %s, %s after a warm-up: min %s ms, median %s ms, "
              "max %s ms\n",
              function.c_str(), plural(n, "call").c_str(),
              formatMilliseconds(milliseconds[0]).c_str(),
              formatMilliseconds(median).c_str(),
              formatMilliseconds(milliseconds[n - 1]).c_str());
}

/// After the first call: one line on stderr about its Newton solves, if it
/// made any (docs/recur-run.md).
static void printNewtonStats(const recur_session *session) {
  int64_t solves = recur_session_stat(session, RECUR_STAT_NEWTON_SOLVES);
  if (solves <= 0)
    return;
  int64_t iterations =
      recur_session_stat(session, RECUR_STAT_NEWTON_ITERATIONS);
  int64_t most = recur_session_stat(session, RECUR_STAT_NEWTON_MAX_ITERATIONS);
  int64_t fallbacks = recur_session_stat(session, RECUR_STAT_NEWTON_FALLBACKS);
  std::string line = "recur-run: newton: " + plural(size_t(solves), "solve") +
                     ", " + plural(size_t(iterations), "iteration") +
                     " (at most " + std::to_string(most) + " in one solve)";
  if (fallbacks > 0)
    line += "; " + std::to_string(fallbacks) +
            " did not converge and finished sequentially";
  std::fprintf(stderr, "%s\n", line.c_str());
}

static int run(const Options &options) {
  // The inputs first: a mistake on the command line fails before the
  // module is loaded.
  std::string error;
  std::vector<HostArray> arrays(options.inputs.size());
  for (size_t i = 0; i < options.inputs.size(); ++i) {
    const std::string &spec = options.inputs[i];
    if (spec.size() >= 1 && spec[0] == '@') {
      if (spec.size() == 1)
        return fail("--input=@ needs a file name: --input=@FILE.npy");
      if (!readNpy(spec.substr(1), arrays[i], error))
        return fail(error);
    } else if (!parseInlineArray(spec, arrays[i], error)) {
      return fail("--input=" + spec + ": " + error);
    }
  }

  // The runtime's messages name the file.
  recur_module *rawModule = nullptr;
  if (recur_status status =
          recur_module_load_file(options.modulePath.c_str(), &rawModule))
    return fail(takeMessage(status));
  ModulePtr module(rawModule);

  size_t function;
  if (!selectFunction(module.get(), options, function, error))
    return fail(error);
  std::string name = recur_module_function_name(module.get(), function);
  size_t numInputs = recur_function_input_count(module.get(), function);
  size_t numOutputs = recur_function_output_count(module.get(), function);
  if (arrays.size() != numInputs)
    return fail("function '" + name + "' takes " + plural(numInputs, "input") +
                " (" + formatParams(module.get(), function, true) + "); got " +
                std::to_string(arrays.size()));
  if (options.outputs.size() > numOutputs)
    return fail("function '" + name + "' has " + plural(numOutputs, "output") +
                " (" + formatParams(module.get(), function, false) + "); got " +
                plural(options.outputs.size(), "--output"));

  recur_device_options deviceOptions{};
  deviceOptions.num_threads = int32_t(options.threads);
  recur_device *rawDevice = nullptr;
  if (recur_status status = recur_device_create(options.device.c_str(),
                                                &deviceOptions, &rawDevice))
    return fail(takeMessage(status));
  DevicePtr device(rawDevice);
  recur_session *rawSession = nullptr;
  if (recur_status status =
          recur_session_create(device.get(), module.get(), &rawSession))
    return fail(takeMessage(status));
  SessionPtr session(rawSession);

  std::vector<TensorPtr> inputs;
  for (HostArray &array : arrays) {
    recur_tensor *tensor = nullptr;
    if (recur_status status =
            recur_tensor_create(array.dtype, int32_t(array.shape.size()),
                                array.shape.data(), &tensor))
      return fail(takeMessage(status));
    inputs.emplace_back(tensor);
    if (recur_tensor_byte_size(tensor) != array.bytes.size())
      return fail("internal error: tensor size mismatch");
    if (!array.bytes.empty())
      std::memcpy(recur_tensor_data(tensor), array.bytes.data(),
                  array.bytes.size());
    array.bytes = {}; // the tensor has the data now
  }

  std::vector<TensorPtr> outputs(numOutputs);
  if (!call(session.get(), name.c_str(), inputs, outputs, error))
    return fail(error);
  printNewtonStats(session.get());
  for (size_t i = 0; i < numOutputs; ++i)
    if (!reportOutput(module.get(), function, i, outputs[i].get(), options,
                      error))
      return fail(error);

  if (options.benchmark > 0) {
    std::vector<double> milliseconds;
    for (int64_t i = 0; i < options.benchmark; ++i) {
      std::vector<TensorPtr> results(numOutputs);
      auto start = std::chrono::steady_clock::now();
      if (!call(session.get(), name.c_str(), inputs, results, error))
        return fail(error);
      auto end = std::chrono::steady_clock::now();
      milliseconds.push_back(
          std::chrono::duration<double, std::milli>(end - start).count());
    }
    printBenchmark(name, milliseconds);
  }
  return 0;
}

int main(int argc, char **argv) {
  Options options;
  std::string error;
  if (!parseOptions(argc, argv, options, error))
    return fail(error);
  if (options.help) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  return run(options);
}

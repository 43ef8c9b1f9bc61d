//===- recur-bench.cpp - compiled modules against hand-written loops ------===//
//
//   recur-bench [--min-time=SECONDS] [--sizes=TxB,...] MODEL:LABEL=FILE.rmod...
//
// For each module and each (T, B), times the model's plain sequential C++
// loop (bench/baselines.cpp) and the module on the host device with one
// thread and with one per core, checks that the outputs agree, and prints
// one Markdown table. A benchmark, not a test: bench/run.sh builds and runs
// it; docs/benchmarks.md says how to read it.
//
//===----------------------------------------------------------------------===//

#include "bench/baselines.h"
#include "recur/runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

/// Named sizes of one run: T and B from the command line, the static sizes
/// (I, H, D, N, ...) from the module, so editing a model's sizes just works.
using Dims = std::map<std::string, int64_t>;

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// An input or output of a model, its dimensions by name.
struct Param {
  const char *name;
  std::vector<const char *> dims;
};

/// A model of bench/models: its signature, how to make inputs and its
/// baseline. The module's function has the model's name.
struct Model {
  const char *name;
  std::vector<Param> inputs, outputs;
  /// Default (T, B): realistic, and small enough that bench/run.sh takes a
  /// few minutes on 2 cores while modules are much slower than the loops.
  std::vector<std::pair<int64_t, int64_t>> sizes;
  void (*fill)(const Dims &, std::vector<Tensor> &inputs);
  void (*baseline)(const Dims &, const std::vector<Tensor> &inputs,
                   std::vector<Tensor> &outputs);
  /// Extra relations between sizes; an error message or nullptr.
  const char *(*validate)(const Dims &);
  /// Nonlinear models: body evaluations per step of one Newton iteration
  /// (the body, its Jacobian-vector products, the scan's step; the cost
  /// model's 1 + p + s, docs/passes.md); 0 for the others.
  int64_t newtonPasses = 0;
};

/// Deterministic inputs: the same numbers on every machine and run.
class Rng {
public:
  explicit Rng(uint64_t seed) : state(seed * 0x9E3779B97F4A7C15ull + 1) {}
  float uniform(float lo, float hi) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * float(state >> 40) / float(1 << 24);
  }

private:
  uint64_t state;
};

void fillUniform(Tensor &t, uint64_t seed, float lo, float hi) {
  Rng rng(seed);
  for (float &v : t.data)
    v = rng.uniform(lo, hi);
}

//--- The models ------------------------------------------------------------//

// Weights scaled by 1/sqrt(fan-in) keep pre-activations O(1), as trained
// models have them; states stay bounded over thousands of steps.

void fillMinGRU(const Dims &d, std::vector<Tensor> &in) {
  float s = 1.0f / std::sqrt(float(d.at("I")));
  fillUniform(in[0], 1, -1, 1);     // x
  fillUniform(in[1], 2, -0.5, 0.5); // h0
  fillUniform(in[2], 3, -s, s);     // wz
  fillUniform(in[3], 4, -s, s);     // wh
}

void baselineMinGRU(const Dims &d, const std::vector<Tensor> &in,
                    std::vector<Tensor> &out) {
  bench::minGRU(d.at("T"), d.at("B"), d.at("I"), d.at("H"), in[0].data.data(),
                in[1].data.data(), in[2].data.data(), in[3].data.data(),
                out[0].data.data(), out[1].data.data());
}

void fillMamba(const Dims &d, std::vector<Tensor> &in) {
  fillUniform(in[0], 1, -1, 1);        // x
  fillUniform(in[1], 2, 0.001f, 0.1f); // dt: Mamba's initial range
  fillUniform(in[2], 3, -1, 1);        // B
  fillUniform(in[3], 4, -1, 1);        // C
  // A = -(n + 1): the S4D-real initialization; decays in (0, 1).
  int64_t N = d.at("N");
  for (size_t i = 0; i < in[4].data.size(); ++i)
    in[4].data[i] = -float(i % N + 1);
  fillUniform(in[5], 6, -0.5, 0.5); // h0
}

void baselineMamba(const Dims &d, const std::vector<Tensor> &in,
                   std::vector<Tensor> &out) {
  bench::mambaScan(d.at("T"), d.at("B"), d.at("D"), d.at("N"),
                   in[0].data.data(), in[1].data.data(), in[2].data.data(),
                   in[3].data.data(), in[4].data.data(), in[5].data.data(),
                   out[0].data.data(), out[1].data.data());
}

void fillLSTM(const Dims &d, std::vector<Tensor> &in) {
  float s = 1.0f / std::sqrt(float(d.at("H")));
  fillUniform(in[0], 1, -1, 1);     // x
  fillUniform(in[1], 2, -0.5, 0.5); // h0
  fillUniform(in[2], 3, -0.5, 0.5); // c0
  fillUniform(in[3], 4, -s, s);     // w
  fillUniform(in[4], 5, -s, s);     // r
  fillUniform(in[5], 6, -s, s);     // bias
}

void baselineLSTM(const Dims &d, const std::vector<Tensor> &in,
                  std::vector<Tensor> &out) {
  bench::lstm(d.at("T"), d.at("B"), d.at("I"), d.at("H"), in[0].data.data(),
              in[1].data.data(), in[2].data.data(), in[3].data.data(),
              in[4].data.data(), in[5].data.data(), out[0].data.data(),
              out[1].data.data(), out[2].data.data());
}

void fillGRUDiag(const Dims &d, std::vector<Tensor> &in) {
  float s = 1.0f / std::sqrt(float(d.at("I")));
  fillUniform(in[0], 1, -1, 1);     // x
  fillUniform(in[1], 2, -0.5, 0.5); // h0
  fillUniform(in[2], 3, -s, s);     // wz
  fillUniform(in[3], 4, -s, s);     // wr
  fillUniform(in[4], 5, -s, s);     // wn
  fillUniform(in[5], 6, -1, 1);     // uz
  fillUniform(in[6], 7, -1, 1);     // ur
  fillUniform(in[7], 8, -1, 1);     // un
}

void baselineGRUDiag(const Dims &d, const std::vector<Tensor> &in,
                     std::vector<Tensor> &out) {
  bench::gruDiag(d.at("T"), d.at("B"), d.at("I"), d.at("H"), in[0].data.data(),
                 in[1].data.data(), in[2].data.data(), in[3].data.data(),
                 in[4].data.data(), in[5].data.data(), in[6].data.data(),
                 in[7].data.data(), out[0].data.data(), out[1].data.data());
}

const char *validateLSTM(const Dims &d) {
  return d.at("G") == 4 * d.at("H") ? nullptr : "lstm: w and r must be [I, 4H]";
}

const std::vector<Model> &models() {
  static const std::vector<Model> all = {
      {"mingru",
       {{"x", {"T", "B", "I"}},
        {"h0", {"B", "H"}},
        {"wz", {"I", "H"}},
        {"wh", {"I", "H"}}},
       {{"hT", {"B", "H"}}, {"hs", {"T", "B", "H"}}},
       {{1024, 1}, {4096, 1}, {1024, 8}},
       fillMinGRU,
       baselineMinGRU,
       nullptr},
      {"mamba",
       {{"x", {"T", "B", "D"}},
        {"dt", {"T", "B", "D"}},
        {"bm", {"T", "B", "N"}},
        {"cm", {"T", "B", "N"}},
        {"a", {"D", "N"}},
        {"h0", {"B", "D", "N"}}},
       {{"hT", {"B", "D", "N"}}, {"ys", {"T", "B", "D"}}},
       {{1024, 1}, {4096, 1}, {1024, 8}},
       fillMamba,
       baselineMamba,
       nullptr},
      {"lstm",
       {{"x", {"T", "B", "I"}},
        {"h0", {"B", "H"}},
        {"c0", {"B", "H"}},
        {"w", {"I", "G"}},
        {"r", {"H", "G"}},
        {"bias", {"G"}}},
       {{"hT", {"B", "H"}}, {"cT", {"B", "H"}}, {"hs", {"T", "B", "H"}}},
       {{1024, 1}, {256, 8}},
       fillLSTM,
       baselineLSTM,
       validateLSTM},
      {"gru_diag",
       {{"x", {"T", "B", "I"}},
        {"h0", {"B", "H"}},
        {"wz", {"I", "H"}},
        {"wr", {"I", "H"}},
        {"wn", {"I", "H"}},
        {"uz", {"H"}},
        {"ur", {"H"}},
        {"un", {"H"}}},
       {{"hT", {"B", "H"}}, {"hs", {"T", "B", "H"}}},
       {{4096, 1}, {4096, 16}},
       fillGRUDiag,
       baselineGRUDiag,
       nullptr,
       /*newtonPasses=*/3},
  };
  return all;
}

const Model *findModel(const std::string &name) {
  for (const Model &m : models())
    if (name == m.name)
      return &m;
  return nullptr;
}

//--- Runtime helpers -------------------------------------------------------//

[[noreturn]] void fail(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "recur-bench: error: %s\n", message.c_str());
  std::exit(1);
}

void check(recur_status status, const std::string &what) {
  if (!status)
    return;
  std::string message = what + ": " +
                        recur_status_code_name(recur_status_get_code(status)) +
                        ": " + recur_status_get_message(status);
  recur_status_free(status);
  fail(message);
}

/// A module given on the command line.
struct Bench {
  const Model *model;
  std::string label; // the strategy it was compiled with
  std::string path;
  recur_module *module = nullptr;
  size_t function = 0;
};

/// Binds the module's static sizes into dims (which holds T and B) and
/// checks the module's signature against the model's.
void bindDims(const Bench &bench, Dims &dims) {
  const Model &m = *bench.model;
  auto bindAll = [&](const std::vector<Param> &params, bool isInput) {
    size_t count =
        isInput ? recur_function_input_count(bench.module, bench.function)
                : recur_function_output_count(bench.module, bench.function);
    if (count != params.size())
      fail(bench.path + ": " + m.name + " has " + std::to_string(count) +
           (isInput ? " inputs" : " outputs") + ", expected " +
           std::to_string(params.size()));
    for (size_t i = 0; i < params.size(); ++i) {
      recur_param_info info;
      check(isInput ? recur_function_input_info(bench.module, bench.function, i,
                                                &info)
                    : recur_function_output_info(bench.module, bench.function,
                                                 i, &info),
            bench.path);
      const Param &p = params[i];
      if (info.dtype != RECUR_DTYPE_F32 || info.rank != int32_t(p.dims.size()))
        fail(bench.path + ": " + p.name + " should be f32 of rank " +
             std::to_string(p.dims.size()));
      for (size_t k = 0; k < p.dims.size(); ++k) {
        std::string name = p.dims[k];
        int64_t size = info.shape[k];
        if (size < 0) {
          if (name != "T" && name != "B")
            fail(bench.path + ": dimension " + name + " of " + p.name +
                 " is dynamic; the benchmark needs it static");
          continue;
        }
        auto it = dims.find(name);
        if (it == dims.end())
          dims[name] = size;
        else if (it->second != size)
          fail(bench.path + ": " + p.name + " has " + name + "=" +
               std::to_string(size) + ", expected " +
               std::to_string(it->second));
      }
    }
  };
  bindAll(m.inputs, true);
  bindAll(m.outputs, false);
  if (m.validate)
    if (const char *error = m.validate(dims))
      fail(bench.path + ": " + error);
}

std::vector<Tensor> makeTensors(const std::vector<Param> &params,
                                const Dims &dims) {
  std::vector<Tensor> tensors;
  for (const Param &p : params) {
    Tensor t;
    size_t count = 1;
    for (const char *d : p.dims) {
      t.shape.push_back(dims.at(d));
      count *= size_t(dims.at(d));
    }
    t.data.assign(count, 0.0f);
    tensors.push_back(std::move(t));
  }
  return tensors;
}

/// The median of repeated calls, in milliseconds. Warm-up: a tenth of the
/// budget, and at least one call unless the caller has just made one. Then
/// at least three calls and at least minSeconds -- or, for calls so slow
/// that three would take long, as many as fit in 4 * minSeconds (at least
/// one), so that a slow module does not stretch the run to many minutes.
template <typename Fn>
double medianMs(Fn &&call, double minSeconds, bool warmedUp) {
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::duration d) {
    return std::chrono::duration<double>(d).count();
  };
  Clock::time_point start = Clock::now();
  if (!warmedUp)
    call();
  while (seconds(Clock::now() - start) < minSeconds / 10)
    call();
  std::vector<double> ms;
  start = Clock::now();
  for (;;) {
    Clock::time_point t0 = Clock::now();
    call();
    ms.push_back(1e3 * seconds(Clock::now() - t0));
    double elapsed = seconds(Clock::now() - t0 + (t0 - start));
    if ((ms.size() >= 3 && elapsed >= minSeconds) ||
        elapsed >= 4 * minSeconds || ms.size() >= 100000)
      break;
  }
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  return n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
}

/// max |got - want| / max |want| over one output (a norm-wise relative
/// error: element-wise ratios blow up where the reference crosses zero).
double relativeError(const float *got, const Tensor &want) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < want.data.size(); ++i) {
    double d = std::fabs(double(got[i]) - double(want.data[i]));
    if (!(d <= diff)) // NaN propagates
      diff = d;
    scale = std::max(scale, std::fabs(double(want.data[i])));
  }
  return diff / std::max(scale, 1e-30);
}

/// A Newton row of the work/depth table.
struct NewtonRow {
  std::string model, sizes, label;
  int64_t steps, iterations, passes;
};

/// Calls the module once, keeps the outputs, and checks them against the
/// baseline's; the largest relative error over all outputs.
double callAndCompare(recur_session *session, const Bench &bench,
                      const std::vector<recur_tensor *> &inputs,
                      const std::vector<Tensor> &want) {
  std::vector<recur_tensor *> outputs(want.size(), nullptr);
  check(recur_session_call(session, bench.model->name, inputs.data(),
                           inputs.size(), outputs.data(), outputs.size()),
        bench.path + ": call");
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const Tensor &w = want[i];
    const int64_t *shape = recur_tensor_shape(outputs[i]);
    if (recur_tensor_rank(outputs[i]) != int32_t(w.shape.size()) ||
        !std::equal(w.shape.begin(), w.shape.end(), shape))
      fail(bench.path + ": output " + bench.model->outputs[i].name +
           " has the wrong shape");
    double e = relativeError(
        static_cast<const float *>(recur_tensor_data(outputs[i])), w);
    if (!(e <= worst))
      worst = e;
    recur_tensor_release(outputs[i]);
  }
  return worst;
}

void usage(FILE *to) {
  std::fprintf(
      to, "usage: recur-bench [--min-time=SECONDS] [--sizes=TxB,...] "
          "MODEL:LABEL=FILE.rmod...\n"
          "  MODEL   mingru, mamba, lstm or gru_diag (bench/models/MODEL.mlir\n"
          "          compiled by\n"
          "          recur-compile); picks the inputs and the baseline loop\n"
          "  LABEL   printed in the strategy column (e.g. scan, sequential)\n"
          "  --min-time  seconds of timed calls per measurement (default 0.5)\n"
          "  --sizes     sequence lengths and batches, e.g. 1024x1,4096x8\n"
          "              (default: a few per model)\n"
          "Prints a Markdown table; ratio = baseline ms / recur ms (> 1: the\n"
          "module is faster). Exits 1 when a module's outputs differ from the\n"
          "baseline's by more than 1e-3 (relative).\n");
}

constexpr double kTolerance = 1e-3;

} // namespace

int main(int argc, char **argv) {
  double minSeconds = 0.5;
  std::vector<std::pair<int64_t, int64_t>> sizes;
  std::vector<Bench> benches;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(stdout);
      return 0;
    }
    if (arg.rfind("--min-time=", 0) == 0) {
      minSeconds = std::atof(arg.c_str() + 11);
      continue;
    }
    if (arg.rfind("--sizes=", 0) == 0) {
      std::string list = arg.substr(8) + ",";
      for (size_t pos = 0, comma;
           (comma = list.find(',', pos)) != std::string::npos;
           pos = comma + 1) {
        long long t = 0, b = 0;
        std::string item = list.substr(pos, comma - pos);
        if (std::sscanf(item.c_str(), "%lldx%lld", &t, &b) != 2 || t <= 0 ||
            b <= 0)
          fail("bad size '" + item + "'; expected TxB, e.g. 1024x8");
        sizes.push_back({t, b});
      }
      continue;
    }
    size_t colon = arg.find(':'), eq = arg.find('=');
    if (arg[0] == '-' || colon == std::string::npos ||
        eq == std::string::npos || eq < colon) {
      usage(stderr);
      return 2;
    }
    Bench bench;
    bench.model = findModel(arg.substr(0, colon));
    if (!bench.model)
      fail("unknown model '" + arg.substr(0, colon) +
           "'; expected mingru, mamba, lstm or gru_diag");
    bench.label = arg.substr(colon + 1, eq - colon - 1);
    bench.path = arg.substr(eq + 1);
    benches.push_back(bench);
  }
  if (benches.empty()) {
    usage(stderr);
    return 2;
  }

  for (Bench &bench : benches) {
    check(recur_module_load_file(bench.path.c_str(), &bench.module),
          bench.path);
    check(recur_module_find_function(bench.module, bench.model->name,
                                     &bench.function),
          bench.path);
  }

  // One thread, and one per core (num_threads = 0).
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::pair<int32_t, unsigned>> threadCounts = {{1, 1}};
  if (cores > 1)
    threadCounts.push_back({0, cores});
  std::vector<recur_device *> devices;
  for (auto [option, count] : threadCounts) {
    recur_device_options options = {option};
    recur_device *device = nullptr;
    check(recur_device_create("host", &options, &device), "host device");
    devices.push_back(device);
  }

  std::printf("| model | sizes | strategy | threads | baseline ms | recur ms "
              "| ratio | max rel err |\n"
              "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
  std::fflush(stdout);

  // Models in the order given; per size, the baseline runs once for all
  // modules of the model.
  std::vector<const Model *> order;
  for (const Bench &bench : benches)
    if (std::find(order.begin(), order.end(), bench.model) == order.end())
      order.push_back(bench.model);
  int failures = 0;
  std::vector<NewtonRow> newtonRows;
  for (const Model *model : order) {
    std::vector<Bench *> group;
    for (Bench &bench : benches)
      if (bench.model == model)
        group.push_back(&bench);
    for (auto [T, B] : sizes.empty() ? model->sizes : sizes) {
      Dims dims = {{"T", T}, {"B", B}};
      for (Bench *bench : group)
        bindDims(*bench, dims);
      // "T=1024 B=8 I=256 H=256": the sizes in the order the inputs use them.
      std::vector<std::string> named;
      for (const Param &p : model->inputs)
        for (const char *d : p.dims)
          if (std::find(named.begin(), named.end(), d) == named.end() &&
              std::string(d) != "G")
            named.push_back(d);
      std::string sizeText;
      for (const std::string &name : named)
        sizeText += (sizeText.empty() ? "" : " ") + name + "=" +
                    std::to_string(dims.at(name));

      std::vector<Tensor> inputs = makeTensors(model->inputs, dims);
      model->fill(dims, inputs);
      // The baseline allocates its outputs in every call, as the module
      // does: both pay for fresh result memory.
      std::vector<Tensor> want;
      double baselineMs = medianMs(
          [&] {
            want = makeTensors(model->outputs, dims);
            model->baseline(dims, inputs, want);
          },
          minSeconds, /*warmedUp=*/false);

      std::vector<recur_tensor *> wrapped;
      for (Tensor &t : inputs) {
        recur_tensor *w = nullptr;
        check(recur_tensor_wrap(RECUR_DTYPE_F32, int32_t(t.shape.size()),
                                t.shape.data(), t.data.data(),
                                t.data.size() * sizeof(float), &w),
              "wrap input");
        wrapped.push_back(w);
      }
      for (Bench *bench : group) {
        for (size_t d = 0; d < devices.size(); ++d) {
          recur_session *session = nullptr;
          check(recur_session_create(devices[d], bench->module, &session),
                bench->path + ": session");
          // The checked call is also the warm-up.
          double error = callAndCompare(session, *bench, wrapped, want);
          int64_t iterations =
              recur_session_stat(session, RECUR_STAT_NEWTON_ITERATIONS);
          if (d == 0 &&
              recur_session_stat(session, RECUR_STAT_NEWTON_SOLVES) > 0)
            newtonRows.push_back({model->name, sizeText, bench->label, T,
                                  iterations, model->newtonPasses});
          std::vector<recur_tensor *> outputs(want.size(), nullptr);
          double recurMs = medianMs(
              [&] {
                check(recur_session_call(session, model->name, wrapped.data(),
                                         wrapped.size(), outputs.data(),
                                         outputs.size()),
                      bench->path + ": call");
                for (recur_tensor *&out : outputs) {
                  recur_tensor_release(out);
                  out = nullptr;
                }
              },
              minSeconds, /*warmedUp=*/true);
          recur_session_release(session);
          bool ok = error <= kTolerance;
          failures += !ok;
          std::printf("| %s | %s | %s | %u | %.2f | %.2f | %.2f | %.1e%s |\n",
                      model->name, sizeText.c_str(), bench->label.c_str(),
                      threadCounts[d].second, baselineMs, recurMs,
                      baselineMs / recurMs, error, ok ? "" : " FAIL");
          std::fflush(stdout);
        }
      }
      for (recur_tensor *w : wrapped)
        recur_tensor_release(w);
    }
  }

  if (!newtonRows.empty()) {
    // Work in body evaluations (sequential: T); depth in dependent steps
    // (sequential: T; Newton: per iteration the map (1), and the chunked
    // scan's three phases, 2 * 64 + T / 64 at recur-compile's default
    // chunk size). The depth ratio is what unlimited parallelism would
    // gain: a projection, not a measurement.
    std::printf("\n| model | sizes | strategy | iterations | work (body "
                "evals) | sequential work | depth (steps) | sequential depth "
                "| depth ratio (projection) |\n"
                "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: "
                "|\n");
    for (const NewtonRow &r : newtonRows) {
      int64_t work = r.iterations * r.passes * r.steps;
      int64_t depth = r.iterations * (1 + 2 * 64 + (r.steps + 63) / 64);
      std::printf("| %s | %s | %s | %lld | %lld | %lld | %lld | %lld | "
                  "%.1f |\n",
                  r.model.c_str(), r.sizes.c_str(), r.label.c_str(),
                  (long long)r.iterations, (long long)work, (long long)r.steps,
                  (long long)depth, (long long)r.steps,
                  double(r.steps) / double(std::max<int64_t>(depth, 1)));
    }
  }

  for (recur_device *device : devices)
    recur_device_release(device);
  for (Bench &bench : benches)
    recur_module_release(bench.module);
  if (failures) {
    std::fprintf(stderr,
                 "recur-bench: FAIL: %d measurement(s) whose outputs differ "
                 "from the baseline's by more than %.0e\n",
                 failures, kTolerance);
    return 1;
  }
  return 0;
}

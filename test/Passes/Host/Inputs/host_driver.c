/*===- host_driver.c - call a host shared object as the runtime would -----===*
 *
 * Loads a shared object built from --recur-host-to-llvm output, checks its
 * ABI version and calls its entries as runtime/include/recur/host_abi.h says:
 * descriptors for the operands, a results buffer, and an env whose
 * parallel_for splits [0, n) over three threads. Every result is compared
 * with a plain C computation (in double) of the same function, then freed.
 *
 *   host_driver LIB.so mingru|kernels [min-T=N]
 *
 * (min-T=N leaves out the minGRU cases with fewer than N steps.)
 * Prints one line per case and a summary; exits non-zero on any mismatch.
 *
 *===----------------------------------------------------------------------===*/

#include "recur/host_abi.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kThreads = 3, kMaxRank = 4, kMaxOperands = 8 };

static int failures;

/*===--- the env ----------------------------------------------------------===*/

static atomic_long calls, iterations, worker_ranges;
static _Thread_local int in_body;
static int ctx_tag;

typedef struct {
  recur_host_parallel_body body;
  void *data;
  int64_t begin, end;
} range_task;

static void run_range(range_task *task) {
  in_body = 1;
  task->body(task->data, task->begin, task->end);
  in_body = 0;
}

static void *run_on_worker(void *arg) {
  run_range(arg);
  atomic_fetch_add(&worker_ranges, 1);
  return NULL;
}

/* Ranges of ceil(n / 3) iterations: the first on the calling thread, the
 * others on fresh threads. */
static void parallel_for(void *ctx, int64_t n, recur_host_parallel_body body,
                         void *data) {
  if (ctx != &ctx_tag || in_body || n < 0) {
    printf("FAIL parallel_for: ctx %s, called from a body: %d, n = %lld\n",
           ctx == &ctx_tag ? "ok" : "wrong", in_body, (long long)n);
    ++failures;
    return;
  }
  atomic_fetch_add(&calls, 1);
  atomic_fetch_add(&iterations, n);
  int64_t chunk = (n + kThreads - 1) / kThreads;
  pthread_t threads[kThreads];
  range_task tasks[kThreads];
  int spawned[kThreads] = {0};
  for (int t = 1; t < kThreads; ++t) {
    int64_t begin = t * chunk, end = begin + chunk < n ? begin + chunk : n;
    tasks[t] = (range_task){body, data, begin, end};
    if (begin < end)
      spawned[t] =
          pthread_create(&threads[t], NULL, run_on_worker, &tasks[t]) == 0;
  }
  tasks[0] = (range_task){body, data, 0, chunk < n ? chunk : n};
  if (n > 0)
    run_range(&tasks[0]);
  for (int t = 1; t < kThreads; ++t) {
    if (spawned[t])
      pthread_join(threads[t], NULL);
    else if (tasks[t].begin < tasks[t].end)
      run_range(&tasks[t]); /* no thread to be had: run it here */
  }
}

static const recur_host_env env = {&ctx_tag, parallel_for};

/*===--- descriptors --------------------------------------------------------===*/

/* A dense row-major f32 array and the descriptor the runtime makes of it:
 * RECUR_HOST_DESCRIPTOR_WORDS(rank) words (allocated, aligned, offset,
 * sizes, strides). */
typedef struct {
  int rank;
  int64_t sizes[kMaxRank];
  float *data;
  int64_t words[RECUR_HOST_DESCRIPTOR_WORDS(kMaxRank)];
} array;

static int64_t num_elements(int rank, const int64_t *sizes) {
  int64_t n = 1;
  for (int d = 0; d < rank; ++d)
    n *= sizes[d];
  return n;
}

static array make_array(int rank, const int64_t *sizes, const float *values) {
  array a = {.rank = rank};
  memcpy(a.sizes, sizes, sizeof(int64_t) * rank);
  int64_t n = num_elements(rank, sizes);
  a.data = malloc(sizeof(float) * (n ? n : 1));
  if (values)
    memcpy(a.data, values, sizeof(float) * n);
  memcpy(&a.words[0], &a.data, sizeof(void *));
  memcpy(&a.words[1], &a.data, sizeof(void *));
  a.words[2] = 0;
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    a.words[3 + d] = sizes[d];
    a.words[3 + rank + d] = stride;
    stride *= sizes[d];
  }
  return a;
}

static float *fill(int64_t n, unsigned seed) {
  float *v = malloc(sizeof(float) * (n ? n : 1));
  for (int64_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    v[i] = (float)((seed >> 8) % 2001) / 1000.0f - 1.0f;
  }
  return v;
}

/* Checks the result descriptor at `words` (rank `rank`) against `want`
 * (row-major, shape `sizes`), reading it through its own offset and strides,
 * then frees it as host_abi.h says. */
static void check_result(const char *what, const int64_t *words, int rank,
                         const int64_t *sizes, const double *want,
                         const array *operands, int num_operands) {
  char *allocated, *aligned;
  memcpy(&allocated, &words[0], sizeof(void *));
  memcpy(&aligned, &words[1], sizeof(void *));
  const int64_t *got_sizes = &words[3], *strides = &words[3 + rank];
  /* An empty result may be empty along another dimension: with T = 0 the
   * lowering cannot see the batch size in any step (it reads it there). */
  int empty = num_elements(rank, sizes) == 0 &&
              num_elements(rank, got_sizes) == 0;
  for (int d = 0; d < rank && !empty; ++d) {
    if (got_sizes[d] != sizes[d]) {
      printf("FAIL %s: size %d is %lld, expected %lld\n", what, d,
             (long long)got_sizes[d], (long long)sizes[d]);
      ++failures;
      return;
    }
  }
  int64_t n = num_elements(rank, sizes), bad = 0;
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, at = words[2];
    for (int d = rank - 1; d >= 0; --d) {
      at += (rest % sizes[d]) * strides[d];
      rest /= sizes[d];
    }
    double got = ((const float *)aligned)[at];
    double err = fabs(got - want[i]) / (1 + fabs(want[i]));
    if (!(err <= 2e-5)) {
      if (bad++ < 3)
        printf("  %s[%lld] = %.7g, expected %.7g\n", what, (long long)i, got,
               want[i]);
    }
    if (err > worst)
      worst = err;
  }
  if (bad) {
    printf("FAIL %s: %lld of %lld values differ\n", what, (long long)bad,
           (long long)n);
    ++failures;
  }
  /* Free unless the result lies in an operand (or a constant, which the
   * compiled code copies anyway). */
  for (int i = 0; i < num_operands; ++i) {
    const char *begin = (const char *)operands[i].data;
    int64_t bytes =
        sizeof(float) * num_elements(operands[i].rank, operands[i].sizes);
    if (allocated >= begin && allocated < begin + bytes)
      return;
  }
  free(allocated);
}

static recur_host_entry lookup(void *lib, const char *name) {
  recur_host_entry entry;
  *(void **)&entry = dlsym(lib, name);
  if (!entry) {
    printf("FAIL: no %s in the shared object\n", name);
    exit(1);
  }
  return entry;
}

/*===--- minGRU (examples/mingru.mlir) ---------------------------------------===*/

static void mingru_case(void *lib, const char *name, int64_t T, int64_t B,
                        const float *x, const float *h0, const float *wz,
                        const float *wh, const double *want_hT) {
  enum { I = 3, H = 4 };
  int64_t xs[] = {T, B, I}, hs0[] = {B, H}, ws[] = {I, H};
  array ops[4] = {make_array(3, xs, x), make_array(2, hs0, h0),
                  make_array(2, ws, wz), make_array(2, ws, wh)};
  void *operands[4];
  for (int i = 0; i < 4; ++i)
    operands[i] = ops[i].words;
  /* Results: hT [B, H] (rank 2), then hs [T, B, H] (rank 3). */
  int64_t results[RECUR_HOST_DESCRIPTOR_WORDS(2) +
                  RECUR_HOST_DESCRIPTOR_WORDS(3)];
  memset(results, 0xab, sizeof(results));
  long calls_before = atomic_load(&calls);
  lookup(lib, "__recur_entry_mingru")(&env, operands, results);

  /* h_t = (1 - z) h + z (x_t Wh), z = sigmoid(x_t Wz) */
  double *h = malloc(sizeof(double) * (B * H + 1));
  double *hs = malloc(sizeof(double) * (T * B * H + 1));
  for (int64_t i = 0; i < B * H; ++i)
    h[i] = h0[i];
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int j = 0; j < H; ++j) {
        double zp = 0, c = 0;
        for (int k = 0; k < I; ++k) {
          zp += (double)x[(t * B + b) * I + k] * wz[k * H + j];
          c += (double)x[(t * B + b) * I + k] * wh[k * H + j];
        }
        double z = 1 / (1 + exp(-zp));
        h[b * H + j] = (1 - z) * h[b * H + j] + z * c;
        hs[(t * B + b) * H + j] = h[b * H + j];
      }
  int failures_before = failures;
  if (want_hT) /* numpy's values for the same inputs */
    for (int64_t i = 0; i < B * H; ++i)
      if (fabs(h[i] - want_hT[i]) > 1e-5) {
        printf("FAIL %s: the C reference disagrees with numpy\n", name);
        ++failures;
        break;
      }
  char what[64];
  int64_t hT_sizes[] = {B, H}, hs_sizes[] = {T, B, H};
  snprintf(what, sizeof(what), "%s hT", name);
  check_result(what, results, 2, hT_sizes, h, ops, 4);
  snprintf(what, sizeof(what), "%s hs", name);
  check_result(what, results + RECUR_HOST_DESCRIPTOR_WORDS(2), 3, hs_sizes, hs,
               ops, 4);
  if (failures == failures_before)
    printf("ok mingru %s: T=%lld B=%lld, %ld parallel_for calls\n", name,
           (long long)T, (long long)B, atomic_load(&calls) - calls_before);
  free(h);
  free(hs);
  for (int i = 0; i < 4; ++i)
    free(ops[i].data);
}

static void run_mingru(void *lib, int64_t min_T) {
  /* test/Passes/Pipelines/parallelize-mingru.mlir's inputs and numpy's hT. */
  static const float x[] = {
      -0.74, -0.0,  0.2,   -0.94, -0.7,  0.86,  -0.86, -0.74, 0.9,   0.24,
      -0.26, 0.02,  0.33,  -0.45, -0.72, 0.58,  0.34,  0.02,  0.63,  0.1,
      0.96,  -0.59, 0.11,  -0.03, -0.29, 0.18,  -0.53, 0.6,   0.73,  -0.74,
      -0.07, -0.45, -0.83, 0.79,  -0.14, -0.7,  0.35,  -0.6,  0.8,   -0.57,
      -0.93, -0.6,  -0.31, -0.06, 0.81,  0.39,  -0.32, -0.97, -0.68, 0.99,
      -0.08, 0.38,  -0.89, -0.93, 0.69,  0.18,  -0.38, -0.37, -0.82, -0.65,
      -0.95, 0.68,  -0.07, -0.75, 0.48,  -0.61, -0.88, 0.2,   0.79,  -0.95,
      0.61,  -0.62, -0.81, -0.96, -0.41, 0.45,  -0.01, 0.71};
  static const float h0[] = {0.57, 0.79, 0.52, -0.93, -0.28, -0.67, 1.0, -0.71};
  static const float wz[] = {-0.57, -0.37, -0.48, 0.96,  0.88, -0.32,
                             -0.13, -0.37, 0.49,  -0.92, -0.87, -0.19};
  static const float wh[] = {-0.51, 0.69, 0.48, 0.09,  0.32, 0.38,
                             0.56,  0.86, -0.7, 0.25, -0.71, -0.11};
  static const double hT[] = {0.2255258,  -0.8070527, -0.5363309,
                              -0.2452503, 0.09501589, -0.2416996,
                              0.1199302,  -0.05452734};
  mingru_case(lib, "numpy", 13, 2, x, h0, wz, wh, hT);

  /* Larger, and empty along each dynamic dimension. */
  const int64_t shapes[][2] = {{37, 5}, {1, 7}, {6, 0}, {0, 3}};
  for (int s = 0; s < 4; ++s) {
    int64_t T = shapes[s][0], B = shapes[s][1];
    if (T < min_T)
      continue;
    float *rx = fill(T * B * 3, 1 + s), *rh = fill(B * 4, 11 + s);
    float *rwz = fill(12, 21 + s), *rwh = fill(12, 31 + s);
    char name[32];
    snprintf(name, sizeof(name), "random%d", s);
    mingru_case(lib, name, T, B, rx, rh, rwz, rwh, NULL);
    free(rx);
    free(rh);
    free(rwz);
    free(rwh);
  }
}

/*===--- kernels (exec-kernels.mlir) -----------------------------------------===*/

static void run_kernels(void *lib) {
  /* @dense_tanh(x [M, K], w [K, N], b []) -> tanh(x w + b) [M, N]; the last
   * case with no env at all (loops run on the calling thread). N = 130:
   * whole column tiles of the matmul kernel and a tail, w packed (18 rows)
   * or read in place (3 rows); 17 rows leave a row past the last whole
   * row tile with 3- and 4-row tiles alike. */
  const int64_t dims[][3] = {{9, 5, 7},   {1, 3, 1},    {0, 4, 6},
                             {4, 2, 0},   {18, 5, 130}, {3, 7, 130},
                             {17, 6, 128}, {6, 3, 5}};
  const int numCases = sizeof dims / sizeof dims[0];
  for (int s = 0; s < numCases; ++s) {
    const recur_host_env *call_env = s < numCases - 1 ? &env : NULL;
    long calls_before = atomic_load(&calls);
    int64_t M = dims[s][0], K = dims[s][1], N = dims[s][2];
    float *x = fill(M * K, 3 + s), *w = fill(K * N, 5 + s), b = 0.25f;
    int64_t xs[] = {M, K}, ws[] = {K, N};
    array ops[3] = {make_array(2, xs, x), make_array(2, ws, w),
                    make_array(0, NULL, &b)};
    void *operands[3] = {ops[0].words, ops[1].words, ops[2].words};
    int64_t results[RECUR_HOST_DESCRIPTOR_WORDS(2)];
    lookup(lib, "__recur_entry_dense_tanh")(call_env, operands, results);
    double *want = malloc(sizeof(double) * (M * N + 1));
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k)
          acc += (double)x[i * K + k] * w[k * N + j];
        want[i * N + j] = tanh(acc + b);
      }
    int failures_before = failures;
    int64_t sizes[] = {M, N};
    check_result("dense_tanh", results, 2, sizes, want, ops, 3);
    if (!call_env && atomic_load(&calls) != calls_before) {
      printf("FAIL dense_tanh: parallel_for called without an env\n");
      ++failures;
    }
    if (failures == failures_before)
      printf("ok dense_tanh: M=%lld K=%lld N=%lld%s\n", (long long)M,
             (long long)K, (long long)N, call_env ? "" : ", no env");
    free(want);
    for (int i = 0; i < 3; ++i)
      free(ops[i].data);
    free(x);
    free(w);
  }

  /* @dense_bias(x [M, K], w [K, 64], z [M, 64], bias [64], r [M]) ->
   * x w + z + bias + r [M, 64]. */
  /* Rows past the last whole row tile (3 or 4 rows a tile) run one at a
   * time, their sums started the same way. */
  const int64_t biasDims[][2] = {{9, 5}, {10, 3}, {23, 4}};
  for (int s = 0; s < 3; ++s) {
    int64_t M = biasDims[s][0], K = biasDims[s][1], N = 64;
    float *x = fill(M * K, 11 + s), *w = fill(K * N, 13 + s),
          *z = fill(M * N, 17 + s), *bias = fill(N, 19 + s),
          *r = fill(M, 23 + s);
    int64_t xs[] = {M, K}, ws[] = {K, N}, zs[] = {M, N}, bs[] = {N},
            rs[] = {M};
    array ops[5] = {make_array(2, xs, x), make_array(2, ws, w),
                    make_array(2, zs, z), make_array(1, bs, bias),
                    make_array(1, rs, r)};
    void *operands[5];
    for (int i = 0; i < 5; ++i)
      operands[i] = ops[i].words;
    int64_t results[RECUR_HOST_DESCRIPTOR_WORDS(2)];
    lookup(lib, "__recur_entry_dense_bias")(&env, operands, results);
    double *want = malloc(sizeof(double) * M * N);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double acc = (double)z[i * N + j] + bias[j] + r[i];
        for (int64_t k = 0; k < K; ++k)
          acc += (double)x[i * K + k] * w[k * N + j];
        want[i * N + j] = acc;
      }
    int failures_before = failures;
    int64_t sizes[] = {M, N};
    check_result("dense_bias", results, 2, sizes, want, ops, 5);
    if (failures == failures_before)
      printf("ok dense_bias: M=%lld K=%lld\n", (long long)M, (long long)K);
    free(want);
    for (int i = 0; i < 5; ++i)
      free(ops[i].data);
    free(x);
    free(w);
    free(z);
    free(bias);
    free(r);
  }

  /* @row_sums(x [M, N]) -> sum over N [M]: the reduction stays inside the
   * parallel loop over rows. */
  int64_t M = 11, N = 6, xs[] = {M, N};
  float *x = fill(M * N, 7);
  array op = make_array(2, xs, x);
  void *operands[1] = {op.words};
  int64_t results[RECUR_HOST_DESCRIPTOR_WORDS(1)];
  lookup(lib, "__recur_entry_row_sums")(&env, operands, results);
  double want[11];
  for (int64_t i = 0; i < M; ++i) {
    want[i] = 0;
    for (int64_t j = 0; j < N; ++j)
      want[i] += x[i * N + j];
  }
  int failures_before = failures;
  check_result("row_sums", results, 1, &M, want, &op, 1);
  if (failures == failures_before)
    printf("ok row_sums: M=%lld N=%lld\n", (long long)M, (long long)N);
  free(op.data);
  free(x);
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4 ||
      (argc == 4 && strncmp(argv[3], "min-T=", 6) != 0)) {
    fprintf(stderr, "usage: %s LIB.so mingru|kernels [min-T=N]\n", argv[0]);
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    printf("FAIL dlopen: %s\n", dlerror());
    return 1;
  }
  uint32_t (*version)(void);
  *(void **)&version = dlsym(lib, RECUR_HOST_ABI_VERSION_SYMBOL);
  if (!version || version() != RECUR_HOST_ABI_VERSION) {
    printf("FAIL: ABI version %u, expected %u\n", version ? version() : 0,
           RECUR_HOST_ABI_VERSION);
    return 1;
  }
  if (strcmp(argv[2], "mingru") == 0)
    run_mingru(lib, argc == 4 ? atoll(argv[3] + 6) : 0);
  else
    run_kernels(lib);
  printf("%s: %ld parallel_for calls, %ld iterations, %ld ranges on "
         "worker threads\n",
         failures ? "FAILED" : "PASSED", atomic_load(&calls),
         atomic_load(&iterations), atomic_load(&worker_ranges));
  if (atomic_load(&worker_ranges) == 0) {
    printf("FAIL: no range ran on a worker thread\n");
    ++failures;
  }
  dlclose(lib);
  return failures ? 1 : 0;
}

/*===- fake_kernels.c - hand-written host code for the runtime's tests ----===*
 *
 * A stand-in for what recur-compile generates: a shared object implementing
 * the host ABI (runtime/include/recur/host_abi.h) by hand. Each entry tests
 * one thing the runtime must get right: ownership of results, aliasing,
 * strided and offset results, parallel_for, constants. Built three times:
 * as is, with FAKE_ABI_VERSION set to a version the runtime must refuse, and
 * with FAKE_NO_ABI_SYMBOL (no __recur_host_abi_version at all).
 *
 *===----------------------------------------------------------------------===*/

#include "recur/host_abi.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#ifndef FAKE_ABI_VERSION
#define FAKE_ABI_VERSION RECUR_HOST_ABI_VERSION
#endif

#define EXPORT __attribute__((visibility("default")))

typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
} Desc0;

typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} Desc1;

typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} Desc2;

#ifndef FAKE_NO_ABI_SYMBOL
EXPORT uint32_t __recur_host_abi_version(void) { return FAKE_ABI_VERSION; }
#endif

static const float *input1(void **operands, int k, int64_t *n) {
  const Desc1 *d = (const Desc1 *)operands[k];
  *n = d->sizes[0];
  return (const float *)d->aligned + d->offset;
}

static void setResult1(Desc1 *r, void *p, int64_t n) {
  r->allocated = p;
  r->aligned = p;
  r->offset = 0;
  r->sizes[0] = n;
  r->strides[0] = 1;
}

static float *allocFloats(int64_t n) {
  return (float *)malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
}

/* y = x + 1 */
EXPORT void add_one(const recur_host_env *env, void **operands, void *results) {
  (void)env;
  int64_t n;
  const float *x = input1(operands, 0, &n);
  float *y = allocFloats(n);
  for (int64_t i = 0; i < n; ++i)
    y[i] = x[i] + 1.0f;
  setResult1((Desc1 *)results, y, n);
}

struct AddOneData {
  const float *x;
  float *y;
};

static void addOneBody(void *data, int64_t begin, int64_t end) {
  struct AddOneData *d = (struct AddOneData *)data;
  for (int64_t i = begin; i < end; ++i)
    d->y[i] = d->x[i] + 1.0f;
}

/* y = x + 1, over env->parallel_for */
EXPORT void add_one_parallel(const recur_host_env *env, void **operands,
                             void *results) {
  int64_t n;
  struct AddOneData d;
  d.x = input1(operands, 0, &n);
  d.y = allocFloats(n);
  env->parallel_for(env->ctx, n, addOneBody, &d);
  setResult1((Desc1 *)results, d.y, n);
}

/* (a + b, a * b) */
EXPORT void add_mul(const recur_host_env *env, void **operands, void *results) {
  (void)env;
  int64_t n, m;
  const float *a = input1(operands, 0, &n);
  const float *b = input1(operands, 1, &m);
  float *sum = allocFloats(n), *product = allocFloats(n);
  for (int64_t i = 0; i < n; ++i) {
    sum[i] = a[i] + b[i];
    product[i] = a[i] * b[i];
  }
  Desc1 *r = (Desc1 *)results;
  setResult1(&r[0], sum, n);
  setResult1(&r[1], product, n);
}

/* Returns its input's own memory: the runtime must copy, not free. */
EXPORT void alias_input(const recur_host_env *env, void **operands,
                        void *results) {
  (void)env;
  *(Desc1 *)results = *(const Desc1 *)operands[0];
}

/* The same malloc'ed buffer as both results: one owner, one copy. */
EXPORT void same_buffer_twice(const recur_host_env *env, void **operands,
                              void *results) {
  (void)env;
  int64_t n;
  const float *x = input1(operands, 0, &n);
  float *y = allocFloats(n);
  for (int64_t i = 0; i < n; ++i)
    y[i] = x[i] + 1.0f;
  Desc1 *r = (Desc1 *)results;
  setResult1(&r[0], y, n);
  setResult1(&r[1], y, n);
}

/* A result inside the shared object (a constant): the runtime copies it. */
static float kTable[4] = {10.0f, 20.0f, 30.0f, 40.0f};
EXPORT void static_table(const recur_host_env *env, void **operands,
                         void *results) {
  (void)env;
  (void)operands;
  setResult1((Desc1 *)results, kTable, 4);
}

/* The transpose of a matrix as a strided view of a copy of it: sizes
 * [cols, rows], strides [1, cols]. The runtime copies and frees. */
EXPORT void transpose_view(const recur_host_env *env, void **operands,
                           void *results) {
  (void)env;
  const Desc2 *x = (const Desc2 *)operands[0];
  int64_t rows = x->sizes[0], cols = x->sizes[1];
  float *copy = allocFloats(rows * cols);
  memcpy(copy, (const float *)x->aligned + x->offset,
         (size_t)(rows * cols) * sizeof(float));
  Desc2 *r = (Desc2 *)results;
  r->allocated = copy;
  r->aligned = copy;
  r->offset = 0;
  r->sizes[0] = cols;
  r->sizes[1] = rows;
  r->strides[0] = 1;
  r->strides[1] = cols;
}

/* y = x + 1, three elements into its allocation (offset 3). */
EXPORT void offset_result(const recur_host_env *env, void **operands,
                          void *results) {
  (void)env;
  int64_t n;
  const float *x = input1(operands, 0, &n);
  float *p = allocFloats(n + 3);
  for (int64_t i = 0; i < n; ++i)
    p[3 + i] = x[i] + 1.0f;
  Desc1 *r = (Desc1 *)results;
  setResult1(r, p, n);
  r->offset = 3;
}

/* Returns one element more than it was given: a broken callee. */
EXPORT void bad_size(const recur_host_env *env, void **operands,
                     void *results) {
  (void)env;
  int64_t n;
  const float *x = input1(operands, 0, &n);
  float *y = allocFloats(n + 1);
  for (int64_t i = 0; i < n; ++i)
    y[i] = x[i];
  y[n] = 0.0f;
  setResult1((Desc1 *)results, y, n + 1);
}

/* Returns NULL for a non-empty result: a broken callee. */
EXPORT void null_result(const recur_host_env *env, void **operands,
                        void *results) {
  (void)env;
  int64_t n;
  input1(operands, 0, &n);
  setResult1((Desc1 *)results, NULL, n);
}

/* y = x * w, w a constant of the module. */
EXPORT void scale_const(const recur_host_env *env, void **operands,
                        void *results) {
  (void)env;
  int64_t n, m;
  const float *x = input1(operands, 0, &n);
  const float *w = input1(operands, 1, &m);
  float *y = allocFloats(n);
  for (int64_t i = 0; i < n; ++i)
    y[i] = x[i] * w[i % m];
  setResult1((Desc1 *)results, y, n);
}

/* A scalar f64: y = 2 x. */
EXPORT void scalar_double(const recur_host_env *env, void **operands,
                          void *results) {
  (void)env;
  const Desc0 *x = (const Desc0 *)operands[0];
  double *y = (double *)malloc(sizeof(double));
  *y = 2.0 * *((const double *)x->aligned + x->offset);
  Desc0 *r = (Desc0 *)results;
  r->allocated = y;
  r->aligned = y;
  r->offset = 0;
}

/* parallel_for coverage: counts[i] = how often index i was visited;
 * nested[i] = 1 when a parallel_for called from the body that covered i
 * ran inline (completely, on the same thread, before returning). */
struct CoverData {
  const recur_host_env *env;
  int32_t *counts;
  int32_t *nested;
};

struct NestedData {
  pthread_t thread;
  int64_t covered;
  int sameThread;
};

static void nestedBody(void *data, int64_t begin, int64_t end) {
  struct NestedData *d = (struct NestedData *)data;
  __atomic_add_fetch(&d->covered, end - begin, __ATOMIC_SEQ_CST);
  if (!pthread_equal(pthread_self(), d->thread))
    d->sameThread = 0;
}

static void coverBody(void *data, int64_t begin, int64_t end) {
  struct CoverData *d = (struct CoverData *)data;
  for (int64_t i = begin; i < end; ++i)
    __atomic_add_fetch(&d->counts[i], 1, __ATOMIC_SEQ_CST);
  struct NestedData nd;
  nd.thread = pthread_self();
  nd.covered = 0;
  nd.sameThread = 1;
  d->env->parallel_for(d->env->ctx, 5, nestedBody, &nd);
  int ok = nd.covered == 5 && nd.sameThread;
  for (int64_t i = begin; i < end; ++i)
    d->nested[i] = ok;
}

EXPORT void cover(const recur_host_env *env, void **operands, void *results) {
  int64_t n;
  input1(operands, 0, &n);
  struct CoverData d;
  d.env = env;
  d.counts = (int32_t *)calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t));
  d.nested = (int32_t *)calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t));
  env->parallel_for(env->ctx, n, coverBody, &d);
  Desc1 *r = (Desc1 *)results;
  setResult1(&r[0], d.counts, n);
  setResult1(&r[1], d.nested, n);
}

/* Two Newton reports, as compiled code makes them (skipped when
 * report_newton is NULL): x is i64[4] = iterations and converged of solve
 * 0, then of solve 1. y is i64[2]: whether report_newton was there, and
 * whether device_read was (the host device gives none). */
EXPORT void newton_report(const recur_host_env *env, void **operands,
                          void *results) {
  const Desc1 *x = (const Desc1 *)operands[0];
  const int64_t *v = (const int64_t *)x->aligned + x->offset;
  if (env->report_newton) {
    env->report_newton(env->ctx, 0, v[0], v[1]);
    env->report_newton(env->ctx, 1, v[2], v[3]);
  }
  int64_t *y = (int64_t *)malloc(2 * sizeof(int64_t));
  y[0] = env->report_newton != NULL;
  y[1] = env->device_read != NULL;
  setResult1((Desc1 *)results, y, 2);
}

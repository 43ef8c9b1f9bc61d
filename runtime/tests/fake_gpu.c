/*===- fake_gpu.c - a hand-written sim module for the runtime's tests -----===*
 *
 * A stand-in for what recur-compile generates for the `sim` target: driver
 * entries (host ABI: they allocate device memory and launch kernels through
 * env, never touching tensor data) and kernels written against
 * recur_sim_thread (host_abi.h), one GPU thread per call. Kernel numbers
 * are indices into the kernel table the tests write (GpuTest.cpp, kKernels):
 *
 *   0 vadd         c[i] = a[i] + b[i] for i < n              (no barriers)
 *   1 block_sum    one i32 sum per block of 256, through shared memory
 *   2 warp_ops     warp sum (bfly), prefix (up), broadcast (idx), down,
 *                  segmented sum (bfly, width 8)
 *   3 bad_barrier  a barrier only threads 0..15 reach
 *   4 mark         thread (0,0,0) of block (0,0,0) writes the thread count
 *   5 exit_shuffle lanes 16..31 exit, lanes 0..15 shuffle with all 32
 *
 * Kernel arguments here are plain pointers and counts (args[i] points to
 * each); compiled kernels take expanded memref descriptors, which is the
 * same to the runtime.
 *
 *===----------------------------------------------------------------------===*/

#include "recur/host_abi.h"

#include <stddef.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

enum { VADD, BLOCK_SUM, WARP_OPS, BAD_BARRIER, MARK, EXIT_SHUFFLE };
enum { SHFL_UP, SHFL_DOWN, SHFL_BFLY, SHFL_IDX };

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
} Desc0;

EXPORT uint32_t __recur_host_abi_version(void) {
  return RECUR_HOST_ABI_VERSION;
}

static void *data1(void **operands, int k, int64_t *n) {
  const Desc1 *d = (const Desc1 *)operands[k];
  *n = d->sizes[0];
  return d->aligned; /* offset 0 for operands */
}

static void setResult1(Desc1 *r, void *p, int64_t n) {
  r->allocated = p;
  r->aligned = p;
  r->offset = 0;
  r->sizes[0] = n;
  r->strides[0] = 1;
}

static int64_t linearThread(const recur_sim_thread *t) {
  return t->thread_id[0] + (int64_t)t->thread_id[1] * t->block_dim[0] +
         (int64_t)t->thread_id[2] * t->block_dim[0] * t->block_dim[1];
}

/*--- Kernels --------------------------------------------------------------*/

EXPORT void __recur_sim_kernel_vadd(recur_sim_thread *t, void **args) {
  const float *a = *(const float **)args[0];
  const float *b = *(const float **)args[1];
  float *c = *(float **)args[2];
  int64_t n = *(const int64_t *)args[3];
  int64_t i = (int64_t)t->block_id[0] * t->block_dim[0] + t->thread_id[0];
  if (i < n)
    c[i] = a[i] + b[i];
}

/* Static shared: one int32 (the block's number, written by thread 0).
 * Dynamic shared (16 bytes in): blockDim.x int32 partial sums. */
EXPORT void __recur_sim_kernel_block_sum(recur_sim_thread *t, void **args) {
  const int32_t *x = *(const int32_t **)args[0];
  int32_t *out = *(int32_t **)args[1];
  int64_t n = *(const int64_t *)args[2];
  int32_t *block = (int32_t *)t->shared;
  int32_t *partial = (int32_t *)((char *)t->shared + 16);
  int32_t tid = t->thread_id[0];
  int64_t i = (int64_t)t->block_id[0] * t->block_dim[0] + tid;
  if (tid == 0)
    *block = t->block_id[0];
  partial[tid] = i < n ? x[i] : 0;
  t->barrier(t->sched);
  for (int32_t s = t->block_dim[0] / 2; s > 0; s /= 2) {
    if (tid < s)
      partial[tid] += partial[tid + s];
    t->barrier(t->sched);
  }
  /* Every thread reads what thread 0 wrote before the first barrier. */
  if (tid == t->block_dim[0] - 1)
    out[*block] = partial[0];
}

EXPORT void __recur_sim_kernel_warp_ops(recur_sim_thread *t, void **args) {
  const int32_t *x = *(const int32_t **)args[0];
  int32_t *outs[5];
  for (int k = 0; k < 5; ++k)
    outs[k] = *(int32_t **)args[1 + k];
  int64_t n = *(const int64_t *)args[6];
  int64_t i = (int64_t)t->block_id[0] * t->block_dim[0] * t->block_dim[1] +
              linearThread(t);
  int32_t v = i < n ? x[i] : 0;
  int32_t valid;
  const int32_t full = (int32_t)0xffffffffu;

  int32_t sum = v;
  for (int32_t off = 16; off > 0; off /= 2)
    sum += t->shuffle(t->sched, SHFL_BFLY, sum, off, 0x1f, full, &valid);

  int32_t prefix = v;
  for (int32_t off = 1; off < 32; off *= 2) {
    int32_t got = t->shuffle(t->sched, SHFL_UP, prefix, off, 0, full, &valid);
    if (valid)
      prefix += got;
  }

  int32_t bcast = t->shuffle(t->sched, SHFL_IDX, v, 5, 0x1f, full, &valid);

  int32_t down = t->shuffle(t->sched, SHFL_DOWN, v, 3, 0x1f, full, &valid);
  if (!valid)
    down = -1;

  /* Width 8: c = ((32 - 8) << 8) | 0x1f, as CUDA's __shfl_xor_sync. */
  int32_t seg = v;
  for (int32_t off = 4; off > 0; off /= 2)
    seg += t->shuffle(t->sched, SHFL_BFLY, seg, off, (24 << 8) | 0x1f, full,
                      &valid);

  if (i < n) {
    outs[0][i] = sum;
    outs[1][i] = prefix;
    outs[2][i] = bcast;
    outs[3][i] = down;
    outs[4][i] = seg;
  }
}

EXPORT void __recur_sim_kernel_bad_barrier(recur_sim_thread *t, void **args) {
  int32_t *y = *(int32_t **)args[0];
  if (t->thread_id[0] < 16)
    t->barrier(t->sched);
  y[t->thread_id[0]] = 1;
}

EXPORT void __recur_sim_kernel_mark(recur_sim_thread *t, void **args) {
  int32_t *out = *(int32_t **)args[0];
  if (linearThread(t) == 0 && t->block_id[0] == 0 && t->block_id[1] == 0 &&
      t->block_id[2] == 0)
    *out = t->block_dim[0] * t->block_dim[1] * t->block_dim[2] *
           t->grid_dim[0] * t->grid_dim[1] * t->grid_dim[2];
}

EXPORT void __recur_sim_kernel_exit_shuffle(recur_sim_thread *t, void **args) {
  int32_t *out = *(int32_t **)args[0];
  int32_t valid;
  if (t->lane_id >= 16)
    return;
  *out = t->shuffle(t->sched, SHFL_DOWN, t->lane_id, 1, 0x1f,
                    (int32_t)0xffffffffu, &valid);
}

/*--- Driver entries -------------------------------------------------------*/

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* c = a + b (a, b: inputs or constants). */
EXPORT void gpu_vadd(const recur_host_env *env, void **operands,
                     void *results) {
  int64_t n, m;
  void *a = data1(operands, 0, &n);
  void *b = data1(operands, 1, &m);
  void *c = env->device_alloc(env->ctx, n * (int64_t)sizeof(float));
  void *args[] = {&a, &b, &c, &n};
  if (n > 0)
    env->launch(env->ctx, VADD, ceilDiv(n, 128), 1, 1, 128, 1, 1, 0, args, 4);
  setResult1((Desc1 *)results, c, n);
}

/* One sum per block of 256 elements. */
EXPORT void gpu_block_sum(const recur_host_env *env, void **operands,
                          void *results) {
  int64_t n;
  void *x = data1(operands, 0, &n);
  int64_t blocks = ceilDiv(n, 256);
  void *out = env->device_alloc(env->ctx, blocks * 4);
  void *args[] = {&x, &out, &n};
  if (blocks > 0)
    env->launch(env->ctx, BLOCK_SUM, blocks, 1, 1, 256, 1, 1, 256 * 4, args, 3);
  setResult1((Desc1 *)results, out, blocks);
}

/* Blocks of 32x2 threads (two warps, laid out in x and y). */
EXPORT void gpu_warp_ops(const recur_host_env *env, void **operands,
                         void *results) {
  int64_t n;
  void *x = data1(operands, 0, &n);
  Desc1 *r = (Desc1 *)results;
  void *outs[5];
  for (int k = 0; k < 5; ++k) {
    outs[k] = env->device_alloc(env->ctx, n * 4);
    setResult1(&r[k], outs[k], n);
  }
  void *args[] = {&x, &outs[0], &outs[1], &outs[2], &outs[3], &outs[4], &n};
  if (n > 0)
    env->launch(env->ctx, WARP_OPS, ceilDiv(n, 64), 1, 1, 32, 2, 1, 0, args, 7);
  /* A scratch allocation, freed by the driver itself. */
  env->device_free(env->ctx, env->device_alloc(env->ctx, 4096));
}

EXPORT void gpu_bad_barrier(const recur_host_env *env, void **operands,
                            void *results) {
  int64_t n;
  data1(operands, 0, &n);
  void *y = env->device_alloc(env->ctx, n * 4);
  void *args[] = {&y};
  env->launch(env->ctx, BAD_BARRIER, 1, 1, 1, n, 1, 1, 0, args, 1);
  setResult1((Desc1 *)results, y, n);
}

/* cfg: kernel, grid x y z, block x y z, dynamic shared bytes. Launches
 * `mark` (or whatever kernel cfg names) with one output pointer. */
EXPORT void gpu_launch_cfg(const recur_host_env *env, void **operands,
                           void *results) {
  int64_t n;
  const int64_t *cfg = (const int64_t *)data1(operands, 0, &n);
  /* The configuration is read on the host: fine on sim, where "device"
   * memory is host memory (the tests run this entry on sim only). */
  void *out = env->device_alloc(env->ctx, 4);
  void *args[] = {&out};
  env->launch(env->ctx, cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6],
              cfg[7], args, 1);
  Desc0 *r = (Desc0 *)results;
  r->allocated = out;
  r->aligned = out;
  r->offset = 0;
}

/* Returns its input's device buffer: the runtime copies it, frees nothing. */
EXPORT void gpu_alias(const recur_host_env *env, void **operands,
                      void *results) {
  (void)env;
  *(Desc1 *)results = *(const Desc1 *)operands[0];
}

/* A result with stride 2: refused. Also leaves a scratch allocation live,
 * which the runtime frees. */
EXPORT void gpu_strided(const recur_host_env *env, void **operands,
                        void *results) {
  int64_t n;
  data1(operands, 0, &n);
  void *p = env->device_alloc(env->ctx, 2 * n * 4);
  env->device_alloc(env->ctx, 1000);
  setResult1((Desc1 *)results, p, n);
  ((Desc1 *)results)->strides[0] = 2;
}

/* A result pointing at memory the runtime never gave out: refused. */
static float kWild[64];
EXPORT void gpu_wild(const recur_host_env *env, void **operands,
                     void *results) {
  int64_t n;
  data1(operands, 0, &n);
  env->device_alloc(env->ctx, 64);
  setResult1((Desc1 *)results, kWild, n);
}

/* A result that runs past the end of its allocation: refused. */
EXPORT void gpu_overrun(const recur_host_env *env, void **operands,
                        void *results) {
  int64_t n;
  data1(operands, 0, &n);
  void *p = env->device_alloc(env->ctx, n * 4);
  setResult1((Desc1 *)results, p, n);
  ((Desc1 *)results)->offset = 1;
}

/* Frees its operand's device buffer: refused (and not freed). */
EXPORT void gpu_bad_free(const recur_host_env *env, void **operands,
                         void *results) {
  int64_t n;
  void *x = data1(operands, 0, &n);
  env->device_free(env->ctx, x);
  setResult1((Desc1 *)results, x, n);
}

/* cfg as for gpu_launch_cfg, then cfg[8]: launches `mark`, reads its
 * value back with device_read (which waits for the launch) and reports one
 * Newton solve of that many iterations, converged when cfg[8] is 1. y is
 * the device buffer (the runtime copies it back on its own), so the test
 * can compare the two. */
EXPORT void gpu_read_back(const recur_host_env *env, void **operands,
                          void *results) {
  int64_t n;
  const int64_t *cfg = (const int64_t *)data1(operands, 0, &n);
  void *out = env->device_alloc(env->ctx, 4);
  void *args[] = {&out};
  env->launch(env->ctx, cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6],
              cfg[7], args, 1);
  int32_t value = -7;
  env->device_read(env->ctx, &value, out, 4);
  env->report_newton(env->ctx, 0, value, cfg[8]);
  Desc0 *r = (Desc0 *)results;
  r->allocated = out;
  r->aligned = out;
  r->offset = 0;
}

/* Reads 4 bytes from memory that is no device memory of the call: an
 * error, and the destination zero-filled, which the reported iteration
 * count shows. */
EXPORT void gpu_bad_read(const recur_host_env *env, void **operands,
                         void *results) {
  int64_t n;
  data1(operands, 0, &n);
  int32_t value = 12345;
  env->device_read(env->ctx, &value, kWild, 4);
  env->report_newton(env->ctx, 0, value, 1);
  void *p = env->device_alloc(env->ctx, n * 4);
  setResult1((Desc1 *)results, p, n);
}

/*===- host_abi.h - between host code and the runtime -------------*- C -*-===*
 *
 * What a `host` target's shared object exports and what it expects of the
 * runtime. recur-compile generates code to this contract; the runtime's host
 * device calls it. Bump RECUR_HOST_ABI_VERSION on any change.
 *
 *===----------------------------------------------------------------------===*/
#ifndef RECUR_HOST_ABI_H
#define RECUR_HOST_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RECUR_HOST_ABI_VERSION 4

/* The shared object exports `uint32_t __recur_host_abi_version(void)`,
 * returning RECUR_HOST_ABI_VERSION. */
#define RECUR_HOST_ABI_VERSION_SYMBOL "__recur_host_abi_version"

/* Runs body(data, begin, end) over disjoint ranges that together cover
 * [0, n), possibly on several threads at once, and returns when all have
 * run. Compiled code calls this for its outermost parallel loops; bodies do
 * not call it again. */
typedef void (*recur_host_parallel_body)(void *data, int64_t begin,
                                         int64_t end);

/* What the runtime gives each call. With a NULL env (or a NULL
 * parallel_for), compiled code runs its parallel loops on the calling
 * thread. */
typedef struct recur_host_env {
  void *ctx;
  void (*parallel_for)(void *ctx, int64_t n, recur_host_parallel_body body,
                       void *data);

  /* GPU targets (`cuda`, `sim`) only; NULL for `host`. Their shared object
   * is the driver: it computes sizes and launches kernels, and never reads
   * or writes tensor data itself (all of that happens in kernels), so
   * "device" pointers may point where the host cannot read.
   *
   * device_alloc returns `bytes` of device memory aligned to at least 256
   * bytes (never NULL for bytes > 0 unless an error was recorded);
   * device_free releases it (NULL is ignored). launch runs kernel number
   * `kernel` of the target's kernel table on a grid of blocks with
   * `dynamic_shared_bytes` of dynamic shared memory; args[i] points to the
   * value of the kernel's i-th parameter (cuLaunchKernel's convention; the
   * parameters are the kernel's LLVM parameters: a memref is its descriptor
   * expanded into ptr, ptr, i64 offset, i64 sizes[R], i64 strides[R]).
   * Launches run in order; results are complete when the entry returns.
   *
   * The callbacks cannot fail towards the compiled code: the first error
   * (out of memory, a failed launch) is recorded in ctx, later launches are
   * skipped, device_alloc returns NULL, and the runtime reports the error
   * when the entry returns.
   *
   * Every callback, parallel_for included, gets env->ctx (for GPU targets a
   * per-call context). device_alloc(ctx, 0) returns NULL without an error.
   * A GPU entry's results must be dense row-major (any offset) inside one
   * device_alloc allocation of this call or one operand; the runtime copies
   * them to the host and then frees every allocation of the call that is
   * still live, so the driver need not free what it returns (nor scratch
   * memory, though it may with device_free). */
  void *(*device_alloc)(void *ctx, int64_t bytes);
  void (*device_free)(void *ctx, void *ptr);
  void (*launch)(void *ctx, int64_t kernel, int64_t grid_x, int64_t grid_y,
                 int64_t grid_z, int64_t block_x, int64_t block_y,
                 int64_t block_z, int64_t dynamic_shared_bytes, void **args,
                 int64_t num_args);

  /* Version 3. Any target: compiled code calls report_newton once after
   * each Newton solve of a recurrence (the parallel evaluation of a
   * nonlinear recurrence). `site` numbers the Newton solves of the module
   * (0, 1, ... in the order the compiler made them), `iterations` is the
   * number of Newton iterations run, and `converged` is 1, or 0 when the
   * iteration limit was reached without convergence (or the residual was
   * NaN) and the recurrence was then evaluated sequentially (the answer is still right). May be NULL:
   * compiled code then skips the call. Called only on the entry's calling
   * thread, never inside parallel_for bodies. The runtime sums these into
   * the statistics of the call (runtime.h's recur_session_stat).
   *
   * GPU targets only (NULL for `host`): device_read copies `bytes` from
   * device memory at device_src to host memory at host_dst, after every
   * earlier launch of the call has completed. On an error (recorded in ctx
   * as for the other callbacks, also when one was recorded before)
   * host_dst is zero-filled. The driver reads a convergence flag with it.
   * With a NULL env or a NULL device_read, compiled code copies with
   * memcpy (right only where device memory is host memory). */
  void (*report_newton)(void *ctx, int64_t site, int64_t iterations,
                        int64_t converged);
  void (*device_read)(void *ctx, void *host_dst, const void *device_src,
                      int64_t bytes);

  /* Version 4. Host targets only (NULL for GPU targets): compiled code
   * allocates and frees its buffers with these instead of the C library's
   * malloc/aligned_alloc/free, on the entry's calling thread and inside
   * its parallel_for bodies on any thread (so both must be thread-safe);
   * with a NULL env or NULL fields it calls the C library. host_alloc
   * returns `bytes` (> 0) aligned to at least 64 bytes, or NULL when out of
   * memory; the memory comes from aligned_alloc,
   * so a result built in it may be freed with free() by whoever takes it.
   * host_free takes back what host_alloc returned, and also memory that
   * came from the C library (NULL is ignored). The runtime keeps freed
   * big buffers for the session's later calls instead of returning them to
   * the system (runtime/src/BufferCache.h). */
  void *(*host_alloc)(void *ctx, int64_t bytes);
  void (*host_free)(void *ctx, void *ptr);
} recur_host_env;

/* The `sim` target's kernels: the same NVVM kernels as `cuda`, compiled for
 * the CPU. Kernel `name` of the kernel table is exported as
 *
 *   void __recur_sim_kernel_<name>(recur_sim_thread *thread, void **args);
 *
 * which runs one GPU thread: args as for launch above. What PTX reads from
 * special registers the kernel reads from *thread; barriers and shuffles
 * call back into the runtime, which runs a block's threads as fibers. */
#define RECUR_SIM_KERNEL_PREFIX "__recur_sim_kernel_"

typedef struct recur_sim_thread {
  int32_t thread_id[3]; /* %tid.{x,y,z}    offset 0  */
  int32_t block_dim[3]; /* %ntid           offset 12 */
  int32_t block_id[3];  /* %ctaid          offset 24 */
  int32_t grid_dim[3];  /* %nctaid         offset 36 */
  int32_t lane_id;      /* %laneid         offset 48 */
  int32_t warp_size;    /* WARP_SZ (32)    offset 52 */
  void *shared;         /* the block's shared memory: the kernel's static
                           shared variables at the offsets the compiler laid
                           out, then the dynamic shared memory; 16-byte
                           aligned                        offset 56 */
  void *sched;          /* the runtime's scheduler        offset 64 */
  /* bar.sync 0: returns when every thread of the block has arrived. */
  void (*barrier)(void *sched);                        /* offset 72 */
  /* shfl.sync.MODE.b32 with PTX's semantics: mode 0 up, 1 down, 2 bfly
   * (xor), 3 idx; b the lane or offset, c the packed clamp and segment
   * mask, mask the member mask. Returns the value and stores the
   * predicate (1 when the source lane was in range) in *valid. */
  int32_t (*shuffle)(void *sched, int32_t mode, int32_t value, int32_t b,
                     int32_t c, int32_t mask, int32_t *valid); /* offset 80 */
} recur_sim_thread;

/* A strided memref descriptor of rank R, as MLIR lays it out: two pointers
 * (the allocation, and the aligned start), then int64 offset (in elements),
 * sizes[R] and strides[R] (in elements). 3 + 2R words of 8 bytes. */
#define RECUR_HOST_DESCRIPTOR_WORDS(rank) (3 + 2 * (rank))

/* An entry point (the HostCall's symbol):
 *
 *   void entry(const recur_host_env *env, void **operands, void *results);
 *
 * operands[i] points to the descriptor of operand i (the plan's operands in
 * order: inputs, then constants); the callee only reads operand memory.
 * results points to the descriptors of the results, laid out one after the
 * other (each RECUR_HOST_DESCRIPTOR_WORDS(rank) words); the callee writes
 * them. A result's memory was allocated with the C library's malloc, and
 * the caller frees its `allocated` pointer with free(), unless that pointer
 * lies inside an operand or inside the shared object (a constant): then the
 * caller copies the data and frees nothing. */
typedef void (*recur_host_entry)(const recur_host_env *env, void **operands,
                                 void *results);

#ifdef __cplusplus
}
#endif

#endif /* RECUR_HOST_ABI_H */

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

#define RECUR_HOST_ABI_VERSION 1

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
} recur_host_env;

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

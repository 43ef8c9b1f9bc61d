/*===- runtime.h - the Recur runtime's C API ----------------------*- C -*-===*
 *
 * Load a compiled module (.rmod), create a device and a session, call a
 * function. Links nothing from MLIR or LLVM. See docs/runtime.md.
 *
 * Conventions: functions that can fail return a recur_status, NULL on
 * success; a non-NULL status carries a code and a message and is freed with
 * recur_status_free. Objects are released with their *_release function;
 * releasing NULL does nothing. A module may be shared by several sessions;
 * a session keeps its module and device alive. One session runs one call
 * at a time; different sessions may run concurrently.
 *
 *===----------------------------------------------------------------------===*/
#ifndef RECUR_RUNTIME_H
#define RECUR_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RECUR_RUNTIME_BUILDING) && defined(__GNUC__)
#define RECUR_API __attribute__((visibility("default")))
#else
#define RECUR_API
#endif

/*--- Status ----------------------------------------------------------------*/

typedef enum recur_status_code {
  RECUR_OK = 0,
  RECUR_INVALID_ARGUMENT = 1, /* the caller passed something wrong */
  RECUR_INVALID_MODULE = 2,   /* the module file is malformed */
  RECUR_NOT_FOUND = 3,        /* no such file, function or device */
  RECUR_UNAVAILABLE = 4,      /* the device cannot run this module */
  RECUR_OUT_OF_MEMORY = 5,
  RECUR_IO_ERROR = 6,
  RECUR_INTERNAL = 7,
} recur_status_code;

typedef struct recur_status_s *recur_status;

RECUR_API recur_status_code recur_status_get_code(recur_status status);
/* The message; "" for NULL. Valid until the status is freed. */
RECUR_API const char *recur_status_get_message(recur_status status);
RECUR_API void recur_status_free(recur_status status);
RECUR_API const char *recur_status_code_name(recur_status_code code);

/*--- Element types ---------------------------------------------------------*/

/* Values equal the module format's DType. */
typedef enum recur_dtype {
  RECUR_DTYPE_INVALID = 0,
  RECUR_DTYPE_F32 = 1,
  RECUR_DTYPE_F64 = 2,
  RECUR_DTYPE_F16 = 3,
  RECUR_DTYPE_BF16 = 4,
  RECUR_DTYPE_I1 = 5, /* one byte per element, 0 or 1 */
  RECUR_DTYPE_I8 = 6,
  RECUR_DTYPE_I16 = 7,
  RECUR_DTYPE_I32 = 8,
  RECUR_DTYPE_I64 = 9,
  RECUR_DTYPE_U8 = 10,
} recur_dtype;

/* Bytes per element; 0 for an invalid dtype. */
RECUR_API size_t recur_dtype_size(recur_dtype dtype);
/* "f32", "i64", ...; "invalid" otherwise. */
RECUR_API const char *recur_dtype_name(recur_dtype dtype);

/*--- Tensors ---------------------------------------------------------------*/

/* A dense row-major tensor on the host. */
typedef struct recur_tensor_s recur_tensor;

/* A new zero-filled tensor that owns its storage. shape may be NULL when
 * rank is 0. */
RECUR_API recur_status recur_tensor_create(recur_dtype dtype, int32_t rank,
                                           const int64_t *shape,
                                           recur_tensor **out);
/* A tensor over the caller's memory (not copied, not freed; it must outlive
 * the tensor). byte_size must equal the shape's size in bytes. */
RECUR_API recur_status recur_tensor_wrap(recur_dtype dtype, int32_t rank,
                                         const int64_t *shape, void *data,
                                         size_t byte_size, recur_tensor **out);
/* Any thread; NULL is ignored. A session's output tensor gives its memory
 * back to the session for later calls (or frees it once the session is
 * gone). */
RECUR_API void recur_tensor_release(recur_tensor *tensor);
RECUR_API recur_dtype recur_tensor_dtype(const recur_tensor *tensor);
RECUR_API int32_t recur_tensor_rank(const recur_tensor *tensor);
RECUR_API const int64_t *recur_tensor_shape(const recur_tensor *tensor);
RECUR_API size_t recur_tensor_element_count(const recur_tensor *tensor);
RECUR_API size_t recur_tensor_byte_size(const recur_tensor *tensor);
RECUR_API void *recur_tensor_data(recur_tensor *tensor);

/*--- Modules ---------------------------------------------------------------*/

typedef struct recur_module_s recur_module;

/* Loads and verifies a module: a truncated, corrupted or hostile file is
 * an error with a message (RECUR_INVALID_MODULE), never a crash. */
RECUR_API recur_status recur_module_load_file(const char *path,
                                              recur_module **out);
/* Same, from memory (copied; the caller keeps its buffer). */
RECUR_API recur_status recur_module_load_memory(const void *data, size_t size,
                                                recur_module **out);
RECUR_API void recur_module_release(recur_module *module);

RECUR_API size_t recur_module_function_count(const recur_module *module);
/* The name of function i; NULL when out of range. */
RECUR_API const char *recur_module_function_name(const recur_module *module,
                                                 size_t function);
/* The index of the function called name. */
RECUR_API recur_status recur_module_find_function(const recur_module *module,
                                                  const char *name,
                                                  size_t *function);

/* An input or output of a function, as the module declares it. The
 * pointers stay valid while the module lives. */
typedef struct recur_param_info {
  const char *name;
  recur_dtype dtype;
  int32_t rank;
  const int64_t *shape; /* rank entries; -1 for a dynamic dimension */
} recur_param_info;

RECUR_API size_t recur_function_input_count(const recur_module *module,
                                            size_t function);
RECUR_API size_t recur_function_output_count(const recur_module *module,
                                             size_t function);
RECUR_API recur_status recur_function_input_info(const recur_module *module,
                                                 size_t function, size_t input,
                                                 recur_param_info *info);
RECUR_API recur_status recur_function_output_info(const recur_module *module,
                                                  size_t function,
                                                  size_t output,
                                                  recur_param_info *info);

/*--- Devices ---------------------------------------------------------------*/

typedef struct recur_device_s recur_device;

typedef struct recur_device_options {
  /* Threads of the host or sim device's pool; 0 means one per core. The
   * cuda device ignores it. */
  int32_t num_threads;
} recur_device_options;

/* name: "host" (the CPU), "sim" (a module's GPU kernels run on the CPU
 * with GPU semantics) or "cuda" (GPU 0 through NVIDIA's driver, loaded at
 * run time; RECUR_UNAVAILABLE where there is no driver or GPU). options may
 * be NULL for the defaults. */
RECUR_API recur_status recur_device_create(const char *name,
                                           const recur_device_options *options,
                                           recur_device **out);
RECUR_API void recur_device_release(recur_device *device);
RECUR_API const char *recur_device_name(const recur_device *device);

/*--- Sessions --------------------------------------------------------------*/

typedef struct recur_session_s recur_session;

/* Prepares module's code for device (for host: loads its shared object,
 * from memory where the OS allows). Fails with RECUR_UNAVAILABLE when the
 * module has no code the device can run. */
RECUR_API recur_status recur_session_create(recur_device *device,
                                            recur_module *module,
                                            recur_session **out);
RECUR_API void recur_session_release(recur_session *session);

/* Calls function with inputs (in the order of the function's inputs; each
 * must match the declared dtype, rank and static sizes, and dynamic sizes
 * that the module says are equal must be). On success outputs[i] is a new
 * tensor the caller releases; on failure outputs are left NULL. */
RECUR_API recur_status recur_session_call(recur_session *session,
                                          const char *function,
                                          recur_tensor *const *inputs,
                                          size_t num_inputs,
                                          recur_tensor **outputs,
                                          size_t num_outputs);

/* Statistics of a session's last call (reset when each recur_session_call
 * starts, including calls that fail). Newton: the parallel evaluation of a
 * nonlinear recurrence by Newton's method (docs/passes.md); each solve
 * reports its iterations, and a solve that did not converge (its
 * iteration limit reached, or a NaN residual) finished sequentially (its
 * result is still right). */
typedef enum recur_stat {
  RECUR_STAT_NEWTON_SOLVES = 0,         /* Newton solves run */
  RECUR_STAT_NEWTON_ITERATIONS = 1,     /* their iterations, in total */
  RECUR_STAT_NEWTON_MAX_ITERATIONS = 2, /* the most iterations of one solve */
  RECUR_STAT_NEWTON_FALLBACKS = 3,      /* solves that did not converge */
} recur_stat;

/* The value of `stat` for the session's last call (0 before any call); -1
 * for an unknown stat or a NULL session. Not meaningful while a call of the
 * session is running. */
RECUR_API int64_t recur_session_stat(const recur_session *session,
                                     recur_stat stat);

#ifdef __cplusplus
}
#endif

#endif /* RECUR_RUNTIME_H */

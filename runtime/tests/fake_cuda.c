/*===- fake_cuda.c - a stand-in for NVIDIA's driver library, for tests ----===*
 *
 * Exports the driver API functions the cuda device looks up, so that its
 * code runs on machines without a GPU. Environment:
 *
 *   FAKE_CUDA_INIT  what cuInit returns (default 100, CUDA_ERROR_NO_DEVICE)
 *   FAKE_CUDA_SM    with FAKE_CUDA_INIT=0: one GPU of this compute
 *                   capability (e.g. 86); unset: no GPU
 *   FAKE_CUDA_FAIL  cuCtxSynchronize reports CUDA_ERROR_LAUNCH_FAILED after
 *                   any launch (an asynchronous kernel fault)
 *
 * "Device" memory is host memory. Loading an image records its text
 * (fake_cuda_last_image); an image containing "BROKEN" fails to load.
 * Kernels "vadd" and "mark" run on the CPU with fake_gpu.c's arguments;
 * "nope" is missing; any other kernel exists but fails to launch.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* cuda.h's opaque types (function types must match the runtime's). */
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;

enum {
  SUCCESS = 0,
  INVALID_VALUE = 1,
  OUT_OF_MEMORY = 2,
  NO_DEVICE = 100,
  INVALID_CONTEXT = 201,
  INVALID_PTX = 218,
  NOT_FOUND = 500,
  LAUNCH_FAILED = 719,
};

static char lastImage[256];
static int pending;
static long live;

EXPORT const char *fake_cuda_last_image(void) { return lastImage; }
EXPORT long fake_cuda_live_allocations(void) { return live; }

EXPORT int cuGetErrorName(int r, const char **s) {
  switch (r) {
  case NO_DEVICE:
    *s = "CUDA_ERROR_NO_DEVICE";
    return 0;
  case INVALID_PTX:
    *s = "CUDA_ERROR_INVALID_PTX";
    return 0;
  case NOT_FOUND:
    *s = "CUDA_ERROR_NOT_FOUND";
    return 0;
  case LAUNCH_FAILED:
    *s = "CUDA_ERROR_LAUNCH_FAILED";
    return 0;
  default:
    *s = "CUDA_ERROR_UNKNOWN";
    return 0;
  }
}
EXPORT int cuGetErrorString(int r, const char **s) {
  *s = r == NO_DEVICE       ? "no CUDA-capable device is detected"
       : r == LAUNCH_FAILED ? "unspecified launch failure"
                            : "fake error";
  return 0;
}
EXPORT int cuInit(unsigned flags) {
  (void)flags;
  const char *v = getenv("FAKE_CUDA_INIT");
  return v ? atoi(v) : NO_DEVICE;
}
EXPORT int cuDeviceGetCount(int *n) {
  *n = getenv("FAKE_CUDA_SM") ? 1 : 0;
  return 0;
}
EXPORT int cuDeviceGet(int *d, int ordinal) {
  *d = ordinal;
  return ordinal == 0 ? SUCCESS : INVALID_VALUE;
}
EXPORT int cuDeviceGetAttribute(int *v, int attribute, int device) {
  (void)device;
  int sm = atoi(getenv("FAKE_CUDA_SM"));
  if (attribute == 75)
    *v = sm / 10;
  else if (attribute == 76)
    *v = sm % 10;
  else
    return INVALID_VALUE;
  return 0;
}
EXPORT int cuDeviceGetName(char *name, int len, int device) {
  (void)device;
  snprintf(name, (size_t)len, "Fake GPU");
  return 0;
}
EXPORT int cuDevicePrimaryCtxRetain(CUcontext *ctx, int device) {
  (void)device;
  *ctx = (CUcontext)0x1;
  return 0;
}
EXPORT int cuDevicePrimaryCtxRelease_v2(int device) {
  (void)device;
  return 0;
}
EXPORT int cuCtxSetCurrent(CUcontext ctx) {
  return ctx == (CUcontext)0x1 ? SUCCESS : INVALID_CONTEXT;
}
EXPORT int cuCtxSynchronize(void) {
  int r = pending;
  pending = 0;
  return r;
}
EXPORT int cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned n,
                              int *options, void **values) {
  const char *text = (const char *)image;
  /* PTX must arrive NUL-terminated; a cubin is an ELF file. */
  if (memcmp(text,
             "\x7f"
             "ELF",
             4) == 0)
    text += 4;
  snprintf(lastImage, sizeof(lastImage), "%s", text);
  if (strstr(text, "BROKEN")) {
    for (unsigned i = 0; i + 1 < n; ++i)
      if (options[i] == 5 && options[i + 1] == 6)
        snprintf((char *)values[i], (size_t)(uintptr_t)values[i + 1],
                 "ptxas fatal   : fake syntax error");
    return INVALID_PTX;
  }
  *module = (CUmodule)0x2;
  return 0;
}
EXPORT int cuModuleGetFunction(CUfunction *f, CUmodule module,
                               const char *name) {
  (void)module;
  if (strcmp(name, "vadd") == 0)
    *f = (CUfunction)0x10;
  else if (strcmp(name, "mark") == 0)
    *f = (CUfunction)0x11;
  else if (strcmp(name, "nope") == 0)
    return NOT_FOUND;
  else
    *f = (CUfunction)0x12; /* cannot be launched */
  return 0;
}
EXPORT int cuModuleUnload(CUmodule module) {
  return module == (CUmodule)0x2 ? SUCCESS : INVALID_VALUE;
}
EXPORT int cuMemAlloc_v2(unsigned long long *p, size_t bytes) {
  void *q = aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!q)
    return OUT_OF_MEMORY;
  ++live;
  *p = (unsigned long long)(uintptr_t)q;
  return 0;
}
EXPORT int cuMemFree_v2(unsigned long long p) {
  --live;
  free((void *)(uintptr_t)p);
  return 0;
}
EXPORT int cuMemcpyHtoD_v2(unsigned long long dst, const void *src, size_t n) {
  memcpy((void *)(uintptr_t)dst, src, n);
  return 0;
}
EXPORT int cuMemcpyDtoH_v2(void *dst, unsigned long long src, size_t n) {
  memcpy(dst, (const void *)(uintptr_t)src, n);
  return 0;
}
EXPORT int cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz,
                          unsigned bx, unsigned by, unsigned bz,
                          unsigned shared, CUstream stream, void **params,
                          void **extra) {
  (void)shared;
  (void)stream;
  (void)extra;
  if (getenv("FAKE_CUDA_FAIL"))
    pending = LAUNCH_FAILED;
  if (f == (CUfunction)0x10) {
    const float *a = *(const float **)params[0];
    const float *b = *(const float **)params[1];
    float *c = *(float **)params[2];
    int64_t n = *(const int64_t *)params[3];
    for (int64_t i = 0; i < (int64_t)gx * bx && i < n; ++i)
      c[i] = a[i] + b[i];
    return 0;
  }
  if (f == (CUfunction)0x11) {
    **(int32_t **)params[0] = (int32_t)(gx * gy * gz * bx * by * bz);
    return 0;
  }
  return INVALID_VALUE;
}

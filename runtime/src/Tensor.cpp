//===- Tensor.cpp - element types, sizes and host tensors -----------------===//
//
// Tensors are dense and row-major. A tensor either owns its storage (freed
// on release: zero-filled ones from recur_tensor_create with free(), the
// results of host calls back into their session's BufferCache) or wraps the
// caller's memory.
//
//===----------------------------------------------------------------------===//

#include "BufferCache.h"
#include "Internal.h"

#include <cstring>
#include <new>

using namespace recur::rt;

bool recur::rt::isValidDType(uint32_t dtype) {
  return dtype >= RECUR_DTYPE_F32 && dtype <= RECUR_DTYPE_U8;
}

bool recur::rt::shapeSizes(recur_dtype dtype, const int64_t *shape, size_t rank,
                           size_t *count, size_t *bytes) {
  size_t n = 1;
  for (size_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return false;
    if (!checkedMul(n, static_cast<uint64_t>(shape[i]), &n))
      return false;
  }
  size_t b;
  if (!checkedMul(n, recur_dtype_size(dtype), &b))
    return false;
  // Byte offsets must also fit in a signed 64-bit index for compiled code.
  if (b > static_cast<size_t>(INT64_MAX))
    return false;
  *count = n;
  *bytes = b;
  return true;
}

bool AlignedBytes::allocate(size_t n) {
  void *p = alignedMalloc(n);
  if (n && !p)
    return false;
  data.reset(static_cast<uint8_t *>(p));
  size = n;
  return true;
}

void *recur::rt::alignedMalloc(size_t size) {
  if (size == 0)
    return nullptr;
  size_t rounded;
  if (!checkedAdd(size, kAlignment - 1, &rounded))
    return nullptr;
  rounded &= ~(kAlignment - 1);
  return std::aligned_alloc(kAlignment, rounded);
}

/// Checks dtype, rank and shape and computes the sizes.
static recur_status validateShape(recur_dtype dtype, int32_t rank,
                                  const int64_t *shape, size_t *count,
                                  size_t *bytes) {
  if (!isValidDType(rawEnum(dtype)))
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      "invalid dtype " + std::to_string(rawEnum(dtype)));
  if (rank < 0 || rank > kMaxRank)
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      "rank " + std::to_string(rank) + " is out of range [0, " +
                          std::to_string(kMaxRank) + "]");
  if (rank > 0 && !shape)
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      "shape is NULL for rank " + std::to_string(rank));
  for (int32_t i = 0; i < rank; ++i)
    if (shape[i] < 0)
      return makeStatus(RECUR_INVALID_ARGUMENT,
                        "dimension " + std::to_string(i) + " is " +
                            std::to_string(shape[i]) + " (must be >= 0)");
  if (!shapeSizes(dtype, shape, rank, count, bytes))
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      "shape " + shapeString(shape, rank) + " of " +
                          recur_dtype_name(dtype) + " overflows the size type");
  return nullptr;
}

recur_status recur::rt::adoptTensor(recur_dtype dtype, int32_t rank,
                                    const int64_t *shape, void *data,
                                    void *owned, recur_tensor **out,
                                    std::shared_ptr<BufferCache> cache) {
  auto *t = new (std::nothrow) recur_tensor_s;
  if (!t)
    return outOfMemoryStatus();
  t->dtype = dtype;
  t->rank = rank;
  for (int32_t i = 0; i < rank; ++i)
    t->shape[i] = shape[i];
  shapeSizes(dtype, shape, rank, &t->count, &t->bytes);
  t->data = data;
  t->owned = owned;
  t->cache = std::move(cache);
  *out = t;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

size_t recur_dtype_size(recur_dtype dtype) {
  switch (rawEnum(dtype)) {
  case RECUR_DTYPE_F32:
  case RECUR_DTYPE_I32:
    return 4;
  case RECUR_DTYPE_F64:
  case RECUR_DTYPE_I64:
    return 8;
  case RECUR_DTYPE_F16:
  case RECUR_DTYPE_BF16:
  case RECUR_DTYPE_I16:
    return 2;
  case RECUR_DTYPE_I1:
  case RECUR_DTYPE_I8:
  case RECUR_DTYPE_U8:
    return 1;
  case RECUR_DTYPE_INVALID:
    break;
  }
  return 0;
}

const char *recur_dtype_name(recur_dtype dtype) {
  switch (rawEnum(dtype)) {
  case RECUR_DTYPE_F32:
    return "f32";
  case RECUR_DTYPE_F64:
    return "f64";
  case RECUR_DTYPE_F16:
    return "f16";
  case RECUR_DTYPE_BF16:
    return "bf16";
  case RECUR_DTYPE_I1:
    return "i1";
  case RECUR_DTYPE_I8:
    return "i8";
  case RECUR_DTYPE_I16:
    return "i16";
  case RECUR_DTYPE_I32:
    return "i32";
  case RECUR_DTYPE_I64:
    return "i64";
  case RECUR_DTYPE_U8:
    return "u8";
  case RECUR_DTYPE_INVALID:
    break;
  }
  return "invalid";
}

recur_status recur_tensor_create(recur_dtype dtype, int32_t rank,
                                 const int64_t *shape, recur_tensor **out) {
  if (!out)
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      "recur_tensor_create: out is NULL");
  *out = nullptr;
  size_t count, bytes;
  if (recur_status s = validateShape(dtype, rank, shape, &count, &bytes))
    return prefixStatus(s, "recur_tensor_create: ");
  void *data = alignedMalloc(bytes);
  if (bytes && !data)
    return makeStatus(RECUR_OUT_OF_MEMORY,
                      "recur_tensor_create: cannot allocate " +
                          std::to_string(bytes) + " bytes");
  if (bytes)
    std::memset(data, 0, bytes);
  recur_status s = adoptTensor(dtype, rank, shape, data, data, out);
  if (s)
    std::free(data);
  return s;
}

recur_status recur_tensor_wrap(recur_dtype dtype, int32_t rank,
                               const int64_t *shape, void *data,
                               size_t byte_size, recur_tensor **out) {
  if (!out)
    return makeStatus(RECUR_INVALID_ARGUMENT, "recur_tensor_wrap: out is NULL");
  *out = nullptr;
  size_t count, bytes;
  if (recur_status s = validateShape(dtype, rank, shape, &count, &bytes))
    return prefixStatus(s, "recur_tensor_wrap: ");
  if (byte_size != bytes)
    return makeStatus(
        RECUR_INVALID_ARGUMENT,
        "recur_tensor_wrap: byte_size is " + std::to_string(byte_size) +
            " but shape " + shapeString(shape, rank) + " of " +
            recur_dtype_name(dtype) + " needs " + std::to_string(bytes));
  if (bytes && !data)
    return makeStatus(RECUR_INVALID_ARGUMENT,
                      "recur_tensor_wrap: data is NULL for " +
                          std::to_string(bytes) + " bytes");
  return adoptTensor(dtype, rank, shape, data, nullptr, out);
}

void recur_tensor_release(recur_tensor *tensor) {
  if (!tensor)
    return;
  if (tensor->cache)
    tensor->cache->release(tensor->owned);
  else
    std::free(tensor->owned);
  delete tensor;
}

recur_dtype recur_tensor_dtype(const recur_tensor *tensor) {
  return tensor ? tensor->dtype : RECUR_DTYPE_INVALID;
}

int32_t recur_tensor_rank(const recur_tensor *tensor) {
  return tensor ? tensor->rank : 0;
}

const int64_t *recur_tensor_shape(const recur_tensor *tensor) {
  return tensor ? tensor->shape : nullptr;
}

size_t recur_tensor_element_count(const recur_tensor *tensor) {
  return tensor ? tensor->count : 0;
}

size_t recur_tensor_byte_size(const recur_tensor *tensor) {
  return tensor ? tensor->bytes : 0;
}

void *recur_tensor_data(recur_tensor *tensor) {
  return tensor ? tensor->data : nullptr;
}

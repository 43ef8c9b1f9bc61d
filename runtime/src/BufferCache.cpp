//===- BufferCache.cpp - a session's cache of host code's big buffers -----===//

#include "BufferCache.h"

#include <algorithm>
#include <cstdlib>
#include <functional>

using namespace recur::rt;

// Under AddressSanitizer, small blocks on a free list and a slab's unused
// part are poisoned, so that a use after release is still reported.
#if defined(__SANITIZE_ADDRESS__)
#define RECUR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RECUR_ASAN 1
#endif
#endif
#ifdef RECUR_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

BufferCache::~BufferCache() {
  for (auto &[size, ptr] : kept)
    std::free(ptr);
  for (Slab &slab : slabs) {
    UNPOISON(slab.begin, slab.bytes);
    std::free(slab.begin);
  }
}

void *BufferCache::allocateSmall(size_t rounded) {
  unsigned log2 = kMinClass;
  while ((size_t(1) << log2) < rounded)
    ++log2;
  unsigned sizeClass = log2 - kMinClass;
  size_t block = size_t(1) << log2;
  std::lock_guard<std::mutex> lock(mutex);
  if (void *ptr = freeLists[sizeClass]) {
    UNPOISON(ptr, block);
    freeLists[sizeClass] = *static_cast<void **>(ptr);
    return ptr;
  }
  if (unusedEnd[sizeClass] - unused[sizeClass] < std::ptrdiff_t(block)) {
    size_t bytes = std::max(kSlabBytes, 4 * block);
    auto *begin = static_cast<char *>(std::aligned_alloc(64, bytes));
    if (!begin)
      return nullptr;
    Slab slab{begin, bytes, sizeClass};
    auto at = std::upper_bound(
        slabs.begin(), slabs.end(), begin, [](char *p, const Slab &s) {
          return std::less<const char *>()(p, s.begin);
        });
    slabs.insert(at, slab);
    slab_bytes += bytes;
    unused[sizeClass] = begin;
    unusedEnd[sizeClass] = begin + bytes;
    POISON(begin, bytes);
  }
  void *ptr = unused[sizeClass];
  unused[sizeClass] += block;
  UNPOISON(ptr, block);
  return ptr;
}

bool BufferCache::releaseSmall(void *ptr) {
  auto *p = static_cast<char *>(ptr);
  std::less<const char *> before;
  auto after = std::upper_bound(
      slabs.begin(), slabs.end(), p,
      [&](char *q, const Slab &s) { return before(q, s.begin); });
  if (after == slabs.begin())
    return false;
  const Slab &slab = *(after - 1);
  if (!before(p, slab.begin + slab.bytes))
    return false;
  size_t block = size_t(1) << (slab.sizeClass + kMinClass);
  // A pointer into a block rather than to it was never handed out: taking
  // it back would hand out overlapping memory later, and it is not the C
  // library's to free either. Ignored.
  if (size_t(p - slab.begin) % block != 0)
    return true;
  *static_cast<void **>(ptr) = freeLists[slab.sizeClass];
  freeLists[slab.sizeClass] = ptr;
  POISON(ptr, block);
  return true;
}

void *BufferCache::allocate(size_t bytes) {
  size_t rounded = (bytes + 63) & ~size_t(63);
  if (rounded < bytes)
    return nullptr;
  if (rounded < kMinBytes)
    return allocateSmall(rounded);
  std::lock_guard<std::mutex> lock(mutex);
  auto it = kept.lower_bound(rounded);
  if (it != kept.end() && it->first / 2 < rounded) {
    auto [size, ptr] = *it;
    kept.erase(it);
    kept_bytes -= size;
    live[ptr] = size;
    return ptr;
  }
  void *ptr = std::aligned_alloc(64, rounded);
  // (Assigned, not emplaced: an entry the C library's reuse of an address
  // left behind must not keep its old size.)
  if (ptr)
    live[ptr] = rounded;
  return ptr;
}

void BufferCache::release(void *ptr) {
  if (!ptr)
    return;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (releaseSmall(ptr))
      return;
    auto it = live.find(ptr);
    if (it != live.end()) {
      size_t size = it->second;
      live.erase(it);
      if (!closed && kept_bytes + size <= kMaxBytes) {
        kept.emplace(size, ptr);
        kept_bytes += size;
        return;
      }
    }
  }
  std::free(ptr);
}

void BufferCache::close() {
  std::multimap<size_t, void *> blocks;
  {
    std::lock_guard<std::mutex> lock(mutex);
    closed = true;
    blocks.swap(kept);
    kept_bytes = 0;
  }
  for (auto &[size, ptr] : blocks)
    std::free(ptr);
}

size_t BufferCache::slabBytes() {
  std::lock_guard<std::mutex> lock(mutex);
  return slab_bytes;
}

size_t BufferCache::keptBytes() {
  std::lock_guard<std::mutex> lock(mutex);
  return kept_bytes;
}

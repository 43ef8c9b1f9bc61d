//===- BufferCache.cpp - a session's cache of host code's big buffers -----===//

#include "BufferCache.h"

#include <cstdlib>

using namespace recur::rt;

BufferCache::~BufferCache() {
  for (auto &[size, ptr] : kept)
    std::free(ptr);
}

void *BufferCache::allocate(size_t bytes) {
  size_t rounded = (bytes + 63) & ~size_t(63);
  if (rounded < bytes)
    return nullptr;
  if (rounded < kMinBytes)
    return std::aligned_alloc(64, rounded);
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

size_t BufferCache::keptBytes() {
  std::lock_guard<std::mutex> lock(mutex);
  return kept_bytes;
}

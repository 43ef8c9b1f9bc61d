//===- BufferCache.h - a session's cache of host code's big buffers -------===//
//
// Host code allocates its temporaries (an input projection of every step,
// the scans' chunk buffers) at each call and frees them before returning.
// Fresh memory of that size comes from mmap, so each call pays a page
// fault and a zero-fill for every 4 KiB, which was a third of a small
// model's call. A session keeps what host code frees (blocks of at least
// kMinBytes, up to kMaxBytes in all) and hands it out again to a later
// allocation of a similar size (host_abi.h's host_alloc and host_free).
//
// Output tensors made from host code's memory keep a reference to the
// cache and give their memory back to it on release, so a model called in
// a loop reuses its outputs' memory too (as ONNX Runtime's arena does).
// When the session goes (close()), kept blocks are freed and later releases
// free at once. Every block comes from aligned_alloc, so memory the cache
// does not keep is freed with free().
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_RUNTIME_BUFFERCACHE_H
#define RECUR_RUNTIME_BUFFERCACHE_H

#include <cstddef>
#include <map>
#include <mutex>
#include <unordered_map>

namespace recur::rt {

class BufferCache {
public:
  /// Smaller blocks come from and go back to the C allocator, which keeps
  /// them in its own free lists.
  static constexpr size_t kMinBytes = size_t(64) << 10;
  /// The most freed bytes kept; a release beyond it frees the block.
  static constexpr size_t kMaxBytes = size_t(1) << 30;

  BufferCache() = default;
  BufferCache(const BufferCache &) = delete;
  BufferCache &operator=(const BufferCache &) = delete;
  ~BufferCache();

  /// `bytes` (> 0) aligned to 64, or null when out of memory: a kept block
  /// of at least `bytes` and less than twice that, else a new one.
  void *allocate(size_t bytes);
  /// Takes back `ptr` (null is ignored): kept when it came from
  /// allocate() and fits, freed otherwise (also when it did not come from
  /// allocate(): host code may free memory it got elsewhere).
  void release(void *ptr);
  /// Frees every kept block; from now on release() frees at once (the
  /// session is gone, tensors it made may still return memory).
  void close();

  /// Bytes kept for reuse now.
  size_t keptBytes();

private:
  std::mutex mutex;
  /// Blocks handed out by allocate() and not released, with their sizes.
  std::unordered_map<void *, size_t> live;
  /// Released blocks by size.
  std::multimap<size_t, void *> kept;
  size_t kept_bytes = 0;
  bool closed = false;
};

} // namespace recur::rt

#endif // RECUR_RUNTIME_BUFFERCACHE_H

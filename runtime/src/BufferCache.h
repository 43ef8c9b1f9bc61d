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
// Small blocks (a recurrence's state, a step's gates: a few per step) come
// from slabs instead, one size class (a power of two) per slab, and go back
// to their class's free list: aligned_alloc and free cost about 70 ns a
// pair, a tenth of a step of a small GRU. The slabs live as long as the
// cache (tensors made from a small block keep the cache alive), and their
// memory is reused for blocks of the same class only.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_RUNTIME_BUFFERCACHE_H
#define RECUR_RUNTIME_BUFFERCACHE_H

#include <cstddef>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace recur::rt {

class BufferCache {
public:
  /// Smaller blocks come from slabs of blocks of one power-of-two size.
  static constexpr size_t kMinBytes = size_t(64) << 10;
  /// A slab's size: this or four blocks, whichever is larger.
  static constexpr size_t kSlabBytes = size_t(64) << 10;
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
  /// allocate(): host code may free memory it got elsewhere). A pointer
  /// into a small block, not to its start, is ignored. Releasing a small
  /// block twice is not detected (AddressSanitizer builds report its use).
  void release(void *ptr);
  /// Frees every kept block; from now on release() frees big blocks at
  /// once (the session is gone, tensors it made may still return memory).
  /// Small blocks' slabs stay until the cache is destroyed.
  void close();

  /// Bytes kept for reuse now (blocks of kMinBytes or more).
  size_t keptBytes();
  /// Bytes of the small blocks' slabs.
  size_t slabBytes();

private:
  /// Size classes of small blocks: 64 bytes (2^6) up to kMinBytes.
  static constexpr unsigned kMinClass = 6;
  static constexpr unsigned kNumClasses = 11; // 2^6 .. 2^16

  struct Slab {
    char *begin;
    size_t bytes;
    unsigned sizeClass; // index into freeLists
  };

  void *allocateSmall(size_t rounded);
  /// Puts `ptr` on its class's free list when it lies in a slab. Requires
  /// mutex.
  bool releaseSmall(void *ptr);

  std::mutex mutex;
  /// Every slab, by address.
  std::vector<Slab> slabs;
  /// Per size class: freed blocks (each holds the next's address), and the
  /// newest slab's part not handed out yet.
  void *freeLists[kNumClasses] = {};
  char *unused[kNumClasses] = {};
  char *unusedEnd[kNumClasses] = {};
  size_t slab_bytes = 0;
  /// Blocks handed out by allocate() and not released, with their sizes.
  std::unordered_map<void *, size_t> live;
  /// Released blocks by size.
  std::multimap<size_t, void *> kept;
  size_t kept_bytes = 0;
  bool closed = false;
};

} // namespace recur::rt

#endif // RECUR_RUNTIME_BUFFERCACHE_H

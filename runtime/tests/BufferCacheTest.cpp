//===- BufferCacheTest.cpp - a session's cache of host code's buffers -----===//

#include "../src/BufferCache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

using recur::rt::BufferCache;

namespace {

constexpr size_t kBig = BufferCache::kMinBytes * 4;

TEST(BufferCache, ReusesAReleasedBlockOfTheSameSize) {
  BufferCache cache;
  void *a = cache.allocate(kBig);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  std::memset(a, 1, kBig); // all of it is ours
  cache.release(a);
  EXPECT_EQ(cache.keptBytes(), kBig);
  void *b = cache.allocate(kBig);
  EXPECT_EQ(b, a);
  EXPECT_EQ(cache.keptBytes(), 0u);
  cache.release(b);
}

TEST(BufferCache, ReusesOnlyBlocksLessThanTwiceTheRequest) {
  BufferCache cache;
  void *a = cache.allocate(kBig);
  cache.release(a);
  void *small = cache.allocate(kBig / 2); // a is twice that: not reused
  EXPECT_NE(small, a);
  void *near = cache.allocate(kBig - 64); // within twice: reused
  EXPECT_EQ(near, a);
  cache.release(small);
  cache.release(near);
  EXPECT_EQ(cache.keptBytes(), kBig + kBig / 2);
}

TEST(BufferCache, SmallBlocksComeFromSlabsAndAreReused) {
  BufferCache cache;
  void *a = cache.allocate(100); // the 128-byte class
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  std::memset(a, 1, 128);
  EXPECT_EQ(cache.slabBytes(), BufferCache::kSlabBytes);
  cache.release(a);
  EXPECT_EQ(cache.keptBytes(), 0u); // counts big blocks only
  EXPECT_EQ(cache.allocate(120), a); // same class: the freed block
  void *other = cache.allocate(300); // the 512-byte class: another slab
  EXPECT_NE(other, a);
  EXPECT_EQ(cache.slabBytes(), 2 * BufferCache::kSlabBytes);
  // More blocks than one slab holds: all distinct, 64-aligned, and each
  // writable in full (the sanitizer run checks they do not overlap).
  std::vector<void *> blocks;
  for (int i = 0; i < 1000; ++i) {
    void *p = cache.allocate(1000); // 1024-byte class
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    std::memset(p, i & 0xff, 1024);
    blocks.push_back(p);
  }
  for (size_t i = 0; i < blocks.size(); ++i)
    EXPECT_EQ(static_cast<unsigned char *>(blocks[i])[1023], i & 0xff);
  std::vector<void *> sorted = blocks;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (void *p : blocks)
    cache.release(p);
  // Released blocks serve new requests of their class: no new slab.
  size_t slabs = cache.slabBytes();
  for (int i = 0; i < 1000; ++i)
    blocks[size_t(i)] = cache.allocate(1024);
  EXPECT_EQ(cache.slabBytes(), slabs);
  for (void *p : blocks)
    cache.release(p);
  cache.release(a);
  cache.release(other);
  // Just below kMinBytes: still a slab's block.
  void *largest = cache.allocate(BufferCache::kMinBytes - 64);
  ASSERT_NE(largest, nullptr);
  std::memset(largest, 2, BufferCache::kMinBytes - 64);
  cache.release(largest);
  EXPECT_EQ(cache.allocate(BufferCache::kMinBytes - 100), largest);
  cache.release(largest);
}

TEST(BufferCache, ForeignMemoryGoesBackToTheCLibrary) {
  BufferCache cache;
  (void)cache.allocate(64); // a slab exists; foreign memory is not in it
  // Memory host code got from malloc in a parallel body: freed, not kept.
  void *foreign = std::malloc(kBig);
  cache.release(foreign);
  void *foreignSmall = std::malloc(100);
  cache.release(foreignSmall);
  EXPECT_EQ(cache.keptBytes(), 0u);
  cache.release(nullptr);
}

TEST(BufferCache, PointersIntoSmallBlocksAreIgnored) {
  BufferCache cache;
  char *a = static_cast<char *>(cache.allocate(256));
  ASSERT_NE(a, nullptr);
  cache.release(a + 64); // not a block's start: must not become a block
  void *b = cache.allocate(256);
  void *c = cache.allocate(256);
  EXPECT_NE(b, a + 64);
  EXPECT_NE(c, a + 64);
  cache.release(a);
  cache.release(b);
  cache.release(c);
}

// Host code allocates on worker threads, tensors are released on any
// thread: blocks handed out concurrently never overlap (each thread fills
// its blocks with its own byte and finds it intact).
TEST(BufferCache, ConcurrentUseHandsOutDisjointBlocks) {
  BufferCache cache;
  std::atomic<int> corrupted{0};
  auto worker = [&](int id) {
    std::vector<std::pair<unsigned char *, size_t>> held;
    for (int i = 0; i < 2000; ++i) {
      size_t bytes = (i % 7 == 0) ? kBig : size_t(64) << (i % 8);
      auto *p = static_cast<unsigned char *>(cache.allocate(bytes));
      if (!p) {
        ++corrupted;
        return;
      }
      std::memset(p, id, bytes);
      held.emplace_back(p, bytes);
      if (held.size() > 8) {
        auto [q, n] = held.front();
        held.erase(held.begin());
        for (size_t k = 0; k < n; k += 61)
          corrupted += q[k] != id;
        cache.release(q);
      }
    }
    for (auto [q, n] : held)
      cache.release(q);
  };
  std::vector<std::thread> threads;
  for (int t = 1; t <= 4; ++t)
    threads.emplace_back(worker, t);
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(corrupted.load(), 0);
}

TEST(BufferCache, SmallBlocksOutliveClose) {
  BufferCache cache;
  void *small = cache.allocate(256);
  ASSERT_NE(small, nullptr);
  cache.close();
  // A tensor made from it is still in use: the slab stays.
  std::memset(small, 3, 256);
  cache.release(small);
}

TEST(BufferCache, AfterCloseKeepsNothing) {
  BufferCache cache;
  void *a = cache.allocate(kBig);
  void *b = cache.allocate(kBig);
  ASSERT_TRUE(a && b);
  cache.release(a);
  EXPECT_EQ(cache.keptBytes(), kBig);
  // The session went; a tensor it made still returns its memory.
  cache.close();
  EXPECT_EQ(cache.keptBytes(), 0u);
  cache.release(b);
  EXPECT_EQ(cache.keptBytes(), 0u);
}

TEST(BufferCache, KeepsAtMostItsLimit) {
  BufferCache cache;
  size_t block = BufferCache::kMaxBytes / 2 + 64;
  void *a = cache.allocate(block);
  void *b = cache.allocate(block);
  ASSERT_TRUE(a && b);
  cache.release(a);
  cache.release(b); // would pass the limit: freed
  EXPECT_EQ(cache.keptBytes(), block);
}

TEST(BufferCache, RefusesSizesThatOverflow) {
  BufferCache cache;
  EXPECT_EQ(cache.allocate(SIZE_MAX - 10), nullptr);
}

} // namespace

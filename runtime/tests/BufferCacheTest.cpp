//===- BufferCacheTest.cpp - a session's cache of host code's buffers -----===//

#include "../src/BufferCache.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

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

TEST(BufferCache, SmallBlocksAndForeignMemoryGoBackToTheCLibrary) {
  BufferCache cache;
  void *small = cache.allocate(100);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small) % 64, 0u);
  cache.release(small);
  EXPECT_EQ(cache.keptBytes(), 0u);
  // Memory host code got from malloc in a parallel body: freed, not kept.
  void *foreign = std::malloc(kBig);
  cache.release(foreign);
  EXPECT_EQ(cache.keptBytes(), 0u);
  cache.release(nullptr);
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

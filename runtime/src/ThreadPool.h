//===- ThreadPool.h - the host device's worker threads ----------*- C++ -*-===//
//
// A fixed pool that runs parallel_for loops (host_abi.h): [0, n) is split
// into a few chunks per thread, the calling thread takes chunks too, and the
// call returns when every chunk has run. The chunks are dealt out in one
// contiguous block per thread, the same block to the same thread in every
// loop of the same size (the caller the first, worker i the (i+1)-th): a
// recurrence runs the same loop every step, and each core then finds its
// slice of the weights in its own cache. A thread that finishes its block
// takes chunks from the others'. Several threads may run loops on one
// pool at once (sessions sharing a device); a loop started from inside a
// loop body runs inline. A loop allocates nothing: its bookkeeping lives on
// the caller's stack.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_RUNTIME_SRC_THREADPOOL_H
#define RECUR_RUNTIME_SRC_THREADPOOL_H

#include "recur/host_abi.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace recur::rt {

class ThreadPool {
public:
  /// A pool whose loops run on `numThreads` threads in all: the caller and
  /// numThreads - 1 workers. Throws std::system_error when a thread cannot
  /// be started.
  explicit ThreadPool(int numThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// Threads that run a loop, the caller included.
  int numThreads() const { return static_cast<int>(workers.size()) + 1; }

  /// Runs body(data, begin, end) over disjoint ranges covering [0, n).
  void parallelFor(int64_t n, recur_host_parallel_body body, void *data);

  /// recur_host_env::parallel_for, with ctx a ThreadPool.
  static void parallelForThunk(void *ctx, int64_t n,
                               recur_host_parallel_body body, void *data);

  /// Whether the current thread is running a loop body.
  static bool inBody();

private:
  /// Most blocks a job is dealt in; with more threads than this, threads
  /// share home blocks.
  static constexpr int kMaxBlocks = 32;

  /// A thread's share of a job's chunks, [next, end) still to claim. One
  /// cache line each: threads claim from their own without contention.
  struct alignas(64) Block {
    std::atomic<int64_t> next{0};
    int64_t end = 0;
  };

  struct Job {
    recur_host_parallel_body body;
    void *data;
    int64_t n;
    int64_t chunkSize;
    int64_t numChunks;
    int numBlocks;
    Block blocks[kMaxBlocks];
    /// Workers running chunks: incremented under mutex while the job is
    /// listed, decremented without it (the last access to the job).
    std::atomic<int> attached{0};
    bool listed = false; // in the job list; guarded by mutex
    Job *prev = nullptr, *next = nullptr; // guarded by mutex
  };

  /// Claims and runs chunks, from block `home` first, until none is left.
  static void runChunks(Job &job, int home);
  void workerLoop(int index);
  /// Whether some block of `job` has a chunk left to claim.
  static bool hasChunks(const Job &job);
  /// A listed job with chunks left, or null. Requires mutex.
  Job *findJob();
  void unlink(Job &job);

  std::mutex mutex;
  std::condition_variable workAvailable;
  std::condition_variable jobDetached;
  Job *jobs = nullptr;
  std::atomic<bool> stopping{false};
  /// Counts the jobs ever listed: idle workers watch it for a while before
  /// sleeping, so that a loop per step of a recurrence does not pay a
  /// wake-up per step.
  std::atomic<uint64_t> generation{0};
  std::vector<std::thread> workers;
};

} // namespace recur::rt

#endif // RECUR_RUNTIME_SRC_THREADPOOL_H

//===- ThreadPool.cpp - the host device's worker threads ------------------===//

#include "ThreadPool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

using namespace recur::rt;

/// Chunks per thread: enough to even out uneven chunks, few enough that
/// claiming one (an atomic increment) stays cheap.
static constexpr int64_t kChunksPerThread = 4;

/// How long a thread that ran a loop watches for the next one before it
/// sleeps, and how long an owner watches its workers finish before it
/// sleeps: a sequential recurrence runs one parallel loop per step, a few
/// microseconds apart, and a wake-up through the kernel costs about as
/// much as a step.
static constexpr auto kSpin = std::chrono::microseconds(100);

static inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

namespace {
/// Set while the thread runs loop bodies; a parallel_for called then runs
/// inline instead of waiting on the pool (which could deadlock).
thread_local bool tlsInBody = false;

struct InBodyScope {
  bool saved;
  InBodyScope() : saved(tlsInBody) { tlsInBody = true; }
  ~InBodyScope() { tlsInBody = saved; }
};
} // namespace

bool ThreadPool::inBody() { return tlsInBody; }

ThreadPool::ThreadPool(int numThreads) {
  int numWorkers = std::max(numThreads, 1) - 1;
  workers.reserve(static_cast<size_t>(numWorkers));
  try {
    for (int i = 0; i < numWorkers; ++i)
      workers.emplace_back([this, i] { workerLoop(i); });
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    workAvailable.notify_all();
    for (std::thread &t : workers)
      t.join();
    throw;
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  workAvailable.notify_all();
  for (std::thread &t : workers)
    t.join();
}

void ThreadPool::runChunks(Job &job, int home) {
  InBodyScope scope;
  for (int k = 0; k < job.numBlocks; ++k) {
    Block &block = job.blocks[(home + k) % job.numBlocks];
    for (;;) {
      int64_t c = block.next.fetch_add(1, std::memory_order_relaxed);
      if (c >= block.end)
        break;
      int64_t begin = c * job.chunkSize;
      int64_t end = std::min(job.n, begin + job.chunkSize);
      job.body(job.data, begin, end);
    }
  }
}

bool ThreadPool::hasChunks(const Job &job) {
  for (int b = 0; b < job.numBlocks; ++b)
    if (job.blocks[b].next.load(std::memory_order_relaxed) < job.blocks[b].end)
      return true;
  return false;
}

ThreadPool::Job *ThreadPool::findJob() {
  for (Job *j = jobs; j; j = j->next)
    if (hasChunks(*j))
      return j;
  return nullptr;
}

void ThreadPool::unlink(Job &job) {
  if (!job.listed)
    return;
  if (job.prev)
    job.prev->next = job.next;
  else
    jobs = job.next;
  if (job.next)
    job.next->prev = job.prev;
  job.prev = job.next = nullptr;
  job.listed = false;
}

void ThreadPool::workerLoop(int index) {
  uint64_t seen = generation.load(std::memory_order_acquire);
  for (;;) {
    // Watch for a new job a while before sleeping on the condition.
    auto deadline = std::chrono::steady_clock::now() + kSpin;
    while (generation.load(std::memory_order_acquire) == seen &&
           !stopping.load(std::memory_order_relaxed) &&
           std::chrono::steady_clock::now() < deadline)
      cpuRelax();
    std::unique_lock<std::mutex> lock(mutex);
    Job *job = nullptr;
    workAvailable.wait(lock, [&] { return stopping || (job = findJob()); });
    if (stopping)
      return;
    seen = generation.load(std::memory_order_acquire);
    // Attaching under the mutex while the job is listed keeps it alive: its
    // owner unlinks it, then waits until no worker is attached.
    job->attached.fetch_add(1, std::memory_order_relaxed);
    lock.unlock();
    runChunks(*job, (index + 1) % job->numBlocks);
    // The last access to the job: its owner may return once this is 0.
    if (job->attached.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> relock(mutex);
      jobDetached.notify_all();
    }
  }
}

void ThreadPool::parallelFor(int64_t n, recur_host_parallel_body body,
                             void *data) {
  if (n <= 0)
    return;
  if (tlsInBody) {
    body(data, 0, n);
    return;
  }
  if (n == 1 || workers.empty()) {
    InBodyScope scope;
    body(data, 0, n);
    return;
  }

  Job job;
  job.body = body;
  job.data = data;
  job.n = n;
  int64_t maxChunks = static_cast<int64_t>(numThreads()) * kChunksPerThread;
  int64_t chunks = std::min(n, maxChunks);
  job.chunkSize = (n + chunks - 1) / chunks;
  job.numChunks = (n + job.chunkSize - 1) / job.chunkSize;
  // Block b holds chunks [b * numChunks / numBlocks, (b + 1) * ...).
  job.numBlocks = static_cast<int>(
      std::min<int64_t>({numThreads(), kMaxBlocks, job.numChunks}));
  for (int b = 0; b < job.numBlocks; ++b) {
    job.blocks[b].next.store(b * job.numChunks / job.numBlocks,
                             std::memory_order_relaxed);
    job.blocks[b].end = (b + 1) * job.numChunks / job.numBlocks;
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    job.next = jobs;
    if (jobs)
      jobs->prev = &job;
    jobs = &job;
    job.listed = true;
    generation.fetch_add(1, std::memory_order_release);
  }
  // Wake as many workers as there are chunks beyond the caller's first.
  int64_t wake = std::min<int64_t>(job.numChunks - 1,
                                   static_cast<int64_t>(workers.size()));
  if (wake >= static_cast<int64_t>(workers.size()))
    workAvailable.notify_all();
  else
    for (int64_t i = 0; i < wake; ++i)
      workAvailable.notify_one();

  runChunks(job, 0);

  // Every chunk is claimed; no worker attaches once the job is unlinked.
  // Wait for the ones still running theirs: watching first, then asleep.
  {
    std::lock_guard<std::mutex> lock(mutex);
    unlink(job);
  }
  auto deadline = std::chrono::steady_clock::now() + kSpin;
  while (job.attached.load(std::memory_order_acquire) != 0 &&
         std::chrono::steady_clock::now() < deadline)
    cpuRelax();
  std::unique_lock<std::mutex> lock(mutex);
  jobDetached.wait(lock, [&] {
    return job.attached.load(std::memory_order_acquire) == 0;
  });
}

void ThreadPool::parallelForThunk(void *ctx, int64_t n,
                                  recur_host_parallel_body body, void *data) {
  static_cast<ThreadPool *>(ctx)->parallelFor(n, body, data);
}

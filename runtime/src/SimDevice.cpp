//===- SimDevice.cpp - the sim device: GPU kernels run on the CPU ---------===//
//
// A `sim` target's kernels are the cuda target's kernels compiled for the
// CPU: `__recur_sim_kernel_<name>(recur_sim_thread *, void **args)` runs one
// GPU thread (host_abi.h). This file runs a grid of them with GPU semantics:
//
//  - Blocks run one after another, or spread over the device's thread pool
//    (each worker takes blocks in increasing order, so a block that waits on
//    an earlier block through global memory never waits on one that has not
//    started).
//  - Shared memory: one buffer per block, the kernel's static shared bytes
//    from offset 0, then the dynamic ones (16-byte aligned). It is filled
//    with 0xCD before each block, so a kernel that reads shared memory it
//    did not write reads garbage, as it would on a GPU.
//  - Kernels that do not synchronize (Kernel.synchronizes = false) run
//    their threads one after another. The others run each thread as a
//    fiber (an mmap'd stack with a guard page, reused across blocks;
//    switched by a few instructions of assembly on x86-64 and AArch64,
//    with ucontext elsewhere, whose signal mask system calls make a switch
//    some 50 times slower): bar.sync yields until every thread of the block has
//    arrived, shfl.sync until every lane of its member mask has.
//  - Whatever would hang or be undefined on a GPU is an error: a barrier
//    that not every thread reaches ("barrier reached by N of M threads in
//    block (x,y,z)"), a shuffle whose member lanes exit, wait at a barrier
//    or disagree on the mask or mode, a member mask without the calling
//    lane, a barrier or shuffle in a kernel marked as not synchronizing.
//  - Lanes of a member mask that do not exist (past the end of a block
//    whose size is not a multiple of 32) are not waited for; a shuffle that
//    reads from one, or from a lane outside the mask, gets 0x7fbadbad (a NaN
//    as f32), so that using it shows up in the result.
//
//===----------------------------------------------------------------------===//

#include "GpuDevice.h"
#include "HostLibrary.h"
#include "ThreadPool.h"

#include "recur/host_abi.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(RECUR_SIM_UCONTEXT) &&                                            \
    (defined(__x86_64__) || defined(__aarch64__)) && defined(__ELF__)
#define RECUR_SIM_ASM_SWITCH 1
#else
#include <ucontext.h>
#endif

#ifdef RECUR_SIM_ASM_SWITCH
// recur_sim_switch(save, next): saves the callee-saved registers on the
// current stack, stores the stack pointer in *save, and continues on the
// stack `next` (saved by an earlier switch, or made by initialStack).
extern "C" void recur_sim_switch(void **save, void *next);
#if defined(__x86_64__)
asm(R"(
  .text
  .p2align 4
  .type recur_sim_switch,@function
recur_sim_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size recur_sim_switch, .-recur_sim_switch
)");
#else
asm(R"(
  .text
  .p2align 4
  .type recur_sim_switch,%function
recur_sim_switch:
  sub sp, sp, #160
  stp x19, x20, [sp, #0]
  stp x21, x22, [sp, #16]
  stp x23, x24, [sp, #32]
  stp x25, x26, [sp, #48]
  stp x27, x28, [sp, #64]
  stp x29, x30, [sp, #80]
  stp d8, d9, [sp, #96]
  stp d10, d11, [sp, #112]
  stp d12, d13, [sp, #128]
  stp d14, d15, [sp, #144]
  mov x2, sp
  str x2, [x0]
  mov sp, x1
  ldp x19, x20, [sp, #0]
  ldp x21, x22, [sp, #16]
  ldp x23, x24, [sp, #32]
  ldp x25, x26, [sp, #48]
  ldp x27, x28, [sp, #64]
  ldp x29, x30, [sp, #80]
  ldp d8, d9, [sp, #96]
  ldp d10, d11, [sp, #112]
  ldp d12, d13, [sp, #128]
  ldp d14, d15, [sp, #144]
  add sp, sp, #160
  ret
  .size recur_sim_switch, .-recur_sim_switch
)");
#endif

/// A stack pointer for recur_sim_switch that starts `entry` (which must
/// never return) on the stack [base, base + size).
static void *initialStack(void *base, size_t size, void (*entry)()) {
  auto top = (reinterpret_cast<uintptr_t>(base) + size) & ~uintptr_t(15);
  auto *sp = reinterpret_cast<uintptr_t *>(top);
#if defined(__x86_64__)
  *--sp = 0;                                  // entry's return address
  *--sp = reinterpret_cast<uintptr_t>(entry); // popped by ret
  for (int i = 0; i < 6; ++i)                 // rbp rbx r12-r15
    *--sp = 0;
#else
  sp -= 20; // x19-x30, d8-d15
  for (int i = 0; i < 20; ++i)
    sp[i] = 0;
  sp[11] = reinterpret_cast<uintptr_t>(entry); // x30: where ret goes
#endif
  return sp;
}
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RECUR_SIM_ASAN 1
#endif
#endif
#if !defined(RECUR_SIM_ASAN) && defined(__SANITIZE_ADDRESS__)
#define RECUR_SIM_ASAN 1
#endif

#ifdef RECUR_SIM_ASAN
extern "C" {
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
                                    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save,
                                     const void **bottom_old, size_t *size_old);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
}
#endif

using namespace recur::rt;

namespace {

using SimKernel = void (*)(recur_sim_thread *, void **);

constexpr int32_t kWarpSize = 32;
constexpr uint32_t kShufflePoison = 0x7fbadbadu;
constexpr uint8_t kSharedPoison = 0xCD;
/// Each fiber's stack (plus a guard page below it).
constexpr size_t kFiberStackBytes = 256 * 1024;

std::string dims(const int64_t d[3]) {
  return std::to_string(d[0]) + "x" + std::to_string(d[1]) + "x" +
         std::to_string(d[2]);
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

/// Fiber stacks for a block's threads: one mapping, a PROT_NONE guard page
/// below each stack.
class FiberStacks {
public:
  ~FiberStacks() {
    if (base)
      ::munmap(base, mapped);
  }

  /// Ensures `n` stacks (moving them: only between blocks); false with
  /// `error` set when out of memory.
  bool reserve(size_t n, std::string *error) {
    if (n <= count)
      return true;
    // Powers of two from 32: few remappings, and no more mappings (two per
    // stack, against the kernel's vm.max_map_count) than blocks need.
    size_t want = 32;
    while (want < n)
      want *= 2;
    n = want;
    size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    size_t slot = kFiberStackBytes + page;
    size_t bytes = slot * n;
    void *p = ::mmap(nullptr, bytes, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      *error =
          "cannot map " + std::to_string(bytes) +
          " bytes for the stacks of a block's threads: " + std::strerror(errno);
      return false;
    }
    for (size_t i = 0; i < n; ++i)
      if (::mprotect(static_cast<uint8_t *>(p) + i * slot + page,
                     kFiberStackBytes, PROT_READ | PROT_WRITE) != 0) {
        *error = std::string("cannot map the stacks of a block's threads: ") +
                 std::strerror(errno);
        ::munmap(p, bytes);
        return false;
      }
    if (base)
      ::munmap(base, mapped);
    base = static_cast<uint8_t *>(p);
    mapped = bytes;
    count = n;
    guard = page;
    return true;
  }

  void *stack(size_t i) const {
    return base + i * (kFiberStackBytes + guard) + guard;
  }

private:
  uint8_t *base = nullptr;
  size_t mapped = 0, count = 0, guard = 0;
};

struct GridRun;

/// Runs blocks of one grid on the current OS thread. One per worker
/// thread, kept (with its stacks and shared memory) across launches.
class BlockRunner {
public:
  /// Runs block `linear` of `grid`; false when it failed (error recorded
  /// in `error`).
  bool runBlock(GridRun &grid, int64_t linear, std::string *error);

  static void barrierThunk(void *sched) {
    static_cast<BlockRunner *>(sched)->barrier();
  }
  static int32_t shuffleThunk(void *sched, int32_t mode, int32_t value,
                              int32_t b, int32_t c, int32_t mask,
                              int32_t *valid) {
    return static_cast<BlockRunner *>(sched)->shuffle(mode, value, b, c, mask,
                                                      valid);
  }

private:
  enum class State : uint8_t { Runnable, AtBarrier, AtShuffle, Done };

  struct Thread {
    recur_sim_thread regs;
#ifdef RECUR_SIM_ASM_SWITCH
    void *sp;
#else
    ucontext_t context;
#endif
    State state;
    // A pending shuffle, then its outcome.
    int32_t mode, value, b, c;
    uint32_t mask;
    int32_t result, valid;
    void *fakeStack; // ASan's fake stack while switched out
  };

  bool prepare(size_t numThreads, size_t sharedBytes, std::string *error);
  void fail(std::string message);
  /// After fail() in a fiber: never returns to the kernel.
  void abandon();
  std::string blockName() const;

  // Fibers.
  static void fiberMain();
  void resume(size_t i);
  void yield();
  bool runFibers();
  std::string stuckMessage() const;

  void barrier();
  int32_t shuffle(int32_t mode, int32_t value, int32_t b, int32_t c,
                  int32_t mask, int32_t *valid);
  /// Resolves the shuffle of `warp` that lane `lane` waits in, when every
  /// member has arrived. False when not yet; true when resolved or failed.
  bool tryResolveShuffle(size_t warp, int32_t lane);

  GridRun *grid = nullptr;
  std::vector<Thread> threads;
  size_t numThreads = 0;
  size_t current = 0;
  bool fibers = false;
  bool failed = false;
  std::string message;
  size_t atBarrier = 0, done = 0;

  FiberStacks stacks;
  AlignedBytes shared;
#ifdef RECUR_SIM_ASM_SWITCH
  void *mainSp = nullptr;
#else
  ucontext_t mainContext;
#endif
  // ASan's view of the scheduler's stack while a fiber runs.
  [[maybe_unused]] void *mainFakeStack = nullptr;
  [[maybe_unused]] const void *mainStackBottom = nullptr;
  [[maybe_unused]] size_t mainStackSize = 0;
};

thread_local BlockRunner *tlsRunner = nullptr;

/// One launch: what every block needs, and the first error.
struct GridRun {
  SimKernel fn;
  const KernelInfo *kernel;
  LaunchConfig config;
  void **args;
  int64_t numBlocks;
  size_t threadsPerBlock;
  size_t dynamicOffset, sharedBytes;
  /// The lowest block that failed (blocks above it are skipped), and its
  /// error.
  std::atomic<int64_t> firstFailed{INT64_MAX};
  std::mutex mutex;
  std::string error;
  std::atomic<bool> outOfMemory{false};

  void record(int64_t block, std::string message) {
    std::lock_guard<std::mutex> lock(mutex);
    if (block < firstFailed.load(std::memory_order_relaxed)) {
      firstFailed.store(block, std::memory_order_relaxed);
      error = std::move(message);
    }
  }

  void blockIndex(int64_t linear, int32_t out[3]) const {
    out[0] = static_cast<int32_t>(linear % config.grid[0]);
    linear /= config.grid[0];
    out[1] = static_cast<int32_t>(linear % config.grid[1]);
    out[2] = static_cast<int32_t>(linear / config.grid[1]);
  }
};

void runBlocks(GridRun &grid, int64_t begin, int64_t end) {
  thread_local std::unique_ptr<BlockRunner> runner;
  std::string error;
  for (int64_t b = begin; b < end; ++b) {
    if (b > grid.firstFailed.load(std::memory_order_relaxed))
      return;
    if (!runner) {
      try {
        runner = std::make_unique<BlockRunner>();
      } catch (const std::bad_alloc &) {
        grid.record(b, "out of memory");
        return;
      }
    }
    if (!runner->runBlock(grid, b, &error)) {
      grid.record(b, std::move(error));
      return;
    }
  }
}

void runBlocksBody(void *data, int64_t begin, int64_t end) {
  auto &grid = *static_cast<GridRun *>(data);
  try {
    runBlocks(grid, begin, end);
  } catch (...) {
    // Nothing may leave a pool's loop body.
    grid.outOfMemory.store(true);
    grid.firstFailed.store(-1);
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// Launch checks (both devices)
//===----------------------------------------------------------------------===//

bool recur::rt::checkLaunch(const KernelInfo &kernel,
                            const LaunchConfig &config, std::string *error) {
  for (int d = 0; d < 3; ++d)
    if (config.grid[d] < 1 || config.block[d] < 1) {
      *error = "grid " + dims(config.grid) + " of blocks " +
               dims(config.block) + ": every dimension must be at least 1";
      return false;
    }
  if (config.grid[0] > kMaxGridX || config.grid[1] > kMaxGridYZ ||
      config.grid[2] > kMaxGridYZ) {
    *error = "grid " + dims(config.grid) + " exceeds the limits (x at most " +
             std::to_string(kMaxGridX) + ", y and z at most " +
             std::to_string(kMaxGridYZ) + ")";
    return false;
  }
  int64_t threads = 0;
  if (config.block[0] > kMaxBlockThreads ||
      config.block[1] > kMaxBlockThreads || config.block[2] > kMaxBlockZ ||
      (threads = config.block[0] * config.block[1] * config.block[2]) >
          kMaxBlockThreads) {
    *error = "block " + dims(config.block) + " exceeds the limits (at most " +
             std::to_string(kMaxBlockThreads) + " threads, z at most " +
             std::to_string(kMaxBlockZ) + ")";
    return false;
  }
  if (kernel.maxThreads && threads > kernel.maxThreads) {
    *error = "block " + dims(config.block) + " has " + std::to_string(threads) +
             " threads; the kernel was compiled for at most " +
             std::to_string(kernel.maxThreads);
    return false;
  }
  if (config.dynamicSharedBytes < 0 ||
      config.dynamicSharedBytes + kernel.staticSharedBytes > kMaxSharedBytes) {
    *error = "it needs " + std::to_string(kernel.staticSharedBytes) +
             " bytes of static and " +
             std::to_string(config.dynamicSharedBytes) +
             " bytes of dynamic shared memory; a block has at most " +
             std::to_string(kMaxSharedBytes) + " bytes";
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Blocks
//===----------------------------------------------------------------------===//

bool BlockRunner::prepare(size_t n, size_t sharedBytes, std::string *error) {
  if (threads.size() < n)
    threads.resize(n);
  if (shared.size < sharedBytes || !shared.data) {
    if (!shared.allocate(std::max<size_t>(kMaxSharedBytes + 64, sharedBytes))) {
      *error = "out of memory for shared memory";
      return false;
    }
  }
  if (fibers && !stacks.reserve(n, error))
    return false;
  return true;
}

void BlockRunner::fail(std::string text) {
  if (failed)
    return;
  failed = true;
  message = std::move(text);
}

void BlockRunner::abandon() {
  // A fiber that failed goes back to the scheduler for good; the block's
  // other fibers are never resumed either.
  if (fibers)
    yield();
}

std::string BlockRunner::blockName() const {
  const int32_t *id = threads[0].regs.block_id;
  return "block (" + std::to_string(id[0]) + "," + std::to_string(id[1]) + "," +
         std::to_string(id[2]) + ")";
}

bool BlockRunner::runBlock(GridRun &g, int64_t linear, std::string *error) {
  grid = &g;
  numThreads = g.threadsPerBlock;
  fibers = g.kernel->synchronizes;
  failed = false;
  message.clear();
  atBarrier = done = 0;
  if (!prepare(numThreads, g.sharedBytes, error))
    return false;
  if (g.sharedBytes)
    std::memset(shared.data.get(), kSharedPoison, g.sharedBytes);

  int32_t blockId[3];
  g.blockIndex(linear, blockId);
  const int64_t *bd = g.config.block;
  for (size_t i = 0; i < numThreads; ++i) {
    recur_sim_thread &r = threads[i].regs;
    auto li = static_cast<int64_t>(i);
    r.thread_id[0] = static_cast<int32_t>(li % bd[0]);
    r.thread_id[1] = static_cast<int32_t>((li / bd[0]) % bd[1]);
    r.thread_id[2] = static_cast<int32_t>(li / (bd[0] * bd[1]));
    for (int d = 0; d < 3; ++d) {
      r.block_dim[d] = static_cast<int32_t>(bd[d]);
      r.block_id[d] = blockId[d];
      r.grid_dim[d] = static_cast<int32_t>(g.config.grid[d]);
    }
    r.lane_id = static_cast<int32_t>(i % kWarpSize);
    r.warp_size = kWarpSize;
    r.shared = shared.data.get();
    r.sched = this;
    r.barrier = &BlockRunner::barrierThunk;
    r.shuffle = &BlockRunner::shuffleThunk;
    threads[i].state = State::Runnable;
  }

  if (!fibers) {
    for (size_t i = 0; i < numThreads && !failed; ++i) {
      current = i;
      g.fn(&threads[i].regs, g.args);
    }
  } else {
    runFibers();
  }
  if (failed) {
    std::string name = blockName();
    *error = message.find(name) == std::string::npos ? name + ": " + message
                                                     : message;
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Fibers
//===----------------------------------------------------------------------===//

void BlockRunner::fiberMain() {
  BlockRunner *r = tlsRunner;
#ifdef RECUR_SIM_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &r->mainStackBottom,
                                  &r->mainStackSize);
#endif
  size_t i = r->current;
  r->grid->fn(&r->threads[i].regs, r->grid->args);
  r->threads[i].state = State::Done;
  ++r->done;
#ifdef RECUR_SIM_ASAN
  __sanitizer_start_switch_fiber(nullptr, r->mainStackBottom, r->mainStackSize);
#endif
  // Never resumed: the next block makes a new context on this stack.
#ifdef RECUR_SIM_ASM_SWITCH
  void *unused;
  recur_sim_switch(&unused, r->mainSp);
#else
  setcontext(&r->mainContext);
#endif
  __builtin_unreachable();
}

void BlockRunner::resume(size_t i) {
  current = i;
  tlsRunner = this;
#ifdef RECUR_SIM_ASAN
  __sanitizer_start_switch_fiber(&mainFakeStack, stacks.stack(i),
                                 kFiberStackBytes);
#endif
#ifdef RECUR_SIM_ASM_SWITCH
  recur_sim_switch(&mainSp, threads[i].sp);
#else
  swapcontext(&mainContext, &threads[i].context);
#endif
#ifdef RECUR_SIM_ASAN
  __sanitizer_finish_switch_fiber(mainFakeStack, nullptr, nullptr);
#endif
}

void BlockRunner::yield() {
  Thread &t = threads[current];
#ifdef RECUR_SIM_ASAN
  __sanitizer_start_switch_fiber(&t.fakeStack, mainStackBottom, mainStackSize);
#endif
#ifdef RECUR_SIM_ASM_SWITCH
  recur_sim_switch(&t.sp, mainSp);
#else
  swapcontext(&t.context, &mainContext);
#endif
#ifdef RECUR_SIM_ASAN
  __sanitizer_finish_switch_fiber(t.fakeStack, &mainStackBottom,
                                  &mainStackSize);
#endif
}

bool BlockRunner::runFibers() {
  for (size_t i = 0; i < numThreads; ++i) {
    Thread &t = threads[i];
    void *stack = stacks.stack(i);
#ifdef RECUR_SIM_ASAN
    // A fiber abandoned by a failed block left poisoned frames behind.
    __asan_unpoison_memory_region(stack, kFiberStackBytes);
#endif
    t.fakeStack = nullptr;
#ifdef RECUR_SIM_ASM_SWITCH
    t.sp = initialStack(stack, kFiberStackBytes, &BlockRunner::fiberMain);
#else
    getcontext(&t.context);
    t.context.uc_stack.ss_sp = stack;
    t.context.uc_stack.ss_size = kFiberStackBytes;
    t.context.uc_link = nullptr;
    makecontext(&t.context, &BlockRunner::fiberMain, 0);
#endif
  }
  for (;;) {
    bool ran = false;
    for (size_t i = 0; i < numThreads && !failed; ++i)
      if (threads[i].state == State::Runnable) {
        resume(i);
        ran = true;
      }
    if (failed)
      return false;
    if (ran)
      continue;
    if (done == numThreads)
      return true;
    if (atBarrier == numThreads) {
      for (size_t i = 0; i < numThreads; ++i)
        threads[i].state = State::Runnable;
      atBarrier = 0;
      continue;
    }
    fail(stuckMessage());
    return false;
  }
}

std::string BlockRunner::stuckMessage() const {
  // A shuffle that waits for a lane which will never come.
  for (size_t i = 0; i < numThreads; ++i) {
    const Thread &t = threads[i];
    if (t.state != State::AtShuffle)
      continue;
    size_t warpBase = i - i % kWarpSize;
    size_t lanes = std::min<size_t>(kWarpSize, numThreads - warpBase);
    for (size_t l = 0; l < lanes; ++l) {
      if (!(t.mask >> l & 1))
        continue;
      const Thread &other = threads[warpBase + l];
      if (other.state == State::AtShuffle)
        continue;
      return "warp " + std::to_string(i / kWarpSize) + ": lane " +
             std::to_string(i % kWarpSize) + " waits in shfl.sync (member " +
             "mask " + hex(t.mask) + ") for lane " + std::to_string(l) +
             (other.state == State::Done ? ", which exited without reaching it"
                                         : ", which waits at a barrier");
    }
  }
  return "barrier reached by " + std::to_string(atBarrier) + " of " +
         std::to_string(numThreads) + " threads in " + blockName() + " (" +
         std::to_string(done) + " exited without reaching it" +
         (atBarrier + done < numThreads ? ", the others wait in shfl.sync"
                                        : "") +
         ")";
}

void BlockRunner::barrier() {
  if (!fibers) {
    if (numThreads > 1)
      fail("thread " + std::to_string(current) +
           " reached a barrier, but the kernel is marked as not "
           "synchronizing (Kernel.synchronizes)");
    return;
  }
  threads[current].state = State::AtBarrier;
  ++atBarrier;
  yield();
}

int32_t BlockRunner::shuffle(int32_t mode, int32_t value, int32_t b, int32_t c,
                             int32_t mask, int32_t *valid) {
  size_t i = current;
  auto lane = static_cast<int32_t>(i % kWarpSize);
  auto umask = static_cast<uint32_t>(mask);
  // Built only for errors: a fiber that waits must own no heap memory, as
  // an abandoned one never returns to free it.
  auto where = [&] {
    return "thread " + std::to_string(i) + " (warp " +
           std::to_string(i / kWarpSize) + " lane " + std::to_string(lane) +
           "): shfl.sync ";
  };
  *valid = 0;
  if (mode < 0 || mode > 3) {
    fail(where() + "with unknown mode " + std::to_string(mode));
    abandon();
    return 0;
  }
  if (!(umask >> lane & 1)) {
    fail(where() + "with member mask " + hex(umask) +
         ", which does not include the calling lane");
    abandon();
    return 0;
  }
  Thread &t = threads[i];
  t.state = State::AtShuffle;
  t.mode = mode;
  t.value = value;
  t.b = b;
  t.c = c;
  t.mask = umask;
  if (!fibers) {
    // One lane at a time: only a shuffle among this lane alone can finish.
    size_t warpBase = i - static_cast<size_t>(lane);
    size_t lanes = std::min<size_t>(kWarpSize, numThreads - warpBase);
    bool alone = true;
    for (size_t l = 0; l < lanes; ++l)
      if (l != static_cast<size_t>(lane) && (umask >> l & 1))
        alone = false;
    if (!alone) {
      fail(where() + "with member mask " + hex(umask) +
           ", but the kernel is marked as not synchronizing "
           "(Kernel.synchronizes)");
      return 0;
    }
    tryResolveShuffle(i / kWarpSize, lane);
  } else if (!tryResolveShuffle(i / kWarpSize, lane)) {
    yield();
  } else if (failed) {
    abandon();
  }
  t.state = State::Runnable;
  *valid = t.valid;
  return t.result;
}

bool BlockRunner::tryResolveShuffle(size_t warp, int32_t lane) {
  size_t warpBase = warp * kWarpSize;
  size_t lanes = std::min<size_t>(kWarpSize, numThreads - warpBase);
  const Thread &me = threads[warpBase + static_cast<size_t>(lane)];
  uint32_t mask = me.mask;
  for (size_t l = 0; l < lanes; ++l)
    if ((mask >> l & 1) && threads[warpBase + l].state != State::AtShuffle)
      return false;
  for (size_t l = 0; l < lanes; ++l) {
    if (!(mask >> l & 1))
      continue;
    const Thread &t = threads[warpBase + l];
    if (t.mask != mask || t.mode != me.mode) {
      fail("warp " + std::to_string(warp) + ": lanes " + std::to_string(lane) +
           " and " + std::to_string(l) + " meet in shfl.sync with different " +
           (t.mask != mask
                ? "member masks (" + hex(mask) + " and " + hex(t.mask) + ")"
                : "modes (" + std::to_string(me.mode) + " and " +
                      std::to_string(t.mode) + ")"));
      return true;
    }
  }
  // PTX ISA, shfl.sync: every member lane computes its source lane j.
  for (size_t l = 0; l < lanes; ++l) {
    if (!(mask >> l & 1))
      continue;
    Thread &t = threads[warpBase + l];
    auto ln = static_cast<int32_t>(l);
    int32_t bval = t.b & 0x1f;
    int32_t cval = t.c & 0x1f;
    int32_t segmask = (t.c >> 8) & 0x1f;
    int32_t maxLane = (ln & segmask) | (cval & ~segmask);
    int32_t minLane = ln & segmask;
    int32_t j = 0;
    bool pval = false;
    switch (t.mode) {
    case 0: // up
      j = ln - bval;
      pval = j >= maxLane;
      break;
    case 1: // down
      j = ln + bval;
      pval = j <= maxLane;
      break;
    case 2: // bfly
      j = ln ^ bval;
      pval = j <= maxLane;
      break;
    case 3: // idx
      j = minLane | (bval & ~segmask);
      pval = j <= maxLane;
      break;
    }
    if (!pval)
      j = ln;
    bool present = j >= 0 && static_cast<size_t>(j) < lanes && (mask >> j & 1);
    t.result = present ? threads[warpBase + static_cast<size_t>(j)].value
                       : static_cast<int32_t>(kShufflePoison);
    t.valid = pval ? 1 : 0;
    t.state = State::Runnable;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// The backend
//===----------------------------------------------------------------------===//

namespace {

class SimBackend final : public GpuBackend {
public:
  SimBackend(const TargetInfo &target, std::vector<SimKernel> kernels,
             ThreadPool *pool)
      : target(target), kernels(std::move(kernels)), pool(pool) {}

  bool activate(std::string *) override { return true; }

  void *allocate(size_t bytes, std::string *error) override {
    size_t rounded =
        (bytes + kDeviceAlignment - 1) / kDeviceAlignment * kDeviceAlignment;
    void *p = rounded < bytes ? nullptr
                              : std::aligned_alloc(kDeviceAlignment, rounded);
    if (!p)
      *error = "out of memory: cannot allocate " + std::to_string(bytes) +
               " bytes of (sim) device memory";
    return p;
  }

  void release(void *ptr) override { std::free(ptr); }

  bool copyToDevice(void *dst, const void *src, size_t bytes,
                    std::string *) override {
    if (bytes)
      std::memcpy(dst, src, bytes);
    return true;
  }

  bool copyToHost(void *dst, const void *src, size_t bytes,
                  std::string *) override {
    if (bytes)
      std::memcpy(dst, src, bytes);
    return true;
  }

  bool launch(size_t kernel, const LaunchConfig &config, void **args, int64_t,
              std::string *error) override {
    const KernelInfo &info = target.kernels[kernel];
    GridRun grid;
    grid.fn = kernels[kernel];
    grid.kernel = &info;
    grid.config = config;
    grid.args = args;
    grid.numBlocks = config.grid[0] * config.grid[1] * config.grid[2];
    grid.threadsPerBlock = static_cast<size_t>(
        config.block[0] * config.block[1] * config.block[2]);
    grid.dynamicOffset = (info.staticSharedBytes + 15u) / 16u * 16u;
    grid.sharedBytes =
        grid.dynamicOffset + static_cast<size_t>(config.dynamicSharedBytes);
    if (pool && pool->numThreads() > 1 && grid.numBlocks > 1)
      pool->parallelFor(grid.numBlocks, runBlocksBody, &grid);
    else
      runBlocksBody(&grid, 0, grid.numBlocks);
    if (grid.outOfMemory.load()) {
      *error = "out of memory while running its blocks";
      return false;
    }
    if (grid.firstFailed.load() != INT64_MAX) {
      *error = std::move(grid.error);
      return false;
    }
    return true;
  }

  bool synchronize(std::string *) override { return true; }

private:
  const TargetInfo &target;
  std::vector<SimKernel> kernels;
  ThreadPool *pool;
};

} // namespace

std::unique_ptr<GpuBackend>
recur::rt::createSimBackend(const TargetInfo &target,
                            const HostLibrary &library, ThreadPool *pool,
                            std::string *error) {
  std::vector<SimKernel> kernels;
  kernels.reserve(target.kernels.size());
  for (size_t k = 0; k < target.kernels.size(); ++k) {
    std::string symbol = RECUR_SIM_KERNEL_PREFIX + target.kernels[k].name;
    std::string why;
    void *p = library.symbol(symbol.c_str(), &why);
    if (!p) {
      *error = "kernel " + std::to_string(k) + " (" +
               quote(target.kernels[k].name) + "): symbol " + quote(symbol) +
               " is missing from the module's sim code: " + why;
      return nullptr;
    }
    kernels.push_back(reinterpret_cast<SimKernel>(p));
  }
  return std::make_unique<SimBackend>(target, std::move(kernels), pool);
}

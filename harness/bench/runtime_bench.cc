// Micro-benchmarks of the worker runtime, each beside the library it must beat, in one binary
// and one run so the machine's state is the same for both:
//   - SPSC one-way latency (ping-pong round trip / 2) and throughput: SpscChannel vs
//     boost::lockfree::spsc_queue;
//   - MPMC one-way latency and 2-producer 2-consumer throughput: MpmcChannel vs
//     boost::lockfree::queue and moodycamel::ConcurrentQueue;
//   - work-stealing scheduler spawn and steal cost; partitioner cost per key.
// Latency benchmarks pin the two threads to CPUs 0 and 1 (the numbers mean nothing if both share
// a core). `one_way_ns` is the latency figure; items_per_second is the throughput figure.
#include <benchmark/benchmark.h>

#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <concurrentqueue/concurrentqueue.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "protocols/runtime/mpmc_channel.h"
#include "protocols/runtime/partitioner.h"
#include "protocols/runtime/real/cpu_affinity.h"
#include "protocols/runtime/spsc_channel.h"
#include "protocols/runtime/work_stealing_scheduler.h"

namespace {

using namespace wirelab::runtime;

constexpr std::size_t kCapacity = 1024;

// Uniform try_push/try_pop faces over the queues under test.
struct OurSpsc {
  SpscChannel<std::uint64_t> q{kCapacity};
  bool push(std::uint64_t v) { return q.try_push(v); }
  bool pop(std::uint64_t& v) { return q.try_pop(v); }
};
struct BoostSpsc {
  boost::lockfree::spsc_queue<std::uint64_t, boost::lockfree::capacity<kCapacity>> q;
  bool push(std::uint64_t v) { return q.push(v); }
  bool pop(std::uint64_t& v) { return q.pop(v); }
};
struct OurMpmc {
  MpmcChannel<std::uint64_t> q{kCapacity};
  bool push(std::uint64_t v) { return q.try_push(v); }
  bool pop(std::uint64_t& v) { return q.try_pop(v); }
};
struct BoostMpmc {
  boost::lockfree::queue<std::uint64_t, boost::lockfree::capacity<kCapacity>> q;
  bool push(std::uint64_t v) { return q.push(v); }
  bool pop(std::uint64_t& v) { return q.pop(v); }
};
struct MoodycamelMpmc {
  moodycamel::ConcurrentQueue<std::uint64_t> q{kCapacity};
  bool push(std::uint64_t v) { return q.enqueue(v); }
  bool pop(std::uint64_t& v) { return q.try_dequeue(v); }
};

class PinnedTo {
 public:
  explicit PinnedTo(std::size_t cpu) {
    pthread_getaffinity_np(pthread_self(), sizeof(saved_), &saved_);
    real::pin_current_thread(cpu % real::online_cpus());
  }
  ~PinnedTo() { pthread_setaffinity_np(pthread_self(), sizeof(saved_), &saved_); }

 private:
  cpu_set_t saved_;
};

constexpr std::uint64_t kStop = ~0ULL;

// One iteration = one round trip: ping on one queue, the echo thread answers on another.
template <typename Queue>
void one_way_latency(benchmark::State& state) {
  auto ping = std::make_unique<Queue>();
  auto pong = std::make_unique<Queue>();
  std::thread echo([&] {
    real::pin_current_thread(1 % real::online_cpus());
    std::uint64_t v = 0;
    for (;;) {
      while (!ping->pop(v)) {
      }
      while (!pong->push(v)) {
      }
      if (v == kStop) return;
    }
  });
  PinnedTo pinned(0);
  std::uint64_t sequence = 0, back = 0;
  const auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    while (!ping->push(sequence)) {
    }
    while (!pong->pop(back)) {
    }
    ++sequence;
  }
  const auto elapsed_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - started).count();
  while (!ping->push(kStop)) {
  }
  while (!pong->pop(back) || back != kStop) {
  }
  echo.join();
  state.SetItemsProcessed(state.iterations() * 2);
  state.counters["one_way_ns"] = elapsed_ns / (2.0 * static_cast<double>(state.iterations()));
}

// The machine's floor for any queue's one-way latency: one cache line handed back and forth
// between the same two CPUs (a counter each side bumps in turn). A queue hand-off can approach
// this but not beat it; on a VM it changes with where the hypervisor puts the vCPUs.
void cache_line_handoff_floor(benchmark::State& state) {
  struct alignas(kCacheLineBytes) Line {
    std::atomic<std::uint64_t> turn{0};
  };
  auto line = std::make_unique<Line>();
  std::atomic<bool> done{false};
  std::thread echo([&] {
    real::pin_current_thread(1 % real::online_cpus());
    std::uint64_t expect = 1;
    while (!done.load(std::memory_order_relaxed)) {
      if (line->turn.load(std::memory_order_acquire) == expect) {
        line->turn.store(expect + 1, std::memory_order_release);
        expect += 2;
      }
    }
  });
  PinnedTo pinned(0);
  std::uint64_t mine = 0;
  const auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    line->turn.store(mine + 1, std::memory_order_release);
    while (line->turn.load(std::memory_order_acquire) != mine + 2) {
    }
    mine += 2;
  }
  const auto elapsed_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - started).count();
  done.store(true, std::memory_order_relaxed);
  echo.join();
  state.SetItemsProcessed(state.iterations() * 2);
  state.counters["one_way_ns"] = elapsed_ns / (2.0 * static_cast<double>(state.iterations()));
}

// One iteration = one item moved from the producer thread to this (consumer) thread.
template <typename Queue>
void spsc_throughput(benchmark::State& state) {
  auto queue = std::make_unique<Queue>();
  const auto items = static_cast<std::uint64_t>(state.max_iterations);
  std::thread producer([&] {
    real::pin_current_thread(1 % real::online_cpus());
    for (std::uint64_t i = 0; i < items; ++i) {
      while (!queue->push(i)) {
      }
    }
  });
  PinnedTo pinned(0);
  std::uint64_t v = 0;
  for (auto _ : state) {
    while (!queue->pop(v)) {
    }
    benchmark::DoNotOptimize(v);
  }
  producer.join();
  state.SetItemsProcessed(state.iterations());
}

// The batch APIs: up to 32 items per push and pop.
struct OurSpscBatch {
  SpscChannel<std::uint64_t> q{kCapacity};
  std::size_t push(const std::uint64_t* items, std::size_t n) {
    return q.try_push_batch(const_cast<std::uint64_t*>(items), n);
  }
  std::size_t pop(std::uint64_t* out, std::size_t n) { return q.try_pop_batch(out, n); }
};
struct BoostSpscBatch {
  boost::lockfree::spsc_queue<std::uint64_t, boost::lockfree::capacity<kCapacity>> q;
  std::size_t push(const std::uint64_t* items, std::size_t n) { return q.push(items, n); }
  std::size_t pop(std::uint64_t* out, std::size_t n) { return q.pop(out, n); }
};

template <typename Queue>
void spsc_throughput_batched(benchmark::State& state) {
  auto owned = std::make_unique<Queue>();
  Queue& queue = *owned;
  const auto items = static_cast<std::uint64_t>(state.max_iterations);
  std::thread producer([&] {
    real::pin_current_thread(1 % real::online_cpus());
    std::uint64_t buffer[32];
    std::uint64_t sent = 0;
    while (sent < items) {
      std::size_t n = 0;
      while (n < 32 && sent + n < items) buffer[n] = sent + n, ++n;
      sent += queue.push(buffer, n);
    }
  });
  PinnedTo pinned(0);
  std::uint64_t buffer[32];
  std::size_t have = 0, next = 0;
  for (auto _ : state) {
    if (next == have) {
      do {
        have = queue.pop(buffer, 32);
      } while (have == 0);
      next = 0;
    }
    benchmark::DoNotOptimize(buffer[next++]);
  }
  producer.join();
  state.SetItemsProcessed(state.iterations());
}

// Threads(4): threads 0 and 1 produce, 2 and 3 consume; each does one item per iteration, so the
// counts balance. Idle spins yield: with four threads on few cores a spinning thread would
// otherwise steal the time slice of the thread it waits for.
template <typename Queue>
std::unique_ptr<Queue> shared_queue;

template <typename Queue>
void mpmc_throughput_2p2c(benchmark::State& state) {
  if (state.thread_index() == 0) shared_queue<Queue> = std::make_unique<Queue>();
  const bool producer = state.thread_index() < 2;
  std::uint64_t v = 0;
  for (auto _ : state) {
    if (producer) {
      while (!shared_queue<Queue>->push(v)) std::this_thread::yield();
      ++v;
    } else {
      while (!shared_queue<Queue>->pop(v)) std::this_thread::yield();
      benchmark::DoNotOptimize(v);
    }
  }
  if (state.thread_index() == 0) shared_queue<Queue>.reset();
  state.SetItemsProcessed(producer ? 0 : state.iterations());
}

void scheduler_spawn_and_run(benchmark::State& state) {
  WorkStealingScheduler scheduler(2, 1);
  std::uint64_t counter = 0;
  for (auto _ : state) {
    scheduler.spawn_on(0, [&counter] { ++counter; });
    scheduler.run_one(0);
  }
  benchmark::DoNotOptimize(counter);
  state.SetItemsProcessed(state.iterations());
}

void scheduler_spawn_and_steal(benchmark::State& state) {
  WorkStealingScheduler scheduler(2, 1);
  std::uint64_t counter = 0;
  for (auto _ : state) {
    scheduler.spawn_on(0, [&counter] { ++counter; });
    scheduler.run_one(1);  // worker 1 finds its own deque empty and steals from worker 0
  }
  benchmark::DoNotOptimize(counter);
  state.counters["stolen"] = static_cast<double>(scheduler.stats().stolen);
  state.SetItemsProcessed(state.iterations());
}

template <typename MakePartitioner>
void partitioner_cost(benchmark::State& state, MakePartitioner make) {
  auto partitioner = make();
  std::uint64_t key = 0x12345;
  std::size_t sink = 0;
  for (auto _ : state) {
    sink += partitioner->shard_for(key);
    key = key * 6364136223846793005ULL + 1442695040888963407ULL;
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(cache_line_handoff_floor)->Name("spsc/latency/cache_line_floor");
BENCHMARK_TEMPLATE(one_way_latency, OurSpsc)->Name("spsc/latency/wirelab");
BENCHMARK_TEMPLATE(one_way_latency, BoostSpsc)->Name("spsc/latency/boost_spsc_queue");
BENCHMARK_TEMPLATE(spsc_throughput, OurSpsc)->Name("spsc/throughput/wirelab");
BENCHMARK_TEMPLATE(spsc_throughput, BoostSpsc)->Name("spsc/throughput/boost_spsc_queue");
BENCHMARK_TEMPLATE(spsc_throughput_batched, OurSpscBatch)->Name("spsc/throughput_batch32/wirelab");
BENCHMARK_TEMPLATE(spsc_throughput_batched, BoostSpscBatch)->Name("spsc/throughput_batch32/boost_spsc_queue");
BENCHMARK_TEMPLATE(one_way_latency, OurMpmc)->Name("mpmc/latency/wirelab");
BENCHMARK_TEMPLATE(one_way_latency, BoostMpmc)->Name("mpmc/latency/boost_queue");
BENCHMARK_TEMPLATE(one_way_latency, MoodycamelMpmc)->Name("mpmc/latency/moodycamel");
BENCHMARK_TEMPLATE(mpmc_throughput_2p2c, OurMpmc)->Name("mpmc/throughput_2p2c/wirelab")->Threads(4)->UseRealTime();
BENCHMARK_TEMPLATE(mpmc_throughput_2p2c, BoostMpmc)->Name("mpmc/throughput_2p2c/boost_queue")->Threads(4)->UseRealTime();
BENCHMARK_TEMPLATE(mpmc_throughput_2p2c, MoodycamelMpmc)->Name("mpmc/throughput_2p2c/moodycamel")->Threads(4)->UseRealTime();
BENCHMARK(scheduler_spawn_and_run)->Name("scheduler/spawn_run_own");
BENCHMARK(scheduler_spawn_and_steal)->Name("scheduler/spawn_steal");
BENCHMARK_CAPTURE(partitioner_cost, hash, [] { return std::make_unique<HashPartitioner>(16); })->Name("partitioner/hash_16");
BENCHMARK_CAPTURE(partitioner_cost, range, [] {
  std::vector<std::uint64_t> splits;
  for (std::uint64_t i = 1; i < 16; ++i) splits.push_back(i * (UINT64_MAX / 16));
  return std::make_unique<RangePartitioner>(splits);
})->Name("partitioner/range_16");
BENCHMARK_CAPTURE(partitioner_cost, consistent, [] { return std::make_unique<ConsistentHashRing>(16, 100); })->Name("partitioner/consistent_16x100");
BENCHMARK_CAPTURE(partitioner_cost, round_robin, [] { return std::make_unique<RoundRobinPartitioner>(16); })->Name("partitioner/round_robin_16");
BENCHMARK_CAPTURE(partitioner_cost, custom, [] {
  return std::make_unique<CustomPartitioner>(16, [](std::uint64_t k) { return static_cast<std::size_t>(k >> 60); });
})->Name("partitioner/custom_16");

}  // namespace

BENCHMARK_MAIN();

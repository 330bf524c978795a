// WorkerPool: lifecycle and control messages, routing by partitioner on real threads, the three
// overflow policies and the upstream pressure signal, and supervision (dead letter, restart with
// back-off, escalation) driven deterministically in simulated time.
#include "protocols/runtime/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "protocols/runtime/real/thread_host.h"
#include "protocols/runtime/sim_executor.h"

namespace wirelab::runtime {
namespace {

using std::chrono::milliseconds;

struct Job {
  std::uint64_t key = 0;
  bool poison = false;
};

// What the workers saw, written by each worker's own thread into its own slot.
struct Observations {
  explicit Observations(std::size_t workers) : per_worker(workers) {}
  struct alignas(64) Slot {
    std::atomic<std::uint64_t> inits{0}, messages{0}, ticks{0}, shutdowns{0}, misrouted{0};
    std::atomic<std::uint32_t> last_incarnation{0};
  };
  std::vector<Slot> per_worker;
};

class CountingWorker final : public Worker<Job> {
 public:
  CountingWorker(Observations& seen, Partitioner* expected_routing)
      : seen_(seen), routing_(expected_routing) {}
  void on_init(WorkerContext& context) override {
    slot(context).inits++;
    slot(context).last_incarnation = context.incarnation;
  }
  void on_message(Job& job, WorkerContext& context) override {
    if (job.poison) throw std::runtime_error("poison job");
    if (routing_ && routing_->shard_for(job.key) != context.worker) slot(context).misrouted++;
    slot(context).messages++;
  }
  void on_tick(WorkerContext& context) override { slot(context).ticks++; }
  void on_shutdown(WorkerContext& context) override { slot(context).shutdowns++; }

 private:
  Observations::Slot& slot(const WorkerContext& context) { return seen_.per_worker[context.worker]; }
  Observations& seen_;
  Partitioner* routing_;
};

TEST(WorkerPoolOnThreads, RoutesByKeyAndRunsTheLifecycle) {
  constexpr std::size_t kWorkers = 3;
  constexpr std::uint64_t kJobs = 30'000;
  Observations seen(kWorkers);
  HashPartitioner routing(kWorkers);  // read-only use from workers: hashing has no state
  WorkerPoolConfig config;
  config.workers = kWorkers;
  config.mailbox_capacity = 256;
  config.high_watermark = 200;
  config.low_watermark = 50;
  config.tick_interval = milliseconds(1);
  WorkerPool<Job> pool(config, [&](std::size_t) { return std::make_unique<CountingWorker>(seen, &routing); });
  std::atomic<std::uint64_t> pongs{0};
  pool.on_pong([&](std::size_t, std::uint64_t) { pongs++; });
  {
    real::ThreadHost<Job> host(pool);
    host.start();
    std::thread producers[2];
    for (int p = 0; p < 2; ++p) {
      producers[p] = std::thread([&, p] {
        HashPartitioner mine(kWorkers);
        for (std::uint64_t i = p; i < kJobs; i += 2) {
          Job job{i, false};
          ASSERT_EQ(host.submit_blocking(mine.shard_for(i), job), OfferOutcome::accepted);
        }
      });
    }
    for (auto& t : producers) t.join();
    for (std::size_t w = 0; w < kWorkers; ++w) ASSERT_TRUE(pool.control(w, {ControlKind::ping, 100 + w}));
    std::uint64_t handled = 0;
    while (handled < kJobs || pongs.load() < kWorkers) {
      handled = 0;
      for (std::size_t w = 0; w < kWorkers; ++w) handled += pool.handled(w);
      std::this_thread::yield();
    }
    for (std::size_t w = 0; w < kWorkers; ++w) EXPECT_EQ(pool.last_pong(w), 100 + w);
    pool.stop_all();
    host.join();
  }
  EXPECT_TRUE(pool.all_stopped());
  std::uint64_t total = 0;
  for (std::size_t w = 0; w < kWorkers; ++w) {
    auto& s = seen.per_worker[w];
    EXPECT_EQ(s.inits.load(), 1u);
    EXPECT_EQ(s.shutdowns.load(), 1u);
    EXPECT_EQ(s.misrouted.load(), 0u);
    EXPECT_GT(s.messages.load(), kJobs / kWorkers / 2);
    total += s.messages.load();
  }
  EXPECT_EQ(total, kJobs);
  EXPECT_EQ(pool.dead_letters().total(), 0u);
}

// Single-threaded from here on: the test is the host and calls step() itself.
WorkerPoolConfig small_pool(OverflowPolicy policy) {
  WorkerPoolConfig config;
  config.workers = 1;
  config.mailbox_capacity = 4;
  config.overflow = policy;
  config.high_watermark = 3;
  config.low_watermark = 1;
  return config;
}

TEST(WorkerPool, BlockPolicyHandsTheMessageBack) {
  Observations seen(1);
  WorkerPool<Job> pool(small_pool(OverflowPolicy::block), [&](std::size_t) { return std::make_unique<CountingWorker>(seen, nullptr); });
  for (std::uint64_t i = 0; i < 4; ++i) {
    Job job{i};
    EXPECT_EQ(pool.submit_to(0, job, kTimeZero), OfferOutcome::accepted);
  }
  Job extra{99};
  EXPECT_EQ(pool.submit_to(0, extra, kTimeZero), OfferOutcome::would_block);
  EXPECT_EQ(extra.key, 99u);
  EXPECT_EQ(pool.dead_letters().total(), 0u);
}

TEST(WorkerPool, RejectAndShedOldestDeadLetterTheRightMessage) {
  Observations seen(1);
  WorkerPool<Job> reject(small_pool(OverflowPolicy::reject), [&](std::size_t) { return std::make_unique<CountingWorker>(seen, nullptr); });
  WorkerPool<Job> shed(small_pool(OverflowPolicy::shed_oldest), [&](std::size_t) { return std::make_unique<CountingWorker>(seen, nullptr); });
  for (std::uint64_t i = 0; i < 6; ++i) {
    Job a{i}, b{i};
    reject.submit_to(0, a, kTimeZero);
    shed.submit_to(0, b, kTimeZero);
  }
  auto rejected = reject.dead_letters().drain();
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].message.key, 4u);
  EXPECT_EQ(rejected[0].reason, DeadLetterReason::rejected);
  auto dropped = shed.dead_letters().drain();
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[0].message.key, 0u);
  EXPECT_EQ(dropped[1].message.key, 1u);
  EXPECT_EQ(dropped[0].reason, DeadLetterReason::shed);
}

TEST(WorkerPool, PressureRaisedAtHighWatermarkClearedAtLow) {
  Observations seen(1);
  WorkerPoolConfig config = small_pool(OverflowPolicy::block);
  config.max_batch = 1;
  WorkerPool<Job> pool(config, [&](std::size_t) { return std::make_unique<CountingWorker>(seen, nullptr); });
  std::vector<bool> signals;
  pool.on_pressure([&](std::size_t, bool raised) { signals.push_back(raised); });
  for (std::uint64_t i = 0; i < 3; ++i) {
    Job job{i};
    pool.submit_to(0, job, kTimeZero);
  }
  EXPECT_TRUE(pool.under_pressure(0));
  pool.step(0, kTimeZero);  // depth 2: still raised (hysteresis)
  EXPECT_TRUE(pool.under_pressure(0));
  pool.step(0, kTimeZero);  // depth 1: cleared
  EXPECT_FALSE(pool.under_pressure(0));
  EXPECT_EQ(signals, (std::vector<bool>{true, false}));
}

TEST(WorkerPool, PauseHoldsMessagesResumeReleasesStopDeadLettersTheRest) {
  Observations seen(1);
  WorkerPool<Job> pool(small_pool(OverflowPolicy::block), [&](std::size_t) { return std::make_unique<CountingWorker>(seen, nullptr); });
  pool.step(0, kTimeZero);
  EXPECT_EQ(pool.state(0), WorkerState::running);
  pool.control(0, {ControlKind::pause});
  Job job{1};
  pool.submit_to(0, job, kTimeZero);
  pool.step(0, kTimeZero);
  EXPECT_EQ(pool.state(0), WorkerState::paused);
  EXPECT_EQ(seen.per_worker[0].messages.load(), 0u);
  pool.control(0, {ControlKind::resume});
  pool.step(0, kTimeZero);
  EXPECT_EQ(seen.per_worker[0].messages.load(), 1u);
  Job later{2};
  pool.submit_to(0, later, kTimeZero);
  pool.control(0, {ControlKind::stop});  // control goes before data
  pool.step(0, kTimeZero);
  EXPECT_EQ(pool.state(0), WorkerState::stopped);
  EXPECT_EQ(seen.per_worker[0].messages.load(), 1u);
  EXPECT_EQ(seen.per_worker[0].shutdowns.load(), 1u);
  EXPECT_EQ(pool.dead_letters().count(DeadLetterReason::undeliverable), 1u);
  Job after{3};
  EXPECT_EQ(pool.submit_to(0, after, kTimeZero), OfferOutcome::rejected);
}

TEST(WorkerPool, PauseBeforeFirstStepStillInitsThenHolds) {
  Observations seen(1);
  WorkerPool<Job> pool(small_pool(OverflowPolicy::block), [&](std::size_t) { return std::make_unique<CountingWorker>(seen, nullptr); });
  pool.control(0, {ControlKind::pause});
  Job job{1};
  pool.submit_to(0, job, kTimeZero);
  pool.step(0, kTimeZero);
  EXPECT_EQ(pool.state(0), WorkerState::paused);
  EXPECT_EQ(seen.per_worker[0].inits.load(), 1u);
  EXPECT_EQ(seen.per_worker[0].messages.load(), 0u);
  pool.control(0, {ControlKind::resume});
  pool.step(0, kTimeZero);
  EXPECT_EQ(seen.per_worker[0].messages.load(), 1u);
}

// Hosts a pool on a SimExecutor: each worker steps every 1 ms of virtual time.
void step_every_ms(SimExecutor& sim, WorkerPool<Job>& pool, Timestamp until) {
  std::function<void()> tick = [&] {
    for (std::size_t w = 0; w < pool.worker_count(); ++w) pool.step(w, sim.now());
    if (sim.now() + milliseconds(1) <= until) sim.post_after(milliseconds(1), tick);
  };
  sim.post_at(sim.now(), tick);
  sim.run_until(until);
}

TEST(WorkerPoolInSimTime, OneForAllRestartsEveryWorkerAfterBackOff) {
  Observations seen(3);
  WorkerPoolConfig config;
  config.workers = 3;
  config.supervision.strategy = RestartStrategy::one_for_all;
  config.supervision.restart_backoff_base = milliseconds(20);
  config.supervision.max_restarts = 5;
  WorkerPool<Job> pool(config, [&](std::size_t) { return std::make_unique<CountingWorker>(seen, nullptr); });
  SimExecutor sim(1, 3);
  step_every_ms(sim, pool, kTimeZero + milliseconds(5));
  Job poison{7, true};
  pool.submit_to(1, poison, sim.now());
  step_every_ms(sim, pool, sim.now() + milliseconds(10));
  for (std::size_t w = 0; w < 3; ++w) EXPECT_EQ(pool.state(w), WorkerState::restarting) << w;
  const auto letters = pool.dead_letters().drain();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].reason, DeadLetterReason::handler_failed);
  EXPECT_EQ(letters[0].detail, "poison job");
  step_every_ms(sim, pool, sim.now() + milliseconds(20));
  for (std::size_t w = 0; w < 3; ++w) {
    EXPECT_EQ(pool.state(w), WorkerState::running) << w;
    EXPECT_EQ(pool.incarnation(w), 1u);
    EXPECT_EQ(seen.per_worker[w].inits.load(), 2u);
    EXPECT_EQ(seen.per_worker[w].shutdowns.load(), 1u);
    EXPECT_EQ(seen.per_worker[w].last_incarnation.load(), 1u);
  }
  // Messages queued during the back-off are handled by the new incarnation.
  Job fine{8};
  pool.submit_to(1, fine, sim.now());
  step_every_ms(sim, pool, sim.now() + milliseconds(2));
  EXPECT_EQ(seen.per_worker[1].messages.load(), 1u);
}

TEST(WorkerPoolInSimTime, CrashLoopEscalatesAndStopsThePool) {
  Observations seen(2);
  WorkerPoolConfig config;
  config.workers = 2;
  config.supervision.max_restarts = 3;
  config.supervision.intensity_period = std::chrono::seconds(10);
  config.supervision.restart_backoff_base = milliseconds(1);
  WorkerPool<Job> pool(config, [&](std::size_t) { return std::make_unique<CountingWorker>(seen, nullptr); });
  SimExecutor sim(1, 4);
  for (int i = 0; i < 10; ++i) {
    Job poison{0, true};
    pool.submit_to(0, poison, sim.now());
  }
  step_every_ms(sim, pool, kTimeZero + milliseconds(200));
  EXPECT_TRUE(pool.escalated());
  EXPECT_TRUE(pool.all_stopped());
  EXPECT_EQ(pool.dead_letters().count(DeadLetterReason::handler_failed), 4u);
  EXPECT_EQ(pool.dead_letters().count(DeadLetterReason::undeliverable), 6u);
  EXPECT_GE(seen.per_worker[0].ticks.load() + seen.per_worker[1].ticks.load(), 1u);
}

}  // namespace
}  // namespace wirelab::runtime

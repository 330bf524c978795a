// WorkStealingScheduler: owner order (LIFO within a priority, higher priority first), thieves
// take the oldest task, priority holds across workers, and a multi-threaded run executes every
// task exactly once, including tasks spawned by tasks.
#include "protocols/runtime/work_stealing_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace wirelab::runtime {
namespace {

TEST(WorkStealingScheduler, OwnerRunsHigherPriorityFirstThenNewest) {
  WorkStealingScheduler scheduler(1, 7);
  std::vector<int> order;
  scheduler.spawn_on(0, [&] { order.push_back(1); }, Priority::low);
  scheduler.spawn_on(0, [&] { order.push_back(2); }, Priority::normal);
  scheduler.spawn_on(0, [&] { order.push_back(3); }, Priority::normal);
  scheduler.spawn_on(0, [&] { order.push_back(4); }, Priority::high);
  while (scheduler.run_one(0)) {
  }
  EXPECT_EQ(order, (std::vector<int>{4, 3, 2, 1}));
  EXPECT_EQ(scheduler.stats().executed, 4u);
}

TEST(WorkStealingScheduler, IdleWorkerStealsOldestTask) {
  WorkStealingScheduler scheduler(2, 7);
  std::vector<int> order;
  for (int i = 0; i < 3; ++i) scheduler.spawn_on(0, [&order, i] { order.push_back(i); });
  ASSERT_TRUE(scheduler.run_one(1));
  EXPECT_EQ(order, (std::vector<int>{0}));
  EXPECT_EQ(scheduler.stats().stolen, 1u);
  ASSERT_TRUE(scheduler.run_one(0));
  EXPECT_EQ(order, (std::vector<int>{0, 2}));
}

TEST(WorkStealingScheduler, StealsHighPriorityBeforeRunningOwnLowPriority) {
  WorkStealingScheduler scheduler(2, 7);
  std::vector<int> order;
  scheduler.spawn_on(1, [&] { order.push_back(1); }, Priority::low);
  scheduler.spawn_on(0, [&] { order.push_back(0); }, Priority::high);
  ASSERT_TRUE(scheduler.run_one(1));
  EXPECT_EQ(order, (std::vector<int>{0}));
}

TEST(WorkStealingScheduler, ThreadsRunEveryTaskExactlyOnce) {
  constexpr int kWorkers = 4;
  constexpr int kRoots = 20'000;
  WorkStealingScheduler scheduler(kWorkers, 11);
  std::vector<std::atomic<int>> runs(kRoots * 2);
  std::atomic<int> done{0};
  // Every task lands on worker 0, and half of them spawn a child there: the others must steal.
  for (int i = 0; i < kRoots; ++i) {
    scheduler.spawn_on(0, [&, i] {
      runs[i].fetch_add(1);
      done.fetch_add(1);
      if (i % 2 == 0) {
        scheduler.spawn_on(0, [&, i] {
          runs[kRoots + i].fetch_add(1);
          done.fetch_add(1);
        }, Priority::high);
      }
    }, static_cast<Priority>(i % 3));
  }
  const int expected = kRoots + kRoots / 2;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      while (done.load() < expected) {
        if (!scheduler.run_one(w)) std::this_thread::yield();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), expected);
  int wrong = 0;
  for (int i = 0; i < kRoots; ++i) wrong += runs[i].load() != 1;
  for (int i = 0; i < kRoots; i += 2) wrong += runs[kRoots + i].load() != 1;
  EXPECT_EQ(wrong, 0);
  const auto stats = scheduler.stats();
  EXPECT_EQ(stats.spawned, static_cast<std::uint64_t>(expected));
  EXPECT_EQ(stats.executed, static_cast<std::uint64_t>(expected));
  EXPECT_EQ(scheduler.pending(), 0u);
}

}  // namespace
}  // namespace wirelab::runtime

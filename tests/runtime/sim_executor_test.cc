// SimExecutor: events in time then scheduling order, FIFO service on a fixed number of servers,
// run_until/next_event_time as a host uses them, and same seed gives the same schedule.
#include "protocols/runtime/sim_executor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wirelab::runtime {
namespace {

using std::chrono::milliseconds;

Timestamp at_ms(std::int64_t ms) { return kTimeZero + milliseconds(ms); }
std::int64_t ms_of(Timestamp t) { return to_ns(t) / 1'000'000; }

TEST(SimExecutor, TimersRunInTimeThenSchedulingOrder) {
  SimExecutor sim(1, 1);
  std::vector<std::string> log;
  sim.post_at(at_ms(20), [&] { log.push_back("b@" + std::to_string(ms_of(sim.now()))); });
  sim.post_at(at_ms(10), [&] { log.push_back("a@" + std::to_string(ms_of(sim.now()))); });
  sim.post_at(at_ms(20), [&] { log.push_back("c@" + std::to_string(ms_of(sim.now()))); });
  EXPECT_EQ(sim.next_event_time(), at_ms(10));
  EXPECT_EQ(sim.run_until(at_ms(15)), 1u);
  EXPECT_EQ(sim.now(), at_ms(15));
  EXPECT_EQ(sim.run_until(at_ms(100)), 2u);
  EXPECT_EQ(log, (std::vector<std::string>{"a@10", "b@20", "c@20"}));
  EXPECT_EQ(sim.next_event_time(), kTimeInfinite);
}

TEST(SimExecutor, ServersServeTasksFirstComeFirstServed) {
  SimExecutor sim(2, 1, fixed_service_time(milliseconds(10)));
  std::vector<std::string> log;
  for (int i = 0; i < 5; ++i) {
    sim.post([&, i] { log.push_back(std::to_string(i) + "@" + std::to_string(ms_of(sim.now()))); });
  }
  EXPECT_EQ(sim.busy_servers(), 2u);
  EXPECT_EQ(sim.queued_tasks(), 3u);
  sim.run_all();
  EXPECT_EQ(log, (std::vector<std::string>{"0@10", "1@10", "2@20", "3@20", "4@30"}));
  EXPECT_EQ(sim.busy_time(), milliseconds(50));
  EXPECT_EQ(sim.busy_servers(), 0u);
}

TEST(SimExecutor, TasksPostedByTasksQueueBehindWaitingOnes) {
  SimExecutor sim(1, 1);
  std::vector<int> order;
  sim.post_with_service(milliseconds(5), [&] {
    order.push_back(1);
    sim.post_with_service(milliseconds(1), [&] { order.push_back(3); });
  });
  sim.post_with_service(milliseconds(5), [&] { order.push_back(2); });
  sim.run_all();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(sim.now(), at_ms(11));
}

std::vector<std::int64_t> open_loop_completions(std::uint64_t seed) {
  SimExecutor sim(3, seed, exponential_service_time(milliseconds(4)));
  SeededRandom arrivals(seed + 100);
  std::vector<std::int64_t> done_ns;
  Timestamp t = kTimeZero;
  for (int i = 0; i < 500; ++i) {
    t += Duration{static_cast<std::int64_t>(arrivals.exponential(1.5e6))};
    sim.post_at(t, [&] { sim.post([&] { done_ns.push_back(to_ns(sim.now())); }); });
  }
  while (sim.next_event_time() != kTimeInfinite) sim.run_until(sim.next_event_time());
  return done_ns;
}

TEST(SimExecutor, SameSeedSameScheduleDifferentSeedDifferentSchedule) {
  const auto a = open_loop_completions(5);
  const auto b = open_loop_completions(5);
  const auto c = open_loop_completions(6);
  ASSERT_EQ(a.size(), 500u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace wirelab::runtime

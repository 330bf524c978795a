// RealJobRunner: steps run on worker threads and come back to the polling thread through the
// channel, each exactly once and in order per job, with the eventfd saying when to look; rpc
// service times hold a worker at least that long; paced steps (stream tokens) start no earlier
// than their interval and leave the worker free meanwhile. Safe under ThreadSanitizer by design
// (workers and poller share only the channel and the eventfd).
#include "protocols/runtime/real/real_job_runner.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <time.h>

#include <atomic>
#include <map>
#include <vector>

namespace wirelab::runtime {
namespace {

Timestamp now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return timestamp_from_ns(static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
}

struct Seen {
  StepDone done;
  Timestamp at;
};

// Polls the runner as a host's epoll loop would (waiting on its eventfd) until `steps` steps
// came back or 5 s passed.
std::vector<Seen> collect(RealJobRunner& runner, std::size_t steps) {
  std::vector<Seen> seen;
  std::vector<StepDone> batch;
  const Timestamp give_up = now() + std::chrono::seconds(5);
  while (seen.size() < steps && now() < give_up) {
    pollfd fd{runner.wake_fd(), POLLIN, 0};
    poll(&fd, 1, 100);
    batch.clear();
    runner.poll(now(), batch);
    const Timestamp t = now();
    for (const StepDone& d : batch) seen.push_back({d, t});
  }
  return seen;
}

TEST(RealJobRunner, EveryStepOfEveryJobComesBackOnceAndInOrder) {
  RealJobOptions options;
  options.workers = 3;
  options.channel_capacity = 16;  // smaller than the steps in flight: workers wait for the poller
  RealJobRunner runner(options);
  constexpr std::uint64_t kJobs = 40;
  constexpr std::uint32_t kSteps = 25;
  for (std::uint64_t j = 0; j < kJobs; ++j) runner.start(now(), j, kSteps);
  const std::vector<Seen> seen = collect(runner, kJobs * kSteps);
  ASSERT_EQ(seen.size(), kJobs * kSteps);
  std::map<std::uint64_t, std::uint32_t> next_step;
  for (const Seen& s : seen) {
    ASSERT_LT(s.done.job, kJobs);
    EXPECT_EQ(s.done.step, next_step[s.done.job]) << "job " << s.done.job;
    next_step[s.done.job] = s.done.step + 1;
  }
  for (std::uint64_t j = 0; j < kJobs; ++j) EXPECT_EQ(next_step[j], kSteps);
  EXPECT_EQ(runner.steps_completed(), kJobs * kSteps);
  // Nothing more comes: each step was reported once.
  std::vector<StepDone> more;
  runner.poll(now(), more);
  EXPECT_TRUE(more.empty());
}

TEST(RealJobRunner, ServiceTimeHoldsTheWorkerAtLeastThatLong) {
  RealJobOptions options;
  options.workers = 2;
  options.step_service = runtime::fixed_service_time(std::chrono::milliseconds(3));
  RealJobRunner runner(options);
  const Timestamp started = now();
  for (std::uint64_t j = 0; j < 4; ++j) runner.start(started, j, 1);
  const std::vector<Seen> seen = collect(runner, 4);
  ASSERT_EQ(seen.size(), 4u);
  // Two workers, four 3 ms jobs: two rounds, so the last is done 6 ms after the start at least.
  for (const Seen& s : seen) EXPECT_GE(s.at - started, std::chrono::milliseconds(3));
  EXPECT_GE(seen.back().at - started, std::chrono::milliseconds(6));
}

TEST(RealJobRunner, PacedStepsKeepTheirIntervalAndFreeTheWorkerBetween) {
  RealJobOptions options;
  options.workers = 1;
  options.step_interval = std::chrono::milliseconds(20);
  std::atomic<int> computed{0};
  options.step_work = [&computed](std::uint64_t, std::uint32_t) { computed.fetch_add(1); };
  RealJobRunner runner(options);
  const Timestamp started = now();
  runner.start(started, 1, 3);
  runner.start(started, 2, 3);
  const std::vector<Seen> seen = collect(runner, 6);
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(computed.load(), 6);
  std::map<std::uint64_t, std::vector<Timestamp>> at;
  for (const Seen& s : seen) at[s.done.job].push_back(s.at);
  // Step k of a job starts k intervals after its first at the earliest.
  for (auto& [job, times] : at) {
    ASSERT_EQ(times.size(), 3u);
    EXPECT_GE(times[2] - started, std::chrono::milliseconds(40)) << "job " << job;
  }
  // One worker: if it were held through the interval, one job would run all its steps before
  // the other started. It is free between tokens, so both first tokens come before any second.
  EXPECT_EQ(seen[0].done.step, 0u);
  EXPECT_EQ(seen[1].done.step, 0u);
  EXPECT_NE(seen[0].done.job, seen[1].done.job);
}

TEST(RealJobRunner, DestroyingItWithJobsInFlightStopsCleanly) {
  RealJobOptions options;
  options.workers = 2;
  options.step_service = runtime::fixed_service_time(std::chrono::milliseconds(1));
  options.step_interval = std::chrono::milliseconds(50);
  auto runner = std::make_unique<RealJobRunner>(options);
  for (std::uint64_t j = 0; j < 8; ++j) runner->start(now(), j, 100);
  runner.reset();  // joins the workers; pending timers are dropped
  SUCCEED();
}

}  // namespace
}  // namespace wirelab::runtime

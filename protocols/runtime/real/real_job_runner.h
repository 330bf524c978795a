// JobRunner on real threads: the worker runtime's RealExecutor runs each step of a job, and the
// step's completion comes back to the connection's thread through a lock-free channel.
//
//   connection thread                      worker threads (RealExecutor)
//   start(job) -- post(step 0) ----------> run step: busy for its service time, or step_work
//                                          push StepDone into `done_` (MpmcChannel), write eventfd
//                                          next step: post() now, or post_at(step start +
//                                          step_interval) so no worker is held while waiting
//   epoll wakes on wake_fd() <-----------
//   poll(): read the eventfd, drain `done_`
//
// No lock and no shared state but the channel and the eventfd: the workers write StepDone
// values into the channel, the connection thread alone reads them (the session's maps are never
// touched off its thread). The eventfd is read before the channel is drained, so a completion
// pushed between the two still leaves the fd readable for the next wait.
//
// Service times (rpc) are drawn in the connection's thread at start(), from the same model as
// sim's SimJobRunner (fixed or exponential, seeded), and a worker spins for that long: the point
// is to hold a CPU like real request handling would, not to sleep.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/runtime/mpmc_channel.h"
#include "protocols/runtime/real/real_executor.h"
#include "protocols/runtime/sim_executor.h"
#include "protocols/runtime/job_runner.h"

namespace wirelab::runtime {

struct RealJobOptions {
  std::size_t workers = 1;
  std::uint64_t seed = 1;
  // rpc: each step holds its worker (spinning) for a time drawn from this model; empty: no spin.
  runtime::ServiceTimeModel step_service;
  // stream: what one step computes on its worker (one token of a model). Called concurrently
  // from several workers: it must be safe to call from any thread. Empty: nothing.
  std::function<void(std::uint64_t job, std::uint32_t step)> step_work;
  // The next step of a job starts no earlier than this after the previous one started (token
  // pacing); zero: at once, on the same worker's queue.
  Duration step_interval{0};
  // Completions the channel holds before a worker has to wait for the connection to drain it.
  std::size_t channel_capacity = 4096;
};

class RealJobRunner final : public JobRunner {
 public:
  explicit RealJobRunner(RealJobOptions options);
  ~RealJobRunner() override;
  RealJobRunner(const RealJobRunner&) = delete;
  RealJobRunner& operator=(const RealJobRunner&) = delete;

  std::size_t workers() const override { return options_.workers; }
  void start(Timestamp now, std::uint64_t job, std::uint32_t steps) override;
  void poll(Timestamp now, std::vector<StepDone>& done) override;
  // The runner wakes its host through wake_fd() instead.
  Timestamp next_timeout() const override { return kTimeInfinite; }

  // Readable (EPOLLIN) while completions may be waiting; the host adds it to its epoll set.
  int wake_fd() const { return wake_fd_; }
  // Steps completed on workers so far (any thread).
  std::uint64_t steps_completed() const { return steps_completed_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    std::uint64_t id;
    std::uint32_t steps;
    std::vector<Duration> service;  // per step (empty: no spinning)
  };
  void run_step(std::shared_ptr<const Job> job, std::uint32_t step);

  RealJobOptions options_;
  SeededRandom random_;  // connection thread only
  int wake_fd_ = -1;
  runtime::MpmcChannel<StepDone> done_;
  std::atomic<std::uint64_t> steps_completed_{0};
  std::atomic<bool> stopping_{false};
  StepDone drained_[64];
  // Last: destroyed (threads joined) before the channel and the eventfd the workers use.
  std::unique_ptr<runtime::real::RealExecutor> executor_;
};

}  // namespace wirelab::runtime

// Where a server session's work runs: the worker runtime, seen from the one thread that owns the
// connection. A job is a request's work in `steps` sequential steps (one for an RPC, one per
// token for a generation); the runner runs each step on a worker and reports its completion back
// through poll(), in the connection's thread, so the session writes the step's output there.
//
// SimJobRunner (here) runs steps on runtime::SimExecutor with modelled service times, in the
// host's time (ns-3's clock): deterministic. RealJobRunner (harness/real) runs them on threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocols/core/time.h"
#include "protocols/runtime/sim_executor.h"

namespace wirelab::runtime {

struct StepDone {
  std::uint64_t job = 0;
  std::uint32_t step = 0;  // 0-based; the job is over after step steps-1
};

class JobRunner {
 public:
  virtual ~JobRunner() = default;
  virtual std::size_t workers() const = 0;
  // Starts a job on a free worker (the caller starts at most workers() jobs at once) at `now`.
  virtual void start(Timestamp now, std::uint64_t job, std::uint32_t steps) = 0;
  // Appends the steps completed by `now`, oldest first.
  virtual void poll(Timestamp now, std::vector<StepDone>& done) = 0;
  // When the runner next has something to report (kTimeInfinite: nothing scheduled, or it
  // wakes its host itself, as RealJobRunner does).
  virtual Timestamp next_timeout() const = 0;
};

class SimJobRunner final : public JobRunner {
 public:
  // Each step holds one of `workers` servers for a service time drawn from `step_service`.
  // With a `step_interval`, the next step of a job starts that long after the previous one
  // started (token pacing; the worker is free in between), as RealJobRunner does.
  SimJobRunner(std::size_t workers, std::uint64_t seed, runtime::ServiceTimeModel step_service,
               Duration step_interval = Duration::zero());

  std::size_t workers() const override { return workers_; }
  void start(Timestamp now, std::uint64_t job, std::uint32_t steps) override;
  void poll(Timestamp now, std::vector<StepDone>& done) override;
  Timestamp next_timeout() const override { return executor_.next_event_time(); }
  const runtime::SimExecutor& executor() const { return executor_; }

 private:
  void post_step(std::uint64_t job, std::uint32_t step, std::uint32_t steps);

  std::size_t workers_;
  runtime::ServiceTimeModel step_service_;
  Duration step_interval_;
  runtime::SimExecutor executor_;
  std::vector<StepDone> completed_;
};

}  // namespace wirelab::runtime

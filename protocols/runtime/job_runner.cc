#include "protocols/runtime/job_runner.h"

namespace wirelab::runtime {

SimJobRunner::SimJobRunner(std::size_t workers, std::uint64_t seed, runtime::ServiceTimeModel step_service,
                           Duration step_interval)
    : workers_(workers), step_service_(step_service), step_interval_(step_interval),
      executor_(workers, seed, std::move(step_service)) {}

void SimJobRunner::start(Timestamp now, std::uint64_t job, std::uint32_t steps) {
  executor_.run_until(now);
  post_step(job, 0, steps);
}

void SimJobRunner::post_step(std::uint64_t job, std::uint32_t step, std::uint32_t steps) {
  if (step_interval_ > Duration::zero()) {
    // Paced steps: this one starts now (the server runs at most `workers` jobs, so a worker is
    // free), the next one step_interval after this start, on a timer that holds no worker.
    const Timestamp started = executor_.now();
    executor_.post_with_service(step_service_(executor_.random()), [this, job, step, steps, started] {
      completed_.push_back({job, step});
      if (step + 1 < steps)
        executor_.post_at(std::max(executor_.now(), started + step_interval_),
                          [this, job, step, steps] { post_step(job, step + 1, steps); });
    });
    return;
  }
  // The step's body runs when its service completes: it reports the step and queues the next
  // one, so a generation keeps its worker busy step after step.
  executor_.post([this, job, step, steps] {
    completed_.push_back({job, step});
    if (step + 1 < steps) post_step(job, step + 1, steps);
  });
}

void SimJobRunner::poll(Timestamp now, std::vector<StepDone>& done) {
  executor_.run_until(now);
  done.insert(done.end(), completed_.begin(), completed_.end());
  completed_.clear();
}

}  // namespace wirelab::runtime

#include "protocols/workloads/job_runner.h"

namespace wirelab::workloads {

SimJobRunner::SimJobRunner(std::size_t workers, std::uint64_t seed, runtime::ServiceTimeModel step_service)
    : workers_(workers), executor_(workers, seed, std::move(step_service)) {}

void SimJobRunner::start(Timestamp now, std::uint64_t job, std::uint32_t steps) {
  executor_.run_until(now);
  post_step(job, 0, steps);
}

void SimJobRunner::post_step(std::uint64_t job, std::uint32_t step, std::uint32_t steps) {
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

}  // namespace wirelab::workloads

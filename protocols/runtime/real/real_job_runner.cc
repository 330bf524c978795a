#include "protocols/runtime/real/real_job_runner.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <thread>

namespace wirelab::runtime {

RealJobRunner::RealJobRunner(RealJobOptions options)
    : options_(std::move(options)),
      random_(options_.seed),
      done_(options_.channel_capacity) {
  if (options_.workers == 0) options_.workers = 1;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  executor_ = std::make_unique<runtime::real::RealExecutor>(options_.workers, options_.seed);
}

RealJobRunner::~RealJobRunner() {
  stopping_.store(true, std::memory_order_release);
  executor_.reset();  // joins the workers: nothing touches the channel or the fd after this
  close(wake_fd_);
}

void RealJobRunner::start(Timestamp, std::uint64_t job, std::uint32_t steps) {
  auto j = std::make_shared<Job>();
  j->id = job;
  j->steps = steps;
  if (options_.step_service) {
    j->service.reserve(steps);
    for (std::uint32_t s = 0; s < steps; ++s) j->service.push_back(options_.step_service(random_));
  }
  std::shared_ptr<const Job> shared = std::move(j);
  executor_->post([this, shared] { run_step(shared, 0); });
}

void RealJobRunner::run_step(std::shared_ptr<const Job> job, std::uint32_t step) {
  const Timestamp started = executor_->now();
  if (!job->service.empty()) {
    // Hold the worker for the service time, as request handling would.
    const Timestamp until = started + job->service[step];
    while (executor_->now() < until) {
      if (stopping_.load(std::memory_order_relaxed)) return;
    }
  }
  if (options_.step_work) options_.step_work(job->id, step);
  const StepDone done{job->id, step};
  while (!done_.try_push(done)) {
    // The connection thread has not drained for a whole channel's worth: wait for it.
    if (stopping_.load(std::memory_order_acquire)) return;
    std::this_thread::yield();
  }
  steps_completed_.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t one = 1;
  // EAGAIN only when the counter would overflow: the fd is readable then anyway.
  [[maybe_unused]] const ssize_t written = write(wake_fd_, &one, sizeof one);
  if (step + 1 >= job->steps) return;
  if (options_.step_interval > Duration::zero()) {
    executor_->post_at(started + options_.step_interval, [this, job, step] { run_step(job, step + 1); });
  } else {
    executor_->post([this, job, step] { run_step(job, step + 1); });
  }
}

void RealJobRunner::poll(Timestamp, std::vector<StepDone>& done) {
  // The eventfd first: a completion pushed after this read makes it readable again, so the host
  // wakes for it even if the drain below misses it.
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = read(wake_fd_, &count, sizeof count);
  for (;;) {
    const std::size_t got = done_.try_pop_batch(drained_, sizeof drained_ / sizeof drained_[0]);
    done.insert(done.end(), drained_, drained_ + got);
    if (got == 0) return;
  }
}

}  // namespace wirelab::runtime

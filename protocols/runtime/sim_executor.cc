#include "protocols/runtime/sim_executor.h"

#include <stdexcept>

namespace wirelab::runtime {

ServiceTimeModel fixed_service_time(Duration service) {
  return [service](SeededRandom&) { return service; };
}

ServiceTimeModel exponential_service_time(Duration mean) {
  const double mean_ns = static_cast<double>(mean.count());
  return [mean_ns](SeededRandom& random) {
    return Duration{static_cast<std::int64_t>(random.exponential(mean_ns))};
  };
}

SimExecutor::SimExecutor(std::size_t servers, std::uint64_t seed, ServiceTimeModel service,
                         Timestamp start)
    : servers_(servers), random_(seed), service_(std::move(service)), now_(start) {
  if (servers == 0) throw std::invalid_argument("sim executor needs at least one server");
  if (!service_) service_ = fixed_service_time(Duration::zero());
}

void SimExecutor::schedule(Timestamp at, bool completes_service, Task task) {
  events_.push(Event{at, next_sequence_++, completes_service, std::move(task)});
}

void SimExecutor::start_service(Pending pending) {
  const Duration service = pending.has_service ? pending.service : service_(random_);
  if (service < Duration::zero()) throw std::logic_error("negative service time");
  ++busy_;
  busy_time_ += service;
  schedule(now_ + service, true, std::move(pending.task));
}

void SimExecutor::post(Task task) {
  Pending pending{std::move(task), false, Duration::zero()};
  if (busy_ < servers_) {
    start_service(std::move(pending));
  } else {
    backlog_.push_back(std::move(pending));
  }
}

void SimExecutor::post_with_service(Duration service, Task task) {
  Pending pending{std::move(task), true, service};
  if (busy_ < servers_) {
    start_service(std::move(pending));
  } else {
    backlog_.push_back(std::move(pending));
  }
}

void SimExecutor::post_at(Timestamp when, Task task) {
  schedule(when < now_ ? now_ : when, false, std::move(task));
}

Timestamp SimExecutor::next_event_time() const {
  return events_.empty() ? kTimeInfinite : events_.top().at;
}

void SimExecutor::run_next() {
  // priority_queue::top is const; the event is copied out before pop so its task can be moved.
  Event event = events_.top();
  events_.pop();
  now_ = event.at;
  ++events_run_;
  if (event.task) event.task();
  if (event.completes_service) {
    --busy_;
    if (!backlog_.empty()) {
      Pending next = std::move(backlog_.front());
      backlog_.pop_front();
      start_service(std::move(next));
    }
  }
}

std::size_t SimExecutor::run_until(Timestamp t) {
  std::size_t ran = 0;
  while (!events_.empty() && events_.top().at <= t) {
    run_next();
    ++ran;
  }
  if (t > now_ && t != kTimeInfinite) now_ = t;
  return ran;
}

std::size_t SimExecutor::run_all(std::size_t max_events) {
  std::size_t ran = 0;
  while (!events_.empty() && ran < max_events) {
    run_next();
    ++ran;
  }
  return ran;
}

}  // namespace wirelab::runtime

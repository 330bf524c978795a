// A deterministic discrete-event executor: tasks run in virtual time with modelled service times.
//
// `servers` identical servers take posted tasks first-come first-served; a task holds its server
// for a service time drawn from the model (with the executor's SeededRandom) and its body runs
// when that service completes, so anything it emits leaves after it was "processed". Timers
// (post_at) run at their instant on no server. Events at the same instant run in the order they
// were scheduled. Host-agnostic: nothing advances by itself — the host asks next_event_time()
// and calls run_until(t); same seed, same calls, same schedule, to the nanosecond.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <deque>
#include <queue>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/runtime/executor.h"

namespace wirelab::runtime {

using ServiceTimeModel = std::function<Duration(SeededRandom&)>;

ServiceTimeModel fixed_service_time(Duration service);
ServiceTimeModel exponential_service_time(Duration mean);

class SimExecutor final : public Executor {
 public:
  SimExecutor(std::size_t servers, std::uint64_t seed, ServiceTimeModel service = {},
              Timestamp start = kTimeZero);

  Timestamp now() const override { return now_; }
  void post(Task task) override;
  // As post, with this task's service time instead of the model's.
  void post_with_service(Duration service, Task task);
  void post_at(Timestamp when, Task task) override;

  // kTimeInfinite when nothing is scheduled (queued tasks always have a completion scheduled
  // while a server is busy, so an idle executor with work is impossible).
  Timestamp next_event_time() const;
  // Runs every event due at or before t; afterwards now() == t (if t is later than now).
  // Returns the number of events run.
  std::size_t run_until(Timestamp t);
  // Runs events until none is left or max_events ran; returns how many ran.
  std::size_t run_all(std::size_t max_events = SIZE_MAX);

  std::size_t queued_tasks() const { return backlog_.size(); }
  std::size_t busy_servers() const { return busy_; }
  std::uint64_t events_run() const { return events_run_; }
  Duration busy_time() const { return busy_time_; }
  SeededRandom& random() { return random_; }

 private:
  struct Event {
    Timestamp at;
    std::uint64_t sequence;
    bool completes_service;
    Task task;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.at != b.at ? a.at > b.at : a.sequence > b.sequence;
    }
  };
  struct Pending {
    Task task;
    bool has_service;
    Duration service;
  };

  void schedule(Timestamp at, bool completes_service, Task task);
  void start_service(Pending pending);
  void run_next();

  std::size_t servers_;
  std::size_t busy_ = 0;
  SeededRandom random_;
  ServiceTimeModel service_;
  Timestamp now_;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t events_run_ = 0;
  Duration busy_time_{0};
  std::priority_queue<Event, std::vector<Event>, Later> events_;
  std::deque<Pending> backlog_;
};

}  // namespace wirelab::runtime

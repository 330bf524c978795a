// The real-thread Executor: a WorkStealingScheduler run by N threads, plus a timer heap.
//
// post() spreads tasks over the workers' deques and idle workers steal; post_at() parks the task
// in a timer heap that whichever worker is idle checks, and a worker with nothing to do sleeps on
// a condition variable until the next timer or a post. Stopping drains nothing: tasks still
// queued at stop() are dropped, so a caller that needs them done waits for them first.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "protocols/runtime/executor.h"
#include "protocols/runtime/real/steady_clock.h"
#include "protocols/runtime/work_stealing_scheduler.h"

namespace wirelab::runtime::real {

class RealExecutor final : public Executor {
 public:
  RealExecutor(std::size_t threads, std::uint64_t seed = 1, bool pin_cpus = false);
  ~RealExecutor() override;
  RealExecutor(const RealExecutor&) = delete;
  RealExecutor& operator=(const RealExecutor&) = delete;

  Timestamp now() const override { return clock_.now(); }
  void post(Task task) override;
  void post_with_priority(Task task, Priority priority);
  void post_at(Timestamp when, Task task) override;
  void stop();

  SchedulerStats stats() const { return scheduler_.stats(); }

 private:
  struct Timer {
    Timestamp at;
    std::uint64_t sequence;
    Task task;
  };
  struct Later {
    bool operator()(const Timer& a, const Timer& b) const {
      return a.at != b.at ? a.at > b.at : a.sequence > b.sequence;
    }
  };

  void run(std::size_t worker, bool pin);
  bool fire_due_timers();
  void wake();

  SteadyClock clock_;
  WorkStealingScheduler scheduler_;
  std::mutex mutex_;  // timers_, sleeping
  std::condition_variable wakeup_;
  std::priority_queue<Timer, std::vector<Timer>, Later> timers_;
  std::uint64_t next_timer_sequence_ = 0;
  std::atomic<std::size_t> sleepers_{0};
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace wirelab::runtime::real

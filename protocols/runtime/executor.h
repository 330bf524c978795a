// The executor: where runtime code gets its time, its timers and somewhere to run a task.
//
// Two implementations with one interface. SimExecutor (sim_executor.h) is a virtual clock and an
// event queue that a host advances — a unit test, or ns-3 turning next_event_time() into a
// Simulator::Schedule — so the same seed gives the same schedule. RealExecutor
// (real/real_executor.h) is threads, steady_clock and a timer heap. Code written against
// Executor runs unchanged on both.
#pragma once

#include <functional>

#include "protocols/core/time.h"

namespace wirelab::runtime {

using Task = std::function<void()>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

class Executor : public Clock {
 public:
  // Run task soon, on whichever worker is free.
  virtual void post(Task task) = 0;
  // A timer: run task at (not before) when.
  virtual void post_at(Timestamp when, Task task) = 0;
  void post_after(Duration delay, Task task) { post_at(now() + delay, std::move(task)); }
};

}  // namespace wirelab::runtime

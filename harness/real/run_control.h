// The shared stop switch and wall-clock bound of one real run.
//
// Every thread of a run (endpoint loops, TCP reader and writer, UDP sender and receiver) watches
// the same eventfd: whoever finishes the run (the receiver that saw the last byte, a thread that
// failed, the deadline) writes it once, and every epoll/poll loop wakes up and returns. The
// eventfd is never read, so it stays readable for everyone. The first failure reason is kept
// here too, since the client and server threads may both fail.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "protocols/core/time.h"

namespace wirelab::real {

class RunControl {
 public:
  RunControl(Timestamp started_at, double duration_s);
  ~RunControl();
  RunControl(const RunControl&) = delete;
  RunControl& operator=(const RunControl&) = delete;

  void stop();
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  // Records why the run failed (the first reason wins; any thread may call it), then stops it.
  void fail(const std::string& reason);
  // The first failure reason, or empty; read it after every thread of the run has ended.
  std::string error() const;
  // Marks the run as having hit its deadline, then stops it.
  void time_out();
  bool timed_out() const { return timed_out_.load(std::memory_order_acquire); }

  int stop_fd() const { return stop_fd_; }
  Timestamp started_at() const { return started_at_; }
  Timestamp deadline() const { return deadline_; }
  double seconds_since_start(Timestamp t) const { return to_seconds(t - started_at_); }

 private:
  int stop_fd_ = -1;
  Timestamp started_at_;
  Timestamp deadline_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> timed_out_{false};
  mutable std::mutex error_mutex_;
  std::string error_;
};

}  // namespace wirelab::real

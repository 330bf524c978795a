// The CUBIC window arithmetic of RFC 9438, in segments, with no transport around it. Two hosts
// use it: PFS's Cubic controller (cubic.cc), and the sim's model of Linux TCP Cubic
// (sim/tcp_cubic.cc), which ns-3.37's own TcpCubic does not match because it has no
// Reno-friendly region. The caller decides what counts as a congestion event and which RTT
// drives the clock (PFS: smoothed RTT; Linux and the sim's TCP model: minimum RTT).
#pragma once

#include <algorithm>
#include <cmath>

#include "protocols/core/time.h"

namespace wirelab::cc {

class CubicWindow {
 public:
  static constexpr double kC = 0.4;
  static constexpr double kBeta = 0.7;

  explicit CubicWindow(double initial_window_segments) : cwnd_(initial_window_segments) {}

  double cwnd() const { return cwnd_; }
  double ssthresh() const { return ssthresh_; }
  bool in_slow_start() const { return cwnd_ < ssthresh_; }

  // A host that sets the window itself (TCP's retransmission timeout drops it to one segment,
  // recovery ends at ssthresh) tells the arithmetic here before the next acknowledgement.
  void set_cwnd(double segments) { cwnd_ = segments; }

  void on_ack(Timestamp now, double acked_segments, Duration rtt) {
    if (cwnd_ < ssthresh_) {
      // Slow start up to ssthresh; what an acknowledgement covers beyond it counts as
      // congestion avoidance (Linux's tcp_slow_start). A host whose one acknowledgement covers
      // a whole window (TCP leaving recovery or a timeout) must not double the window on it.
      const double room = ssthresh_ - cwnd_;
      if (acked_segments <= room) {
        cwnd_ += acked_segments;
        return;
      }
      cwnd_ = ssthresh_;
      acked_segments -= room;
    }
    if (!epoch_started_) {
      epoch_started_ = true;
      epoch_start_ = now;
      // RFC 9438 section 4.2: K from the distance to W_max; none when the window already
      // reached it (the curve then starts convex, from the current window).
      if (w_max_ < cwnd_) w_max_ = cwnd_;
      k_ = std::cbrt((w_max_ - cwnd_) / kC);
      w_est_ = cwnd_;
    }
    const double t = to_seconds(now - epoch_start_) + to_seconds(rtt);
    const double target = kC * std::pow(t - k_, 3) + w_max_;
    // Reno-friendly estimate (RFC 9438 section 4.3), alpha for beta = 0.7.
    const double alpha = 3 * (1 - kBeta) / (1 + kBeta);
    w_est_ += alpha * acked_segments / cwnd_;
    if (w_est_ > target) {
      cwnd_ = std::max(cwnd_, w_est_);
    } else {
      // Approach the target by (target - cwnd) / cwnd per acknowledged segment, capped at 1.5x.
      const double bounded = std::min(target, 1.5 * cwnd_);
      if (bounded > cwnd_) cwnd_ += (bounded - cwnd_) / cwnd_ * acked_segments;
    }
  }

  // A congestion event (one per round trip of losses): multiplicative decrease with fast
  // convergence; ssthresh becomes the reduced window.
  void on_congestion_event(double min_window_segments = 2.0) {
    // Fast convergence: release bandwidth faster when the window shrank since the last event.
    w_max_ = cwnd_ < w_max_ ? cwnd_ * (1 + kBeta) / 2 : cwnd_;
    cwnd_ = std::max(cwnd_ * kBeta, min_window_segments);
    ssthresh_ = cwnd_;
    epoch_started_ = false;
  }

  void on_persistent_congestion(double min_window_segments = 2.0) {
    cwnd_ = min_window_segments;
    ssthresh_ = min_window_segments;
    epoch_started_ = false;
  }

 private:
  double cwnd_;  // segments
  double ssthresh_ = 1e300;
  double w_max_ = 0;
  double w_est_ = 0;
  double k_ = 0;
  bool epoch_started_ = false;
  Timestamp epoch_start_{};
};

}  // namespace wirelab::cc

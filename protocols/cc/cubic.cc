// CUBIC, RFC 9438: after a congestion event the window follows W(t) = C (t - K)^3 + W_max,
// with the Reno-friendly region (W_est) as the floor. Windows are kept in segments here, as
// in the RFC's formulas; the interface speaks bytes.
#include <algorithm>
#include <cmath>

#include "protocols/cc/congestion_controller.h"
#include "protocols/cc/window_recovery.h"

namespace wirelab::cc {
namespace {

constexpr double kC = 0.4;
constexpr double kBeta = 0.7;

class Cubic : public CongestionController {
 public:
  explicit Cubic(const CcParams& p)
      : mss_(static_cast<double>(p.max_datagram_size)), cwnd_(static_cast<double>(p.initial_window_packets)) {}
  const char* name() const override { return "cubic"; }

  void on_ack(const AckEvent& ack) override {
    if (recovery_.in_recovery(ack.largest_acked_sent_time)) return;
    const double acked_segments = static_cast<double>(ack.bytes_acked) / mss_;
    if (cwnd_ < ssthresh_) {
      cwnd_ += acked_segments;
      return;
    }
    if (!epoch_started_) {
      epoch_started_ = true;
      epoch_start_ = ack.now;
      if (w_max_ < cwnd_) w_max_ = cwnd_;
      k_ = std::cbrt(w_max_ * (1 - kBeta) / kC);
      w_est_ = cwnd_;
    }
    const double rtt = to_seconds(ack.smoothed_rtt);
    const double t = to_seconds(ack.now - epoch_start_) + rtt;
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

  void on_loss(const LossEvent& loss) override {
    if (loss.persistent_congestion) {
      recovery_.enter(loss.now);
      cwnd_ = 2;
      ssthresh_ = 2;
      epoch_started_ = false;
      return;
    }
    if (!recovery_.starts_new_event(loss.largest_lost_sent_time)) return;
    recovery_.enter(loss.now);
    // Fast convergence: release bandwidth faster when the window shrank since the last event.
    w_max_ = cwnd_ < w_max_ ? cwnd_ * (1 + kBeta) / 2 : cwnd_;
    cwnd_ = std::max(cwnd_ * kBeta, 2.0);
    ssthresh_ = cwnd_;
    epoch_started_ = false;
  }

  std::uint64_t congestion_window() const override { return static_cast<std::uint64_t>(cwnd_ * mss_); }
  bool in_slow_start() const override { return cwnd_ < ssthresh_; }

 private:
  double mss_;
  double cwnd_;                 // segments
  double ssthresh_ = 1e300;
  double w_max_ = 0;
  double w_est_ = 0;
  double k_ = 0;
  bool epoch_started_ = false;
  Timestamp epoch_start_{};
  RecoveryPeriod recovery_;
};

}  // namespace

std::unique_ptr<CongestionController> make_cubic(const CcParams& params) { return std::make_unique<Cubic>(params); }

}  // namespace wirelab::cc

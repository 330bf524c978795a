// Generic AIMD(a, b): slow start, then `a` datagrams added per window acknowledged, and the
// window multiplied by `b` on a congestion event. AIMD(1, 0.5) is Reno's rule.
#include <algorithm>

#include "protocols/cc/congestion_controller.h"
#include "protocols/cc/window_recovery.h"

namespace wirelab::cc {
namespace {

class Aimd : public CongestionController {
 public:
  explicit Aimd(const CcParams& p)
      : mss_(p.max_datagram_size), increase_(p.aimd_increase_packets), decrease_(p.aimd_decrease_factor),
        cwnd_(static_cast<double>(p.initial_window_packets * p.max_datagram_size)) {}
  const char* name() const override { return "aimd"; }

  void on_ack(const AckEvent& ack) override {
    if (recovery_.in_recovery(ack.largest_acked_sent_time)) return;
    const double acked = static_cast<double>(ack.bytes_acked);
    if (cwnd_ < ssthresh_) cwnd_ += acked;
    else cwnd_ += increase_ * static_cast<double>(mss_) * acked / cwnd_;
  }

  void on_loss(const LossEvent& loss) override {
    if (!loss.persistent_congestion && !recovery_.starts_new_event(loss.largest_lost_sent_time)) return;
    recovery_.enter(loss.now);
    cwnd_ = loss.persistent_congestion ? 2.0 * static_cast<double>(mss_)
                                       : std::max(cwnd_ * decrease_, 2.0 * static_cast<double>(mss_));
    ssthresh_ = cwnd_;
  }

  std::uint64_t congestion_window() const override { return static_cast<std::uint64_t>(cwnd_); }
  bool in_slow_start() const override { return cwnd_ < ssthresh_; }

 private:
  std::uint64_t mss_;
  double increase_;
  double decrease_;
  double cwnd_;
  double ssthresh_ = 1e300;
  RecoveryPeriod recovery_;
};

}  // namespace

std::unique_ptr<CongestionController> make_aimd(const CcParams& params) { return std::make_unique<Aimd>(params); }

}  // namespace wirelab::cc

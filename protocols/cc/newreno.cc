// NewReno as RFC 9002 section 7 (appendix B) gives it for QUIC-like transports: slow start,
// congestion avoidance adding one datagram per window, halving on a congestion event.
#include <algorithm>

#include "protocols/cc/congestion_controller.h"
#include "protocols/cc/window_recovery.h"

namespace wirelab::cc {
namespace {

class NewReno : public CongestionController {
 public:
  explicit NewReno(const CcParams& p)
      : mss_(p.max_datagram_size), cwnd_(p.initial_window_packets * p.max_datagram_size) {}
  const char* name() const override { return "newreno"; }

  void on_ack(const AckEvent& ack) override {
    if (recovery_.in_recovery(ack.largest_acked_sent_time)) return;
    if (cwnd_ < ssthresh_) {
      cwnd_ += ack.bytes_acked;
    } else {
      acked_in_ca_ += ack.bytes_acked;
      if (acked_in_ca_ >= cwnd_) {
        acked_in_ca_ -= cwnd_;
        cwnd_ += mss_;
      }
    }
  }

  void on_loss(const LossEvent& loss) override {
    if (loss.persistent_congestion) {
      cwnd_ = 2 * mss_;
      recovery_.enter(loss.now);
      return;
    }
    if (!recovery_.starts_new_event(loss.largest_lost_sent_time)) return;
    recovery_.enter(loss.now);
    ssthresh_ = std::max<std::uint64_t>(cwnd_ / 2, 2 * mss_);
    cwnd_ = ssthresh_;
    acked_in_ca_ = 0;
  }

  std::uint64_t congestion_window() const override { return cwnd_; }
  bool in_slow_start() const override { return cwnd_ < ssthresh_; }

 private:
  std::uint64_t mss_;
  std::uint64_t cwnd_;
  std::uint64_t ssthresh_ = UINT64_MAX;
  std::uint64_t acked_in_ca_ = 0;
  RecoveryPeriod recovery_;
};

}  // namespace

std::unique_ptr<CongestionController> make_newreno(const CcParams& params) { return std::make_unique<NewReno>(params); }

}  // namespace wirelab::cc

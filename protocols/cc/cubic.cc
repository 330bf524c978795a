// CUBIC, RFC 9438, as a PFS congestion controller: the window arithmetic is CubicWindow's
// (shared with the sim's model of Linux TCP Cubic); this adds the byte interface and one
// window reduction per round trip of losses.
#include "protocols/cc/congestion_controller.h"
#include "protocols/cc/cubic_window.h"
#include "protocols/cc/window_recovery.h"

namespace wirelab::cc {
namespace {

class Cubic : public CongestionController {
 public:
  explicit Cubic(const CcParams& p)
      : mss_(static_cast<double>(p.max_datagram_size)), window_(static_cast<double>(p.initial_window_packets)) {}
  const char* name() const override { return "cubic"; }

  void on_ack(const AckEvent& ack) override {
    if (recovery_.in_recovery(ack.largest_acked_sent_time)) return;
    window_.on_ack(ack.now, static_cast<double>(ack.bytes_acked) / mss_, ack.smoothed_rtt);
  }

  void on_loss(const LossEvent& loss) override {
    if (loss.persistent_congestion) {
      recovery_.enter(loss.now);
      window_.on_persistent_congestion();
      return;
    }
    if (!recovery_.starts_new_event(loss.largest_lost_sent_time)) return;
    recovery_.enter(loss.now);
    window_.on_congestion_event();
  }

  std::uint64_t congestion_window() const override { return static_cast<std::uint64_t>(window_.cwnd() * mss_); }
  bool in_slow_start() const override { return window_.in_slow_start(); }

 private:
  double mss_;
  CubicWindow window_;
  RecoveryPeriod recovery_;
};

}  // namespace

std::unique_ptr<CongestionController> make_cubic(const CcParams& params) { return std::make_unique<Cubic>(params); }

}  // namespace wirelab::cc

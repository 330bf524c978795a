// A sender's recent loss rate: packets lost over packets sent in the last one to two windows of
// kWindowPackets sends, counting the losses FEC repaired at the peer (those never reach loss
// detection). An in-connection controller (adaptive FEC and window tuning) reads it; counting by
// packets, not time, keeps it deterministic and equally noisy at every rate.
#pragma once

#include <cstdint>

namespace wirelab::pfs {

class LossRateEstimator {
 public:
  static constexpr std::uint64_t kWindowPackets = 500;

  void on_sent() {
    if (++current_.sent >= kWindowPackets) {
      previous_ = current_;
      current_ = {};
    }
  }
  void on_lost(std::uint64_t packets) {
    current_.lost += packets;
    total_lost_ += packets;
  }
  // Every loss counted since the start (for a controller that files losses itself).
  std::uint64_t total_lost() const { return total_lost_; }

  // The sends rate() is over (500 to 1000 once warmed up).
  std::uint64_t samples() const { return current_.sent + previous_.sent; }

  // 0 before anything was sent; capped at 1 (losses of the previous window can land in this one).
  double rate() const {
    const std::uint64_t sent = current_.sent + previous_.sent;
    if (sent == 0) return 0;
    const double r = static_cast<double>(current_.lost + previous_.lost) / static_cast<double>(sent);
    return r > 1 ? 1 : r;
  }

 private:
  struct Window {
    std::uint64_t sent = 0;
    std::uint64_t lost = 0;
  };
  Window current_;
  Window previous_;
  std::uint64_t total_lost_ = 0;
};

}  // namespace wirelab::pfs

// Round-trip time estimation as RFC 9002 section 5: latest, minimum, smoothed and variation,
// with the peer's reported ACK delay taken out when that leaves a plausible sample.
#pragma once

#include <algorithm>

#include "protocols/core/time.h"

namespace wirelab::pfs {

class RttEstimator {
 public:
  static constexpr Duration kInitialRtt = std::chrono::milliseconds(333);

  void on_sample(Duration latest, Duration ack_delay, Duration max_ack_delay) {
    latest_ = latest;
    if (!has_sample_) {
      has_sample_ = true;
      min_ = latest;
      smoothed_ = latest;
      variation_ = latest / 2;
      return;
    }
    min_ = std::min(min_, latest);
    ack_delay = std::min(ack_delay, max_ack_delay);
    Duration adjusted = latest;
    if (latest >= min_ + ack_delay) adjusted = latest - ack_delay;
    const Duration deviation = smoothed_ > adjusted ? smoothed_ - adjusted : adjusted - smoothed_;
    variation_ = (3 * variation_ + deviation) / 4;
    smoothed_ = (7 * smoothed_ + adjusted) / 8;
  }

  bool has_sample() const { return has_sample_; }
  Duration latest() const { return latest_; }
  Duration min() const { return min_; }
  Duration smoothed() const { return smoothed_; }
  Duration variation() const { return variation_; }

 private:
  bool has_sample_ = false;
  Duration latest_{0};
  Duration min_{0};
  Duration smoothed_ = kInitialRtt;
  Duration variation_ = kInitialRtt / 2;
};

}  // namespace wirelab::pfs

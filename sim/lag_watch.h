// How far the emu backend's real-time ns-3 scheduler runs behind the wall clock, and when that
// makes a run's numbers wrong.
//
// The emulated link delays, drops and paces packets by running ns-3 events at their simulated
// times, synchronised to the wall clock. When the CPU cannot keep up, events run late: every
// packet then spends that lag more in the "link" than the model says, and a lag that keeps
// growing means the link delivers less than its rate. A probe event every millisecond measures
// lag = wall clock - event time and feeds it here. Two limits, from the link (limits_for):
//
//   mean  max(2 ms, 10 % of the smaller one-way delay), for the mean lag over the last second
//         (kWindow probes; over what there is once 500 are in, so that one
//         stall at the start is not a mean). The mean lag is the mean
//         extra delay packets got; under 10 % of the one-way delay it keeps the path's mean RTT
//         within 10 % of the model even with both directions late, and the emulated rate within
//         10 % (a scheduler that cannot keep up falls further behind every second and crosses
//         this within about a second). The 2 ms floor is three 1500-byte packet times at
//         20 Mbit/s.
//   spike max(100 ms, the base RTT = forward + reverse delay), for any one probe. The timers
//         that collapse a congestion window (TCP's retransmission timeout: at least 200 ms in
//         Linux and in sim's ns-3 settings) cannot fire because of one stall shorter than half
//         their floor; probe timers (TCP's tail-loss probe, PFS's and QUIC's PTO) may send one
//         extra probe, which costs a packet, not a window; the packets in the link see it as
//         jitter, and the mean limit bounds how often that may happen. The floor is set by this
//         machine: a busy 2-core VM stalls any thread, even SCHED_FIFO, for 15-50 ms at times
//         (measured with a real-time 1 ms nanosleep loop; see docs/emu.md).
//
// The first probe that breaks either limit fails the run and is the one reported.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "harness/run_spec.h"

namespace wirelab::sim {

struct LagLimits {
  double mean_s;
  double spike_s;
};

class LagWatch {
 public:
  static constexpr double kMeanFloor_s = 0.002;
  static constexpr double kDelayShare = 0.10;
  static constexpr double kSpikeFloor_s = 0.100;
  static constexpr std::size_t kWindow = 1000;      // probes, one per millisecond
  static constexpr std::size_t kMinProbes = 500;   // before the mean is judged

  static LagLimits limits_for(const LinkSpec& forward, const LinkSpec& reverse) {
    return {std::max(kMeanFloor_s, kDelayShare * std::min(forward.delay_s, reverse.delay_s)),
            std::max(kSpikeFloor_s, forward.delay_s + reverse.delay_s)};
  }

  explicit LagWatch(LagLimits limits) : limits_(limits) {}

  // One probe: the event meant for `sim_time_s` ran `lag_s` late. Returns true on the first probe
  // that breaks a limit (the run is wrong from here on).
  bool observe(double sim_time_s, double lag_s) {
    lag_s = std::max(0.0, lag_s);
    samples_s_.push_back(lag_s);
    max_s_ = std::max(max_s_, lag_s);
    window_sum_s_ += lag_s;
    if (samples_s_.size() > kWindow) window_sum_s_ -= samples_s_[samples_s_.size() - 1 - kWindow];
    if (exceeded_at_s_) return false;
    const std::size_t in_window = std::min(samples_s_.size(), kWindow);
    if (lag_s > limits_.spike_s) {
      exceeded_lag_s_ = lag_s;
    } else if (in_window >= kMinProbes && window_sum_s_ / in_window > limits_.mean_s) {
      exceeded_lag_s_ = window_sum_s_ / in_window;
      exceeded_on_average_ = true;
    } else {
      return false;
    }
    exceeded_at_s_ = sim_time_s;
    return true;
  }

  const LagLimits& limits() const { return limits_; }
  double max_s() const { return max_s_; }
  double mean_s() const {
    double sum = 0;
    for (double lag : samples_s_) sum += lag;
    return samples_s_.empty() ? 0 : sum / samples_s_.size();
  }
  std::size_t probes() const { return samples_s_.size(); }
  bool exceeded() const { return exceeded_at_s_.has_value(); }

  // Nearest-rank quantile of the lags seen so far (0 with no probe).
  double quantile_s(double q) const {
    if (samples_s_.empty()) return 0;
    std::vector<double> sorted = samples_s_;
    std::sort(sorted.begin(), sorted.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
  }

  // The failure reason, or empty while the lag stayed within the limits.
  std::string failure() const {
    if (!exceeded_at_s_) return "";
    char text[256];
    if (exceeded_on_average_)
      std::snprintf(text, sizeof text,
                    "emu: ns-3 fell %.1f ms behind real time on average over the second to t=%.1f s (limit %.1f ms); "
                    "the link cannot be emulated at this rate on this machine",
                    exceeded_lag_s_ * 1e3, *exceeded_at_s_, limits_.mean_s * 1e3);
    else
      std::snprintf(text, sizeof text,
                    "emu: ns-3 fell %.1f ms behind real time at t=%.1f s (limit %.1f ms for one event); the link "
                    "cannot be emulated at this rate on this machine",
                    exceeded_lag_s_ * 1e3, *exceeded_at_s_, limits_.spike_s * 1e3);
    return text;
  }

 private:
  LagLimits limits_;
  double max_s_ = 0;
  std::vector<double> samples_s_;
  double window_sum_s_ = 0;
  std::optional<double> exceeded_at_s_;
  double exceeded_lag_s_ = 0;
  bool exceeded_on_average_ = false;
};

}  // namespace wirelab::sim

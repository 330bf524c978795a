// Time as the sans-IO stack sees it: a timestamp handed in by the host and a duration.
//
// HostClock has no now(): code under protocols/ can name time points but never read a clock.
// The host (ns-3 simulator, epoll loop, test pipe) decides what "now" is and passes it in.
#pragma once

#include <chrono>
#include <cstdint>

namespace wirelab {

struct HostClock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<HostClock>;
  static constexpr bool is_steady = true;
};

using Duration = std::chrono::nanoseconds;
using Timestamp = HostClock::time_point;

constexpr Timestamp kTimeZero{};
constexpr Timestamp kTimeInfinite = Timestamp{Duration{INT64_MAX}};

constexpr double to_seconds(Duration d) { return static_cast<double>(d.count()) * 1e-9; }
constexpr double to_seconds(Timestamp t) { return to_seconds(t.time_since_epoch()); }
constexpr Duration seconds_to_duration(double s) {
  return Duration{static_cast<std::int64_t>(s * 1e9)};
}
constexpr Timestamp timestamp_from_ns(std::int64_t ns) { return Timestamp{Duration{ns}}; }
constexpr std::int64_t to_ns(Timestamp t) { return t.time_since_epoch().count(); }

}  // namespace wirelab

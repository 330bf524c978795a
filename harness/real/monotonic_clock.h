// "Now" for the real backend: CLOCK_MONOTONIC in nanoseconds, handed to the sans-IO endpoints.
//
// The same clock arms the endpoint loops' timerfds (TFD_TIMER_ABSTIME on CLOCK_MONOTONIC), so a
// Timestamp from next_timeout() is used as the timer's expiry without any conversion.
#pragma once

#include <time.h>

#include <cstdint>

#include "protocols/core/time.h"

namespace wirelab::real {

inline Timestamp monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return timestamp_from_ns(static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
}

inline timespec to_timespec(Timestamp t) {
  const std::int64_t ns = to_ns(t);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1000000000LL);
  ts.tv_nsec = static_cast<long>(ns % 1000000000LL);
  return ts;
}

}  // namespace wirelab::real

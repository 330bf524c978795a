// A circuit breaker: stop calling a dependency that keeps failing, and probe it before trusting
// it again.
//
// closed -> open after `failure_threshold` consecutive failures; open rejects every call for
// `open_duration`; then half-open admits up to `half_open_probes` calls at a time, and
// `successes_to_close` probe successes close it while one probe failure re-opens it. Sans-IO:
// every call takes `now`; the breaker never reads a clock.
#pragma once

#include <cstdint>

#include "protocols/core/time.h"

namespace wirelab::runtime {

enum class BreakerState { closed, open, half_open };

const char* to_string(BreakerState state);

struct CircuitBreakerConfig {
  std::uint32_t failure_threshold = 5;
  Duration open_duration = std::chrono::seconds(1);
  std::uint32_t half_open_probes = 1;
  std::uint32_t successes_to_close = 1;
};

class CircuitBreaker {
 public:
  explicit CircuitBreaker(CircuitBreakerConfig config);

  // May a call go out now? In half-open, true reserves one probe slot; the caller must report
  // its outcome with on_success/on_failure.
  bool allow(Timestamp now);
  void on_success(Timestamp now);
  void on_failure(Timestamp now);

  // The state as of now (open turns half-open once open_duration has passed).
  BreakerState state(Timestamp now);
  // When an open breaker will next admit a probe (kTimeInfinite unless open).
  Timestamp reopens_at() const { return state_ == BreakerState::open ? opened_at_ + config_.open_duration : kTimeInfinite; }

  std::uint64_t rejected_calls() const { return rejected_; }
  std::uint64_t times_opened() const { return times_opened_; }

 private:
  void open(Timestamp now);
  void refresh(Timestamp now);

  CircuitBreakerConfig config_;
  BreakerState state_ = BreakerState::closed;
  std::uint32_t consecutive_failures_ = 0;
  std::uint32_t probes_in_flight_ = 0;
  std::uint32_t probe_successes_ = 0;
  Timestamp opened_at_{};
  std::uint64_t rejected_ = 0;
  std::uint64_t times_opened_ = 0;
};

}  // namespace wirelab::runtime

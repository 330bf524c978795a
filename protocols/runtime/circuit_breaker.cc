#include "protocols/runtime/circuit_breaker.h"

#include <stdexcept>

namespace wirelab::runtime {

const char* to_string(BreakerState state) {
  switch (state) {
    case BreakerState::closed: return "closed";
    case BreakerState::open: return "open";
    case BreakerState::half_open: return "half-open";
  }
  return "?";
}

CircuitBreaker::CircuitBreaker(CircuitBreakerConfig config) : config_(config) {
  if (config_.failure_threshold == 0 || config_.half_open_probes == 0 ||
      config_.successes_to_close == 0 || config_.open_duration <= Duration::zero()) {
    throw std::invalid_argument("circuit breaker thresholds and open duration must be positive");
  }
}

void CircuitBreaker::refresh(Timestamp now) {
  if (state_ == BreakerState::open && now >= opened_at_ + config_.open_duration) {
    state_ = BreakerState::half_open;
    probes_in_flight_ = 0;
    probe_successes_ = 0;
  }
}

BreakerState CircuitBreaker::state(Timestamp now) {
  refresh(now);
  return state_;
}

bool CircuitBreaker::allow(Timestamp now) {
  refresh(now);
  switch (state_) {
    case BreakerState::closed: return true;
    case BreakerState::open: ++rejected_; return false;
    case BreakerState::half_open:
      if (probes_in_flight_ < config_.half_open_probes) {
        ++probes_in_flight_;
        return true;
      }
      ++rejected_;
      return false;
  }
  return false;
}

void CircuitBreaker::open(Timestamp now) {
  state_ = BreakerState::open;
  opened_at_ = now;
  consecutive_failures_ = 0;
  probes_in_flight_ = 0;
  probe_successes_ = 0;
  ++times_opened_;
}

void CircuitBreaker::on_success(Timestamp now) {
  refresh(now);
  if (state_ == BreakerState::half_open) {
    if (probes_in_flight_ > 0) --probes_in_flight_;
    if (++probe_successes_ >= config_.successes_to_close) {
      state_ = BreakerState::closed;
      consecutive_failures_ = 0;
    }
  } else if (state_ == BreakerState::closed) {
    consecutive_failures_ = 0;
  }
}

void CircuitBreaker::on_failure(Timestamp now) {
  refresh(now);
  if (state_ == BreakerState::half_open) {
    open(now);
  } else if (state_ == BreakerState::closed && ++consecutive_failures_ >= config_.failure_threshold) {
    open(now);
  }
}

}  // namespace wirelab::runtime

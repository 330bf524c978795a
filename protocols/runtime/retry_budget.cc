#include "protocols/runtime/retry_budget.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wirelab::runtime {

RetryBudget::RetryBudget(RetryBudgetConfig config, Timestamp start)
    : config_(config), tokens_(std::min(config.initial_tokens, config.max_tokens)),
      last_refill_(start) {
  if (config_.retry_ratio < 0 || config_.min_retries_per_s < 0 || config_.max_tokens < 1) {
    throw std::invalid_argument("retry budget: ratio and rate must be >= 0, max_tokens >= 1");
  }
}

void RetryBudget::refill(Timestamp now) {
  if (now > last_refill_) {
    tokens_ = std::min(config_.max_tokens,
                       tokens_ + config_.min_retries_per_s * to_seconds(now - last_refill_));
    last_refill_ = now;
  }
}

void RetryBudget::record_request(Timestamp now) {
  refill(now);
  tokens_ = std::min(config_.max_tokens, tokens_ + config_.retry_ratio);
}

bool RetryBudget::try_withdraw_retry(Timestamp now) {
  refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    ++granted_;
    return true;
  }
  ++denied_;
  return false;
}

double RetryBudget::tokens(Timestamp now) {
  refill(now);
  return tokens_;
}

ExponentialBackoff::ExponentialBackoff(BackoffConfig config) : config_(config) {
  if (config_.base <= Duration::zero() || config_.max_delay < config_.base ||
      config_.multiplier < 1.0) {
    throw std::invalid_argument("backoff: base > 0, max_delay >= base, multiplier >= 1");
  }
}

Duration ExponentialBackoff::ceiling(std::uint32_t attempt) const {
  const double ns = static_cast<double>(config_.base.count()) *
                    std::pow(config_.multiplier, static_cast<double>(attempt));
  const double cap = static_cast<double>(config_.max_delay.count());
  return Duration{static_cast<std::int64_t>(std::min(ns, cap))};
}

Duration ExponentialBackoff::delay(std::uint32_t attempt, SeededRandom& random) const {
  const Duration top = ceiling(attempt);
  switch (config_.jitter) {
    case Jitter::none: return top;
    // Full jitter spreads clients that failed together over the whole window (fewest
    // collisions); equal jitter keeps at least half the delay.
    case Jitter::full:
      return Duration{static_cast<std::int64_t>(random.uniform() * static_cast<double>(top.count()))};
    case Jitter::equal: {
      const std::int64_t half = top.count() / 2;
      return Duration{half + static_cast<std::int64_t>(random.uniform() * static_cast<double>(top.count() - half))};
    }
  }
  return top;
}

}  // namespace wirelab::runtime

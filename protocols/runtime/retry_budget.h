// A retry budget and exponential backoff with jitter: retry transient failures without turning
// an outage into a retry storm.
//
// RetryBudget is a token bucket fed by traffic: every first attempt deposits `retry_ratio`
// tokens, time deposits `min_retries_per_s`, and each retry withdraws one. So over any run,
// retries <= initial_tokens + retry_ratio * requests + min_retries_per_s * elapsed, whatever the
// failure rate. ExponentialBackoff spaces the retries: base * multiplier^attempt capped at
// max_delay, with full, equal or no jitter drawn from the caller's SeededRandom. Both sans-IO.
#pragma once

#include <cstdint>

#include "protocols/core/random.h"
#include "protocols/core/time.h"

namespace wirelab::runtime {

struct RetryBudgetConfig {
  double retry_ratio = 0.1;         // tokens per first attempt
  double min_retries_per_s = 10.0;  // floor for low-traffic clients
  double max_tokens = 100.0;        // cap, so a quiet period cannot bank a storm
  double initial_tokens = 10.0;
};

class RetryBudget {
 public:
  explicit RetryBudget(RetryBudgetConfig config, Timestamp start = kTimeZero);

  void record_request(Timestamp now);
  // Takes one token if there is one; false means: do not retry, fail (or dead-letter) instead.
  bool try_withdraw_retry(Timestamp now);

  double tokens(Timestamp now);
  std::uint64_t retries_granted() const { return granted_; }
  std::uint64_t retries_denied() const { return denied_; }

 private:
  void refill(Timestamp now);

  RetryBudgetConfig config_;
  double tokens_;
  Timestamp last_refill_;
  std::uint64_t granted_ = 0;
  std::uint64_t denied_ = 0;
};

enum class Jitter { none, full, equal };

struct BackoffConfig {
  Duration base = std::chrono::milliseconds(10);
  Duration max_delay = std::chrono::seconds(10);
  double multiplier = 2.0;
  Jitter jitter = Jitter::full;
};

class ExponentialBackoff {
 public:
  explicit ExponentialBackoff(BackoffConfig config);
  // The delay before retry number `attempt` (0 = first retry).
  Duration delay(std::uint32_t attempt, SeededRandom& random) const;
  // The un-jittered ceiling for that attempt.
  Duration ceiling(std::uint32_t attempt) const;

 private:
  BackoffConfig config_;
};

}  // namespace wirelab::runtime

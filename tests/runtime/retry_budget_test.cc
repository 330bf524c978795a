// Retry budget and exponential backoff: the budget bound holds under total failure, backoff grows
// and caps, jitter stays in its window and is reproducible from the seed.
#include "protocols/runtime/retry_budget.h"

#include <gtest/gtest.h>

namespace wirelab::runtime {
namespace {

using std::chrono::milliseconds;

TEST(RetryBudget, RetriesUnderTotalFailureNeverExceedTheBound) {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
    SeededRandom random(seed);
    const RetryBudgetConfig config{0.1, 2.0, 50.0, 10.0};
    RetryBudget budget(config);
    Timestamp now = kTimeZero;
    std::uint64_t requests = 0, retries = 0;
    for (int i = 0; i < 20'000; ++i) {
      now += Duration{static_cast<std::int64_t>(random.exponential(1e6))};  // ~1000 requests/s
      budget.record_request(now);
      ++requests;
      // Every call fails; the client retries up to 5 times if the budget allows.
      for (int attempt = 0; attempt < 5 && budget.try_withdraw_retry(now); ++attempt) ++retries;
    }
    const double bound = config.initial_tokens + config.retry_ratio * requests +
                         config.min_retries_per_s * to_seconds(now);
    EXPECT_LE(static_cast<double>(retries), bound) << "seed " << seed;
    // And the budget is not stingier than it promised: close to the bound (within the cap's
    // rounding) under sustained failure.
    EXPECT_GE(static_cast<double>(retries), bound * 0.9) << "seed " << seed;
    EXPECT_EQ(budget.retries_granted(), retries);
    EXPECT_GT(budget.retries_denied(), 0u);
  }
}

TEST(RetryBudget, QuietPeriodCannotBankMoreThanTheCap) {
  RetryBudget budget({0.1, 10.0, 5.0, 0.0});
  const Timestamp later = kTimeZero + std::chrono::seconds(100);
  EXPECT_DOUBLE_EQ(budget.tokens(later), 5.0);
  int granted = 0;
  while (budget.try_withdraw_retry(later)) ++granted;
  EXPECT_EQ(granted, 5);
}

TEST(ExponentialBackoff, GrowsByTheMultiplierAndCaps) {
  ExponentialBackoff backoff({milliseconds(10), milliseconds(100), 2.0, Jitter::none});
  SeededRandom random(1);
  EXPECT_EQ(backoff.delay(0, random), milliseconds(10));
  EXPECT_EQ(backoff.delay(1, random), milliseconds(20));
  EXPECT_EQ(backoff.delay(3, random), milliseconds(80));
  EXPECT_EQ(backoff.delay(4, random), milliseconds(100));
  EXPECT_EQ(backoff.delay(60, random), milliseconds(100));
}

TEST(ExponentialBackoff, JitterStaysInItsWindowAndIsSeeded) {
  ExponentialBackoff full({milliseconds(10), milliseconds(1000), 2.0, Jitter::full});
  ExponentialBackoff equal({milliseconds(10), milliseconds(1000), 2.0, Jitter::equal});
  SeededRandom a(42), b(42);
  Duration sum{0};
  for (std::uint32_t attempt = 0; attempt < 8; ++attempt) {
    for (int i = 0; i < 200; ++i) {
      const Duration d = full.delay(attempt, a);
      EXPECT_EQ(d, full.delay(attempt, b));
      EXPECT_GE(d, Duration::zero());
      EXPECT_LE(d, full.ceiling(attempt));
      const Duration e = equal.delay(attempt, a);
      equal.delay(attempt, b);
      EXPECT_GE(e, equal.ceiling(attempt) / 2);
      EXPECT_LE(e, equal.ceiling(attempt));
      if (attempt == 7) sum += d;
    }
  }
  // Full jitter averages half the ceiling.
  EXPECT_NEAR(to_seconds(sum) / 200, to_seconds(full.ceiling(7)) / 2, to_seconds(full.ceiling(7)) * 0.1);
}

}  // namespace
}  // namespace wirelab::runtime

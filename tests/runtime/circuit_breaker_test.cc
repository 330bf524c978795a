// The circuit breaker and retry budget in simulated time: a dependency that fails for a while
// opens the breaker, half-open probes keep it open while the dependency is down and close it
// once it recovers, and retries never exceed the budget. Driven by a SimExecutor, so each run is
// a pure function of its seed.
#include "protocols/runtime/circuit_breaker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocols/runtime/retry_budget.h"
#include "protocols/runtime/sim_executor.h"

namespace wirelab::runtime {
namespace {

using std::chrono::milliseconds;

Timestamp at_ms(std::int64_t ms) { return kTimeZero + milliseconds(ms); }

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresOnly) {
  CircuitBreaker breaker({3, milliseconds(100), 1, 1});
  breaker.on_failure(at_ms(0));
  breaker.on_failure(at_ms(1));
  breaker.on_success(at_ms(2));  // resets the run of failures
  breaker.on_failure(at_ms(3));
  breaker.on_failure(at_ms(4));
  EXPECT_EQ(breaker.state(at_ms(5)), BreakerState::closed);
  breaker.on_failure(at_ms(5));
  EXPECT_EQ(breaker.state(at_ms(5)), BreakerState::open);
  EXPECT_FALSE(breaker.allow(at_ms(50)));
  EXPECT_EQ(breaker.reopens_at(), at_ms(105));
}

TEST(CircuitBreaker, HalfOpenAdmitsLimitedProbesAndNeedsEnoughSuccesses) {
  CircuitBreaker breaker({1, milliseconds(100), 2, 2});
  breaker.on_failure(at_ms(0));
  EXPECT_EQ(breaker.state(at_ms(99)), BreakerState::open);
  EXPECT_EQ(breaker.state(at_ms(100)), BreakerState::half_open);
  EXPECT_TRUE(breaker.allow(at_ms(100)));
  EXPECT_TRUE(breaker.allow(at_ms(100)));
  EXPECT_FALSE(breaker.allow(at_ms(100)));  // both probe slots taken
  breaker.on_success(at_ms(101));
  EXPECT_EQ(breaker.state(at_ms(101)), BreakerState::half_open);
  breaker.on_success(at_ms(102));
  EXPECT_EQ(breaker.state(at_ms(102)), BreakerState::closed);
}

TEST(CircuitBreaker, FailedProbeReopensForAFullPeriod) {
  CircuitBreaker breaker({1, milliseconds(100), 1, 1});
  breaker.on_failure(at_ms(0));
  ASSERT_TRUE(breaker.allow(at_ms(150)));
  breaker.on_failure(at_ms(160));
  EXPECT_EQ(breaker.state(at_ms(259)), BreakerState::open);
  EXPECT_EQ(breaker.state(at_ms(260)), BreakerState::half_open);
  EXPECT_EQ(breaker.times_opened(), 2u);
}

struct OutageResult {
  std::vector<std::string> transitions;  // "t_ms:state"
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
  std::uint64_t dependency_calls_during_outage = 0;
  std::uint64_t fast_failures = 0;
  std::uint64_t succeeded = 0;
  RetryBudgetConfig budget_config;
  std::uint64_t budget_granted = 0;
  double elapsed_s = 0;
  BreakerState final_state = BreakerState::open;
};

// A client sends a request every 10 ms for 6 s to a dependency (5 ms service time, one server)
// that fails every call in [1 s, 4 s). Failed calls are retried with backoff while the retry
// budget allows, up to 3 attempts.
OutageResult run_outage(std::uint64_t seed) {
  OutageResult result;
  SimExecutor sim(1, seed, fixed_service_time(milliseconds(5)));
  SeededRandom jitter(seed ^ 0xabcdefULL);
  CircuitBreaker breaker({5, milliseconds(200), 1, 2});
  result.budget_config = RetryBudgetConfig{0.2, 5.0, 20.0, 5.0};
  RetryBudget budget(result.budget_config);
  ExponentialBackoff backoff({milliseconds(10), milliseconds(400), 2.0, Jitter::full});
  const Timestamp outage_start = at_ms(1000), outage_end = at_ms(4000), stop = at_ms(6000);
  BreakerState last = BreakerState::closed;

  auto note_state = [&] {
    const BreakerState s = breaker.state(sim.now());
    if (s != last) {
      result.transitions.push_back(std::to_string(to_ns(sim.now()) / 1'000'000) + ":" + to_string(s));
      last = s;
    }
  };

  std::function<void(std::uint32_t)> attempt = [&](std::uint32_t attempt_number) {
    note_state();
    if (!breaker.allow(sim.now())) {
      ++result.fast_failures;
      note_state();
      return;
    }
    note_state();
    sim.post([&, attempt_number] {
      const Timestamp now = sim.now();
      const bool healthy = now < outage_start || now >= outage_end;
      if (!healthy) ++result.dependency_calls_during_outage;
      if (healthy) {
        breaker.on_success(now);
        ++result.succeeded;
      } else {
        breaker.on_failure(now);
        if (attempt_number + 1 < 3 && budget.try_withdraw_retry(now)) {
          ++result.retries;
          sim.post_after(backoff.delay(attempt_number, jitter),
                         [&, attempt_number] { attempt(attempt_number + 1); });
        }
      }
      note_state();
    });
  };

  std::function<void()> send = [&] {
    if (sim.now() >= stop) return;
    ++result.requests;
    budget.record_request(sim.now());
    attempt(0);
    sim.post_after(milliseconds(10), send);
  };
  sim.post_at(kTimeZero, send);
  while (sim.next_event_time() != kTimeInfinite) sim.run_until(sim.next_event_time());

  result.elapsed_s = to_seconds(sim.now());
  result.budget_granted = budget.retries_granted();
  result.final_state = breaker.state(sim.now());
  return result;
}

TEST(CircuitBreakerInSimTime, OpensOnOutageProbesAndClosesAfterRecovery) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const OutageResult r = run_outage(seed);
    ASSERT_GE(r.transitions.size(), 4u);
    // The first transition is the breaker opening shortly after the outage starts.
    const auto first_ms = std::stoll(r.transitions.front());
    EXPECT_EQ(r.transitions.front().substr(r.transitions.front().find(':') + 1), "open");
    EXPECT_GE(first_ms, 1000);
    EXPECT_LT(first_ms, 1100);
    // Probes during the outage fail and re-open it: more than one open before 4 s.
    int opens_in_outage = 0;
    std::int64_t close_ms = -1;
    for (const auto& t : r.transitions) {
      const auto ms = std::stoll(t);
      const std::string state = t.substr(t.find(':') + 1);
      if (state == "open" && ms < 4000) ++opens_in_outage;
      if (state == "closed") {
        EXPECT_GE(ms, 4000) << "closed while the dependency was still failing";
        if (close_ms < 0) close_ms = ms;
      }
    }
    EXPECT_GE(opens_in_outage, 5);
    // Recovery: closed within one open period plus two probes after the outage ends.
    ASSERT_GE(close_ms, 4000);
    EXPECT_LE(close_ms, 4000 + 200 + 50);
    EXPECT_EQ(r.final_state, BreakerState::closed);
    // The breaker shielded the dependency: 3 s of outage at 100 requests/s would be 300+ calls.
    EXPECT_LT(r.dependency_calls_during_outage, 60u);
    EXPECT_GT(r.fast_failures, 200u);
    // Retries never exceed the budget.
    EXPECT_EQ(r.retries, r.budget_granted);
    const double bound = r.budget_config.initial_tokens + r.budget_config.retry_ratio * r.requests +
                         r.budget_config.min_retries_per_s * r.elapsed_s;
    EXPECT_LE(static_cast<double>(r.retries), bound);
  }
}

TEST(CircuitBreakerInSimTime, SameSeedSameSchedule) {
  const OutageResult a = run_outage(9);
  const OutageResult b = run_outage(9);
  EXPECT_EQ(a.transitions, b.transitions);
  EXPECT_EQ(a.retries, b.retries);
  EXPECT_EQ(a.succeeded, b.succeeded);
}

}  // namespace
}  // namespace wirelab::runtime

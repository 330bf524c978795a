// Supervisor decisions: which children each strategy restarts, the exponential restart back-off
// and its reset, and escalation once restart intensity is exceeded.
#include "protocols/runtime/supervisor.h"

#include <gtest/gtest.h>

#include <vector>

namespace wirelab::runtime {
namespace {

using std::chrono::milliseconds;
using Children = std::vector<std::size_t>;

Timestamp at_ms(std::int64_t ms) { return kTimeZero + milliseconds(ms); }

SupervisorConfig config_for(RestartStrategy strategy) {
  SupervisorConfig config;
  config.strategy = strategy;
  config.max_restarts = 10;
  return config;
}

TEST(Supervisor, StrategiesChooseWhomToRestart) {
  Supervisor one(config_for(RestartStrategy::one_for_one), 4);
  EXPECT_EQ(one.on_child_failed(2, at_ms(0)).restart, (Children{2}));
  Supervisor all(config_for(RestartStrategy::one_for_all), 4);
  EXPECT_EQ(all.on_child_failed(2, at_ms(0)).restart, (Children{0, 1, 2, 3}));
  Supervisor rest(config_for(RestartStrategy::rest_for_one), 4);
  EXPECT_EQ(rest.on_child_failed(1, at_ms(0)).restart, (Children{1, 2, 3}));
  EXPECT_EQ(rest.on_child_failed(3, at_ms(0)).restart, (Children{3}));
}

TEST(Supervisor, BackOffDoublesPerChildAndResetsAfterAQuietRun) {
  SupervisorConfig config = config_for(RestartStrategy::one_for_one);
  config.max_restarts = 100;
  config.intensity_period = milliseconds(1);
  config.restart_backoff_base = milliseconds(10);
  config.restart_backoff_max = milliseconds(50);
  config.backoff_reset_after = milliseconds(1000);
  Supervisor supervisor(config, 2);
  std::vector<std::int64_t> delays_ms;
  std::int64_t t = 0;
  for (int i = 0; i < 5; ++i) {
    const auto decision = supervisor.on_child_failed(0, at_ms(t));
    delays_ms.push_back((decision.restart_at - at_ms(t)) / milliseconds(1));
    t += 100;
  }
  EXPECT_EQ(delays_ms, (std::vector<std::int64_t>{10, 20, 40, 50, 50}));
  // The other child has its own back-off.
  EXPECT_EQ(supervisor.on_child_failed(1, at_ms(t)).restart_at, at_ms(t + 10));
  // Child 0 ran quietly for longer than backoff_reset_after: back to the base.
  t += 2000;
  EXPECT_EQ(supervisor.on_child_failed(0, at_ms(t)).restart_at, at_ms(t + 10));
}

TEST(Supervisor, EscalatesWhenRestartIntensityIsExceeded) {
  SupervisorConfig config = config_for(RestartStrategy::one_for_one);
  config.max_restarts = 3;
  config.intensity_period = milliseconds(1000);
  Supervisor supervisor(config, 3);
  EXPECT_FALSE(supervisor.on_child_failed(0, at_ms(0)).escalate);
  EXPECT_FALSE(supervisor.on_child_failed(1, at_ms(100)).escalate);
  EXPECT_FALSE(supervisor.on_child_failed(2, at_ms(200)).escalate);
  // The window slides: at 1000 ms the failure at 0 ms has aged out.
  EXPECT_FALSE(supervisor.on_child_failed(0, at_ms(1000)).escalate);
  const auto decision = supervisor.on_child_failed(1, at_ms(1050));
  EXPECT_TRUE(decision.escalate);
  EXPECT_TRUE(decision.restart.empty());
  EXPECT_TRUE(supervisor.escalated());
  EXPECT_TRUE(supervisor.on_child_failed(2, at_ms(5000)).escalate);  // stays escalated
  EXPECT_EQ(supervisor.total_restarts(), 4u);
}

}  // namespace
}  // namespace wirelab::runtime

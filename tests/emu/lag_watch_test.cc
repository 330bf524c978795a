// LagWatch: the emu backend's rule for when the real-time scheduler has fallen too far behind
// for a run's numbers to mean what the link model says.
#include "sim/lag_watch.h"

#include <gtest/gtest.h>

namespace wirelab::sim {
namespace {

LinkSpec link_with_delay(double delay_s) {
  LinkSpec link;
  link.delay_s = delay_s;
  return link;
}

TEST(LagWatch, LimitsFollowTheLinksDelays) {
  const LagLimits parity = LagWatch::limits_for(link_with_delay(0.025), link_with_delay(0.025));
  EXPECT_DOUBLE_EQ(parity.mean_s, 0.0025);  // 10 % of the one-way delay
  EXPECT_DOUBLE_EQ(parity.spike_s, 0.100);  // the floor
  const LagLimits asymmetric = LagWatch::limits_for(link_with_delay(0.100), link_with_delay(0.040));
  EXPECT_DOUBLE_EQ(asymmetric.mean_s, 0.004);
  EXPECT_DOUBLE_EQ(asymmetric.spike_s, 0.140);  // the base RTT
  const LagLimits short_link = LagWatch::limits_for(link_with_delay(0.001), link_with_delay(0.001));
  EXPECT_DOUBLE_EQ(short_link.mean_s, 0.002);
  EXPECT_DOUBLE_EQ(short_link.spike_s, 0.100);
}

TEST(LagWatch, NoiseAndIsolatedStallsUnderTheSpikeLimitPass) {
  LagWatch watch({0.0025, 0.100});
  for (int i = 0; i < 5000; ++i) {
    // 0.1-0.5 ms of wake-up noise, and a 50 ms stall every second: while the thread is stalled
    // the probes due in it run in a burst at its end, 50, 49, ... 1 ms late (1.3 ms on average
    // over a second).
    const int in_stall = i % 1000 - 600;
    const double lag_s = in_stall >= 0 && in_stall < 50 ? (50 - in_stall) * 1e-3 : 1e-4 * (1 + i % 5);
    EXPECT_FALSE(watch.observe(i * 1e-3, lag_s)) << "probe " << i;
  }
  EXPECT_FALSE(watch.exceeded());
  EXPECT_EQ(watch.failure(), "");
  EXPECT_DOUBLE_EQ(watch.max_s(), 0.050);
}

TEST(LagWatch, OneStallLongerThanTheSpikeLimitFails) {
  LagWatch watch({0.0025, 0.100});
  EXPECT_FALSE(watch.observe(3.1, 0.001));
  EXPECT_TRUE(watch.observe(3.2, 0.120));
  // Later probes, worse or not, do not report again and do not replace the first.
  EXPECT_FALSE(watch.observe(3.3, 0.190));
  EXPECT_TRUE(watch.exceeded());
  EXPECT_EQ(watch.failure(),
            "emu: ns-3 fell 120.0 ms behind real time at t=3.2 s (limit 100.0 ms for one event); the link cannot be "
            "emulated at this rate on this machine");
  EXPECT_DOUBLE_EQ(watch.max_s(), 0.190);
}

TEST(LagWatch, ASchedulerThatKeepsFallingBehindFailsOnTheMean) {
  // Each millisecond of simulated time costs 1.02 ms of wall time: the lag grows by 20 us per
  // probe and never spikes; the mean is judged from the 500th probe on, when it is already 5 ms.
  LagWatch watch({0.0025, 0.050});
  int failed_at = -1;
  for (int i = 0; i < 2000 && failed_at < 0; ++i)
    if (watch.observe(i * 1e-3, i * 20e-6)) failed_at = i;
  ASSERT_GT(failed_at, 0);
  EXPECT_EQ(failed_at, 499);
  EXPECT_NE(watch.failure().find("fell 5.0 ms behind real time on average over the second to t=0.5 s (limit 2.5 ms)"),
            std::string::npos)
      << watch.failure();
}

TEST(LagWatch, TheMeanIsNotJudgedOnTooFewProbes) {
  LagWatch watch({0.0025, 0.050});
  for (int i = 0; i < 499; ++i) EXPECT_FALSE(watch.observe(i * 1e-3, 0.010));
  EXPECT_TRUE(watch.observe(0.499, 0.010));
}

TEST(LagWatch, NegativeLagCountsAsOnTime) {
  LagWatch watch({0.002, 0.020});
  EXPECT_FALSE(watch.observe(0.5, -0.001));
  EXPECT_DOUBLE_EQ(watch.max_s(), 0);
}

TEST(LagWatch, QuantilesAreNearestRank) {
  LagWatch watch({1, 1});
  for (int i = 1; i <= 100; ++i) watch.observe(i, i * 1e-4);
  EXPECT_DOUBLE_EQ(watch.quantile_s(0.5), 50e-4);
  EXPECT_DOUBLE_EQ(watch.quantile_s(0.99), 99e-4);
  EXPECT_DOUBLE_EQ(LagWatch({1, 1}).quantile_s(0.99), 0);
}

}  // namespace
}  // namespace wirelab::sim

// Per-phase goodput under a loss schedule: the goodput series is cut at the phase starts and
// each phase's bytes are divided by its own length.
#include <gtest/gtest.h>

#include "harness/runner/phase_metrics.h"

namespace wirelab {
namespace {

TEST(PhaseMetrics, SplitsTheGoodputSeriesAtPhaseStarts) {
  // 0.1 s samples for 3 s: 8 Mbit/s before 1 s, 4 Mbit/s to 2 s, 2 Mbit/s after.
  RunResult result;
  for (int i = 1; i <= 30; ++i) {
    const double t = i * 0.1;
    const double bps = t <= 1.0 + 1e-9 ? 8e6 : t <= 2.0 + 1e-9 ? 4e6 : 2e6;
    result.series.push_back({"goodput_bps", t, bps});
    result.series.push_back({"rtt_s", t, 0.05});  // other series are ignored
  }
  RunSpec spec;
  spec.link.loss.schedule = {{0, 0.001}, {1, 0.05}, {2, 0.01}};
  add_phase_metrics(spec, result);
  ASSERT_NE(result.find("goodput_bps_phase2"), nullptr);
  EXPECT_NEAR(result.find("goodput_bps_phase0")->value, 8e6, 1);
  EXPECT_NEAR(result.find("goodput_bps_phase1")->value, 4e6, 1);
  EXPECT_NEAR(result.find("goodput_bps_phase2")->value, 2e6, 1);
}

TEST(PhaseMetrics, PhasesTheRunNeverReachedAreLeftOut) {
  RunResult result;
  for (int i = 1; i <= 15; ++i) result.series.push_back({"goodput_bps", i * 0.1, 1e6});
  RunSpec spec;
  spec.link.loss.schedule = {{0, 0}, {1, 0.1}, {20, 0.2}};
  const auto phases = phase_goodputs(spec.link.loss.schedule, result.series);
  ASSERT_EQ(phases.size(), 2u);
  EXPECT_DOUBLE_EQ(phases[1].end_s, 1.5);  // the run ended half a second into phase 1
  EXPECT_NEAR(phases[1].goodput_bps(), 1e6, 1);
  // No schedule: no phase metrics at all.
  RunSpec plain;
  add_phase_metrics(plain, result);
  EXPECT_EQ(result.find("goodput_bps_phase0"), nullptr);
}

}  // namespace
}  // namespace wirelab

// Statistics of analysis/stats against reference values (scipy 1.10 on Debian 12, calls quoted).
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/regress.h"
#include "analysis/stats/bootstrap.h"
#include "analysis/stats/mann_whitney.h"
#include "analysis/stats/multiple_testing.h"
#include "analysis/stats/tcp_models.h"

namespace wirelab::analysis {
namespace {

TEST(MannWhitney, ExactSmallSamplesMatchScipy) {
  // scipy.stats.mannwhitneyu([1,2,3,4,5],[6,7,8,9,10.5]) -> statistic=0.0, pvalue=0.007936507936507936
  const auto r = mann_whitney_u({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10.5});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u1, 0.0);
  EXPECT_NEAR(r.p_value, 0.007936507936507936, 1e-12);
  // scipy.stats.mannwhitneyu([1.5,3.2,4.1,7.7,2.2,9.0],[2.8,5.5,6.1,8.8,9.9,10.2,4.4])
  //   -> statistic=11.0, pvalue=0.18065268065268064
  const auto s = mann_whitney_u({1.5, 3.2, 4.1, 7.7, 2.2, 9.0}, {2.8, 5.5, 6.1, 8.8, 9.9, 10.2, 4.4});
  EXPECT_DOUBLE_EQ(s.u1, 11.0);
  EXPECT_NEAR(s.p_value, 0.18065268065268064, 1e-12);
}

TEST(MannWhitney, NormalApproximationWithTiesMatchesScipy) {
  // scipy.stats.mannwhitneyu([1,2,2,3,4,5,5,6,7,8],[3,4,5,5,6,7,8,9,9,10,11])
  //   -> statistic=24.5, pvalue=0.03364557488271187
  const auto r = mann_whitney_u({1, 2, 2, 3, 4, 5, 5, 6, 7, 8}, {3, 4, 5, 5, 6, 7, 8, 9, 9, 10, 11});
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u1, 24.5);
  EXPECT_NEAR(r.p_value, 0.03364557488271187, 1e-12);
}

TEST(MannWhitney, IdenticalConstantSamplesGiveNoEvidence) {
  EXPECT_DOUBLE_EQ(mann_whitney_u({1, 1, 1, 1}, {1, 1, 1}).p_value, 1.0);
}

TEST(MultipleTesting, HolmAndBenjaminiHochbergByHand) {
  const std::vector<double> p{0.01, 0.04, 0.03, 0.005};
  const auto holm = holm_adjust(p);  // sorted: .005*4, .01*3, .03*2 (=.06), .04*1 -> monotone .06
  const std::vector<double> expected_holm{0.03, 0.06, 0.06, 0.02};
  const auto bh = benjamini_hochberg_adjust(p);  // .005*4/1, .01*4/2, .03*4/3, .04*4/4, step-up min
  const std::vector<double> expected_bh{0.02, 0.04, 0.04, 0.02};
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_NEAR(holm[i], expected_holm[i], 1e-12) << i;
    EXPECT_NEAR(bh[i], expected_bh[i], 1e-12) << i;
  }
}

TEST(Bootstrap, IntervalContainsTheMedianAndIsReproducible) {
  const std::vector<double> base{10, 11, 9, 10.5, 10.2, 9.8, 10.1, 9.9};
  const std::vector<double> worse{8, 8.2, 7.9, 8.1, 7.8, 8.3, 8.0, 7.7};
  const Interval a = bootstrap_relative_median_change(base, worse, 42);
  const Interval b = bootstrap_relative_median_change(base, worse, 42);
  EXPECT_DOUBLE_EQ(a.low, b.low);
  EXPECT_DOUBLE_EQ(a.high, b.high);
  EXPECT_NEAR(a.estimate, 8.0 / 10.05 - 1.0, 1e-12);
  EXPECT_LE(a.low, a.estimate);
  EXPECT_GE(a.high, a.estimate);
  EXPECT_LT(a.high, 0.0) << "a 20 % drop with tight samples must exclude 0";
  const Interval m = bootstrap_median(base, 7);
  EXPECT_DOUBLE_EQ(m.estimate, 10.05);
  EXPECT_LE(m.low, 10.05);
  EXPECT_GE(m.high, 10.05);
}

TEST(TcpModels, PadhyeMatchesDocsModelsAndMathisFitRecoversConstant) {
  TcpPath path;  // docs/models.md quickstart constants
  // Hand evaluation of eq. 31 at p = 0.02, b = 2: RTT*sqrt(2bp/3) = 0.0506*0.163299 = 0.0082629;
  // T0*min(1, 3*sqrt(3bp/8))*p*(1+32p^2) = 0.2*0.367423*0.02*1.0128 = 0.0014885.
  const double expected = 1448 * 8 / (0.0506 * std::sqrt(2 * 2 * 0.02 / 3) +
                                      0.2 * 3 * std::sqrt(3 * 2 * 0.02 / 8) * 0.02 * (1 + 32 * 0.0004));
  EXPECT_NEAR(padhye_goodput_bps(path, 0.02), expected, 1e-6);
  EXPECT_NEAR(padhye_goodput_bps(path, 0.02), 1.1879e6, 1e3);
  std::vector<double> loss{0.005, 0.01, 0.02, 0.05}, goodput;
  for (double p : loss) goodput.push_back(mathis_goodput_bps(path, p, 0.93));
  EXPECT_NEAR(fit_mathis_constant(path, loss, goodput), 0.93, 1e-9);
}

TEST(Regress, MetricDirections) {
  EXPECT_EQ(metric_direction("goodput_bps"), +1);
  EXPECT_EQ(metric_direction("goodput_bps_flow2"), +1);
  EXPECT_EQ(metric_direction("integrity_ok"), +1);
  EXPECT_EQ(metric_direction("fct_s"), -1);
  EXPECT_EQ(metric_direction("latency_p99_s"), -1);
  EXPECT_EQ(metric_direction("retransmitted_bytes"), -1);
  EXPECT_EQ(metric_direction("loss_rate_observed"), -1);
  EXPECT_EQ(metric_direction("wall_seconds"), 0);
}

}  // namespace
}  // namespace wirelab::analysis

// Bootstrap confidence intervals of medians. `regress` reports the relative change of a metric's
// median (candidate / baseline - 1) with a percentile interval; `report` draws medians with 95 %
// intervals. Resampling uses SeededRandom so the same data and seed give the same interval.
#pragma once

#include <cstdint>
#include <vector>

namespace wirelab::analysis {

double median(std::vector<double> values);

struct Interval {
  double estimate = 0.0;
  double low = 0.0;
  double high = 0.0;
};

// Percentile bootstrap of one sample's median.
Interval bootstrap_median(const std::vector<double>& values, std::uint64_t seed,
                          int resamples = 2000, double confidence = 0.95);

// Percentile bootstrap of median(candidate) / median(baseline) - 1, each side resampled
// independently. A resample whose baseline median is 0 contributes 0 when the candidate median is
// 0 too, and is skipped otherwise.
Interval bootstrap_relative_median_change(const std::vector<double>& baseline,
                                          const std::vector<double>& candidate, std::uint64_t seed,
                                          int resamples = 2000, double confidence = 0.95);

}  // namespace wirelab::analysis

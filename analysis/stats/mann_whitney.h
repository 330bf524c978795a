// Mann-Whitney U test: does one sample tend to hold larger values than the other? Used by
// `regress` to compare a metric's runs of a baseline against a candidate without assuming a
// distribution. Two-sided, with scipy.stats.mannwhitneyu's conventions (method="auto"): exact
// when both samples have at most 8 values and no ties, else the normal approximation with tie
// correction and continuity correction.
#pragma once

#include <vector>

namespace wirelab::analysis {

struct MannWhitneyResult {
  double u1 = 0.0;       // U statistic of the first sample (scipy's `statistic`)
  double p_value = 1.0;  // two-sided
  bool exact = false;
};

MannWhitneyResult mann_whitney_u(const std::vector<double>& first, const std::vector<double>& second);

}  // namespace wirelab::analysis

#include "analysis/stats/bootstrap.h"

#include <algorithm>
#include <cmath>

#include "protocols/core/random.h"

namespace wirelab::analysis {
namespace {

std::vector<double> resample(const std::vector<double>& values, SeededRandom& random) {
  std::vector<double> out(values.size());
  for (double& v : out) v = values[random.below(values.size())];
  return out;
}

double relative_change(double baseline_median, double candidate_median, bool& defined) {
  defined = true;
  if (baseline_median != 0.0) return candidate_median / baseline_median - 1.0;
  if (candidate_median == 0.0) return 0.0;
  defined = false;
  return 0.0;
}

Interval percentile_interval(std::vector<double> estimates, double point, double confidence) {
  Interval interval{point, point, point};
  if (estimates.empty()) return interval;
  std::sort(estimates.begin(), estimates.end());
  const double tail = (1.0 - confidence) / 2.0;
  const auto at = [&](double q) {
    const double pos = q * static_cast<double>(estimates.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const auto hi = std::min(lo + 1, estimates.size() - 1);
    return estimates[lo] + (pos - static_cast<double>(lo)) * (estimates[hi] - estimates[lo]);
  };
  interval.low = at(tail);
  interval.high = at(1.0 - tail);
  return interval;
}

}  // namespace

double median(std::vector<double> values) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

Interval bootstrap_median(const std::vector<double>& values, std::uint64_t seed, int resamples,
                          double confidence) {
  if (values.empty()) return {std::nan(""), std::nan(""), std::nan("")};
  SeededRandom random(seed);
  std::vector<double> estimates;
  estimates.reserve(static_cast<std::size_t>(resamples));
  for (int i = 0; i < resamples; ++i) estimates.push_back(median(resample(values, random)));
  return percentile_interval(std::move(estimates), median(values), confidence);
}

Interval bootstrap_relative_median_change(const std::vector<double>& baseline,
                                          const std::vector<double>& candidate, std::uint64_t seed,
                                          int resamples, double confidence) {
  if (baseline.empty() || candidate.empty()) return {std::nan(""), std::nan(""), std::nan("")};
  bool defined = true;
  const double point = relative_change(median(baseline), median(candidate), defined);
  SeededRandom random(seed);
  std::vector<double> estimates;
  for (int i = 0; i < resamples; ++i) {
    const double b = median(resample(baseline, random));
    const double c = median(resample(candidate, random));
    bool ok = true;
    const double change = relative_change(b, c, ok);
    if (ok) estimates.push_back(change);
  }
  return percentile_interval(std::move(estimates), defined ? point : std::nan(""), confidence);
}

}  // namespace wirelab::analysis

#include "analysis/stats/multiple_testing.h"

#include <algorithm>
#include <numeric>

namespace wirelab::analysis {
namespace {

std::vector<std::size_t> ascending_order(const std::vector<double>& p) {
  std::vector<std::size_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  return order;
}

}  // namespace

std::vector<double> holm_adjust(const std::vector<double>& p_values) {
  const std::size_t m = p_values.size();
  std::vector<double> adjusted(m);
  double running_max = 0.0;
  const auto order = ascending_order(p_values);
  for (std::size_t rank = 0; rank < m; ++rank) {
    const std::size_t i = order[rank];
    running_max = std::max(running_max, static_cast<double>(m - rank) * p_values[i]);
    adjusted[i] = std::min(1.0, running_max);
  }
  return adjusted;
}

std::vector<double> benjamini_hochberg_adjust(const std::vector<double>& p_values) {
  const std::size_t m = p_values.size();
  std::vector<double> adjusted(m);
  double running_min = 1.0;
  const auto order = ascending_order(p_values);
  for (std::size_t rank = m; rank-- > 0;) {
    const std::size_t i = order[rank];
    running_min = std::min(running_min, static_cast<double>(m) / static_cast<double>(rank + 1) * p_values[i]);
    adjusted[i] = running_min;
  }
  return adjusted;
}

}  // namespace wirelab::analysis

#include "analysis/stats/mann_whitney.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace wirelab::analysis {
namespace {

// Mid-ranks (1-based) of the pooled sample; ties share their average rank. Also returns
// sum(t^3 - t) over tie groups for the variance correction.
std::vector<double> pooled_ranks(const std::vector<double>& pooled, double& tie_term) {
  std::vector<std::size_t> order(pooled.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return pooled[a] < pooled[b]; });
  std::vector<double> ranks(pooled.size());
  tie_term = 0.0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && pooled[order[j + 1]] == pooled[order[i]]) ++j;
    const double mid_rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = mid_rank;
    const double t = static_cast<double>(j - i + 1);
    tie_term += t * t * t - t;
    i = j + 1;
  }
  return ranks;
}

// P(U >= u) under H0 for samples of sizes m, n without ties: count the arrangements with
// dynamic programming over how many of the m+n ranks are taken (counts fit a double for m,n <= 8).
double exact_upper_tail(int u, int m, int n) {
  // ways[i][j][s]: arrangements of i first-sample and j second-sample values with U = s.
  const int max_u = m * n;
  std::vector<std::vector<std::vector<double>>> ways(
      m + 1, std::vector<std::vector<double>>(n + 1, std::vector<double>(max_u + 1, 0.0)));
  for (int i = 0; i <= m; ++i)
    for (int j = 0; j <= n; ++j) {
      if (i == 0 || j == 0) {
        ways[i][j][0] = 1.0;
        continue;
      }
      for (int s = 0; s <= max_u; ++s) {
        // The largest value belongs to the first sample (it beats all j second values) or not.
        double count = ways[i][j - 1][s];
        if (s >= j) count += ways[i - 1][j][s - j];
        ways[i][j][s] = count;
      }
    }
  double tail = 0.0, total = 0.0;
  for (int s = 0; s <= max_u; ++s) {
    total += ways[m][n][s];
    if (s >= u) tail += ways[m][n][s];
  }
  return tail / total;
}

}  // namespace

MannWhitneyResult mann_whitney_u(const std::vector<double>& first, const std::vector<double>& second) {
  MannWhitneyResult result;
  const std::size_t m = first.size(), n = second.size();
  if (m == 0 || n == 0) return result;
  std::vector<double> pooled(first);
  pooled.insert(pooled.end(), second.begin(), second.end());
  double tie_term = 0.0;
  const std::vector<double> ranks = pooled_ranks(pooled, tie_term);
  double rank_sum_first = 0.0;
  for (std::size_t i = 0; i < m; ++i) rank_sum_first += ranks[i];
  const double md = static_cast<double>(m), nd = static_cast<double>(n);
  result.u1 = rank_sum_first - md * (md + 1.0) / 2.0;
  const double u_larger = std::max(result.u1, md * nd - result.u1);

  const bool has_ties = tie_term > 0.0;
  if (m <= 8 && n <= 8 && !has_ties) {
    result.exact = true;
    result.p_value = std::min(1.0, 2.0 * exact_upper_tail(static_cast<int>(std::lround(u_larger)),
                                                          static_cast<int>(m), static_cast<int>(n)));
    return result;
  }
  const double total = md + nd;
  const double mean_u = md * nd / 2.0;
  const double variance = md * nd / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0)));
  if (variance <= 0.0) return result;  // every value equal: no evidence of a difference
  const double z = (u_larger - mean_u - 0.5) / std::sqrt(variance);
  result.p_value = std::min(1.0, std::erfc(z / std::sqrt(2.0)));  // 2 * normal upper tail
  return result;
}

}  // namespace wirelab::analysis

#include "analysis/stats/tcp_models.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace wirelab::analysis {

double padhye_goodput_bps(const TcpPath& path, double p) {
  const double b = path.acked_per_ack;
  const double denominator =
      path.rtt_s * std::sqrt(2.0 * b * p / 3.0) +
      path.rto_s * std::min(1.0, 3.0 * std::sqrt(3.0 * b * p / 8.0)) * p * (1.0 + 32.0 * p * p);
  double rate_bps = denominator > 0.0 ? path.mss_bytes * 8.0 / denominator : INFINITY;
  if (path.max_rate_bps > 0.0) rate_bps = std::min(rate_bps, path.max_rate_bps);
  return rate_bps;
}

double mathis_goodput_bps(const TcpPath& path, double p, double c) {
  return c * path.mss_bytes * 8.0 / (path.rtt_s * std::sqrt(p));
}

double fit_mathis_constant(const TcpPath& path, const std::vector<double>& loss,
                           const std::vector<double>& goodput_bps) {
  std::vector<std::size_t> usable;
  for (std::size_t i = 0; i < loss.size() && i < goodput_bps.size(); ++i)
    if (loss[i] > 0.0 && std::isfinite(goodput_bps[i])) usable.push_back(i);
  if (usable.empty()) return std::sqrt(1.5);
  const auto rows = static_cast<Eigen::Index>(usable.size());
  Eigen::MatrixXd x(rows, 1);
  Eigen::VectorXd y(rows);
  for (Eigen::Index k = 0; k < rows; ++k) {
    const std::size_t i = usable[static_cast<std::size_t>(k)];
    x(k, 0) = mathis_goodput_bps(path, loss[i], 1.0);
    y(k) = goodput_bps[i];
  }
  // One-column least squares through the origin: C = x.y / x.x.
  return x.colPivHouseholderQr().solve(y)(0);
}

}  // namespace wirelab::analysis

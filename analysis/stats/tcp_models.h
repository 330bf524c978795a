// Analytic TCP throughput models drawn over measured TCP goodput in reports (docs/models.md):
// Padhye et al. (1998, eq. 31) and the Mathis et al. (1997) square-root law, whose constant C is
// fitted to the measurements by least squares (Eigen).
#pragma once

#include <vector>

namespace wirelab::analysis {

struct TcpPath {
  double rtt_s = 0.0506;
  double mss_bytes = 1448.0;
  double acked_per_ack = 2.0;  // b
  double rto_s = 0.2;          // T0
  double max_rate_bps = 0.0;   // window/link limit; 0 = none
};

// Padhye's full model, goodput in bit/s at loss-event probability p.
double padhye_goodput_bps(const TcpPath& path, double loss);

// Mathis: goodput = C * MSS * 8 / (RTT * sqrt(p)).
double mathis_goodput_bps(const TcpPath& path, double loss, double c);

// Least-squares C over (loss, goodput) pairs with loss > 0; sqrt(3/2) (the textbook value for
// b = 1) when nothing can be fitted.
double fit_mathis_constant(const TcpPath& path, const std::vector<double>& loss,
                           const std::vector<double>& goodput_bps);

}  // namespace wirelab::analysis

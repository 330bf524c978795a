// RFC 9438 window arithmetic (protocols/cc/cubic_window.h), which PFS's Cubic and the sim's
// model of Linux TCP Cubic share.
#include "protocols/cc/cubic_window.h"

#include <gtest/gtest.h>

#include <chrono>

namespace wirelab::cc {
namespace {

constexpr Duration kRtt = std::chrono::milliseconds(50);

// Acknowledges one window per RTT, one segment per ACK, for `rtts` round trips.
Timestamp ack_rounds(CubicWindow& w, Timestamp now, int rtts) {
  for (int r = 0; r < rtts; ++r) {
    const int acks = static_cast<int>(w.cwnd());
    for (int i = 0; i < acks; ++i) w.on_ack(now + kRtt * i / acks, 1.0, kRtt);
    now += kRtt;
  }
  return now;
}

TEST(CubicWindow, SmallWindowsGrowInTheRenoFriendlyRegion) {
  // W_max = 10 segments: K = cbrt(10 * 0.3 / 0.4) = 1.96 s, so for the first half second the
  // cubic curve stays below 8.8 segments. The Reno-friendly estimate grows by
  // 3 (1 - beta) / (1 + beta) = 0.529 segments per RTT (RFC 9438 section 4.3), and the window
  // follows it: from 7 to ~12.3 in ten RTTs. ns-3.37's TcpCubic, lacking this region, stays
  // near 7 (docs/emu.md).
  CubicWindow w(10);
  w.on_congestion_event();
  EXPECT_DOUBLE_EQ(w.cwnd(), 7.0);
  EXPECT_DOUBLE_EQ(w.ssthresh(), 7.0);
  ack_rounds(w, Timestamp{} + std::chrono::seconds(1), 10);
  const double alpha = 3 * (1 - CubicWindow::kBeta) / (1 + CubicWindow::kBeta);
  EXPECT_NEAR(w.cwnd(), 7.0 + 10 * alpha, 0.6);
}

TEST(CubicWindow, LargeWindowsFollowTheCubicCurveBackToWMax) {
  // At W_max = 1000 the Reno-friendly estimate is negligible: the window returns to W_max
  // about K = cbrt(1000 * 0.3 / 0.4) = 9.1 s after the reduction.
  CubicWindow w(1000);
  w.on_congestion_event();
  Timestamp now = Timestamp{} + std::chrono::seconds(1);
  now = ack_rounds(w, now, 160);  // 8 s
  EXPECT_LT(w.cwnd(), 1000);
  EXPECT_GT(w.cwnd(), 990);
  ack_rounds(w, now, 40);  // 10 s
  EXPECT_GT(w.cwnd(), 1000);
}

TEST(CubicWindow, OneAckCoveringAWholeWindowLeavesSlowStartAtSsthresh) {
  // A TCP host leaving recovery, or catching up after a timeout, acknowledges a whole window at
  // once; slow start must stop at ssthresh, not add every acknowledged segment.
  CubicWindow w(40);
  w.on_congestion_event();  // ssthresh 28
  w.set_cwnd(1);            // a retransmission timeout
  w.on_ack(Timestamp{} + std::chrono::seconds(1), 100, kRtt);
  EXPECT_GE(w.cwnd(), 28);
  EXPECT_LT(w.cwnd(), 28 * 1.5 + 1e-9);
  EXPECT_FALSE(w.in_slow_start());
}

}  // namespace
}  // namespace wirelab::cc

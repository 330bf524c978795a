// BBR's STARTUP against the draft (draft-cardwell-iccrg-bbr-congestion-control-00, with the
// startup cwnd gain of its successors, protocols/cc/bbr.cc): the initial pacing rate, the exit
// after three rounds without 25 % bandwidth growth (and not on application-limited rounds),
// and a window of at most 2 x BDP plus three send quanta when the pipe fills. The controller
// is driven round by round over a fluid bottleneck: a round sends what the window and the
// pacing rate allow in one round trip, and is delivered at that rate or the bottleneck's,
// whichever is lower.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "protocols/cc/congestion_controller.h"
#include "tests/protocols/cc_round.h"

namespace wirelab {
namespace {

constexpr std::uint64_t kMss = 1472;
constexpr std::uint32_t kInitialWindow = 10;
constexpr double kHighGain = 2.885;  // 2 / ln 2

cc::CcParams params() {
  cc::CcParams p;
  p.max_datagram_size = kMss;
  p.initial_window_packets = kInitialWindow;
  return p;
}

struct FluidPath {
  cc::CongestionController& cc;
  double bottleneck_Bps;
  Duration rtt;
  Timestamp now = kTimeZero;
  std::uint64_t delivered = 0;
  bool app_limited = false;
  std::uint64_t app_limit_bytes = 0;  // with app_limited: what the application has per round
  double last_rate_Bps = 0;           // delivery rate of the last round

  // One round trip; returns the bytes it sent.
  std::uint64_t round() {
    const double pacing_Bps = cc.pacing_rate_bps().value_or(0) / 8;
    std::uint64_t bytes = cc.congestion_window();
    if (pacing_Bps > 0) bytes = std::min<std::uint64_t>(bytes, static_cast<std::uint64_t>(pacing_Bps * to_seconds(rtt)));
    if (app_limited) bytes = std::min(bytes, app_limit_bytes);
    const std::uint64_t packets = std::max<std::uint64_t>(1, bytes / kMss);
    const double rate_Bps = std::min(bottleneck_Bps, static_cast<double>(packets * kMss) / to_seconds(rtt));
    now = testing::send_and_ack_round(cc, now, rtt, packets, kMss, 8 * rate_Bps, delivered, app_limited);
    last_rate_Bps = rate_Bps;
    return packets * kMss;
  }
};

TEST(BbrStartup, InitialWindowIsPacedAtHighGainOverTheFirstRtt) {
  auto bbr = cc::make_bbr(params());
  const double initial_window = kInitialWindow * kMss;
  // Before any RTT sample: the draft's nominal 1 ms round trip.
  ASSERT_TRUE(bbr->pacing_rate_bps());
  EXPECT_NEAR(*bbr->pacing_rate_bps() / 8, kHighGain * initial_window / 1e-3, initial_window);
  // The handshake's ACK: one small packet delivered over the 100 ms round trip is a valid but
  // tiny bandwidth sample. The initial window must still leave at 2.89 x IW per RTT (it used
  // to be paced at 2.89 x that sample, ~10 kbit/s, and took three round trips to leave).
  const Duration rtt = std::chrono::milliseconds(100);
  bbr->on_packet_sent(kTimeZero, 200, 0);
  cc::AckEvent ack;
  ack.now = kTimeZero + rtt;
  ack.bytes_acked = 200;
  ack.prior_in_flight = 200;
  ack.latest_rtt = ack.smoothed_rtt = ack.min_rtt = rtt;
  ack.total_delivered = 200;
  ack.rate.delivered = 200;
  ack.rate.interval = rtt;
  ack.rate.delivery_rate_bps = 8 * 200 / to_seconds(rtt);
  bbr->on_ack(ack);
  EXPECT_NEAR(*bbr->pacing_rate_bps() / 8, kHighGain * initial_window / to_seconds(rtt), 1.0);
}

TEST(BbrStartup, ExitsThreeRoundsAfterTheBandwidthPlateau) {
  for (const double bottleneck_bps : {2e6, 20e6, 200e6}) {
    auto bbr = cc::make_bbr(params());
    FluidPath path{*bbr, bottleneck_bps / 8, std::chrono::milliseconds(100)};
    int plateau = -1, exited = -1;
    double previous_rate = 0;
    for (int r = 0; r < 60 && exited < 0; ++r) {
      path.round();
      // The first round whose delivery rate grew less than 25 % over the round before.
      if (plateau < 0 && r > 0 && path.last_rate_Bps < 1.25 * previous_rate) plateau = r;
      previous_rate = path.last_rate_Bps;
      if (!bbr->in_slow_start()) exited = r;
    }
    ASSERT_GE(plateau, 0) << bottleneck_bps;
    ASSERT_GE(exited, 0) << bottleneck_bps << " bit/s: still in STARTUP after 60 rounds";
    // The draft: full bandwidth is reached after three rounds in a row without 25 % growth.
    // Here a round's samples arrive at its end, the first of them starting the next round's
    // count, so the round that first shows no growth is the first of the three and STARTUP
    // ends two rounds later. (On a real path the samples of a round arrive during the next,
    // one round later.)
    EXPECT_EQ(exited, plateau + 2) << bottleneck_bps << " bit/s: plateau in round " << plateau;
    // DRAIN, then PROBE_BW at the bottleneck's rate.
    for (int r = 0; r < 2; ++r) path.round();
    EXPECT_NEAR(*bbr->pacing_rate_bps(), bottleneck_bps, 0.02 * bottleneck_bps);
  }
}

TEST(BbrStartup, WindowHoldsTwiceTheBdpPlusThreeQuantaWhenThePipeFills) {
  // A window of 2.89 x BDP (draft-00's STARTUP cwnd gain) overfilled a one-BDP drop-tail queue
  // by ~0.9 BDP a round for STARTUP's last three rounds.
  const double bottleneck_Bps = 20e6 / 8;
  const Duration rtt = std::chrono::milliseconds(100);
  auto bbr = cc::make_bbr(params());
  FluidPath path{*bbr, bottleneck_Bps, rtt};
  std::uint64_t largest_window = 0;
  for (int r = 0; r < 40; ++r) {
    path.round();
    largest_window = std::max(largest_window, bbr->congestion_window());
  }
  const double bdp = bottleneck_Bps * to_seconds(rtt);
  // A quantum is a millisecond at STARTUP's pacing rate, at least two datagrams.
  const double quantum = std::max(2.0 * kMss, kHighGain * bottleneck_Bps / 1000);
  EXPECT_LE(static_cast<double>(largest_window), 2 * bdp + 3 * quantum + kMss)
      << "largest window " << largest_window / kMss << " datagrams, BDP " << bdp / kMss;
  // And it does fill the pipe: the window reached at least the BDP.
  EXPECT_GE(static_cast<double>(largest_window), bdp);
}

TEST(BbrStartup, ApplicationLimitedRoundsDoNotEndStartup) {
  auto bbr = cc::make_bbr(params());
  FluidPath path{*bbr, 100e6 / 8, std::chrono::milliseconds(50)};
  path.app_limited = true;
  path.app_limit_bytes = 20 * kMss;  // the application writes 20 datagrams a round trip
  for (int r = 0; r < 10; ++r) path.round();
  // Ten flat rounds, all application-limited: they say nothing about the path's bandwidth.
  EXPECT_TRUE(bbr->in_slow_start());
  // The application catches up: STARTUP resumes its growth and ends at the bottleneck.
  path.app_limited = false;
  int rounds = 0;
  while (bbr->in_slow_start() && rounds < 40) {
    path.round();
    ++rounds;
  }
  ASSERT_FALSE(bbr->in_slow_start());
  for (int r = 0; r < 2; ++r) path.round();
  EXPECT_NEAR(*bbr->pacing_rate_bps(), 100e6, 2e6);
}

}  // namespace
}  // namespace wirelab

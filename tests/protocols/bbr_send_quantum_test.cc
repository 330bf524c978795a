// BBR on a path whose round trip is microseconds (loopback) and on a host whose clock does not
// start at zero: the window must hold three send quanta (else the flow waits on its hosts'
// wake-ups every few datagrams), the min-RTT window must start with the flow (else the first
// ACK sends it to PROBE_RTT), and the pacer must release a quantum per wake-up.
#include <gtest/gtest.h>

#include "protocols/cc/congestion_controller.h"
#include "tests/protocols/cc_round.h"
#include "protocols/pfs/pacer.h"

namespace wirelab {
namespace {

constexpr std::uint64_t kMss = 1472;

// Drives a controller with a steady flow: every round sends a window's worth of datagrams and
// has them acknowledged one RTT later at `rate_bps` (cc_round.h).
struct SteadyFlow {
  cc::CongestionController& cc;
  Timestamp now;
  Duration rtt;
  double rate_bps;
  std::uint64_t delivered = 0;

  void rounds(int n) {
    for (int r = 0; r < n; ++r) {
      const std::uint64_t window = cc.congestion_window();
      const std::uint64_t packets = std::max<std::uint64_t>(1, window / kMss);
      now = testing::send_and_ack_round(cc, now, rtt, packets, kMss, rate_bps, delivered);
    }
  }
};

cc::CcParams params() {
  cc::CcParams p;
  p.max_datagram_size = kMss;
  return p;
}

TEST(BbrSendQuantum, WindowHoldsThreeQuantaWhenTheRoundTripIsMicroseconds) {
  auto bbr = cc::make_bbr(params());
  const double rate_bps = 2e9;
  SteadyFlow flow{*bbr, kTimeZero + std::chrono::hours(3), std::chrono::microseconds(20), rate_bps};
  flow.rounds(120);  // startup, drain, and the window growing to its target: ~2.4 ms at 20 us
  // BDP at 2 Gbit/s x 20 us is 5 KB; 2 x BDP + 3 datagrams (the draft's quantum) would be
  // ~14 KB. A quantum is a millisecond at the pacing rate (~250 KB here).
  const double pacing_Bps = *bbr->pacing_rate_bps() / 8;
  const auto quantum = bbr->send_quantum();
  EXPECT_NEAR(static_cast<double>(quantum), pacing_Bps / 1000, kMss) << "quantum " << quantum;
  EXPECT_GE(bbr->congestion_window(), 3 * quantum) << "cwnd " << bbr->congestion_window();
  EXPECT_LE(bbr->congestion_window(), 3 * quantum + 3 * 2 * 5000) << "cwnd " << bbr->congestion_window();
}

TEST(BbrSendQuantum, SlowPathsKeepTwoDatagramQuanta) {
  auto bbr = cc::make_bbr(params());
  SteadyFlow flow{*bbr, kTimeZero, std::chrono::milliseconds(50), 20e6};
  flow.rounds(40);
  EXPECT_EQ(bbr->send_quantum(), 2 * kMss);
}

TEST(BbrSendQuantum, MinRttWindowStartsWithTheFlowNotAtClockZero) {
  // A host clock (CLOCK_MONOTONIC) reads hours at the first packet. Before the fix the first
  // ACK found the min-RTT estimate "older than 10 s" and BBR sat in PROBE_RTT at 4 datagrams.
  auto bbr = cc::make_bbr(params());
  SteadyFlow flow{*bbr, kTimeZero + std::chrono::hours(3), std::chrono::milliseconds(1), 1e9};
  flow.rounds(3);
  EXPECT_GT(bbr->congestion_window(), 4 * kMss);
}

TEST(PacerQuantum, AHeldBackSenderWaitsForAWholeQuantum) {
  pfs::Pacer pacer(kMss);
  pacer.set_rate(8e9);  // 1 byte per ns
  const std::uint64_t quantum = 64 * kMss;
  pacer.set_burst_bytes(quantum);
  Timestamp now = kTimeZero + std::chrono::seconds(1);
  // Drain the bucket: the first datagrams leave at once.
  while (pacer.next_send_time(now, kMss) == now) pacer.on_sent(now, kMss);
  const Timestamp release = pacer.next_send_time(now, kMss);
  EXPECT_GE(release - now, std::chrono::nanoseconds(quantum - kMss));
  // At that time a whole quantum leaves without waiting again.
  std::uint64_t sent = 0;
  while (pacer.next_send_time(release, kMss) == release) {
    pacer.on_sent(release, kMss);
    sent += kMss;
  }
  EXPECT_GE(sent, quantum - kMss);
}

TEST(PacerQuantum, DefaultDepthReleasesDatagramByDatagram) {
  pfs::Pacer pacer(kMss);
  pacer.set_rate(8e9);
  Timestamp now = kTimeZero + std::chrono::seconds(1);
  while (pacer.next_send_time(now, kMss) == now) pacer.on_sent(now, kMss);
  const Timestamp release = pacer.next_send_time(now, kMss);
  EXPECT_LE(release - now, std::chrono::nanoseconds(kMss + 1));
}

}  // namespace
}  // namespace wirelab

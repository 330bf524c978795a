// PFS with its default BBR over the path of docs/protocols/pfs-fec.md, lossless: 20 Mbit/s,
// 50 ms each way, a drop-tail queue of one bandwidth-delay product (170 datagrams). What BBR's
// STARTUP promises there: a short flow needs the round trips slow start needs, the flight
// never exceeds 2 x BDP plus three send quanta (so a 1-BDP queue overflows by quanta, not by
// a BDP), and DRAIN leaves at most a BDP in flight.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "tests/protocols/bulk_transfer.h"

namespace wirelab::testing {
namespace {

constexpr double kLinkBps = 20e6;
constexpr double kRttS = 0.1;
constexpr double kMss = 1472;
constexpr double kHighGain = 2.885;
// Bytes of the datagram's UDP payload per byte on the wire (1472 of 1502: IPv4 + UDP + PPP),
// since BBR measures delivered UDP payload.
constexpr double kPayloadShare = 1472.0 / 1502.0;

PipeLink path() {
  PipeLink l;
  l.rate_bps = kLinkBps;
  l.queue_packets = 170;
  l.delay = std::chrono::milliseconds(50);
  return l;
}

TEST(PfsBbrStartup, ShortFlowTakesTheRoundTripsOfSlowStart) {
  // 100 kB is 69 datagrams: an initial window of 10 doubling per round trip sends them in
  // three rounds (10 + 20 + 40). Add the handshake's round trip, the last datagram's one-way
  // trip, and one round trip for pacing: BBR spreads each round's datagrams over the round
  // instead of sending them in a burst. The initial window used to be paced at 2.89 x the
  // handshake's tiny delivery-rate sample: 6.6 round trips.
  const std::uint64_t bytes = 100'000;
  const double rounds = std::ceil(std::log2(std::ceil(bytes / (kMss - 18)) / 10.0 + 1));
  const double bound_s = kRttS * (1 + rounds + 0.5 + 1);
  for (std::uint64_t seed : {1, 2}) {
    const auto out = run_bulk(pfs::PfsConfig{}, path(), path(), bytes, seed);
    ASSERT_TRUE(out.finished) << "seed " << seed;
    EXPECT_TRUE(out.integrity_ok) << "seed " << seed;
    EXPECT_LE(out.fct_s, bound_s) << "seed " << seed;
  }
}

TEST(PfsBbrStartup, FlightStaysWithinTwiceTheBdpAndDrainEmptiesTheQueue) {
  const double bdp = kLinkBps / 8 * kPayloadShare * kRttS;
  // A send quantum is a millisecond at the pacing rate, 2.89 x the bottleneck in STARTUP.
  const double quantum = std::max(2 * kMss, kHighGain * kLinkBps / 8 / 1000);
  const double flight_bound = 2 * bdp + 3 * quantum + kMss;
  std::uint64_t largest_flight = 0;
  // DRAIN paces at 1/2.89 of the bandwidth; PROBE_BW at 0.75 and more. The flight when the
  // pacing rate comes back up is what DRAIN left.
  bool draining = false, drained = false;
  std::uint64_t flight_after_drain = 0;
  double drain_start_s = 0, drain_s = 0;
  auto watch = [&](Timestamp now, Transport& client, Transport&) {
    const auto s = client.stats();
    largest_flight = std::max(largest_flight, s.bytes_in_flight);
    if (drained) return;
    if (!draining && s.pacing_rate_bps > 0 && s.pacing_rate_bps < 0.5 * kLinkBps && largest_flight > bdp) {
      draining = true;
      drain_start_s = to_seconds(now);
    } else if (draining && s.pacing_rate_bps > 0.5 * kLinkBps) {
      drained = true;
      flight_after_drain = s.bytes_in_flight;
      drain_s = to_seconds(now) - drain_start_s;
    }
  };
  const auto out = run_bulk(pfs::PfsConfig{}, path(), path(), 3'000'000, 1, std::chrono::seconds(60), nullptr,
                            64 * 1024, watch);
  ASSERT_TRUE(out.finished);
  EXPECT_TRUE(out.integrity_ok);
  EXPECT_LE(static_cast<double>(largest_flight), flight_bound)
      << largest_flight / kMss << " datagrams in flight, BDP " << bdp / kMss;
  // The pipe and the queue hold 2 BDP: STARTUP's last rounds overflow the queue by at most the
  // three quanta above it, in at most four rounds (three without growth, then the one that
  // drains). Before, ~0.9 BDP a round: 470 drops.
  const double pipe_and_queue = bdp + 170 * kMss;
  const double drop_bound = 4 * std::max(0.0, flight_bound - pipe_and_queue) / kMss;
  EXPECT_LE(static_cast<double>(out.forward.dropped_queue), drop_bound) << "bound " << drop_bound;
  ASSERT_TRUE(drained) << "no DRAIN seen";
  // DRAIN ends when the flight is down to the estimated BDP.
  EXPECT_LE(static_cast<double>(flight_after_drain), bdp + quantum)
      << flight_after_drain / kMss << " datagrams in flight after DRAIN";
  // At 1/2.89 of the bottleneck rate, a queue of one BDP drains in about 1.5 round trips.
  EXPECT_LE(drain_s, 2 * kRttS) << "DRAIN took " << drain_s << " s";
}

}  // namespace
}  // namespace wirelab::testing

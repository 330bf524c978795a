// The hooks an in-connection controller (adaptive FEC/window tuning) uses: a window cap that
// really bounds what is in flight, a smoothed RTT near the path's, a loss-rate estimate near the
// path's loss, and FEC parameters validated before they are taken.
#include <gtest/gtest.h>

#include <algorithm>

#include "protocols/pfs/connection.h"
#include "tests/protocols/bulk_transfer.h"

namespace wirelab::testing {
namespace {

PipeLink path(double loss) {
  PipeLink l;
  l.rate_bps = 20e6;
  l.queue_packets = 200;
  l.delay = std::chrono::milliseconds(25);
  l.faults.loss = loss;
  return l;
}

pfs::Connection& as_connection(Transport& t) { return dynamic_cast<pfs::Connection&>(t); }

TEST(PfsControllerHooks, WindowCapBoundsPacketsInFlight) {
  pfs::PfsConfig config;
  std::uint64_t most_in_flight = 0;
  const auto capped = run_bulk(config, path(0), path(0), 4'000'000, 3, std::chrono::seconds(60), nullptr,
                               64 * 1024, [&](Timestamp, Transport& client, Transport&) {
                                 auto& c = as_connection(client);
                                 if (c.window_cap() == 0) c.set_window_cap(8);
                                 most_in_flight = std::max(most_in_flight, c.stats().bytes_in_flight);
                               });
  ASSERT_TRUE(capped.finished);
  EXPECT_TRUE(capped.integrity_ok);
  EXPECT_LE(most_in_flight, 8u * config.max_datagram_size);
  // 8 packets per 50 ms round trip is ~1.9 Mbit/s: the cap, not the 20 Mbit/s link, sets the pace.
  EXPECT_LT(capped.goodput_bps(), 2.2e6);
  const auto free = run_bulk(config, path(0), path(0), 4'000'000, 3);
  EXPECT_GT(free.goodput_bps(), 3 * capped.goodput_bps());
}

TEST(PfsControllerHooks, RttAndLossRateFollowThePath) {
  for (const double loss : {0.0, 0.05}) {
    double rate_seen = -1, srtt_s = 0;
    bool had_sample = false;
    const auto out = run_bulk(pfs::PfsConfig{}, path(loss), path(0), 6'000'000, 5, std::chrono::seconds(60),
                              nullptr, 64 * 1024, [&](Timestamp, Transport& client, Transport&) {
                                auto& c = as_connection(client);
                                rate_seen = c.loss_rate();
                                had_sample = c.has_rtt_sample();
                                srtt_s = to_seconds(c.smoothed_rtt());
                              });
    ASSERT_TRUE(out.finished) << "loss " << loss;
    EXPECT_TRUE(had_sample);
    // 50 ms of propagation plus queueing that BBR keeps small.
    EXPECT_GE(srtt_s, 0.050);
    EXPECT_LT(srtt_s, 0.120);
    if (loss == 0) {
      EXPECT_EQ(rate_seen, 0);
    } else {
      // ~1000 sends hold ~50 losses: a binomial spread of about +-30 % around 5 %.
      EXPECT_GT(rate_seen, 0.025);
      EXPECT_LT(rate_seen, 0.09);
    }
  }
}

TEST(PfsControllerHooks, SetFecValidatesAndIsReadBack) {
  pfs::Connection c(pfs::PfsConfig{}, pfs::Role::kClient, 1);
  EXPECT_FALSE(c.fec().enabled());
  c.set_fec(fec::RsParams{10, 2});
  EXPECT_EQ(c.fec(), (fec::RsParams{10, 2}));
  EXPECT_THROW(c.set_fec(fec::RsParams{250, 10}), std::invalid_argument);
  EXPECT_EQ(c.fec(), (fec::RsParams{10, 2}));
  c.set_fec(fec::RsParams{});
  EXPECT_FALSE(c.fec().enabled());
}

}  // namespace
}  // namespace wirelab::testing

// Exactly-once, in-order delivery under randomized fault schedules: thousands of small
// transfers through the scripted pipe with loss (0-30 %), bursts, duplication and reordering,
// for both ARQ modes and every congestion controller, half of them writing and reading in place
// (write_space/readable_bytes) instead of through write()/read(). A failure prints its seed; set
// WIRELAB_PIPE_SEED=N to replay that one schedule.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "tests/protocols/bulk_transfer.h"

namespace wirelab::testing {
namespace {

struct Schedule {
  pfs::PfsConfig config;
  PipeLink forward, reverse;
  std::uint64_t bytes = 0;
  std::string describe() const {
    std::ostringstream s;
    s << "bytes=" << bytes << " cc=" << static_cast<int>(config.cc)
      << " arq=" << (config.arq == pfs::ArqMode::kGoBackN ? "go-back-n" : "selective-repeat")
      << " pacing=" << config.pacing << " loss=" << forward.faults.loss << "/" << reverse.faults.loss
      << " burst=" << forward.faults.burst_start << "x" << forward.faults.burst_length
      << " dup=" << forward.faults.duplicate << " reorder=" << forward.faults.reorder << " delay_ms="
      << forward.delay.count() / 1000000 << " rate=" << forward.rate_bps;
    return s.str();
  }
};

Schedule make_schedule(std::uint64_t seed) {
  SeededRandom r(seed * 7919 + 17);
  Schedule s;
  s.bytes = 1 + r.below(50000);
  s.config.cc = static_cast<pfs::CcAlgorithm>(r.below(4));
  s.config.arq = r.bernoulli(0.3) ? pfs::ArqMode::kGoBackN : pfs::ArqMode::kSelectiveRepeat;
  s.config.pacing = r.bernoulli(0.8);
  s.config.initial_window_packets = 1 + static_cast<std::uint32_t>(r.below(16));
  // Loss bursts against exponential probe backoff can black out a handshake for longer than
  // the default 30 s idle timeout; this test is about delivery, idle timeouts have their own.
  s.config.idle_timeout = std::chrono::seconds(3600);
  for (PipeLink* l : {&s.forward, &s.reverse}) {
    l->delay = std::chrono::microseconds(100 + r.below(50000));
    l->rate_bps = r.bernoulli(0.5) ? 1e6 + r.uniform() * 50e6 : 0;
    l->queue_packets = 5 + r.below(100);
    l->faults.loss = r.uniform() * 0.3;
    if (r.bernoulli(0.3)) {
      l->faults.burst_start = r.uniform() * 0.02;
      l->faults.burst_length = 1 + static_cast<std::uint32_t>(r.below(8));
    }
    l->faults.duplicate = r.bernoulli(0.3) ? r.uniform() * 0.1 : 0;
    if (r.bernoulli(0.4)) {
      l->faults.reorder = r.uniform() * 0.2;
      l->faults.reorder_delay = std::chrono::microseconds(r.below(20000));
    }
  }
  return s;
}

void check_schedule(std::uint64_t seed) {
  const Schedule s = make_schedule(seed);
  const bool in_place = seed % 2 == 0;
  const auto out = run_bulk(s.config, s.forward, s.reverse, s.bytes, seed, std::chrono::seconds(3600), nullptr,
                            64 * 1024, {}, in_place);
  ASSERT_TRUE(out.finished) << (in_place ? "[in place] " : "") << "transfer did not finish (client " << out.client_closed << ", server " << out.server_closed
                           << "); replay with WIRELAB_PIPE_SEED=" << seed << " (" << s.describe() << ")";
  ASSERT_TRUE(out.integrity_ok) << (in_place ? "[in place] " : "") << "bytes not delivered exactly once in order; replay with WIRELAB_PIPE_SEED=" << seed
                                << " (" << s.describe() << ")";
}

TEST(PfsDelivery, ExactlyOnceInOrderUnderRandomFaultSchedules) {
  if (const char* replay = std::getenv("WIRELAB_PIPE_SEED")) {
    check_schedule(std::strtoull(replay, nullptr, 10));
    return;
  }
  for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
    check_schedule(seed);
    if (HasFatalFailure()) return;
  }
}

TEST(PfsDelivery, LossyHandshakeAndEmptyTransfer) {
  PipeLink l;
  l.delay = std::chrono::milliseconds(10);
  l.faults.loss = 0.5;
  pfs::PfsConfig config;
  config.idle_timeout = std::chrono::seconds(3600);
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const auto out = run_bulk(config, l, l, 1, seed, std::chrono::seconds(3600));
    ASSERT_TRUE(out.finished && out.integrity_ok) << "seed " << seed << " client " << out.client_closed;
  }
}

TEST(PfsDelivery, RetransmissionsMatchLossesWithoutSpuriousRepeats) {
  PipeLink l;  // no bottleneck queue: every loss is the link's 5 %
  l.delay = std::chrono::milliseconds(25);
  l.faults.loss = 0.05;
  pfs::PfsConfig config;
  config.cc = pfs::CcAlgorithm::kCubic;  // a window-based sender, so losses are the only gaps
  const auto out = run_bulk(config, l, l, 2'000'000, 3);
  ASSERT_TRUE(out.integrity_ok);
  EXPECT_EQ(out.client.stream_bytes_sent, 2'000'000u);
  // Each lost data packet costs at most one datagram of payload again; repeats beyond that
  // would be spurious retransmissions.
  const double lost_payload = static_cast<double>(out.forward.dropped_loss) * 1472.0;
  EXPECT_GT(out.client.retransmitted_bytes, 0u);
  EXPECT_LE(static_cast<double>(out.client.retransmitted_bytes), 1.1 * lost_payload)
      << out.client.retransmitted_bytes << " retransmitted for " << out.forward.dropped_loss << " losses";
}

}  // namespace
}  // namespace wirelab::testing

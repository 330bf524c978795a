// PFS on the quickstart bottleneck (20 Mbit/s, 25 ms each way, 100-packet drop-tail queue) in
// the scripted pipe: the goodput bounds the vertical-slice issue asks of the sim backend, here
// as fast unit tests.
#include <gtest/gtest.h>

#include "tests/protocols/bulk_transfer.h"

namespace wirelab::testing {
namespace {

constexpr double kLinkBps = 20e6;

PipeLink bottleneck(double loss) {
  PipeLink l;
  l.rate_bps = kLinkBps;
  l.queue_packets = 100;
  l.delay = std::chrono::milliseconds(25);
  l.faults.loss = loss;
  return l;
}

// Payload bytes per full datagram over wire bytes (docs/protocols/pfs.md): 1472-byte UDP payload,
// 18 bytes of PFS header + STREAM frame header, 28 bytes IPv4+UDP, 2 bytes PPP.
constexpr double kPayloadShare = (1472.0 - 18.0) / (1472.0 + 30.0);

TEST(PfsThroughput, TwoPercentLossKeepsThePipeFull) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto out = run_bulk(pfs::PfsConfig{}, bottleneck(0.02), bottleneck(0.02), 20'000'000, seed);
    ASSERT_TRUE(out.finished) << "seed " << seed;
    EXPECT_TRUE(out.integrity_ok) << "seed " << seed;
    const double bound = 0.9 * (1 - 0.02) * kLinkBps * kPayloadShare;
    EXPECT_GE(out.goodput_bps(), bound) << "seed " << seed << ": " << out.goodput_bps() / 1e6 << " Mbit/s";
  }
}

TEST(PfsThroughput, EveryControllerFillsALosslessLink) {
  for (auto cc : {pfs::CcAlgorithm::kBbr, pfs::CcAlgorithm::kCubic, pfs::CcAlgorithm::kNewReno, pfs::CcAlgorithm::kAimd}) {
    pfs::PfsConfig config;
    config.cc = cc;
    const auto out = run_bulk(config, bottleneck(0), bottleneck(0), 10'000'000, 7);
    ASSERT_TRUE(out.finished);
    EXPECT_TRUE(out.integrity_ok);
    // Slow start and the queue overshoot cost more for loss-based controllers on 10 MB.
    const double share = cc == pfs::CcAlgorithm::kBbr ? 0.9 : 0.8;
    EXPECT_GE(out.goodput_bps(), share * kLinkBps) << "cc " << static_cast<int>(cc) << ": " << out.goodput_bps() / 1e6;
  }
}

}  // namespace
}  // namespace wirelab::testing

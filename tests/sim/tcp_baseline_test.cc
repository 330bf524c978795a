// ns-3 TCP baseline: every congestion controller delivers intact bytes, with and without loss,
// and a clean path runs near the link rate.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "sim/sim_backend.h"
#include "tests/sim/sim_spec.h"

namespace wirelab::sim {
namespace {

using testing::bulk_spec;
using testing::metric;

class TcpDelivers : public ::testing::TestWithParam<std::tuple<std::string, double>> {};

TEST_P(TcpDelivers, EveryByteInOrderWithIntegrity) {
  const auto& [cc, loss] = GetParam();
  const RunSpec spec = bulk_spec("tcp", cc, 2'000'000, loss, 3);
  const RunResult result = run(spec);
  SCOPED_TRACE("cc=" + cc + " loss=" + std::to_string(loss) + " seed=3 error=" + result.error);
  ASSERT_EQ(result.status, RunResult::Status::kOk);
  EXPECT_EQ(metric(result, "integrity_ok"), 1);
  EXPECT_EQ(metric(result, "bytes_delivered"), 2'000'000);
  EXPECT_GT(metric(result, "goodput_bps"), 0);
  EXPECT_LE(metric(result, "goodput_bps"), 20e6);
  EXPECT_GE(metric(result, "rtt_p50_s"), 0.05);
  EXPECT_GE(metric(result, "rtt_p99_s"), metric(result, "rtt_p50_s"));
  // Every delivered byte crossed the bottleneck at least once, with headers on top.
  EXPECT_GT(metric(result, "wire_bytes"), 2'000'000);
  EXPECT_GT(metric(result, "sim_events"), 0);
  if (loss > 0) {
    EXPECT_GT(metric(result, "retransmitted_bytes"), 0);
  }
  // The run stops when the transfer completes, not at duration_s.
  EXPECT_LT(result.sim_seconds, 30);
}

INSTANTIATE_TEST_SUITE_P(CongestionControllers, TcpDelivers,
                         ::testing::Combine(::testing::Values("newreno", "cubic", "bbr"),
                                            ::testing::Values(0.0, 0.02)));

TEST(TcpBaseline, CleanPathReachesNinetyPercentOfLinkRate) {
  for (const std::string cc : {"newreno", "cubic", "bbr"}) {
    const RunResult result = run(bulk_spec("tcp", cc, 10'000'000));
    ASSERT_EQ(result.status, RunResult::Status::kOk) << cc << ": " << result.error;
    EXPECT_GE(metric(result, "goodput_bps"), 0.9 * 20e6) << cc;
    EXPECT_EQ(metric(result, "integrity_ok"), 1) << cc;
  }
}

TEST(TcpBaseline, BbrKeepsItsRateThroughRandomLoss) {
  // BBR does not read random loss as congestion: at 2 % loss it stays near the link rate where
  // loss-based TCP falls to ~1 Mbit/s. This is what ns-3.37's own rate sampler breaks after a
  // timeout (it measured 0.2-0.3 Mbit/s here); see sim/per_ack_rate_sampler.h.
  for (std::uint64_t seed : {1, 2, 3}) {
    const RunResult result = run(bulk_spec("tcp", "bbr", 5'000'000, 0.02, seed));
    ASSERT_EQ(result.status, RunResult::Status::kOk) << "seed " << seed << ": " << result.error;
    EXPECT_EQ(metric(result, "integrity_ok"), 1) << "seed " << seed;
    EXPECT_GT(metric(result, "goodput_bps"), 0.7 * 20e6) << "seed " << seed;
  }
}

TEST(TcpBaseline, Ns3BbrRemainsAvailable) {
  const RunResult result = run(bulk_spec("tcp", "ns3-bbr", 1'000'000));
  ASSERT_EQ(result.status, RunResult::Status::kOk) << result.error;
  EXPECT_EQ(metric(result, "integrity_ok"), 1);
}

TEST(TcpBaseline, SegmentSizeFollowsTheMtu) {
  // At MTU 1500 a segment carries 1448 bytes: 52 bytes of IP + TCP + timestamp on the wire each.
  // A queue deep enough that slow start never overflows it: no retransmission to count.
  RunSpec spec = bulk_spec("tcp", "newreno", 1'448'000);
  spec.link.queue.limit = 1000;
  const RunResult result = run(spec);
  ASSERT_EQ(result.status, RunResult::Status::kOk);
  EXPECT_EQ(metric(result, "retransmitted_bytes"), 0);
  const double overhead = metric(result, "wire_bytes") - 1'448'000;
  // 1000 data segments x 52 bytes, plus the handshake's SYN/ACK/FIN (a few hundred bytes).
  EXPECT_GE(overhead, 1000 * 52);
  EXPECT_LE(overhead, 1000 * 52 + 1000);
}

TEST(TcpBaseline, TimedTransferRunsForTheDurationAndChecksWhatArrived) {
  RunSpec spec = bulk_spec("tcp", "cubic", 0, 0.01);
  spec.workload.bytes.reset();
  spec.duration_s = 3;
  const RunResult result = run(spec);
  ASSERT_EQ(result.status, RunResult::Status::kOk) << result.error;
  EXPECT_DOUBLE_EQ(result.sim_seconds, 3);
  EXPECT_GT(metric(result, "bytes_delivered"), 100'000);
  EXPECT_EQ(metric(result, "integrity_ok"), 1);
  EXPECT_DOUBLE_EQ(metric(result, "fct_s"), 3);
}

TEST(TcpBaseline, UnknownCongestionControlFailsWithAMessage) {
  const RunResult result = run(bulk_spec("tcp", "westwood-plus-plus", 100'000));
  EXPECT_EQ(result.status, RunResult::Status::kFailed);
  EXPECT_NE(result.error.find("westwood-plus-plus"), std::string::npos);
}

TEST(TcpBaseline, UnfinishedTransferTimesOut) {
  RunSpec spec = bulk_spec("tcp", "cubic", 10'000'000);
  spec.duration_s = 1;  // 10 MB at 20 Mbit/s needs 4 s
  const RunResult result = run(spec);
  EXPECT_EQ(result.status, RunResult::Status::kTimeout);
  EXPECT_EQ(metric(result, "integrity_ok"), 0);
  EXPECT_GT(metric(result, "bytes_delivered"), 0);
  EXPECT_NEAR(result.sim_seconds, 1.0, 1e-9);
}

}  // namespace
}  // namespace wirelab::sim

// The constant-rate UDP baseline: paced at its rate, sees the link's loss, stops when done.
#include <gtest/gtest.h>

#include "sim/sim_backend.h"
#include "tests/sim/sim_spec.h"

namespace wirelab::sim {
namespace {

using testing::metric;
using testing::udp_spec;

TEST(UdpBaseline, ObservesTheConfiguredLoss) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const RunResult result = run(udp_spec(18e6, 10'000'000, 0.05, seed));
    ASSERT_EQ(result.status, RunResult::Status::kOk) << "seed " << seed << ": " << result.error;
    EXPECT_NEAR(metric(result, "loss_rate_observed"), 0.05, 0.01) << "seed " << seed;
  }
}

TEST(UdpBaseline, SendsAtItsRateWithoutLossBelowTheLinkRate) {
  const RunResult result = run(udp_spec(18e6, 5'000'000));
  ASSERT_EQ(result.status, RunResult::Status::kOk) << result.error;
  EXPECT_EQ(metric(result, "loss_rate_observed"), 0);
  EXPECT_EQ(metric(result, "bytes_delivered"), 5'000'000);
  // Payload goodput: 18 Mbit/s of datagrams, less nothing (the rate counts UDP payload).
  EXPECT_NEAR(metric(result, "goodput_bps"), 18e6, 0.02 * 18e6);
  // 1472-byte datagrams: ceil(5e6 / 1472) of them, each 28 bytes of headers on the wire.
  EXPECT_EQ(metric(result, "datagrams_sent"), 3397);
  EXPECT_EQ(metric(result, "wire_bytes"), 5'000'000 + 3397 * 28);
}

TEST(UdpBaseline, AboveTheLinkRateTheQueueDrops) {
  const RunResult result = run(udp_spec(30e6, 5'000'000));
  ASSERT_EQ(result.status, RunResult::Status::kOk) << result.error;
  // 30 Mbit/s into 20: about a third dropped at the 100-packet drop-tail queue.
  EXPECT_NEAR(metric(result, "loss_rate_observed"), 1.0 / 3, 0.03);
  EXPECT_NEAR(metric(result, "goodput_bps"), 20e6 * 1472 / 1502, 0.03 * 20e6);
}

TEST(UdpBaseline, TimedRunSendsForTheDuration) {
  RunSpec spec = udp_spec(10e6, 0);
  spec.workload.bytes.reset();
  spec.duration_s = 2;
  const RunResult result = run(spec);
  ASSERT_EQ(result.status, RunResult::Status::kOk) << result.error;
  // Sent for 2 s; what left in the last 25 ms (the propagation delay) is still on the wire.
  const double expected_bytes = 10e6 / 8 * (2 - 0.025);
  EXPECT_NEAR(metric(result, "bytes_delivered"), expected_bytes, 0.005 * expected_bytes);
  EXPECT_DOUBLE_EQ(result.sim_seconds, 2);
}

TEST(UdpBaseline, MissingRateIsAnError) {
  RunSpec spec = udp_spec(10e6, 1000);
  spec.protocol.options.clear();
  const RunResult result = run(spec);
  EXPECT_EQ(result.status, RunResult::Status::kFailed);
  EXPECT_NE(result.error.find("rate"), std::string::npos);
}

}  // namespace
}  // namespace wirelab::sim

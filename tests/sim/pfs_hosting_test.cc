// PFS through sim::run: the real transport hosted by EndpointApplication over ns-3 links.
#include <gtest/gtest.h>

#include "sim/sim_backend.h"
#include "tests/sim/sim_spec.h"

namespace wirelab::sim {
namespace {

using testing::bulk_spec;
using testing::metric;

class PfsDelivers : public ::testing::TestWithParam<double> {};

TEST_P(PfsDelivers, EveryByteWithIntegrity) {
  const double loss = GetParam();
  for (std::uint64_t seed : {1, 2}) {
    const RunResult result = run(bulk_spec("pfs", "", 2'000'000, loss, seed));
    SCOPED_TRACE("loss=" + std::to_string(loss) + " seed=" + std::to_string(seed) +
                 " error=" + result.error);
    ASSERT_EQ(result.status, RunResult::Status::kOk);
    EXPECT_EQ(metric(result, "integrity_ok"), 1);
    EXPECT_EQ(metric(result, "bytes_delivered"), 2'000'000);
    EXPECT_GT(metric(result, "goodput_bps"), 0);
    EXPECT_LE(metric(result, "goodput_bps"), 20e6);
    EXPECT_GT(metric(result, "wire_bytes"), 2'000'000);
    if (loss > 0) {
      EXPECT_GT(metric(result, "retransmitted_bytes"), 0);
    }
    EXPECT_LT(result.sim_seconds, 60);
  }
}

INSTANTIATE_TEST_SUITE_P(Loss, PfsDelivers, ::testing::Values(0.0, 0.02));

TEST(PfsHosting, DumbbellOfPfsFlows) {
  RunSpec spec = bulk_spec("pfs", "", 1'000'000);
  spec.topology.kind = TopologySpec::Kind::kDumbbell;
  spec.topology.flows = 2;
  const RunResult result = run(spec);
  ASSERT_EQ(result.status, RunResult::Status::kOk) << result.error;
  EXPECT_EQ(metric(result, "integrity_ok"), 1);
  EXPECT_GT(metric(result, "jain_fairness"), 0);
}

TEST(PfsHosting, BadOptionFailsTheRunWithTheMessage) {
  RunSpec spec = bulk_spec("pfs", "", 1000);
  spec.protocol.options["no-such-option"] = "1";
  const RunResult result = run(spec);
  EXPECT_EQ(result.status, RunResult::Status::kFailed);
  EXPECT_NE(result.error.find("no-such-option"), std::string::npos);
}

}  // namespace
}  // namespace wirelab::sim

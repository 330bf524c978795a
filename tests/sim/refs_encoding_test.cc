// The must-show, in the simulator: versioned data at 0.9 similarity over PFS with
// `encoding: refs` puts at most 20 % of the payload bytes on the wire (IP bytes sender ->
// receiver over content bytes delivered, headers and retransmissions included) with
// integrity_ok = 1; random and zeros data cost about what plain PFS costs; every data mode gives
// the same bytes to PFS without encoding and to TCP; and the runs stay deterministic.
#include <gtest/gtest.h>

#include <map>

#include "sim/sim_backend.h"
#include "tests/sim/sim_spec.h"

namespace wirelab::sim {
namespace {

using testing::bulk_spec;
using testing::metric;

RunSpec data_spec(const std::string& protocol, BulkDataMode mode, bool refs, double loss, std::uint64_t seed = 1) {
  RunSpec spec = bulk_spec(protocol, protocol == "tcp" ? "cubic" : "", 3'000'000, loss, seed);
  spec.workload.data = BulkData{mode, 0.9};
  if (refs) spec.protocol.options["encoding"] = "refs";
  return spec;
}

TEST(SimRefsEncoding, VersionedAtPointNineSendsAtMostAFifthOfThePayload) {
  for (double loss : {0.0, 0.02}) {
    const RunResult r = run(data_spec("pfs", BulkDataMode::kVersioned, true, loss));
    SCOPED_TRACE("loss " + std::to_string(loss));
    ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
    EXPECT_EQ(metric(r, "integrity_ok"), 1);
    EXPECT_EQ(metric(r, "bytes_delivered"), 3'000'000);
    const double ratio = metric(r, "wire_payload_ratio");
    EXPECT_LE(ratio, 0.20);
    // The new 10 % of the pieces must cross as bytes.
    EXPECT_GE(ratio, 0.08);
    EXPECT_DOUBLE_EQ(ratio, metric(r, "wire_bytes") / 3'000'000);
  }
}

TEST(SimRefsEncoding, RandomAndZerosCostAboutWhatPlainPfsCosts) {
  for (BulkDataMode mode : {BulkDataMode::kRandom, BulkDataMode::kZeros}) {
    const RunResult refs = run(data_spec("pfs", mode, true, 0.01));
    const RunResult plain = run(data_spec("pfs", mode, false, 0.01));
    SCOPED_TRACE(to_string(mode));
    ASSERT_EQ(refs.status, RunResult::Status::kOk) << refs.error;
    ASSERT_EQ(plain.status, RunResult::Status::kOk) << plain.error;
    EXPECT_EQ(metric(refs, "integrity_ok"), 1);
    EXPECT_EQ(metric(plain, "integrity_ok"), 1);
    // IPv4 + UDP + PFS headers on 1472-byte datagrams, plus 1 % loss resent: 1.02 .. 1.10.
    for (const RunResult* r : {&refs, &plain}) {
      EXPECT_GT(metric(*r, "wire_payload_ratio"), 1.02);
      EXPECT_LT(metric(*r, "wire_payload_ratio"), 1.10);
    }
  }
}

TEST(SimRefsEncoding, EveryModeArrivesIntactOverEveryTransport) {
  for (BulkDataMode mode : {BulkDataMode::kZeros, BulkDataMode::kVersioned}) {
    for (const char* protocol : {"pfs", "tcp"}) {
      const RunResult r = run(data_spec(protocol, mode, false, 0.01));
      SCOPED_TRACE(std::string(protocol) + " " + to_string(mode));
      ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
      EXPECT_EQ(metric(r, "integrity_ok"), 1);
      // Without the encoding, versioned data is just bytes.
      EXPECT_GT(metric(r, "wire_payload_ratio"), 1.0);
    }
  }
}

TEST(SimRefsEncoding, RequestWorkloadsOverRefsGetEveryByteWithoutWaiting) {
  // Many short bidirectional streams: each write is its own record, decoded on arrival, so a
  // token is not held back for the next one, and a stream retires only after its content is read.
  RunSpec rpc = bulk_spec("pfs", "", 1000, 0.01);
  rpc.protocol.options["encoding"] = "refs";
  rpc.workload.kind = WorkloadSpec::Kind::kRpc;
  rpc.workload.requests = 200;
  rpc.workload.concurrency = 4;
  rpc.workload.server.service_time_s = 0.002;
  const RunResult r = run(rpc);
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_EQ(metric(r, "requests_completed"), 200);
  EXPECT_EQ(metric(r, "integrity_ok"), 1);
  RunSpec stream = rpc;
  stream.workload.kind = WorkloadSpec::Kind::kStream;
  stream.workload.requests = 8;
  stream.workload.tokens = 20;
  const RunResult s = run(stream);
  ASSERT_EQ(s.status, RunResult::Status::kOk) << s.error;
  EXPECT_EQ(metric(s, "tokens_received"), 8 * 20);
  EXPECT_EQ(metric(s, "integrity_ok"), 1);
  EXPECT_NEAR(metric(s, "itl_p50_s"), 0.020, 0.001);
}

TEST(SimRefsEncoding, Deterministic) {
  const RunSpec spec = data_spec("pfs", BulkDataMode::kVersioned, true, 0.02, 5);
  const RunResult a = run(spec), b = run(spec);
  ASSERT_EQ(a.status, RunResult::Status::kOk) << a.error;
  std::map<std::string, double> ma, mb;
  for (const auto& m : a.metrics) ma[m.name] = m.value;
  for (const auto& m : b.metrics) mb[m.name] = m.value;
  EXPECT_EQ(ma, mb);
}

}  // namespace
}  // namespace wirelab::sim

// sim::run as a whole: a pure function of the spec, sparse series, dumbbell fairness metrics,
// and clear failures for what the sim backend does not do.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "sim/sim_backend.h"
#include "tests/sim/sim_spec.h"

namespace wirelab::sim {
namespace {

using testing::bulk_spec;
using testing::metric;

std::map<std::string, double> metrics_of(const RunResult& result) {
  std::map<std::string, double> m;
  for (const auto& metric : result.metrics) m[metric.name] = metric.value;
  return m;
}

TEST(SimBackend, SameSpecSameMetricsOtherSeedOtherMetrics) {
  RunSpec spec = bulk_spec("tcp", "cubic", 1'000'000, 0.02, 11);
  spec.link.jitter_s = 0.002;
  spec.link.reorder = true;
  const RunResult first = run(spec), second = run(spec);
  ASSERT_EQ(first.status, RunResult::Status::kOk) << first.error;
  EXPECT_EQ(metrics_of(first), metrics_of(second));  // to the last bit
  EXPECT_EQ(first.sim_seconds, second.sim_seconds);
  ASSERT_EQ(first.series.size(), second.series.size());
  spec.seed = 12;
  const RunResult other = run(spec);
  EXPECT_NE(metric(other, "fct_s"), metric(first, "fct_s"));
  EXPECT_NE(metric(other, "retransmitted_bytes"), metric(first, "retransmitted_bytes"));
}

TEST(SimBackend, UdpIsDeterministicToo) {
  const RunSpec spec = testing::udp_spec(18e6, 2'000'000, 0.05, 4);
  EXPECT_EQ(metrics_of(run(spec)), metrics_of(run(spec)));
}

TEST(SimBackend, SeriesAreSparse) {
  const RunResult result = run(bulk_spec("tcp", "cubic", 5'000'000));
  ASSERT_EQ(result.status, RunResult::Status::kOk) << result.error;
  std::map<std::string, double> last_t;
  std::map<std::string, int> count;
  for (const auto& point : result.series) {
    if (last_t.count(point.name)) {
      EXPECT_GE(point.t_s - last_t[point.name], 0.1 - 1e-9) << point.name;
    }
    last_t[point.name] = point.t_s;
    ++count[point.name];
  }
  for (const char* name : {"cwnd_bytes", "rtt_s", "goodput_bps"}) {
    EXPECT_GT(count[name], 5) << name;
    EXPECT_LE(count[name], result.sim_seconds / 0.1 + 1) << name;
  }
}

TEST(SimBackend, DumbbellReportsPerFlowGoodputAndFairness) {
  RunSpec spec = bulk_spec("tcp", "cubic", 2'000'000);
  spec.topology.kind = TopologySpec::Kind::kDumbbell;
  spec.topology.flows = 4;
  const RunResult result = run(spec);
  ASSERT_EQ(result.status, RunResult::Status::kOk) << result.error;
  EXPECT_EQ(metric(result, "integrity_ok"), 1);
  EXPECT_EQ(metric(result, "bytes_delivered"), 8'000'000);
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    const double g = metric(result, "goodput_bps_flow" + std::to_string(i));
    EXPECT_GT(g, 0) << "flow " << i;
    sum += g;
  }
  EXPECT_EQ(metric(result, "goodput_bps_flow4"), -1);  // no fifth flow
  const double jain = metric(result, "jain_fairness");
  EXPECT_GT(jain, 0);
  EXPECT_LE(jain, 1);
  // Four flows share one 20 Mbit/s bottleneck: together they cannot exceed it.
  EXPECT_LE(metric(result, "goodput_bps"), 20e6);
  EXPECT_GT(metric(result, "goodput_bps"), 0.7 * 20e6);
}

TEST(SimBackend, CaptureWritesAPcapOfTheBottleneck) {
  RunSpec spec = bulk_spec("tcp", "cubic", 100'000);
  spec.capture = true;
  spec.capture_dir = ::testing::TempDir();
  const RunResult result = run(spec);
  ASSERT_EQ(result.status, RunResult::Status::kOk);
  const std::string path = spec.capture_dir + "/sim-test-tcp-cubic-seed1.pcap";
  ASSERT_EQ(result.artifacts.size(), 1u);
  EXPECT_EQ(result.artifacts[0].kind, "pcap");
  EXPECT_EQ(result.artifacts[0].path, path);
  std::ifstream pcap(path, std::ios::binary | std::ios::ate);
  ASSERT_TRUE(pcap.good()) << path;
  // 100 kB of payload went through, each packet with a 16-byte pcap record header.
  EXPECT_GT(static_cast<long>(pcap.tellg()), 100'000);
  std::remove(path.c_str());
}

TEST(SimBackend, CaptureIntoAnUnwritablePlaceFailsTheRunNamingThePath) {
  RunSpec spec = bulk_spec("pfs", "", 10'000);
  spec.capture = true;
  spec.capture_stem = ::testing::TempDir() + "/wirelab-no-such-dir/sub/run";
  const RunResult result = run(spec);
  EXPECT_EQ(result.status, RunResult::Status::kFailed);
  EXPECT_NE(result.error.find(spec.capture_stem + ".pcap"), std::string::npos) << result.error;
  // The process is still usable: the next run works (ns-3 would have aborted on the bad path).
  EXPECT_EQ(run(bulk_spec("pfs", "", 10'000)).status, RunResult::Status::kOk);
}

TEST(SimBackend, UnsupportedCombinationsFailWithAMessage) {
  RunSpec star = bulk_spec("tcp", "cubic", 1000);
  star.topology.kind = TopologySpec::Kind::kStar;
  EXPECT_EQ(run(star).status, RunResult::Status::kFailed);
  RunSpec rpc_over_udp = bulk_spec("udp", "", 1000);
  rpc_over_udp.protocol.options["rate"] = "1000000";
  rpc_over_udp.workload.kind = WorkloadSpec::Kind::kRpc;
  const RunResult udp = run(rpc_over_udp);
  EXPECT_EQ(udp.status, RunResult::Status::kFailed);
  EXPECT_NE(udp.error.find("bulk only"), std::string::npos) << udp.error;
  RunSpec multicast = bulk_spec("pfs", "", 1000);
  multicast.workload.kind = WorkloadSpec::Kind::kMulticast;  // on point-to-point: multicast needs a star
  const RunResult no_star = run(multicast);
  EXPECT_EQ(no_star.status, RunResult::Status::kFailed);
  EXPECT_NE(no_star.error.find("topology star"), std::string::npos) << no_star.error;
  multicast.topology.kind = TopologySpec::Kind::kStar;
  multicast.topology.flows = 3;
  const RunResult ok = run(multicast);
  EXPECT_EQ(ok.status, RunResult::Status::kOk) << ok.error;
  EXPECT_EQ(ok.find("integrity_ok")->value, 1);
  EXPECT_NE(ok.find("completion_s_r2"), nullptr);
  const RunResult sctp = run(bulk_spec("sctp", "", 1000));
  EXPECT_EQ(sctp.status, RunResult::Status::kFailed);
  EXPECT_NE(sctp.error.find("sctp"), std::string::npos);
}

TEST(SimBackend, RpcAndStreamRunOverEveryReliableTransportWithTheirMetrics) {
  for (const char* protocol : {"pfs", "tcp", "quic"}) {
    RunSpec rpc = bulk_spec(protocol, std::string(protocol) == "pfs" ? "" : "cubic", 1000, 0.01);
    rpc.workload.kind = WorkloadSpec::Kind::kRpc;
    rpc.workload.requests = 200;
    rpc.workload.concurrency = 4;
    rpc.workload.server.service_time_s = 0.002;
    const RunResult r = run(rpc);
    ASSERT_EQ(r.status, RunResult::Status::kOk) << protocol << ": " << r.error;
    EXPECT_EQ(r.find("requests_completed")->value, 200) << protocol;
    EXPECT_EQ(r.find("integrity_ok")->value, 1) << protocol;
    // Nothing beats the 50 ms round trip.
    EXPECT_GE(r.find("latency_p50_s")->value, 0.050) << protocol;
    EXPECT_GE(r.find("latency_p99_s")->value, r.find("latency_p50_s")->value) << protocol;

    RunSpec stream = rpc;
    stream.workload.kind = WorkloadSpec::Kind::kStream;
    stream.workload.requests = 8;
    stream.workload.tokens = 20;
    const RunResult s = run(stream);
    ASSERT_EQ(s.status, RunResult::Status::kOk) << protocol << ": " << s.error;
    EXPECT_EQ(s.find("tokens_received")->value, 8 * 20) << protocol;
    EXPECT_EQ(s.find("integrity_ok")->value, 1) << protocol;
    EXPECT_GE(s.find("ttft_p50_s")->value, 0.050 + 13e-6) << protocol;  // round trip + one token's cost
    EXPECT_NEAR(s.find("itl_p50_s")->value, 0.020, 0.001) << protocol;
  }
}

}  // namespace
}  // namespace wirelab::sim

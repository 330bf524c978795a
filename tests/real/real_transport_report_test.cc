// The real backend stores what a hosted PFS reports beside its workload, as sim does
// (harness/transport_report.h): FEC's repair and rebuilt-packet counts, and adaptive tuning's
// decisions as adaptive_* series and log lines. Loopback only, each run well under 2 s.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "harness/real/real_backend.h"

namespace wirelab {
namespace {

RunSpec loopback_pfs(std::optional<std::uint64_t> bytes, std::map<std::string, std::string> options) {
  RunSpec spec;
  spec.backend = Backend::kReal;
  spec.scenario_name = "real-report-test";
  spec.seed = 1;
  spec.duration_s = 8;
  spec.workload.kind = WorkloadSpec::Kind::kBulk;
  spec.workload.bytes = bytes;
  spec.protocol.name = "pfs";
  spec.protocol.label = "pfs";
  for (auto& [key, value] : options) spec.protocol.options[key] = value;
  return spec;
}

double metric(const RunResult& r, const std::string& name) {
  const Metric* m = r.find(name);
  EXPECT_NE(m, nullptr) << "missing metric " << name;
  return m ? m->value : -1;
}

TEST(RealTransportReport, FecRunStoresRepairBytesAtTheCodeRate) {
  constexpr std::uint64_t kBytes = 2'000'000;
  constexpr double k = 10, m = 2;
  const RunResult r = real::run(loopback_pfs(kBytes, {{"fec", "rs(10,2)"}}));
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  ASSERT_EQ(metric(r, "integrity_ok"), 1);
  const double repair = metric(r, "fec_repair_bytes");
  // Every stream byte travels in a source packet, and each block of c <= k sources gets m
  // repair datagrams, each longer than the block's longest source (a repair carries the longest
  // source's frames, their length and its own FEC_REPAIR fields): repair >= m/k of the payload.
  EXPECT_GE(repair, m / k * kBytes);
  // In what the client sent (UDP payload: wire_bytes less 28 header bytes per datagram), the
  // same bound holds against the source datagrams; the handshake and close packets, a few
  // datagrams, are counted as sources here. Short blocks (flushes when the sender runs dry)
  // raise the share; on loopback they stay a small part.
  const double sent_payload = metric(r, "wire_bytes") - 28 * metric(r, "packets_sent");
  const double other = sent_payload - repair;
  EXPECT_GE(repair, m / k * (other - 20 * 1472.0)) << "repair " << repair << " B of " << sent_payload;
  EXPECT_LE(repair, 1.5 * m / k * other) << "repair " << repair << " B of " << sent_payload;
  // Stored beside it (metric() fails when absent); loopback loses nothing unless a socket
  // buffer overflows, so there is usually nothing to rebuild (tests/emu rebuilds real losses).
  EXPECT_GE(metric(r, "fec_recovered_packets"), 0);
}

TEST(RealTransportReport, RunWithoutFecStoresNoFecMetrics) {
  const RunResult r = real::run(loopback_pfs(500'000, {}));
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_EQ(r.find("fec_repair_bytes"), nullptr);
  EXPECT_EQ(r.find("fec_recovered_packets"), nullptr);
  EXPECT_TRUE(r.log.empty());
}

TEST(RealTransportReport, AdaptiveRunStoresEveryDecisionAsSeriesAndLogLine) {
  // A timed transfer: the tuner decides at each epoch end (0.5 s at loopback's RTT).
  RunSpec spec = loopback_pfs(std::nullopt, {{"adaptive", "true"}});
  spec.duration_s = 1.5;
  const RunResult r = real::run(spec);
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_EQ(metric(r, "integrity_ok"), 1);
  ASSERT_GE(r.log.size(), 1u);
  std::map<std::string, std::vector<double>> times;
  for (const SeriesPoint& p : r.series)
    if (p.name.rfind("adaptive_", 0) == 0) times[p.name].push_back(p.t_s);
  const char* names[] = {"adaptive_fec_k", "adaptive_fec_m", "adaptive_window", "adaptive_loss",
                         "adaptive_srtt_s", "adaptive_predicted", "adaptive_changed"};
  for (const char* name : names) EXPECT_EQ(times[name].size(), r.log.size()) << name;
  // One line per decision, stamped with the decision's time on the run's clock (seconds since
  // the run started, not the machine's monotonic clock).
  const std::vector<double>& at = times["adaptive_changed"];
  for (std::size_t i = 0; i < r.log.size() && i < at.size(); ++i) {
    double line_s = -1;
    char word[16] = {};
    ASSERT_EQ(std::sscanf(r.log[i].c_str(), "t=%lfs %15s", &line_s, word), 2) << r.log[i];
    EXPECT_STREQ(word, "adaptive:") << r.log[i];
    EXPECT_NEAR(line_s, at[i], 0.0005) << r.log[i];
    EXPECT_GT(at[i], 0.0);
    EXPECT_LT(at[i], spec.duration_s + 0.5);
  }
  // Adaptive runs may send repair whichever arm they start on, so they store the FEC metrics.
  EXPECT_GE(metric(r, "fec_repair_bytes"), 0);
}

}  // namespace
}  // namespace wirelab

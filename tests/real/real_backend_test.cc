// The real backend over loopback: PFS, kernel TCP and the UDP baseline move real bytes through
// kernel sockets and report the metrics sim reports. Loopback only; every run is bounded by its
// duration (wall time), so a hang shows as a timeout status, not a stuck test.
#include "harness/real/real_backend.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "harness/real/kernel_tcp.h"

namespace wirelab {
namespace {

constexpr std::uint64_t kTwoMegabytes = 2'000'000;

RunSpec loopback_bulk(const std::string& protocol, std::uint64_t bytes, std::uint64_t seed = 1) {
  RunSpec spec;
  spec.backend = Backend::kReal;
  spec.scenario_name = "real-test";
  spec.seed = seed;
  spec.duration_s = 8;
  spec.workload.kind = WorkloadSpec::Kind::kBulk;
  spec.workload.bytes = bytes;
  spec.protocol.name = protocol;
  spec.protocol.label = protocol;
  return spec;
}

double metric(const RunResult& r, const std::string& name) {
  const Metric* m = r.find(name);
  EXPECT_NE(m, nullptr) << "missing metric " << name;
  return m ? m->value : -1;
}

void expect_complete_bulk(const RunResult& r, std::uint64_t bytes) {
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_EQ(metric(r, "integrity_ok"), 1);
  EXPECT_EQ(metric(r, "bytes_delivered"), static_cast<double>(bytes));
  EXPECT_GT(metric(r, "goodput_bps"), 0);
  EXPECT_GT(metric(r, "fct_s"), 0);
  // Every payload byte crossed once at least, with headers on top.
  EXPECT_GT(metric(r, "wire_bytes"), static_cast<double>(bytes));
  if (r.find("retransmitted_bytes")) {
    EXPECT_GE(metric(r, "retransmitted_bytes"), 0);
  }
  EXPECT_GT(metric(r, "rtt_p50_s"), 0);
  EXPECT_GE(metric(r, "rtt_p99_s"), metric(r, "rtt_p50_s"));
}

TEST(RealBackend, PfsTwoMegabytesOverLoopbackArriveIntact) {
  const RunResult r = real::run(loopback_bulk("pfs", kTwoMegabytes));
  expect_complete_bulk(r, kTwoMegabytes);
  EXPECT_NE(r.find("retransmitted_bytes"), nullptr);
  // A datagram carries at most mtu - 28 payload bytes, each costs 28 header bytes on top.
  EXPECT_GE(metric(r, "wire_bytes"), kTwoMegabytes + 28.0 * (kTwoMegabytes / 1472));
}

TEST(RealBackend, PfsOddSizeAndOtherSeedArriveIntact) {
  const std::uint64_t bytes = 1'234'567;
  expect_complete_bulk(real::run(loopback_bulk("pfs", bytes, 42)), bytes);
}

TEST(RealBackend, VersionedDataOverPfsRefsAndKernelTcpArriveIntact) {
  // Real sockets, same content as sim: PFS with encoding refs sends versioned 0.9 data in about
  // a tenth of its bytes (UDP payload + 28 header bytes per datagram), kernel TCP all of them.
  RunSpec spec = loopback_bulk("pfs", kTwoMegabytes, 3);
  spec.workload.data = BulkData{BulkDataMode::kVersioned, 0.9};
  spec.protocol.options["encoding"] = "refs";
  const RunResult refs = real::run(spec);
  ASSERT_EQ(refs.status, RunResult::Status::kOk) << refs.error;
  EXPECT_EQ(metric(refs, "integrity_ok"), 1);
  EXPECT_EQ(metric(refs, "bytes_delivered"), static_cast<double>(kTwoMegabytes));
  EXPECT_LE(metric(refs, "wire_payload_ratio"), 0.2);
  spec.protocol = ProtocolSpec{"tcp", "tcp", {}};
  const RunResult tcp = real::run(spec);
  ASSERT_EQ(tcp.status, RunResult::Status::kOk) << tcp.error;
  EXPECT_EQ(metric(tcp, "integrity_ok"), 1);
  EXPECT_GT(metric(tcp, "wire_payload_ratio"), 1.0);
}

TEST(RealBackend, PfsTimedTransferDeliversAnIntactPrefixUntilTheDeadline) {
  // No `bytes`: the sender writes until the run's duration is over; what arrived must be the
  // pattern's prefix (checked by digest), and the end of a timed run is not a timeout.
  RunSpec spec = loopback_bulk("pfs", 0);
  spec.workload.bytes.reset();
  spec.duration_s = 0.3;
  const RunResult r = real::run(spec);
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_GT(metric(r, "bytes_delivered"), 0);
  EXPECT_EQ(metric(r, "integrity_ok"), 1);
}

class KernelTcp : public ::testing::TestWithParam<std::string> {};

TEST_P(KernelTcp, TwoMegabytesOverLoopbackArriveIntact) {
  RunSpec spec = loopback_bulk("tcp", kTwoMegabytes);
  spec.protocol.options["cc"] = GetParam();
  const RunResult r = real::run(spec);
  expect_complete_bulk(r, kTwoMegabytes);
  EXPECT_NE(r.find("retransmitted_bytes"), nullptr);
  // Data segments of at most mtu - 52 payload bytes, 52 header bytes each.
  EXPECT_GE(metric(r, "wire_bytes"), kTwoMegabytes + 52.0 * (kTwoMegabytes / 1448));
}

INSTANTIATE_TEST_SUITE_P(RealBackend, KernelTcp, ::testing::Values("cubic", "bbr", "newreno"));

TEST(RealBackend, UnavailableCongestionControlIsRejectedWithTheKernelsList) {
  RunSpec spec = loopback_bulk("tcp", kTwoMegabytes);
  spec.protocol.options["cc"] = "vegas-that-does-not-exist";
  const RunResult r = real::run(spec);
  EXPECT_EQ(r.status, RunResult::Status::kFailed);
  EXPECT_NE(r.error.find("available:"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("cubic"), std::string::npos) << r.error;
  EXPECT_FALSE(real::unsupported_reason(spec).empty());
}

TEST(RealBackend, AvailableCongestionControlsIncludeCubic) {
  const auto names = real::available_congestion_controls();
  EXPECT_NE(std::find(names.begin(), names.end(), "cubic"), names.end());
  EXPECT_EQ(real::kernel_congestion_control("newreno"), "reno");
  EXPECT_EQ(real::kernel_congestion_control("cubic"), "cubic");
}

TEST(RealBackend, ConstantRateUdpCountsWhatItSentAndReceived) {
  RunSpec spec = loopback_bulk("udp", 1472 * 500);
  spec.protocol.options["rate"] = "100000000";  // 100 Mbit/s: 500 datagrams in ~59 ms
  const RunResult r = real::run(spec);
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_EQ(metric(r, "datagrams_sent"), 500);
  // Loopback with 8 MB socket buffers does not drop 736 KB; allow a little for a busy machine.
  EXPECT_GE(metric(r, "datagrams_received"), 490);
  EXPECT_LE(metric(r, "datagrams_received"), 500);
  EXPECT_LE(metric(r, "loss_rate_observed"), 0.02);
  EXPECT_EQ(metric(r, "wire_bytes"), 500.0 * 1500);
  // Paced at 100 Mbit/s: the receiver cannot see much more than that.
  EXPECT_GT(metric(r, "goodput_bps"), 50e6);
  EXPECT_LT(metric(r, "goodput_bps"), 130e6);
}

TEST(RealBackend, FastUdpCountsEveryDatagramOfCoalescedBatches) {
  // At 2 Gbit/s the sender hands the kernel batches (UDP GSO) and the receiver gets them
  // coalesced (UDP GRO): each datagram inside must still count once.
  RunSpec spec = loopback_bulk("udp", 1472 * 5000);
  spec.protocol.options["rate"] = "2000000000";
  const RunResult r = real::run(spec);
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_EQ(metric(r, "datagrams_sent"), 5000);
  EXPECT_GE(metric(r, "datagrams_received"), 4900);
  EXPECT_LE(metric(r, "datagrams_received"), 5000);
  EXPECT_EQ(metric(r, "bytes_delivered"), 1472 * metric(r, "datagrams_received"));
}

TEST(RealBackend, QuicTwoMegabytesOverLoopbackArriveIntact) {
  const RunResult r = real::run(loopback_bulk("quic", kTwoMegabytes));
  expect_complete_bulk(r, kTwoMegabytes);
  // ngtcp2 0.12 cannot count retransmitted bytes: no metric rather than a wrong zero.
  EXPECT_EQ(r.find("retransmitted_bytes"), nullptr);
}

TEST(RealBackend, UnfinishedTransferIsATimeout) {
  // A PFS transfer far too large for 0.3 s of wall time.
  RunSpec spec = loopback_bulk("pfs", 50'000'000'000ULL);
  spec.duration_s = 1.0;
  const RunResult r = real::run(spec);
  EXPECT_EQ(r.status, RunResult::Status::kTimeout) << r.error;
  EXPECT_EQ(metric(r, "integrity_ok"), 0);
  EXPECT_GT(metric(r, "bytes_delivered"), 0);
}

TEST(RealBackend, UnknownPlacementIsReportedAndNothingRuns) {
  RunSpec spec = loopback_bulk("pfs", kTwoMegabytes);
  spec.topology.placement = "moon";
  const RunResult r = real::run(spec);
  EXPECT_EQ(r.status, RunResult::Status::kFailed);
  EXPECT_NE(r.error.find("placement"), std::string::npos) << r.error;
  EXPECT_EQ(r.find("bytes_delivered"), nullptr);
}

}  // namespace
TEST(RealBackend, CaptureIntoAnUnwritablePlaceFailsTheRunNamingThePath) {
  if (geteuid() != 0) GTEST_SKIP() << "packet capture needs root";
  RunSpec spec = loopback_bulk("pfs", 100'000);
  spec.capture = true;
  spec.capture_stem = ::testing::TempDir() + "/wirelab-no-such-dir/sub/run";
  const RunResult r = real::run(spec);
  EXPECT_EQ(r.status, RunResult::Status::kFailed);
  EXPECT_NE(r.error.find(spec.capture_stem + ".pcap"), std::string::npos) << r.error;
  EXPECT_TRUE(r.artifacts.empty());
}

TEST(RealBackend, CapturedQuicRunRecordsPcapAndKeyLog) {
  if (geteuid() != 0) GTEST_SKIP() << "packet capture needs root";
  RunSpec spec = loopback_bulk("quic", 300'000);
  spec.capture = true;
  spec.capture_stem = ::testing::TempDir() + "/wirelab-real-capture-quic";
  const RunResult r = real::run(spec);
  expect_complete_bulk(r, 300'000);
  ASSERT_EQ(r.artifacts.size(), 2u);
  EXPECT_EQ(r.artifacts[0].kind, "pcap");
  EXPECT_EQ(r.artifacts[0].path, spec.capture_stem + ".pcap");
  EXPECT_EQ(r.artifacts[1].kind, "keylog");
  EXPECT_EQ(r.artifacts[1].path, spec.capture_stem + ".keys");
  EXPECT_EQ(metric(r, "capture_drops"), 0);
  std::ifstream keys(spec.capture_stem + ".keys");
  // Client and server both log the connection's secrets into the one file: the same line twice.
  std::string line;
  std::vector<std::string> traffic_secrets;
  while (std::getline(keys, line))
    if (line.rfind("CLIENT_TRAFFIC_SECRET_0 ", 0) == 0) traffic_secrets.push_back(line);
  ASSERT_EQ(traffic_secrets.size(), 2u);
  EXPECT_EQ(traffic_secrets[0], traffic_secrets[1]);
  std::remove((spec.capture_stem + ".pcap").c_str());
  std::remove((spec.capture_stem + ".keys").c_str());
}

}  // namespace wirelab

// The emu backend: two namespaces with TAP devices joined by sim's link model in ns-3's real-time
// scheduler. These runs cross a real emulated link, so each takes a second or two of wall time;
// they check what the link must do (delay, rate, loss, integrity across it) with bounds derived
// from the link's parameters, and that nothing of a run (namespace, TAP) outlives it.
// They need root and /dev/net/tun and are skipped without them.
#include "harness/emu/emu_backend.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "harness/emu/tap_namespaces.h"

namespace wirelab {
namespace {

// One-way delay of the test links.
constexpr double kDelay_s = 0.015;

bool can_emulate() { return geteuid() == 0 && access("/dev/net/tun", R_OK | W_OK) == 0; }

#define REQUIRE_EMU() \
  if (!can_emulate()) GTEST_SKIP() << "needs root and /dev/net/tun"

bool netns_exists(const std::string& name) {
  struct stat st;
  return stat(("/run/netns/" + name).c_str(), &st) == 0;
}

// `ip -n NS link show DEV` output, or "" when it fails.
std::string link_show(const std::string& ns, const std::string& dev) {
  const std::string command = "ip -n " + ns + " link show " + dev + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "";
  std::string out;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
  pclose(pipe);
  return out;
}

RunSpec emu_bulk(const std::string& protocol, std::uint64_t bytes, double rate_bps, double delay_s, double loss = 0) {
  RunSpec spec;
  spec.backend = Backend::kEmu;
  spec.scenario_name = "emu-test";
  spec.seed = 1;
  spec.duration_s = 20;
  spec.workload.bytes = bytes;
  spec.link.rate_bps = rate_bps;
  spec.link.delay_s = delay_s;
  spec.link.loss.p = loss;
  spec.reverse = spec.link;
  spec.protocol.name = protocol;
  spec.protocol.label = protocol;
  return spec;
}

// A run the lag watch failed says nothing about the link: the machine was too busy to emulate it
// for a moment (other tests, other builds). Such runs are repeated, up to three attempts; any
// other failure, or three lag failures in a row, is the result.
RunResult run_emu(const RunSpec& spec) {
  RunResult r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    r = emu::run(spec);
    if (r.error.rfind("emu: ns-3 fell", 0) != 0) break;
    std::fprintf(stderr, "attempt %d: %s\n", attempt + 1, r.error.c_str());
  }
  return r;
}

double metric(const RunResult& r, const std::string& name) {
  const Metric* m = r.find(name);
  EXPECT_NE(m, nullptr) << "missing metric " << name;
  return m ? m->value : -1;
}

TEST(TapNamespaces, CreatesTwoNamespacesWithConfiguredTapsAndRemovesThem) {
  REQUIRE_EMU();
  std::string names[2], taps[2];
  {
    emu::TapNamespaces placement(1400);
    for (int i = 0; i < 2; ++i) {
      const real::Side side = i == 0 ? real::Side::kServer : real::Side::kClient;
      names[i] = placement.namespace_name(side);
      taps[i] = placement.tap_name(side);
      EXPECT_TRUE(netns_exists(names[i])) << names[i];
      const std::string shown = link_show(names[i], taps[i]);
      EXPECT_NE(shown.find("mtu 1400"), std::string::npos) << shown;
      EXPECT_NE(shown.find("NOARP"), std::string::npos) << shown;
      EXPECT_NE(shown.find(",UP"), std::string::npos) << shown;
    }
    EXPECT_EQ(names[0], "wl-" + std::to_string(getpid()) + "-a");
    // The TAPs live inside the namespaces, never in ours.
    EXPECT_EQ(link_show("", taps[0]), "");
  }
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(netns_exists(names[i])) << names[i] << " left behind";
}

TEST(TapNamespaces, RemovesWhatAKilledProcessLeftBehind) {
  REQUIRE_EMU();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      emu::TapNamespaces placement(1500);
      const char ok = 1;
      if (write(ready[1], &ok, 1) != 1) _exit(1);
      pause();
    } catch (...) {
    }
    _exit(1);
  }
  close(ready[1]);
  char ok = 0;
  ASSERT_EQ(read(ready[0], &ok, 1), 1) << "the child could not create its namespaces";
  close(ready[0]);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  const std::string leftover = "wl-" + std::to_string(child) + "-a";
  ASSERT_TRUE(netns_exists(leftover)) << "SIGKILL leaves the namespaces (nothing ran the destructor)";
  { emu::TapNamespaces next(1500); }
  EXPECT_FALSE(netns_exists(leftover));
  EXPECT_FALSE(netns_exists("wl-" + std::to_string(child) + "-b"));
}

TEST(EmuBackend, KernelTcpCrossesTheLinkIntactWithItsDelay) {
  REQUIRE_EMU();
  // 20 Mbit/s, 15 ms each way, a 20-packet queue: the RTT lies between the base 30 ms and that
  // plus a full queue and the packet in service (21 x 0.6 ms), plus the lag watch's mean limit
  // for scheduling noise. 1 MB needs >= 0.4 s at the rate.
  RunSpec spec = emu_bulk("tcp", 1'000'000, 20e6, kDelay_s);
  spec.link.queue.limit = 20;
  spec.reverse = spec.link;
  const RunResult r = run_emu(spec);
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_EQ(metric(r, "integrity_ok"), 1);
  EXPECT_EQ(metric(r, "bytes_delivered"), 1e6);
  const double packet_s = 1502 * 8 / 20e6;
  EXPECT_GE(metric(r, "rtt_p50_s"), 2 * kDelay_s);
  EXPECT_LT(metric(r, "rtt_p50_s"), 2 * kDelay_s + 21 * packet_s + metric(r, "emu_lag_limit_s"));
  // Never faster than the link: payload share of a 1500-byte packet plus the PPP header.
  EXPECT_LT(metric(r, "goodput_bps"), 20e6 * 1448 / 1502);
  EXPECT_GT(metric(r, "emu_forward_packets"), 1e6 / 1448);
  EXPECT_LE(metric(r, "emu_lag_max_s"), metric(r, "emu_lag_spike_limit_s"));
}

TEST(EmuBackend, TheReverseDirectionHasItsOwnDelay) {
  REQUIRE_EMU();
  // 5 ms forward, 35 ms back, 10-packet queues: PFS's RTT is at least their sum, 40 ms, and at
  // most that plus a full queue (11 x 0.6 ms) and 8 ms for acknowledgement delay and scheduling
  // noise. Were the reverse settings ignored it would stay under 20 ms; were they applied both
  // ways, over 70 ms.
  RunSpec spec = emu_bulk("pfs", 100'000, 20e6, 0.005);
  spec.link.queue.limit = 10;
  spec.reverse = spec.link;
  spec.reverse.delay_s = 0.035;
  const RunResult r = run_emu(spec);
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_EQ(metric(r, "integrity_ok"), 1);
  EXPECT_GE(metric(r, "rtt_p50_s"), 0.040);
  EXPECT_LT(metric(r, "rtt_p50_s"), 0.040 + 11 * 1502 * 8 / 20e6 + 0.008);
}

TEST(EmuBackend, PfsCrossesALossyLinkIntact) {
  REQUIRE_EMU();
  const RunResult r = run_emu(emu_bulk("pfs", 500'000, 20e6, kDelay_s, 0.02));
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_EQ(metric(r, "integrity_ok"), 1);
  EXPECT_GT(metric(r, "retransmitted_bytes"), 0) << "2 % loss must cost retransmissions";
  EXPECT_GE(metric(r, "rtt_p50_s"), 2 * kDelay_s);
}

TEST(EmuBackend, PfsFecRebuildsPacketsTheLinkDropped) {
  REQUIRE_EMU();
  // rs(10,2) over 2 % loss: most blocks lose at most 2 of their 12 packets, so the receiver
  // rebuilds lost packets, and it cannot rebuild more than the link's forward direction dropped.
  RunSpec spec = emu_bulk("pfs", 500'000, 20e6, kDelay_s, 0.02);
  spec.protocol.options["fec"] = "rs(10,2)";
  const RunResult r = run_emu(spec);
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_EQ(metric(r, "integrity_ok"), 1);
  EXPECT_GT(metric(r, "fec_recovered_packets"), 0);
  EXPECT_LE(metric(r, "fec_recovered_packets"), metric(r, "emu_forward_dropped"));
  EXPECT_GE(metric(r, "fec_repair_bytes"), 0.2 * 500'000);
}

TEST(EmuBackend, UdpSeesTheLinksLossRateAndRate) {
  REQUIRE_EMU();
  // 3000 datagrams at 8 Mbit/s through a 10 Mbit/s link with 10 % Bernoulli loss: the observed
  // loss lies within 4.5 standard deviations (sqrt(p(1-p)/n) = 0.55 %) of 10 %.
  RunSpec spec = emu_bulk("udp", 3000 * 1472, 10e6, kDelay_s, 0.10);
  spec.protocol.options["rate"] = "8000000";
  const RunResult r = run_emu(spec);
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  EXPECT_NEAR(metric(r, "loss_rate_observed"), 0.10, 4.5 * std::sqrt(0.1 * 0.9 / 3000));
  // Sent at 8 Mbit/s, under the link rate: arrives at (1 - loss) x 8 Mbit/s.
  EXPECT_NEAR(metric(r, "goodput_bps"), 0.9 * 8e6, 0.1 * 8e6);
}

TEST(EmuBackend, UdpFasterThanTheLinkIsCutToItsRate) {
  REQUIRE_EMU();
  // 30 Mbit/s into a 10 Mbit/s link with a 50-packet queue: what arrives is the link's rate in
  // payload (1472 of every 1502 bytes on the wire), and about two thirds is dropped at the queue.
  RunSpec spec = emu_bulk("udp", 2500 * 1472, 10e6, kDelay_s);
  spec.link.queue.limit = 50;
  spec.reverse = spec.link;
  spec.protocol.options["rate"] = "30000000";
  const RunResult r = run_emu(spec);
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  const double link_payload_bps = 10e6 * 1472 / 1502;
  EXPECT_NEAR(metric(r, "goodput_bps"), link_payload_bps, 0.05 * link_payload_bps);
  EXPECT_NEAR(metric(r, "loss_rate_observed"), 2.0 / 3, 0.05);
  EXPECT_GT(metric(r, "emu_forward_dropped"), 1000);
}

// Packets in a classic pcap file: records after the 24-byte global header, each a 16-byte
// header (incl_len at bytes 8-11, little-endian as libpcap writes it here) and its bytes.
std::uint64_t pcap_packets(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return 0;
  unsigned char header[24], record[16];
  std::uint64_t packets = 0;
  if (std::fread(header, 1, sizeof header, f) == sizeof header) {
    while (std::fread(record, 1, sizeof record, f) == sizeof record) {
      const long length = record[8] | record[9] << 8 | record[10] << 16 | static_cast<long>(record[11]) << 24;
      if (std::fseek(f, length, SEEK_CUR) != 0) break;
      ++packets;
    }
  }
  std::fclose(f);
  return packets;
}

TEST(EmuBackend, CapturesOnTheClientsTapEveryPacketTheClientSent) {
  REQUIRE_EMU();
  // UDP at 5 Mbit/s over a lossy 20 Mbit/s link: the capture sits before the link, so it holds
  // every datagram sent (the lost ones too) and nothing comes back the other way.
  RunSpec spec = emu_bulk("udp", 400 * 1472, 20e6, kDelay_s, 0.05);
  spec.protocol.options["rate"] = "5000000";
  spec.capture = true;
  spec.capture_stem = ::testing::TempDir() + "/emu-capture-udp";
  const RunResult r = run_emu(spec);
  ASSERT_EQ(r.status, RunResult::Status::kOk) << r.error;
  ASSERT_FALSE(r.artifacts.empty());
  EXPECT_EQ(r.artifacts[0].path, spec.capture_stem + ".pcap");
  EXPECT_EQ(pcap_packets(spec.capture_stem + ".pcap"), static_cast<std::uint64_t>(metric(r, "packets_sent")));
  EXPECT_GT(metric(r, "loss_rate_observed"), 0.0);
  std::remove((spec.capture_stem + ".pcap").c_str());
}

}  // namespace
}  // namespace wirelab

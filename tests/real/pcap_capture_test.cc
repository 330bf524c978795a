// PcapCapture on loopback: it records exactly the filtered flow's datagrams (not another
// socket's), one record per datagram when GSO is off, and refuses bad interfaces, filters and
// paths with a message that names them. Needs root (packet sockets), as the real backend does.
#include "harness/real/pcap_capture.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/real/datagram_socket.h"

namespace wirelab::real {
namespace {

// Records of a pcap file: the payload size of each (IPv4 + UDP on DLT_EN10MB from lo).
std::vector<std::uint32_t> record_lengths(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char global[24];
  in.read(global, sizeof global);
  std::vector<std::uint32_t> lengths;
  char header[16];
  while (in.read(header, sizeof header)) {
    std::uint32_t captured = 0, original = 0;
    std::memcpy(&captured, header + 8, 4);
    std::memcpy(&original, header + 12, 4);
    lengths.push_back(original);
    in.seekg(captured, std::ios::cur);
  }
  return lengths;
}

std::string scratch(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("wirelab-pcap-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

void send_datagrams(DatagramSocket& from, const DatagramSocket& to, int count, std::size_t size) {
  DatagramBatch batch(32, size);
  for (int i = 0; i < count; ++i) {
    std::memset(batch.next_slot().data, i & 0xff, size);
    batch.push(size);
    if (batch.full()) from.send(batch, to.local_address());
  }
  if (batch.count()) from.send(batch, to.local_address());
}

std::uint16_t port(const DatagramSocket& s) { return ntohs(s.local_address().sin_port); }

TEST(PcapCapture, RecordsOnlyTheFilteredFlowOneRecordPerDatagram) {
  if (geteuid() != 0) GTEST_SKIP() << "packet capture needs root";
  DatagramSocket server(loopback_address(0)), client(loopback_address(0)), other(loopback_address(0));
  client.disable_segmentation_offload();
  other.disable_segmentation_offload();
  PcapCaptureOptions options;
  options.interface = "lo";
  options.path = scratch("flow.pcap");
  options.filter = "udp and port " + std::to_string(port(server)) + " and port " + std::to_string(port(client));
  PcapCapture capture(options);
  send_datagrams(client, server, 100, 1200);
  send_datagrams(other, server, 40, 1000);  // same receiver, another flow: filtered out
  const PcapCapture::Stats stats = capture.stop();
  EXPECT_EQ(stats.packets_dropped, 0u);
  EXPECT_EQ(stats.packets_written, 100u);
  const auto lengths = record_lengths(options.path);
  ASSERT_EQ(lengths.size(), 100u);
  for (const auto length : lengths) EXPECT_EQ(length, 14u + 20u + 8u + 1200u);  // Ethernet + IPv4 + UDP + payload
  EXPECT_EQ(capture.stop().packets_written, 100u);  // a second stop changes nothing
}

TEST(PcapCapture, WithGsoALoopbackCaptureSeesSuperPacketsWhichIsWhyRunsTurnItOff) {
  if (geteuid() != 0) GTEST_SKIP() << "packet capture needs root";
  DatagramSocket server(loopback_address(0)), client(loopback_address(0));
  PcapCaptureOptions options;
  options.interface = "lo";
  options.path = scratch("gso.pcap");
  options.filter = "udp and port " + std::to_string(port(server)) + " and port " + std::to_string(port(client));
  PcapCapture capture(options);
  send_datagrams(client, server, 32, 1200);  // one batch: one GSO message when the kernel takes it
  capture.stop();
  const auto lengths = record_lengths(options.path);
  // 32 datagrams cross lo as fewer, larger packets: counting them would undercount datagrams.
  ASSERT_FALSE(lengths.empty());
  std::uint64_t bytes = 0;
  for (const auto length : lengths) bytes += length - 14 - 20 - 8;
  EXPECT_EQ(bytes, 32u * 1200u);
  EXPECT_LT(lengths.size(), 32u);
}

TEST(PcapCapture, BadInterfaceFilterOrPathIsAnErrorThatNamesIt) {
  if (geteuid() != 0) GTEST_SKIP() << "packet capture needs root";
  PcapCaptureOptions options;
  options.interface = "wl-no-such-if";
  options.path = scratch("bad.pcap");
  try {
    PcapCapture capture(options);
    FAIL() << "opened a missing interface";
  } catch (const CaptureError& e) {
    EXPECT_NE(std::string(e.what()).find("wl-no-such-if"), std::string::npos) << e.what();
  }
  options.interface = "lo";
  options.filter = "udp and port banana";
  try {
    PcapCapture capture(options);
    FAIL() << "accepted a bad filter";
  } catch (const CaptureError& e) {
    EXPECT_NE(std::string(e.what()).find("banana"), std::string::npos) << e.what();
  }
  options.filter = "";
  options.path = scratch("missing-dir") + "/sub/x.pcap";
  try {
    PcapCapture capture(options);
    FAIL() << "wrote into a missing directory";
  } catch (const CaptureError& e) {
    EXPECT_NE(std::string(e.what()).find(options.path), std::string::npos) << e.what();
  }
  options.netns = "wl-no-such-netns";
  EXPECT_THROW(PcapCapture{options}, CaptureError);
}

}  // namespace
}  // namespace wirelab::real

// The capture path: a transfer between the adapters written as a pcap plus the adapter's
// SSLKEYLOGFILE must dissect in tshark as QUIC version 1, and the key log must decrypt the
// STREAM frames (the marker text appears in the decrypted stream data). Skipped where tshark
// is not installed; the pcap and key log are still produced and the key log checked.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "protocols/quic/quic.h"
#include "tests/quic/pcap_file.h"
#include "tests/quic/quic_pipe.h"

namespace wirelab::quic {
namespace {

std::string run_command(const std::string& command) {
  std::string out;
  if (std::FILE* p = popen(command.c_str(), "r")) {
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    pclose(p);
  }
  return out;
}

std::string to_hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

TEST(QuicCapture, TsharkDissectsQuicV1AndDecryptsStreams) {
  const std::string dir = ::testing::TempDir();
  const std::string pcap_path = dir + "wirelab_quic_capture.pcap";
  const std::string keylog_path = dir + "wirelab_quic_capture.keys";
  std::remove(keylog_path.c_str());
  QuicConfig config;
  config.keylog_path = keylog_path;  // client and server append to one file, as a run would
  auto client = make_transport(config, Role::kClient, 81);
  auto server = make_transport(config, Role::kServer, 82);
  testing::QuicPipe pipe(*client, *server, 83, 0.0);
  {
    testing::PcapFile pcap(pcap_path);
    ASSERT_TRUE(pcap.ok());
    pipe.tap = [&](int side, Timestamp at, ByteView d) { pcap.write(at, side == 0, d); };
    client->connect(pipe.now());
    const std::string marker = "wirelab-capture-marker-0123456789";
    bool written = false, fin = false;
    std::string received;
    std::vector<std::uint8_t> buf(4096);
    ASSERT_TRUE(pipe.run_until([&] {
      while (auto e = client->poll_event()) {
        if (e->kind == TransportEvent::Kind::kConnected && !written) {
          written = true;
          auto id = client->open_stream();
          client->write(*id, ByteView(reinterpret_cast<const std::uint8_t*>(marker.data()),
                                      marker.size()), true);
        }
      }
      while (auto e = server->poll_event()) {
        if (e->kind != TransportEvent::Kind::kStreamReadable) continue;
        bool f = false;
        while (std::size_t n = server->read(e->stream, buf, &f))
          received.append(reinterpret_cast<char*>(buf.data()), n);
        fin |= f;
      }
      return fin;
    }, std::chrono::seconds(5)));
    ASSERT_EQ(received, marker);
    client->close(pipe.now());
    pipe.run_until([&] { return client->is_closed() && server->is_closed(); },
                   std::chrono::seconds(5));
  }
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "tshark not installed; capture left at " << pcap_path;
  }
  const std::string base = "tshark -n -r " + pcap_path + " -d udp.port==4433,quic ";
  const std::string versions =
      run_command(base + "-Y 'quic.long.packet_type==0' -T fields -e quic.version 2>/dev/null");
  EXPECT_NE(versions.find("0x00000001"), std::string::npos) << versions;
  const std::string streams = run_command(base + "-o tls.keylog_file:" + keylog_path +
                                          " -Y quic.stream_data -T fields -e quic.stream_data "
                                          "2>/dev/null");
  EXPECT_NE(streams.find(to_hex("wirelab-capture-marker")), std::string::npos) << streams;
  // The server's ALPN choice sits in encrypted EncryptedExtensions: visible only with the keys.
  const std::string alpn = run_command(base + "-o tls.keylog_file:" + keylog_path +
                                       " -Y 'tls.handshake.type==8' -T fields "
                                       "-e tls.handshake.extensions_alpn_str 2>/dev/null");
  EXPECT_NE(alpn.find("wirelab"), std::string::npos) << alpn;
}

}  // namespace
}  // namespace wirelab::quic

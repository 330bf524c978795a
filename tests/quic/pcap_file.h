// A minimal libpcap writer for the QUIC capture test: each datagram becomes a raw IPv4 + UDP
// packet (LINKTYPE_RAW) between the adapter's fake addresses, so tshark can dissect it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "protocols/core/bytes.h"
#include "protocols/core/time.h"

namespace wirelab::quic::testing {

class PcapFile {
 public:
  explicit PcapFile(const std::string& path) : file_(std::fopen(path.c_str(), "wb")) {
    const std::uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101};  // 101: raw IP
    if (file_) std::fwrite(header, sizeof header, 1, file_);
  }
  ~PcapFile() {
    if (file_) std::fclose(file_);
  }
  bool ok() const { return file_ != nullptr; }

  // from_client: 10.0.0.2:50000 -> 10.0.0.1:4433, else the reverse.
  void write(Timestamp at, bool from_client, ByteView payload) {
    std::vector<std::uint8_t> p(28 + payload.size, 0);
    const std::size_t total = p.size();
    p[0] = 0x45;
    p[2] = static_cast<std::uint8_t>(total >> 8);
    p[3] = static_cast<std::uint8_t>(total);
    p[8] = 64;
    p[9] = 17;
    const std::uint8_t client[4] = {10, 0, 0, 2}, server[4] = {10, 0, 0, 1};
    for (int i = 0; i < 4; ++i) {
      p[12 + i] = from_client ? client[i] : server[i];
      p[16 + i] = from_client ? server[i] : client[i];
    }
    std::uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += (p[i] << 8) | p[i + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    p[10] = static_cast<std::uint8_t>(~sum >> 8);
    p[11] = static_cast<std::uint8_t>(~sum);
    const std::uint16_t sport = from_client ? 50000 : 4433, dport = from_client ? 4433 : 50000;
    const std::size_t udp_len = 8 + payload.size;
    p[20] = sport >> 8; p[21] = sport & 0xff;
    p[22] = dport >> 8; p[23] = dport & 0xff;
    p[24] = static_cast<std::uint8_t>(udp_len >> 8); p[25] = static_cast<std::uint8_t>(udp_len);
    std::copy(payload.begin(), payload.end(), p.begin() + 28);
    const std::int64_t ns = to_ns(at);
    const std::uint32_t record[4] = {static_cast<std::uint32_t>(ns / 1'000'000'000),
                                     static_cast<std::uint32_t>((ns % 1'000'000'000) / 1000),
                                     static_cast<std::uint32_t>(total),
                                     static_cast<std::uint32_t>(total)};
    if (!file_) return;
    std::fwrite(record, sizeof record, 1, file_);
    std::fwrite(p.data(), 1, p.size(), file_);
  }

 private:
  std::FILE* file_;
};

}  // namespace wirelab::quic::testing

// Quantities with units as scenario files write them ("20Mbps", "25ms", "20MB", "100p"),
// converted to SI numbers. Each parser throws std::invalid_argument with a message that lists
// the accepted units; the scenario parser adds the file position.
#pragma once

#include <cstdint>
#include <string>

namespace wirelab::units {

double parse_rate_bps(const std::string& text);     // bps, kbps, Mbps, Gbps (SI, x1000)
double parse_time_s(const std::string& text);       // ns, us, ms, s; a bare 0
std::uint64_t parse_size_bytes(const std::string& text);  // B, KB, MB, GB (x1000), KiB, MiB, GiB (x1024); bare integer = bytes

struct QueueLimit {
  bool packets;
  std::uint64_t value;
};
QueueLimit parse_queue(const std::string& text);    // "100p" or a size ("256KB")

}  // namespace wirelab::units

// QUIC baseline — an ngtcp2 0.12 + GnuTLS connection as a sans-IO Transport. This header is the
// whole public face (the same shape as protocols/pfs/pfs.h): a configuration, its construction
// from the scenario's `quic:` options, and a factory. The adapter never touches a socket or a
// clock: datagrams and `now` come from the host, ngtcp2's randomness from our seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "protocols/core/endpoint.h"
#include "protocols/core/time.h"

namespace wirelab::quic {

enum class Role { kClient, kServer };
// The congestion controllers ngtcp2 0.12 ships (ngtcp2_cc_algo); nothing else exists there.
enum class CcAlgorithm { kReno, kCubic, kBbr, kBbr2 };

struct QuicConfig {
  std::size_t max_datagram_size = 1472;       // UDP payload: MTU - 20 (IPv4) - 8 (UDP)
  CcAlgorithm cc = CcAlgorithm::kCubic;
  Duration idle_timeout = std::chrono::seconds(30);
  std::uint64_t stream_receive_window = 16u << 20;      // per-stream flow control, bytes
  std::uint64_t connection_receive_window = 32u << 20;  // connection flow control, bytes
  std::uint32_t max_streams = 1024;           // concurrent peer-initiated bidi streams
  std::uint64_t send_buffer_bytes = 32u << 20;  // unacknowledged bytes write() accepts
  // When non-empty, TLS secrets are appended here in SSLKEYLOGFILE format (for tshark).
  std::string keylog_path;
};

// Thrown by config_from_options for an unknown key or a bad value; the message names the key
// and the allowed values. The harness validates scenario files with the same function.
struct QuicOptionError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Option keys accepted under `quic:` in a scenario, with their allowed values (for messages).
const std::map<std::string, std::string>& option_help();

QuicConfig config_from_options(const std::map<std::string, std::string>& options,
                               std::size_t max_datagram_size);

std::unique_ptr<Transport> make_transport(const QuicConfig& config, Role role,
                                          std::uint64_t seed);

// The ALPN both sides insist on.
inline constexpr const char* kAlpn = "wirelab";

}  // namespace wirelab::quic

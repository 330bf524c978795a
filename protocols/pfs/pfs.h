// PFS v1 — the PacketFS transport as a sans-IO Transport. This header is the whole public face:
// a configuration, its construction from scenario options, and a factory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocols/core/endpoint.h"
#include "protocols/core/time.h"
#include "protocols/fec/reed_solomon.h"

namespace wirelab::pfs {

enum class Role { kClient, kServer };
enum class ArqMode { kSelectiveRepeat, kGoBackN };
enum class CcAlgorithm { kNewReno, kCubic, kAimd, kBbr };
// How stream content travels: as itself, or as a reference stream through the run's shared
// document (content_encoding.h).
enum class Encoding { kNone, kRefs };

// One setting adaptive tuning may choose (protocols/pfs/tuning.h): an FEC code and a window cap.
struct TuningArm {
  fec::RsParams fec;                  // off: k = m = 0
  double window_bdp = 0;              // window cap in estimated BDPs (0: the controller's window)
  std::string label() const;          // "rs(10,2)", or "rs(10,2)+w1.5" with a cap
};
// Parses "off rs(10,1) rs(10,2)+w1.5" (space-separated arm labels); throws std::invalid_argument.
std::vector<TuningArm> parse_tuning_arms(const std::string& text);

struct PfsConfig {
  std::size_t max_datagram_size = 1472;       // UDP payload: MTU - 20 (IPv4) - 8 (UDP)
  CcAlgorithm cc = CcAlgorithm::kBbr;
  ArqMode arq = ArqMode::kSelectiveRepeat;
  bool pacing = true;
  std::uint32_t initial_window_packets = 10;
  double aimd_increase_packets = 1.0;         // AIMD: additive increase per RTT
  double aimd_decrease_factor = 0.5;          // AIMD: window multiplier on loss
  Duration idle_timeout = std::chrono::seconds(30);
  std::uint64_t stream_receive_window = 16u << 20;      // per-stream flow control, bytes
  std::uint64_t connection_receive_window = 32u << 20;  // connection flow control, bytes
  std::uint32_t max_streams = 1024;           // concurrent peer-initiated streams
  Encoding encoding = Encoding::kNone;
  // The shared document's seed for Encoding::kRefs; both ends must agree. Hosts set it to
  // refcodec::document_seed(run seed), the document bulk `data: versioned` edits.
  std::uint64_t document_seed = 0;
  // Packet-level forward erasure coding (docs/protocols/pfs-fec.md): rs(k,m) blocks of k source
  // packets and m repair packets, beside ARQ. Off by default.
  fec::RsParams fec;
  // Blocks filled round-robin at once, so a burst of up to fec_interleave * m consecutive source
  // packets costs each block at most m of them. 1 = no interleaving.
  std::uint32_t fec_interleave = 1;
  // Adaptive tuning (docs/protocols/pfs-adaptive.md): an online learner picks the FEC code and
  // window cap from the measured loss and RTT; the sender starts on the lightest FEC arm under a
  // loss-based controller, else on the first arm.
  bool adaptive = false;
  std::vector<TuningArm> adaptive_arms;  // empty: the default arms (off, rs(10,1), rs(10,2), rs(10,4))
  // The master key of the permutation that scrambles the document (at least 16 bytes; both ends
  // must agree). Empty: refcodec::document_key(document_seed), which both ends derive from the
  // run's seed with HKDF; set it to give the ends a secret the seed does not reveal.
  std::vector<std::uint8_t> document_key;
};

// Thrown by config_from_options for an unknown key or a bad value; the message names the key
// and the allowed values. The harness validates scenario files with the same function.
struct PfsOptionError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Option keys accepted under `pfs:` in a scenario, with their allowed values (for messages).
const std::map<std::string, std::string>& option_help();

PfsConfig config_from_options(const std::map<std::string, std::string>& options,
                              std::size_t max_datagram_size);

std::unique_ptr<Transport> make_transport(const PfsConfig& config, Role role, std::uint64_t seed);

}  // namespace wirelab::pfs

#include "harness/scenario/protocol_options.h"

#include <algorithm>
#include <cstdio>

#include "harness/scenario/units.h"
#include "protocols/pfs/pfs.h"
#include "protocols/quic/quic.h"

namespace wirelab {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void only_keys(const std::map<std::string, std::string>& options, const std::vector<std::string>& allowed,
               const std::string& protocol) {
  for (const auto& [key, _] : options)
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      throw ProtocolOptionError(key, "unknown " + protocol + " option '" + key + "'; allowed: " + join(allowed) + ", label");
}

// The option an error from pfs/quic config_from_options is about: those messages name it
// first, quoted ("pfs option 'fec': ..."), and may name others later in their help text, so
// the earliest quoted option wins.
std::string key_named_in(const std::string& message, const std::map<std::string, std::string>& options) {
  std::string key;
  std::size_t earliest = std::string::npos;
  for (const auto& [k, _] : options) {
    const std::size_t at = message.find("'" + k + "'");
    if (at < earliest) {
      earliest = at;
      key = k;
    }
  }
  return key;
}

}  // namespace

const std::vector<std::string>& known_protocols() {
  static const std::vector<std::string> names = {"pfs", "tcp", "udp", "quic"};
  return names;
}

const std::vector<std::string>& sim_tcp_congestion_controls() {
  static const std::vector<std::string> names = {"newreno", "cubic", "bbr", "linux-reno", "vegas", "ns3-cubic", "ns3-bbr"};
  return names;
}

std::map<std::string, std::string> canonical_protocol_options(const std::string& protocol,
                                                              const std::map<std::string, std::string>& options) {
  if (protocol == "pfs") {
    try {
      pfs::config_from_options(options, 65507);  // size-dependent checks: check_protocol_options_at
    } catch (const pfs::PfsOptionError& e) {
      throw ProtocolOptionError(key_named_in(e.what(), options), e.what());
    }
    return options;
  }
  if (protocol == "tcp") {
    only_keys(options, {"cc"}, protocol);
    auto out = options;
    if (!out.count("cc")) out["cc"] = "cubic";
    const auto& ccs = sim_tcp_congestion_controls();
    if (std::find(ccs.begin(), ccs.end(), out["cc"]) == ccs.end())
      throw ProtocolOptionError("cc", "'" + out["cc"] + "' is not a TCP congestion control here; allowed: " + join(ccs));
    return out;
  }
  if (protocol == "udp") {
    only_keys(options, {"rate"}, protocol);
    auto out = options;
    if (!out.count("rate")) throw ProtocolOptionError("", "udp needs a sending rate, e.g. udp: {rate: 18Mbps}");
    double bps = 0;
    try {
      bps = units::parse_rate_bps(out["rate"]);
    } catch (const std::invalid_argument& e) {
      throw ProtocolOptionError("rate", e.what());
    }
    if (bps <= 0) throw ProtocolOptionError("rate", "a rate must be > 0");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", bps);
    out["rate"] = buf;
    return out;
  }
  if (protocol == "quic") {
    try {
      quic::config_from_options(options, 65507);
    } catch (const quic::QuicOptionError& e) {
      throw ProtocolOptionError(key_named_in(e.what(), options), e.what());
    }
    return options;
  }
  throw ProtocolOptionError("", "unknown protocol '" + protocol + "'; allowed: " + join(known_protocols()));
}

void check_protocol_options_at(const std::string& protocol, const std::map<std::string, std::string>& options,
                               std::size_t max_datagram_size) {
  try {
    if (protocol == "pfs") pfs::config_from_options(options, max_datagram_size);
    if (protocol == "quic") quic::config_from_options(options, max_datagram_size);
  } catch (const pfs::PfsOptionError& e) {
    throw ProtocolOptionError(key_named_in(e.what(), options), e.what());
  } catch (const quic::QuicOptionError& e) {
    throw ProtocolOptionError(key_named_in(e.what(), options), e.what());
  }
}

}  // namespace wirelab

// Scenario options under `quic:` -> QuicConfig. Unknown keys and bad values are errors that
// list what is allowed, so a typo in a scenario fails validation instead of running a default.
#include <sstream>

#include "protocols/quic/quic.h"

namespace wirelab::quic {
namespace {

const std::map<std::string, CcAlgorithm>& cc_names() {
  // "newreno" is what scenarios written for PFS say; ngtcp2's Reno is NewReno-style recovery.
  static const std::map<std::string, CcAlgorithm> names{{"reno", CcAlgorithm::kReno},
                                                       {"newreno", CcAlgorithm::kReno},
                                                       {"cubic", CcAlgorithm::kCubic},
                                                       {"bbr", CcAlgorithm::kBbr},
                                                       {"bbr2", CcAlgorithm::kBbr2}};
  return names;
}

std::uint64_t parse_count(const std::string& key, const std::string& value, std::uint64_t min) {
  std::size_t used = 0;
  unsigned long long parsed = 0;
  try {
    parsed = std::stoull(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || value[0] == '-' || parsed < min)
    throw QuicOptionError("quic option '" + key + "': '" + value + "' is not allowed; expected " +
                          option_help().at(key));
  return parsed;
}

}  // namespace

const std::map<std::string, std::string>& option_help() {
  static const std::map<std::string, std::string> help{
      {"cc", "one of reno|newreno|cubic|bbr|bbr2"},
      {"max_streams", "an integer >= 1 (concurrent peer-initiated streams)"},
      {"stream_receive_window", "an integer >= 1024 (bytes)"},
      {"connection_receive_window", "an integer >= 1024 (bytes)"},
  };
  return help;
}

QuicConfig config_from_options(const std::map<std::string, std::string>& options,
                               std::size_t max_datagram_size) {
  QuicConfig config;
  config.max_datagram_size = max_datagram_size;
  for (const auto& [key, value] : options) {
    if (key == "cc") {
      auto it = cc_names().find(value);
      if (it == cc_names().end())
        throw QuicOptionError("quic option 'cc': '" + value + "' is not supported by ngtcp2 " +
                              "0.12; expected " + option_help().at("cc"));
      config.cc = it->second;
    } else if (key == "max_streams") {
      config.max_streams = static_cast<std::uint32_t>(parse_count(key, value, 1));
    } else if (key == "stream_receive_window") {
      config.stream_receive_window = parse_count(key, value, 1024);
    } else if (key == "connection_receive_window") {
      config.connection_receive_window = parse_count(key, value, 1024);
    } else {
      std::ostringstream allowed;
      const char* sep = "";
      for (const auto& entry : option_help()) {
        allowed << sep << entry.first;
        sep = ", ";
      }
      throw QuicOptionError("unknown quic option '" + key + "'; allowed keys: " + allowed.str());
    }
  }
  return config;
}

}  // namespace wirelab::quic

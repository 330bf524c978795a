// Which protocols a scenario may name and which options each takes: the one place the parser
// asks, so a misspelt option is caught before a single run starts.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace wirelab {

class ProtocolOptionError : public std::invalid_argument {
 public:
  ProtocolOptionError(std::string key, const std::string& message)
      : std::invalid_argument(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }  // empty when the protocol itself is at fault

 private:
  std::string key_;
};

const std::vector<std::string>& known_protocols();

// Validates `options` for `protocol` and returns them in canonical form (units resolved to SI,
// e.g. udp rate "18Mbps" -> "18000000"). Throws ProtocolOptionError naming the key and the
// allowed values.
std::map<std::string, std::string> canonical_protocol_options(const std::string& protocol,
                                                              const std::map<std::string, std::string>& options);

// The checks of pfs and quic options that depend on the datagram size (an FEC code must leave
// room for data in one datagram): run per sweep point, with the point's MTU - 28. Throws
// ProtocolOptionError as above.
void check_protocol_options_at(const std::string& protocol, const std::map<std::string, std::string>& options,
                               std::size_t max_datagram_size);

// TCP congestion controls the sim backend (ns-3) offers.
const std::vector<std::string>& sim_tcp_congestion_controls();

}  // namespace wirelab

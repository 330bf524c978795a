#include "protocols/pfs/pfs.h"

#include <cmath>

#include "protocols/pfs/connection.h"

namespace wirelab::pfs {
namespace {

double number(const std::string& key, const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  throw PfsOptionError("pfs option '" + key + "': expected a number, got '" + text + "'; allowed: " + option_help().at(key));
}

}  // namespace

const std::map<std::string, std::string>& option_help() {
  static const std::map<std::string, std::string> help = {
      {"cc", "newreno, cubic, aimd, bbr (BBRv1; default bbr)"},
      {"arq", "selective-repeat (default), go-back-n"},
      {"pacing", "true (default), false"},
      {"initial_window", "an integer number of packets >= 1 (default 10)"},
      {"aimd_increase", "packets added per round trip, > 0 (default 1)"},
      {"aimd_decrease", "window multiplier on loss, in (0, 1) (default 0.5)"},
      {"encoding", "none (default), refs (stream content as references into the run's shared document)"},
      {"fec", "off (default) or rs(K,M): K source + M repair packets per block, 1 <= K, 1 <= M, K + M <= 255"},
      {"fec_interleave", "blocks filled round-robin, an integer in [1, 64] (default 1)"},
      {"adaptive", "false (default), true: an online learner picks fec and a window cap (docs/protocols/pfs-adaptive.md)"},
      {"adaptive_arms", "space-separated settings for adaptive: off | rs(K,M), each optionally +wX (window cap of X BDPs); "
                        "default \"off rs(10,1) rs(10,2) rs(10,4)\""},
  };
  return help;
}

PfsConfig config_from_options(const std::map<std::string, std::string>& options, std::size_t max_datagram_size) {
  PfsConfig c;
  c.max_datagram_size = max_datagram_size;
  for (const auto& [key, value] : options) {
    auto bad = [&] {
      return PfsOptionError("pfs option '" + key + "': '" + value + "' is not allowed; allowed: " + option_help().at(key));
    };
    if (key == "cc") {
      if (value == "newreno") c.cc = CcAlgorithm::kNewReno;
      else if (value == "cubic") c.cc = CcAlgorithm::kCubic;
      else if (value == "aimd") c.cc = CcAlgorithm::kAimd;
      else if (value == "bbr") c.cc = CcAlgorithm::kBbr;
      else throw bad();
    } else if (key == "arq") {
      if (value == "selective-repeat") c.arq = ArqMode::kSelectiveRepeat;
      else if (value == "go-back-n") c.arq = ArqMode::kGoBackN;
      else throw bad();
    } else if (key == "pacing") {
      if (value == "true") c.pacing = true;
      else if (value == "false") c.pacing = false;
      else throw bad();
    } else if (key == "encoding") {
      if (value == "none") c.encoding = Encoding::kNone;
      else if (value == "refs") c.encoding = Encoding::kRefs;
      else throw bad();
    } else if (key == "fec") {
      try {
        c.fec = fec::parse_rs(value);
      } catch (const std::invalid_argument& e) {
        throw PfsOptionError("pfs option 'fec': " + std::string(e.what()));
      }
      if (c.fec.enabled() && !FecBlockEncoder::fits(c.fec.k, max_datagram_size))
        throw PfsOptionError("pfs option 'fec': " + value + " leaves a packet under " +
                             std::to_string(FecBlockEncoder::kMinSourcePayload) + " bytes of data at " +
                             std::to_string(max_datagram_size) + "-byte datagrams; use a smaller K");
    } else if (key == "adaptive") {
      if (value == "true") c.adaptive = true;
      else if (value == "false") c.adaptive = false;
      else throw bad();
    } else if (key == "adaptive_arms") {
      try {
        c.adaptive_arms = parse_tuning_arms(value);
      } catch (const std::invalid_argument& e) {
        throw PfsOptionError("pfs option 'adaptive_arms': " + std::string(e.what()) + "; allowed: " + option_help().at(key));
      }
      for (const auto& arm : c.adaptive_arms) {
        if (arm.fec.enabled() && !FecBlockEncoder::fits(arm.fec.k, max_datagram_size))
          throw PfsOptionError("pfs option 'adaptive_arms': " + arm.fec.to_string() + " leaves a packet under " +
                               std::to_string(FecBlockEncoder::kMinSourcePayload) + " bytes of data at " +
                               std::to_string(max_datagram_size) + "-byte datagrams; use a smaller K");
      }
    } else if (key == "fec_interleave") {
      const double v = number(key, value);
      if (v < 1 || v > 64 || v != std::floor(v)) throw bad();
      c.fec_interleave = static_cast<std::uint32_t>(v);
    } else if (key == "initial_window") {
      const double v = number(key, value);
      if (v < 1 || v > 100000 || v != std::floor(v)) throw bad();
      c.initial_window_packets = static_cast<std::uint32_t>(v);
    } else if (key == "aimd_increase") {
      const double v = number(key, value);
      if (!(v > 0) || v > 1000) throw bad();
      c.aimd_increase_packets = v;
    } else if (key == "aimd_decrease") {
      const double v = number(key, value);
      if (!(v > 0 && v < 1)) throw bad();
      c.aimd_decrease_factor = v;
    } else {
      std::string keys;
      for (const auto& [k, _] : option_help()) keys += (keys.empty() ? "" : ", ") + k;
      throw PfsOptionError("unknown pfs option '" + key + "'; allowed: " + keys);
    }
  }
  return c;
}

std::vector<TuningArm> parse_tuning_arms(const std::string& text) {
  std::vector<TuningArm> arms;
  std::size_t at = 0;
  while (at < text.size()) {
    if (text[at] == ' ') {
      ++at;
      continue;
    }
    // An arm ends at the next space outside parentheses ("rs(10, 2)" may hold one).
    std::size_t end = at;
    int depth = 0;
    while (end < text.size() && (text[end] != ' ' || depth > 0)) {
      depth += text[end] == '(' ? 1 : text[end] == ')' ? -1 : 0;
      ++end;
    }
    const std::string item = text.substr(at, end - at);
    at = end;
    TuningArm arm;
    std::string code = item;
    const auto plus = item.find("+w");
    if (plus != std::string::npos) {
      code = item.substr(0, plus);
      const std::string cap = item.substr(plus + 2);
      std::size_t used = 0;
      double v = 0;
      try {
        v = std::stod(cap, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (cap.empty() || used != cap.size() || !(v > 0) || v > 100)
        throw std::invalid_argument("'" + item + "': a window cap is +wX with X in (0, 100] BDPs");
      arm.window_bdp = v;
    }
    arm.fec = fec::parse_rs(code);
    for (const auto& other : arms)
      if (other.label() == arm.label()) throw std::invalid_argument("'" + item + "' is listed twice");
    arms.push_back(arm);
  }
  if (arms.size() < 2) throw std::invalid_argument("adaptive needs at least two arms to choose from");
  return arms;
}

std::unique_ptr<Transport> make_transport(const PfsConfig& config, Role role, std::uint64_t seed) {
  return std::make_unique<Connection>(config, role, seed);
}

}  // namespace wirelab::pfs

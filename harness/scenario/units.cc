#include "harness/scenario/units.h"

#include <cctype>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

namespace wirelab::units {
namespace {

// Splits "20Mbps" into (20, "Mbps"); the number may carry a decimal point or an exponent.
std::pair<double, std::string> split(const std::string& text, const char* what) {
  std::size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  const std::size_t start = i;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' ||
                             text[i] == '-' || text[i] == '+' ||
                             ((text[i] == 'e' || text[i] == 'E') && i > start &&
                              i + 1 < text.size() &&
                              (std::isdigit(static_cast<unsigned char>(text[i + 1])) ||
                               text[i + 1] == '-' || text[i + 1] == '+'))))
    ++i;
  if (i == start) throw std::invalid_argument(std::string("expected a ") + what + ", got '" + text + "'");
  double value = 0;
  try {
    std::size_t used = 0;
    value = std::stod(text.substr(start, i - start), &used);
    if (used != i - start) throw std::invalid_argument("");
  } catch (const std::exception&) {
    throw std::invalid_argument(std::string("expected a ") + what + ", got '" + text + "'");
  }
  std::string unit = text.substr(i);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  if (!std::isfinite(value)) throw std::invalid_argument(std::string("expected a finite ") + what);
  return {value, unit};
}

double scale(const std::string& text, const char* what,
             const std::vector<std::pair<const char*, double>>& table, bool bare_allowed,
             const char* allowed) {
  auto [value, unit] = split(text, what);
  if (unit.empty()) {
    if (bare_allowed || value == 0) return value * (bare_allowed ? 1.0 : 0.0);
    throw std::invalid_argument(std::string("'") + text + "' has no unit; use one of " + allowed);
  }
  for (const auto& [name, factor] : table)
    if (unit == name) return value * factor;
  throw std::invalid_argument(std::string("unknown unit '") + unit + "' in '" + text + "'; use one of " + allowed);
}

}  // namespace

double parse_rate_bps(const std::string& text) {
  return scale(text, "rate", {{"bps", 1}, {"kbps", 1e3}, {"Kbps", 1e3}, {"Mbps", 1e6}, {"Gbps", 1e9}},
               false, "bps, kbps, Mbps, Gbps (e.g. 20Mbps)");
}

double parse_time_s(const std::string& text) {
  return scale(text, "duration", {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}}, false,
               "ns, us, ms, s (e.g. 25ms)");
}

std::uint64_t parse_size_bytes(const std::string& text) {
  const double bytes = scale(text, "size",
                             {{"B", 1}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"kB", 1e3},
                              {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}},
                             true, "B, KB, MB, GB (powers of 1000), KiB, MiB, GiB (powers of 1024)");
  if (bytes < 0) throw std::invalid_argument("a size cannot be negative: '" + text + "'");
  if (bytes != std::floor(bytes)) throw std::invalid_argument("'" + text + "' is not a whole number of bytes");
  return static_cast<std::uint64_t>(bytes);
}

QueueLimit parse_queue(const std::string& text) {
  auto [value, unit] = split(text, "queue limit");
  if (unit == "p") {
    if (value != std::floor(value) || value < 0)
      throw std::invalid_argument("'" + text + "': a packet count must be a whole number");
    return {true, static_cast<std::uint64_t>(value)};
  }
  if (unit.empty())
    throw std::invalid_argument("'" + text + "' has no unit; use packets (100p) or a size (256KB, 64KiB, 150000B)");
  try {
    return {false, parse_size_bytes(text)};
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("unknown unit '" + unit + "' in '" + text +
                                "'; use packets (100p) or a size (B, KB, MB, KiB, MiB)");
  }
}

}  // namespace wirelab::units

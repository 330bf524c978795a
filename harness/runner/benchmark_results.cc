#include "harness/runner/benchmark_results.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace wirelab {

std::vector<BenchmarkRecord> parse_benchmark_json(const std::string& text, const std::string& git_commit,
                                                  const std::string& host, const std::string& started_at) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("benchmark output is not JSON: ") + e.what());
  }
  std::vector<BenchmarkRecord> rows;
  for (const auto& b : doc.value("benchmarks", nlohmann::json::array())) {
    if (b.value("error_occurred", false)) continue;
    const std::string unit = b.value("time_unit", "ns");
    const double to_ns = unit == "s" ? 1e9 : unit == "ms" ? 1e6 : unit == "us" ? 1e3 : 1.0;
    BenchmarkRecord r;
    r.git_commit = git_commit;
    r.host = host;
    r.name = b.value("name", "");
    r.iterations = b.value("iterations", std::int64_t{0});
    r.real_time_ns = b.value("real_time", 0.0) * to_ns;
    r.cpu_time_ns = b.value("cpu_time", 0.0) * to_ns;
    r.items_per_second = b.value("items_per_second", 0.0);
    r.bytes_per_second = b.value("bytes_per_second", 0.0);
    r.started_at = started_at;
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace wirelab

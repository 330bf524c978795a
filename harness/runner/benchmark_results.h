// Google Benchmark's JSON output turned into rows of the `benchmarks` table (CONTRACT section 4),
// so micro-benchmarks are compared across commits like scenario runs are.
#pragma once

#include <string>
#include <vector>

#include "harness/store/results_store.h"

namespace wirelab {

// Parses `--benchmark_format=json` output; times are converted to nanoseconds whatever the
// benchmark's time_unit. Throws std::runtime_error on malformed JSON.
std::vector<BenchmarkRecord> parse_benchmark_json(const std::string& json, const std::string& git_commit,
                                                  const std::string& host, const std::string& started_at);

}  // namespace wirelab

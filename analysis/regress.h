// `wirelab regress`: is the candidate worse than the baseline? Runs of two sides (campaign ids or
// git commits) are paired by (scenario name, params, label); each metric with a known better
// direction is compared with a Mann-Whitney U test and a bootstrap interval of the relative median
// change; p-values are adjusted over the family (Holm or Benjamini-Hochberg; run metrics and
// benchmarks are two families). A significant
// regression is adjusted p < alpha and a median change in the worse direction larger than
// min_effect; `integrity_ok` dropping anywhere is always one. Benchmarks rows of two git commits
// are compared the same way by name (real_time_ns, lower is better) when both sides have
// repetitions, else by the min_effect threshold alone.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace wirelab::analysis {

struct RegressOptions {
  std::string db_path = "results/wirelab.db";
  std::string baseline;   // campaign id, or a git commit (prefix)
  std::string candidate;  // campaign id, or a git commit (prefix)
  std::string out_dir;    // where regress.md and regress.html go; empty = none
  double alpha = 0.05;
  double min_effect = 0.05;          // relative median change, 0.05 = 5 %
  std::string correction = "holm";   // "holm" | "bh"
  std::uint64_t seed = 1;            // bootstrap resampling
};

// +1: higher is better, -1: lower is better, 0: not compared (cost counters such as
// wall_seconds, which measure the host rather than the protocol).
int metric_direction(const std::string& metric);

struct Comparison {
  std::string scenario, params, label, metric;  // metric is "bench:NAME" for benchmarks
  std::size_t baseline_n = 0, candidate_n = 0;
  double baseline_median = 0, candidate_median = 0;
  double change = 0, change_low = 0, change_high = 0;  // relative median change with 95 % CI
  double p_value = 1, adjusted_p = 1;
  int direction = 0;
  bool regression = false, improvement = false;
  std::string note;
};

struct RegressResult {
  std::vector<Comparison> comparisons;
  std::size_t regressions = 0;
  std::string markdown;
};

// Throws std::invalid_argument for a reference that names nothing (or sides that share nothing).
RegressResult compare(const RegressOptions& options);

// The CLI verb: prints the markdown summary to `out`, writes the files, and returns 0 (no
// regression), 1 (at least one significant regression) or 2 (bad references or database; the
// message goes to `err`).
int run_regress(const RegressOptions& options, std::ostream& out, std::ostream& err);

}  // namespace wirelab::analysis

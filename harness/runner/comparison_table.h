// The table `run` prints at the end: one row per (sweep point, protocol variant) with the
// median goodput, flow completion time and retransmitted bytes over the seeds, and integrity.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/run_spec.h"

namespace wirelab {

struct TableRun {
  std::string point;   // "link.loss=0.02" (or "-" without a sweep)
  std::string label;   // protocol variant
  std::string status;  // ok | failed | timeout
  std::map<std::string, double> metrics;
};

// Rows keep first-appearance order of points, then of labels within a point.
std::string render_comparison_table(const std::vector<TableRun>& runs);

}  // namespace wirelab

// A WorkloadRecord as the metrics of CONTRACT section 4 (rpc and stream; bulk metrics need the
// transport's counters too and are made by the backends). Percentiles are nearest-rank: the
// smallest sample with at least q of the samples at or below it.
#pragma once

#include <string>
#include <vector>

#include "protocols/workloads/session.h"

namespace wirelab::workloads {

struct NamedValue {
  std::string name;
  double value;
  std::string unit;
};

double percentile(std::vector<double> values, double q);

// rpc: requests_completed, requests_shed, throughput_rps, latency_p50_s/p99_s/p999_s,
// integrity_ok (every request answered, every response byte as written).
std::vector<NamedValue> rpc_metrics(const WorkloadRecord& client, std::uint64_t requests);
// stream: the rpc metrics plus ttft_p50_s/p99_s, itl_p50_s/p99_s, stalls, tokens_received.
std::vector<NamedValue> stream_metrics(const WorkloadRecord& client, std::uint64_t requests);

}  // namespace wirelab::workloads

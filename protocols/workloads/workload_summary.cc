#include "protocols/workloads/workload_summary.h"

#include <algorithm>
#include <cmath>

namespace wirelab::workloads {

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::vector<NamedValue> rpc_metrics(const WorkloadRecord& r, std::uint64_t requests) {
  std::vector<NamedValue> m;
  m.push_back({"requests_completed", static_cast<double>(r.requests_completed), "count"});
  m.push_back({"requests_shed", static_cast<double>(r.requests_shed), "count"});
  double span_s = 0;
  if (r.first_request_at && r.last_response_at) span_s = to_seconds(*r.last_response_at - *r.first_request_at);
  m.push_back({"throughput_rps", span_s > 0 ? r.requests_completed / span_s : 0.0, "1/s"});
  if (!r.latency_s.empty()) {
    m.push_back({"latency_p50_s", percentile(r.latency_s, 0.50), "s"});
    m.push_back({"latency_p99_s", percentile(r.latency_s, 0.99), "s"});
    m.push_back({"latency_p999_s", percentile(r.latency_s, 0.999), "s"});
  }
  const bool all_answered = r.requests_completed + r.requests_shed == requests;
  m.push_back({"integrity_ok", all_answered && r.responses_intact ? 1.0 : 0.0, "bool"});
  return m;
}

std::vector<NamedValue> stream_metrics(const WorkloadRecord& r, std::uint64_t requests) {
  std::vector<NamedValue> m = rpc_metrics(r, requests);
  if (!r.ttft_s.empty()) {
    m.push_back({"ttft_p50_s", percentile(r.ttft_s, 0.50), "s"});
    m.push_back({"ttft_p99_s", percentile(r.ttft_s, 0.99), "s"});
  }
  if (!r.itl_s.empty()) {
    m.push_back({"itl_p50_s", percentile(r.itl_s, 0.50), "s"});
    m.push_back({"itl_p99_s", percentile(r.itl_s, 0.99), "s"});
  }
  m.push_back({"stalls", static_cast<double>(r.stalls), "count"});
  m.push_back({"tokens_received", static_cast<double>(r.tokens_received), "count"});
  return m;
}

}  // namespace wirelab::workloads

// From a run's WorkloadSpec to the workload sessions of protocols/workloads, and from what they
// recorded to the metrics of CONTRACT section 4: shared by every backend that hosts sessions
// (sim's EndpointApplication and TCP session host, the real backend's loops), so a workload
// means the same on each. Header-only and C++17-clean (sim includes it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "harness/run_spec.h"
#include "protocols/workloads/bulk_session.h"
#include "protocols/workloads/request_sessions.h"
#include "protocols/workloads/workload_summary.h"

namespace wirelab {

inline bool is_request_workload(const WorkloadSpec& w) {
  return w.kind == WorkloadSpec::Kind::kRpc || w.kind == WorkloadSpec::Kind::kStream;
}

inline workloads::RequestOptions request_options(const WorkloadSpec& w, std::uint64_t content_seed) {
  workloads::RequestOptions o;
  o.requests = w.requests;
  o.request_bytes = w.request_bytes;
  o.rate_rps = w.rate_rps;
  o.concurrency = w.concurrency.value_or(1);
  o.content_seed = content_seed;
  o.arrival_seed = content_seed ^ 0xa5a5a5a5a5a5a5a5ULL;
  if (w.kind == WorkloadSpec::Kind::kStream) {
    o.steps = w.tokens;
    o.step_bytes = w.token_bytes;
    o.token_timing = true;
    o.stall_threshold = seconds_to_duration(w.stall_threshold());
  } else {
    o.steps = 1;
    o.step_bytes = w.response_bytes - workloads::kResponseHeaderBytes;
  }
  return o;
}

inline runtime::OverflowPolicy overflow_policy(const std::string& name) {
  if (name == "block") return runtime::OverflowPolicy::block;
  if (name == "shed-oldest") return runtime::OverflowPolicy::shed_oldest;
  return runtime::OverflowPolicy::reject;
}

inline workloads::ServerOptions server_options(const WorkloadSpec& w, std::uint64_t content_seed) {
  const workloads::RequestOptions r = request_options(w, content_seed);
  workloads::ServerOptions o;
  o.queue = w.server.queue;
  o.overflow = overflow_policy(w.server.overflow);
  o.steps = r.steps;
  o.step_bytes = r.step_bytes;
  o.content_seed = content_seed;
  return o;
}

// The time one step of a request holds a worker in simulated time: an rpc's service time
// (fixed or exponential around its mean), or one token's cost (token_cost; the tokens of one
// request start token_interval apart, step_interval below).
inline runtime::ServiceTimeModel step_service_model(const WorkloadSpec& w) {
  if (w.kind == WorkloadSpec::Kind::kStream) return runtime::fixed_service_time(seconds_to_duration(w.token_cost_s));
  const Duration mean = seconds_to_duration(w.server.service_time_s);
  return w.server.exponential_service ? runtime::exponential_service_time(mean) : runtime::fixed_service_time(mean);
}

// How far apart the steps of one job start: token_interval for stream, back to back for rpc.
inline Duration step_interval(const WorkloadSpec& w) {
  return w.kind == WorkloadSpec::Kind::kStream ? seconds_to_duration(w.token_interval_s) : Duration::zero();
}

// The client (true) or server session of a request workload over `connection`.
inline std::unique_ptr<workloads::Session> make_request_session(const WorkloadSpec& w, bool client,
                                                                std::uint64_t content_seed,
                                                                StreamApi& connection,
                                                                std::shared_ptr<runtime::JobRunner> runner) {
  if (client) return std::make_unique<workloads::RequestClient>(connection, request_options(w, content_seed));
  return std::make_unique<workloads::RequestServer>(connection, std::move(runner), server_options(w, content_seed));
}

// The rpc or stream metrics of a client's record, as RunResult metrics.
inline void add_request_metrics(const WorkloadSpec& w, const workloads::WorkloadRecord& client, RunResult& result) {
  const auto metrics = w.kind == WorkloadSpec::Kind::kStream ? workloads::stream_metrics(client, w.requests)
                                                             : workloads::rpc_metrics(client, w.requests);
  for (const auto& m : metrics) result.add(m.name, m.value, m.unit);
}

}  // namespace wirelab

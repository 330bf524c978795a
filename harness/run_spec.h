// One fully resolved run: what the runner hands a backend (sim, real, emu), and what it gets back.
//
// The scenario parser produces these from a scenario file and a sweep point; backends know
// nothing of YAML. Every quantity is in SI units (seconds, bits/s, bytes). C++17-clean, since
// the ns-3 backend includes it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocols/workloads/bulk_content.h"

namespace wirelab {

enum class Backend { kSim, kReal, kEmu };

enum class JitterDistribution { kUniform, kNormal, kPareto };

// One step of `link.loss_schedule`: from start_s (link time) on, Bernoulli loss p.
struct LossPhase {
  double start_s = 0;
  double p = 0;
};

struct LossSpec {
  enum class Model { kBernoulli, kGilbertElliott };
  Model model = Model::kBernoulli;
  double p = 0;            // Bernoulli: loss probability. Gilbert-Elliott: P(good -> bad)
  double r = 1;            // Gilbert-Elliott: P(bad -> good)
  double loss_good = 0;    // Gilbert-Elliott: loss probability in the good state
  double loss_bad = 1;     // Gilbert-Elliott: loss probability in the bad state
  // link.loss_schedule: piecewise-constant Bernoulli loss over time (first phase at 0, starts
  // strictly increasing). When set, it replaces `p` (the parser keeps the two exclusive).
  std::vector<LossPhase> schedule;
};

struct QueueSpec {
  enum class Unit { kPackets, kBytes };
  Unit unit = Unit::kPackets;
  std::uint64_t limit = 100;
};

struct LinkSpec {
  double rate_bps = 20e6;
  double delay_s = 0.025;        // one-way propagation delay
  double jitter_s = 0;           // scale of the extra per-packet delay
  JitterDistribution jitter_distribution = JitterDistribution::kUniform;
  bool reorder = false;          // false: jitter never reorders packets (FIFO kept)
  LossSpec loss;
  QueueSpec queue;
  std::uint32_t mtu = 1500;
};

struct TopologySpec {
  enum class Kind { kPointToPoint, kDumbbell, kStar };
  Kind kind = Kind::kPointToPoint;
  std::uint32_t flows = 1;
  std::string placement = "loopback";  // real backend: loopback | namespaces
};

struct WorkloadSpec {
  enum class Kind { kBulk, kRpc, kStream, kMulticast };
  Kind kind = Kind::kBulk;
  std::optional<std::uint64_t> bytes;   // bulk/multicast; nullopt: timed transfer of `duration`
  BulkData data;                        // bulk: what the bytes are (protocols/workloads/bulk_content.h)
  // rpc
  std::uint64_t request_bytes = 100;
  std::uint64_t response_bytes = 1000;
  std::optional<double> rate_rps;       // open loop (Poisson arrivals)
  std::optional<std::uint32_t> concurrency;  // closed loop
  std::uint64_t requests = 1000;
  // stream (inference-style token streaming)
  std::uint32_t tokens = 100;
  std::uint64_t token_bytes = 16;
  double token_interval_s = 0.02;
  // stream, sim: the worker time one token costs. The default is TokenModel's cost per token
  // (the Eigen model the real backend runs), measured by `./lab bench --filter token_model` on
  // the 2-core VM: 13 us.
  double token_cost_s = 13e-6;
  std::optional<double> stall_threshold_s;  // default: 4 x token_interval (100 ms when that is 0)
  // rpc and stream: the server, a pool of workers of the worker runtime behind a bounded queue.
  struct Server {
    std::uint32_t workers = 4;
    double service_time_s = 0.001;        // rpc: mean service time per request
    bool exponential_service = true;      // rpc: exponential (default) or fixed service times
    std::uint64_t queue = 64;             // admitted requests waiting for a worker
    std::string overflow = "reject";      // reject | shed-oldest | block
  } server;

  double stall_threshold() const {
    return stall_threshold_s ? *stall_threshold_s : token_interval_s > 0 ? 4 * token_interval_s : 0.1;
  }
};

// A protocol variant as named in the scenario. Options are validated by the parser against
// the protocol's known keys and kept as strings in canonical SI form (e.g. "18000000").
struct ProtocolSpec {
  std::string name;   // pfs | tcp | udp | quic
  std::string label;  // e.g. tcp-cubic
  std::map<std::string, std::string> options;

  const std::string* option(const std::string& key) const {
    auto it = options.find(key);
    return it == options.end() ? nullptr : &it->second;
  }
};

struct RunSpec {
  Backend backend = Backend::kSim;
  std::string scenario_name;
  std::uint64_t seed = 1;
  double duration_s = 60;   // upper bound per run
  TopologySpec topology;
  LinkSpec link;            // forward (sender -> receiver) bottleneck
  LinkSpec reverse;         // reverse direction (defaults to a copy of `link`)
  WorkloadSpec workload;
  ProtocolSpec protocol;
  bool capture = false;
  // Where this run's capture files go when capture is on: <capture_stem>.pcap, and for QUIC the
  // TLS key log <capture_stem>.keys. The runner sets it (unique per run: scenario, label, sweep
  // point, seed); left empty, backends use <capture_dir or .>/<scenario>-<label>-seed<N>.
  std::string capture_stem;
  std::string capture_dir;

  std::string capture_file_stem() const {
    if (!capture_stem.empty()) return capture_stem;
    return (capture_dir.empty() ? std::string(".") : capture_dir) + "/" + scenario_name + "-" + protocol.label +
           "-seed" + std::to_string(seed);
  }
};

struct Metric {
  std::string name;
  double value;
  std::string unit;
};

struct SeriesPoint {
  std::string name;  // cwnd_bytes, rtt_s, goodput_bps, ...
  double t_s;
  double value;
};

// A file a run wrote beside its metrics, recorded in the database's artifacts table.
struct Artifact {
  std::string kind;  // pcap | keylog
  std::string path;
};

struct RunResult {
  enum class Status { kOk, kFailed, kTimeout };
  Status status = Status::kOk;
  std::string error;
  double sim_seconds = 0;
  std::vector<Metric> metrics;
  std::vector<SeriesPoint> series;
  std::vector<Artifact> artifacts;
  // Log lines the run produced (PFS adaptive tuning's decisions); the runner writes them to a
  // file beside the database and records it as an artifact of kind `log`.
  std::vector<std::string> log;

  void add(std::string name, double value, std::string unit) {
    metrics.push_back({std::move(name), value, std::move(unit)});
  }
  const Metric* find(const std::string& name) const {
    for (const auto& m : metrics)
      if (m.name == name) return &m;
    return nullptr;
  }
};

}  // namespace wirelab

// Run specs for the sim tests: the 20 Mbit/s, 25 ms, 100-packet bottleneck of the quickstart
// scenario, with small transfers so each run takes a fraction of a second of wall time.
#pragma once

#include <cstdint>
#include <string>

#include "harness/run_spec.h"

namespace wirelab::sim::testing {

inline RunSpec bulk_spec(const std::string& protocol, const std::string& cc, std::uint64_t bytes,
                         double loss = 0, std::uint64_t seed = 1) {
  RunSpec spec;
  spec.scenario_name = "sim-test";
  spec.seed = seed;
  spec.duration_s = 60;
  spec.link.rate_bps = 20e6;
  spec.link.delay_s = 0.025;
  spec.link.queue = QueueSpec{QueueSpec::Unit::kPackets, 100};
  spec.link.loss.p = loss;
  spec.reverse = spec.link;
  spec.workload.bytes = bytes;
  spec.protocol.name = protocol;
  spec.protocol.label = cc.empty() ? protocol : protocol + "-" + cc;
  if (!cc.empty()) spec.protocol.options["cc"] = cc;
  return spec;
}

inline RunSpec udp_spec(double rate_bps, std::uint64_t bytes, double loss = 0, std::uint64_t seed = 1) {
  RunSpec spec = bulk_spec("udp", "", bytes, loss, seed);
  spec.protocol.options["rate"] = std::to_string(static_cast<std::uint64_t>(rate_bps));
  return spec;
}

inline double metric(const RunResult& result, const std::string& name) {
  const Metric* m = result.find(name);
  return m ? m->value : -1;
}

}  // namespace wirelab::sim::testing

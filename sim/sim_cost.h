// What simulating costs: wall seconds per simulated gigabyte for a hosted transport (PFS)
// and for ns-3's own BulkSendApplication TCP, measured back to back on the same link in one
// process, so docs/PERFORMANCE.md can state both from one command (wirelab-sim-cost).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/run_spec.h"
#include "sim/hosted_transport.h"

namespace wirelab::sim {

struct SimCost {
  std::string name;            // "pfs", "ns3-bulksend-tcp-cubic", ...
  std::uint64_t bytes = 0;     // application bytes delivered
  double wall_s = 0;
  double sim_s = 0;
  std::uint64_t events = 0;    // ns-3 events executed
  double wall_s_per_gb() const { return bytes ? wall_s / (bytes / 1e9) : 0; }
};

// Transfers `bytes` over `link` (both directions alike, point-to-point) with a transport built
// by `factory` through EndpointApplication.
SimCost measure_hosted_cost(const std::string& name, const LinkSpec& link, std::uint64_t bytes,
                            const TransportFactory& factory);

// The same transfer with ns-3's BulkSendApplication (zeros, no integrity check) and PacketSink
// over ns-3 TCP configured as the TCP baseline is (`cc`: newreno, cubic, bbr, ...).
SimCost measure_bulksend_cost(const LinkSpec& link, std::uint64_t bytes, const std::string& cc);

}  // namespace wirelab::sim

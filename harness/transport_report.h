// What a hosted sans-IO transport reports beside its workload — PFS FEC's counters and the
// notes of PFS adaptive tuning — turned into a run's metrics, series and log lines. Shared by
// every backend that hosts transports (sim's EndpointApplication, the real and emu backends'
// EndpointLoop), so `fec_repair_bytes` or an `adaptive_fec_m` point means the same on each.
// Header-only and C++17-clean (sim includes it).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "harness/run_spec.h"
#include "protocols/core/endpoint.h"

namespace wirelab {

// Whether a run's transport may send FEC repair: pfs with a `fec` other than off, or with
// `adaptive: true` (whose arms switch FEC on and off while it runs).
inline bool may_send_fec_repair(const ProtocolSpec& protocol) {
  if (protocol.name != "pfs") return false;
  const std::string* fec = protocol.option("fec");
  const std::string* adaptive = protocol.option("adaptive");
  return (fec && *fec != "off") || (adaptive && *adaptive == "true");
}

// fec_repair_bytes: UDP payload bytes of the repair packets the senders sent (their IP packets
// are inside wire_bytes); fec_recovered_packets: lost packets the receivers rebuilt. Only for
// runs that may send repair, so a run without FEC has no such rows (not zeros that look measured).
inline void add_fec_metrics(const ProtocolSpec& protocol, std::uint64_t repair_bytes,
                            std::uint64_t recovered_packets, RunResult& result) {
  if (!may_send_fec_repair(protocol)) return;
  result.add("fec_repair_bytes", static_cast<double>(repair_bytes), "bytes");
  result.add("fec_recovered_packets", static_cast<double>(recovered_packets), "count");
}

// Each note's series values as points at the note's time, and its line prefixed with that
// time, "t=12.345s adaptive: ...". `seconds_of` maps a transport Timestamp to the run's clock
// (sim: simulated seconds; real and emu: wall seconds since the run started), which only the
// host knows: the transport's own clock may start anywhere (CLOCK_MONOTONIC on real).
template <typename SecondsOf>
void add_transport_notes(const std::vector<TransportNote>& notes, SecondsOf seconds_of, RunResult& result) {
  for (const TransportNote& note : notes) {
    const double at_s = seconds_of(note.at);
    for (const auto& [name, value] : note.series) result.series.push_back({name, at_s, value});
    if (note.line.empty()) continue;
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "t=%.3fs ", at_s);
    result.log.push_back(stamp + note.line);
  }
}

}  // namespace wirelab

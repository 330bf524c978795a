// Workload kind multicast in the sim backend: PFS multicast (protocols/multicast) from one sender
// to topology.flows receivers over the star of sim/star_topology.h.
//
// Metrics (CONTRACT section 4, multicast):
//   completion_s        from the sender's first datagram (t = 0) to the moment the LAST receiver
//                       holds every byte; completion_s_rN the same for receiver N
//   repair_ratio        repair bytes sent / content bytes: the UDP payload of every PARITY and
//                       retransmitted DATA datagram the sender multicast, over workload.bytes
//   integrity_ok        1 when every receiver got every byte exactly once, in order, digest equal
//   goodput_bps         workload.bytes * 8 / completion_s (the content rate the last receiver saw)
//   wire_bytes          IP bytes the sender's uplink carried (each multicast datagram once)
// plus the protocol's counters: nacks_sent, nacks_suppressed, nack_entries_ignored,
// parity_packets, retransmitted_packets, repair_rounds, blocks_rebuilt.
#pragma once

#include "harness/run_spec.h"

namespace wirelab::sim {

RunResult run_multicast(const RunSpec& spec);

// The sender's pacing rate: this share of link.rate (each receiver link carries every datagram).
inline constexpr double kMulticastPaceShare = 0.95;

}  // namespace wirelab::sim

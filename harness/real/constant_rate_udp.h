// The UDP baseline of the real backend: a sender that emits fixed-size datagrams at a constant
// rate (no feedback, no retransmission) and a receiver that counts what arrived.
//
// Each datagram carries its sequence number in its first 8 bytes (little-endian), so the
// receiver counts reordering as well as loss.
#pragma once

#include <cstdint>
#include <optional>

#include "harness/real/flow_record.h"
#include "harness/real/placement.h"
#include "harness/real/run_control.h"

namespace wirelab::real {

struct ConstantRateUdpConfig {
  double rate_bps = 0;
  std::uint32_t datagram_bytes = 1472;       // UDP payload
  std::optional<std::uint64_t> bulk_bytes;   // nullopt: send until the run's deadline
  double drain_s = 0.05;                     // how long the receiver waits after the last datagram
  bool segmentation_offload = true;          // false: no UDP GSO (one packet per datagram on the wire)
  BeforeTraffic before_traffic;              // called with both ends bound, before the first datagram
};

// Runs sender (calling thread) and receiver (own thread) between the placement's ends until the sender is done
// and the drain time has passed, or the run stops. Errors go to control.fail.
void run_constant_rate_udp_flow(const ConstantRateUdpConfig& config, const Placement& placement, FlowRecord& record,
                                RunControl& control);

}  // namespace wirelab::real

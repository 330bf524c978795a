// What one flow of a run measured, filled in by whichever application carried it (hosted
// sans-IO transport, ns-3 TCP, constant-rate UDP) and turned into metrics by the backend.
//
// Times are simulated seconds. A flow is "done" when its receiver has every byte (bulk) or its
// sender has stopped and the last datagram had time to arrive (UDP).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocols/core/endpoint.h"
#include "protocols/workloads/session.h"

namespace wirelab::sim {

struct FlowRecord {
  double start_s = 0;                 // client connect() / SYN / first datagram
  std::optional<double> last_byte_s;  // last byte delivered in order to the receiving app
  bool done = false;
  std::uint64_t bytes_delivered = 0;  // in-order payload bytes handed to the receiving app
  std::uint64_t retransmitted_bytes = 0;
  bool retransmissions_counted = true;  // false: the transport cannot count them (no metric)
  bool integrity_ok = false;
  std::uint64_t content_digest = 0;   // BulkContentCheck::digest() of what was delivered
  std::string error;                  // why the transport gave up, if it did
  std::vector<double> rtt_samples_s;
  // IP packets the sender emitted towards the receiver: the hosted transport's datagrams, ns-3
  // TCP's segments (data, pure ACKs, SYN, FIN: its Tx trace), the UDP sender's datagrams.
  std::uint64_t packets_sent = 0;
  // What the sending transport asked to record (PFS adaptive tuning's decisions): series points
  // and log lines, in order.
  std::vector<TransportNote> notes;
  // PFS FEC: repair bytes the sender sent, packets the receiver rebuilt from repair.
  std::uint64_t fec_repair_bytes = 0;
  std::uint64_t fec_recovered_packets = 0;
  // Latest values for the sparse series.
  std::uint64_t cwnd_bytes = 0;
  double latest_rtt_s = 0;
  // UDP baseline.
  std::uint64_t datagrams_sent = 0;
  std::uint64_t datagrams_received = 0;
  std::uint64_t datagrams_reordered = 0;  // arrived with a sequence number below one seen before
  std::uint64_t highest_sequence_seen = 0;
  std::optional<double> last_rx_s;
  // What the measuring side's workload session recorded (rpc and stream metrics come from here).
  workloads::WorkloadRecord workload;
};

// Called once by a flow's application when the flow is done; the backend stops the simulation
// when every flow has called it.
using FlowDone = std::function<void()>;

}  // namespace wirelab::sim

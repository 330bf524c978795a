// What one flow of a real run records while it runs; real_backend turns it into metrics.
//
// The same fields as sim's FlowRecord, so a metric means the same in both backends. The client
// (sender) thread and the server (receiver) thread write disjoint fields; the backend reads
// them only after joining both threads. Failures go to RunControl::fail, which both may call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/run_spec.h"
#include "protocols/core/endpoint.h"
#include "protocols/workloads/session.h"

namespace wirelab::real {

struct FlowRecord {
  // Seconds since the run's start (RunControl::started_at).
  double start_s = 0;                 // client connect() / first datagram
  std::optional<double> last_byte_s;  // last byte delivered in order to the receiving app
  bool done = false;                  // the receiver saw the end of the transfer
  std::uint64_t bytes_delivered = 0;  // in-order payload bytes handed to the receiving app
  std::uint64_t retransmitted_bytes = 0;
  bool retransmissions_counted = true;  // false: the transport cannot count them (no metric)
  std::uint64_t wire_bytes = 0;       // sender -> receiver IP bytes (see real_backend.cc)
  std::uint64_t tcp_segments_sent = 0;  // kernel TCP: tcpi_segs_out of the sending socket
  bool integrity_ok = false;
  std::uint64_t content_digest = 0;
  std::vector<double> rtt_samples_s;
  std::vector<SeriesPoint> sender_series;    // cwnd_bytes, rtt_s
  std::vector<SeriesPoint> receiver_series;  // goodput_bps
  // What the client's transport asked to record (PFS adaptive tuning's decisions), in order.
  std::vector<TransportNote> notes;
  // PFS FEC: repair bytes the client sent (client thread), packets the server rebuilt from
  // repair (server thread).
  std::uint64_t fec_repair_bytes = 0;
  std::uint64_t fec_recovered_packets = 0;
  // UDP baseline.
  std::uint64_t datagrams_sent = 0;
  std::uint64_t datagrams_received = 0;
  std::uint64_t datagrams_reordered = 0;
  std::uint64_t highest_sequence_seen = 0;
  std::optional<double> last_rx_s;
  // What the measuring side's workload session recorded (rpc and stream metrics come from here;
  // the client's, written by the client's thread).
  workloads::WorkloadRecord workload;
};

}  // namespace wirelab::real

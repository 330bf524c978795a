// A workload's application side, written once for every host: the sans-IO twin of an endpoint.
//
// A Session sits on one connection's StreamApi (a PFS or QUIC Transport, or a TCP byte stream
// behind ByteStreamMux) and is driven by whichever host owns that connection: ns-3's
// EndpointApplication, the real backend's epoll loop, a unit test. The host calls, after any
// input and once the transport has taken it:
//   session.on_event(now, e)   for each event the connection reports (poll_event)
//   session.service(now)       always: write what may be written, read what is readable
//   ... then the transport's poll_transmit, and a timer for
//   min(transport.next_timeout(), session.next_timeout())
// A session never reads a clock or blocks; its own timers (Poisson arrivals, token production
// in simulated time) are Timestamps it reports through next_timeout().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocols/core/endpoint.h"

namespace wirelab::workloads {

// What a workload measured, in host-independent form: durations in seconds, instants as the
// host's Timestamps. Each session fills the fields of its kind; the host turns them into the
// metrics of CONTRACT section 4 (workload_summary.h).
struct WorkloadRecord {
  // bulk (receiver)
  std::uint64_t bytes_delivered = 0;
  std::optional<Timestamp> last_byte_at;
  bool integrity_ok = false;
  std::uint64_t content_digest = 0;
  // rpc and stream (client)
  std::uint64_t requests_sent = 0;
  std::uint64_t requests_completed = 0;
  std::uint64_t requests_shed = 0;        // refused by the server's admission control
  std::optional<Timestamp> first_request_at;
  std::optional<Timestamp> last_response_at;
  std::vector<double> latency_s;          // rpc: request written -> whole response read
  std::vector<double> ttft_s;             // stream: request written -> first whole token read
  std::vector<double> itl_s;              // stream: gaps between consecutive whole tokens
  std::uint64_t tokens_received = 0;
  std::uint64_t stalls = 0;               // inter-token gaps longer than the stall threshold
  bool responses_intact = true;           // every response byte was the one the server wrote
  // server: each served request's sojourn, read in full -> last output handed to the transport
  std::vector<double> sojourn_s;
  // both
  bool done = false;                      // the workload finished (the run may stop)
  std::string error;                      // why it cannot go on, if it cannot
};

class Session {
 public:
  virtual ~Session() = default;
  virtual void on_event(Timestamp now, const TransportEvent& event) = 0;
  virtual void service(Timestamp now) = 0;
  virtual Timestamp next_timeout() const { return kTimeInfinite; }
  virtual const WorkloadRecord& record() const = 0;
  bool done() const { return record().done; }
};

}  // namespace wirelab::workloads

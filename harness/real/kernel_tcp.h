// The kernel TCP baseline of the real backend, with the congestion control the scenario names
// (TCP_CONGESTION): one bulk flow over a kernel TCP connection, checked like every other bulk
// transfer (BulkContent written, BulkContentCheck on the reading side); or a request workload
// (rpc, stream) whose streams share one TCP connection through ByteStreamMux, as in sim.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/real/flow_record.h"
#include "harness/real/placement.h"
#include "harness/real/run_control.h"
#include "protocols/workloads/application_endpoint.h"
#include "protocols/workloads/bulk_content.h"

namespace wirelab::real {

// Congestion controls this kernel offers (/proc/sys/net/ipv4/tcp_available_congestion_control).
std::vector<std::string> available_congestion_controls();

// Thrown when a scenario's `cc` has no kernel counterpart here; the message lists what there is.
struct CongestionControlUnavailable : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// The kernel's name for a scenario `cc` option (newreno and linux-reno are the kernel's "reno").
std::string kernel_congestion_control(const std::string& scenario_cc);

// Runs one flow between the placement's two ends in two threads (writer: the calling thread; reader: its own),
// until the reader has the whole transfer or the run stops. The MSS is link_mtu - 40.
// Errors go to control.fail. `before_traffic`, if set, is called with both ends bound, before the SYN.
// record.tcp_segments_sent is the sender's tcpi_segs_out read after the peer's FIN was
// acknowledged, so it counts every segment the sender ever sends on this connection.
void run_kernel_tcp_flow(const std::string& kernel_cc, std::uint32_t link_mtu, const Placement& placement,
                         std::optional<std::uint64_t> bulk_bytes,
                         const BulkContent& content, FlowRecord& record, RunControl& control,
                         const BeforeTraffic& before_traffic = {});

// rpc and stream: one TCP connection (TCP_NODELAY, MSS link_mtu - 40), a ByteStreamMux on each
// end carrying the sessions the factories make, each end in its own non-blocking epoll loop (the
// server's in its own thread, also woken by `server_wake_fd` when not -1: its RealJobRunner).
// The client measures: its session's record goes into record.workload, and its done() stops
// the run. Errors go to control.fail.
void run_kernel_tcp_sessions(const std::string& kernel_cc, std::uint32_t link_mtu, const Placement& placement,
                             const workloads::SessionFactory& client_session,
                             const workloads::SessionFactory& server_session, int server_wake_fd,
                             FlowRecord& record, RunControl& control, const BeforeTraffic& before_traffic = {});

}  // namespace wirelab::real

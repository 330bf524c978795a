// One sans-IO Transport and the workload Session on top of it (protocols/workloads: bulk, rpc,
// stream), hosted on a kernel UDP socket by an epoll loop, in the calling thread.
//
// The real-socket twin of sim's EndpointApplication: the same host loop on the same
// ApplicationEndpoint (datagrams in, timeout, poll_transmit until it declines, the session
// taking its turn in the first call), so a workload means the same in both backends. The loop
// waits in epoll_pwait2 on the socket, the run's stop eventfd and, for a server whose work runs
// on a RealJobRunner, the runner's wake eventfd, with the endpoint's next_timeout() (the
// transport's and the session's) as the wait's timeout (nanosecond resolution, unlike
// epoll_wait's milliseconds). Datagrams move in batches (recvmmsg in, sendmmsg out).
//
// The measuring side (the bulk receiver; the rpc/stream client) stops the run once its session
// is done, after flushing what its transport still wants to send.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "harness/real/datagram_socket.h"
#include "harness/real/flow_record.h"
#include "harness/real/run_control.h"
#include "protocols/core/endpoint.h"
#include "protocols/workloads/application_endpoint.h"

namespace wirelab::real {

class EndpointLoop {
 public:
  enum class Role { kClient, kServer };

  // `socket` is bound already; the client sends to `peer`, the server learns its peer from the
  // first datagram. `measures`: this side's session measures the flow (its record goes into
  // `record`, and its done() stops the run). `wake_fd` (or -1): an eventfd that says the
  // session has work (a RealJobRunner's completions).
  EndpointLoop(std::unique_ptr<Transport> transport, const workloads::SessionFactory& make_session, Role role,
               bool measures, DatagramSocket& socket, std::optional<sockaddr_in> peer, FlowRecord& record,
               RunControl& control, int wake_fd = -1);
  ~EndpointLoop();
  EndpointLoop(const EndpointLoop&) = delete;
  EndpointLoop& operator=(const EndpointLoop&) = delete;

  // Runs until the run stops (the measuring side stops it when its session is done, anyone on
  // error or at the deadline). Errors go to control.fail, never out as exceptions.
  void run();

 private:
  void receive_all(Timestamp t);
  void service(Timestamp t);
  void transmit(Timestamp t);
  void record_progress(Timestamp t);
  void sample(Timestamp t);
  void take_notes();

  workloads::ApplicationEndpoint endpoint_;
  Transport& transport_;
  Role role_;
  bool measures_;
  DatagramSocket& socket_;
  std::optional<sockaddr_in> peer_;
  FlowRecord& record_;
  RunControl& control_;
  int wake_fd_;

  int epoll_fd_ = -1;
  DatagramBatch in_;
  DatagramBatch out_;

  double last_rtt_sample_s_ = 0;
  Timestamp next_sample_at_ = kTimeZero;
  Timestamp last_bulk_batch_at_ = kTimeZero;  // busy-poll window (endpoint_loop.cc, kBusyPoll)
  std::uint64_t delivered_at_last_sample_ = 0;
};

}  // namespace wirelab::real

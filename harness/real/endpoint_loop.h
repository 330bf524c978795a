// One sans-IO Transport hosted on a kernel UDP socket by an epoll loop, in the calling thread.
//
// The real-socket twin of sim's EndpointApplication: the same host loop (datagrams in, timeout,
// datagrams out, arm the timer) and the same bulk application on top (the client writes
// BulkContent bytes on one stream, the server checks them with BulkContentCheck). The loop
// waits in epoll_pwait2 on the socket and the run's stop eventfd, with the transport's
// next_timeout() as the wait's timeout (nanosecond resolution, unlike epoll_wait's
// milliseconds). Datagrams move in batches (recvmmsg in, sendmmsg out).
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
#include "protocols/workloads/bulk_content.h"

namespace wirelab::real {

class EndpointLoop {
 public:
  enum class Role { kClient, kServer };

  // `socket` is bound already; the client sends to `peer`, the server learns its peer from the
  // first datagram. `bulk_bytes` nullopt: a timed transfer until the run stops.
  EndpointLoop(std::unique_ptr<Transport> transport, Role role, DatagramSocket& socket,
               std::optional<sockaddr_in> peer, std::optional<std::uint64_t> bulk_bytes,
               const BulkContent& content, FlowRecord& record, RunControl& control);
  ~EndpointLoop();
  EndpointLoop(const EndpointLoop&) = delete;
  EndpointLoop& operator=(const EndpointLoop&) = delete;

  // Runs until the run stops (the server stops it when the transfer is complete, anyone on
  // error or at the deadline). Errors go to control.fail, never out as exceptions.
  void run();

 private:
  void receive_all(Timestamp t);
  void service(Timestamp t);
  void handle_events(Timestamp t);
  void write_more();
  void read_stream(Timestamp t, StreamId stream);
  void sample(Timestamp t);

  std::unique_ptr<Transport> transport_;
  Role role_;
  DatagramSocket& socket_;
  std::optional<sockaddr_in> peer_;
  std::optional<std::uint64_t> bulk_bytes_;
  BulkContent content_;
  std::optional<BulkContentCheck> check_;
  FlowRecord& record_;
  RunControl& control_;

  int epoll_fd_ = -1;
  DatagramBatch in_;
  DatagramBatch out_;

  bool connected_ = false;
  std::optional<StreamId> stream_;
  std::uint64_t written_ = 0;
  bool fin_written_ = false;
  std::uint64_t chunk_offset_ = 0;
  std::vector<std::uint8_t> chunk_;
  std::vector<std::uint8_t> read_buffer_;
  double last_rtt_sample_s_ = 0;
  Timestamp next_sample_at_ = kTimeZero;
  std::uint64_t delivered_at_last_sample_ = 0;
};

}  // namespace wirelab::real

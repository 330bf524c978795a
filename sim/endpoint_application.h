// An ns-3 Application that hosts one sans-IO Transport over one ns-3 UDP socket and runs a
// bulk transfer over it: the client connects, opens one stream, writes BulkContent bytes and a
// fin; the server reads them through a BulkContentCheck.
//
// The host loop is the one in protocols/core/endpoint.h: datagrams in, on_timeout when due,
// application reads/writes, poll_transmit until it declines, then one ns-3 event armed for
// next_timeout() (re-armed only when that time changes). Timestamps are ns-3 simulated time in
// nanoseconds, so the endpoint sees exactly the simulator's clock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/inet-socket-address.h"
#include "ns3/socket.h"
#include "protocols/core/endpoint.h"
#include "protocols/workloads/bulk_content.h"
#include "sim/flow_record.h"

namespace wirelab::sim {

class EndpointApplication : public ns3::Application {
 public:
  enum class Role { kClient, kServer };

  static ns3::TypeId GetTypeId();
  EndpointApplication();
  ~EndpointApplication() override;

  // Client: sends to `peer`; server: listens on `peer`'s port and answers whoever connects.
  // `bulk_bytes` nullopt: the client writes until the simulation stops (timed transfer).
  void configure(std::unique_ptr<Transport> transport, Role role, ns3::InetSocketAddress peer,
                 std::optional<std::uint64_t> bulk_bytes, const BulkContent& content,
                 FlowRecord* record, FlowDone on_done);

  const Transport& transport() const { return *transport_; }

 private:
  void StartApplication() override;
  void StopApplication() override;
  void DoDispose() override;

  void on_readable(ns3::Ptr<ns3::Socket> socket);
  void on_timer();
  void service();                // the host loop after any input
  void handle_events(Timestamp now);
  void write_more();
  void read_stream(Timestamp now, StreamId stream);
  void arm_timer(Timestamp now);
  static Timestamp now();

  std::unique_ptr<Transport> transport_;
  Role role_ = Role::kClient;
  ns3::InetSocketAddress peer_{ns3::Ipv4Address::GetAny(), 0};
  bool peer_known_ = false;
  ns3::Ptr<ns3::Socket> socket_;
  ns3::EventId timer_;
  Timestamp timer_at_ = kTimeInfinite;
  Timestamp last_wakeup_at_ = kTimeZero;
  int wakeups_at_same_time_ = 0;
  std::vector<std::uint8_t> datagram_;
  std::vector<std::uint8_t> chunk_;       // pattern bytes at [chunk_offset_, + size)
  std::uint64_t chunk_offset_ = 0;
  std::vector<std::uint8_t> read_buffer_;

  std::optional<std::uint64_t> bulk_bytes_;
  BulkContent content_;
  std::optional<BulkContentCheck> check_;
  bool connected_ = false;
  std::optional<StreamId> stream_;
  std::uint64_t written_ = 0;
  bool fin_written_ = false;
  double last_rtt_sample_s_ = 0;
  FlowRecord* record_ = nullptr;
  FlowDone on_done_;
};

}  // namespace wirelab::sim

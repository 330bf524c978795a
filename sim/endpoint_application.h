// An ns-3 Application that hosts one sans-IO Transport and the workload Session on top of it
// (protocols/workloads: bulk, rpc, stream) over one ns-3 UDP socket.
//
// The host loop is the one in protocols/core/endpoint.h, run on an ApplicationEndpoint (the
// transport plus its session as one Endpoint): datagrams in, on_timeout when due, poll_transmit
// until it declines (the session takes its turn in the first call), then one ns-3 event armed
// for next_timeout() (re-armed only when that time changes). Timestamps are ns-3 simulated time
// in nanoseconds, so the endpoint and the session see exactly the simulator's clock.
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
#include "protocols/workloads/application_endpoint.h"
#include "sim/flow_record.h"

namespace wirelab::sim {

class EndpointApplication : public ns3::Application {
 public:
  enum class Role { kClient, kServer };

  static ns3::TypeId GetTypeId();
  EndpointApplication();
  ~EndpointApplication() override;

  // Client: sends to `peer`; server: listens on `peer`'s port and answers whoever connects.
  // The side given `on_done` measures the flow: its session's record goes into `record`, and
  // on_done is called once when its session is done (the bulk receiver; the rpc/stream client).
  void configure(std::unique_ptr<Transport> transport, const workloads::SessionFactory& make_session,
                 Role role, ns3::InetSocketAddress peer, FlowRecord* record, FlowDone on_done);

  const Transport& transport() const { return endpoint_->transport(); }

 private:
  void StartApplication() override;
  void StopApplication() override;
  void DoDispose() override;

  void on_readable(ns3::Ptr<ns3::Socket> socket);
  void on_timer();
  void service();                // the host loop after any input
  void record_progress(Timestamp now);
  void arm_timer(Timestamp now);
  static Timestamp now();

  std::unique_ptr<workloads::ApplicationEndpoint> endpoint_;
  Role role_ = Role::kClient;
  ns3::InetSocketAddress peer_{ns3::Ipv4Address::GetAny(), 0};
  bool peer_known_ = false;
  ns3::Ptr<ns3::Socket> socket_;
  ns3::EventId timer_;
  Timestamp timer_at_ = kTimeInfinite;
  Timestamp last_wakeup_at_ = kTimeZero;
  int wakeups_at_same_time_ = 0;
  std::vector<std::uint8_t> datagram_;
  double last_rtt_sample_s_ = 0;
  FlowRecord* record_ = nullptr;
  FlowDone on_done_;
};

}  // namespace wirelab::sim

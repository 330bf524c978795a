// ns-3's TCP carrying a request workload (rpc, stream): one TCP connection per flow, the
// workload's streams multiplexed onto it by ByteStreamMux (so TCP's head-of-line blocking is
// what the workload sees), the Session the same one PFS and QUIC carry (protocols/workloads).
//
// Host loop (pump): events of the mux to the session, session.service(now), the mux's output
// into the socket as far as its send buffer takes it, events again, and one ns-3 event armed for
// the session's next_timeout() (arrivals, job completions). Socket set up by configure_tcp
// (segment size from the MTU, Nagle off, ...).
#pragma once

#include <memory>
#include <vector>

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/inet-socket-address.h"
#include "ns3/socket.h"
#include "protocols/workloads/application_endpoint.h"
#include "protocols/workloads/byte_stream_mux.h"
#include "sim/flow_record.h"

namespace wirelab::sim {

class TcpSessionApplication : public ns3::Application {
 public:
  enum class Role { kClient, kServer };
  static ns3::TypeId GetTypeId();
  TcpSessionApplication();
  ~TcpSessionApplication() override;

  // Client connects to `peer`; server listens on its port and serves one connection. The side
  // given `on_done` measures the flow (see EndpointApplication::configure).
  void configure(const workloads::SessionFactory& make_session, Role role, ns3::InetSocketAddress peer,
                 FlowRecord* record, FlowDone on_done);

 private:
  void StartApplication() override;
  void StopApplication() override;
  void DoDispose() override;
  void on_connected(ns3::Ptr<ns3::Socket> socket);
  void on_failed(ns3::Ptr<ns3::Socket> socket);
  bool on_connection_request(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from);
  void on_accept(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from);
  void on_readable(ns3::Ptr<ns3::Socket> socket);
  void on_send_space(ns3::Ptr<ns3::Socket> socket, std::uint32_t available);
  void on_closed(ns3::Ptr<ns3::Socket> socket);
  void attach(ns3::Ptr<ns3::Socket> socket);
  void pump();
  void deliver_events(Timestamp now);
  static Timestamp now();

  Role role_ = Role::kClient;
  ns3::InetSocketAddress peer_{ns3::Ipv4Address::GetAny(), 0};
  std::unique_ptr<workloads::ByteStreamMux> mux_;
  std::unique_ptr<workloads::Session> session_;
  ns3::Ptr<ns3::Socket> listener_;
  ns3::Ptr<ns3::Socket> socket_;
  ns3::EventId timer_;
  Timestamp timer_at_ = kTimeInfinite;
  std::vector<std::uint8_t> buffer_;
  FlowRecord* record_ = nullptr;
  FlowDone on_done_;
};

}  // namespace wirelab::sim

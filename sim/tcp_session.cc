#include "sim/tcp_session.h"

#include <algorithm>

#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-factory.h"

namespace wirelab::sim {

ns3::TypeId TcpSessionApplication::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::TcpSessionApplication")
                               .SetParent<ns3::Application>()
                               .SetGroupName("Wirelab")
                               .AddConstructor<TcpSessionApplication>();
  return tid;
}

TcpSessionApplication::TcpSessionApplication() = default;
TcpSessionApplication::~TcpSessionApplication() = default;

void TcpSessionApplication::configure(const workloads::SessionFactory& make_session, Role role,
                                      ns3::InetSocketAddress peer, FlowRecord* record, FlowDone on_done) {
  role_ = role;
  peer_ = peer;
  mux_ = std::make_unique<workloads::ByteStreamMux>(role == Role::kClient);
  session_ = make_session(*mux_);
  record_ = record;
  on_done_ = std::move(on_done);
}

Timestamp TcpSessionApplication::now() {
  return timestamp_from_ns(ns3::Simulator::Now().GetNanoSeconds());
}

void TcpSessionApplication::StartApplication() {
  if (role_ == Role::kServer) {
    listener_ = ns3::Socket::CreateSocket(GetNode(), ns3::TcpSocketFactory::GetTypeId());
    listener_->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), peer_.GetPort()));
    listener_->Listen();
    listener_->SetAcceptCallback(ns3::MakeCallback(&TcpSessionApplication::on_connection_request, this),
                                 ns3::MakeCallback(&TcpSessionApplication::on_accept, this));
    return;
  }
  auto socket = ns3::Socket::CreateSocket(GetNode(), ns3::TcpSocketFactory::GetTypeId());
  socket->Bind();
  socket->SetConnectCallback(ns3::MakeCallback(&TcpSessionApplication::on_connected, this),
                             ns3::MakeCallback(&TcpSessionApplication::on_failed, this));
  attach(socket);
  record_->start_s = ns3::Simulator::Now().GetSeconds();
  socket->Connect(peer_);
}

void TcpSessionApplication::attach(ns3::Ptr<ns3::Socket> socket) {
  socket_ = socket;
  socket->SetRecvCallback(ns3::MakeCallback(&TcpSessionApplication::on_readable, this));
  socket->SetSendCallback(ns3::MakeCallback(&TcpSessionApplication::on_send_space, this));
  socket->SetCloseCallbacks(ns3::MakeCallback(&TcpSessionApplication::on_closed, this),
                            ns3::MakeCallback(&TcpSessionApplication::on_closed, this));
}

void TcpSessionApplication::StopApplication() {
  if (on_done_ && session_ && !record_->done) record_->workload = session_->record();
  ns3::Simulator::Cancel(timer_);
  timer_at_ = kTimeInfinite;
  if (socket_) {
    socket_->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
    socket_->SetSendCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>, std::uint32_t>());
  }
}

void TcpSessionApplication::DoDispose() {
  StopApplication();
  listener_ = nullptr;
  socket_ = nullptr;
  session_.reset();
  mux_.reset();
  ns3::Application::DoDispose();
}

void TcpSessionApplication::on_connected(ns3::Ptr<ns3::Socket>) {
  mux_->on_connected();
  pump();
}

void TcpSessionApplication::on_failed(ns3::Ptr<ns3::Socket>) {
  mux_->on_closed("tcp connection failed");
  pump();
}

bool TcpSessionApplication::on_connection_request(ns3::Ptr<ns3::Socket>, const ns3::Address&) {
  return !socket_;  // one connection per server
}

void TcpSessionApplication::on_accept(ns3::Ptr<ns3::Socket> socket, const ns3::Address&) {
  attach(socket);
  mux_->on_connected();
  pump();
}

void TcpSessionApplication::on_readable(ns3::Ptr<ns3::Socket> socket) {
  while (ns3::Ptr<ns3::Packet> packet = socket->Recv()) {
    const std::uint32_t size = packet->GetSize();
    if (size == 0) break;
    buffer_.resize(size);
    packet->CopyData(buffer_.data(), size);
    mux_->on_bytes(ByteView(buffer_.data(), size));
  }
  pump();
}

void TcpSessionApplication::on_send_space(ns3::Ptr<ns3::Socket>, std::uint32_t) { pump(); }

void TcpSessionApplication::on_closed(ns3::Ptr<ns3::Socket>) {
  mux_->on_closed("");
  pump();
}

void TcpSessionApplication::deliver_events(Timestamp t) {
  while (auto event = mux_->poll_event()) session_->on_event(t, *event);
}

void TcpSessionApplication::pump() {
  const Timestamp t = now();
  deliver_events(t);
  session_->service(t);
  // The mux's frames into TCP's send buffer, as far as it takes them.
  while (socket_) {
    const ByteView out = mux_->pending_output();
    const std::uint32_t room = socket_->GetTxAvailable();
    if (out.size == 0 || room == 0) break;
    const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(out.size, room));
    const int sent = socket_->Send(out.data, n, 0);
    if (sent <= 0) break;
    mux_->consume_output(static_cast<std::size_t>(sent));
  }
  deliver_events(t);
  const workloads::WorkloadRecord& work = session_->record();
  if (!work.error.empty() && record_->error.empty()) record_->error = work.error;
  if (on_done_ && !record_->done && work.done) {
    record_->workload = work;
    record_->done = true;
    on_done_();
  }
  const Timestamp wanted = session_->next_timeout();
  if (wanted == timer_at_ && timer_.IsRunning()) return;
  ns3::Simulator::Cancel(timer_);
  timer_at_ = wanted;
  if (wanted == kTimeInfinite) return;
  const std::int64_t delay_ns = std::max<std::int64_t>(0, to_ns(wanted) - to_ns(t));
  timer_ = ns3::Simulator::Schedule(ns3::NanoSeconds(delay_ns), [this] {
    timer_at_ = kTimeInfinite;
    pump();
  });
}

}  // namespace wirelab::sim

#include "sim/endpoint_application.h"

#include <algorithm>

#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"

namespace wirelab::sim {
namespace {
constexpr int kMaxWakeupsAtSameTime = 100000;
}  // namespace

ns3::TypeId EndpointApplication::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::EndpointApplication")
                               .SetParent<ns3::Application>()
                               .SetGroupName("Wirelab")
                               .AddConstructor<EndpointApplication>();
  return tid;
}

EndpointApplication::EndpointApplication() = default;
EndpointApplication::~EndpointApplication() = default;

void EndpointApplication::configure(std::unique_ptr<Transport> transport,
                                    const workloads::SessionFactory& make_session, Role role,
                                    ns3::InetSocketAddress peer, FlowRecord* record, FlowDone on_done) {
  endpoint_ = std::make_unique<workloads::ApplicationEndpoint>(std::move(transport), make_session);
  role_ = role;
  peer_ = peer;
  peer_known_ = role == Role::kClient;
  record_ = record;
  on_done_ = std::move(on_done);
  datagram_.resize(endpoint_->max_datagram_size());
}

Timestamp EndpointApplication::now() {
  return timestamp_from_ns(ns3::Simulator::Now().GetNanoSeconds());
}

void EndpointApplication::StartApplication() {
  socket_ = ns3::Socket::CreateSocket(GetNode(), ns3::UdpSocketFactory::GetTypeId());
  if (role_ == Role::kServer)
    socket_->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), peer_.GetPort()));
  else
    socket_->Bind();
  socket_->SetRecvCallback(ns3::MakeCallback(&EndpointApplication::on_readable, this));
  if (role_ == Role::kClient) {
    record_->start_s = ns3::Simulator::Now().GetSeconds();
    endpoint_->transport().connect(now());
  }
  service();
}

void EndpointApplication::StopApplication() {
  // A run that ends before the workload does keeps what the workload measured so far.
  if (on_done_ && endpoint_ && !record_->done) record_->workload = endpoint_->session().record();
  ns3::Simulator::Cancel(timer_);
  timer_at_ = kTimeInfinite;
  if (socket_) socket_->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
}

void EndpointApplication::DoDispose() {
  StopApplication();
  socket_ = nullptr;
  endpoint_.reset();
  ns3::Application::DoDispose();
}

void EndpointApplication::on_readable(ns3::Ptr<ns3::Socket> socket) {
  const Timestamp t = now();
  ns3::Address from;
  while (ns3::Ptr<ns3::Packet> packet = socket->RecvFrom(from)) {
    if (!peer_known_) {
      // The server answers the first client that reaches it; one flow per server app.
      peer_ = ns3::InetSocketAddress::ConvertFrom(from);
      peer_known_ = true;
    }
    const std::uint32_t size = packet->GetSize();
    if (size > datagram_.size()) datagram_.resize(size);
    packet->CopyData(datagram_.data(), size);
    endpoint_->on_datagram(t, ByteView(datagram_.data(), size));
  }
  service();
}

void EndpointApplication::on_timer() {
  timer_at_ = kTimeInfinite;
  service();
}

void EndpointApplication::service() {
  const Timestamp t = now();
  if (t >= endpoint_->next_timeout()) endpoint_->on_timeout(t);
  if (peer_known_) {
    MutableByteView buffer(datagram_.data(), datagram_.size());
    while (auto size = endpoint_->poll_transmit(t, buffer)) {
      socket_->SendTo(ns3::Create<ns3::Packet>(datagram_.data(), static_cast<std::uint32_t>(*size)),
                      0, peer_);
    }
  }
  record_progress(t);
  arm_timer(t);
}

void EndpointApplication::record_progress(Timestamp t) {
  const workloads::WorkloadRecord& work = endpoint_->session().record();
  if (!work.error.empty() && record_->error.empty()) record_->error = work.error;
  if (role_ == Role::kClient) {
    while (auto note = endpoint_->transport().poll_note()) record_->notes.push_back(std::move(*note));
    const TransportStats stats = endpoint_->transport().stats();
    record_->retransmitted_bytes = stats.retransmitted_bytes;
    record_->retransmissions_counted = stats.counts_retransmissions;
    record_->packets_sent = stats.datagrams_sent;
    record_->fec_repair_bytes = stats.fec_repair_bytes;
    record_->cwnd_bytes = stats.congestion_window_bytes;
    record_->latest_rtt_s = stats.latest_rtt_s;
    if (stats.latest_rtt_s > 0 && stats.latest_rtt_s != last_rtt_sample_s_) {
      // A new sample shows up as a changed latest_rtt; two equal consecutive samples count once.
      record_->rtt_samples_s.push_back(stats.latest_rtt_s);
      last_rtt_sample_s_ = stats.latest_rtt_s;
    }
  }
  if (role_ == Role::kServer) record_->fec_recovered_packets = endpoint_->transport().stats().fec_recovered_packets;
  if (!on_done_ || record_->done) return;  // only the measuring side reports
  record_->bytes_delivered = work.bytes_delivered;
  record_->content_digest = work.content_digest;
  if (work.last_byte_at) record_->last_byte_s = to_seconds(*work.last_byte_at);
  if (work.done) {
    record_->integrity_ok = work.integrity_ok;
    record_->workload = work;
    record_->done = true;
    on_done_();
  }
  (void)t;
}

void EndpointApplication::arm_timer(Timestamp t) {
  const Timestamp wanted = endpoint_->next_timeout();
  if (wanted == timer_at_ && timer_.IsRunning()) return;
  ns3::Simulator::Cancel(timer_);
  timer_at_ = wanted;
  if (wanted == kTimeInfinite) return;
  const std::int64_t delay_ns = std::max<std::int64_t>(0, to_ns(wanted) - to_ns(t));
  // A transport whose next_timeout() stays at or before `now` after on_timeout would spin
  // here forever without simulated time advancing; end the run with an error instead.
  if (delay_ns > 0 || t != last_wakeup_at_) {
    wakeups_at_same_time_ = 0;
    last_wakeup_at_ = t;
  } else if (++wakeups_at_same_time_ > kMaxWakeupsAtSameTime) {
    record_->error = "transport asks for the time again and again at t=" +
                     std::to_string(to_seconds(t)) + " s (next_timeout() <= now after on_timeout)";
    ns3::Simulator::Stop();
    return;
  }
  timer_ = ns3::Simulator::Schedule(ns3::NanoSeconds(delay_ns), &EndpointApplication::on_timer, this);
}

}  // namespace wirelab::sim

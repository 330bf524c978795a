#include "sim/udp_baseline.h"

#include <algorithm>
#include <vector>

#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"

namespace wirelab::sim {

ns3::TypeId UdpConstantRateSender::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::UdpConstantRateSender")
                               .SetParent<ns3::Application>()
                               .SetGroupName("Wirelab")
                               .AddConstructor<UdpConstantRateSender>();
  return tid;
}

void UdpConstantRateSender::configure(ns3::InetSocketAddress peer, double rate_bps,
                                      std::uint32_t datagram_bytes,
                                      std::optional<std::uint64_t> bulk_bytes, double stop_s,
                                      FlowRecord* record, FlowDone on_last_sent) {
  peer_ = peer;
  rate_bps_ = rate_bps;
  datagram_bytes_ = std::max<std::uint32_t>(datagram_bytes, 8);
  bulk_bytes_ = bulk_bytes;
  stop_s_ = stop_s;
  record_ = record;
  on_last_sent_ = std::move(on_last_sent);
}

void UdpConstantRateSender::StartApplication() {
  socket_ = ns3::Socket::CreateSocket(GetNode(), ns3::UdpSocketFactory::GetTypeId());
  socket_->Bind();
  record_->start_s = ns3::Simulator::Now().GetSeconds();
  send_one();
}

void UdpConstantRateSender::StopApplication() { ns3::Simulator::Cancel(next_); }

void UdpConstantRateSender::DoDispose() {
  ns3::Simulator::Cancel(next_);
  socket_ = nullptr;
  ns3::Application::DoDispose();
}

void UdpConstantRateSender::send_one() {
  std::uint32_t size = datagram_bytes_;
  if (bulk_bytes_) size = static_cast<std::uint32_t>(std::min<std::uint64_t>(size, *bulk_bytes_ - sent_bytes_));
  size = std::max<std::uint32_t>(size, 8);
  std::vector<std::uint8_t> payload(size, 0);
  const std::uint64_t sequence = record_->datagrams_sent;
  for (int i = 0; i < 8; ++i) payload[i] = static_cast<std::uint8_t>(sequence >> (8 * i));
  socket_->SendTo(ns3::Create<ns3::Packet>(payload.data(), size), 0, peer_);
  ++record_->datagrams_sent;
  ++record_->packets_sent;
  sent_bytes_ += size;

  const ns3::Time interval = ns3::Seconds(size * 8.0 / rate_bps_);
  const bool finished = bulk_bytes_
                            ? sent_bytes_ >= *bulk_bytes_
                            : (ns3::Simulator::Now() + interval).GetSeconds() - record_->start_s >= stop_s_;
  if (finished) {
    if (on_last_sent_) on_last_sent_();
    return;
  }
  next_ = ns3::Simulator::Schedule(interval, &UdpConstantRateSender::send_one, this);
}

ns3::TypeId UdpCountingReceiver::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::UdpCountingReceiver")
                               .SetParent<ns3::Application>()
                               .SetGroupName("Wirelab")
                               .AddConstructor<UdpCountingReceiver>();
  return tid;
}

void UdpCountingReceiver::configure(std::uint16_t port, FlowRecord* record) {
  port_ = port;
  record_ = record;
}

void UdpCountingReceiver::StartApplication() {
  socket_ = ns3::Socket::CreateSocket(GetNode(), ns3::UdpSocketFactory::GetTypeId());
  socket_->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), port_));
  socket_->SetRecvCallback(ns3::MakeCallback(&UdpCountingReceiver::on_readable, this));
}

void UdpCountingReceiver::StopApplication() {
  if (socket_) socket_->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
}

void UdpCountingReceiver::DoDispose() {
  socket_ = nullptr;
  ns3::Application::DoDispose();
}

void UdpCountingReceiver::on_readable(ns3::Ptr<ns3::Socket> socket) {
  while (ns3::Ptr<ns3::Packet> packet = socket->Recv()) {
    ++record_->datagrams_received;
    std::uint8_t header[8] = {};
    packet->CopyData(header, sizeof header);
    std::uint64_t sequence = 0;
    for (int i = 7; i >= 0; --i) sequence = (sequence << 8) | header[i];
    if (record_->datagrams_received > 1 && sequence < record_->highest_sequence_seen)
      ++record_->datagrams_reordered;
    record_->highest_sequence_seen = std::max(record_->highest_sequence_seen, sequence);
    record_->bytes_delivered += packet->GetSize();
    record_->last_rx_s = ns3::Simulator::Now().GetSeconds();
  }
}

}  // namespace wirelab::sim

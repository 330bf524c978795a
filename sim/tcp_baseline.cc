#include "sim/tcp_baseline.h"

#include <algorithm>
#include <map>
#include <vector>

#include "ns3/config.h"
#include "ns3/internet-module.h"
#include "ns3/simulator.h"
#include "sim/per_ack_rate_sampler.h"
#include "sim/tcp_cubic.h"

namespace wirelab::sim {
namespace {
constexpr std::uint64_t kSocketBufferBytes = 64u << 20;
constexpr std::uint32_t kWriteChunkBytes = 64 * 1024;

std::optional<ns3::TypeId> congestion_control(const std::string& cc) {
  static const std::map<std::string, ns3::TypeId (*)()> known = {
      // `cubic` is RFC 9438 Cubic as Linux runs it (sim/tcp_cubic.h); ns-3.37's own TcpCubic,
      // which lacks the Reno-friendly region, stays available as ns3-cubic.
      {"newreno", &ns3::TcpNewReno::GetTypeId}, {"cubic", &TcpRfc9438Cubic::GetTypeId},
      {"ns3-cubic", &ns3::TcpCubic::GetTypeId},
      {"bbr", &ns3::TcpBbr::GetTypeId},         {"ns3-bbr", &ns3::TcpBbr::GetTypeId},
      {"linux-reno", &ns3::TcpLinuxReno::GetTypeId},
      {"vegas", &ns3::TcpVegas::GetTypeId},
  };
  auto it = known.find(cc);
  if (it == known.end()) return std::nullopt;
  return it->second();
}
}  // namespace

std::optional<std::string> configure_tcp(const RunSpec& spec) {
  const std::string* cc_option = spec.protocol.option("cc");
  const std::string cc = cc_option ? *cc_option : "cubic";  // Linux's default
  const auto type = congestion_control(cc);
  if (!type)
    return "unknown tcp cc '" + cc + "' (sim supports newreno, cubic, ns3-cubic, bbr, ns3-bbr, linux-reno, vegas)";
  using ns3::Config::SetDefault;
  SetDefault("ns3::TcpL4Protocol::SocketType", ns3::TypeIdValue(*type));
  SetDefault("ns3::TcpSocket::SegmentSize", ns3::UintegerValue(spec.link.mtu - kTcpIpOverheadBytes));
  SetDefault("ns3::TcpSocket::SndBufSize", ns3::UintegerValue(kSocketBufferBytes));
  SetDefault("ns3::TcpSocket::RcvBufSize", ns3::UintegerValue(kSocketBufferBytes));
  SetDefault("ns3::TcpSocket::InitialCwnd", ns3::UintegerValue(10));
  SetDefault("ns3::TcpSocket::DelAckCount", ns3::UintegerValue(2));
  // Linux's minimum delayed-ACK timeout (40 ms) rather than ns-3's 200 ms: with a 200 ms
  // timeout and a 200 ms minimum RTO, a one-segment window after a timeout waits for the
  // delayed ACK longer than the RTO, so every segment times out again and a 2 % loss run
  // crawls at one segment per RTO for the rest of the transfer.
  SetDefault("ns3::TcpSocket::DelAckTimeout", ns3::TimeValue(ns3::MilliSeconds(40)));
  SetDefault("ns3::TcpSocketBase::Sack", ns3::BooleanValue(true));
  SetDefault("ns3::TcpSocketBase::Timestamp", ns3::BooleanValue(true));
  SetDefault("ns3::TcpSocketBase::WindowScaling", ns3::BooleanValue(true));
  SetDefault("ns3::TcpSocketBase::MinRto", ns3::TimeValue(ns3::MilliSeconds(200)));
  // BBR is a paced algorithm; ns-3 paces only when asked (Linux's fq does it for BBR).
  SetDefault("ns3::TcpSocketState::EnablePacing", ns3::BooleanValue(cc == "bbr" || cc == "ns3-bbr"));
  return std::nullopt;
}

ns3::TypeId TcpBulkSender::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::TcpBulkSender")
                               .SetParent<ns3::Application>()
                               .SetGroupName("Wirelab")
                               .AddConstructor<TcpBulkSender>();
  return tid;
}

bool uses_per_ack_rate_samples(const RunSpec& spec) {
  const std::string* cc = spec.protocol.option("cc");
  return !cc || *cc != "ns3-bbr";
}

void TcpBulkSender::configure(ns3::InetSocketAddress peer, std::optional<std::uint64_t> bulk_bytes,
                              const BulkContent& content, bool per_ack_rate_samples,
                              FlowRecord* record) {
  per_ack_rate_samples_ = per_ack_rate_samples;
  peer_ = peer;
  bulk_bytes_ = bulk_bytes;
  content_ = content;
  record_ = record;
}

void TcpBulkSender::StartApplication() {
  socket_ = per_ack_rate_samples_
                ? make_tcp_socket(GetNode())
                : ns3::Socket::CreateSocket(GetNode(), ns3::TcpSocketFactory::GetTypeId());
  socket_->TraceConnectWithoutContext("Tx", ns3::MakeCallback(&TcpBulkSender::on_tx, this));
  socket_->TraceConnectWithoutContext("RTT", ns3::MakeCallback(&TcpBulkSender::on_rtt, this));
  socket_->TraceConnectWithoutContext("CongestionWindow",
                                      ns3::MakeCallback(&TcpBulkSender::on_cwnd, this));
  socket_->Bind();
  socket_->SetConnectCallback(ns3::MakeCallback(&TcpBulkSender::on_connected, this),
                              ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
  socket_->SetSendCallback(ns3::MakeCallback(&TcpBulkSender::on_send_space, this));
  record_->start_s = ns3::Simulator::Now().GetSeconds();
  socket_->Connect(peer_);
}

void TcpBulkSender::StopApplication() {
  if (socket_) socket_->SetSendCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>, std::uint32_t>());
}

void TcpBulkSender::DoDispose() {
  socket_ = nullptr;
  ns3::Application::DoDispose();
}

void TcpBulkSender::on_connected(ns3::Ptr<ns3::Socket>) {
  connected_ = true;
  send_more();
}

void TcpBulkSender::on_send_space(ns3::Ptr<ns3::Socket>, std::uint32_t) {
  if (connected_) send_more();
}

void TcpBulkSender::send_more() {
  const std::uint64_t total = bulk_bytes_.value_or(UINT64_MAX);
  std::vector<std::uint8_t> chunk;
  while (written_ < total) {
    const std::uint32_t available = socket_->GetTxAvailable();
    if (available == 0) break;
    const auto n = static_cast<std::uint32_t>(
        std::min<std::uint64_t>({available, kWriteChunkBytes, total - written_}));
    chunk.resize(n);
    content_.fill(written_, MutableByteView(chunk.data(), n));
    const int sent = socket_->Send(ns3::Create<ns3::Packet>(chunk.data(), n));
    if (sent <= 0) break;
    written_ += static_cast<std::uint64_t>(sent);
  }
  if (bulk_bytes_ && written_ == total && !closed_) {
    closed_ = true;
    socket_->Close();  // FIN after the buffered data
  }
}

void TcpBulkSender::on_tx(ns3::Ptr<const ns3::Packet> payload, const ns3::TcpHeader& header,
                          ns3::Ptr<const ns3::TcpSocketBase>) {
  ++record_->packets_sent;  // every segment the socket hands to IP, pure ACKs and SYN/FIN too
  const std::uint32_t size = payload->GetSize();
  if (size == 0) return;
  const ns3::SequenceNumber32 seq = header.GetSequenceNumber();
  if (sent_any_ && seq < highest_sent_end_) {
    record_->retransmitted_bytes += size;
  } else {
    highest_sent_end_ = seq + size;
    sent_any_ = true;
  }
}

void TcpBulkSender::on_rtt(ns3::Time, ns3::Time rtt) {
  if (rtt.IsZero()) return;
  record_->rtt_samples_s.push_back(rtt.GetSeconds());
  record_->latest_rtt_s = rtt.GetSeconds();
}

void TcpBulkSender::on_cwnd(std::uint32_t, std::uint32_t cwnd) { record_->cwnd_bytes = cwnd; }

ns3::TypeId TcpBulkReceiver::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::TcpBulkReceiver")
                               .SetParent<ns3::Application>()
                               .SetGroupName("Wirelab")
                               .AddConstructor<TcpBulkReceiver>();
  return tid;
}

void TcpBulkReceiver::configure(std::uint16_t port, std::optional<std::uint64_t> bulk_bytes,
                                const BulkContent& content, FlowRecord* record, FlowDone on_done) {
  port_ = port;
  bulk_bytes_ = bulk_bytes;
  check_.emplace(content, bulk_bytes.value_or(UINT64_MAX));
  record_ = record;
  on_done_ = std::move(on_done);
}

void TcpBulkReceiver::StartApplication() {
  listener_ = ns3::Socket::CreateSocket(GetNode(), ns3::TcpSocketFactory::GetTypeId());
  listener_->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), port_));
  listener_->Listen();
  listener_->SetAcceptCallback(ns3::MakeCallback(&TcpBulkReceiver::on_connection_request, this),
                               ns3::MakeCallback(&TcpBulkReceiver::on_accept, this));
}

void TcpBulkReceiver::StopApplication() {
  if (connection_) connection_->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
}

void TcpBulkReceiver::DoDispose() {
  listener_ = nullptr;
  connection_ = nullptr;
  ns3::Application::DoDispose();
}

bool TcpBulkReceiver::on_connection_request(ns3::Ptr<ns3::Socket>, const ns3::Address&) {
  return !connection_;  // one flow per receiver
}

void TcpBulkReceiver::on_accept(ns3::Ptr<ns3::Socket> socket, const ns3::Address&) {
  connection_ = socket;
  socket->SetRecvCallback(ns3::MakeCallback(&TcpBulkReceiver::on_readable, this));
  socket->SetCloseCallbacks(ns3::MakeCallback(&TcpBulkReceiver::on_peer_close, this),
                            ns3::MakeCallback(&TcpBulkReceiver::on_peer_close, this));
}

void TcpBulkReceiver::on_readable(ns3::Ptr<ns3::Socket> socket) {
  while (ns3::Ptr<ns3::Packet> packet = socket->Recv()) {
    const std::uint32_t size = packet->GetSize();
    if (size == 0) break;
    buffer_.resize(size);
    packet->CopyData(buffer_.data(), size);
    check_->feed(ByteView(buffer_.data(), size));
    record_->bytes_delivered += size;
    record_->content_digest = check_->digest();
    record_->last_byte_s = ns3::Simulator::Now().GetSeconds();
  }
  // Done at the last byte rather than at the FIN: the FIN's own trip is not part of the FCT.
  if (bulk_bytes_ && record_->bytes_delivered >= *bulk_bytes_) complete();
}

void TcpBulkReceiver::on_peer_close(ns3::Ptr<ns3::Socket>) { complete(); }

void TcpBulkReceiver::complete() {
  if (record_->done) return;
  check_->finish();
  record_->integrity_ok = check_->integrity_ok();
  record_->done = true;
  if (on_done_) on_done_();
}

}  // namespace wirelab::sim

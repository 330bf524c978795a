#include "sim/endpoint_application.h"

#include <algorithm>

#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"

namespace wirelab::sim {
namespace {
// Bytes handed to Transport::write at a time; the transport's own send buffer decides how many
// it takes.
constexpr std::size_t kWriteChunkBytes = 64 * 1024;
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

void EndpointApplication::configure(std::unique_ptr<Transport> transport, Role role,
                                    ns3::InetSocketAddress peer,
                                    std::optional<std::uint64_t> bulk_bytes,
                                    const BulkContent& content, FlowRecord* record,
                                    FlowDone on_done) {
  transport_ = std::move(transport);
  role_ = role;
  peer_ = peer;
  peer_known_ = role == Role::kClient;
  bulk_bytes_ = bulk_bytes;
  content_ = content;
  if (role == Role::kServer)
    check_.emplace(content, bulk_bytes.value_or(UINT64_MAX));
  record_ = record;
  on_done_ = std::move(on_done);
  datagram_.resize(transport_->max_datagram_size());
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
    transport_->connect(now());
  }
  service();
}

void EndpointApplication::StopApplication() {
  ns3::Simulator::Cancel(timer_);
  timer_at_ = kTimeInfinite;
  if (socket_) socket_->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
}

void EndpointApplication::DoDispose() {
  StopApplication();
  socket_ = nullptr;
  transport_.reset();
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
    transport_->on_datagram(t, ByteView(datagram_.data(), size));
  }
  service();
}

void EndpointApplication::on_timer() {
  timer_at_ = kTimeInfinite;
  service();
}

void EndpointApplication::service() {
  const Timestamp t = now();
  if (t >= transport_->next_timeout()) transport_->on_timeout(t);
  handle_events(t);
  // Also without an event: a transport that frees send buffer or delivers bytes without saying
  // so still makes progress (one write/read call per service when nothing changed).
  if (role_ == Role::kClient && connected_) {
    if (!stream_) stream_ = transport_->open_stream();
    write_more();
  } else if (role_ == Role::kServer && stream_) {
    read_stream(t, *stream_);
  }
  if (peer_known_) {
    MutableByteView buffer(datagram_.data(), datagram_.size());
    while (auto size = transport_->poll_transmit(t, buffer)) {
      socket_->SendTo(ns3::Create<ns3::Packet>(datagram_.data(), static_cast<std::uint32_t>(*size)),
                      0, peer_);
    }
  }
  handle_events(t);
  if (role_ == Role::kClient) {
    const TransportStats stats = transport_->stats();
    record_->retransmitted_bytes = stats.retransmitted_bytes;
    record_->retransmissions_counted = stats.counts_retransmissions;
    record_->cwnd_bytes = stats.congestion_window_bytes;
    record_->latest_rtt_s = stats.latest_rtt_s;
    if (stats.latest_rtt_s > 0 && stats.latest_rtt_s != last_rtt_sample_s_) {
      // A new sample shows up as a changed latest_rtt; two equal consecutive samples count once.
      record_->rtt_samples_s.push_back(stats.latest_rtt_s);
      last_rtt_sample_s_ = stats.latest_rtt_s;
    }
  }
  arm_timer(t);
}

void EndpointApplication::handle_events(Timestamp t) {
  while (auto event = transport_->poll_event()) {
    switch (event->kind) {
      case TransportEvent::Kind::kConnected:
        connected_ = true;
        if (role_ == Role::kClient && !stream_) {
          stream_ = transport_->open_stream();
          write_more();
        }
        break;
      case TransportEvent::Kind::kStreamWritable:
        if (role_ == Role::kClient) write_more();
        break;
      case TransportEvent::Kind::kStreamOpened:
      case TransportEvent::Kind::kStreamReadable:
        if (role_ == Role::kServer) {
          stream_ = event->stream;  // one stream per flow
          read_stream(t, event->stream);
        }
        break;
      case TransportEvent::Kind::kClosed:
        if (!event->reason.empty() && record_->error.empty()) record_->error = event->reason;
        break;
    }
  }
}

void EndpointApplication::write_more() {
  if (!stream_ || fin_written_) return;
  const std::uint64_t total = bulk_bytes_.value_or(UINT64_MAX);
  for (;;) {
    // The pattern is generated once per chunk, not once per write attempt: a transport with a
    // nearly full send buffer takes a few bytes per call, and regenerating 64 KB each time
    // would dominate the simulation's cost.
    if (written_ >= chunk_offset_ + chunk_.size() || written_ < chunk_offset_) {
      chunk_offset_ = written_;
      chunk_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kWriteChunkBytes, total - written_)));
      content_.fill(chunk_offset_, MutableByteView(chunk_.data(), chunk_.size()));
    }
    const std::size_t skip = static_cast<std::size_t>(written_ - chunk_offset_);
    const std::size_t n = chunk_.size() - skip;
    const bool fin = bulk_bytes_.has_value() && written_ + n == total;
    const std::size_t accepted = transport_->write(*stream_, ByteView(chunk_.data() + skip, n), fin);
    written_ += accepted;
    if (fin && accepted == n) fin_written_ = true;
    if (fin_written_ || accepted < n || n == 0) break;
  }
}

void EndpointApplication::read_stream(Timestamp t, StreamId stream) {
  if (record_->done) return;
  read_buffer_.resize(kWriteChunkBytes);
  for (;;) {
    bool fin = false;
    const std::size_t n =
        transport_->read(stream, MutableByteView(read_buffer_.data(), read_buffer_.size()), &fin);
    if (n > 0) {
      check_->feed(ByteView(read_buffer_.data(), n));
      record_->bytes_delivered += n;
      record_->content_digest = check_->digest();
      record_->last_byte_s = to_seconds(t);
    }
    if (fin) {
      check_->finish();
      record_->integrity_ok = check_->integrity_ok();
      record_->done = true;
      if (on_done_) on_done_();
      return;
    }
    if (n == 0) return;
  }
}

void EndpointApplication::arm_timer(Timestamp t) {
  const Timestamp wanted = transport_->next_timeout();
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

#include "protocols/pfs/connection.h"

#include "protocols/pfs/tuning.h"

#include <algorithm>
#include <cmath>

namespace wirelab::pfs {
namespace {

std::unique_ptr<cc::CongestionController> make_controller(const PfsConfig& c) {
  cc::CcParams p;
  p.max_datagram_size = c.max_datagram_size;
  p.initial_window_packets = c.initial_window_packets;
  p.aimd_increase_packets = c.aimd_increase_packets;
  p.aimd_decrease_factor = c.aimd_decrease_factor;
  switch (c.cc) {
    case CcAlgorithm::kNewReno: return cc::make_newreno(p);
    case CcAlgorithm::kCubic: return cc::make_cubic(p);
    case CcAlgorithm::kAimd: return cc::make_aimd(p);
    case CcAlgorithm::kBbr: return cc::make_bbr(p);
  }
  return cc::make_bbr(p);
}

// Smallest packet worth building for stream data: header + STREAM overhead + some payload.
constexpr std::size_t kMinStreamRoom = 32;

}  // namespace

Connection::Connection(const PfsConfig& config, Role role, std::uint64_t seed)
    : config_(config),
      role_(role),
      random_(seed),
      cc_(make_controller(config)),
      pacer_(config.max_datagram_size),
      fec_tx_(config.fec_interleave) {
  fec_rx_active_ = config.fec.enabled();
  next_local_stream_ = role == Role::kServer ? 1 : 0;
  advertised_max_data_ = config.connection_receive_window;
  if (config.encoding == Encoding::kRefs) encoding_ = std::make_unique<ContentEncoding>(config.document_seed, ByteView(config.document_key));
  set_fec(config.fec);
  if (config.adaptive && role == Role::kClient) {
    tuner_ = std::make_unique<TuningController>(config);
    set_fec(tuner_->initial_arm().fec);
  }
}

Connection::~Connection() = default;

std::optional<TransportNote> Connection::poll_note() { return tuner_ ? tuner_->poll_note() : std::nullopt; }

void Connection::set_fec(fec::RsParams params) {
  // Validated here too: a controller's bad choice must not reach the codec half-applied.
  if (params.enabled()) {
    fec::ReedSolomon(params.k, params.m);
    if (!FecBlockEncoder::fits(params.k, config_.max_datagram_size))
      throw std::invalid_argument("set_fec: " + params.to_string() + " leaves too little room per packet");
  }
  fec_next_ = params;
  fec_tx_.set_params(params);
}

std::uint64_t Connection::send_window_bytes() const {
  const std::uint64_t cwnd = cc_->congestion_window();
  if (window_cap_packets_ == 0) return cwnd;
  return std::min<std::uint64_t>(cwnd, std::uint64_t{window_cap_packets_} * config_.max_datagram_size);
}

Connection::Stream& Connection::stream_state(StreamId id) {
  auto it = streams_.find(id);
  if (it != streams_.end()) return it->second;
  Stream& s = streams_[id];
  s.peer_max_stream_data = peer_initial_max_stream_data_;
  s.advertised_max_stream_data = config_.stream_receive_window;
  return s;
}

void Connection::connect(Timestamp now) {
  if (role_ != Role::kClient || state_ != State::kIdle) return;
  connection_id_ = static_cast<std::uint32_t>(random_.next_u64());
  state_ = State::kHandshaking;
  handshake_pending_ = true;
  restart_idle_timer(now);
}

std::optional<StreamId> Connection::open_stream() {
  if (state_ == State::kClosed || close_requested_) return std::nullopt;
  if (state_ == State::kEstablished && local_streams_opened_ >= peer_max_streams_) return std::nullopt;
  const StreamId id = next_local_stream_;
  next_local_stream_ += 4;
  ++local_streams_opened_;
  stream_state(id);
  return id;
}

std::size_t Connection::write(StreamId id, ByteView data, bool fin) {
  // Streams are bidirectional: either side writes on any stream it knows (a request stream
  // carries the response back).
  if (state_ == State::kClosed || close_requested_ || !streams_.count(id)) return 0;
  Stream& s = streams_.at(id);
  // The send buffer holds at most a stream receive window of unacknowledged bytes.
  const std::size_t n = encoding_ ? encoding_->write(id, s.send, data, fin, config_.stream_receive_window)
                                  : s.send.write(data, fin, config_.stream_receive_window);
  s.write_blocked = n < data.size;
  return n;
}

std::size_t Connection::read(StreamId id, MutableByteView out, bool* fin) {
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    if (fin) *fin = false;
    return 0;
  }
  Stream& s = it->second;
  std::size_t n;
  std::uint64_t consumed;  // stream (wire) bytes taken: what flow control counts
  if (encoding_) {
    std::string error;
    n = encoding_->read(id, s.recv, out, fin, &consumed, &error);
    if (!error.empty()) close_with(error);
  } else {
    n = s.recv.read(out, fin);
    consumed = n;
  }
  s.readable_pending = false;
  consumed_data_ += consumed;
  update_flow_credit(id, s);
  if (fin && *fin) retire_if_done(id);
  return n;
}

std::optional<MutableByteView> Connection::write_space(StreamId id, std::size_t max) {
  if (encoding_) return std::nullopt;
  if (state_ == State::kClosed || close_requested_ || !streams_.count(id)) return MutableByteView{};
  Stream& s = streams_.at(id);
  const MutableByteView space = s.send.space(max, config_.stream_receive_window);
  // A short answer may only be the ring's wrap; a spurious writable event is harmless.
  s.write_blocked = space.size < max;
  return space;
}

void Connection::commit_write(StreamId id, std::size_t n, bool fin) {
  if (encoding_ || state_ == State::kClosed || close_requested_) return;  // write_space offered nothing
  auto it = streams_.find(id);
  if (it != streams_.end()) it->second.send.commit(n, fin);
}

std::optional<ByteView> Connection::readable_bytes(StreamId id, bool* fin) {
  if (encoding_) return std::nullopt;
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    if (fin) *fin = false;
    return ByteView{};
  }
  return it->second.recv.peek(fin);
}

void Connection::consume(StreamId id, std::size_t n) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  Stream& s = it->second;
  s.recv.consume(n);
  s.readable_pending = false;
  consumed_data_ += n;
  update_flow_credit(id, s);
  if (s.recv.finished()) retire_if_done(id);
}

void Connection::retire_if_done(StreamId id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  const Stream& s = it->second;
  if (!s.recv.finished() || !s.send.fin_written() || !s.send.drained()) return;
  if (encoding_ && !encoding_->delivered(id)) return;
  if (encoding_) encoding_->forget(id);
  streams_.erase(it);
  if (!is_local(id)) {
    retired_peer_streams_.insert(id);
    ++peer_streams_retired_;
    max_streams_pending_ = true;
  }
}

void Connection::update_flow_credit(StreamId id, Stream& s) {
  // Advertise more room once the application has consumed half a window past the last offer.
  const std::uint64_t stream_target = s.recv.consumed() + config_.stream_receive_window;
  if (!s.recv.finished() && stream_target - s.advertised_max_stream_data >= config_.stream_receive_window / 2) {
    s.advertised_max_stream_data = stream_target;
    s.max_stream_data_pending = true;
  }
  const std::uint64_t conn_target = consumed_data_ + config_.connection_receive_window;
  if (conn_target - advertised_max_data_ >= config_.connection_receive_window / 2) {
    advertised_max_data_ = conn_target;
    max_data_pending_ = true;
  }
}

std::optional<TransportEvent> Connection::poll_event() {
  if (events_.empty()) return std::nullopt;
  TransportEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void Connection::close(Timestamp now) {
  if (state_ == State::kClosed || close_requested_) return;
  close_requested_ = true;
  if (state_ != State::kEstablished) close_with("");
  else check_drained();
}

void Connection::close_with(const std::string& reason) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  events_.push_back({TransportEvent::Kind::kClosed, 0, reason});
}

void Connection::restart_idle_timer(Timestamp now) {
  // Never shorter than three probe timeouts, so a slow path is not mistaken for a dead one.
  idle_deadline_ = now + std::max(config_.idle_timeout, 3 * pto_duration());
}

Duration Connection::pto_duration() const {
  return rtt_.smoothed() + std::max(4 * rtt_.variation(), Duration(kGranularity)) + kMaxAckDelay;
}

std::uint64_t Connection::connection_credit() const { return peer_max_data_ > sent_data_ ? peer_max_data_ - sent_data_ : 0; }

bool Connection::has_stream_data(std::uint64_t conn_credit) const {
  if (state_ != State::kEstablished) return false;
  for (const auto& [id, s] : streams_)
    if (s.send.next_chunk(1, s.peer_max_stream_data, conn_credit)) return true;
  return false;
}

void Connection::on_datagram(Timestamp now, ByteView datagram) {
  if (state_ == State::kClosed) return;
  ByteView payload;
  const auto header = decode_header(datagram, &payload);
  if (!header) return;
  if (role_ == Role::kServer && state_ == State::kIdle && header->type != PacketType::kInitial) return;
  if (state_ != State::kIdle && header->connection_id != connection_id_) return;
  // Decoded into a reused vector: one allocation per datagram less on the receiver.
  std::vector<Frame>& frames = frames_scratch_;
  frames.clear();
  if (!decode_frames(payload, frames)) return;  // malformed: dropped whole, never half-applied
  if (state_ == State::kIdle) {
    // A server starts only from an INITIAL that carries the client's HANDSHAKE; a client
    // probe with nothing but a PING must not leave it half-open.
    const bool has_handshake = std::any_of(frames.begin(), frames.end(), [](const Frame& f) {
      return std::holds_alternative<HandshakeFrame>(f);
    });
    if (role_ != Role::kServer || !has_handshake) return;
    connection_id_ = header->connection_id;
  }
  ++stats_.datagrams_received;

  const bool had_packets = !received_.empty();
  const std::uint64_t largest_before = had_packets ? received_.largest() : 0;
  const bool fresh = received_.insert(header->packet_number);
  // Old ranges only matter for NACKs of recent gaps; keep the record bounded.
  if (received_.largest() > 4096) received_.forget_below(received_.largest() - 4096);
  restart_idle_timer(now);
  sent_since_receive_ = false;
  bool ack_eliciting = false;
  if (fresh) {
    if (role_ == Role::kServer && header->type == PacketType::kData) handshake_confirmed_ = true;
    if (fec_rx_active_ && std::any_of(frames.begin(), frames.end(), [](const Frame& f) {
          return std::holds_alternative<StreamFrame>(f);
        }))
      fec_rx_.on_source(header->packet_number, payload, recovered_);
    for (const auto& f : frames) {
      if (const auto* hs = std::get_if<HandshakeFrame>(&f)) {
        on_handshake_frame(now, *hs, header->type);
        ack_eliciting = true;
      }
    }
    for (const auto& f : frames) {
      if (std::holds_alternative<HandshakeFrame>(f)) continue;
      process_frame(now, f, &ack_eliciting);
      if (state_ == State::kClosed) return;
    }
    if (!recovered_.empty()) {
      process_recovered(now);
      if (state_ == State::kClosed) return;
    }
  } else {
    for (const auto& f : frames)
      if (!std::holds_alternative<AckFrame>(f) && !std::holds_alternative<NackFrame>(f)) ack_eliciting = true;
    // A repeated INITIAL means our HANDSHAKE answer was lost.
    if (role_ == Role::kServer && header->type == PacketType::kInitial && !handshake_confirmed_) handshake_pending_ = true;
  }

  if (ack_eliciting) {
    ack_pending_ = true;
    ++ack_eliciting_since_ack_;
    const bool in_order = fresh && (!had_packets || header->packet_number == largest_before + 1);
    const bool out_of_order = !in_order;
    if (out_of_order || ack_eliciting_since_ack_ >= 2 || state_ != State::kEstablished) ack_now_ = true;
    else ack_deadline_ = std::min(ack_deadline_, now + kMaxAckDelay);
    if (header->packet_number == received_.largest()) largest_received_time_ = now;
  }
}

void Connection::on_handshake_frame(Timestamp now, const HandshakeFrame& f, PacketType type) {
  peer_max_data_ = std::max(peer_max_data_, f.initial_max_data);
  peer_initial_max_stream_data_ = f.initial_max_stream_data;
  peer_max_streams_ = std::max(peer_max_streams_, f.initial_max_streams);
  for (auto& [id, s] : streams_) s.peer_max_stream_data = std::max(s.peer_max_stream_data, f.initial_max_stream_data);
  if (role_ == Role::kServer) {
    if (state_ == State::kIdle) {
      state_ = State::kEstablished;
      events_.push_back({TransportEvent::Kind::kConnected, 0, ""});
    }
    if (!handshake_confirmed_) handshake_pending_ = true;
  } else if (state_ == State::kHandshaking && type == PacketType::kHandshake) {
    state_ = State::kEstablished;
    handshake_pending_ = false;
    events_.push_back({TransportEvent::Kind::kConnected, 0, ""});
    check_drained();
  }
}

void Connection::process_frame(Timestamp now, const Frame& frame, bool* ack_eliciting) {
  if (const auto* ack = std::get_if<AckFrame>(&frame)) {
    on_ack_frame(now, *ack);
  } else if (const auto* nack = std::get_if<NackFrame>(&frame)) {
    on_nack_frame(now, *nack);
  } else if (const auto* s = std::get_if<StreamFrame>(&frame)) {
    *ack_eliciting = true;
    on_stream_frame(*s);
  } else if (const auto* md = std::get_if<MaxDataFrame>(&frame)) {
    *ack_eliciting = true;
    peer_max_data_ = std::max(peer_max_data_, md->max_data);
    notify_writable();
  } else if (const auto* msd = std::get_if<MaxStreamDataFrame>(&frame)) {
    *ack_eliciting = true;
    auto it = streams_.find(msd->stream_id);
    if (it != streams_.end()) it->second.peer_max_stream_data = std::max(it->second.peer_max_stream_data, msd->max_data);
    notify_writable();
  } else if (const auto* ms = std::get_if<MaxStreamsFrame>(&frame)) {
    *ack_eliciting = true;
    peer_max_streams_ = std::max(peer_max_streams_, ms->max_streams);
  } else if (const auto* c = std::get_if<CloseFrame>(&frame)) {
    // Acknowledge the CLOSE once, so the peer stops repeating it, then stop.
    final_ack_pending_ = true;
    ack_pending_ = true;
    ack_now_ = true;
    close_with(c->error_code == 0 ? "" : c->reason);
  } else if (std::holds_alternative<PingFrame>(frame)) {
    *ack_eliciting = true;
  } else if (const auto* repair = std::get_if<FecRepairFrame>(&frame)) {
    *ack_eliciting = true;
    fec_rx_active_ = true;
    if (state_ == State::kEstablished) fec_rx_.on_repair(*repair, recovered_);
  } else if (const auto* fr = std::get_if<FecRecoveredFrame>(&frame)) {
    // Losses FEC hid from our loss detection: counted, and in loss_rate(), but not a
    // congestion event (docs/protocols/pfs-fec.md, "FEC and congestion control").
    if (fr->total > fec_loss_seen_) {
      const std::uint64_t fresh = fr->total - fec_loss_seen_;
      fec_loss_seen_ = fr->total;
      stats_.fec_loss_signal += fresh;
      loss_rate_.on_lost(fresh);
    }
  }
}

void Connection::process_recovered(Timestamp now) {
  std::vector<RecoveredPacket> rebuilt;
  rebuilt.swap(recovered_);
  for (const RecoveredPacket& r : rebuilt) {
    // ARQ may have delivered a copy meanwhile, or the original came late: then nothing to do.
    if (!received_.insert(r.packet_number)) continue;
    std::vector<Frame> frames;
    if (!decode_frames(ByteView(r.payload.data(), r.payload.size()), frames)) continue;
    ++stats_.fec_recovered_packets;
    bool ack_eliciting = false;
    for (const auto& f : frames) {
      // Acknowledgement frames in a rebuilt packet are stale (newer ones have superseded them)
      // and would give false RTT samples; everything else is applied as on arrival.
      if (std::holds_alternative<AckFrame>(f) || std::holds_alternative<NackFrame>(f) ||
          std::holds_alternative<HandshakeFrame>(f) || std::holds_alternative<FecRepairFrame>(f) ||
          std::holds_alternative<FecRecoveredFrame>(f))
        continue;
      process_frame(now, f, &ack_eliciting);
      if (state_ == State::kClosed) return;
    }
    // Acknowledge it at once: the sender holds back retransmission until it hears.
    ack_pending_ = true;
    ack_now_ = true;
  }
}

void Connection::on_stream_frame(const StreamFrame& f) {
  if (state_ != State::kEstablished) return;
  auto it = streams_.find(f.stream_id);
  if (it == streams_.end()) {
    if (is_local(f.stream_id)) return;  // data for a stream we never opened or retired: ignore
    if (retired_peer_streams_.count(f.stream_id)) return;  // a late copy of a finished stream
    if (peer_streams_opened_ >= config_.max_streams + peer_streams_retired_) {
      close_with("peer exceeded the stream limit");
      return;
    }
    ++peer_streams_opened_;
    stream_state(f.stream_id);
    it = streams_.find(f.stream_id);
    events_.push_back({TransportEvent::Kind::kStreamOpened, f.stream_id, ""});
  }
  Stream& s = it->second;
  const std::uint64_t before = s.recv.highest_received();
  const std::uint64_t end = f.offset + f.data.size;
  if (end > s.advertised_max_stream_data || received_data_ + (end > before ? end - before : 0) > advertised_max_data_) {
    close_with("flow control violated by peer");
    return;
  }
  const bool was_readable = s.recv.readable();
  if (!s.recv.on_frame(f.offset, f.data, f.fin)) {
    close_with("stream final size violated by peer");
    return;
  }
  received_data_ += s.recv.highest_received() - before;
  if (!was_readable && s.recv.readable() && !s.readable_pending) {
    s.readable_pending = true;
    events_.push_back({TransportEvent::Kind::kStreamReadable, f.stream_id, ""});
  }
}

void Connection::on_ack_frame(Timestamp now, const AckFrame& ack) {
  if (ack.ranges.empty()) return;
  const std::uint64_t largest = ack.ranges.front().last;
  if (largest >= next_packet_number_) return;  // acknowledges what we never sent
  // The acknowledged packets stay readable in their ledger slots until trim() below.
  acked_slots_.clear();
  for (const auto& range : ack.ranges) {
    sent_.for_each_live_in(range.first, range.last, [&](std::size_t i) {
      sent_.remove(i);
      acked_slots_.push_back(&sent_.removed(i));
    });
  }
  if (!largest_acked_ || largest > *largest_acked_) largest_acked_ = largest;
  if (acked_slots_.empty()) return;
  const auto& acked = acked_slots_;

  const std::uint64_t prior_in_flight = sent_.bytes_in_flight() + [&] {
    std::uint64_t b = 0;
    for (const SentPacket* p : acked) b += p->in_flight ? p->size : 0;
    return b;
  }();
  // RTT sample from the largest acknowledged packet, when it is newly acknowledged.
  const SentPacket* newest = nullptr;
  for (const SentPacket* p : acked)
    if (!newest || p->packet_number > newest->packet_number) newest = p;
  if (newest->packet_number == largest && newest->ack_eliciting) {
    rtt_.on_sample(now - newest->sent_time, Duration{static_cast<std::int64_t>(ack.ack_delay_us) * 1000}, kMaxAckDelay);
    stats_.latest_rtt_s = to_seconds(rtt_.latest());
  }

  std::uint64_t bytes_acked = 0;
  const SentPacket* rate_packet = nullptr;
  bool close_acked = false;
  for (const SentPacket* pp : acked) {
    const SentPacket& p = *pp;
    close_acked = close_acked || p.control.close;
    for (const auto& c : p.chunks) {
      auto it = streams_.find(c.stream_id);
      if (it == streams_.end()) continue;
      it->second.send.on_acked(c.offset, c.length, c.fin);
      stream_bytes_acked_ += c.length;
      if (it->second.send.fin_written()) retire_if_done(c.stream_id);
    }
    if (p.in_flight) {
      ++packets_acked_;
      bytes_acked += p.size;
      delivered_ += p.size;
      delivered_time_ = now;
      if (!rate_packet || p.delivered > rate_packet->delivered ||
          (p.delivered == rate_packet->delivered && p.sent_time > rate_packet->sent_time))
        rate_packet = &p;
    }
  }
  cc::AckEvent event;
  event.now = now;
  event.bytes_acked = bytes_acked;
  event.prior_in_flight = prior_in_flight;
  event.largest_acked_sent_time = newest->sent_time;
  event.latest_rtt = rtt_.latest();
  event.smoothed_rtt = rtt_.smoothed();
  event.min_rtt = rtt_.min();
  if (rate_packet) {
    // Delivery rate over the longer of the send and ACK intervals (rate estimation draft §3.3).
    first_sent_time_ = rate_packet->sent_time;
    const Duration send_elapsed = rate_packet->sent_time - rate_packet->first_sent_time;
    const Duration ack_elapsed = delivered_time_ - rate_packet->delivered_time;
    const Duration interval = std::max(send_elapsed, ack_elapsed);
    event.rate.delivered = delivered_ - rate_packet->delivered;
    event.rate.prior_delivered = rate_packet->delivered;
    event.rate.interval = interval;
    event.rate.is_app_limited = rate_packet->is_app_limited;
    if (interval >= rtt_.min() && interval > Duration::zero())
      event.rate.delivery_rate_bps = 8.0 * static_cast<double>(event.rate.delivered) / to_seconds(interval);
  }
  // Done with the acknowledged slots (newest, rate_packet): free them for reuse.
  acked_slots_.clear();
  sent_.trim();
  detect_lost(now);
  event.bytes_in_flight = sent_.bytes_in_flight();
  event.total_delivered = delivered_;
  cc_->on_ack(event);
  if (tuner_) tuner_->on_ack(now, *this);
  pto_count_ = 0;
  notify_writable();
  check_drained();
  if (close_acked) close_with("");
}

void Connection::check_drained() {
  if (!close_requested_ || close_sent_ || state_ != State::kEstablished) return;
  for (const auto& [id, s] : streams_)
    if (!s.send.drained()) return;
  close_pending_ = true;
}

std::optional<std::size_t> Connection::final_ack(Timestamp now, MutableByteView buffer) {
  final_ack_pending_ = false;
  if (received_.empty()) return std::nullopt;
  PacketHeader header;
  header.connection_id = connection_id_;
  header.packet_number = next_packet_number_++;
  ByteWriter out(MutableByteView(buffer.data, std::min(buffer.size, config_.max_datagram_size)));
  if (!encode_header(header, out)) return std::nullopt;
  if (!encode_frame(make_ack_frame(received_.descending(kMaxAckRanges), 0, kMaxAckRanges), out)) return std::nullopt;
  ++stats_.datagrams_sent;
  stats_.wire_bytes_sent += out.size();
  return out.size();
}

void Connection::on_nack_frame(Timestamp now, const NackFrame& nack) {
  std::vector<SentPacket> lost;
  for (const auto& r : nack.missing) {
    sent_.for_each_live_in(r.first, r.last, [&](std::size_t i) {
      const SentPacket* p = sent_.at(i);
      // An FEC source waits for its block's repairs; detect_lost decides after them.
      if (fec_tx_.guard(p->fec_block)) return;
      lost.push_back(*p);
      sent_.remove(i);
    });
  }
  sent_.trim();
  if (!lost.empty()) declare_lost(now, lost);
}

void Connection::detect_lost(Timestamp now) {
  if (!largest_acked_) return;
  loss_time_ = kTimeInfinite;
  const Duration loss_delay =
      std::max(Duration(kGranularity), 9 * std::max(rtt_.latest(), rtt_.smoothed()) / 8);
  const Timestamp lost_send_time = now - loss_delay;
  std::vector<SentPacket> lost;
  for (std::size_t i = 0; i < sent_.slot_count(); ++i) {
    const SentPacket* slot = sent_.at(i);
    if (!slot) continue;
    if (slot->packet_number >= *largest_acked_) break;
    const SentPacket& p = *slot;
    // An FEC source may still be rebuilt by the peer: it is judged by its block's last repair
    // (number and send time), and not at all while repairs are still to be sent.
    std::uint64_t rule_pn = p.packet_number;
    Timestamp rule_time = p.sent_time;
    if (const auto guard = fec_tx_.guard(p.fec_block)) {
      if (guard->pending) continue;
      rule_pn = std::max(rule_pn, guard->last_repair_pn);
      rule_time = std::max(rule_time, guard->last_repair_sent);
    }
    if (rule_pn + kPacketThreshold <= *largest_acked_ || rule_time <= lost_send_time) {
      lost.push_back(p);
      sent_.remove(i);
    } else {
      loss_time_ = std::min(loss_time_, rule_time + loss_delay);
    }
  }
  sent_.trim();
  if (!lost.empty()) declare_lost(now, lost);
}

void Connection::declare_lost(Timestamp now, std::vector<SentPacket>& lost) {
  if (config_.arq == ArqMode::kGoBackN) {
    // Go-back-N: everything sent after the first loss is sent again too.
    std::uint64_t first = UINT64_MAX;
    for (const auto& p : lost) first = std::min(first, p.packet_number);
    for (std::size_t i = first == UINT64_MAX ? sent_.slot_count() : sent_.lower_bound(first + 1); i < sent_.slot_count(); ++i) {
      if (const SentPacket* p = sent_.at(i)) {
        lost.push_back(*p);
        sent_.remove(i);
      }
    }
    sent_.trim();
  }
  cc::LossEvent event;
  event.now = now;
  bool congestion_signal = false;
  for (auto& p : lost) {
    on_packet_lost(p);
    if (p.fec_repair) {
      // A lost repair costs no delivery, like a source FEC rebuilt: counted, not a congestion
      // event (docs/protocols/pfs-fec.md, "FEC and congestion control").
      ++stats_.fec_loss_signal;
      continue;
    }
    congestion_signal = true;
    if (p.in_flight) event.bytes_lost += p.size;
    event.largest_lost_sent_time = std::max(event.largest_lost_sent_time, p.sent_time);
  }
  event.bytes_in_flight = sent_.bytes_in_flight();
  stats_.packets_lost += lost.size();
  loss_rate_.on_lost(lost.size());
  if (congestion_signal) cc_->on_loss(event);
}

void Connection::on_packet_lost(SentPacket& p) {
  for (const auto& c : p.chunks) {
    auto it = streams_.find(c.stream_id);
    if (it != streams_.end()) it->second.send.on_lost(c.offset, c.length, c.fin);
  }
  if (p.control.handshake && !(role_ == Role::kServer && handshake_confirmed_) && state_ != State::kClosed) {
    if (role_ == Role::kServer || state_ == State::kHandshaking) handshake_pending_ = true;
  }
  if (p.control.max_data) max_data_pending_ = true;
  if (p.control.max_streams) max_streams_pending_ = true;
  for (StreamId id : p.control.max_stream_data) {
    auto it = streams_.find(id);
    if (it != streams_.end() && !it->second.recv.finished()) it->second.max_stream_data_pending = true;
  }
  if (p.control.close && !is_closed()) close_pending_ = true;
}

void Connection::notify_writable() {
  for (auto& [id, s] : streams_) {
    if (s.write_blocked && s.send.buffered() < config_.stream_receive_window) {
      s.write_blocked = false;
      events_.push_back({TransportEvent::Kind::kStreamWritable, id, ""});
    }
  }
}

Timestamp Connection::next_timeout() const {
  if (state_ == State::kClosed) return final_ack_pending_ ? kTimeZero : kTimeInfinite;
  if (state_ == State::kIdle) return kTimeInfinite;
  Timestamp t = idle_deadline_;
  if (ack_pending_) t = std::min(t, ack_now_ ? kTimeZero : ack_deadline_);
  if (loss_time_ != kTimeInfinite) {
    t = std::min(t, loss_time_);
  } else if (sent_.ack_eliciting_in_flight() > 0 || state_ == State::kHandshaking) {
    const Duration pto = pto_duration() * (1 << std::min<std::uint32_t>(pto_count_, 16));
    t = std::min(t, last_ack_eliciting_sent_ + pto);
  }
  if (pacing_release_ != kTimeInfinite) t = std::min(t, pacing_release_);
  return t;
}

void Connection::on_timeout(Timestamp now) {
  if (state_ == State::kClosed) return;
  if (now >= idle_deadline_) {
    close_with("idle timeout");
    return;
  }
  if (pacing_release_ <= now) pacing_release_ = kTimeInfinite;
  if (loss_time_ != kTimeInfinite && now >= loss_time_) {
    detect_lost(now);
    return;
  }
  if ((sent_.ack_eliciting_in_flight() > 0 || state_ == State::kHandshaking) &&
      now >= last_ack_eliciting_sent_ + pto_duration() * (1 << std::min<std::uint32_t>(pto_count_, 16))) {
    // Probe timeout: send up to two ack-eliciting probes, repeating the oldest data in flight.
    // Open FEC blocks close now, so their sources' fate no longer waits on more data.
    fec_tx_.flush();
    ++pto_count_;
    probes_pending_ = 2;
    if (state_ == State::kHandshaking) handshake_pending_ = true;
    for (std::size_t i = 0; i < sent_.slot_count(); ++i) {
      const SentPacket* slot = sent_.at(i);
      if (!slot) continue;
      const SentPacket& p = *slot;
      if (!p.ack_eliciting || p.fec_repair) continue;  // a repair has nothing to repeat
      for (const auto& c : p.chunks) {
        auto it = streams_.find(c.stream_id);
        if (it != streams_.end()) it->second.send.requeue_unacked(c.offset, c.length, c.fin);
      }
      if (p.control.handshake && state_ == State::kHandshaking) handshake_pending_ = true;
      break;
    }
  }
}

std::optional<std::size_t> Connection::poll_transmit(Timestamp now, MutableByteView buffer) {
  if (state_ == State::kClosed && final_ack_pending_) return final_ack(now, buffer);
  if (state_ == State::kClosed || state_ == State::kIdle) return std::nullopt;
  const std::size_t limit = std::min(buffer.size, config_.max_datagram_size);
  const bool ack_due = ack_pending_ && (ack_now_ || now >= ack_deadline_);
  bool control_due = handshake_pending_ || max_data_pending_ || max_streams_pending_ || close_pending_;
  if (!control_due)
    for (const auto& [id, s] : streams_) control_due = control_due || s.max_stream_data_pending;
  const bool probing = probes_pending_ > 0;

  // Stream data needs congestion window and the pacer's leave (probes bypass both).
  const std::uint64_t conn_credit = connection_credit();
  bool data_ready = has_stream_data(conn_credit);
  // Out of data with FEC blocks open: close them now so their repairs cover the tail.
  if (!data_ready && fec_tx_.has_open_sources()) fec_tx_.flush();
  const bool window_open = sent_.bytes_in_flight() + limit <= send_window_bytes();
  bool data_allowed = data_ready && (probing || window_open);
  // Repair takes window and pacing like data, and goes first: a block's repairs are worth most
  // right after its sources.
  const bool repair_ready = state_ == State::kEstablished && fec_tx_.has_repair();
  // A probe carries repair when some is queued: sources wait on their block's repairs, so a
  // window full of them would otherwise wait for repairs the window keeps out.
  bool repair_allowed = repair_ready && (window_open || probing);
  if ((data_allowed || repair_allowed) && config_.pacing && !probing) {
    const auto rate = cc_->pacing_rate_bps();
    double rate_bps = rate ? *rate : 0.0;
    if (!rate && rtt_.has_sample()) {
      // Window-based controllers: pace at 2x (slow start) or 1.25x the window per RTT.
      const double gain = cc_->in_slow_start() ? 2.0 : 1.25;
      rate_bps = gain * 8.0 * static_cast<double>(cc_->congestion_window()) / to_seconds(rtt_.smoothed());
    }
    pacer_.set_rate(rate_bps);
    pacer_.set_burst_bytes(cc_->send_quantum());
    const Timestamp release = pacer_.next_send_time(now, limit);
    if (release > now) {
      pacing_release_ = release;
      data_allowed = false;
      repair_allowed = false;
    }
  }
  if (data_ready && !data_allowed && !probing) {
    // Held back by the controller's cap rather than the network: rate samples from now on say
    // little about the path's bandwidth, as when the application runs dry.
    const bool capped = send_window_bytes() < cc_->congestion_window() &&
                        sent_.bytes_in_flight() + limit > send_window_bytes();
    app_limited_ = capped;
  }
  if (!data_ready && !repair_ready && window_open) app_limited_ = true;

  const bool need_probe_ping = probing && !data_allowed && !control_due;
  if (!ack_due && !control_due && !data_allowed && !need_probe_ping && !repair_allowed) return std::nullopt;

  PacketHeader header;
  header.connection_id = connection_id_;
  header.packet_number = next_packet_number_;
  header.type = state_ == State::kHandshaking                                  ? PacketType::kInitial
                : (role_ == Role::kServer && handshake_pending_) ? PacketType::kHandshake
                                                                             : PacketType::kData;
  // An FEC source packet leaves room for its block's repair to carry it whole (fec_block_encoder.h).
  std::size_t packet_limit = limit;
  if (!repair_allowed && fec_tx_.active() && header.type == PacketType::kData) {
    const std::size_t h = header_size(header.packet_number);
    packet_limit = std::min(limit, h + fec_tx_.source_payload_limit(config_.max_datagram_size, h));
  }
  ByteWriter out(MutableByteView(buffer.data, packet_limit));
  if (!encode_header(header, out)) return std::nullopt;
  const std::size_t header_bytes = out.size();

  // Built in a reused record (its chunk vector keeps its capacity); the ledger copies it.
  std::vector<SentStreamChunk> chunk_storage = std::move(sent_scratch_.chunks);
  chunk_storage.clear();
  sent_scratch_ = SentPacket{};
  sent_scratch_.chunks = std::move(chunk_storage);
  SentPacket& sent = sent_scratch_;
  sent.packet_number = header.packet_number;
  sent.sent_time = now;

  std::uint64_t new_bytes = 0, retransmitted = 0;
  if (repair_allowed) {
    // A repair packet carries the repair alone: it is as large as the block's largest source.
    if (!encode_frame(fec_tx_.next_repair(), out)) return std::nullopt;
    sent.ack_eliciting = true;
    sent.fec_repair = true;
  } else {
    if (ack_pending_ && !received_.empty()) {
      const Duration delay = now - largest_received_time_;
      const AckFrame ack = make_ack_frame(received_.descending(kMaxAckRanges),
                                          static_cast<std::uint64_t>(std::max<std::int64_t>(0, delay.count() / 1000)),
                                          kMaxAckRanges);
      if (encoded_size(ack) <= out.remaining()) {
        encode_frame(ack, out);
        ack_pending_ = false;
        ack_now_ = false;
        ack_deadline_ = kTimeInfinite;
        ack_eliciting_since_ack_ = 0;
      }
      // Receiver-driven loss report: gaps with kPacketThreshold packets received above them.
      NackFrame nack;
      for (const auto& gap : received_.gaps_beyond_threshold(kPacketThreshold, SIZE_MAX)) {
        if (nacked_.count(gap.first)) continue;
        nack.missing.push_back(gap);
        if (nack.missing.size() == 16) break;
      }
      if (!nack.missing.empty() && encoded_size(nack) <= out.remaining()) {
        encode_frame(nack, out);
        for (const auto& g : nack.missing) nacked_.insert(g.first);
        while (nacked_.size() > 4096) nacked_.erase(nacked_.begin());
      }
      // The running count of packets FEC rebuilt rides with every ACK once there is one, so a
      // lost report is made good by the next.
      const FecRecoveredFrame recovered{stats_.fec_recovered_packets};
      if (recovered.total > 0 && encoded_size(recovered) <= out.remaining()) encode_frame(recovered, out);
    }

    auto add_control = [&](const Frame& f) {
      if (encoded_size(f) > out.remaining()) return false;
      encode_frame(f, out);
      sent.ack_eliciting = true;
      return true;
    };
    if (handshake_pending_) {
      HandshakeFrame hs;
      hs.initial_max_data = config_.connection_receive_window;
      hs.initial_max_stream_data = config_.stream_receive_window;
      hs.initial_max_streams = config_.max_streams;
      hs.idle_timeout_ms = static_cast<std::uint64_t>(config_.idle_timeout.count() / 1000000);
      hs.max_datagram_size = config_.max_datagram_size;
      if (add_control(hs)) {
        // While probing a handshake, every probe carries it (a bare PING cannot open a connection).
        handshake_pending_ = state_ == State::kHandshaking && probes_pending_ > 1;
        sent.control.handshake = true;
      }
    }
    if (state_ == State::kEstablished) {
      if (max_data_pending_ && add_control(MaxDataFrame{advertised_max_data_})) {
        max_data_pending_ = false;
        sent.control.max_data = true;
      }
      if (max_streams_pending_ && add_control(MaxStreamsFrame{config_.max_streams + peer_streams_retired_})) {
        max_streams_pending_ = false;
        sent.control.max_streams = true;
      }
      for (auto& [id, s] : streams_) {
        if (s.max_stream_data_pending && add_control(MaxStreamDataFrame{id, s.advertised_max_stream_data})) {
          s.max_stream_data_pending = false;
          sent.control.max_stream_data.push_back(id);
        }
      }
    }

    if (data_allowed && !streams_.empty()) {
      // Round-robin over streams with data, starting after the last one served.
      auto it = streams_.lower_bound(next_stream_to_send_);
      for (std::size_t visited = 0; visited < streams_.size() && out.remaining() > kMinStreamRoom; ++visited) {
        if (it == streams_.end()) it = streams_.begin();
        const StreamId id = it->first;
        Stream& s = it->second;
        const std::uint64_t room = out.remaining() - stream_frame_overhead(id, s.send.next_new_offset() + (1u << 30), out.remaining());
        auto chunk = s.send.next_chunk(room, s.peer_max_stream_data, connection_credit());
        if (chunk) {
          // Frame header, then the bytes copied straight from the send buffer into the packet.
          out.u8(static_cast<std::uint8_t>(chunk->fin ? FrameType::kStreamFin : FrameType::kStream));
          out.varint(id);
          out.varint(chunk->offset);
          out.varint(chunk->length);
          std::uint8_t* payload_at = out.reserve(static_cast<std::size_t>(chunk->length));
          if (chunk->length) s.send.copy(chunk->offset, chunk->length, payload_at);
          s.send.on_chunk_sent(*chunk);
          sent.chunks.push_back({id, chunk->offset, chunk->length, chunk->fin});
          sent.ack_eliciting = true;
          if (chunk->retransmission) {
            retransmitted += chunk->length;
          } else {
            new_bytes += chunk->length;
            sent_data_ += chunk->length;
          }
        }
        ++it;
        next_stream_to_send_ = it == streams_.end() ? 0 : it->first;
      }
    }
    if (close_pending_ && state_ == State::kEstablished && add_control(CloseFrame{0, ""})) {
      close_pending_ = false;
      close_sent_ = true;
      sent.control.close = true;
    }
    if (probing && !sent.ack_eliciting) {
      add_control(PingFrame{});
    }
  }
  if (out.size() <= header_size(header.packet_number)) return std::nullopt;

  ++next_packet_number_;
  if (sent.fec_repair) {
    fec_tx_.on_repair_sent(sent.packet_number, now, out.size());
    stats_.fec_repair_bytes += out.size();
  } else if (!sent.chunks.empty() && header.type == PacketType::kData && fec_tx_.active()) {
    sent.fec_block = fec_tx_.add_source(sent.packet_number,
                                        ByteView(buffer.data + header_bytes, out.size() - header_bytes));
  }
  sent.size = out.size();
  stats_.datagrams_sent++;
  stats_.wire_bytes_sent += out.size();
  stats_.stream_bytes_sent += new_bytes;
  stats_.retransmitted_bytes += retransmitted;
  if (sent.ack_eliciting) {
    if (probes_pending_ > 0) --probes_pending_;
    sent.in_flight = true;
    if (sent_.bytes_in_flight() == 0) {
      // Restarting from idle: the rate sample interval starts now.
      first_sent_time_ = now;
      delivered_time_ = now;
    }
    sent.delivered = delivered_;
    sent.delivered_time = delivered_time_;
    sent.first_sent_time = first_sent_time_;
    sent.is_app_limited = app_limited_;
    loss_rate_.on_sent();
    last_ack_eliciting_sent_ = now;
    // RFC 9000 10.1: the first ack-eliciting packet after receiving restarts the idle timer.
    if (!sent_since_receive_) restart_idle_timer(now);
    sent_since_receive_ = true;
    cc_->on_packet_sent(now, sent.size, sent_.bytes_in_flight());
    if (config_.pacing) pacer_.on_sent(now, sent.size);
    pacing_release_ = kTimeInfinite;
    sent_.add(sent);
  }
  return out.size();
}

TransportStats Connection::stats() const {
  TransportStats s = stats_;
  s.congestion_window_bytes = cc_->congestion_window();
  s.bytes_in_flight = sent_.bytes_in_flight();
  s.smoothed_rtt_s = to_seconds(rtt_.smoothed());
  s.min_rtt_s = to_seconds(rtt_.min());
  s.latest_rtt_s = to_seconds(rtt_.latest());
  const auto rate = cc_->pacing_rate_bps();
  s.pacing_rate_bps = rate ? *rate : pacer_.rate_bps();
  return s;
}

}  // namespace wirelab::pfs

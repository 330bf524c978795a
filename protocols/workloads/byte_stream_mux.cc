#include "protocols/workloads/byte_stream_mux.h"

#include <algorithm>
#include <cstring>

#include "protocols/pfs/varint.h"

namespace wirelab::workloads {
namespace {
constexpr std::uint8_t kFinFlag = 0x01;
constexpr std::size_t kMaxFrameHeader = 1 + 8 + 8;
// A frame longer than this is refused as malformed (a sender writes at most its buffer).
constexpr std::uint64_t kMaxFramePayload = 64u << 20;
}  // namespace

ByteStreamMux::ByteStreamMux(bool client, std::size_t send_buffer_bytes)
    : client_(client), send_buffer_bytes_(send_buffer_bytes), next_local_(client ? 0 : 1) {}

std::optional<StreamId> ByteStreamMux::open_stream() {
  if (!connected_ || closed_) return std::nullopt;
  const StreamId id = next_local_;
  next_local_ += 2;
  streams_[id];
  return id;
}

std::size_t ByteStreamMux::write(StreamId id, ByteView data, bool fin) {
  auto it = streams_.find(id);
  if (closed_ || it == streams_.end() || it->second.fin_sent) return 0;
  Stream& s = it->second;
  const std::size_t buffered = out_.size() - out_head_;
  const std::size_t room = buffered + kMaxFrameHeader >= send_buffer_bytes_ ? 0 : send_buffer_bytes_ - buffered - kMaxFrameHeader;
  const std::size_t n = std::min(room, data.size);
  const bool fin_now = fin && n == data.size;
  if (n == 0 && !fin_now) {
    s.write_blocked = data.size > 0;
    return 0;
  }
  std::uint8_t header[kMaxFrameHeader];
  pfs::ByteWriter w(MutableByteView(header, sizeof header));
  w.u8(fin_now ? kFinFlag : 0);
  w.varint(id);
  w.varint(n);
  out_.insert(out_.end(), header, header + w.size());
  out_.insert(out_.end(), data.data, data.data + n);
  s.write_blocked = n < data.size;
  if (fin_now) {
    s.fin_sent = true;
    retire_if_done(id);
  }
  return n;
}

std::size_t ByteStreamMux::read(StreamId id, MutableByteView out, bool* fin) {
  if (fin) *fin = false;
  auto it = streams_.find(id);
  if (it == streams_.end()) return 0;
  Stream& s = it->second;
  const std::size_t n = std::min(out.size, s.received.size() - s.read_at);
  if (n) std::memcpy(out.data, s.received.data() + s.read_at, n);
  s.read_at += n;
  if (s.read_at == s.received.size()) {
    s.received.clear();
    s.read_at = 0;
    if (s.fin_received && !s.fin_read) {
      s.fin_read = true;
      if (fin) *fin = true;
      retire_if_done(id);
    }
  }
  return n;
}

std::optional<TransportEvent> ByteStreamMux::poll_event() {
  if (events_.empty()) return std::nullopt;
  TransportEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void ByteStreamMux::on_connected() {
  if (connected_ || closed_) return;
  connected_ = true;
  events_.push_back({TransportEvent::Kind::kConnected, 0, ""});
}

void ByteStreamMux::on_closed(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  events_.push_back({TransportEvent::Kind::kClosed, 0, reason});
}

bool ByteStreamMux::on_bytes(ByteView bytes) {
  if (closed_) return false;
  in_.insert(in_.end(), bytes.data, bytes.data + bytes.size);
  return parse();
}

bool ByteStreamMux::parse() {
  for (;;) {
    pfs::ByteReader r(ByteView(in_.data() + in_head_, in_.size() - in_head_));
    const auto flags = r.u8();
    const auto id = flags ? r.varint() : std::nullopt;
    const auto length = id ? r.varint() : std::nullopt;
    if (!length) break;  // header incomplete
    const bool ours = (*id % 2 == 0) == client_;
    if ((*flags & ~kFinFlag) != 0 || *length > kMaxFramePayload ||
        (ours && !streams_.count(*id) && !retired_.count(*id))) {
      on_closed("malformed stream frame on the byte stream");
      return false;
    }
    if (r.remaining() < *length) break;  // payload incomplete
    const std::size_t header = in_.size() - in_head_ - r.remaining();
    const std::uint8_t* payload = in_.data() + in_head_ + header;
    in_head_ += header + static_cast<std::size_t>(*length);
    if (retired_.count(*id)) continue;
    auto it = streams_.find(*id);
    if (it == streams_.end()) {
      it = streams_.emplace(*id, Stream{}).first;
      events_.push_back({TransportEvent::Kind::kStreamOpened, *id, ""});
    }
    Stream& s = it->second;
    s.received.insert(s.received.end(), payload, payload + *length);
    if (*flags & kFinFlag) s.fin_received = true;
    events_.push_back({TransportEvent::Kind::kStreamReadable, *id, ""});
  }
  if (in_head_ > 0 && in_head_ * 2 >= in_.size()) {
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_head_));
    in_head_ = 0;
  }
  return true;
}

ByteView ByteStreamMux::pending_output() const {
  return ByteView(out_.data() + out_head_, out_.size() - out_head_);
}

void ByteStreamMux::consume_output(std::size_t n) {
  n = std::min(n, out_.size() - out_head_);
  out_head_ += n;
  consumed_total_ += n;
  if (out_head_ == out_.size()) {
    out_.clear();
    out_head_ = 0;
  } else if (out_head_ >= (1u << 20) && out_head_ * 2 >= out_.size()) {
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_head_));
    out_head_ = 0;
  }
  if (n == 0) return;
  for (auto& [id, s] : streams_) {
    if (s.write_blocked) {
      s.write_blocked = false;
      events_.push_back({TransportEvent::Kind::kStreamWritable, id, ""});
    }
  }
}

void ByteStreamMux::retire_if_done(StreamId id) {
  auto it = streams_.find(id);
  if (it == streams_.end() || !it->second.fin_sent || !it->second.fin_read) return;
  streams_.erase(it);
  retired_.insert(id);
}

}  // namespace wirelab::workloads

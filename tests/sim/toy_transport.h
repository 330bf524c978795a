// A deliberately small reliable Transport for testing the ns-3 hosting on its own, before and
// independently of PFS: a hello handshake, one stream, go-back-N with a fixed window of 32
// datagrams, cumulative ACKs, a fixed 300 ms retransmission timeout. Slow on lossy links, but
// correct, which is all the EndpointApplication tests need from it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <vector>

#include "protocols/core/endpoint.h"

namespace wirelab::sim::testing {

class ToyTransport : public Transport {
 public:
  ToyTransport(bool client, std::size_t max_datagram_size)
      : client_(client), max_datagram_(max_datagram_size) {}

  void connect(Timestamp now) override { hello_at_ = now; }
  std::optional<StreamId> open_stream() override { return StreamId{0}; }
  // Accepts bytes while fewer than kSendBufferBytes are unacknowledged, like a real send buffer.
  std::size_t write(StreamId, ByteView data, bool fin) override {
    const std::uint64_t queued = send_buffer_.size() - std::min<std::uint64_t>(snd_una_, send_buffer_.size());
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>(data.size, kSendBufferBytes - std::min(queued, kSendBufferBytes)));
    send_buffer_.insert(send_buffer_.end(), data.begin(), data.begin() + n);
    if (n < data.size) blocked_ = true;
    else fin_ = fin_ || fin;
    return n;
  }
  std::size_t read(StreamId, MutableByteView out, bool* fin) override {
    const std::size_t n = std::min(out.size, received_.size());
    std::copy_n(received_.begin(), n, out.data);
    received_.erase(received_.begin(), received_.begin() + static_cast<std::ptrdiff_t>(n));
    *fin = fin_received_ && received_.empty();
    return n;
  }
  std::optional<TransportEvent> poll_event() override {
    if (events_.empty()) return std::nullopt;
    TransportEvent e = events_.front();
    events_.pop_front();
    return e;
  }
  void close(Timestamp) override { closed_ = true; }
  bool is_closed() const override { return closed_; }
  TransportStats stats() const override { return stats_; }
  std::size_t max_datagram_size() const override { return max_datagram_; }

  Timestamp next_timeout() const override {
    if (!client_) return kTimeInfinite;
    if (!connected_) return hello_at_;
    return snd_una_ < stream_end() ? rto_deadline_ : kTimeInfinite;
  }

  void on_timeout(Timestamp now) override {
    if (client_ && connected_ && snd_una_ < stream_end() && now >= rto_deadline_) {
      snd_nxt_ = snd_una_;  // go back N
      timed_.reset();
      rto_deadline_ = now + kRto;
    }
  }

  void on_datagram(Timestamp now, ByteView d) override {
    ++stats_.datagrams_received;
    if (d.size < 1) return;
    switch (d[0]) {
      case kHello:
        hello_ack_pending_ = true;
        break;
      case kHelloAck:
        if (!connected_) {
          connected_ = true;
          events_.push_back({TransportEvent::Kind::kConnected, 0, {}});
          rto_deadline_ = now + kRto;
        }
        break;
      case kData: {
        if (d.size < kHeader) return;
        const std::uint64_t offset = get_u64(d, 1);
        const bool fin = d[9] != 0;
        if (!opened_) {
          opened_ = true;
          events_.push_back({TransportEvent::Kind::kStreamOpened, 0, {}});
        }
        if (offset == rcv_nxt_ && !fin_received_) {
          received_.insert(received_.end(), d.begin() + kHeader, d.end());
          rcv_nxt_ += d.size - kHeader;
          fin_received_ = fin;
          events_.push_back({TransportEvent::Kind::kStreamReadable, 0, {}});
        }
        ack_pending_ = true;
        break;
      }
      case kAck: {
        if (d.size < kHeader) return;
        const std::uint64_t ack = get_u64(d, 1);
        if (ack > snd_una_) {
          snd_una_ = std::min(ack, stream_end());
          snd_nxt_ = std::max(snd_nxt_, snd_una_);
          rto_deadline_ = now + kRto;
          if (blocked_) {
            blocked_ = false;
            events_.push_back({TransportEvent::Kind::kStreamWritable, 0, {}});
          }
          if (timed_ && ack >= timed_->first) {
            stats_.latest_rtt_s = to_seconds(now - timed_->second);
            timed_.reset();
          }
        }
        break;
      }
    }
  }

  std::optional<std::size_t> poll_transmit(Timestamp now, MutableByteView buf) override {
    if (!client_) {
      if (hello_ack_pending_) {
        hello_ack_pending_ = false;
        buf[0] = kHelloAck;
        return sent(1);
      }
      if (ack_pending_) {
        ack_pending_ = false;
        buf[0] = kAck;
        put_u64(buf, 1, rcv_nxt_ + (fin_received_ ? 1 : 0));
        buf[9] = 0;
        return sent(kHeader);
      }
      return std::nullopt;
    }
    if (!connected_) {
      if (now < hello_at_) return std::nullopt;
      hello_at_ = now + kRto;
      buf[0] = kHello;
      return sent(1);
    }
    const std::uint64_t total = send_buffer_.size();
    if (snd_nxt_ >= stream_end() || (snd_nxt_ >= total && !fin_)) return std::nullopt;
    if (snd_nxt_ - snd_una_ >= kWindowPackets * (max_datagram_ - kHeader)) return std::nullopt;
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>(max_datagram_ - kHeader, total - std::min(snd_nxt_, total)));
    const bool fin = fin_ && snd_nxt_ + n == total;
    buf[0] = kData;
    put_u64(buf, 1, snd_nxt_);
    buf[9] = fin ? 1 : 0;
    if (n > 0) std::memcpy(buf.data + kHeader, send_buffer_.data() + snd_nxt_, n);
    const std::uint64_t end = snd_nxt_ + n + (fin ? 1 : 0);
    if (snd_nxt_ < high_water_) stats_.retransmitted_bytes += n;
    else stats_.stream_bytes_sent += n;
    if (!timed_ && snd_nxt_ >= high_water_) timed_ = std::make_pair(end, now);
    snd_nxt_ = end;
    high_water_ = std::max(high_water_, end);
    stats_.congestion_window_bytes = kWindowPackets * (max_datagram_ - kHeader);
    return sent(kHeader + n);
  }

 private:
  static constexpr std::uint8_t kHello = 1, kHelloAck = 2, kData = 3, kAck = 4;
  static constexpr std::size_t kHeader = 10;  // type, u64 offset, fin flag
  static constexpr std::uint64_t kWindowPackets = 32;
  static constexpr std::uint64_t kSendBufferBytes = 1 << 20;
  static constexpr Duration kRto = std::chrono::milliseconds(300);

  std::uint64_t stream_end() const { return send_buffer_.size() + (fin_ ? 1 : 0); }
  std::size_t sent(std::size_t n) {
    ++stats_.datagrams_sent;
    stats_.wire_bytes_sent += n;
    return n;
  }
  static std::uint64_t get_u64(ByteView d, std::size_t at) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | d[at + static_cast<std::size_t>(i)];
    return v;
  }
  static void put_u64(MutableByteView d, std::size_t at, std::uint64_t v) {
    for (std::size_t i = 0; i < 8; ++i) d[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
  }

  bool client_;
  std::size_t max_datagram_;
  bool connected_ = false, opened_ = false, closed_ = false;
  Timestamp hello_at_ = kTimeInfinite;
  bool hello_ack_pending_ = false, ack_pending_ = false;
  std::vector<std::uint8_t> send_buffer_;
  bool fin_ = false;
  bool blocked_ = false;
  std::uint64_t snd_una_ = 0, snd_nxt_ = 0, high_water_ = 0;
  Timestamp rto_deadline_ = kTimeInfinite;
  std::optional<std::pair<std::uint64_t, Timestamp>> timed_;
  std::deque<std::uint8_t> received_;
  std::uint64_t rcv_nxt_ = 0;
  bool fin_received_ = false;
  std::deque<TransportEvent> events_;
  TransportStats stats_;
};

}  // namespace wirelab::sim::testing

// Spreads a window's worth of packets over a round trip instead of sending it as one burst:
// a token bucket refilled at the pacing rate, holding at most `burst` datagrams, so a drop-tail
// bottleneck sees arrivals close to its own service rate. The bucket's depth is the send
// quantum: two datagrams by default, or what the congestion controller asks for (BBR: about a
// millisecond at its pacing rate, up to 64 KB, as Linux sizes a TSO burst), so that a
// multi-Gbit/s flow is released in GSO-sized bursts rather than one timer wake-up per two
// datagrams.
#pragma once

#include <algorithm>
#include <cstdint>

#include "protocols/core/time.h"

namespace wirelab::pfs {

class Pacer {
 public:
  explicit Pacer(std::uint64_t max_datagram_size, std::uint32_t burst_packets = 2)
      : default_capacity_(static_cast<double>(max_datagram_size * burst_packets)),
        capacity_(default_capacity_),
        tokens_(capacity_) {}

  void set_rate(double rate_bps) { rate_Bps_ = rate_bps / 8.0; }
  // 0: back to the default depth.
  void set_burst_bytes(std::uint64_t bytes) {
    capacity_ = bytes > 0 ? static_cast<double>(bytes) : default_capacity_;
    tokens_ = std::min(tokens_, capacity_);
  }
  double rate_bps() const { return rate_Bps_ * 8.0; }

  // When a datagram of `bytes` may leave (now or later).
  Timestamp next_send_time(Timestamp now, std::uint64_t bytes) {
    refill(now);
    if (rate_Bps_ <= 0 || tokens_ >= static_cast<double>(bytes)) return now;
    // Once held back, a sender with a send quantum waits for a whole quantum, so each wake-up
    // releases a quantum rather than the one datagram the bucket has refilled by then. With the
    // default depth this is the datagram itself, as before.
    const double wanted = capacity_ > default_capacity_ ? std::max(capacity_, static_cast<double>(bytes))
                                                        : static_cast<double>(bytes);
    const double wait_s = (wanted - tokens_) / rate_Bps_;
    return now + std::max(Duration{1}, Duration{static_cast<std::int64_t>(wait_s * 1e9) + 1});
  }

  void on_sent(Timestamp now, std::uint64_t bytes) {
    refill(now);
    tokens_ -= static_cast<double>(bytes);  // may go negative: the next send waits it off
  }

 private:
  void refill(Timestamp now) {
    if (now > last_) {
      tokens_ = std::min(capacity_, tokens_ + rate_Bps_ * to_seconds(now - last_));
      last_ = now;
    }
  }

  double default_capacity_;
  double capacity_;
  double tokens_;
  double rate_Bps_ = 0;
  Timestamp last_{};
};

}  // namespace wirelab::pfs

// One round trip of a congestion controller over a modelled path, for the controller tests:
// `packets` datagrams sent at `now`, all acknowledged one `rtt` later, each ACK carrying a
// delivery-rate sample of `rate_bps` that starts where the round did (the round left in one
// go, so the controller counts one round per round trip). Returns the time the round ends.
#pragma once

#include <cstdint>

#include "protocols/cc/congestion_controller.h"

namespace wirelab::testing {

inline Timestamp send_and_ack_round(cc::CongestionController& cc, Timestamp now, Duration rtt, std::uint64_t packets,
                                    std::uint64_t mss, double rate_bps, std::uint64_t& delivered,
                                    bool app_limited = false) {
  const std::uint64_t round_start_delivered = delivered;
  for (std::uint64_t i = 0; i < packets; ++i) cc.on_packet_sent(now, mss, i * mss);
  now += rtt;
  for (std::uint64_t i = 0; i < packets; ++i) {
    cc::AckEvent ack;
    ack.now = now;
    ack.bytes_acked = mss;
    ack.prior_in_flight = (packets - i) * mss;
    ack.bytes_in_flight = (packets - i - 1) * mss;
    ack.latest_rtt = ack.smoothed_rtt = ack.min_rtt = rtt;
    delivered += mss;
    ack.total_delivered = delivered;
    ack.rate.delivery_rate_bps = rate_bps;
    ack.rate.prior_delivered = round_start_delivered;
    ack.rate.delivered = mss;
    ack.rate.interval = rtt;
    ack.rate.is_app_limited = app_limited;
    cc.on_ack(ack);
  }
  return now;
}

}  // namespace wirelab::testing

// The one small interface every congestion control algorithm of PFS sits behind.
//
// The connection reports sends, acknowledgements (with an RTT estimate and a delivery-rate
// sample) and losses; the controller answers with a congestion window and, optionally, its
// own pacing rate (BBR paces by its bandwidth model; window-based algorithms leave pacing to
// the connection, which paces at a multiple of cwnd / srtt).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "protocols/core/time.h"

namespace wirelab::cc {

// Delivery-rate sample in the style of draft-cheng-iccrg-delivery-rate-estimation.
struct RateSample {
  double delivery_rate_bps = 0;   // 0 when no valid sample
  std::uint64_t delivered = 0;    // bytes delivered over the sample interval
  std::uint64_t prior_delivered = 0;  // connection's delivered count when the sampled packet was sent
  Duration interval{0};
  bool is_app_limited = false;
};

struct AckEvent {
  Timestamp now;
  std::uint64_t bytes_acked = 0;
  std::uint64_t bytes_in_flight = 0;       // after removing the acknowledged packets
  std::uint64_t prior_in_flight = 0;       // before
  Timestamp largest_acked_sent_time;
  Duration latest_rtt{0};
  Duration smoothed_rtt{0};
  Duration min_rtt{0};
  std::uint64_t total_delivered = 0;       // connection's delivered bytes after this ACK
  RateSample rate;
};

struct LossEvent {
  Timestamp now;
  std::uint64_t bytes_lost = 0;
  std::uint64_t bytes_in_flight = 0;       // after removing the lost packets
  Timestamp largest_lost_sent_time;
  bool persistent_congestion = false;
};

class CongestionController {
 public:
  virtual ~CongestionController() = default;
  virtual const char* name() const = 0;
  virtual void on_packet_sent(Timestamp now, std::uint64_t bytes, std::uint64_t bytes_in_flight) {}
  virtual void on_ack(const AckEvent& ack) = 0;
  virtual void on_loss(const LossEvent& loss) = 0;
  virtual std::uint64_t congestion_window() const = 0;
  virtual std::optional<double> pacing_rate_bps() const { return std::nullopt; }
  virtual bool in_slow_start() const { return false; }
  // Bytes the sender may release in one burst when pacing (the pacer's bucket depth). Zero:
  // the connection's default (two datagrams).
  virtual std::uint64_t send_quantum() const { return 0; }
};

struct CcParams {
  std::uint64_t max_datagram_size = 1472;
  std::uint32_t initial_window_packets = 10;
  double aimd_increase_packets = 1.0;
  double aimd_decrease_factor = 0.5;
};

std::unique_ptr<CongestionController> make_newreno(const CcParams& params);
std::unique_ptr<CongestionController> make_cubic(const CcParams& params);
std::unique_ptr<CongestionController> make_aimd(const CcParams& params);
std::unique_ptr<CongestionController> make_bbr(const CcParams& params);

}  // namespace wirelab::cc

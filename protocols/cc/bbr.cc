// BBR version 1, as draft-cardwell-iccrg-bbr-congestion-control-00 (2017) describes it:
// a model of the path (bottleneck bandwidth = windowed max of delivery-rate samples over 10
// round trips; round-trip propagation time = min RTT over 10 s) and four states — STARTUP,
// DRAIN, PROBE_BW (pacing gain cycle 1.25, 0.75, 1 x 6) and PROBE_RTT. Pacing rate is
// pacing_gain x bandwidth; the window is cwnd_gain x BDP plus three datagrams of quantum.
//
// As in BBRv1, random loss is not a congestion signal: a lost packet only leaves the flight;
// the rate model is unchanged. That is what keeps the pipe full on a randomly lossy link (and
// what makes BBRv1 unfair to loss-based flows on shallow buffers, which BBRv2 later addressed).
// The draft's cwnd modulation in loss recovery (section 4.2.3.4: cut to the flight, packet
// conservation for a round, restore) is left out on purpose: at 5 % random loss every round
// trip is a recovery episode, so the window never grows past the flight; measured on the
// 20 Mbit/s, 100 ms path it lengthened 1-10 MB flows by 10-60 % and saved ten queue drops on a
// lossless one, where the startup window gain below already bounds the overshoot.
//
// One deliberate step from draft-00 towards its successors: STARTUP's cwnd gain is 2, not
// 2 / ln 2 (draft-cardwell-iccrg-bbr-congestion-control-02, BBRv3, uses 2: the least gain
// that lets the delivery rate double each round). Pacing at 2.89 x the bandwidth estimate, the
// flow is window-limited once the pipe fills, so the window gain is what decides how far
// STARTUP overfills the queue in its last three rounds: with 2.89 the flight reached 2.9 BDP,
// and a 1-BDP drop-tail queue lost ~0.9 BDP a round (~470 packets at 20 Mbit/s, 100 ms);
// with 2 it holds at most 2 BDP plus three send quanta.
//
// The window also holds three send quanta, as Linux's BBR does (bbr_quantization_budget): a
// quantum is what the host releases in one go, a millisecond at the pacing rate (Linux's TSO
// autosizing, sk_pacing_shift 10), at least two datagrams. Linux caps it at 64 KB, the largest
// TSO/GSO segment; our real host sends a quantum as several 64 KB GSO messages in one wake-up,
// so the cap here is 512 KB, far above any rate a simulated path has (at 20 Mbit/s a quantum is
// two datagrams). On a long path the quanta are a few datagrams on top of 2 x BDP; on loopback
// (RTT ~20 us, BDP a few KB) they are what keeps the flow from being window-limited by the
// hosts' wake-up latency, and the pacer releasing a quantum per wake-up is what keeps those
// wake-ups few (each costs tens of microseconds on a busy 2-core VM).
#include <algorithm>
#include <cmath>
#include <deque>

#include "protocols/cc/congestion_controller.h"

namespace wirelab::cc {
namespace {

constexpr double kHighGain = 2.885;  // 2 / ln 2: doubles the delivery rate each round
constexpr double kStartupCwndGain = 2;
constexpr double kCycleGains[8] = {1.25, 0.75, 1, 1, 1, 1, 1, 1};
constexpr std::uint64_t kBandwidthWindowRounds = 10;
constexpr Duration kRtpropWindow = std::chrono::seconds(10);
constexpr Duration kProbeRttDuration = std::chrono::milliseconds(200);
constexpr std::uint64_t kMaxQuantumBytes = 512 * 1024;
constexpr Duration kNominalRtt = std::chrono::milliseconds(1);

class Bbr : public CongestionController {
 public:
  explicit Bbr(const CcParams& p)
      : mss_(p.max_datagram_size), initial_cwnd_(p.initial_window_packets * p.max_datagram_size),
        cwnd_(initial_cwnd_) {
    init_pacing_rate(kNominalRtt);
  }
  const char* name() const override { return "bbr"; }

  void on_packet_sent(Timestamp now, std::uint64_t bytes, std::uint64_t bytes_in_flight) override {
    // The min-RTT window starts with the flow (Linux: min_rtt_stamp at init), not at the clock's
    // zero: a host clock such as CLOCK_MONOTONIC reads hours at the first packet, which made
    // the first ACK find the estimate "expired" and sent the flow to PROBE_RTT (4 packets,
    // 200 ms) before it had started.
    if (!started_) {
      started_ = true;
      rtprop_stamp_ = now;
    }
    if (bytes_in_flight == 0 && idle_restart_allowed_) idle_restart_ = true;
  }

  void on_ack(const AckEvent& ack) override {
    update_round(ack);
    update_bandwidth(ack);
    update_cycle_phase(ack);
    check_full_pipe(ack);
    check_drain(ack);
    update_rtprop(ack);
    check_probe_rtt(ack);
    set_pacing_rate(ack);
    set_cwnd(ack);
    idle_restart_ = false;
  }

  void on_loss(const LossEvent& loss) override {
    if (loss.persistent_congestion) cwnd_ = std::max<std::uint64_t>(loss.bytes_in_flight, min_cwnd());
  }

  std::uint64_t congestion_window() const override {
    return state_ == State::kProbeRtt ? std::min(cwnd_, min_cwnd()) : cwnd_;
  }
  std::optional<double> pacing_rate_bps() const override {
    if (pacing_rate_Bps_ <= 0) return std::nullopt;
    return pacing_rate_Bps_ * 8.0;
  }
  bool in_slow_start() const override { return state_ == State::kStartup; }
  std::uint64_t send_quantum() const override {
    // Linux: bbr_tso_segs_goal, the pacing rate >> sk_pacing_shift (~1 ms), at least two
    // segments (Linux allows one below 1.2 Mbit/s; two is the pacer's default depth, which slow
    // paths keep).
    const auto per_ms = static_cast<std::uint64_t>(pacing_rate_Bps_ / 1000.0);
    return std::max(2 * mss_, std::min<std::uint64_t>(per_ms / mss_ * mss_, kMaxQuantumBytes / mss_ * mss_));
  }

 private:
  enum class State { kStartup, kDrain, kProbeBw, kProbeRtt };

  std::uint64_t min_cwnd() const { return 4 * mss_; }
  double btlbw() const { return bw_samples_.empty() ? 0.0 : bw_samples_.front().second; }
  double bdp(double gain) const {
    if (rtprop_ == Duration::max() || btlbw() <= 0) return static_cast<double>(initial_cwnd_);
    return gain * btlbw() * to_seconds(rtprop_);
  }

  void update_round(const AckEvent& ack) {
    round_start_ = false;
    if (ack.rate.prior_delivered >= next_round_delivered_) {
      next_round_delivered_ = ack.total_delivered;
      ++round_count_;
      round_start_ = true;
    }
  }

  // Windowed max over the last 10 rounds, as a monotonic deque of (round, rate).
  void update_bandwidth(const AckEvent& ack) {
    const double rate = ack.rate.delivery_rate_bps / 8.0;
    while (!bw_samples_.empty() && bw_samples_.front().first + kBandwidthWindowRounds <= round_count_)
      bw_samples_.pop_front();
    if (rate <= 0) return;
    if (ack.rate.is_app_limited && rate < btlbw()) return;
    while (!bw_samples_.empty() && bw_samples_.back().second <= rate) bw_samples_.pop_back();
    bw_samples_.emplace_back(round_count_, rate);
  }

  void update_cycle_phase(const AckEvent& ack) {
    if (state_ != State::kProbeBw) return;
    const double gain = kCycleGains[cycle_index_];
    const bool full_length = ack.now - cycle_stamp_ > rtprop_;
    bool advance = full_length;
    if (gain > 1) advance = full_length && static_cast<double>(ack.prior_in_flight) >= bdp(gain);
    if (gain < 1) advance = full_length || static_cast<double>(ack.bytes_in_flight) <= bdp(1.0);
    if (advance) {
      cycle_index_ = (cycle_index_ + 1) % 8;
      cycle_stamp_ = ack.now;
    }
    pacing_gain_ = kCycleGains[cycle_index_];
  }

  // Three rounds in a row without 25 % bandwidth growth: the pipe is full. Application-limited
  // rounds say nothing about the path and do not count.
  void check_full_pipe(const AckEvent& ack) {
    if (filled_pipe_ || !round_start_ || ack.rate.is_app_limited) return;
    if (btlbw() >= full_bw_ * 1.25) {
      full_bw_ = btlbw();
      full_bw_count_ = 0;
      return;
    }
    if (++full_bw_count_ >= 3) filled_pipe_ = true;
  }

  void check_drain(const AckEvent& ack) {
    if (state_ == State::kStartup && filled_pipe_) {
      state_ = State::kDrain;
      pacing_gain_ = 1 / kHighGain;
      cwnd_gain_ = kStartupCwndGain;
    }
    if (state_ == State::kDrain && static_cast<double>(ack.bytes_in_flight) <= bdp(1.0)) enter_probe_bw(ack.now);
  }

  void enter_probe_bw(Timestamp now) {
    state_ = State::kProbeBw;
    cwnd_gain_ = 2;
    // The draft starts at a random phase other than the draining one; a fixed phase keeps the
    // controller free of its own randomness (runs stay a function of the seed).
    cycle_index_ = 2;
    cycle_stamp_ = now;
    pacing_gain_ = kCycleGains[cycle_index_];
  }

  void update_rtprop(const AckEvent& ack) {
    rtprop_expired_ = ack.now > rtprop_stamp_ + kRtpropWindow;
    if (ack.latest_rtt > Duration::zero() && (ack.latest_rtt <= rtprop_ || rtprop_expired_)) {
      // An expired estimate that a fresh sample confirms within 1/8 needs no PROBE_RTT: the path
      // shows no standing queue to drain. (Chromium's QUIC BBR skips it the same way.) Without
      // this an application-limited flow, whose samples sit a few microseconds above the
      // minimum, dropped to 4 packets for 200 ms every 10 s: RPC p99 rose from 22 to 300 ms at
      // a quarter of capacity (scenarios/rpc-knee.yaml).
      if (rtprop_expired_ && rtprop_ != Duration::max() && ack.latest_rtt * 8 <= rtprop_ * 9) rtprop_expired_ = false;
      rtprop_ = ack.latest_rtt;
      rtprop_stamp_ = ack.now;
    }
  }

  void check_probe_rtt(const AckEvent& ack) {
    if (state_ != State::kProbeRtt && rtprop_expired_ && !idle_restart_) {
      state_ = State::kProbeRtt;
      pacing_gain_ = 1;
      cwnd_gain_ = 1;
      prior_cwnd_ = cwnd_;
      probe_rtt_done_stamp_ = kTimeZero;
      probe_rtt_round_done_ = false;
    }
    if (state_ != State::kProbeRtt) return;
    if (probe_rtt_done_stamp_ == kTimeZero && ack.bytes_in_flight <= min_cwnd()) {
      probe_rtt_done_stamp_ = ack.now + kProbeRttDuration;
      probe_rtt_round_done_ = false;
      next_round_delivered_ = ack.total_delivered;
    } else if (probe_rtt_done_stamp_ != kTimeZero) {
      if (round_start_) probe_rtt_round_done_ = true;
      if (probe_rtt_round_done_ && ack.now > probe_rtt_done_stamp_) {
        rtprop_stamp_ = ack.now;
        cwnd_ = std::max(cwnd_, prior_cwnd_);
        if (filled_pipe_) enter_probe_bw(ack.now);
        else {
          state_ = State::kStartup;
          pacing_gain_ = kHighGain;
          cwnd_gain_ = kStartupCwndGain;
        }
      }
    }
  }

  // The draft's BBRInitPacingRate: high gain x initial window per round trip, over a nominal
  // 1 ms until the first RTT sample, then over the measured one.
  void init_pacing_rate(Duration rtt) {
    pacing_rate_Bps_ = kHighGain * static_cast<double>(initial_cwnd_) / to_seconds(rtt);
  }

  void set_pacing_rate(const AckEvent& ack) {
    if (!has_seen_rtt_ && ack.smoothed_rtt > Duration::zero()) {
      has_seen_rtt_ = true;
      init_pacing_rate(ack.smoothed_rtt);
    }
    // Until the pipe is full the rate only rises. The first samples (the handshake's one small
    // packet in a round trip, then the first window's) are far below the initial rate; pacing
    // at 2.89 x the handshake's sample held the initial window back for three round trips.
    const double rate = pacing_gain_ * btlbw();
    if (rate > 0 && (filled_pipe_ || rate > pacing_rate_Bps_)) pacing_rate_Bps_ = rate;
  }

  void set_cwnd(const AckEvent& ack) {
    const auto target = static_cast<std::uint64_t>(bdp(cwnd_gain_)) + 3 * send_quantum();
    if (filled_pipe_) cwnd_ = std::min(cwnd_ + ack.bytes_acked, target);
    else if (cwnd_ < target || ack.total_delivered < initial_cwnd_) cwnd_ += ack.bytes_acked;
    cwnd_ = std::max(cwnd_, min_cwnd());
  }

  std::uint64_t mss_;
  std::uint64_t initial_cwnd_;
  std::uint64_t cwnd_;
  std::uint64_t prior_cwnd_ = 0;
  State state_ = State::kStartup;
  double pacing_gain_ = kHighGain;
  double cwnd_gain_ = kStartupCwndGain;
  double pacing_rate_Bps_ = 0;
  std::deque<std::pair<std::uint64_t, double>> bw_samples_;
  std::uint64_t round_count_ = 0;
  std::uint64_t next_round_delivered_ = 0;
  bool round_start_ = false;
  bool filled_pipe_ = false;
  double full_bw_ = 0;
  int full_bw_count_ = 0;
  int cycle_index_ = 0;
  Timestamp cycle_stamp_{};
  Duration rtprop_ = Duration::max();
  Timestamp rtprop_stamp_{};
  bool rtprop_expired_ = false;
  Timestamp probe_rtt_done_stamp_ = kTimeZero;
  bool probe_rtt_round_done_ = false;
  bool idle_restart_ = false;
  bool idle_restart_allowed_ = false;
  bool started_ = false;
  bool has_seen_rtt_ = false;
};

}  // namespace

std::unique_ptr<CongestionController> make_bbr(const CcParams& params) { return std::make_unique<Bbr>(params); }

}  // namespace wirelab::cc

// Adaptive tuning of PFS (`pfs: {adaptive: true}`): an online learner that picks the FEC code
// and the window cap of a connection from what the sender measures — its loss rate and RTT —
// and from the goodput each setting earned.
//
// The learner is a discounted LinUCB bandit on top of an analytic prior. The prior (see
// AdaptiveTuner::prior) predicts each arm's goodput from the measured loss rate and RTT: the
// code rate k/(k+m) times the capacity or, under a loss-based controller, Mathis' rate at the
// loss FEC leaves unrepaired, whichever is lower. So one epoch's loss measurement ranks every
// arm, tried or not, and arms the prior rates clearly worse are never explored. What the prior
// gets wrong each arm learns as a correction, a discounted least-squares fit of
// log2(goodput / predicted goodput) on the context x = [1, q], q = queueing delay / min RTT
// (clipped to 2): A <- lambda A + x x' + (1 - lambda) A0, b <- lambda b + r x (the (1 - lambda)
// A0 term keeps A >= A0 = I / prior_variance, so directions the data never excite do not wind
// up). Each sample's residual is clipped to +-1 doubling, so one spoilt epoch cannot outweigh
// the prior. The arm chosen has the highest upper bound prior + theta.x + alpha sqrt(x' P x),
// P = A^-1. Rewards are log2(epoch goodput / the best epoch goodput seen): 0 for the best, -1 for
// half, so a halving at 5 % loss weighs like one at 0.1 %.
//
// Decisions happen at epoch ends. An epoch lasts at least `epoch_rtts` smoothed RTTs, and a
// setting change needs `min_rtts_between_changes` RTTs since the last one: that is the guard
// against oscillation. Hysteresis adds to it: a challenger must beat the current arm's bound by
// `hysteresis` doublings to take over. Between epoch ends, a loss jump that makes another arm's
// prediction `urgent_margin` doublings better switches at once (the guard still holds): each RTT
// a loss-based controller spends on a weak code costs it a window reduction. Every decision
// yields a TuningDecision with its reason: the context, and each arm's prior, prediction and bound.
//
// Sans-IO: time comes in as `now`. TuningController is the whole hook into a Connection: the
// connection calls it after each ACK, and it applies decisions through set_fec() and
// set_window_cap() and queues one TransportNote per decision (series + log line) for the host.
// It files the connection's losses with a LossClassifier, so the tuner sizes codes by the random
// loss, not by the overflow losses of the queue its own congestion controller fills.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "protocols/core/time.h"
#include "protocols/core/endpoint.h"
#include "protocols/pfs/loss_classifier.h"
#include "protocols/pfs/pfs.h"

namespace wirelab::pfs {

struct TuningOptions {
  // default_arms() when empty. The tuner starts on the lightest FEC arm (highest code rate) under
  // a loss-based controller, else (or when no arm has FEC) on arms[0].
  std::vector<TuningArm> arms;
  double epoch_rtts = 5;              // an epoch lasts at least this many smoothed RTTs ...
  Duration min_epoch = std::chrono::milliseconds(500);  // ... and at least this long (enough packets to judge)
  double min_rtts_between_changes = 5;
  double urgent_margin = 1.0;         // between epoch ends, switch when another arm is predicted this many doublings better (0: never)
  double hysteresis = 0.07;           // a challenger's bound must exceed the current arm's by 0.07 doublings (5 %)
  double forgetting = 0.9;            // lambda per epoch: old epochs fade (the loss changes over time)
  double alpha = 0.15;                // exploration weight of the confidence bound
  double prior_variance = 1.0;        // P starts as prior_variance * I (rewards in doublings)
  // The analytic prior (see AdaptiveTuner::prior): true when the congestion controller backs off
  // on (unrepaired) loss — NewReno, Cubic, AIMD; false for BBR, where FEC is only overhead.
  bool loss_based_cc = true;
  // The prior's capacity until a queue has stood (TuningSample::saturated): the sender was
  // window-limited all along (a loss in slow start, Cubic still regrowing), so what it delivered
  // is a floor of the path's capacity, not its value; the prior then assumes this many times it.
  // Generous on purpose: too high keeps the lightest code that stops random loss (its code rate,
  // until a queue stands and the capacity is measured), too low lets FEC off look free and every
  // random loss cut the regrowing window again (2x still picked off at 3 Mbit/s, 0.07 % loss).
  double unsaturated_headroom = 4.0;

  static std::vector<TuningArm> default_arms();
};

// What the connection measured at one ACK.
struct TuningSample {
  Timestamp now;
  std::uint64_t delivered_bytes = 0;  // stream bytes acknowledged so far (cumulative)
  // The loss the prior judges codes by: the random part (LossClassifier: losses below the top of
  // the queue), FEC-repaired losses included; the packets it is over (0: unknown, taken as 1000).
  double loss_rate = 0;
  std::uint64_t loss_samples = 0;
  bool loss_known = true;             // false: too few samples to judge loss_rate; the tuner holds
  double loss_rate_all = 0;           // every loss, queue overflow included (reported only)
  double congestive_share = 0;        // the share of losses at the top of the queue (reported only)
  Duration smoothed_rtt{0};
  Duration min_rtt{0};
  double bandwidth_bps = 0;           // a delivery-rate estimate (the window cap's BDP, the prior's capacity)
  bool saturated = true;              // a queue stands (smoothed RTT >= 1.1 x min RTT); the tuner latches it: the rates above measure capacity
};

struct TuningDecision {
  Timestamp at;
  std::size_t arm = 0;                // index into arms()
  bool changed = false;
  std::string reason;                 // explore | exploit | hold (guard | hysteresis | settling | measuring)
  Eigen::Vector2d context;            // x = [1, q] (see above)
  double epoch_goodput_bps = 0;       // what the epoch that just ended delivered
  double reward = 0;                  // log2(epoch goodput / best epoch goodput)
  std::vector<double> prior;          // per arm: the analytic prior (predicted reward, doublings)
  std::vector<double> predicted;      // per arm: prior + theta.x (predicted reward, doublings)
  std::vector<double> bound;          // per arm: the upper confidence bound
  std::uint32_t window_cap_packets = 0;
  double srtt_s = 0;
  double loss = 0;                    // the random loss the prior used
  double loss_all = 0;                // every loss
  double congestive_share = 0;
  bool saturated = true;              // false: no queue yet, the prior took capacity as headroom x what was delivered, no window cap
  // One log line, the reason included, without the time (the host adds it on its own clock).
  std::string line(const std::vector<TuningArm>& arms) const;
};

class AdaptiveTuner {
 public:
  explicit AdaptiveTuner(TuningOptions options = {});

  const std::vector<TuningArm>& arms() const { return options_.arms; }
  std::size_t current() const { return current_; }
  // The cap, in packets, that the current arm asks for now (0: none).
  std::uint32_t window_cap_packets(const TuningSample& s, std::size_t max_datagram_size) const;

  // Call on every ACK; returns a decision when an epoch ended (apply it when `changed`).
  std::optional<TuningDecision> on_ack(const TuningSample& sample, std::size_t max_datagram_size);

  // Exposed for tests: the RLS model of one arm's correction to the prior (reward - prior).
  double correction(std::size_t arm, const Eigen::Vector2d& x) const { return models_[arm].theta.dot(x); }
  double bonus(std::size_t arm, const Eigen::Vector2d& x) const;
  void learn(std::size_t arm, const Eigen::Vector2d& x, double residual);
  static Eigen::Vector2d context(double loss, Duration srtt, Duration min_rtt);

  // The analytic prior of an arm rs(k,m) (off: m = 0) at loss rate p, in doublings below
  // `reference_bps`: the code keeps k/(k+m) of the rate for data; a source stays lost after FEC
  // when it and at least m of the other k+m-1 shards of its block are lost,
  //   e(p) = p * P(Binomial(k+m-1, p) >= m),
  // and only those reach a loss-based controller, which then sustains about Mathis' rate
  //   1.22 * MSS / (RTT * sqrt(e)).
  // Goodput ~ k/(k+m) * min(capacity, window cap, Mathis(e)). Without loss-based CC the Mathis
  // term is dropped (FEC is overhead only).
  static double residual_loss(int k, int m, double p);
  double prior(std::size_t arm, double loss, Duration srtt, double capacity_bps, double reference_bps,
               std::size_t max_datagram_size) const;

 private:
  struct ArmModel {
    Eigen::Matrix2d a;                       // discounted Gram matrix, >= I / prior_variance
    Eigen::Vector2d b = Eigen::Vector2d::Zero();
    Eigen::Vector2d theta = Eigen::Vector2d::Zero();
    Eigen::Matrix2d p;                       // A^-1
  };

  // The decision's context, prior, prediction and bound of every arm, as of `s` (on the current arm).
  TuningDecision assess(const TuningSample& s, std::size_t max_datagram_size) const;
  // A new epoch starts at `s`; switch_to also makes `arm` current, starts the guard and marks
  // the next epoch as settling.
  void start_epoch(const TuningSample& s);
  void switch_to(std::size_t arm, const TuningSample& s);
  double epoch_goodput_bps(const TuningSample& s, Duration elapsed) const;

  TuningOptions options_;
  std::vector<ArmModel> models_;
  std::size_t current_ = 0;
  bool started_ = false;
  Timestamp epoch_start_{};
  std::uint64_t epoch_start_delivered_ = 0;
  Timestamp last_change_{};
  bool settling_ = false;        // the epoch after a change: not scored
  double best_goodput_bps_ = 0;  // reward scale: rewards are goodput / the best epoch seen
  double capacity_bps_ = 0;      // max(best epoch goodput, delivery-rate estimate); the prior's capacity
                                 // (times unsaturated_headroom until saturated_)
  // Saturated, latched: a queue has stood (TuningSample::saturated, any ACK), or the epoch goodput stopped
  // growing (kFlatEpochs epochs without 5 % above plateau_bps_) with no queue: something other
  // than the window holds the rate (a shallow buffer, a policer, the application), and what was
  // delivered is the capacity there is.
  static constexpr int kFlatEpochs = 10;
  bool saturated_ = false;
  int flat_epochs_ = 0;
  double plateau_bps_ = 0;
};

class Connection;

// Drives one connection's AdaptiveTuner: samples the connection after each ACK, applies what
// the tuner decides, and keeps the decisions as notes for the host. Series per decision:
// adaptive_fec_k, adaptive_fec_m, adaptive_window (cap in packets, 0 = none), adaptive_loss
// (the random loss the tuner used), adaptive_loss_all (every loss), adaptive_srtt_s, adaptive_predicted (the chosen arm's predicted reward, doublings below the
// best epoch goodput), adaptive_changed (1 when the setting changed).
class TuningController {
 public:
  explicit TuningController(const PfsConfig& config);
  // The arm the connection starts with (apply before sending).
  const TuningArm& initial_arm() const { return tuner_.arms()[tuner_.current()]; }
  void on_ack(Timestamp now, Connection& connection);
  std::optional<TransportNote> poll_note();
  const AdaptiveTuner& tuner() const { return tuner_; }

 private:
  AdaptiveTuner tuner_;
  LossClassifier losses_;
  std::uint64_t last_acked_ = 0;
  std::uint64_t last_lost_ = 0;
  std::uint64_t last_rebuilt_ = 0;       // the peer's FEC_RECOVERED total at the last ACK
  std::uint64_t rebuilt_unmatched_ = 0;  // rebuilt packets whose acknowledgement is still to come
  double best_rate_bps_ = 0;
  std::uint64_t last_delivered_ = 0;
  Timestamp last_sample_{};
  std::vector<TransportNote> notes_;
  std::size_t next_note_ = 0;
};

}  // namespace wirelab::pfs

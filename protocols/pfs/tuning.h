// Adaptive tuning of PFS (`pfs: {adaptive: true}`): an online learner that picks the FEC code
// and the window cap of a connection from what the sender measures — its loss rate and RTT —
// and from the goodput each setting earned.
//
// The learner is a discounted LinUCB bandit: every arm (one FEC code x one window cap) keeps a
// least-squares model of the goodput it earns as a function of the context x = [1, l, l^2, q]
// with l = 20 x loss rate (so 5 % is 1) and q = queueing delay / min RTT (clipped to 2).
// Each epoch's sample updates the arm's Gram matrix A <- lambda A + x x' + (1 - lambda) A0 and
// b <- lambda b + r x (recursive least squares with forgetting factor lambda; the (1 - lambda) A0
// term keeps A >= A0 = I / prior_variance, so directions the data never excite do not wind up
// as plain RLS forgetting would). theta = A^-1 b predicts; P = A^-1 measures what the arm has
// not seen. The arm chosen has the highest upper confidence bound theta.x + alpha sqrt(x' P x),
// so an arm never tried in the present context (5 % loss after a stretch of 0.1 %) looks
// promising until tried. The reward of an epoch is log2(its goodput / the best epoch goodput
// seen): 0 for the best, -1 for half of it. Models start at 0, i.e. optimistic: every arm is
// tried once in a new context, and the log scale weighs a halving at 5 % loss (1 -> 0.5 Mbit/s)
// like one at 0.1 % (16 -> 8), so the learner discriminates in the lossy phase too.
//
// Decisions happen at epoch ends. An epoch lasts at least `epoch_rtts` smoothed RTTs, and a
// setting change needs `min_rtts_between_changes` RTTs since the last one: that is the guard
// against oscillation. Hysteresis adds to it: a challenger must beat the current arm's bound by
// `hysteresis` (relative) to take over. Every decision yields a TuningDecision with its reason:
// the context, the arm, the prediction and bound of each arm.
//
// Sans-IO: time comes in as `now`. TuningController is the whole hook into a Connection: the
// connection calls it after each ACK, and it applies decisions through set_fec() and
// set_window_cap() and queues one TransportNote per decision (series + log line) for the host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "protocols/core/time.h"
#include "protocols/core/endpoint.h"
#include "protocols/pfs/pfs.h"

namespace wirelab::pfs {

struct TuningOptions {
  std::vector<TuningArm> arms;        // default_arms() when empty; the tuner starts on arms[0]
  double epoch_rtts = 5;              // an epoch lasts at least this many smoothed RTTs ...
  Duration min_epoch = std::chrono::milliseconds(500);  // ... and at least this long (enough packets to judge)
  double min_rtts_between_changes = 5;
  double hysteresis = 0.07;           // a challenger's bound must exceed the current arm's by 0.07 doublings (5 %)
  double forgetting = 0.9;            // lambda per epoch: old epochs fade (the loss changes over time)
  double alpha = 0.15;                // exploration weight of the confidence bound
  double prior_variance = 1.0;        // P starts as prior_variance * I (rewards in doublings)

  static std::vector<TuningArm> default_arms();
};

// What the connection measured at one ACK.
struct TuningSample {
  Timestamp now;
  std::uint64_t delivered_bytes = 0;  // stream bytes acknowledged so far (cumulative)
  double loss_rate = 0;               // recent lost / sent packets, FEC-repaired losses included
  Duration smoothed_rtt{0};
  Duration min_rtt{0};
  double bandwidth_bps = 0;           // a delivery-rate estimate (for the window cap's BDP)
};

struct TuningDecision {
  Timestamp at;
  std::size_t arm = 0;                // index into arms()
  bool changed = false;
  std::string reason;                 // explore | exploit | hold (guard | hysteresis | settling)
  Eigen::Vector4d context;            // x = [1, l, l^2, q] (see above)
  double epoch_goodput_bps = 0;       // what the epoch that just ended delivered
  double reward = 0;                  // log2(epoch goodput / best epoch goodput)
  std::vector<double> predicted;      // per arm: theta.x (predicted reward, doublings)
  std::vector<double> bound;          // per arm: the upper confidence bound
  std::uint32_t window_cap_packets = 0;
  double srtt_s = 0;
  double loss = 0;
  std::string line(const std::vector<TuningArm>& arms) const;  // one log line, the reason included
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

  // Exposed for tests: the RLS model of one arm.
  double predict(std::size_t arm, const Eigen::Vector4d& x) const { return models_[arm].theta.dot(x); }
  double bound(std::size_t arm, const Eigen::Vector4d& x) const;
  void learn(std::size_t arm, const Eigen::Vector4d& x, double reward);
  static Eigen::Vector4d context(double loss, Duration srtt, Duration min_rtt);

 private:
  struct ArmModel {
    Eigen::Matrix4d a;                       // discounted Gram matrix, >= I / prior_variance
    Eigen::Vector4d b = Eigen::Vector4d::Zero();
    Eigen::Vector4d theta = Eigen::Vector4d::Zero();
    Eigen::Matrix4d p;                       // A^-1
  };

  TuningOptions options_;
  std::vector<ArmModel> models_;
  std::size_t current_ = 0;
  bool started_ = false;
  Timestamp epoch_start_{};
  std::uint64_t epoch_start_delivered_ = 0;
  Timestamp last_change_{};
  bool settling_ = false;        // the epoch after a change: not scored
  double best_goodput_bps_ = 0;  // reward scale: rewards are goodput / the best epoch seen
};

class Connection;

// Drives one connection's AdaptiveTuner: samples the connection after each ACK, applies what
// the tuner decides, and keeps the decisions as notes for the host. Series per decision:
// adaptive_fec_k, adaptive_fec_m, adaptive_window (cap in packets, 0 = none), adaptive_loss,
// adaptive_srtt_s, adaptive_predicted (the chosen arm's predicted reward, doublings below the
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
  double best_rate_bps_ = 0;
  std::uint64_t last_delivered_ = 0;
  Timestamp last_sample_{};
  std::vector<TransportNote> notes_;
  std::size_t next_note_ = 0;
};

}  // namespace wirelab::pfs

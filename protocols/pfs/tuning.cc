#include "protocols/pfs/tuning.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "protocols/pfs/connection.h"

namespace wirelab::pfs {
namespace {

constexpr double kMaxResidual = 1.0;  // doublings

}  // namespace

std::string TuningArm::label() const {
  std::string s = fec.to_string();
  if (window_bdp > 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "+w%g", window_bdp);
    s += buf;
  }
  return s;
}

std::vector<TuningArm> TuningOptions::default_arms() {
  std::vector<TuningArm> arms;
  for (auto [k, m] : {std::pair{0, 0}, {10, 1}, {10, 2}, {10, 4}}) {
    TuningArm arm;
    arm.fec.k = k;
    arm.fec.m = m;
    arms.push_back(arm);
  }
  return arms;
}

AdaptiveTuner::AdaptiveTuner(TuningOptions options) : options_(std::move(options)) {
  if (options_.arms.empty()) options_.arms = TuningOptions::default_arms();
  ArmModel fresh;
  fresh.a = Eigen::Matrix2d::Identity() / options_.prior_variance;
  fresh.p = Eigen::Matrix2d::Identity() * options_.prior_variance;
  models_.assign(options_.arms.size(), fresh);
  // Nothing is measured yet. Under a loss-based controller start on the lightest code (the FEC
  // arm with the highest code rate): a random loss in slow start ends it, and Cubic then needs
  // seconds to grow to the link rate (scenarios/adaptive.yaml: 7 s at 0.1 % loss, from FEC off),
  // while the code costs only its overhead until the first decision. Otherwise (BBR) on arms[0].
  if (options_.loss_based_cc) {
    double best_rate = 0;
    for (std::size_t a = 0; a < options_.arms.size(); ++a) {
      const fec::RsParams& f = options_.arms[a].fec;
      if (f.k <= 0 || f.m <= 0) continue;
      const double rate = static_cast<double>(f.k) / (f.k + f.m);
      if (rate > best_rate) {
        best_rate = rate;
        current_ = a;
      }
    }
  }
}

Eigen::Vector2d AdaptiveTuner::context(double /*loss*/, Duration srtt, Duration min_rtt) {
  double q = 0;
  if (min_rtt.count() > 0) q = std::clamp(to_seconds(srtt) / to_seconds(min_rtt) - 1, 0.0, 2.0);
  return Eigen::Vector2d(1, q);
}

double AdaptiveTuner::bonus(std::size_t arm, const Eigen::Vector2d& x) const {
  return options_.alpha * std::sqrt(std::max(0.0, x.dot(models_[arm].p * x)));
}

void AdaptiveTuner::learn(std::size_t arm, const Eigen::Vector2d& x, double residual) {
  ArmModel& m = models_[arm];
  const double lambda = options_.forgetting;
  const Eigen::Matrix2d floor = Eigen::Matrix2d::Identity() / options_.prior_variance;
  m.a = lambda * m.a + x * x.transpose() + (1 - lambda) * floor;
  m.b = lambda * m.b + residual * x;
  const Eigen::LDLT<Eigen::Matrix2d> ldlt(m.a);
  m.theta = ldlt.solve(m.b);
  m.p = ldlt.solve(Eigen::Matrix2d::Identity());
}

double AdaptiveTuner::residual_loss(int k, int m, double p) {
  p = std::clamp(p, 0.0, 1.0);
  if (m <= 0 || k <= 0) return p;
  // P(Binomial(n, p) >= m) = 1 - sum_{j < m} C(n, j) p^j (1 - p)^(n - j), n = k + m - 1.
  const int n = k + m - 1;
  double below = 0, term = std::pow(1 - p, n);  // j = 0
  for (int j = 0; j < m && j <= n; ++j) {
    below += term;
    if (p >= 1) break;
    term *= static_cast<double>(n - j) / (j + 1) * p / (1 - p);
  }
  return p * std::clamp(1 - below, 0.0, 1.0);
}

double AdaptiveTuner::prior(std::size_t arm, double loss, Duration srtt, double capacity_bps, double reference_bps,
                            std::size_t max_datagram_size) const {
  const TuningArm& a = options_.arms[arm];
  const int k = a.fec.k, m = a.fec.m;
  const double code_rate = (k > 0 && m > 0) ? static_cast<double>(k) / (k + m) : 1.0;
  double rate = capacity_bps;
  if (a.window_bdp > 0) rate = std::min(rate, a.window_bdp * capacity_bps);
  if (options_.loss_based_cc && srtt.count() > 0) {
    const double e = residual_loss(k, m, loss);
    if (e > 0) rate = std::min(rate, 1.22 * 8.0 * static_cast<double>(max_datagram_size) / (to_seconds(srtt) * std::sqrt(e)));
  }
  rate *= code_rate;
  if (reference_bps <= 0 || rate <= 0) return std::log2(code_rate);
  return std::max(-10.0, std::log2(rate / reference_bps));
}

std::uint32_t AdaptiveTuner::window_cap_packets(const TuningSample& s, std::size_t max_datagram_size) const {
  const TuningArm& arm = options_.arms[current_];
  // Not before saturation: the delivery rate then measures the window, not the path, and a cap
  // from it would hold the window where it is, so no queue could ever stand.
  if (arm.window_bdp <= 0 || s.bandwidth_bps <= 0 || s.min_rtt.count() <= 0 || !saturated_) return 0;
  const double bdp_packets = s.bandwidth_bps / 8 * to_seconds(s.min_rtt) / static_cast<double>(max_datagram_size);
  return static_cast<std::uint32_t>(std::max(4.0, std::ceil(arm.window_bdp * bdp_packets)));
}

TuningDecision AdaptiveTuner::assess(const TuningSample& s, std::size_t max_datagram_size) const {
  TuningDecision d;
  d.at = s.now;
  d.arm = current_;
  d.srtt_s = to_seconds(s.smoothed_rtt);
  d.loss = s.loss_rate;
  d.loss_all = s.loss_rate_all;
  d.congestive_share = s.congestive_share;
  d.context = context(s.loss_rate, s.smoothed_rtt, s.min_rtt);
  // The prior's loss rate: one standard deviation above the posterior mean under a Jeffreys
  // prior, (lost + 1/2) / (sent + 1). Too weak a code costs a loss-based controller its window
  // (seconds to regrow), too strong a code only its code rate, so the prior judges at a
  // pessimistic loss: no loss seen in n sends reads as ~1.2/n, not as a lossless path on which
  // FEC off looks free.
  const double n = static_cast<double>(s.loss_samples > 0 ? s.loss_samples : 1000);
  const double mean = (s.loss_rate * n + 0.5) / (n + 1);
  const double loss = std::min(1.0, mean + std::sqrt(mean * (1 - mean) / (n + 1)));
  // Without a queue the sender never filled the path: capacity is at least what it delivered.
  // Taken at face value it made FEC off look free to a Cubic regrowing from an early loss (its
  // Mathis rate above the few Mbit/s it had reached), and the tuner flipped between off and
  // rs(10,1) for seconds, each random loss on off cutting the window again (11.4 Mbit/s at 0.1 %
  // loss where rs(10,1) kept 17.4; docs/protocols/pfs-adaptive.md).
  d.saturated = saturated_;
  const double capacity = d.saturated ? capacity_bps_ : capacity_bps_ * options_.unsaturated_headroom;
  for (std::size_t a = 0; a < models_.size(); ++a) {
    d.prior.push_back(prior(a, loss, s.smoothed_rtt, capacity, best_goodput_bps_, max_datagram_size));
    d.predicted.push_back(d.prior[a] + correction(a, d.context));
    d.bound.push_back(d.predicted[a] + bonus(a, d.context));
  }
  d.window_cap_packets = window_cap_packets(s, max_datagram_size);
  return d;
}

void AdaptiveTuner::start_epoch(const TuningSample& s) {
  epoch_start_ = s.now;
  epoch_start_delivered_ = s.delivered_bytes;
}

void AdaptiveTuner::switch_to(std::size_t arm, const TuningSample& s) {
  current_ = arm;
  last_change_ = s.now;
  settling_ = true;
}

double AdaptiveTuner::epoch_goodput_bps(const TuningSample& s, Duration elapsed) const {
  return static_cast<double>(s.delivered_bytes - epoch_start_delivered_) * 8 / to_seconds(elapsed);
}

std::optional<TuningDecision> AdaptiveTuner::on_ack(const TuningSample& s, std::size_t max_datagram_size) {
  if (s.smoothed_rtt.count() <= 0) return std::nullopt;  // nothing measured yet
  if (s.saturated) saturated_ = true;
  if (!started_) {
    started_ = true;
    start_epoch(s);
    last_change_ = s.now;
    return std::nullopt;
  }
  const Duration epoch_length =
      std::max(options_.min_epoch, std::chrono::duration_cast<Duration>(s.smoothed_rtt * options_.epoch_rtts));
  const Duration guard = std::chrono::duration_cast<Duration>(s.smoothed_rtt * options_.min_rtts_between_changes);
  const Duration elapsed = s.now - epoch_start_;
  if (elapsed < epoch_length) {
    // Between epoch ends only the measured loss can move the tuner: when it makes the current
    // arm's predicted goodput `urgent_margin` doublings worse than another arm's (the loss jumped,
    // and every RTT on a weak code costs a loss-based controller a window reduction), switch now
    // instead of at the epoch's end. The guard holds; the cut epoch is not scored.
    if (options_.urgent_margin <= 0 || best_goodput_bps_ <= 0 || s.now - last_change_ < guard || !s.loss_known)
      return std::nullopt;
    TuningDecision d = assess(s, max_datagram_size);
    std::size_t greedy = current_;
    for (std::size_t a = 0; a < models_.size(); ++a)
      if (d.predicted[a] > d.predicted[greedy]) greedy = a;
    if (d.predicted[greedy] < d.predicted[current_] + options_.urgent_margin) return std::nullopt;
    d.epoch_goodput_bps = epoch_goodput_bps(s, elapsed);
    char why[160];
    std::snprintf(why, sizeof why, "switch now (loss): predicted %.2f doublings above the current arm, mid-epoch",
                  d.predicted[greedy] - d.predicted[current_]);
    d.reason = why;
    d.arm = greedy;
    d.changed = true;
    switch_to(greedy, s);
    d.window_cap_packets = window_cap_packets(s, max_datagram_size);
    start_epoch(s);
    return d;
  }

  const double epoch_goodput = epoch_goodput_bps(s, elapsed);
  best_goodput_bps_ = std::max(best_goodput_bps_, epoch_goodput);
  if (!saturated_) {
    if (epoch_goodput > 1.05 * plateau_bps_) {
      plateau_bps_ = epoch_goodput;
      flat_epochs_ = 0;
    } else if (++flat_epochs_ >= kFlatEpochs) {
      saturated_ = true;
    }
  }
  capacity_bps_ = std::max({capacity_bps_, best_goodput_bps_, s.bandwidth_bps});
  TuningDecision d = assess(s, max_datagram_size);
  d.epoch_goodput_bps = epoch_goodput;
  auto predictions = [&] {
    for (std::size_t a = 0; a < models_.size(); ++a) {
      d.predicted[a] = d.prior[a] + correction(a, d.context);
      d.bound[a] = d.predicted[a] + bonus(a, d.context);
    }
  };
  if (settling_) {
    // The first epoch after a change carries the previous arm's window and losses: it is not
    // this arm's to judge, and no decision is taken on it.
    settling_ = false;
    d.reason = "hold (settling): the first epoch after a change is not scored";
    start_epoch(s);
    return d;
  }
  if (best_goodput_bps_ > 0) {
    // Reward: doublings below the best epoch so far (0 = as good as the best). The arm's model
    // learns what the prior got wrong (reward - prior = log2(goodput / predicted goodput)), so
    // an arm never tried in a context is predicted by the prior, and explored only when its
    // bound (prior + correction + uncertainty) beats the current arm's.
    d.reward = std::log2(std::max(d.epoch_goodput_bps, 1e-3 * best_goodput_bps_) / best_goodput_bps_);
    // One epoch moves the correction by at most kMaxResidual doublings' worth: an epoch spoilt
    // by its predecessor's collapsed window, or by a burst of queue-overflow loss the prior reads
    // as random loss, must not outweigh the prior for long.
    // Not while no queue has stood: the window, still regrowing, set the epoch's goodput, not the
    // arm, and every arm tried then would learn a penalty that was the window's.
    if (saturated_) learn(current_, d.context, std::clamp(d.reward - d.prior[current_], -kMaxResidual, kMaxResidual));
  }
  predictions();
  if (!s.loss_known) {
    d.reason = "hold (measuring): too few outcomes below the queue top to judge random loss";
    start_epoch(s);
    return d;
  }

  std::size_t top = current_, greedy = current_;
  for (std::size_t a = 0; a < models_.size(); ++a) {
    if (d.bound[a] > d.bound[top]) top = a;
    if (d.predicted[a] > d.predicted[greedy]) greedy = a;
  }
  d.arm = current_;
  if (top == current_) {
    d.reason = top == greedy ? "exploit: current arm has the best bound" : "explore: current arm's bound is best";
  } else if (s.now - last_change_ < guard) {
    d.reason = "hold (guard): the last change was under " +
               std::to_string(static_cast<int>(options_.min_rtts_between_changes)) + " RTTs ago";
  } else if (d.bound[top] < d.bound[current_] + options_.hysteresis) {
    char why[160];
    std::snprintf(why, sizeof why, "hold (hysteresis): %s's bound is within %.2f doublings of the current arm's",
                  options_.arms[top].label().c_str(), options_.hysteresis);
    d.reason = why;
  } else {
    d.arm = top;
    d.changed = true;
    d.reason = top == greedy ? "exploit: best predicted goodput" : "explore: uncertain arm's bound is best";
    switch_to(top, s);
  }
  d.window_cap_packets = window_cap_packets(s, max_datagram_size);
  start_epoch(s);
  return d;
}

std::string TuningDecision::line(const std::vector<TuningArm>& arms) const {
  char head[512];
  // No time here: the host prefixes the line with it on the run's own clock (harness/transport_report.h).
  std::snprintf(head, sizeof head,
                "adaptive: %s %s (loss %.4f random, %.4f all, %.0f %% at the queue top; srtt %.1f ms, epoch goodput "
                "%.2f Mbit/s, reward %.2f, cap %u pkts%s): %s;",
                changed ? "switch to" : "keep", arms[arm].label().c_str(), loss, loss_all, congestive_share * 100,
                srtt_s * 1e3, epoch_goodput_bps / 1e6, reward, window_cap_packets,
                saturated ? "" : ", no queue yet: capacity above what was delivered", reason.c_str());
  std::string s = head;
  for (std::size_t a = 0; a < arms.size() && a < predicted.size(); ++a) {
    char item[128];
    std::snprintf(item, sizeof item, " %s prior %.3f pred %.3f ucb %.3f", arms[a].label().c_str(),
                  a < prior.size() ? prior[a] : 0.0, predicted[a], bound[a]);
    s += item;
  }
  return s;
}

}  // namespace wirelab::pfs

namespace wirelab::pfs {
namespace {

TuningOptions options_for(const PfsConfig& config) {
  TuningOptions o;
  o.arms = config.adaptive_arms;
  o.loss_based_cc = config.cc != CcAlgorithm::kBbr;
  return o;
}

}  // namespace

TuningController::TuningController(const PfsConfig& config) : tuner_(options_for(config)) {}

void TuningController::on_ack(Timestamp now, Connection& c) {
  if (!c.has_rtt_sample()) return;
  // The delivery-rate estimate for the window cap's BDP: the best rate of acknowledged stream
  // bytes over spans of at least one min RTT.
  const std::uint64_t delivered = c.stream_bytes_acked();
  if (last_sample_ == Timestamp{}) {
    last_sample_ = now;
    last_delivered_ = delivered;
  } else if (now - last_sample_ >= c.min_rtt() && now > last_sample_) {
    best_rate_bps_ = std::max(best_rate_bps_, (delivered - last_delivered_) * 8.0 / to_seconds(now - last_sample_));
    last_sample_ = now;
    last_delivered_ = delivered;
  }
  // File this ACK's outcomes (packets acknowledged, losses declared or reported rebuilt since the
  // last ACK) by the queue the RTT samples show (LossClassifier).
  // A packet the peer rebuilt is both reported lost and acknowledged: one outcome, a loss (else
  // the rate reads L / (N + L), 4.76 % for 5 %).
  const std::uint64_t acked = c.packets_acked(), lost = c.packets_lost_counted(), rebuilt = c.peer_fec_recovered();
  rebuilt_unmatched_ += rebuilt - last_rebuilt_;  // reported; their ACKs may come in a later one
  const std::uint64_t matched = std::min(acked - last_acked_, rebuilt_unmatched_);
  rebuilt_unmatched_ -= matched;
  losses_.on_outcomes(now, acked - last_acked_ - matched, lost - last_lost_, c.latest_rtt(), c.min_rtt(), c.min_rtt());
  last_acked_ = acked;
  last_lost_ = lost;
  last_rebuilt_ = rebuilt;
  TuningSample s;
  s.now = now;
  s.delivered_bytes = delivered;
  s.loss_rate = losses_.random_rate();
  s.loss_samples = losses_.random_samples();
  s.loss_known = losses_.random_known();
  s.loss_rate_all = c.loss_rate();
  s.congestive_share = losses_.congestive_share();
  // A queue stands when the smoothed RTT is 10 % above the minimum (the tuner latches it). Bursts
  // reach that in single samples while the average rate is far below capacity, so the max RTT will
  // not do.
  s.saturated = c.smoothed_rtt() - c.min_rtt() >= c.min_rtt() / 10;
  s.smoothed_rtt = c.smoothed_rtt();
  s.min_rtt = c.min_rtt();
  s.bandwidth_bps = best_rate_bps_;
  const auto d = tuner_.on_ack(s, c.max_datagram_size());
  if (!d) return;
  const TuningArm& arm = tuner_.arms()[d->arm];
  if (d->changed) c.set_fec(arm.fec);
  c.set_window_cap(d->window_cap_packets);
  TransportNote note;
  note.at = now;
  note.series = {{"adaptive_fec_k", arm.fec.k},
                 {"adaptive_fec_m", arm.fec.m},
                 {"adaptive_window", d->window_cap_packets},
                 {"adaptive_loss", d->loss},
                 {"adaptive_loss_all", d->loss_all},
                 {"adaptive_srtt_s", d->srtt_s},
                 {"adaptive_predicted", d->predicted[d->arm]},
                 {"adaptive_changed", d->changed ? 1.0 : 0.0}};
  note.line = d->line(tuner_.arms());
  notes_.push_back(std::move(note));
}

std::optional<TransportNote> TuningController::poll_note() {
  if (next_note_ >= notes_.size()) {
    notes_.clear();
    next_note_ = 0;
    return std::nullopt;
  }
  return std::move(notes_[next_note_++]);
}

}  // namespace wirelab::pfs

// Which of a sender's losses a drop-tail queue's overflow caused, and the rate of the rest
// (random loss: a lossy link). Adaptive FEC sizes its code for the random part only: a
// loss-based controller fills the bottleneck queue until it overflows, and repairing those
// losses buys nothing — it only hides the congestion signal the controller needs.
//
// Overflow losses happen when the queue is full, so the packets around a lost one (whose ACKs
// reveal the loss) measured the highest queueing delay of the path; random loss strikes at any
// queue level. Every outcome — a packet acknowledged, or found lost (declared lost, or rebuilt
// by the peer's FEC) — is filed by the queueing delay the RTT samples of the last min RTT show
// at most, q = max(latest RTT) - min RTT: in the top band (q >= (1 - kTopBand) x the highest q
// seen lately) or below it. The max over a min RTT, not the latest sample alone: losses are
// found late (time threshold, or ACKs of packets sent after the window was cut and the queue
// began to drain), and acknowledgements are filed the same way so that the bands' rates stay
// comparable. The band is narrow (3 %, two packets of a 100-packet queue) and the span short
// because random loss that starts while the queue stands near its top must not pass for
// overflow: the controller's window collapses in the RTTs it takes to notice. Random loss, independent of the queue, has the same rate in both bands; overflow
// loss lands in the top band only. So the random loss rate is the loss rate below the top band,
// over the last 2500 to 5000 such outcomes: at 0.1 % loss that is a handful of losses, few
// enough already that noise moves the estimate between codes. A step up must not wait for so
// long a window: when the last 100 to 200 outcomes below the top band hold more losses than the
// long rate makes plausible (Poisson tail under kStepSignificance), the estimate is their rate.
// When the queue never builds (the highest q under kMinTopFraction of min RTT) the bands
// cannot be told apart, and every loss counts as random: the cautious reading for FEC.
//
// Sans-IO and counted in packets, not time: deterministic, equally noisy at every rate.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <utility>

#include "protocols/core/time.h"

namespace wirelab::pfs {

class LossClassifier {
 public:
  static constexpr std::uint64_t kWindowOutcomes = 2500;   // the random rate's windows
  static constexpr std::uint64_t kRecentOutcomes = 100;    // the step detector's windows
  static constexpr double kStepSignificance = 1e-3;
  static constexpr std::uint64_t kMinKnownOutcomes = 500;  // random_known(): enough to judge
  static constexpr std::uint64_t kTopWindowOutcomes = 20000;  // the highest q is over the last 20000-40000 outcomes
  static constexpr double kTopBand = 0.03;                 // the top band: q within 3 % of the highest
  static constexpr double kMinTopFraction = 0.1;           // a queue under 10 % of min RTT: no bands
  static constexpr std::uint64_t kStandingQueueOutcomes = 10000;  // see standing_queue()

  // At an ACK at `now`: `delivered` packets newly acknowledged and `lost` newly found lost since
  // the previous call, filed by the highest queue the RTT samples of the last `span` (this
  // ACK's `latest_rtt` included) show. TuningController passes span = min RTT.
  void on_outcomes(Timestamp now, std::uint64_t delivered, std::uint64_t lost, Duration latest_rtt, Duration min_rtt,
                   Duration span) {
    // The running max of latest RTT over the last `span` (a monotonic deque).
    while (!recent_rtts_.empty() && recent_rtts_.back().second <= latest_rtt) recent_rtts_.pop_back();
    recent_rtts_.emplace_back(now, latest_rtt);
    while (now - recent_rtts_.front().first > span) recent_rtts_.pop_front();
    if (delivered + lost == 0) return;
    const double q = std::max(0.0, to_seconds(recent_rtts_.front().second) - to_seconds(min_rtt));
    top_.add(q, delivered + lost);
    const double top = top_.max();
    const bool banded = top >= kMinTopFraction * to_seconds(min_rtt) && top > 0;
    const bool in_top = banded && q >= (1 - kTopBand) * top;
    outcomes_ += delivered + lost;
    all_.add(delivered, lost, in_top ? lost : 0);
    if (!in_top) {
      random_.add(delivered, lost, 0);
      recent_.add(delivered, lost, 0);
    }
  }

  // Lost / outcomes below the top band (0 before any), and the outcomes it is over: the long
  // windows' rate, or the recent one after a step up. The estimate adaptive FEC sizes codes by.
  double random_rate() const {
    if (standing_queue()) return all_.rate();
    return loss_step() ? std::max(recent_.rate(), random_.rate()) : random_.rate();
  }
  std::uint64_t random_samples() const {
    if (standing_queue()) return all_.samples();
    return loss_step() ? recent_.samples() : random_.samples();
  }
  // kStandingQueueOutcomes outcomes and still too few below the top band to judge: the queue
  // stands (a flow held by flow control on a deep buffer, a queue steadier than the band is
  // wide), nothing tells overflow from random loss, and every loss counts as random, the
  // cautious reading as when the queue never builds. Without it the tuner would wait forever.
  bool standing_queue() const { return outcomes_ >= kStandingQueueOutcomes && random_.samples() < kMinKnownOutcomes; }
  // Enough outcomes below the top band to judge random loss (kMinKnownOutcomes), or a step up.
  // Slow start files nearly everything at the top (the queue rises to a new high each RTT), so
  // the first overflow leaves a few hundred outcomes at most: one or two random losses there
  // read as 1-2 %, and a pessimistic reading of that as a reason for rs(10,4).
  bool random_known() const { return random_.samples() >= kMinKnownOutcomes || loss_step() || standing_queue(); }
  // The recent losses below the top band are implausibly many for the long rate: more than
  // Poisson(recent outcomes x long rate) reaches with probability kStepSignificance. The long
  // rate is the Jeffreys mean (lost + 1/2) / (n + 1), so a long window without loss still
  // expects some.
  bool loss_step() const {
    const std::uint64_t n = recent_.samples(), k = recent_.lost();
    if (n == 0 || k == 0) return false;
    const double lambda = static_cast<double>(n) * (static_cast<double>(random_.lost()) + 0.5) /
                          (static_cast<double>(random_.samples()) + 1);
    // P(X >= k) = 1 - sum_{j < k} e^-lambda lambda^j / j!
    double term = std::exp(-lambda), below = 0;
    for (std::uint64_t j = 0; j < k; ++j) {
      below += term;
      term *= lambda / static_cast<double>(j + 1);
    }
    return 1 - below < kStepSignificance;
  }
  // Every loss, either band (what LossRateEstimator sees), and the share of it in the top band.
  double total_rate() const { return all_.rate(); }
  double congestive_share() const { return all_.top_share(); }
  // The highest queueing delay seen lately (the top band's reference), seconds.
  double queue_top_s() const { return top_.max(); }

 private:
  // Two consecutive windows of `Size` outcomes: rates over the last one to two windows.
  template <std::uint64_t Size>
  struct Tally {
    struct Window {
      std::uint64_t outcomes = 0, lost = 0, top_lost = 0;
    };
    Window current, previous;
    void add(std::uint64_t delivered, std::uint64_t lost, std::uint64_t top_lost) {
      current.outcomes += delivered + lost;
      current.lost += lost;
      current.top_lost += top_lost;
      if (current.outcomes >= Size) {
        previous = current;
        current = {};
      }
    }
    std::uint64_t samples() const { return current.outcomes + previous.outcomes; }
    std::uint64_t lost() const { return current.lost + previous.lost; }
    double rate() const {
      const std::uint64_t n = samples();
      return n ? static_cast<double>(current.lost + previous.lost) / static_cast<double>(n) : 0;
    }
    double top_share() const {
      const std::uint64_t lost = current.lost + previous.lost;
      return lost ? static_cast<double>(current.top_lost + previous.top_lost) / static_cast<double>(lost) : 0;
    }
  };
  // The highest q over the last one to two windows of kTopWindowOutcomes outcomes.
  struct WindowMax {
    double current = 0, previous = 0;
    std::uint64_t count = 0;
    void add(double q, std::uint64_t n) {
      current = std::max(current, q);
      count += n;
      if (count >= kTopWindowOutcomes) {
        previous = current;
        current = q;
        count = 0;
      }
    }
    double max() const { return std::max(current, previous); }
  };

  std::deque<std::pair<Timestamp, Duration>> recent_rtts_;  // decreasing RTTs, newest last
  std::uint64_t outcomes_ = 0;  // every outcome filed
  WindowMax top_;
  Tally<500> all_;  // LossRateEstimator's window: the share at the top of what it reports
  Tally<kWindowOutcomes> random_;
  Tally<kRecentOutcomes> recent_;
};

}  // namespace wirelab::pfs

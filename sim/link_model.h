// The link model of CONTRACT section 3, as ns-3 parts: packet loss (Bernoulli and
// Gilbert-Elliott) as ReceiveErrorModels, per-packet jitter as a delay sampler, and the
// drop-tail queue limit in ns-3's "100p" / "256000B" form.
//
// Every random draw comes from a SeededRandom derived from the run seed, never from ns-3's
// global RNG streams, so adding or removing an unrelated ns-3 random variable elsewhere cannot
// shift the loss pattern of a run: the same seed drops the same packets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/run_spec.h"
#include "ns3/error-model.h"
#include "ns3/nstime.h"
#include "protocols/core/random.h"

namespace wirelab::sim {

// Independent loss with probability p per packet.
class BernoulliLoss : public ns3::ErrorModel {
 public:
  static ns3::TypeId GetTypeId();
  BernoulliLoss() : random_(0) {}
  void configure(double p, std::uint64_t seed);

 private:
  bool DoCorrupt(ns3::Ptr<ns3::Packet> p) override;
  void DoReset() override {}

  double p_ = 0;
  SeededRandom random_;
};

// Bernoulli loss whose probability changes at given times (link.loss_schedule): a packet that
// reaches the receiving device at simulated time t is lost with the p of the last phase that
// started at or before t. One draw per packet, so the stream position stays a function of the
// packet count, as in BernoulliLoss. In emu the link's clock starts with the emulator.
class ScheduledBernoulliLoss : public ns3::ErrorModel {
 public:
  static ns3::TypeId GetTypeId();
  ScheduledBernoulliLoss() : random_(0) {}
  void configure(std::vector<LossPhase> schedule, std::uint64_t seed);
  // The scheduled p at t_s (schedule sorted by start, first start 0).
  static double probability_at(const std::vector<LossPhase>& schedule, double t_s);

 private:
  bool DoCorrupt(ns3::Ptr<ns3::Packet> p) override;
  void DoReset() override {}

  std::vector<LossPhase> schedule_;
  SeededRandom random_;
};

// Two-state Markov loss (Gilbert-Elliott). Per packet: first the state moves (good -> bad with
// p, bad -> good with r), then the packet is lost with the new state's loss probability. The
// stationary loss rate is (r * loss_good + p * loss_bad) / (p + r).
class GilbertElliottLoss : public ns3::ErrorModel {
 public:
  static ns3::TypeId GetTypeId();
  GilbertElliottLoss() : random_(0) {}
  void configure(const LossSpec& spec, std::uint64_t seed);
  static double stationary_loss_rate(const LossSpec& spec);

 private:
  bool DoCorrupt(ns3::Ptr<ns3::Packet> p) override;
  void DoReset() override { bad_ = false; }

  LossSpec spec_;
  bool bad_ = false;
  SeededRandom random_;
};

// nullptr when the direction has no loss at all (saves a draw per packet).
ns3::Ptr<ns3::ErrorModel> make_loss_model(const LossSpec& spec, std::uint64_t seed);

// Extra per-packet delay for one direction of a link.
//   uniform: U[0, jitter]                       (mean jitter/2)
//   normal:  |N(0, jitter)|                     (half-normal; mean ~0.8 jitter, never negative)
//   pareto:  jitter * (alpha - 1) * (U^(-1/alpha) - 1) with alpha = 3, a Lomax (Pareto II)
//            shifted to start at 0 and scaled so that its mean is `jitter`; heavy tail, finite
//            variance.
class JitterSampler {
 public:
  JitterSampler(double jitter_s, JitterDistribution distribution, std::uint64_t seed)
      : jitter_s_(jitter_s), distribution_(distribution), random_(seed) {}
  bool active() const { return jitter_s_ > 0; }
  ns3::Time draw();

 private:
  double jitter_s_;
  JitterDistribution distribution_;
  SeededRandom random_;
};

// "100p" or "256000B": the MaxSize attribute of ns-3's DropTailQueue.
std::string queue_max_size(const QueueSpec& queue);

}  // namespace wirelab::sim

#include "sim/link_model.h"

#include <cmath>

#include "ns3/packet.h"
#include "ns3/simulator.h"

namespace wirelab::sim {

ns3::TypeId BernoulliLoss::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::BernoulliLoss")
                               .SetParent<ns3::ErrorModel>()
                               .SetGroupName("Wirelab");
  return tid;
}

void BernoulliLoss::configure(double p, std::uint64_t seed) {
  p_ = p;
  random_ = SeededRandom(seed);
}

bool BernoulliLoss::DoCorrupt(ns3::Ptr<ns3::Packet>) { return random_.bernoulli(p_); }

ns3::TypeId ScheduledBernoulliLoss::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::ScheduledBernoulliLoss")
                               .SetParent<ns3::ErrorModel>()
                               .SetGroupName("Wirelab");
  return tid;
}

void ScheduledBernoulliLoss::configure(std::vector<LossPhase> schedule, std::uint64_t seed) {
  schedule_ = std::move(schedule);
  random_ = SeededRandom(seed);
}

double ScheduledBernoulliLoss::probability_at(const std::vector<LossPhase>& schedule, double t_s) {
  double p = 0;
  for (const LossPhase& phase : schedule) {
    if (phase.start_s > t_s) break;
    p = phase.p;
  }
  return p;
}

bool ScheduledBernoulliLoss::DoCorrupt(ns3::Ptr<ns3::Packet>) {
  return random_.bernoulli(probability_at(schedule_, ns3::Simulator::Now().GetSeconds()));
}

ns3::TypeId GilbertElliottLoss::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::GilbertElliottLoss")
                               .SetParent<ns3::ErrorModel>()
                               .SetGroupName("Wirelab");
  return tid;
}

void GilbertElliottLoss::configure(const LossSpec& spec, std::uint64_t seed) {
  spec_ = spec;
  bad_ = false;
  random_ = SeededRandom(seed);
}

double GilbertElliottLoss::stationary_loss_rate(const LossSpec& spec) {
  if (spec.p + spec.r <= 0) return spec.loss_good;  // never leaves the good state
  return (spec.r * spec.loss_good + spec.p * spec.loss_bad) / (spec.p + spec.r);
}

bool GilbertElliottLoss::DoCorrupt(ns3::Ptr<ns3::Packet>) {
  bad_ = bad_ ? !random_.bernoulli(spec_.r) : random_.bernoulli(spec_.p);
  return random_.bernoulli(bad_ ? spec_.loss_bad : spec_.loss_good);
}

ns3::Ptr<ns3::ErrorModel> make_loss_model(const LossSpec& spec, std::uint64_t seed) {
  if (!spec.schedule.empty()) {
    bool any = false;
    for (const LossPhase& phase : spec.schedule) any = any || phase.p > 0;
    if (!any) return nullptr;
    auto model = ns3::CreateObject<ScheduledBernoulliLoss>();
    model->configure(spec.schedule, seed);
    return model;
  }
  if (spec.model == LossSpec::Model::kBernoulli) {
    if (spec.p <= 0) return nullptr;
    auto model = ns3::CreateObject<BernoulliLoss>();
    model->configure(spec.p, seed);
    return model;
  }
  if (spec.loss_good <= 0 && (spec.loss_bad <= 0 || spec.p <= 0)) return nullptr;
  auto model = ns3::CreateObject<GilbertElliottLoss>();
  model->configure(spec, seed);
  return model;
}

ns3::Time JitterSampler::draw() {
  if (jitter_s_ <= 0) return ns3::Seconds(0);
  double extra_s = 0;
  switch (distribution_) {
    case JitterDistribution::kUniform:
      extra_s = jitter_s_ * random_.uniform();
      break;
    case JitterDistribution::kNormal: {
      // Box-Muller; one draw per packet keeps the stream position a function of packet count.
      const double u1 = 1.0 - random_.uniform();
      const double u2 = random_.uniform();
      extra_s = jitter_s_ * std::fabs(std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2));
      break;
    }
    case JitterDistribution::kPareto: {
      constexpr double kAlpha = 3.0;
      const double u = 1.0 - random_.uniform();  // (0, 1]
      extra_s = jitter_s_ * (kAlpha - 1) * (std::pow(u, -1.0 / kAlpha) - 1);
      break;
    }
  }
  return ns3::NanoSeconds(static_cast<std::int64_t>(std::llround(extra_s * 1e9)));
}

std::string queue_max_size(const QueueSpec& queue) {
  return std::to_string(queue.limit) + (queue.unit == QueueSpec::Unit::kPackets ? "p" : "B");
}

}  // namespace wirelab::sim

// The link model: loss models hit their configured rates, jitter keeps or breaks FIFO order as
// asked, drop-tail queues count packets or bytes, and the reverse direction is its own link.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "sim/link_model.h"
#include "sim/sim_backend.h"
#include "tests/sim/sim_spec.h"

namespace wirelab::sim {
namespace {

using testing::bulk_spec;
using testing::metric;
using testing::udp_spec;

double observed_loss(ns3::Ptr<ns3::ErrorModel> model, int packets) {
  int lost = 0;
  auto packet = ns3::Create<ns3::Packet>(100);
  for (int i = 0; i < packets; ++i) lost += model->IsCorrupt(packet) ? 1 : 0;
  return static_cast<double>(lost) / packets;
}

TEST(LinkModel, BernoulliLossHitsItsRate) {
  for (std::uint64_t seed : {1, 2, 3}) {
    LossSpec spec;
    spec.p = 0.05;
    // 200k draws: standard error 0.0005, so 0.004 is eight of them.
    EXPECT_NEAR(observed_loss(make_loss_model(spec, seed), 200'000), 0.05, 0.004) << "seed " << seed;
  }
}

TEST(LinkModel, GilbertElliottLossMatchesItsStationaryRate) {
  LossSpec spec;
  spec.model = LossSpec::Model::kGilbertElliott;
  spec.p = 0.01;
  spec.r = 0.25;
  spec.loss_good = 0.001;
  spec.loss_bad = 0.5;
  const double expected = GilbertElliottLoss::stationary_loss_rate(spec);
  EXPECT_NEAR(expected, (0.25 * 0.001 + 0.01 * 0.5) / 0.26, 1e-12);
  for (std::uint64_t seed : {1, 2, 3}) {
    // Bursts of mean length 1/r = 4 packets make the estimate noisier than Bernoulli's.
    EXPECT_NEAR(observed_loss(make_loss_model(spec, seed), 400'000), expected, 0.1 * expected)
        << "seed " << seed;
  }
}

TEST(LinkModel, GilbertElliottLossComesInBursts) {
  LossSpec spec;
  spec.model = LossSpec::Model::kGilbertElliott;
  spec.p = 0.01;
  spec.r = 0.25;
  spec.loss_bad = 1.0;
  auto model = make_loss_model(spec, 7);
  auto packet = ns3::Create<ns3::Packet>(100);
  int losses = 0, loss_after_loss = 0;
  bool previous = false;
  for (int i = 0; i < 200'000; ++i) {
    const bool lost = model->IsCorrupt(packet);
    losses += lost;
    loss_after_loss += lost && previous;
    previous = lost;
  }
  // P(loss | previous loss) = 1 - r = 0.75 here, far above the 3.8 % average.
  EXPECT_NEAR(static_cast<double>(loss_after_loss) / losses, 0.75, 0.03);
}

TEST(LinkModel, ScheduledLossFollowsEachPhase) {
  // The schedule; in each phase 100k packets reach the receiver 1 s after it starts.
  LossSpec spec;
  spec.schedule = {{0, 0.001}, {20, 0.05}, {40, 0.01}};
  for (std::uint64_t seed : {1, 2, 3}) {
    auto model = make_loss_model(spec, seed);
    ASSERT_NE(model, nullptr);
    constexpr int kPackets = 100'000;
    std::vector<double> observed(spec.schedule.size(), -1);
    for (std::size_t i = 0; i < spec.schedule.size(); ++i) {
      ns3::Simulator::Schedule(ns3::Seconds(spec.schedule[i].start_s + 1),
                               [&observed, i, model] { observed[i] = observed_loss(model, kPackets); });
    }
    ns3::Simulator::Run();
    ns3::Simulator::Destroy();
    for (std::size_t i = 0; i < spec.schedule.size(); ++i) {
      // Binomial: the count's standard deviation is sqrt(n p (1-p)); five of them (two-sided
      // 6e-7 per check) plus one packet of rounding.
      const double p = spec.schedule[i].p;
      const double bound = 5 * std::sqrt(p * (1 - p) / kPackets) + 1.0 / kPackets;
      EXPECT_NEAR(observed[i], p, bound) << "phase " << i << ", seed " << seed;
    }
  }
}

TEST(LinkModel, ScheduledLossSwitchesAtThePhaseStart) {
  const std::vector<LossPhase> schedule = {{0, 0.001}, {20, 0.05}, {40, 0.01}};
  EXPECT_EQ(ScheduledBernoulliLoss::probability_at(schedule, 0), 0.001);
  EXPECT_EQ(ScheduledBernoulliLoss::probability_at(schedule, 19.999999), 0.001);
  EXPECT_EQ(ScheduledBernoulliLoss::probability_at(schedule, 20), 0.05);
  EXPECT_EQ(ScheduledBernoulliLoss::probability_at(schedule, 1e6), 0.01);
  LossSpec none;
  none.schedule = {{0, 0}, {5, 0}};
  EXPECT_EQ(make_loss_model(none, 1), nullptr);
}

TEST(LinkModel, UdpSeesTheScheduleOnTheLink) {
  // 10 Mbit/s of datagrams for 3 s: lossless, then 20 %, then 2 % loss, one second each. The
  // whole run's loss is the phases' mean; ~2550 datagrams, so 0.02 is about four standard
  // deviations of the binomial count.
  RunSpec spec = udp_spec(10e6, 3'750'000);
  spec.link.loss.schedule = {{0, 0}, {1, 0.2}, {2, 0.02}};
  spec.reverse = spec.link;
  const RunResult result = run(spec);
  ASSERT_EQ(result.status, RunResult::Status::kOk) << result.error;
  EXPECT_NEAR(metric(result, "loss_rate_observed"), (0 + 0.2 + 0.02) / 3, 0.02);
}

TEST(LinkModel, NoLossModelWhenNothingIsLost) {
  EXPECT_EQ(make_loss_model(LossSpec{}, 1), nullptr);
}

TEST(LinkModel, UdpSeesGilbertElliottLossOnTheLink) {
  RunSpec spec = udp_spec(10e6, 10'000'000);
  spec.link.loss = LossSpec{LossSpec::Model::kGilbertElliott, 0.01, 0.25, 0.0, 0.5, {}};
  const RunResult result = run(spec);
  ASSERT_EQ(result.status, RunResult::Status::kOk) << result.error;
  const double expected = GilbertElliottLoss::stationary_loss_rate(spec.link.loss);
  // ~6800 datagrams in bursts: allow a quarter of the rate either way.
  EXPECT_NEAR(metric(result, "loss_rate_observed"), expected, 0.25 * expected);
}

TEST(LinkModel, JitterSamplersStayInTheirRanges) {
  const double jitter_s = 0.01;
  JitterSampler uniform(jitter_s, JitterDistribution::kUniform, 1);
  JitterSampler normal(jitter_s, JitterDistribution::kNormal, 1);
  JitterSampler pareto(jitter_s, JitterDistribution::kPareto, 1);
  double sum_uniform = 0, sum_normal = 0, sum_pareto = 0;
  const int n = 100'000;
  for (int i = 0; i < n; ++i) {
    const double u = uniform.draw().GetSeconds(), g = normal.draw().GetSeconds(),
                 p = pareto.draw().GetSeconds();
    ASSERT_GE(u, 0);
    ASSERT_LE(u, jitter_s);
    ASSERT_GE(g, 0);
    ASSERT_GE(p, 0);
    sum_uniform += u;
    sum_normal += g;
    sum_pareto += p;
  }
  EXPECT_NEAR(sum_uniform / n, jitter_s / 2, 0.0002);
  EXPECT_NEAR(sum_normal / n, jitter_s * std::sqrt(2 / M_PI), 0.0002);  // half-normal mean
  EXPECT_NEAR(sum_pareto / n, jitter_s, 0.001);
}

class JitterOrder : public ::testing::TestWithParam<JitterDistribution> {};

TEST_P(JitterOrder, ReordersOnlyWhenAllowed) {
  // 5 Mbit/s of 1472-byte datagrams is one every 2.4 ms; 10 ms of jitter overtakes often.
  for (bool reorder : {false, true}) {
    RunSpec spec = udp_spec(5e6, 2'000'000);
    spec.link.jitter_s = 0.01;
    spec.link.jitter_distribution = GetParam();
    spec.link.reorder = reorder;
    const RunResult result = run(spec);
    ASSERT_EQ(result.status, RunResult::Status::kOk) << result.error;
    EXPECT_EQ(metric(result, "loss_rate_observed"), 0);
    if (reorder) {
      EXPECT_GT(metric(result, "datagrams_reordered"), 50);
    } else {
      EXPECT_EQ(metric(result, "datagrams_reordered"), 0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Distributions, JitterOrder,
                         ::testing::Values(JitterDistribution::kUniform, JitterDistribution::kNormal,
                                           JitterDistribution::kPareto));

TEST(LinkModel, JitterAddsDelay) {
  RunSpec plain = bulk_spec("tcp", "cubic", 1'000'000);
  RunSpec jittery = plain;
  jittery.link.jitter_s = 0.02;  // uniform: +10 ms on average, forward only
  const RunResult a = run(plain), b = run(jittery);
  ASSERT_EQ(b.status, RunResult::Status::kOk) << b.error;
  EXPECT_EQ(metric(b, "integrity_ok"), 1);
  EXPECT_GT(metric(b, "rtt_p50_s") - metric(a, "rtt_p50_s"), 0.005);
}

TEST(LinkModel, QueueLimitInBytesBoundsQueueingDelay) {
  // A drop-tail queue of 30000 B drains in 12 ms at 20 Mbit/s; one of 100 packets in 60 ms.
  // TCP fills whichever it gets, so the RTT's tail shows the limit and its unit.
  RunSpec bytes = bulk_spec("tcp", "cubic", 3'000'000);
  bytes.link.queue = QueueSpec{QueueSpec::Unit::kBytes, 30'000};
  RunSpec packets = bulk_spec("tcp", "cubic", 3'000'000);
  const RunResult small = run(bytes), large = run(packets);
  ASSERT_EQ(small.status, RunResult::Status::kOk) << small.error;
  ASSERT_EQ(large.status, RunResult::Status::kOk) << large.error;
  const double base_rtt_s = 0.05 + 1502 * 8 / 20e6;
  EXPECT_LE(metric(small, "rtt_p99_s"), base_rtt_s + 30'000 * 8 / 20e6 + 0.002);
  EXPECT_GT(metric(large, "rtt_p99_s"), base_rtt_s + 0.03);
}

TEST(LinkModel, ReverseDirectionHasItsOwnDelay) {
  RunSpec symmetric = bulk_spec("tcp", "cubic", 500'000);
  RunSpec asymmetric = symmetric;
  asymmetric.reverse.delay_s = 0.075;  // 25 ms forward, 75 ms back: RTT 100 ms
  const RunResult a = run(symmetric), b = run(asymmetric);
  ASSERT_EQ(b.status, RunResult::Status::kOk) << b.error;
  EXPECT_GE(metric(a, "rtt_p50_s"), 0.05);
  EXPECT_LT(metric(a, "rtt_p50_s"), 0.08);
  EXPECT_GE(metric(b, "rtt_p50_s"), 0.10);
  EXPECT_LT(metric(b, "rtt_p50_s"), 0.13);
}

TEST(LinkModel, ReverseDirectionHasItsOwnRateAndLoss) {
  // A 64 kbit/s lossy reverse path carries few ACKs (52-byte ACKs every 2 segments need ~5 %
  // of the forward rate), so the forward transfer slows down while staying intact.
  RunSpec spec = bulk_spec("tcp", "newreno", 1'000'000);
  const RunResult fast = run(spec);
  spec.reverse.rate_bps = 64e3;
  spec.reverse.loss.p = 0.05;
  const RunResult slow = run(spec);
  ASSERT_EQ(slow.status, RunResult::Status::kOk) << slow.error;
  EXPECT_EQ(metric(slow, "integrity_ok"), 1);
  EXPECT_LT(metric(slow, "goodput_bps"), 0.5 * metric(fast, "goodput_bps"));
}

}  // namespace
}  // namespace wirelab::sim

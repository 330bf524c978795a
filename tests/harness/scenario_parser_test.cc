// The scenario parser: the contract's example parses; each kind of bad input is reported at
// the right file:line:column with the field and the allowed values.
#include <gtest/gtest.h>

#include <fstream>

#include "harness/scenario/scenario.h"
#include "harness/scenario/units.h"

namespace wirelab {
namespace {

const char* kContractExample = R"yaml(name: quickstart
description: PFS vs TCP vs UDP over a lossy 20 Mbit/s, 50 ms RTT path
backend: sim
seeds: 3
duration: 60s
topology:
  kind: point-to-point
  flows: 1
  placement: loopback
link:
  rate: 20Mbps
  delay: 25ms
  jitter: 0ms
  jitter_distribution: uniform
  reorder: false
  loss: 0.01
  queue: 100p
  mtu: 1500
  reverse: {}
workload:
  kind: bulk
  bytes: 20MB
protocols:
  - pfs
  - tcp: {cc: cubic}
  - tcp: {cc: newreno}
  - udp: {rate: 18Mbps}
sweep:
  link.loss: [0, 0.005, 0.02, 0.05]
  link.delay: [5ms, 25ms]
)yaml";

ScenarioError error_of(const std::string& text) {
  try {
    parse_scenario_text("bad.yaml", text);
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return ScenarioError("", 0, 0, "", "");
}

// Replaces the first occurrence of `from` in the contract example.
std::string variant(const std::string& from, const std::string& to) {
  std::string s = kContractExample;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(ScenarioParser, ContractExampleExpandsPointsTimesProtocolsTimesSeeds) {
  const Scenario sc = parse_scenario_text("q.yaml", kContractExample);
  EXPECT_EQ(sc.name, "quickstart");
  EXPECT_EQ(sc.points, 8u);
  ASSERT_EQ(sc.runs.size(), 8u * 4u * 3u);
  const RunSpec& first = sc.runs.front().spec;
  EXPECT_DOUBLE_EQ(first.link.rate_bps, 20e6);
  EXPECT_DOUBLE_EQ(first.link.delay_s, 0.005);  // swept: first value
  EXPECT_DOUBLE_EQ(first.link.loss.p, 0.0);
  EXPECT_EQ(first.link.queue.limit, 100u);
  EXPECT_EQ(first.link.queue.unit, QueueSpec::Unit::kPackets);
  EXPECT_EQ(*first.workload.bytes, 20000000u);
  EXPECT_DOUBLE_EQ(first.duration_s, 60.0);
  EXPECT_EQ(first.protocol.label, "pfs");
  // Order: point-major (last sweep axis fastest), then protocol, then seed.
  EXPECT_EQ(sc.runs[1].spec.seed, 2u);
  EXPECT_EQ(sc.runs[3].spec.protocol.label, "tcp-cubic");
  EXPECT_EQ(sc.runs[12].params.dump(), R"({"link.delay":0.025,"link.loss":0.0})");
  EXPECT_EQ(sc.runs[24].params.dump(), R"({"link.delay":0.005,"link.loss":0.005})");
  // Labels default to name plus option values; udp's rate is canonical bit/s in options.
  EXPECT_EQ(sc.runs[9].spec.protocol.label, "udp-18Mbps");
  EXPECT_EQ(*sc.runs[9].spec.protocol.option("rate"), "18000000");
  // The reverse direction copies the forward link (here with the swept values).
  EXPECT_DOUBLE_EQ(sc.runs[12].spec.reverse.delay_s, 0.025);
  EXPECT_EQ(sc.sha256.size(), 64u);
}

TEST(ScenarioParser, RunKeysAreUnique) {
  const Scenario sc = parse_scenario_text("q.yaml", kContractExample);
  std::set<std::string> keys;
  for (const auto& r : sc.runs) EXPECT_TRUE(keys.insert(r.run_key).second) << r.run_key;
}

TEST(ScenarioParser, UnknownKeyNamesLineColumnAndAllowedKeys) {
  const auto e = error_of(variant("  mtu: 1500", "  mtu: 1500\n  colour: blue"));
  EXPECT_EQ(e.line(), 19);
  EXPECT_EQ(e.column(), 3);
  EXPECT_EQ(e.field(), "link.colour");
  EXPECT_NE(e.message().find("allowed: "), std::string::npos);
  EXPECT_NE(e.message().find("jitter_distribution"), std::string::npos);
  EXPECT_EQ(std::string(e.what()).rfind("bad.yaml:19:3: error: link.colour: unknown key", 0), 0u) << e.what();
}

TEST(ScenarioParser, LossOutOfRange) {
  const auto e = error_of(variant("loss: 0.01", "loss: 1.5"));
  EXPECT_EQ(e.line(), 16);
  EXPECT_EQ(e.column(), 9);
  EXPECT_EQ(e.field(), "link.loss");
  EXPECT_NE(e.message().find("[0, 1]"), std::string::npos);
}

TEST(ScenarioParser, WrongTypeIsNamed) {
  const auto e = error_of(variant("loss: 0.01", "loss: [0.1]"));
  EXPECT_EQ(e.field(), "link.loss");
  EXPECT_NE(e.message().find("expected a number"), std::string::npos);
  const auto t = error_of(variant("reorder: false", "reorder: maybe"));
  EXPECT_EQ(t.field(), "link.reorder");
  EXPECT_NE(t.message().find("true or false"), std::string::npos);
}

TEST(ScenarioParser, ZeroRateAndBadUnits) {
  auto e = error_of(variant("rate: 20Mbps", "rate: 0Mbps"));
  EXPECT_EQ(e.field(), "link.rate");
  EXPECT_EQ(e.line(), 11);
  e = error_of(variant("rate: 20Mbps", "rate: 20furlongs"));
  EXPECT_NE(e.message().find("bps, kbps, Mbps, Gbps"), std::string::npos);
  e = error_of(variant("delay: 25ms", "delay: 25"));
  EXPECT_NE(e.message().find("no unit"), std::string::npos);
  e = error_of(variant("queue: 100p", "queue: 100q"));
  EXPECT_EQ(e.field(), "link.queue");
}

TEST(ScenarioParser, NameMustBeLowercaseDashDigits) {
  const auto e = error_of(variant("name: quickstart", "name: Quick_Start"));
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(e.field(), "name");
  EXPECT_NE(e.message().find("[a-z0-9-]+"), std::string::npos);
}

TEST(ScenarioParser, ChoiceListsAllowedValues) {
  const auto e = error_of(variant("jitter_distribution: uniform", "jitter_distribution: gaussian"));
  EXPECT_NE(e.message().find("allowed: uniform, normal, pareto"), std::string::npos);
}

TEST(ScenarioParser, ProtocolOptionsAreValidated) {
  auto e = error_of(variant("cc: cubic", "cc: westwood"));
  EXPECT_EQ(e.field(), "protocols[1].tcp.cc");
  EXPECT_EQ(e.line(), 25);
  EXPECT_NE(e.message().find("newreno"), std::string::npos);
  e = error_of(variant("  - pfs\n", "  - sctp\n"));
  EXPECT_NE(e.message().find("allowed: pfs, tcp, udp, quic"), std::string::npos);
  e = error_of(variant("  - pfs\n", "  - quic: {cc: vegas}\n"));
  EXPECT_EQ(e.field(), "protocols[0].quic.cc");
  EXPECT_NE(e.message().find("cubic"), std::string::npos) << e.what();
  e = error_of(variant("udp: {rate: 18Mbps}", "udp: {rate: fast}"));
  EXPECT_EQ(e.field(), "protocols[3].udp.rate");
  e = error_of(variant("tcp: {cc: newreno}", "tcp: {cc: cubic}"));
  EXPECT_NE(e.message().find("used twice"), std::string::npos);
  // The bad option is named, not another one its help text mentions ('adaptive''s help says
  // "fec"), and its line is the option's own.
  e = error_of(variant("  - pfs\n", "  - pfs:\n      fec: \"rs(10,2)\"\n      adaptive: maybe\n"));
  EXPECT_EQ(e.field(), "protocols[0].pfs.adaptive") << e.what();
  EXPECT_EQ(e.line(), 26) << e.what();  // `  - pfs:` is line 24
}

TEST(ScenarioParser, OptionsThatDependOnTheDatagramSizeAreCheckedPerPoint) {
  // rs(200,4) leaves room for data in a 9000-byte MTU's datagrams, not in 576-byte ones: a
  // sweep over the MTU is refused at the option's line, naming the point.
  const std::string base = "name: m\nprotocols:\n  - pfs:\n      fec: \"rs(200,4)\"\n";
  EXPECT_NO_THROW(parse_scenario_text("m.yaml", base + "link: {mtu: 9000}\n"));
  const auto e = error_of(base + "sweep:\n  link.mtu: [9000, 576]\n");
  EXPECT_EQ(e.field(), "protocols[0].pfs.fec");
  EXPECT_EQ(e.line(), 4);
  EXPECT_NE(e.message().find("{\"link.mtu\":576}"), std::string::npos) << e.what();
}

TEST(ScenarioParser, ExplicitLabelNamesAVariant) {
  const Scenario sc = parse_scenario_text("q.yaml", variant("tcp: {cc: newreno}", "tcp: {cc: cubic, label: cubic-b}"));
  bool found = false;
  for (const auto& r : sc.runs) found |= r.spec.protocol.label == "cubic-b";
  EXPECT_TRUE(found);
}

TEST(ScenarioParser, SweepPathAndValuesAreChecked) {
  auto e = error_of(variant("link.delay: [5ms, 25ms]", "link.colour: [red]"));
  EXPECT_EQ(e.field(), "sweep.link.colour");
  EXPECT_EQ(e.line(), 30);
  EXPECT_NE(e.message().find("link.loss"), std::string::npos);
  // A bad value deep in a sweep list points at that value.
  e = error_of(variant("[0, 0.005, 0.02, 0.05]", "[0, 0.005, 2, 0.05]"));
  EXPECT_EQ(e.field(), "sweep.link.loss");
  EXPECT_EQ(e.line(), 29);
  EXPECT_EQ(e.column(), 25);
}

TEST(ScenarioParser, BulkDataModesAndTheirErrors) {
  const Scenario sc = parse_scenario_text("d.yaml", variant("  bytes: 20MB\n", "  bytes: 20MB\n  data: versioned\n  similarity: 0.75\n"));
  EXPECT_EQ(sc.runs.front().spec.workload.data.mode, BulkDataMode::kVersioned);
  EXPECT_DOUBLE_EQ(sc.runs.front().spec.workload.data.similarity, 0.75);
  EXPECT_EQ(parse_scenario_text("d.yaml", kContractExample).runs.front().spec.workload.data.mode, BulkDataMode::kRandom);
  auto e = error_of(variant("  bytes: 20MB\n", "  bytes: 20MB\n  data: compressible\n"));
  EXPECT_EQ(e.field(), "workload.data");
  EXPECT_EQ(e.line(), 23);
  EXPECT_NE(e.message().find("allowed: random, zeros, versioned"), std::string::npos) << e.what();
  e = error_of(variant("  bytes: 20MB\n", "  bytes: 20MB\n  data: versioned\n  similarity: 1.2\n"));
  EXPECT_EQ(e.field(), "workload.similarity");
  EXPECT_EQ(e.line(), 24);
  EXPECT_NE(e.message().find("[0, 1]"), std::string::npos) << e.what();
  e = error_of(variant("  kind: bulk\n  bytes: 20MB\n", "  kind: rpc\n  data: zeros\n"));
  EXPECT_EQ(e.field(), "workload.data");
  EXPECT_EQ(e.line(), 22);
  EXPECT_NE(e.message().find("bulk"), std::string::npos) << e.what();
  // Swept data modes each reach their runs; a bad swept mode points at its value.
  const Scenario swept = parse_scenario_text("d.yaml", variant("  link.delay: [5ms, 25ms]\n", "  workload.data: [zeros, versioned]\n"));
  EXPECT_EQ(swept.runs.front().spec.workload.data.mode, BulkDataMode::kZeros);
  EXPECT_EQ(swept.runs.back().spec.workload.data.mode, BulkDataMode::kVersioned);
  e = error_of(variant("  link.delay: [5ms, 25ms]\n", "  workload.data: [zeros, gzip]\n"));
  EXPECT_EQ(e.field(), "sweep.workload.data");
  EXPECT_EQ(e.line(), 30);
}

TEST(ScenarioParser, GilbertElliottAndReverseOverrides) {
  std::string text = variant("loss: 0.01", "loss: {model: gilbert-elliott, p: 0.01, r: 0.25, loss_bad: 0.5}");
  text.replace(text.find("reverse: {}"), 11, "reverse: {rate: 1Mbps, loss: 0}");
  text.erase(text.find("  link.loss: ["), std::string("  link.loss: [0, 0.005, 0.02, 0.05]\n").size());
  const Scenario sc = parse_scenario_text("g.yaml", text);
  const RunSpec& s = sc.runs.front().spec;
  EXPECT_EQ(s.link.loss.model, LossSpec::Model::kGilbertElliott);
  EXPECT_DOUBLE_EQ(s.link.loss.r, 0.25);
  EXPECT_DOUBLE_EQ(s.link.loss.loss_bad, 0.5);
  EXPECT_DOUBLE_EQ(s.reverse.rate_bps, 1e6);
  EXPECT_DOUBLE_EQ(s.reverse.delay_s, s.link.delay_s);
}

// The contract example with `loss:` (line 16) replaced by `schedule_line` and no sweep over loss.
std::string with_schedule(const std::string& schedule_line) {
  std::string text = variant("loss: 0.01", schedule_line);
  text.erase(text.find("  link.loss: ["), std::string("  link.loss: [0, 0.005, 0.02, 0.05]\n").size());
  return text;
}

TEST(ScenarioParser, LossScheduleParsesIntoPhases) {
  const Scenario sc = parse_scenario_text("s.yaml", with_schedule("loss_schedule: [[0s, 0.001], [20s, 0.05], [40000ms, 0.01]]"));
  const LossSpec& loss = sc.runs.front().spec.link.loss;
  ASSERT_EQ(loss.schedule.size(), 3u);
  EXPECT_DOUBLE_EQ(loss.schedule[1].start_s, 20);
  EXPECT_DOUBLE_EQ(loss.schedule[1].p, 0.05);
  EXPECT_DOUBLE_EQ(loss.schedule[2].start_s, 40);
  EXPECT_DOUBLE_EQ(loss.p, 0);
  // The reverse direction copies the forward link, schedule included, unless it sets its loss.
  EXPECT_EQ(sc.runs.front().spec.reverse.loss.schedule.size(), 3u);
  std::string text = with_schedule("loss_schedule: [[0s, 0.001], [20s, 0.05]]");
  text.replace(text.find("reverse: {}"), 11, "reverse: {loss: 0}");
  EXPECT_TRUE(parse_scenario_text("s.yaml", text).runs.front().spec.reverse.loss.schedule.empty());
  // Sweepable: each value is a whole schedule, stored in params as [[start_s, p], ...].
  text = variant("  link.loss: [0, 0.005, 0.02, 0.05]\n", "  link.loss_schedule: [[[0s, 0.01]], [[0s, 0], [1s, 0.1]]]\n");
  text.erase(text.find("  loss: 0.01\n"), std::string("  loss: 0.01\n").size());
  const Scenario swept = parse_scenario_text("s.yaml", text);
  EXPECT_EQ(swept.points, 4u);
  EXPECT_EQ(swept.runs.back().params.dump(), R"({"link.delay":0.025,"link.loss_schedule":[[0.0,0.0],[1.0,0.1]]})");
}

TEST(ScenarioParser, LossScheduleErrorsNameTheLine) {
  auto e = error_of(with_schedule("loss_schedule: [[1s, 0.001], [20s, 0.05]]"));
  EXPECT_EQ(e.line(), 16);
  EXPECT_EQ(e.field(), "link.loss_schedule[0]");
  EXPECT_NE(e.message().find("start at 0s"), std::string::npos) << e.what();

  e = error_of(with_schedule("loss_schedule: [[0s, 0.1], [5s, 0.2], [5s, 0.3]]"));
  EXPECT_EQ(e.field(), "link.loss_schedule[2]");
  EXPECT_NE(e.message().find("strictly increasing"), std::string::npos) << e.what();

  e = error_of(with_schedule("loss_schedule: [[0s, 1.5]]"));
  EXPECT_EQ(e.line(), 16);
  EXPECT_NE(e.message().find("[0, 1]"), std::string::npos) << e.what();

  e = error_of(with_schedule("loss_schedule: [[0parsecs, 0.1]]"));
  EXPECT_EQ(e.field(), "link.loss_schedule[0]");

  e = error_of(with_schedule("loss_schedule: [0s, 0.1]"));
  EXPECT_NE(e.message().find("[time, loss]"), std::string::npos) << e.what();

  e = error_of(with_schedule("loss_schedule: []"));
  EXPECT_EQ(e.field(), "link.loss_schedule");
}

TEST(ScenarioParser, LossAndLossScheduleAreExclusive) {
  // Both in the file.
  auto e = error_of(with_schedule("loss: 0.01\n  loss_schedule: [[0s, 0.1]]"));
  EXPECT_EQ(e.line(), 17);
  EXPECT_EQ(e.field(), "link.loss_schedule");
  EXPECT_NE(e.message().find("exclusive"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("line 16"), std::string::npos) << e.what();
  // A schedule in the file and link.loss swept (the contract example sweeps it on line 29).
  e = error_of(variant("loss: 0.01", "loss_schedule: [[0s, 0.1]]"));
  EXPECT_EQ(e.line(), 16);
  EXPECT_NE(e.message().find("line 29"), std::string::npos) << e.what();
}

TEST(ScenarioParser, InvalidYamlIsLocated) {
  const auto e = error_of("name: x\nlink: {rate: [\n");
  EXPECT_GT(e.line(), 0);
  EXPECT_NE(e.message().find("not valid YAML"), std::string::npos);
}

TEST(ScenarioParser, MissingFileIsAnError) {
  EXPECT_THROW(parse_scenario_file("/nonexistent/wirelab.yaml"), ScenarioError);
}

TEST(ScenarioParser, ShippedScenariosValidate) {
  for (const char* f : {"scenarios/quickstart.yaml", "scenarios/dumbbell-fairness.yaml", "scenarios/refs-versioned.yaml"}) {
    const Scenario sc = parse_scenario_file(std::string(WIRELAB_SOURCE_DIR) + "/" + f);
    EXPECT_GT(sc.runs.size(), 0u) << f;
  }
  const Scenario q = parse_scenario_file(std::string(WIRELAB_SOURCE_DIR) + "/scenarios/quickstart.yaml");
  EXPECT_EQ(q.runs.size(), 72u);
  EXPECT_DOUBLE_EQ(q.runs.front().spec.link.rate_bps, 20e6);
  EXPECT_DOUBLE_EQ(q.runs.front().spec.link.delay_s, 0.025);
  EXPECT_EQ(q.runs.front().spec.link.queue.limit, 100u);
}

TEST(Units, Conversions) {
  EXPECT_DOUBLE_EQ(units::parse_rate_bps("20Mbps"), 20e6);
  EXPECT_DOUBLE_EQ(units::parse_rate_bps("1.5Gbps"), 1.5e9);
  EXPECT_DOUBLE_EQ(units::parse_rate_bps("64kbps"), 64e3);
  EXPECT_DOUBLE_EQ(units::parse_time_s("25ms"), 0.025);
  EXPECT_DOUBLE_EQ(units::parse_time_s("250us"), 250e-6);
  EXPECT_DOUBLE_EQ(units::parse_time_s("60s"), 60);
  EXPECT_DOUBLE_EQ(units::parse_time_s("0"), 0);
  EXPECT_EQ(units::parse_size_bytes("20MB"), 20000000u);
  EXPECT_EQ(units::parse_size_bytes("20MiB"), 20971520u);
  EXPECT_EQ(units::parse_size_bytes("1500"), 1500u);
  EXPECT_EQ(units::parse_queue("100p").value, 100u);
  EXPECT_TRUE(units::parse_queue("100p").packets);
  EXPECT_EQ(units::parse_queue("256KB").value, 256000u);
  EXPECT_FALSE(units::parse_queue("256KB").packets);
  EXPECT_THROW(units::parse_rate_bps("20"), std::invalid_argument);
  EXPECT_THROW(units::parse_size_bytes("1.5B"), std::invalid_argument);
  EXPECT_THROW(units::parse_time_s("ms"), std::invalid_argument);
}

}  // namespace
TEST(ScenarioParser, ASweepOverBackendGivesEachPointItsBackend) {
  const Scenario sc = parse_scenario_text(
      "p.yaml", "name: p\nprotocols: [pfs]\nseeds: 2\nsweep:\n  backend: [sim, emu, real]\n");
  ASSERT_EQ(sc.runs.size(), 6u);
  EXPECT_EQ(sc.runs[0].spec.backend, Backend::kSim);
  EXPECT_EQ(sc.runs[2].spec.backend, Backend::kEmu);
  EXPECT_EQ(sc.runs[5].spec.backend, Backend::kReal);
  EXPECT_EQ(sc.runs[2].params.dump(), R"({"backend":"emu"})");
  EXPECT_NE(sc.runs[0].run_key, sc.runs[2].run_key);
}

TEST(ScenarioParser, AnUnknownBackendInTheSweepNamesItsLine) {
  const ScenarioError e = error_of("name: p\nprotocols: [pfs]\nsweep:\n  backend: [sim, ns2]\n");
  EXPECT_EQ(e.line(), 4);
  EXPECT_EQ(e.field(), "sweep.backend");
  EXPECT_NE(std::string(e.what()).find("emu"), std::string::npos) << e.what();
}

TEST(ScenarioParser, BackendOverrideConflictsWithASweepOverBackend) {
  try {
    parse_scenario_text("p.yaml", "name: p\nprotocols: [pfs]\nsweep:\n  backend: [sim, emu]\n", "emu");
    ADD_FAILURE() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("conflicts with sweep.backend"), std::string::npos) << e.what();
  }
}

}  // namespace wirelab

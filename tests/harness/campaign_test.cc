// The scheduler and campaigns with fake backends: crash isolation, timeouts, resume after a
// SIGKILL, and the CLI's promise that bad input writes nothing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "harness/cli/verbs.h"
#include "harness/runner/campaign.h"
#include "harness/runner/comparison_table.h"
#include "harness/runner/scheduler.h"
#include "harness/scenario/scenario.h"

namespace wirelab {
namespace {

const char* kScenario = R"yaml(name: fake
seeds: 8
duration: 10s
link: {rate: 10Mbps, delay: 10ms}
workload: {kind: bulk, bytes: 1MB}
protocols: [tcp]
)yaml";

std::string scratch(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("wirelab-campaign-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::filesystem::remove(path);
  return path.string();
}

RunResult fake_ok(const RunSpec& spec) {
  RunResult r;
  r.sim_seconds = 1.0;
  r.add("goodput_bps", 1e6 * static_cast<double>(spec.seed), "bits/s");
  r.add("integrity_ok", 1, "");
  r.series.push_back({"rtt_s", 0.5, 0.02});
  return r;
}

long long count(const std::string& db, const char* sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(h);
    return -1;
  }
  sqlite3_busy_timeout(h, 2000);
  sqlite3_stmt* s = nullptr;
  long long n = -1;
  if (sqlite3_prepare_v2(h, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

TEST(Scheduler, ACrashingRunFailsThatRunOnly) {
  std::vector<RunSpec> specs(6);
  for (std::size_t i = 0; i < specs.size(); ++i) specs[i].seed = i + 1;
  std::vector<FinishedRun> done;
  SchedulerOptions options;
  options.jobs = 3;
  const bool completed = run_all(
      specs,
      [](const RunSpec& s) {
        // SIGABRT rather than SIGSEGV: AddressSanitizer turns a SEGV into an ordinary exit.
        if (s.seed == 3) std::raise(SIGABRT);
        if (s.seed == 5) throw std::runtime_error("no route to the moon");
        return fake_ok(s);
      },
      options, [&](FinishedRun&& f) { done.push_back(std::move(f)); });
  EXPECT_TRUE(completed);
  ASSERT_EQ(done.size(), 6u);
  for (const auto& f : done) {
    const auto seed = specs[f.index].seed;
    if (seed == 3) {
      EXPECT_EQ(f.result.status, RunResult::Status::kFailed);
      EXPECT_NE(f.result.error.find("crashed: signal 6"), std::string::npos) << f.result.error;
    } else if (seed == 5) {
      EXPECT_EQ(f.result.status, RunResult::Status::kFailed);
      EXPECT_NE(f.result.error.find("no route to the moon"), std::string::npos);
    } else {
      EXPECT_EQ(f.result.status, RunResult::Status::kOk);
      ASSERT_NE(f.result.find("goodput_bps"), nullptr);
      EXPECT_EQ(f.result.find("goodput_bps")->value, 1e6 * static_cast<double>(seed));
      EXPECT_GT(f.peak_rss_bytes, 0);
    }
  }
}

TEST(Scheduler, ARunPastItsWallLimitIsKilledAsTimeout) {
  std::vector<RunSpec> specs(2);
  specs[1].seed = 2;
  SchedulerOptions options;
  options.jobs = 2;
  options.wall_limit_s = [](const RunSpec&) { return 0.3; };
  std::vector<FinishedRun> done;
  run_all(
      specs,
      [](const RunSpec& s) {
        if (s.seed == 2) pause();  // never returns on its own
        return fake_ok(s);
      },
      options, [&](FinishedRun&& f) { done.push_back(std::move(f)); });
  ASSERT_EQ(done.size(), 2u);
  for (const auto& f : done)
    EXPECT_EQ(f.result.status, specs[f.index].seed == 2 ? RunResult::Status::kTimeout : RunResult::Status::kOk);
}

TEST(Scheduler, ResultsSurviveThePipeBitForBit) {
  RunResult r;
  r.add("x", 0.1 + 0.2, "s");
  r.add("y", 1.0 / 3.0, "");
  r.series.push_back({"cwnd_bytes", 1e-9, 123456789.123});
  const RunResult back = deserialize_result(serialize_result(r));
  EXPECT_EQ(back.metrics[0].value, 0.1 + 0.2);
  EXPECT_EQ(back.metrics[1].value, 1.0 / 3.0);
  EXPECT_EQ(back.series[0].value, 123456789.123);
}

TEST(Scheduler, ArtifactsSurviveThePipe) {
  RunResult r;
  r.artifacts.push_back({"pcap", "/tmp/a b/x.pcap"});
  const RunResult back = deserialize_result(serialize_result(r));
  ASSERT_EQ(back.artifacts.size(), 1u);
  EXPECT_EQ(back.artifacts[0].kind, "pcap");
  EXPECT_EQ(back.artifacts[0].path, "/tmp/a b/x.pcap");
}

TEST(Campaign, CapturingRunsGetOneFileEachUnderTheCampaignsDirectory) {
  const std::string db = scratch("capture/campaign.db");
  const Scenario sc = parse_scenario_text("cap.yaml", R"yaml(name: cap
seeds: 2
link: {rate: 10Mbps, delay: 10ms}
workload: {kind: bulk, bytes: 1MB}
capture: true
protocols: [pfs, {tcp: {cc: cubic}}]
sweep: {link.loss: [0, 0.01, 0.02], link.delay: [1ms, 5ms]}
)yaml");
  ResultsStore store(db);
  // A backend that writes the file it is told to and reports it, as sim and real do.
  const BackendFn writes_pcap = [](const RunSpec& spec) {
    RunResult r;
    const std::string path = spec.capture_file_stem() + ".pcap";
    std::ofstream(path) << spec.protocol.label << " " << spec.seed;
    r.artifacts.push_back({"pcap", path});
    return r;
  };
  CampaignOptions options;
  options.jobs = 2;
  const auto outcome = run_campaign(sc, store, writes_pcap, options);
  const auto dir = std::filesystem::absolute(std::filesystem::path(db).parent_path() / "captures" /
                                             std::to_string(outcome.campaign_id)).lexically_normal();
  std::set<std::string> paths;
  for (const auto& run : store.runs(outcome.campaign_id)) {
    const auto artifacts = store.artifacts(run.id);
    ASSERT_EQ(artifacts.size(), 1u);
    EXPECT_EQ(std::filesystem::path(artifacts[0].path).parent_path(), dir);
    EXPECT_TRUE(std::filesystem::exists(artifacts[0].path)) << artifacts[0].path;
    paths.insert(artifacts[0].path);
  }
  EXPECT_EQ(paths.size(), 2u * 6u * 2u);  // protocols x points x seeds: no two runs share a file
  EXPECT_EQ(count(db, "select count(*) from artifacts"), 24);
  // Readable: label, point index, the point's parameters in SI units, seed.
  const bool named = std::any_of(paths.begin(), paths.end(), [&](const std::string& p) {
    const std::string name = std::filesystem::path(p).filename().string();
    return name.rfind("cap-tcp-cubic-p", 0) == 0 &&
           name.find("-link.delay=0.005_link.loss=0.02-seed2.pcap") != std::string::npos;
  });
  EXPECT_TRUE(named) << *paths.begin();
}

TEST(Campaign, StoresEveryRunAndBuildsTheTable) {
  const std::string db = scratch("campaign.db");
  const Scenario sc = parse_scenario_text("fake.yaml", kScenario);
  ResultsStore store(db);
  CampaignOptions options;
  options.jobs = 2;
  const auto outcome = run_campaign(sc, store, fake_ok, options);
  EXPECT_EQ(outcome.runs_failed, 0u);
  EXPECT_EQ(count(db, "select count(*) from runs where status = 'ok'"), 8);
  EXPECT_EQ(count(db, "select count(*) from metrics where name = 'wall_seconds'"), 8);
  EXPECT_EQ(count(db, "select count(*) from series"), 8);
  EXPECT_EQ(count(db, "select count(*) from campaigns where finished_at is not null"), 1);
  EXPECT_NE(outcome.table.find("tcp "), std::string::npos) << outcome.table;
  EXPECT_NE(outcome.table.find("4.50"), std::string::npos) << outcome.table;  // median of 1..8 Mbit/s
  EXPECT_NE(outcome.table.find("8/8"), std::string::npos);
}

TEST(Campaign, ResumeAfterSigkillRunsEveryRunExactlyOnce) {
  const std::string db = scratch("resume.db");
  const Scenario sc = parse_scenario_text("fake.yaml", kScenario);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ResultsStore store(db);
    CampaignOptions options;
    options.jobs = 1;
    run_campaign(sc, store,
                 [](const RunSpec& s) {
                   if (s.seed == 5) pause();  // the campaign hangs here until it is killed
                   return fake_ok(s);
                 },
                 options);
    _exit(0);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (count(db, "select count(*) from runs") < 4 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(count(db, "select count(*) from runs"), 4);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);

  ResultsStore store(db);
  CampaignOptions options;
  options.jobs = 2;
  options.resume = true;
  const auto outcome = run_campaign(sc, store, fake_ok, options);
  EXPECT_EQ(outcome.runs_skipped, 4u);
  EXPECT_EQ(count(db, "select count(*) from campaigns"), 1);
  EXPECT_EQ(count(db, "select count(*) from runs"), 8);
  EXPECT_EQ(count(db, "select count(distinct run_key) from runs"), 8);
  EXPECT_EQ(count(db, "select count(distinct seed) from runs"), 8);
}

TEST(Cli, BadInputExitsTwoAndWritesNothing) {
  const std::string db = scratch("untouched.db");
  const std::string bad = scratch("bad.yaml");
  std::ofstream(bad) << "name: bad\nlink: {loss: 2}\nprotocols: [tcp]\n";
  BackendTable backends;
  int calls = 0;
  backends.sim = [&](const RunSpec& s) {
    ++calls;
    return fake_ok(s);
  };
  std::vector<std::string> args = {"wirelab", "run", bad, "--db", db};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  EXPECT_EQ(wirelab_main(static_cast<int>(argv.size()), argv.data(), backends), 2);
  EXPECT_FALSE(std::filesystem::exists(db));
  EXPECT_EQ(calls, 0);

  std::vector<std::string> flags = {"wirelab", "run", bad, "--jobs", "zero"};
  std::vector<char*> argv2;
  for (auto& a : flags) argv2.push_back(a.data());
  EXPECT_EQ(wirelab_main(static_cast<int>(argv2.size()), argv2.data(), backends), 2);
}

TEST(Campaign, WhatABackendCannotRunIsBadInputBeforeAnythingRuns) {
  // One point of a backend sweep is real, whose (fake) check refuses tcp: validate and run
  // both exit 2 naming the backend, the run and the reason; no run starts, no database appears.
  const std::string db = scratch("unsupported.db");
  const std::string file = scratch("unsupported.yaml");
  std::ofstream(file) << "name: unsupported\nprotocols: [pfs, tcp]\nsweep:\n  backend: [sim, real]\n";
  BackendTable backends;
  int calls = 0;
  backends.sim = backends.real = [&](const RunSpec& s) {
    ++calls;
    return fake_ok(s);
  };
  backends.real_unsupported = [](const RunSpec& s) { return s.protocol.name == "tcp" ? "no tcp here" : ""; };
  for (const std::string verb : {"validate", "run"}) {
    std::vector<std::string> args = {"wirelab", verb, file};
    if (verb == "run") args.insert(args.end(), {"--db", db});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(wirelab_main(static_cast<int>(argv.size()), argv.data(), backends), 2) << verb;
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("the real backend cannot run 'tcp' at sweep point {\"backend\":\"real\"}: no tcp here"),
              std::string::npos)
        << err;
  }
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(std::filesystem::exists(db));
  // Without the tcp variant the same sweep is fine.
  std::ofstream(file) << "name: unsupported\nprotocols: [pfs]\nsweep:\n  backend: [sim, real]\n";
  std::vector<std::string> args = {"wirelab", "validate", file};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  EXPECT_EQ(wirelab_main(static_cast<int>(argv.size()), argv.data(), backends), 0);
}

}  // namespace
}  // namespace wirelab

namespace wirelab {
namespace {

TEST(ComparisonTable, MediansPerPointAndFairnessOnlyWithCompetingFlows) {
  std::vector<TableRun> runs;
  for (double g : {1e6, 3e6, 2e6}) runs.push_back({"link.loss=0.02", "pfs", "ok", {{"goodput_bps", g}, {"integrity_ok", 1}}});
  runs.push_back({"link.loss=0.02", "tcp", "failed", {{"integrity_ok", 0}}});
  const std::string plain = render_comparison_table(runs);
  EXPECT_NE(plain.find("2.00"), std::string::npos) << plain;   // median of 1, 3, 2 Mbit/s
  EXPECT_NE(plain.find("3/3"), std::string::npos);
  EXPECT_NE(plain.find("0/1"), std::string::npos);
  EXPECT_EQ(plain.find("Jain"), std::string::npos);
  runs[0].metrics["jain_fairness"] = 0.75;
  EXPECT_NE(render_comparison_table(runs).find("Jain index"), std::string::npos);
}

TEST(ComparisonTable, LossSchedulePhasesAndEachRunsWorstPhase) {
  // Two runs whose worst phases differ (phase 1 in one, phase 0 in the other): the worst-phase
  // column is the median of each run's minimum (2 and 4 -> 3), not the minimum of phase medians.
  std::vector<TableRun> runs;
  runs.push_back({"-", "adaptive", "ok", {{"goodput_bps", 9e6}, {"goodput_bps_phase0", 10e6}, {"goodput_bps_phase1", 2e6}}});
  runs.push_back({"-", "adaptive", "ok", {{"goodput_bps", 9e6}, {"goodput_bps_phase0", 4e6}, {"goodput_bps_phase1", 8e6}}});
  const std::string table = render_comparison_table(runs);
  EXPECT_NE(table.find("phase 0"), std::string::npos) << table;
  EXPECT_NE(table.find("phase 1"), std::string::npos) << table;
  EXPECT_EQ(table.find("phase 2"), std::string::npos) << table;
  EXPECT_NE(table.find("worst phase"), std::string::npos) << table;
  // Row: goodput 9.00, phase 0 median 7.00, phase 1 median 5.00, worst 3.00.
  EXPECT_NE(table.find("9.00     7.00     5.00         3.00"), std::string::npos) << table;
  // Without a schedule none of these columns appear.
  std::vector<TableRun> plain = {{"-", "pfs", "ok", {{"goodput_bps", 9e6}}}};
  EXPECT_EQ(render_comparison_table(plain).find("phase"), std::string::npos);
}

}  // namespace
}  // namespace wirelab

namespace wirelab {
namespace {

std::map<std::string, std::map<std::string, double>> metrics_by_run_key(const std::string& db) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(h,
                     "select r.run_key, m.name, m.value from runs r join metrics m on m.run_id = r.id "
                     "where m.name not in ('wall_seconds', 'cpu_seconds', 'peak_rss_bytes')",
                     -1, &s, nullptr);
  std::map<std::string, std::map<std::string, double>> out;
  while (sqlite3_step(s) == SQLITE_ROW)
    out[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))][reinterpret_cast<const char*>(sqlite3_column_text(s, 1))] =
        sqlite3_column_double(s, 2);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

TEST(Shards, TwoShardsMergedEqualTheWholeCampaignRunForRun) {
  const Scenario whole = parse_scenario_text("fake.yaml", kScenario);
  CampaignOptions options;
  options.jobs = 2;
  const std::string whole_db = scratch("whole.db"), merged_db = scratch("merged.db");
  {
    ResultsStore store(whole_db);
    run_campaign(whole, store, fake_ok, options);
  }
  std::size_t sharded_runs = 0;
  for (unsigned i = 0; i < 2; ++i) {
    Scenario part = parse_scenario_text("fake.yaml", kScenario);
    select_shard(part, i, 2);
    sharded_runs += part.runs.size();
    const std::string shard_db = scratch("shard" + std::to_string(i) + ".db");
    {
      ResultsStore store(shard_db);
      run_campaign(part, store, fake_ok, options);
    }
    ResultsStore merged(merged_db);
    const auto counts = merged.merge_from(shard_db);
    EXPECT_EQ(counts.runs_copied, part.runs.size());
    EXPECT_EQ(counts.campaigns_created, i == 0 ? 1u : 0u);
    // Merging the same shard again copies nothing.
    EXPECT_EQ(merged.merge_from(shard_db).runs_copied, 0u);
  }
  EXPECT_EQ(sharded_runs, whole.runs.size());
  EXPECT_EQ(count(merged_db, "select count(*) from campaigns"), 1);
  EXPECT_EQ(count(merged_db, "select count(*) from series"), count(whole_db, "select count(*) from series"));
  const auto a = metrics_by_run_key(whole_db), b = metrics_by_run_key(merged_db);
  EXPECT_EQ(a.size(), whole.runs.size());
  EXPECT_EQ(a, b);
}

TEST(Shards, ABadShardSpecIsBadInput) {
  const std::string bad = scratch("ok.yaml");
  std::ofstream(bad) << kScenario;
  BackendTable backends;
  backends.sim = fake_ok;
  for (const char* spec : {"2/2", "1/0", "x", "1/2/3"}) {
    std::vector<std::string> args = {"wirelab", "run", bad, "--db", scratch("never.db"), "--shard", spec};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    EXPECT_EQ(wirelab_main(static_cast<int>(argv.size()), argv.data(), backends), 2) << spec;
  }
  EXPECT_FALSE(std::filesystem::exists(scratch("never.db")));

  // merge refuses a file that is not a results database before creating its target.
  std::vector<std::string> merge_args = {"wirelab", "merge", "--db", scratch("never.db"), bad};
  std::vector<char*> merge_argv;
  for (auto& a : merge_args) merge_argv.push_back(a.data());
  EXPECT_EQ(wirelab_main(static_cast<int>(merge_argv.size()), merge_argv.data(), backends), 2);
  EXPECT_FALSE(std::filesystem::exists(scratch("never.db")));
}

}  // namespace
}  // namespace wirelab

#include "harness/cli/verbs.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <tuple>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "analysis/regress.h"
#include "analysis/report.h"
#include "harness/emu/emu_backend.h"
#include "harness/real/real_backend.h"
#include "harness/runner/benchmark_results.h"
#include "harness/runner/campaign.h"
#include "harness/scenario/scenario.h"
#include "harness/runner/phase_metrics.h"
#include "harness/store/results_store.h"
#include "sim/sim_backend.h"

namespace wirelab {
namespace {

constexpr const char* kDefaultDb = "results/wirelab.db";

const BackendFn* backend_for(const BackendTable& table, Backend b) {
  const BackendFn* fn = b == Backend::kSim ? &table.sim : b == Backend::kReal ? &table.real : &table.emu;
  return *fn ? fn : nullptr;
}

// Every backend the scenario's runs use (a sweep over `backend` may use several) must be in this
// build; throws ScenarioError naming the first one that is not.
void check_backends(const Scenario& sc, const BackendTable& table) {
  for (const auto& run : sc.runs) {
    if (backend_for(table, run.spec.backend)) continue;
    std::string available;
    for (Backend b : {Backend::kSim, Backend::kReal, Backend::kEmu})
      if (backend_for(table, b)) available += std::string(available.empty() ? "" : ", ") + backend_name(b);
    throw ScenarioError(sc.path, 0, 0, "backend", std::string("backend '") + backend_name(run.spec.backend) +
                                                     "' is not available in this build yet; available: " + available);
  }
  // What the backend cannot run (a dumbbell on real, a TCP congestion control this kernel
  // lacks, ...) is bad input too: said now, not as failed runs after the campaign started.
  for (const auto& run : sc.runs) {
    const auto& unsupported = run.spec.backend == Backend::kReal  ? table.real_unsupported
                              : run.spec.backend == Backend::kEmu ? table.emu_unsupported
                                                                  : std::function<std::string(const RunSpec&)>();
    if (!unsupported) continue;
    const std::string reason = unsupported(run.spec);
    if (reason.empty()) continue;
    const std::string point = run.params.empty() ? "" : " at sweep point " + run.params.dump();
    throw ScenarioError(sc.path, 0, 0, "backend",
                        std::string("the ") + backend_name(run.spec.backend) + " backend cannot run '" +
                            run.spec.protocol.label + "'" + point + ": " + reason);
  }
}

bool uses_backend(const Scenario& sc, Backend backend) {
  for (const auto& run : sc.runs)
    if (run.spec.backend == backend) return true;
  return false;
}

int verb_validate(const std::vector<std::string>& files, const std::string& backend, const BackendTable& backends) {
  int rc = 0;
  for (const auto& f : files) {
    try {
      const Scenario sc = parse_scenario_file(f, backend);
      check_backends(sc, backends);
      std::printf("ok: %s (%zu runs: %zu points x %zu protocols x %zu seeds)\n", f.c_str(), sc.runs.size(), sc.points,
                  sc.runs.size() / sc.points / sc.seeds.size(), sc.seeds.size());
    } catch (const ScenarioError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      rc = 2;
    }
  }
  return rc;
}

// "i/n" with 0 <= i < n; nullopt-like {0, 0} on anything else.
std::pair<unsigned, unsigned> parse_shard(const std::string& text) {
  unsigned i = 0, n = 0;
  char slash = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%u%c%u%c", &i, &slash, &n, &extra) != 3 || slash != '/' || n == 0 || i >= n) return {0, 0};
  return {i, n};
}

int verb_run(const std::vector<std::string>& files, const std::string& db, unsigned jobs, bool resume,
             const std::string& backend, bool dry_run, const std::string& shard, const std::string& capture_dir,
             const BackendTable& backends) {
  unsigned shard_index = 0, shard_count = 1;
  if (!shard.empty()) {
    std::tie(shard_index, shard_count) = parse_shard(shard);
    if (shard_count == 0) {
      std::fprintf(stderr, "error: --shard '%s': expected I/N with 0 <= I < N, e.g. --shard 0/4\n", shard.c_str());
      return 2;
    }
  }
  // Parse every scenario first: bad input anywhere means nothing runs and nothing is written.
  std::vector<Scenario> scenarios;
  for (const auto& f : files) {
    try {
      scenarios.push_back(parse_scenario_file(f, backend));
      check_backends(scenarios.back(), backends);  // every run, not only this shard's
      if (shard_count > 1) select_shard(scenarios.back(), shard_index, shard_count);
    } catch (const ScenarioError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }
  if (dry_run) {
    for (const auto& sc : scenarios) {
      std::printf("%s: %zu runs\n", sc.path.c_str(), sc.runs.size());
      for (const auto& r : sc.runs)
        std::printf("  %-16s %-40s seed %llu  (%s)\n", r.spec.protocol.label.c_str(), r.params.dump().c_str(),
                    static_cast<unsigned long long>(r.spec.seed), backend_name(r.spec.backend));
    }
    return 0;
  }
  // A capture directory that cannot be written is bad input: said before anything is stored.
  const std::string capture_root = capture_dir.empty() ? default_capture_root(db) : capture_dir;
  for (const auto& sc : scenarios) {
    const bool captures = std::any_of(sc.runs.begin(), sc.runs.end(), [](const PlannedRun& r) { return r.spec.capture; });
    if (!captures) continue;
    try {
      prepare_capture_directory(capture_root);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s: %s (set another with --capture-dir)\n", sc.path.c_str(), e.what());
      return 2;
    }
    break;
  }
  ResultsStore store(db);
  int rc = 0;
  for (const auto& sc : scenarios) {
    if (uses_backend(sc, Backend::kReal))
      std::fprintf(stderr,
                   "note: %s: the real backend runs on kernel sockets as they are; it does not emulate the link's "
                   "rate, delay, jitter or loss (only its MTU) — the emu backend does\n",
                   sc.path.c_str());
    CampaignOptions options;
    options.jobs = jobs;
    options.resume = resume;
    options.interactive_progress = isatty(STDERR_FILENO);
    options.capture_root = capture_root;
    // Each run goes to its own backend (a scenario may sweep `backend`).
    const BackendFn dispatch = [&backends](const RunSpec& spec) {
      RunResult result = (*backend_for(backends, spec.backend))(spec);
      add_phase_metrics(spec, result);  // goodput_bps_phaseN under a link.loss_schedule
      return result;
    };
    const CampaignOutcome outcome = run_campaign(sc, store, dispatch, options);
    std::printf("\n%s — campaign %lld, database %s\n%s", sc.name.c_str(), static_cast<long long>(outcome.campaign_id),
                db.c_str(), outcome.table.c_str());
    std::fflush(stdout);
    if (outcome.interrupted) {
      std::fprintf(stderr, "interrupted: finished runs are stored; continue with --resume\n");
      return 130;
    }
    if (outcome.runs_failed) {
      std::fprintf(stderr, "%zu run(s) failed or timed out: see `wirelab list --campaign %lld`\n", outcome.runs_failed,
                   static_cast<long long>(outcome.campaign_id));
      rc = 1;
    }
  }
  return rc;
}

int verb_list(const std::string& db, std::int64_t campaign) {
  ResultsStore store = ResultsStore::open_existing(db);
  if (campaign > 0) {
    auto c = store.campaign(campaign);
    if (!c) {
      std::fprintf(stderr, "error: no campaign %lld in %s\n", static_cast<long long>(campaign), db.c_str());
      return 2;
    }
    std::printf("%-6s %-8s %-18s %-36s %6s %-8s %9s\n", "run", "backend", "label", "params", "seed", "status", "wall s");
    for (const auto& r : store.runs(campaign))
      std::printf("%-6lld %-8s %-18s %-36s %6llu %-8s %9.2f\n", static_cast<long long>(r.id), r.backend.c_str(),
                  r.label.c_str(), r.params.c_str(), static_cast<unsigned long long>(r.seed), r.status.c_str(), r.wall_seconds);
    return 0;
  }
  std::printf("%-6s %-22s %6s %-25s %-25s %-12s\n", "id", "name", "runs", "started", "finished", "commit");
  for (const auto& c : store.campaigns())
    std::printf("%-6lld %-22s %6lld %-25s %-25s %-12s\n", static_cast<long long>(c.id), c.name.c_str(),
                static_cast<long long>(c.run_count), c.started_at.c_str(), c.finished_at.empty() ? "(unfinished)" : c.finished_at.c_str(),
                c.git_commit.substr(0, 12).c_str());
  return 0;
}

int verb_show(const std::string& db, std::int64_t run_id) {
  ResultsStore store = ResultsStore::open_existing(db);
  auto r = store.run(run_id);
  if (!r) {
    std::fprintf(stderr, "error: no run %lld in %s\n", static_cast<long long>(run_id), db.c_str());
    return 2;
  }
  auto c = store.campaign(r->campaign_id);
  std::printf("run %lld of campaign %lld (%s)\n", static_cast<long long>(r->id), static_cast<long long>(r->campaign_id),
              c ? c->name.c_str() : "?");
  std::printf("  backend   %s\n  protocol  %s\n  label     %s\n  options   %s\n  params    %s\n  seed      %llu\n",
              r->backend.c_str(), r->protocol.c_str(), r->label.c_str(), r->options.c_str(), r->params.c_str(),
              static_cast<unsigned long long>(r->seed));
  std::printf("  status    %s%s%s\n  started   %s\n  finished  %s\n  wall      %.3f s\n  simulated %.3f s\n",
              r->status.c_str(), r->error.empty() ? "" : " — ", r->error.c_str(), r->started_at.c_str(),
              r->finished_at.c_str(), r->wall_seconds, r->sim_seconds);
  std::printf("metrics:\n");
  for (const auto& m : store.metrics(run_id)) std::printf("  %-24s %18.9g %s\n", m.name.c_str(), m.value, m.unit.c_str());
  const auto artifacts = store.artifacts(run_id);
  if (!artifacts.empty()) {
    std::printf("artifacts:\n");
    for (const auto& a : artifacts) std::printf("  %-8s %s\n", a.kind.c_str(), a.path.c_str());
  }
  return 0;
}

// Runs the Google Benchmark program that sits next to this binary (console output stays on the
// terminal as progress), then stores its JSON results with the commit and host.
int verb_bench(const std::string& db, const std::string& filter, int repetitions) {
  const auto self = std::filesystem::read_symlink("/proc/self/exe");
  const auto program = self.parent_path() / "wirelab-bench";
  if (!std::filesystem::exists(program)) {
    std::fprintf(stderr, "error: no benchmark program at %s (build it: ./lab build)\n", program.c_str());
    return 2;
  }
  const auto out = std::filesystem::temp_directory_path() / ("wirelab-bench-" + std::to_string(getpid()) + ".json");
  std::vector<std::string> args = {program.string(), "--benchmark_out=" + out.string(), "--benchmark_out_format=json",
                                   "--benchmark_repetitions=" + std::to_string(repetitions)};
  if (!filter.empty()) args.push_back("--benchmark_filter=" + filter);
  const std::string started_at = utc_now_iso8601();
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream in(out);
  std::stringstream json;
  json << in.rdbuf();
  std::filesystem::remove(out);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || json.str().empty()) {
    std::fprintf(stderr, "error: %s failed (status %d); nothing stored\n", program.c_str(), status);
    return 1;
  }
  const auto rows = parse_benchmark_json(json.str(), current_git_commit(), host_name(), started_at);
  if (rows.empty()) {
    std::fprintf(stderr, "error: no benchmark matched --filter '%s'; nothing stored\n", filter.c_str());
    return 2;
  }
  ResultsStore store(db);
  store.store_benchmarks(rows);
  std::printf("stored %zu benchmark rows in %s (table benchmarks)\n", rows.size(), db.c_str());
  return 0;
}

}  // namespace

BackendTable default_backends() {
  BackendTable t;
  t.sim = [](const RunSpec& spec) { return sim::run(spec); };
  t.real = [](const RunSpec& spec) { return real::run(spec); };
  t.emu = [](const RunSpec& spec) { return emu::run(spec); };
  t.real_unsupported = [](const RunSpec& spec) { return real::unsupported_reason(spec); };
  t.emu_unsupported = [](const RunSpec& spec) { return emu::spec_unsupported_reason(spec); };
  return t;
}

int wirelab_main(int argc, char** argv, const BackendTable& backends) {
  CLI::App app{"wirelab: run network-protocol scenarios and compare transports (see README.md)", "wirelab"};
  app.require_subcommand(1);
  std::string db = kDefaultDb;

  std::vector<std::string> files;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  bool resume = false, dry_run = false;
  std::string shard;
  std::string backend;
  std::string capture_dir;
  auto* run = app.add_subcommand("run", "expand each scenario's sweep into runs, execute them, store them, print a comparison table");
  run->add_option("scenario", files, "scenario file(s)")->required();
  run->add_option("--db", db, "results database")->capture_default_str();
  run->add_option("--jobs,-j", jobs, "runs in parallel (worker processes)")->capture_default_str()->check(CLI::Range(1u, 1024u));
  run->add_flag("--resume", resume, "continue the latest campaign of the same scenario: only missing runs are run");
  run->add_option("--backend", backend, "override the scenario's backend")->check(CLI::IsMember({"sim", "real", "emu"}));
  run->add_flag("--dry-run", dry_run, "print the runs the sweep expands to; run nothing, write nothing");
  run->add_option("--capture-dir", capture_dir,
                  "where runs with `capture: true` write pcaps and key logs, one subdirectory per campaign "
                  "(default: captures/ next to --db)");
  run->add_option("--shard", shard, "run only shard I of N (I/N, 0-based) of each campaign, e.g. 0/4; fold shard databases with `merge`");

  std::vector<std::string> merge_sources;
  auto* merge = app.add_subcommand("merge", "fold shard databases into --db: one campaign per scenario, commit and hash; each run once");
  merge->add_option("shard_db", merge_sources, "shard database(s)")->required()->check(CLI::ExistingFile);
  merge->add_option("--db", db, "database to merge into (created if missing)")->capture_default_str();

  std::vector<std::string> validate_files;
  std::string validate_backend;
  auto* validate = app.add_subcommand("validate", "parse and check scenario files only; exit 0 or 2");
  validate->add_option("scenario", validate_files, "scenario file(s)")->required();
  validate->add_option("--backend", validate_backend, "check as if run with this backend")->check(CLI::IsMember({"sim", "real", "emu"}));

  std::int64_t list_campaign = 0;
  auto* list = app.add_subcommand("list", "campaigns in the database, or one campaign's runs");
  list->add_option("--db", db, "results database")->capture_default_str();
  list->add_option("--campaign", list_campaign, "list this campaign's runs");

  std::int64_t run_id = 0;
  auto* show = app.add_subcommand("show", "one run's parameters and metrics");
  show->add_option("run_id", run_id, "run id (see `list --campaign ID`)")->required();
  show->add_option("--db", db, "results database")->capture_default_str();

  analysis::ReportOptions report_options;
  auto* report = app.add_subcommand("report", "HTML comparison report of a campaign: matplotlib figures (PNG, SVG) and the CSV behind each");
  report->add_option("--db", report_options.db_path, "results database")->capture_default_str();
  report->add_option("--campaign", report_options.campaign, "campaign id or latest")->capture_default_str();
  report->add_option("--out", report_options.out_dir, "output directory (default results/report-<campaign>)");
  report->add_option("--run", report_options.run_id, "run whose time series is drawn (default: first pfs run of the middle point)");

  analysis::RegressOptions regress_options;
  auto* regress = app.add_subcommand("regress", "statistical comparison of two campaigns or git commits; exit 1 on a significant regression");
  regress->add_option("--baseline", regress_options.baseline, "campaign id or git commit (prefix)")->required();
  regress->add_option("--candidate", regress_options.candidate, "campaign id or git commit (prefix)")->required();
  regress->add_option("--db", regress_options.db_path, "results database")->capture_default_str();
  regress->add_option("--out", regress_options.out_dir, "write regress.md and regress.html here");
  regress->add_option("--alpha", regress_options.alpha, "family-wise significance level")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  regress->add_option("--min-effect", regress_options.min_effect, "smallest relative median change that counts")->capture_default_str()->check(CLI::Range(0.0, 10.0));
  regress->add_option("--correction", regress_options.correction, "multiple-testing correction")->capture_default_str()->check(CLI::IsMember({"holm", "bh"}));

  std::string bench_filter;
  int bench_repetitions = 1;
  auto* bench = app.add_subcommand("bench", "micro-benchmarks (Google Benchmark), stored in the database's benchmarks table");
  bench->add_option("--filter", bench_filter, "regular expression over benchmark names");
  bench->add_option("--repetitions", bench_repetitions, "repetitions per benchmark (regress needs several)")
      ->capture_default_str()->check(CLI::Range(1, 100));
  bench->add_option("--db", db, "results database")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  try {
    if (*run) return verb_run(files, db, jobs, resume, backend, dry_run, shard, capture_dir, backends);
    if (*merge) {
      // Every source is checked before the target is created or touched.
      for (const auto& source : merge_sources) ResultsStore::check_results_database(source);
      ResultsStore store(db);
      for (const auto& source : merge_sources) {
        const auto c = store.merge_from(source);
        std::printf("%s: %zu runs copied, %zu already present, %zu new campaigns, %zu benchmark rows\n", source.c_str(),
                    c.runs_copied, c.runs_already_present, c.campaigns_created, c.benchmarks_copied);
      }
      return 0;
    }
    if (*validate) return verb_validate(validate_files, validate_backend, backends);
    if (*list) return verb_list(db, list_campaign);
    if (*show) return verb_show(db, run_id);
    if (*bench) return verb_bench(db, bench_filter, bench_repetitions);
    if (*report) return analysis::run_report(report_options, std::cout, std::cerr);
    if (*regress) return analysis::run_regress(regress_options, std::cout, std::cerr);
  } catch (const StoreError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 2;
}

}  // namespace wirelab

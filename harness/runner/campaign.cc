#include "harness/runner/campaign.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "harness/runner/comparison_table.h"
#include "harness/runner/progress.h"

namespace wirelab {
namespace {

std::string command_output(const char* cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd, "r"), pclose);
  if (!pipe) return "";
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, pipe.get())) out += buf;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string point_text(const nlohmann::json& params) {
  if (params.empty()) return "-";
  std::string out;
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (!out.empty()) out += " ";
    out += it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump());
  }
  return out;
}

std::string run_summary(const PlannedRun& run, const FinishedRun& done) {
  std::string s = run.spec.protocol.label + " " + point_text(run.params) + " seed " + std::to_string(run.spec.seed) + ": ";
  const char* status = done.result.status == RunResult::Status::kOk ? "ok" : done.result.status == RunResult::Status::kTimeout ? "timeout" : "failed";
  s += status;
  if (const Metric* g = done.result.find("goodput_bps")) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " %.2f Mbit/s", g->value / 1e6);
    s += buf;
  }
  if (const Metric* i = done.result.find("integrity_ok"); i && i->value != 1) s += " INTEGRITY FAILED";
  char buf[64];
  std::snprintf(buf, sizeof buf, " (%.1f s)", done.wall_seconds);
  s += buf;
  if (!done.result.error.empty()) s += " — " + done.result.error;
  return s;
}

// Keeps [A-Za-z0-9._=+-] and turns anything else into '_', so a parameter text is a file name.
std::string file_name_safe(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '=' || c == '+' || c == '-';
    out += keep ? c : '_';
  }
  return out;
}

}  // namespace

std::string default_capture_root(const std::string& db_path) {
  const std::filesystem::path parent = std::filesystem::path(db_path).parent_path();
  return (parent.empty() ? std::filesystem::path("captures") : parent / "captures").string();
}

void prepare_capture_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("capture: cannot create directory " + dir + ": " + ec.message());
  const std::string probe = dir + "/.wirelab-write-probe-" + std::to_string(getpid());
  errno = 0;
  {
    std::ofstream out(probe);
    out << "probe\n";
    out.flush();
    if (!out)
      throw std::runtime_error("capture: cannot write in directory " + dir + ": " +
                               (errno ? std::strerror(errno) : "write failed"));
  }
  std::filesystem::remove(probe, ec);
}

std::string capture_stem_for(const std::string& dir, const PlannedRun& run) {
  std::string name = run.spec.scenario_name + "-" + run.spec.protocol.label;
  if (!run.params.empty()) {
    // The point index makes the name unique even if two points' texts sanitize alike; the
    // parameter text makes it readable. Very long sweeps keep the index only.
    char index[32];
    std::snprintf(index, sizeof index, "-p%02zu", run.point_index);
    name += index;
    std::string text;
    for (auto it = run.params.begin(); it != run.params.end(); ++it)
      text += (text.empty() ? "" : "_") + it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump());
    if (text.size() <= 160) name += "-" + text;
  }
  name += "-seed" + std::to_string(run.spec.seed);
  return dir + "/" + file_name_safe(name);
}

std::string current_git_commit() {
  std::string commit = command_output("git rev-parse HEAD 2>/dev/null");
  if (commit.empty()) return "unknown";
  if (!command_output("git status --porcelain --untracked-files=no 2>/dev/null").empty()) commit += "-dirty";
  return commit;
}

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

CampaignOutcome run_campaign(const Scenario& scenario, ResultsStore& store, const BackendFn& backend,
                             const CampaignOptions& options) {
  CampaignOutcome outcome;
  outcome.runs_total = scenario.runs.size();

  std::set<std::string> stored;
  if (options.resume) {
    auto previous = store.latest_campaign(scenario.name, scenario.sha256);
    // A campaign with every run stored is finished, not resumable: start afresh as if none.
    if (previous) {
      stored = store.stored_run_keys(previous->id);
      bool missing = false;
      for (const auto& run : scenario.runs) missing = missing || !stored.count(run.run_key);
      if (!missing) {
        previous.reset();
        stored.clear();
      }
    }
    if (previous) {
      outcome.campaign_id = previous->id;
      std::fprintf(stderr, "resuming campaign %lld (%s): %zu of %zu runs already stored\n",
                   static_cast<long long>(previous->id), scenario.name.c_str(), stored.size(), scenario.runs.size());
    } else {
      std::fprintf(stderr, "nothing to resume for %s: starting a new campaign\n", scenario.name.c_str());
    }
  }
  if (outcome.campaign_id == 0) {
    CampaignRecord c;
    c.name = scenario.name;
    c.scenario_path = scenario.path;
    c.scenario_sha256 = scenario.sha256;
    c.scenario_yaml = scenario.yaml_text;
    c.git_commit = current_git_commit();
    c.host = host_name();
    c.started_at = utc_now_iso8601();
    outcome.campaign_id = store.begin_campaign(c);
  }

  // Capture files of this campaign live in a directory of its own, absolute so the paths in the
  // database stay valid from any working directory.
  std::string capture_dir;
  for (const auto& run : scenario.runs) {
    if (!run.spec.capture || !capture_dir.empty()) continue;
    const std::string root = options.capture_root.empty() ? default_capture_root(store.path()) : options.capture_root;
    capture_dir = std::filesystem::absolute(std::filesystem::path(root) / std::to_string(outcome.campaign_id))
                      .lexically_normal()
                      .string();
    prepare_capture_directory(capture_dir);
  }

  std::vector<const PlannedRun*> todo;
  std::vector<RunSpec> specs;
  for (const auto& run : scenario.runs) {
    if (stored.count(run.run_key)) {
      ++outcome.runs_skipped;
      continue;
    }
    todo.push_back(&run);
    specs.push_back(run.spec);
    if (run.spec.capture) specs.back().capture_stem = capture_stem_for(capture_dir, run);
  }

  std::fprintf(stderr, "campaign %lld: %s, %zu runs to do (%zu points x %zu protocols x %zu seeds)%s\n",
               static_cast<long long>(outcome.campaign_id), scenario.name.c_str(), todo.size(), scenario.points,
               scenario.points ? scenario.runs.size() / scenario.points / scenario.seeds.size() : 0, scenario.seeds.size(),
               outcome.runs_skipped ? (", " + std::to_string(outcome.runs_skipped) + " already stored").c_str() : "");
  ProgressDisplay progress(todo.size(), options.interactive_progress);
  SchedulerOptions sched;
  sched.jobs = options.jobs;
  const bool completed = run_all(
      specs, backend, sched,
      [&](FinishedRun&& done) {
        const PlannedRun& run = *todo[done.index];
        RunRecord record;
        record.campaign_id = outcome.campaign_id;
        record.backend = backend_name(run.spec.backend);
        record.protocol = run.spec.protocol.name;
        record.label = run.spec.protocol.label;
        record.params = run.params.dump();
        record.options = run.options.dump();
        record.seed = run.spec.seed;
        record.status = done.result.status == RunResult::Status::kOk        ? "ok"
                        : done.result.status == RunResult::Status::kTimeout ? "timeout"
                                                                            : "failed";
        record.error = done.result.error;
        record.wall_seconds = done.wall_seconds;
        record.sim_seconds = done.result.sim_seconds;
        record.started_at = done.started_at;
        record.finished_at = done.finished_at;
        record.run_key = run.run_key;
        std::vector<Metric> metrics = done.result.metrics;
        metrics.push_back({"wall_seconds", done.wall_seconds, "s"});
        metrics.push_back({"cpu_seconds", done.cpu_seconds, "s"});
        metrics.push_back({"peak_rss_bytes", done.peak_rss_bytes, "bytes"});
        std::vector<Artifact> artifacts = done.result.artifacts;
        if (!done.result.log.empty()) {
          // logs/<campaign>/<run stem>.log beside the database (PFS adaptive tuning's decisions).
          const auto dir = std::filesystem::absolute(std::filesystem::path(store.path()).parent_path() / "logs" /
                                                     std::to_string(outcome.campaign_id))
                               .lexically_normal();
          std::error_code ec;
          std::filesystem::create_directories(dir, ec);
          const std::string path = capture_stem_for(dir.string(), run) + ".log";
          std::ofstream out(path, std::ios::trunc);
          for (const auto& line : done.result.log) out << line << '\n';
          if (out) artifacts.push_back({"log", path});
          else std::fprintf(stderr, "warning: cannot write the run's log to %s\n", path.c_str());
        }
        store.store_run(record, metrics, done.result.series, artifacts);
        progress.run_finished(record.status == "ok", run_summary(run, done));
      },
      [&] { progress.tick(); });
  progress.finish();
  outcome.interrupted = !completed;
  if (completed) store.finish_campaign(outcome.campaign_id, utc_now_iso8601());

  // The table covers the whole campaign, including runs stored by an earlier invocation.
  std::map<std::string, const PlannedRun*> by_key;
  for (const auto& run : scenario.runs) by_key[run.run_key] = &run;
  std::vector<TableRun> table;
  auto records = store.runs(outcome.campaign_id);
  std::map<std::string, const RunRecord*> record_by_key;
  for (const auto& r : records) record_by_key[r.run_key] = &r;
  for (const auto& run : scenario.runs) {
    auto it = record_by_key.find(run.run_key);
    if (it == record_by_key.end()) continue;
    TableRun t;
    t.point = point_text(run.params);
    t.label = run.spec.protocol.label;
    t.status = it->second->status;
    if (t.status != "ok") ++outcome.runs_failed;
    for (const auto& m : store.metrics(it->second->id)) t.metrics[m.name] = m.value;
    table.push_back(std::move(t));
  }
  outcome.table = render_comparison_table(table);
  return outcome;
}

}  // namespace wirelab

// Runs a campaign's runs in worker processes, N at a time, and hands each finished run to a
// callback (the only writer of the database).
//
// One fork()ed child per run: a crash, an abort or a runaway run takes down that child only,
// and is recorded as that run's failure. Children die with the parent (PR_SET_PDEATHSIG), so a
// SIGKILLed campaign leaves no orphans; its finished runs are already committed.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "harness/run_spec.h"

namespace wirelab {

using BackendFn = std::function<RunResult(const RunSpec&)>;

struct FinishedRun {
  std::size_t index = 0;          // into the runs given to run_all
  RunResult result;
  double wall_seconds = 0;
  double cpu_seconds = 0;         // the child's user + system time
  double peak_rss_bytes = 0;
  std::string started_at;
  std::string finished_at;
};

struct SchedulerOptions {
  unsigned jobs = 1;
  // A run still going after this many wall seconds is killed and recorded as a timeout.
  std::function<double(const RunSpec&)> wall_limit_s = [](const RunSpec& s) { return 600.0 + 10.0 * s.duration_s; };
};

// Runs `runs` (skipping none; the caller filters) and calls on_finished in completion order.
// Returns false when interrupted by SIGINT/SIGTERM (children killed, finished runs delivered).
// on_tick is called about twice a second while runs are in flight (progress redraws).
bool run_all(const std::vector<RunSpec>& runs, const BackendFn& backend, const SchedulerOptions& options,
             const std::function<void(FinishedRun&&)>& on_finished,
             const std::function<void()>& on_tick = {});

// Result <-> JSON for the pipe between a worker and the parent.
std::string serialize_result(const RunResult& result);
RunResult deserialize_result(const std::string& json);

}  // namespace wirelab

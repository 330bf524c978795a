// A campaign: one scenario's runs, executed by the scheduler and stored run by run.
#pragma once

#include <cstdint>
#include <string>

#include "harness/runner/scheduler.h"
#include "harness/scenario/scenario.h"
#include "harness/store/results_store.h"

namespace wirelab {

struct CampaignOptions {
  unsigned jobs = 1;
  bool resume = false;
  bool interactive_progress = false;
  // Runs with `capture: true` write their files under <capture_root>/<campaign id>/ (see
  // capture_stem_for); empty: <directory of the database>/captures.
  std::string capture_root;
};

// The capture root a campaign stored in `db_path` uses when none is given: captures/ next to it.
std::string default_capture_root(const std::string& db_path);

// Creates `dir` (and its parents) and checks a file can be written there; throws
// std::runtime_error naming the directory and the reason otherwise. Writes nothing else.
void prepare_capture_directory(const std::string& dir);

// Where one run's capture files go, without extension: <dir>/<scenario>-<label>[-p<point>-<params>]-seed<N>,
// params as path=value joined by '_' (e.g. quickstart-pfs-p02-link.loss=0.02-seed1).
// Unique per run of a campaign (label, sweep point and seed are), readable, and a valid file name.
std::string capture_stem_for(const std::string& dir, const PlannedRun& run);

struct CampaignOutcome {
  std::int64_t campaign_id = 0;
  std::size_t runs_total = 0;
  std::size_t runs_skipped = 0;   // already stored (resume)
  std::size_t runs_failed = 0;    // failed or timed out, this invocation or before
  bool interrupted = false;
  std::string table;
};

CampaignOutcome run_campaign(const Scenario& scenario, ResultsStore& store, const BackendFn& backend,
                             const CampaignOptions& options);

// The git commit of the working directory's repository ("unknown" outside one), with "-dirty"
// when tracked files have uncommitted changes.
std::string current_git_commit();
std::string host_name();

}  // namespace wirelab

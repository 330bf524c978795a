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
};

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

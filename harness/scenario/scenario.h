// A scenario file, parsed and validated, and the runs its sweep expands to.
//
// parse_scenario_file() checks everything it can before anything runs: unknown keys, wrong
// types, values out of range, unknown units, protocol options, sweep paths and every sweep
// value. The first problem is thrown as a ScenarioError carrying file:line:column and the
// dotted field; nothing is returned half-valid.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "harness/run_spec.h"
#include "harness/scenario/scenario_error.h"

namespace wirelab {

struct SweepAxis {
  std::string path;                 // dotted path into the file, e.g. link.loss
  std::vector<YAML::Node> values;   // each keeps its position in the file
};

struct PlannedRun {
  RunSpec spec;
  nlohmann::json params;   // swept path -> value at this point, SI units
  nlohmann::json options;  // the protocol's options as written (label excluded)
  std::string run_key;     // stable identity within a campaign: label, params, seed
  std::size_t point_index = 0;
};

struct Scenario {
  std::string path;
  std::string yaml_text;
  std::string sha256;
  std::string name;
  std::string description;
  Backend backend = Backend::kSim;
  std::vector<std::uint64_t> seeds;
  std::vector<SweepAxis> sweep;
  std::vector<PlannedRun> runs;   // point-major, then protocol, then seed
  std::size_t points = 1;
};

// Backends a scenario may name, and which of them this build can run.
const char* backend_name(Backend backend);

// Reads and validates `path`. `backend_override` (from --backend) replaces the file's backend.
Scenario parse_scenario_file(const std::string& path, const std::string& backend_override = "");
// Same, from text already read (tests; `path` only labels messages).
Scenario parse_scenario_text(const std::string& path, const std::string& text,
                             const std::string& backend_override = "");

// Keeps the runs of shard `index` of `count` (0-based): every count-th run of the expanded
// list, starting at `index`. The expansion is deterministic, so shards 0..count-1 of the same
// scenario partition its runs exactly, whatever machine each shard runs on.
void select_shard(Scenario& scenario, unsigned index, unsigned count);

}  // namespace wirelab

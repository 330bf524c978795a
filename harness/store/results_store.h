// The SQLite results store of CONTRACT section 4: campaigns, runs, metrics, series, benchmarks.
//
// WAL mode, so readers (list, show, Python) never block a running campaign; each finished run
// is one transaction (run row + metrics + series), so a killed campaign loses only unfinished
// runs. The schema version lives in PRAGMA user_version; migrations only add.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/run_spec.h"

struct sqlite3;

namespace wirelab {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CampaignRecord {
  std::int64_t id = 0;
  std::string name;
  std::string scenario_path;
  std::string scenario_sha256;
  std::string scenario_yaml;
  std::string git_commit;
  std::string host;
  std::string started_at;
  std::string finished_at;
  std::int64_t run_count = 0;
};

struct RunRecord {
  std::int64_t id = 0;
  std::int64_t campaign_id = 0;
  std::string backend;
  std::string protocol;
  std::string label;
  std::string params;   // JSON
  std::string options;  // JSON
  std::uint64_t seed = 0;
  std::string status;   // ok | failed | timeout
  std::string error;
  double wall_seconds = 0;
  double sim_seconds = 0;
  std::string started_at;
  std::string finished_at;
  std::string run_key;
};

struct BenchmarkRecord {
  std::string git_commit;
  std::string host;
  std::string name;
  std::int64_t iterations = 0;
  double real_time_ns = 0;
  double cpu_time_ns = 0;
  double items_per_second = 0;   // 0: not reported
  double bytes_per_second = 0;   // 0: not reported
  std::string started_at;
};

class ResultsStore {
 public:
  // 1: CONTRACT section 4. 2: + artifacts(run_id, kind, path), the files a run wrote (pcap, keylog).
  static constexpr int kSchemaVersion = 2;

  // Opens (creating the file, its directory and the schema when needed).
  explicit ResultsStore(const std::string& path);
  // Opens an existing database (read-write: an older schema is migrated, as any open does);
  // throws StoreError when there is no file, and creates nothing.
  static ResultsStore open_existing(const std::string& path);
  ~ResultsStore();
  ResultsStore(ResultsStore&& other) noexcept;
  ResultsStore(const ResultsStore&) = delete;
  ResultsStore& operator=(const ResultsStore&) = delete;

  std::int64_t begin_campaign(const CampaignRecord& campaign);
  void finish_campaign(std::int64_t campaign_id, const std::string& finished_at);
  // The latest campaign of the scenario with this name and hash, if any.
  std::optional<CampaignRecord> latest_campaign(const std::string& name, const std::string& sha256) const;
  std::set<std::string> stored_run_keys(std::int64_t campaign_id) const;

  // One transaction: the run row, its metrics, its series, its artifacts. Returns the run id.
  std::int64_t store_run(const RunRecord& run, const std::vector<Metric>& metrics,
                         const std::vector<SeriesPoint>& series, const std::vector<Artifact>& artifacts = {});

  struct MergeCounts {
    std::size_t campaigns_created = 0;
    std::size_t runs_copied = 0;
    std::size_t runs_already_present = 0;
    std::size_t benchmarks_copied = 0;
  };
  // Folds another database (a shard) into this one, in one transaction. Campaigns with the same
  // name, scenario hash and git commit become one campaign; runs are identified by run_key, so
  // merging the same shard twice copies nothing the second time.
  MergeCounts merge_from(const std::string& other_path);
  // Throws StoreError unless `path` is a wirelab results database; opens it read-only.
  static void check_results_database(const std::string& path);

  // All rows of one benchmark program run, in one transaction.
  void store_benchmarks(const std::vector<BenchmarkRecord>& rows);

  std::vector<CampaignRecord> campaigns() const;
  std::optional<CampaignRecord> campaign(std::int64_t id) const;
  std::vector<RunRecord> runs(std::int64_t campaign_id) const;
  std::optional<RunRecord> run(std::int64_t run_id) const;
  std::vector<Metric> metrics(std::int64_t run_id) const;
  std::vector<Artifact> artifacts(std::int64_t run_id) const;

  const std::string& path() const { return path_; }

 private:
  ResultsStore(const std::string& path, bool read_only);
  void exec(const char* sql) const;
  void migrate();

  std::string path_;
  sqlite3* db_ = nullptr;
};

// UTC, ISO 8601 with milliseconds: 2026-11-23T08:30:00.123Z
std::string utc_now_iso8601();

}  // namespace wirelab

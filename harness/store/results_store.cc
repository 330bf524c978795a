#include "harness/store/results_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

namespace wirelab {
namespace {

// One prepared statement, finalized on scope exit; bind helpers take 1-based indices.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw StoreError(std::string("sqlite prepare failed: ") + sqlite3_errmsg(db) + " in: " + sql);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Statement& bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(std::string("sqlite step failed: ") + sqlite3_errmsg(db_));
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS campaigns(
  id INTEGER PRIMARY KEY, name TEXT, scenario_path TEXT, scenario_sha256 TEXT, scenario_yaml TEXT,
  git_commit TEXT, host TEXT, started_at TEXT, finished_at TEXT);
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY, campaign_id INTEGER REFERENCES campaigns(id), backend TEXT, protocol TEXT,
  label TEXT, params TEXT, options TEXT, seed INTEGER, status TEXT, error TEXT, wall_seconds REAL,
  sim_seconds REAL, started_at TEXT, finished_at TEXT, run_key TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS runs_campaign_key ON runs(campaign_id, run_key);
CREATE TABLE IF NOT EXISTS metrics(
  run_id INTEGER REFERENCES runs(id), name TEXT, value REAL, unit TEXT, PRIMARY KEY(run_id, name));
CREATE TABLE IF NOT EXISTS series(run_id INTEGER REFERENCES runs(id), name TEXT, t REAL, value REAL);
CREATE INDEX IF NOT EXISTS series_run ON series(run_id, name);
CREATE TABLE IF NOT EXISTS artifacts(
  run_id INTEGER REFERENCES runs(id), kind TEXT, path TEXT, PRIMARY KEY(run_id, kind));
CREATE TABLE IF NOT EXISTS benchmarks(
  id INTEGER PRIMARY KEY, git_commit TEXT, host TEXT, name TEXT, iterations INTEGER, real_time_ns REAL,
  cpu_time_ns REAL, items_per_second REAL, bytes_per_second REAL, started_at TEXT);
)sql";

CampaignRecord read_campaign(const Statement& s) {
  CampaignRecord c;
  c.id = s.integer(0);
  c.name = s.text(1);
  c.scenario_path = s.text(2);
  c.scenario_sha256 = s.text(3);
  c.scenario_yaml = s.text(4);
  c.git_commit = s.text(5);
  c.host = s.text(6);
  c.started_at = s.text(7);
  c.finished_at = s.text(8);
  c.run_count = s.integer(9);
  return c;
}

constexpr const char* kCampaignColumns =
    "select c.id, c.name, c.scenario_path, c.scenario_sha256, c.scenario_yaml, c.git_commit, c.host, "
    "c.started_at, c.finished_at, (select count(*) from runs r where r.campaign_id = c.id) from campaigns c ";

constexpr const char* kRunColumns =
    "select id, campaign_id, backend, protocol, label, params, options, seed, status, error, wall_seconds, "
    "sim_seconds, started_at, finished_at, run_key from runs ";

RunRecord read_run(const Statement& s) {
  RunRecord r;
  r.id = s.integer(0);
  r.campaign_id = s.integer(1);
  r.backend = s.text(2);
  r.protocol = s.text(3);
  r.label = s.text(4);
  r.params = s.text(5);
  r.options = s.text(6);
  r.seed = static_cast<std::uint64_t>(s.integer(7));
  r.status = s.text(8);
  r.error = s.text(9);
  r.wall_seconds = s.real(10);
  r.sim_seconds = s.real(11);
  r.started_at = s.text(12);
  r.finished_at = s.text(13);
  r.run_key = s.text(14);
  return r;
}

}  // namespace

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

ResultsStore::ResultsStore(const std::string& path) : ResultsStore(path, false) {}

ResultsStore::ResultsStore(const std::string& path, bool read_only) : path_(path) {
  if (!read_only) {
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
  }
  const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  if (!read_only) {
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    migrate();
  }
}

ResultsStore ResultsStore::open_existing(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw StoreError("no database at " + path + " (run a scenario first, or pass --db)");
  return ResultsStore(path, false);
}

ResultsStore::ResultsStore(ResultsStore&& other) noexcept : path_(std::move(other.path_)), db_(other.db_) {
  other.db_ = nullptr;
}

ResultsStore::~ResultsStore() { sqlite3_close(db_); }

void ResultsStore::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw StoreError("sqlite: " + msg);
  }
}

void ResultsStore::migrate() {
  Statement v(db_, "PRAGMA user_version");
  v.step();
  const std::int64_t version = v.integer(0);
  if (version > kSchemaVersion)
    throw StoreError(path_ + " was written by a newer wirelab (schema " + std::to_string(version) +
                     "); this build reads up to schema " + std::to_string(kSchemaVersion));
  // Every step only adds (CREATE ... IF NOT EXISTS), so running the whole schema upgrades any
  // older file: 1 -> 2 added the artifacts table.
  exec("BEGIN IMMEDIATE");
  try {
    exec(kSchema);
    exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    exec("COMMIT");
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

std::int64_t ResultsStore::begin_campaign(const CampaignRecord& c) {
  Statement s(db_,
              "insert into campaigns(name, scenario_path, scenario_sha256, scenario_yaml, git_commit, host, started_at) "
              "values(?,?,?,?,?,?,?)");
  s.bind(1, c.name).bind(2, c.scenario_path).bind(3, c.scenario_sha256).bind(4, c.scenario_yaml);
  s.bind(5, c.git_commit).bind(6, c.host).bind(7, c.started_at);
  s.step();
  return sqlite3_last_insert_rowid(db_);
}

void ResultsStore::finish_campaign(std::int64_t campaign_id, const std::string& finished_at) {
  Statement s(db_, "update campaigns set finished_at = ? where id = ?");
  s.bind(1, finished_at).bind(2, campaign_id);
  s.step();
}

std::optional<CampaignRecord> ResultsStore::latest_campaign(const std::string& name, const std::string& sha256) const {
  Statement s(db_, (std::string(kCampaignColumns) + "where c.name = ? and c.scenario_sha256 = ? order by c.id desc limit 1").c_str());
  s.bind(1, name).bind(2, sha256);
  if (!s.step()) return std::nullopt;
  return read_campaign(s);
}

std::set<std::string> ResultsStore::stored_run_keys(std::int64_t campaign_id) const {
  Statement s(db_, "select run_key from runs where campaign_id = ?");
  s.bind(1, campaign_id);
  std::set<std::string> keys;
  while (s.step()) keys.insert(s.text(0));
  return keys;
}

std::int64_t ResultsStore::store_run(const RunRecord& r, const std::vector<Metric>& metrics,
                                     const std::vector<SeriesPoint>& series, const std::vector<Artifact>& artifacts) {
  exec("BEGIN IMMEDIATE");
  try {
    Statement s(db_,
                "insert into runs(campaign_id, backend, protocol, label, params, options, seed, status, error, "
                "wall_seconds, sim_seconds, started_at, finished_at, run_key) values(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, r.campaign_id).bind(2, r.backend).bind(3, r.protocol).bind(4, r.label).bind(5, r.params);
    s.bind(6, r.options).bind(7, static_cast<std::int64_t>(r.seed)).bind(8, r.status);
    if (r.error.empty()) s.bind_null(9); else s.bind(9, r.error);
    s.bind(10, r.wall_seconds).bind(11, r.sim_seconds).bind(12, r.started_at).bind(13, r.finished_at);
    s.bind(14, r.run_key);
    s.step();
    const std::int64_t run_id = sqlite3_last_insert_rowid(db_);
    Statement m(db_, "insert or replace into metrics(run_id, name, value, unit) values(?,?,?,?)");
    for (const auto& metric : metrics) {
      m.bind(1, run_id).bind(2, metric.name).bind(3, metric.value).bind(4, metric.unit);
      m.step();
      m.reset();
    }
    Statement p(db_, "insert into series(run_id, name, t, value) values(?,?,?,?)");
    for (const auto& point : series) {
      p.bind(1, run_id).bind(2, point.name).bind(3, point.t_s).bind(4, point.value);
      p.step();
      p.reset();
    }
    Statement a(db_, "insert or replace into artifacts(run_id, kind, path) values(?,?,?)");
    for (const auto& artifact : artifacts) {
      a.bind(1, run_id).bind(2, artifact.kind).bind(3, artifact.path);
      a.step();
      a.reset();
    }
    exec("COMMIT");
    return run_id;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void ResultsStore::check_results_database(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw StoreError("cannot open " + path);
  }
  sqlite3_stmt* s = nullptr;
  const bool ok = sqlite3_prepare_v2(db, "select run_key, campaign_id from runs limit 1", -1, &s, nullptr) == SQLITE_OK;
  sqlite3_finalize(s);
  sqlite3_close(db);
  if (!ok) throw StoreError(path + " is not a wirelab results database (no runs table with run_key)");
}

ResultsStore::MergeCounts ResultsStore::merge_from(const std::string& other_path) {
  struct stat st {};
  if (::stat(other_path.c_str(), &st) != 0) throw StoreError("no database at " + other_path);
  MergeCounts counts;
  {
    Statement attach(db_, "ATTACH DATABASE ? AS shard");
    attach.bind(1, other_path);
    attach.step();
  }
  bool shard_has_artifacts = false;  // shards written before schema 2 have no artifacts table
  {
    Statement t(db_, "select 1 from shard.sqlite_master where type = 'table' and name = 'artifacts'");
    shard_has_artifacts = t.step();
  }
  exec("BEGIN IMMEDIATE");
  try {
    Statement campaigns(db_,
                        "select id, name, scenario_path, scenario_sha256, scenario_yaml, git_commit, host, started_at, "
                        "finished_at from shard.campaigns order by id");
    while (campaigns.step()) {
      const std::int64_t source_id = campaigns.integer(0);
      Statement find(db_,
                     "select id from main.campaigns where name = ? and scenario_sha256 = ? and git_commit = ? "
                     "order by id limit 1");
      find.bind(1, campaigns.text(1)).bind(2, campaigns.text(3)).bind(3, campaigns.text(5));
      std::int64_t target_id = 0;
      if (find.step()) {
        target_id = find.integer(0);
        // The merged campaign spans its shards: earliest start, latest finish.
        Statement widen(db_,
                        "update main.campaigns set started_at = min(started_at, ?), "
                        "finished_at = case when finished_at is null or ? is null then null else max(finished_at, ?) end "
                        "where id = ?");
        widen.bind(1, campaigns.text(7)).bind(2, campaigns.text(8)).bind(3, campaigns.text(8)).bind(4, target_id);
        if (campaigns.text(8).empty()) widen.bind_null(2).bind_null(3);
        widen.step();
      } else {
        Statement insert(db_,
                         "insert into main.campaigns(name, scenario_path, scenario_sha256, scenario_yaml, git_commit, "
                         "host, started_at, finished_at) values(?,?,?,?,?,?,?,?)");
        for (int c = 1; c <= 7; ++c) insert.bind(c, campaigns.text(c));
        if (campaigns.text(8).empty()) insert.bind_null(8); else insert.bind(8, campaigns.text(8));
        insert.step();
        target_id = sqlite3_last_insert_rowid(db_);
        ++counts.campaigns_created;
      }
      std::string runs_sql = kRunColumns;
      runs_sql.replace(runs_sql.find("from runs"), 9, "from shard.runs");
      Statement runs(db_, (runs_sql + "where campaign_id = ? order by id").c_str());
      runs.bind(1, source_id);
      while (runs.step()) {
        const RunRecord r = read_run(runs);
        Statement present(db_, "select 1 from main.runs where campaign_id = ? and run_key = ?");
        present.bind(1, target_id).bind(2, r.run_key);
        if (present.step()) {
          ++counts.runs_already_present;
          continue;
        }
        Statement insert(db_,
                         "insert into main.runs(campaign_id, backend, protocol, label, params, options, seed, status, "
                         "error, wall_seconds, sim_seconds, started_at, finished_at, run_key) "
                         "select ?, backend, protocol, label, params, options, seed, status, error, wall_seconds, "
                         "sim_seconds, started_at, finished_at, run_key from shard.runs where id = ?");
        insert.bind(1, target_id).bind(2, r.id);
        insert.step();
        const std::int64_t new_id = sqlite3_last_insert_rowid(db_);
        Statement metrics(db_, "insert into main.metrics(run_id, name, value, unit) "
                               "select ?, name, value, unit from shard.metrics where run_id = ?");
        metrics.bind(1, new_id).bind(2, r.id);
        metrics.step();
        Statement series(db_, "insert into main.series(run_id, name, t, value) "
                              "select ?, name, t, value from shard.series where run_id = ?");
        series.bind(1, new_id).bind(2, r.id);
        series.step();
        if (shard_has_artifacts) {
          Statement artifacts(db_, "insert into main.artifacts(run_id, kind, path) "
                                   "select ?, kind, path from shard.artifacts where run_id = ?");
          artifacts.bind(1, new_id).bind(2, r.id);
          artifacts.step();
        }
        ++counts.runs_copied;
      }
    }
    Statement benchmarks(db_,
                         "insert into main.benchmarks(git_commit, host, name, iterations, real_time_ns, cpu_time_ns, "
                         "items_per_second, bytes_per_second, started_at) "
                         "select git_commit, host, name, iterations, real_time_ns, cpu_time_ns, items_per_second, "
                         "bytes_per_second, started_at from shard.benchmarks s where not exists ("
                         "select 1 from main.benchmarks m where m.git_commit is s.git_commit and m.host is s.host and "
                         "m.name is s.name and m.started_at is s.started_at and m.real_time_ns is s.real_time_ns)");
    benchmarks.step();
    counts.benchmarks_copied = static_cast<std::size_t>(sqlite3_changes(db_));
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_exec(db_, "DETACH DATABASE shard", nullptr, nullptr, nullptr);
    throw;
  }
  exec("DETACH DATABASE shard");
  return counts;
}

void ResultsStore::store_benchmarks(const std::vector<BenchmarkRecord>& rows) {
  exec("BEGIN IMMEDIATE");
  try {
    Statement s(db_,
                "insert into benchmarks(git_commit, host, name, iterations, real_time_ns, cpu_time_ns, "
                "items_per_second, bytes_per_second, started_at) values(?,?,?,?,?,?,?,?,?)");
    for (const auto& b : rows) {
      s.bind(1, b.git_commit).bind(2, b.host).bind(3, b.name).bind(4, b.iterations).bind(5, b.real_time_ns);
      s.bind(6, b.cpu_time_ns);
      if (b.items_per_second > 0) s.bind(7, b.items_per_second); else s.bind_null(7);
      if (b.bytes_per_second > 0) s.bind(8, b.bytes_per_second); else s.bind_null(8);
      s.bind(9, b.started_at);
      s.step();
      s.reset();
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<CampaignRecord> ResultsStore::campaigns() const {
  Statement s(db_, (std::string(kCampaignColumns) + "order by c.id").c_str());
  std::vector<CampaignRecord> out;
  while (s.step()) out.push_back(read_campaign(s));
  return out;
}

std::optional<CampaignRecord> ResultsStore::campaign(std::int64_t id) const {
  Statement s(db_, (std::string(kCampaignColumns) + "where c.id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_campaign(s);
}

std::vector<RunRecord> ResultsStore::runs(std::int64_t campaign_id) const {
  Statement s(db_, (std::string(kRunColumns) + "where campaign_id = ? order by id").c_str());
  s.bind(1, campaign_id);
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

std::optional<RunRecord> ResultsStore::run(std::int64_t run_id) const {
  Statement s(db_, (std::string(kRunColumns) + "where id = ?").c_str());
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

std::vector<Artifact> ResultsStore::artifacts(std::int64_t run_id) const {
  Statement s(db_, "select kind, path from artifacts where run_id = ? order by kind");
  s.bind(1, run_id);
  std::vector<Artifact> out;
  while (s.step()) out.push_back({s.text(0), s.text(1)});
  return out;
}

std::vector<Metric> ResultsStore::metrics(std::int64_t run_id) const {
  Statement s(db_, "select name, value, unit from metrics where run_id = ? order by name");
  s.bind(1, run_id);
  std::vector<Metric> out;
  while (s.step()) out.push_back({s.text(0), s.real(1), s.text(2)});
  return out;
}

}  // namespace wirelab

// The results store: CONTRACT section 4's schema, WAL, one transaction per run, SHA-256.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "harness/store/results_store.h"
#include "harness/store/sha256.h"

namespace wirelab {
namespace {

std::string scratch_db(const char* name) {
  const auto dir = std::filesystem::temp_directory_path() / ("wirelab-store-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::filesystem::remove(path);
  return path.string();
}

std::string query_text(const std::string& db, const char* sql) {
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  sqlite3_stmt* s = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(h, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(s, 0);
    out = t ? reinterpret_cast<const char*>(t) : "";
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

TEST(Sha256, FipsVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(ResultsStore, SchemaIsTheContractsAndWal) {
  const std::string db = scratch_db("schema.db");
  { ResultsStore store(db); }
  EXPECT_EQ(query_text(db, "PRAGMA journal_mode"), "wal");
  for (const char* table : {"campaigns", "runs", "metrics", "series", "benchmarks"})
    EXPECT_EQ(query_text(db, (std::string("select name from sqlite_master where type='table' and name='") + table + "'").c_str()), table);
  // Every contract column exists (selecting them fails otherwise).
  EXPECT_NO_THROW({
    sqlite3* h = nullptr;
    sqlite3_open(db.c_str(), &h);
    for (const char* sql : {
             "select id, name, scenario_path, scenario_sha256, scenario_yaml, git_commit, host, started_at, finished_at from campaigns",
             "select id, campaign_id, backend, protocol, label, params, options, seed, status, error, wall_seconds, sim_seconds, started_at, finished_at from runs",
             "select run_id, name, value, unit from metrics", "select run_id, name, t, value from series",
             "select id, git_commit, host, name, iterations, real_time_ns, cpu_time_ns, items_per_second, bytes_per_second, started_at from benchmarks"}) {
      sqlite3_stmt* s = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(h, sql, -1, &s, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(h);
      sqlite3_finalize(s);
    }
    sqlite3_close(h);
  });
}

TEST(ResultsStore, RunRoundTripWithMetricsAndSeries) {
  const std::string db = scratch_db("roundtrip.db");
  ResultsStore store(db);
  CampaignRecord c;
  c.name = "t";
  c.scenario_sha256 = "abc";
  const auto id = store.begin_campaign(c);
  RunRecord r;
  r.campaign_id = id;
  r.protocol = "pfs";
  r.label = "pfs";
  r.params = R"({"link.loss":0.02})";
  r.options = "{}";
  r.seed = 3;
  r.status = "ok";
  r.run_key = "pfs|{}|3";
  const auto run_id = store.store_run(r, {{"goodput_bps", 1.25e7, "bits/s"}, {"integrity_ok", 1, ""}},
                                      {{"cwnd_bytes", 0.1, 15000}, {"cwnd_bytes", 0.2, 30000}});
  const auto back = store.run(run_id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->params, r.params);
  EXPECT_EQ(back->seed, 3u);
  const auto metrics = store.metrics(run_id);
  ASSERT_EQ(metrics.size(), 2u);
  EXPECT_EQ(metrics[0].name, "goodput_bps");
  EXPECT_DOUBLE_EQ(metrics[0].value, 1.25e7);
  EXPECT_EQ(query_text(db, "select count(*) from series"), "2");
  EXPECT_EQ(store.stored_run_keys(id).count("pfs|{}|3"), 1u);
  ASSERT_TRUE(store.latest_campaign("t", "abc"));
  EXPECT_FALSE(store.latest_campaign("t", "other"));
}

TEST(ResultsStore, AFailedRunTransactionLeavesNothing) {
  const std::string db = scratch_db("atomic.db");
  ResultsStore store(db);
  const auto id = store.begin_campaign(CampaignRecord{});
  RunRecord r;
  r.campaign_id = id;
  r.run_key = "k";
  store.store_run(r, {}, {});
  // The same run key twice violates the unique index: the whole second run must roll back.
  EXPECT_THROW(store.store_run(r, {{"goodput_bps", 1, "bits/s"}}, {{"rtt_s", 0, 0.05}}), StoreError);
  EXPECT_EQ(query_text(db, "select count(*) from runs"), "1");
  EXPECT_EQ(query_text(db, "select count(*) from metrics"), "0");
  EXPECT_EQ(query_text(db, "select count(*) from series"), "0");
}

TEST(ResultsStore, OpenExistingRefusesAMissingFile) {
  EXPECT_THROW(ResultsStore::open_existing(scratch_db("missing.db")), StoreError);
}

}  // namespace
}  // namespace wirelab

#include "harness/runner/benchmark_results.h"

namespace wirelab {
namespace {

TEST(BenchmarkResults, GoogleBenchmarkJsonBecomesRowsInNanoseconds) {
  const std::string json = R"({"context": {}, "benchmarks": [
    {"name": "spsc/throughput", "run_type": "iteration", "iterations": 1000, "real_time": 2.5, "cpu_time": 2.0,
     "time_unit": "us", "items_per_second": 4.0e8},
    {"name": "memcpy/16384", "iterations": 10, "real_time": 1.5, "cpu_time": 1.5, "time_unit": "ms", "bytes_per_second": 1e10},
    {"name": "broken", "error_occurred": true, "error_message": "x"}]})";
  const auto rows = parse_benchmark_json(json, "abc123", "host", "2026-11-23T00:00:00.000Z");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "spsc/throughput");
  EXPECT_DOUBLE_EQ(rows[0].real_time_ns, 2500);
  EXPECT_DOUBLE_EQ(rows[0].items_per_second, 4e8);
  EXPECT_DOUBLE_EQ(rows[1].real_time_ns, 1.5e6);
  EXPECT_DOUBLE_EQ(rows[1].bytes_per_second, 1e10);
  EXPECT_THROW(parse_benchmark_json("not json", "", "", ""), std::runtime_error);

  const std::string db = scratch_db("bench.db");
  ResultsStore store(db);
  store.store_benchmarks(rows);
  EXPECT_EQ(query_text(db, "select count(*) from benchmarks where git_commit = 'abc123'"), "2");
  EXPECT_EQ(query_text(db, "select bytes_per_second from benchmarks where name = 'spsc/throughput'"), "");
}

}  // namespace
// A schema 1 database (before artifacts) as an older wirelab left it: one campaign, one run.
void write_schema1_database(const std::string& db) {
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  sqlite3_exec(h,
               "CREATE TABLE campaigns(id INTEGER PRIMARY KEY, name TEXT, scenario_path TEXT, scenario_sha256 TEXT, "
               "scenario_yaml TEXT, git_commit TEXT, host TEXT, started_at TEXT, finished_at TEXT);"
               "CREATE TABLE runs(id INTEGER PRIMARY KEY, campaign_id INTEGER, backend TEXT, protocol TEXT, label TEXT, "
               "params TEXT, options TEXT, seed INTEGER, status TEXT, error TEXT, wall_seconds REAL, sim_seconds REAL, "
               "started_at TEXT, finished_at TEXT, run_key TEXT);"
               "CREATE TABLE metrics(run_id INTEGER, name TEXT, value REAL, unit TEXT, PRIMARY KEY(run_id, name));"
               "CREATE TABLE series(run_id INTEGER, name TEXT, t REAL, value REAL);"
               "CREATE TABLE benchmarks(id INTEGER PRIMARY KEY, git_commit TEXT, host TEXT, name TEXT, iterations INTEGER, "
               "real_time_ns REAL, cpu_time_ns REAL, items_per_second REAL, bytes_per_second REAL, started_at TEXT);"
               "INSERT INTO campaigns(name, scenario_sha256, git_commit) VALUES('old', 'abc', 'c1');"
               "INSERT INTO runs(campaign_id, backend, protocol, label, params, seed, status, run_key) "
               "VALUES(1, 'sim', 'pfs', 'pfs', '{}', 1, 'ok', 'pfs|{}|1');"
               "INSERT INTO metrics VALUES(1, 'goodput_bps', 1e6, 'bit/s');"
               "PRAGMA user_version=1;",
               nullptr, nullptr, nullptr);
  sqlite3_close(h);
}

TEST(ResultsStore, SchemaOneFileMigratesToTwoKeepingItsRows) {
  const std::string db = scratch_db("schema1.db");
  write_schema1_database(db);
  ResultsStore store(db);
  EXPECT_EQ(query_text(db, "PRAGMA user_version"), "2");
  ASSERT_EQ(store.runs(1).size(), 1u);
  EXPECT_EQ(store.metrics(1).at(0).value, 1e6);
  EXPECT_TRUE(store.artifacts(1).empty());
  // New runs of the old campaign carry artifacts.
  RunRecord r;
  r.campaign_id = 1;
  r.label = "quic";
  r.run_key = "quic|{}|1";
  const auto id = store.store_run(r, {}, {}, {{"pcap", "/c/1/q.pcap"}, {"keylog", "/c/1/q.keys"}});
  const auto artifacts = store.artifacts(id);
  ASSERT_EQ(artifacts.size(), 2u);
  EXPECT_EQ(artifacts[0].kind, "keylog");
  EXPECT_EQ(artifacts[0].path, "/c/1/q.keys");
  EXPECT_EQ(artifacts[1].kind, "pcap");
  EXPECT_EQ(artifacts[1].path, "/c/1/q.pcap");
}

TEST(ResultsStore, MergeCopiesArtifactsAndReadsSchemaOneShards) {
  const std::string shard = scratch_db("artifact-shard.db");
  {
    ResultsStore s(shard);
    CampaignRecord c;
    c.name = "cap";
    c.scenario_sha256 = "h";
    c.git_commit = "g";
    const auto cid = s.begin_campaign(c);
    RunRecord r;
    r.campaign_id = cid;
    r.label = "pfs";
    r.run_key = "pfs|{}|1";
    s.store_run(r, {{"packets_sent", 10, "count"}}, {}, {{"pcap", "/x/1/pfs.pcap"}});
  }
  const std::string old_shard = scratch_db("schema1-shard.db");
  write_schema1_database(old_shard);
  const std::string target = scratch_db("artifact-target.db");
  ResultsStore store(target);
  EXPECT_EQ(store.merge_from(shard).runs_copied, 1u);
  EXPECT_EQ(store.merge_from(old_shard).runs_copied, 1u);
  bool found = false;
  for (const auto& c : store.campaigns())
    for (const auto& run : store.runs(c.id))
      for (const auto& a : store.artifacts(run.id)) found = found || (a.kind == "pcap" && a.path == "/x/1/pfs.pcap");
  EXPECT_TRUE(found);
}

}  // namespace wirelab

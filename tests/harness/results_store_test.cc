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
}  // namespace wirelab

#include "analysis/report.h"

#include <pybind11/embed.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <stdexcept>

#include "analysis/results_db.h"
#include "analysis/stats/bootstrap.h"
#include "analysis/stats/tcp_models.h"

namespace wirelab::analysis {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

void write_csv(const fs::path& path, const ResultsDb::Row& columns, const std::vector<ResultsDb::Row>& rows) {
  std::ofstream file(path);
  const auto line = [&](const ResultsDb::Row& row) {
    for (std::size_t i = 0; i < row.size(); ++i) file << (i ? "," : "") << csv_field(row[i]);
    file << "\n";
  };
  line(columns);
  for (const auto& row : rows) line(row);
}

std::string fmt(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", v);
  return buffer;
}

// Substitutes the campaign id for `?` so the SQL printed under a figure runs as shown.
std::string printable(std::string sql, const std::string& campaign_id) {
  for (std::size_t at; (at = sql.find('?')) != std::string::npos;) sql.replace(at, 1, campaign_id);
  return sql;
}

// One figure's raw table: runs the query, writes NAME.csv, records it in the manifest.
std::vector<ResultsDb::Row> raw_table(const ResultsDb& db, const fs::path& out, const std::string& name,
                                      const std::string& sql, const std::string& campaign_id, Json& figure) {
  ResultsDb::Row columns;
  const auto rows = db.table(sql, std::vector<std::string>(
                                      static_cast<std::size_t>(std::count(sql.begin(), sql.end(), '?')), campaign_id),
                             columns);
  write_csv(out / (name + ".csv"), columns, rows);
  figure["csv"] = name + ".csv";
  figure["sql"] = printable(sql, campaign_id);
  return rows;
}

std::string metric_by_param_sql(const std::string& metric, const std::string& param) {
  return "SELECT r.id AS run_id, r.label, json_extract(r.params, '$.\"" + param + "\"') AS x, m.value AS " +
         metric +
         " FROM runs r JOIN metrics m ON m.run_id = r.id AND m.name = '" + metric +
         "' WHERE r.campaign_id = ? AND r.status = 'ok' ORDER BY r.label, x, r.id";
}

// Median and bootstrap 95 % interval per (label, x), written as the figure's summary CSV.
void write_interval_summary(const fs::path& path, const std::vector<ResultsDb::Row>& rows, std::uint64_t seed) {
  std::map<std::pair<std::string, double>, std::vector<double>> groups;
  for (const auto& row : rows)
    if (!row[2].empty() && !row[3].empty()) groups[{row[1], std::stod(row[2])}].push_back(std::stod(row[3]));
  std::ofstream file(path);
  file << "label,x,n,median,ci_low,ci_high\n";
  for (const auto& [key, values] : groups) {
    const Interval interval = bootstrap_median(values, seed++);
    file << csv_field(key.first) << "," << fmt(key.second) << "," << values.size() << "," << fmt(interval.estimate)
         << "," << fmt(interval.low) << "," << fmt(interval.high) << "\n";
  }
}

// A figure drawn from medians with bootstrap intervals: its raw table (run_id, label, x, value),
// the per-(label, x) summary beside it as ID_summary.csv, and the figure added to `figures`.
void add_interval_figure(const ResultsDb& db, const fs::path& out, Json figure, const std::string& sql,
                         const std::string& campaign_id, std::uint64_t seed, Json& figures) {
  const std::string id = figure["id"];
  const auto rows = raw_table(db, out, id, sql, campaign_id, figure);
  write_interval_summary(out / (id + "_summary.csv"), rows, seed);
  figure["summary_csv"] = id + "_summary.csv";
  figures.push_back(figure);
}

bool has_metric(const ResultsDb& db, const std::string& campaign_id, const std::string& metric) {
  return !db.rows("SELECT 1 FROM runs r JOIN metrics m ON m.run_id = r.id WHERE r.campaign_id = ? AND m.name = ? LIMIT 1",
                  {campaign_id, metric})
              .empty();
}

// TCP model curves over the measured loss range; the Mathis constant is fitted to the runs.
void write_tcp_models(const fs::path& path, const std::vector<ResultsDb::Row>& rows, const ResultsDb& db,
                      const std::string& campaign_id, Json& figure) {
  TcpPath tcp;
  // The quickstart link of docs/models.md unless the campaign sweeps delay or rate.
  double rate_bps = 20e6, delay_s = 0.025;
  const auto fixed = db.rows("SELECT json_extract(params, '$.\"link.rate\"'), json_extract(params, '$.\"link.delay\"') "
                             "FROM runs WHERE campaign_id = ? LIMIT 1",
                             {campaign_id});
  if (!fixed.empty() && !fixed[0][0].empty()) rate_bps = std::stod(fixed[0][0]);
  if (!fixed.empty() && !fixed[0][1].empty()) delay_s = std::stod(fixed[0][1]);
  tcp.rtt_s = 2 * delay_s + 1500 * 8 / rate_bps + 52 * 8 / rate_bps;
  tcp.max_rate_bps = rate_bps * tcp.mss_bytes / 1502.0;
  std::vector<double> loss, goodput;
  double max_loss = 0.0;
  for (const auto& row : rows)
    if (!row[2].empty() && !row[3].empty()) {
      loss.push_back(std::stod(row[2]));
      goodput.push_back(std::stod(row[3]));
      max_loss = std::max(max_loss, loss.back());
    }
  const double c = fit_mathis_constant(tcp, loss, goodput);
  std::ofstream file(path);
  file << "loss,padhye_bps,mathis_fitted_bps\n";
  const double low = 1e-4, high = std::max(max_loss, 1e-3);
  for (int i = 0; i <= 60; ++i) {
    const double p = low * std::pow(high / low, i / 60.0);
    file << fmt(p) << "," << fmt(padhye_goodput_bps(tcp, p)) << ","
         << fmt(std::min(mathis_goodput_bps(tcp, p, c), tcp.max_rate_bps)) << "\n";
  }
  figure["mathis_c"] = c;
  figure["rtt_s"] = tcp.rtt_s;
}

// Campaigns with a link.loss_schedule store goodput_bps_phaseN per run. Writes the per-label
// summary of each run's worst phase (its lowest phase goodput) and, per sweep point, each label
// against the best other label there (highest median worst phase), paired by seed: the median of
// the per-seed differences with a bootstrap 95 % interval, and a verdict that only calls a
// difference when the interval excludes 0 and the labels share at least kMinPairs seeds.
// Rows: run_id, label, params, seed, worst.
constexpr std::size_t kMinPairs = 5;

void write_worst_phase_tables(const fs::path& summary_path, const fs::path& paired_path,
                              const std::vector<ResultsDb::Row>& rows, std::uint64_t seed) {
  std::set<std::string> points;
  for (const auto& row : rows) points.insert(row[2]);
  const bool one_point = points.size() <= 1;
  // (params, label) -> seed -> worst-phase goodput
  std::map<std::pair<std::string, std::string>, std::map<std::int64_t, double>> runs;
  for (const auto& row : rows)
    if (!row[4].empty()) runs[{row[2], row[1]}][std::stoll(row[3])] = std::stod(row[4]);
  const auto name = [&](const std::pair<std::string, std::string>& key) {
    return one_point ? key.second : key.second + " " + key.first;
  };
  std::map<std::pair<std::string, std::string>, double> medians;
  std::ofstream summary(summary_path);
  summary << "label,x,n,median,ci_low,ci_high\n";
  for (const auto& [key, by_seed] : runs) {
    std::vector<double> values;
    for (const auto& [s, v] : by_seed) values.push_back(v);
    const Interval interval = bootstrap_median(values, seed++);
    medians[key] = interval.estimate;
    summary << csv_field(name(key)) << ",0," << values.size() << "," << fmt(interval.estimate) << ","
            << fmt(interval.low) << "," << fmt(interval.high) << "\n";
  }
  std::ofstream paired(paired_path);
  paired << "label,versus,pairs,median_difference,ci_low,ci_high,relative,verdict\n";
  const auto shared_seeds = [&](const std::map<std::int64_t, double>& a, const std::map<std::int64_t, double>& b) {
    std::size_t n = 0;
    for (const auto& [s, v] : a) n += b.count(s);
    return n;
  };
  for (const auto& [key, by_seed] : runs) {
    // The best other label that shares enough seeds to pair; failing that, the best other one,
    // reported without a verdict (a one-pair "interval" is a point and would call any difference).
    const std::pair<std::string, std::string>* best = nullptr;
    const std::pair<std::string, std::string>* best_any = nullptr;
    for (const auto& [other, median_worst] : medians) {
      if (other.first != key.first || other.second == key.second) continue;
      if (!best_any || median_worst > medians[*best_any]) best_any = &other;
      if (shared_seeds(by_seed, runs[other]) >= kMinPairs && (!best || median_worst > medians[*best])) best = &other;
    }
    if (!best) best = best_any;
    if (!best) continue;
    std::vector<double> differences;
    for (const auto& [s, v] : by_seed) {
      const auto found = runs[*best].find(s);
      if (found != runs[*best].end()) differences.push_back(v - found->second);
    }
    if (differences.empty()) continue;
    const Interval interval = bootstrap_median(differences, seed++);
    const double base = medians[*best];
    const char* verdict = differences.size() < kMinPairs ? "too few pairs"
                          : interval.low > 0             ? "ahead"
                          : interval.high < 0            ? "behind"
                                                         : "tie (interval holds 0)";
    paired << csv_field(name(key)) << "," << csv_field(best->second) << "," << differences.size() << ","
           << fmt(interval.estimate) << "," << fmt(interval.low) << "," << fmt(interval.high) << ","
           << (base != 0 ? fmt(interval.estimate / base) : std::string()) << "," << verdict << "\n";
  }
}

std::string python_package_dir() {
  if (const char* dir = std::getenv("WIRELAB_PYTHON_DIR")) return dir;
  return WIRELAB_ANALYSIS_PYTHON_DIR;
}

// Draws every figure and writes index.html with the embedded interpreter.
void draw(const fs::path& out, const Json& manifest) {
  // Started once and never finalized: numpy (under matplotlib) does not survive a second
  // initialization in one process, and a process may draw several reports (tests do).
  static pybind11::scoped_interpreter* const interpreter =
      Py_IsInitialized() ? nullptr : new pybind11::scoped_interpreter();
  (void)interpreter;
  pybind11::module_ sys = pybind11::module_::import("sys");
  sys.attr("dont_write_bytecode") = true;  // keep the source tree free of __pycache__
  sys.attr("path").attr("insert")(0, python_package_dir());
  pybind11::module_ plots = pybind11::module_::import("wirelab.plots");
  plots.attr("render")(out.string(), manifest.dump());
}

}  // namespace

int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  std::string campaign_id;
  Json manifest;
  fs::path out_dir;
  try {
    const ResultsDb db(options.db_path);
    const auto campaign = options.campaign == "latest" || options.campaign.empty()
                              ? db.rows("SELECT id, name FROM campaigns ORDER BY id DESC LIMIT 1")
                              : db.rows("SELECT id, name FROM campaigns WHERE id = ?", {options.campaign});
    if (campaign.empty()) {
      err << "report: " << options.db_path << ": no campaign '" << options.campaign << "'\n";
      return 2;
    }
    campaign_id = campaign[0][0];
    out_dir = options.out_dir.empty() ? fs::path("results") / ("report-" + campaign_id) : fs::path(options.out_dir);
    fs::create_directories(out_dir);
    manifest["campaign_id"] = std::stoll(campaign_id);
    manifest["campaign_name"] = campaign[0][1];
    manifest["db"] = options.db_path;
    Json figures = Json::array();

    // Goodput vs each swept parameter.
    std::vector<std::string> params;
    for (const auto& row : db.rows("SELECT DISTINCT j.key FROM runs r, json_each(r.params) j WHERE r.campaign_id = ? "
                                   "ORDER BY j.key",
                                   {campaign_id}))
      params.push_back(row[0]);
    for (const std::string& param : params) {
      if (!has_metric(db, campaign_id, "goodput_bps")) break;
      Json figure{{"id", "goodput_vs_" + param}, {"kind", "interval"}, {"x", param}, {"y", "goodput_bps"},
                  {"title", "Goodput vs " + param + " (median, bootstrap 95 % CI)"}};
      add_interval_figure(db, out_dir, figure, metric_by_param_sql("goodput_bps", param), campaign_id, options.seed,
                          figures);
    }
    // CDFs of completion time and latency.
    for (const char* metric : {"fct_s", "latency_p50_s", "latency_p99_s", "completion_s"}) {
      if (!has_metric(db, campaign_id, metric)) continue;
      Json figure{{"id", std::string(metric) + "_cdf"}, {"kind", "cdf"}, {"y", metric},
                  {"title", std::string("CDF of ") + metric + " over runs, per protocol"}};
      raw_table(db, out_dir, figure["id"],
                "SELECT r.id AS run_id, r.label, m.value AS " + std::string(metric) +
                    " FROM runs r JOIN metrics m ON m.run_id = r.id AND m.name = '" + metric +
                    "' WHERE r.campaign_id = ? AND r.status = 'ok' ORDER BY r.label, m.value",
                campaign_id, figure);
      figures.push_back(figure);
    }
    // Loss-schedule campaigns: goodput per phase, and each run's worst phase (issue 7's measure).
    if (has_metric(db, campaign_id, "goodput_bps_phase0")) {
      Json phases{{"id", "goodput_per_phase"},
                  {"kind", "interval"},
                  {"x", "loss_schedule phase"},
                  {"y", "goodput_bps"},
                  {"integer_x", true},
                  {"title", "Goodput per link.loss_schedule phase (median, bootstrap 95 % CI)"}};
      add_interval_figure(
          db, out_dir, phases,
          "SELECT r.id AS run_id, r.label || CASE WHEN (SELECT count(DISTINCT params) FROM runs WHERE campaign_id = "
          "r.campaign_id AND status = 'ok') > 1 THEN ' ' || r.params ELSE '' END AS label, "
          "CAST(substr(m.name, 18) AS INTEGER) AS x, m.value AS goodput_bps FROM runs r JOIN metrics m "
          "ON m.run_id = r.id AND m.name GLOB 'goodput_bps_phase[0-9]*' WHERE r.campaign_id = ? AND r.status = 'ok' ORDER BY label, x, r.id",
          campaign_id, options.seed, figures);
      Json worst{{"id", "worst_phase"}, {"kind", "bar"}, {"y", "worst-phase goodput_bps"},
                 {"title", "Worst phase per run: its lowest phase goodput (median, bootstrap 95 % CI)"}};
      const auto worst_rows = raw_table(
          db, out_dir, "worst_phase",
          "SELECT r.id AS run_id, r.label, r.params, r.seed, min(m.value) AS worst_phase_goodput_bps FROM runs r "
          "JOIN metrics m ON m.run_id = r.id AND m.name GLOB 'goodput_bps_phase[0-9]*' WHERE r.campaign_id = ? "
          "AND r.status = 'ok' GROUP BY r.id ORDER BY r.label, r.params, r.id",
          campaign_id, worst);
      write_worst_phase_tables(out_dir / "worst_phase_summary.csv", out_dir / "worst_phase_paired.csv", worst_rows,
                               options.seed);
      worst["summary_csv"] = "worst_phase_summary.csv";
      worst["table_csv"] = "worst_phase_paired.csv";
      worst["table_caption"] =
          "Each label against the best other label of its sweep point, paired by seed: median of the per-seed "
          "differences in worst-phase goodput (bit/s), bootstrap 95 % interval, relative to the other's median.";
      figures.push_back(worst);
    }
    // Time series of one run.
    std::string run_id = options.run_id > 0 ? std::to_string(options.run_id) : "";
    if (run_id.empty()) {
      const auto points = db.rows("SELECT DISTINCT params FROM runs WHERE campaign_id = ? ORDER BY params", {campaign_id});
      const std::string middle = points.empty() ? "" : points[points.size() / 2][0];
      // Among the point's pfs runs, the one with the most series (an adaptive run's decisions).
      for (const char* sql : {"SELECT r.id FROM runs r WHERE r.campaign_id = ? AND r.params = ? AND r.protocol = 'pfs' "
                              "AND EXISTS (SELECT 1 FROM series s WHERE s.run_id = r.id) ORDER BY "
                              "(SELECT count(DISTINCT name) FROM series s WHERE s.run_id = r.id) DESC, r.id LIMIT 1",
                              "SELECT r.id FROM runs r WHERE r.campaign_id = ? AND r.params = ? "
                              "AND EXISTS (SELECT 1 FROM series s WHERE s.run_id = r.id) ORDER BY r.id LIMIT 1"}) {
        const auto found = db.rows(sql, {campaign_id, middle});
        if (!found.empty()) {
          run_id = found[0][0];
          break;
        }
      }
    }
    if (!run_id.empty()) {
      Json figure{{"id", "series_run_" + run_id}, {"kind", "series"}, {"run_id", std::stoll(run_id)},
                  {"title", "Time series of run " + run_id}};
      ResultsDb::Row columns;
      const std::string sql = "SELECT s.name, s.t, s.value FROM series s WHERE s.run_id = ? ORDER BY s.name, s.t";
      write_csv(out_dir / (figure["id"].get<std::string>() + ".csv"), columns, db.table(sql, {run_id}, columns));
      figure["csv"] = figure["id"].get<std::string>() + ".csv";
      figure["sql"] = printable(sql, run_id);
      figures.push_back(figure);
    }
    // TCP against the analytic models.
    if (std::find(params.begin(), params.end(), "link.loss") != params.end() && has_metric(db, campaign_id, "goodput_bps")) {
      Json figure{{"id", "tcp_models"}, {"kind", "models"}, {"x", "link.loss"}, {"y", "goodput_bps"},
                  {"title", "TCP goodput vs loss with the Padhye and (fitted) Mathis models"}};
      const std::string sql =
          "SELECT r.id AS run_id, r.label, json_extract(r.params, '$.\"link.loss\"') AS x, m.value AS goodput_bps "
          "FROM runs r JOIN metrics m ON m.run_id = r.id AND m.name = 'goodput_bps' WHERE r.campaign_id = ? "
          "AND r.status = 'ok' AND r.protocol = 'tcp' "
          "AND coalesce(json_extract(r.options, '$.cc'), '') <> 'bbr' ORDER BY r.label, x, r.id";
      const auto rows = raw_table(db, out_dir, "tcp_models", sql, campaign_id, figure);
      if (!rows.empty()) {
        write_tcp_models(out_dir / "tcp_models_curve.csv", rows, db, campaign_id, figure);
        figure["curve_csv"] = "tcp_models_curve.csv";
        figures.push_back(figure);
      }
    }
    // Jain's fairness index of dumbbell campaigns.
    if (has_metric(db, campaign_id, "jain_fairness")) {
      Json figure{{"id", "jain_fairness"}, {"kind", "bar"}, {"y", "jain_fairness"}, {"ylim", {0, 1.05}},
                  {"title", "Jain's fairness index per protocol (median, bootstrap 95 % CI)"}};
      add_interval_figure(db, out_dir, figure,
                          "SELECT r.id AS run_id, r.label, 0 AS x, m.value AS jain_fairness FROM runs r "
                          "JOIN metrics m ON m.run_id = r.id AND m.name = 'jain_fairness' "
                          "WHERE r.campaign_id = ? AND r.status = 'ok' ORDER BY r.label, r.id",
                          campaign_id, options.seed, figures);
    }
    manifest["figures"] = figures;
    std::ofstream(out_dir / "manifest.json") << manifest.dump(2);
  } catch (const std::exception& e) {
    err << "report: " << e.what() << "\n";
    return 2;
  }
  try {
    draw(out_dir, manifest);
  } catch (const std::exception& e) {
    err << "report: drawing failed: " << e.what() << "\n";
    return 1;
  }
  out << (out_dir / "index.html").string() << "\n";
  return 0;
}

}  // namespace wirelab::analysis

#include "analysis/regress.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "analysis/results_db.h"
#include "analysis/stats/bootstrap.h"
#include "analysis/stats/mann_whitney.h"
#include "analysis/stats/multiple_testing.h"

namespace wirelab::analysis {
namespace {

bool contains(const std::string& text, const char* word) { return text.find(word) != std::string::npos; }

bool all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

struct Side {
  std::vector<std::string> campaign_ids;
  std::string commit_prefix;  // set when the reference was a commit
};

Side resolve(const ResultsDb& db, const std::string& ref) {
  Side side;
  if (all_digits(ref) && !db.rows("SELECT id FROM campaigns WHERE id = ?", {ref}).empty()) {
    side.campaign_ids.push_back(ref);
    return side;
  }
  bool hex = !ref.empty() && std::all_of(ref.begin(), ref.end(), [](unsigned char c) { return std::isxdigit(c); });
  if (!hex) throw std::invalid_argument("reference '" + ref + "' is neither a campaign id nor a git commit");
  side.commit_prefix = ref;
  for (const auto& row : db.rows("SELECT id FROM campaigns WHERE git_commit LIKE ? || '%' ORDER BY id", {ref}))
    side.campaign_ids.push_back(row[0]);
  return side;
}

using Key = std::tuple<std::string, std::string, std::string, std::string>;  // scenario, params, label, metric
using Samples = std::map<Key, std::vector<double>>;

Samples load_samples(const ResultsDb& db, const std::vector<std::string>& campaign_ids) {
  Samples samples;
  for (const std::string& id : campaign_ids)
    db.query(
        "SELECT c.name, r.params, r.label, m.name, m.value FROM runs r "
        "JOIN campaigns c ON c.id = r.campaign_id JOIN metrics m ON m.run_id = r.id "
        "WHERE r.campaign_id = ? AND r.status = 'ok' AND m.value IS NOT NULL",
        {id}, [&](const ResultsDb::Row& row) {
          if (metric_direction(row[3]) == 0) return;
          samples[{row[0], row[1], row[2], row[3]}].push_back(std::stod(row[4]));
        });
  return samples;
}

Samples load_benchmarks(const ResultsDb& db, const std::string& commit_prefix) {
  Samples samples;
  db.query("SELECT name, real_time_ns FROM benchmarks WHERE git_commit LIKE ? || '%' AND real_time_ns IS NOT NULL",
           {commit_prefix}, [&](const ResultsDb::Row& row) {
             samples[{"", "", "", "bench:" + row[0]}].push_back(std::stod(row[1]));
           });
  return samples;
}

Comparison compare_one(const Key& key, const std::vector<double>& base, const std::vector<double>& cand,
                       int direction, std::uint64_t seed) {
  Comparison c;
  std::tie(c.scenario, c.params, c.label, c.metric) = key;
  c.direction = direction;
  c.baseline_n = base.size();
  c.candidate_n = cand.size();
  c.baseline_median = median(base);
  c.candidate_median = median(cand);
  const Interval change = bootstrap_relative_median_change(base, cand, seed);
  c.change = change.estimate;
  c.change_low = change.low;
  c.change_high = change.high;
  if (base.size() >= 2 && cand.size() >= 2) {
    c.p_value = mann_whitney_u(base, cand).p_value;
  } else {
    c.note = "one sample: threshold only";
    c.p_value = 0.0;  // no test possible; the min_effect threshold alone decides
  }
  return c;
}

std::string format_number(double v) {
  std::ostringstream s;
  s << std::setprecision(4) << v;
  return s.str();
}

std::string percent(double v) {
  if (!std::isfinite(v)) return "n/a";
  std::ostringstream s;
  s << std::showpos << std::fixed << std::setprecision(1) << v * 100.0 << " %";
  return s.str();
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string verdict(const Comparison& c) {
  return c.regression ? "REGRESSION" : c.improvement ? "improvement" : "-";
}

std::string render_markdown(const RegressOptions& o, const RegressResult& r) {
  std::ostringstream md;
  md << "# regress: baseline " << o.baseline << " vs candidate " << o.candidate << "\n\n"
     << "alpha " << o.alpha << ", min effect " << o.min_effect * 100 << " %, correction "
     << o.correction << ", " << r.comparisons.size() << " comparisons, " << r.regressions
     << " significant regression(s)\n\n"
     << "| scenario | params | label | metric | n base/cand | median base | median cand | change (95 % CI) | p | adjusted p | verdict |\n"
     << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const Comparison& c : r.comparisons)
    md << "| " << c.scenario << " | " << c.params << " | " << c.label << " | " << c.metric << " | "
       << c.baseline_n << "/" << c.candidate_n << " | " << format_number(c.baseline_median) << " | "
       << format_number(c.candidate_median) << " | " << percent(c.change) << " [" << percent(c.change_low)
       << ", " << percent(c.change_high) << "] | " << format_number(c.p_value) << " | "
       << format_number(c.adjusted_p) << " | " << verdict(c) << (c.note.empty() ? "" : " (" + c.note + ")")
       << " |\n";
  return md.str();
}

std::string render_html(const RegressOptions& o, const RegressResult& r) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>wirelab regress</title>"
       "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 6px}"
       "table{border-collapse:collapse}.bad{background:#fcc}.good{background:#cfc}</style></head><body>\n"
    << "<h1>regress: baseline " << html_escape(o.baseline) << " vs candidate " << html_escape(o.candidate)
    << "</h1>\n<p>alpha " << o.alpha << ", min effect " << o.min_effect * 100 << " %, correction "
    << html_escape(o.correction) << "; " << r.comparisons.size() << " comparisons, <b>" << r.regressions
    << " significant regression(s)</b></p>\n<table><tr><th>scenario</th><th>params</th><th>label</th>"
       "<th>metric</th><th>n</th><th>median base</th><th>median cand</th><th>change (95 % CI)</th>"
       "<th>p</th><th>adjusted p</th><th>verdict</th></tr>\n";
  for (const Comparison& c : r.comparisons)
    h << "<tr class=\"" << (c.regression ? "bad" : c.improvement ? "good" : "") << "\"><td>"
      << html_escape(c.scenario) << "</td><td>" << html_escape(c.params) << "</td><td>" << html_escape(c.label)
      << "</td><td>" << html_escape(c.metric) << "</td><td>" << c.baseline_n << "/" << c.candidate_n
      << "</td><td>" << format_number(c.baseline_median) << "</td><td>" << format_number(c.candidate_median)
      << "</td><td>" << percent(c.change) << " [" << percent(c.change_low) << ", " << percent(c.change_high)
      << "]</td><td>" << format_number(c.p_value) << "</td><td>" << format_number(c.adjusted_p) << "</td><td>"
      << verdict(c) << "</td></tr>\n";
  h << "</table></body></html>\n";
  return h.str();
}

}  // namespace

int metric_direction(const std::string& m) {
  if (m == "integrity_ok" || m == "jain_fairness" || m == "requests_completed" || m == "bytes_delivered" ||
      contains(m, "goodput") || contains(m, "throughput"))
    return +1;
  if (contains(m, "fct") || contains(m, "latency") || contains(m, "retransmitted") || contains(m, "rtt") ||
      contains(m, "loss") || contains(m, "completion") || contains(m, "repair") || contains(m, "ttft") ||
      contains(m, "itl") || m == "stalls")
    return -1;
  return 0;
}

RegressResult compare(const RegressOptions& options) {
  if (options.correction != "holm" && options.correction != "bh")
    throw std::invalid_argument("--correction must be holm or bh, not '" + options.correction + "'");
  const ResultsDb db(options.db_path);
  const Side base = resolve(db, options.baseline);
  const Side cand = resolve(db, options.candidate);

  Samples base_samples = load_samples(db, base.campaign_ids);
  Samples cand_samples = load_samples(db, cand.campaign_ids);
  if (!base.commit_prefix.empty() && !cand.commit_prefix.empty()) {
    for (auto& [k, v] : load_benchmarks(db, base.commit_prefix)) base_samples[k] = v;
    for (auto& [k, v] : load_benchmarks(db, cand.commit_prefix)) cand_samples[k] = v;
  }
  if (base_samples.empty()) throw std::invalid_argument("baseline '" + options.baseline + "' has no runs or benchmarks");
  if (cand_samples.empty()) throw std::invalid_argument("candidate '" + options.candidate + "' has no runs or benchmarks");

  RegressResult result;
  std::uint64_t seed = options.seed;
  for (const auto& [key, base_values] : base_samples) {
    const auto found = cand_samples.find(key);
    if (found == cand_samples.end()) continue;
    const std::string& metric = std::get<3>(key);
    const int direction = metric.rfind("bench:", 0) == 0 ? -1 : metric_direction(metric);
    result.comparisons.push_back(compare_one(key, base_values, found->second, direction, seed++));
  }
  if (result.comparisons.empty())
    throw std::invalid_argument("baseline and candidate share no (scenario, params, label, metric)");

  // Two families, each corrected on its own: protocol behaviour (runs) and code speed
  // (benchmarks). Mixing them would let a hundred run metrics drown a handful of benchmarks.
  for (const bool benchmarks : {false, true}) {
    std::vector<std::size_t> members;
    std::vector<double> p_values;
    for (std::size_t i = 0; i < result.comparisons.size(); ++i)
      if ((result.comparisons[i].metric.rfind("bench:", 0) == 0) == benchmarks) {
        members.push_back(i);
        p_values.push_back(result.comparisons[i].p_value);
      }
    const std::vector<double> adjusted =
        options.correction == "holm" ? holm_adjust(p_values) : benjamini_hochberg_adjust(p_values);
    for (std::size_t k = 0; k < members.size(); ++k) result.comparisons[members[k]].adjusted_p = adjusted[k];
  }
  for (Comparison& c : result.comparisons) {
    const double worse_by = -c.direction * c.change;  // > 0 when the candidate is worse
    const bool significant = c.adjusted_p < options.alpha && std::isfinite(worse_by);
    c.regression = significant && worse_by > options.min_effect;
    c.improvement = significant && -worse_by > options.min_effect;
    if (c.metric == "integrity_ok" && c.baseline_median >= 1.0 &&
        std::any_of(cand_samples[{c.scenario, c.params, c.label, c.metric}].begin(),
                    cand_samples[{c.scenario, c.params, c.label, c.metric}].end(),
                    [](double v) { return v < 1.0; })) {
      c.regression = true;
      c.note = "integrity lost";
    }
    if (c.regression) ++result.regressions;
  }
  result.markdown = render_markdown(options, result);
  if (!options.out_dir.empty()) {
    std::filesystem::create_directories(options.out_dir);
    std::ofstream(std::filesystem::path(options.out_dir) / "regress.md") << result.markdown;
    std::ofstream(std::filesystem::path(options.out_dir) / "regress.html") << render_html(options, result);
  }
  return result;
}

int run_regress(const RegressOptions& options, std::ostream& out, std::ostream& err) {
  try {
    const RegressResult result = compare(options);
    out << result.markdown;
    return result.regressions > 0 ? 1 : 0;
  } catch (const std::invalid_argument& e) {
    err << "regress: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "regress: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace wirelab::analysis

// `regress` and `report` end to end on synthetic databases made by make_fixture_db.py.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <cmath>
#include <string>
#include <vector>
#include <sstream>

#include "analysis/regress.h"
#include "analysis/report.h"

namespace wirelab::analysis {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(WIRELAB_BINARY_DIR) / "analysis-test-scratch" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string make_db(const fs::path& dir, const std::string& kind, int seed, int campaigns = 2) {
  const std::string path = (dir / (kind + ".db")).string();
  const std::string command = std::string("/usr/bin/python3 ") + WIRELAB_SOURCE_DIR +
                              "/tests/analysis/make_fixture_db.py " + path + " " + kind + " " +
                              std::to_string(seed) + " " + std::to_string(campaigns);
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return path;
}

TEST(Regress, FindsPlantedRegression) {
  const fs::path dir = scratch("planted");
  RegressOptions options;
  options.db_path = make_db(dir, "planted", 3);
  options.baseline = "1";
  options.candidate = "2";
  options.out_dir = (dir / "out").string();
  std::ostringstream out, err;
  EXPECT_EQ(run_regress(options, out, err), 1) << err.str();
  EXPECT_NE(out.str().find("REGRESSION"), std::string::npos);
  const RegressResult result = compare(options);
  for (const Comparison& c : result.comparisons) {
    if (c.regression) {
      EXPECT_EQ(c.label, "pfs") << c.metric << " " << c.params;
    }
  }
  EXPECT_GE(result.regressions, 4u) << "goodput at every loss point should regress";
  EXPECT_TRUE(fs::exists(dir / "out" / "regress.html"));
  EXPECT_TRUE(fs::exists(dir / "out" / "regress.md"));
  // By git commit prefix as well; the reverse direction is an improvement, not a regression.
  options.baseline = "aaaa";
  options.candidate = "bbbb2";
  EXPECT_EQ(run_regress(options, out, err), 1);
  bool bench_slow_flagged = false;
  for (const Comparison& c : compare(options).comparisons) {
    if (c.metric == "bench:BM_slow") bench_slow_flagged = c.regression;
    if (c.metric == "bench:BM_same") {
      EXPECT_FALSE(c.regression) << c.change;
    }
  }
  EXPECT_TRUE(bench_slow_flagged) << "benchmarks of the two commits must be compared";
  options.baseline = "2";
  options.candidate = "1";
  EXPECT_EQ(run_regress(options, out, err), 0) << out.str();
}

TEST(Regress, TwentySameDistributionComparisonsPass) {
  const fs::path dir = scratch("same");
  const std::string db = make_db(dir, "same", 11, 21);
  int failures = 0;
  for (int i = 1; i <= 20; ++i) {
    RegressOptions options;
    options.db_path = db;
    options.baseline = "1";
    options.candidate = std::to_string(i + 1);
    options.seed = static_cast<std::uint64_t>(i);
    std::ostringstream out, err;
    const int code = run_regress(options, out, err);
    if (code != 0) {
      ++failures;
      ADD_FAILURE() << "candidate campaign " << i + 1 << " (fixture seed 11) exit " << code << "\n" << out.str() << err.str();
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(Regress, BadReferencesExitTwo) {
  const fs::path dir = scratch("badref");
  RegressOptions options;
  options.db_path = make_db(dir, "planted", 1);
  options.baseline = "1";
  options.candidate = "nothing-here";
  std::ostringstream out, err;
  EXPECT_EQ(run_regress(options, out, err), 2);
  options.candidate = "99";  // digits, no such campaign, no such commit
  EXPECT_EQ(run_regress(options, out, err), 2);
  options.candidate = "2";
  options.db_path = (dir / "missing.db").string();
  EXPECT_EQ(run_regress(options, out, err), 2);
}

TEST(Report, WritesPageWithFiguresAndCsvsThatMatchTheirSql) {
  const fs::path dir = scratch("report");
  ReportOptions options;
  options.db_path = make_db(dir, "quickstart", 5);
  options.campaign = "1";
  options.out_dir = (dir / "out").string();
  std::ostringstream out, err;
  ASSERT_EQ(run_report(options, out, err), 0) << err.str();
  std::ifstream page(dir / "out" / "index.html");
  std::stringstream html;
  html << page.rdbuf();
  std::size_t images = 0;
  for (std::size_t at = 0; (at = html.str().find("<img src=\"", at)) != std::string::npos; ++at) ++images;
  EXPECT_GE(images, 4u);
  // The CSV-vs-SQL check is done with Python's sqlite3 (independent of this reader).
  const std::string command = std::string("/usr/bin/python3 ") + WIRELAB_SOURCE_DIR +
                              "/tests/analysis/check_report_csvs.py " + options.db_path + " " +
                              (dir / "out").string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  // The dumbbell campaign gets the fairness figure.
  options.campaign = "latest";
  options.out_dir = (dir / "dumbbell").string();
  ASSERT_EQ(run_report(options, out, err), 0) << err.str();
  EXPECT_TRUE(fs::exists(dir / "dumbbell" / "jain_fairness.png"));
  EXPECT_TRUE(fs::exists(dir / "dumbbell" / "jain_fairness.svg"));
}

// Reads a report CSV (RFC 4180: quoted fields may hold commas, quotes doubled) into rows.
std::vector<std::vector<std::string>> read_csv(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) {
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char ch = line[i];
      if (quoted && ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (ch == '"') {
        quoted = !quoted;
      } else if (ch == ',' && !quoted) {
        cells.emplace_back();
      } else {
        cells.back() += ch;
      }
    }
    rows.push_back(cells);
  }
  return rows;
}

TEST(Report, LossScheduleCampaignGetsPhasesWorstPhaseAndPairedVerdicts) {
  const fs::path dir = scratch("report-phases");
  ReportOptions options;
  options.db_path = make_db(dir, "phases", 2);
  options.out_dir = (dir / "out").string();
  std::ostringstream out, err;
  ASSERT_EQ(run_report(options, out, err), 0) << err.str();
  for (const char* file : {"goodput_per_phase.png", "worst_phase.png", "worst_phase_paired.csv"})
    EXPECT_TRUE(fs::exists(dir / "out" / file)) << file;
  const std::string command = std::string("/usr/bin/python3 ") + WIRELAB_SOURCE_DIR +
                              "/tests/analysis/check_report_csvs.py " + options.db_path + " " +
                              (dir / "out").string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  // With two sweep points, labels carry their point's parameters (JSON: commas and quotes).
  const std::string at1 = R"( {"link.delay": 1, "link.rate": 20000000})";
  const std::string at2 = R"( {"link.delay": 2, "link.rate": 20000000})";
  EXPECT_EQ(read_csv(dir / "out" / "goodput_per_phase_summary.csv").size(), 1u + 3 * 8);  // 4 labels x 2 points
  std::map<std::string, std::vector<std::string>> paired;
  for (const auto& row : read_csv(dir / "out" / "worst_phase_paired.csv")) paired[row.at(0)] = row;
  ASSERT_EQ(paired.size(), 9u) << "header + 4 labels at each of 2 points";
  // "lonely" (one seed, the best median) pairs with nobody: the others are compared with the best
  // label of their point they share >= 5 seeds with, and lonely's own row has no verdict.
  EXPECT_EQ(paired["lonely" + at1].at(7), "too few pairs");
  EXPECT_EQ(paired["lonely" + at1].at(2), "1");
  EXPECT_EQ(paired["weak" + at1].at(7), "behind");
  EXPECT_EQ(paired["weak" + at1].at(2), "6");
  EXPECT_LT(std::stod(paired["weak" + at1].at(5)), 0.0);  // the whole interval below 0
  // 1 % above "strong" on every seed, under a +-20 % seed effect an unpaired comparison drowns in.
  EXPECT_EQ(paired["edge" + at1].at(1), "strong");
  EXPECT_EQ(paired["edge" + at1].at(7), "ahead");
  EXPECT_GT(std::stod(paired["edge" + at1].at(4)), 0.0);
  EXPECT_NEAR(std::stod(paired["edge" + at1].at(6)), 0.01, 0.002);
  EXPECT_EQ(paired["strong" + at1].at(1), "edge");
  EXPECT_EQ(paired["strong" + at1].at(7), "behind");
  // At the other point the same "strong" is paired with that point's "adaptive": a tie.
  EXPECT_EQ(paired["adaptive" + at2].at(1), "strong");
  EXPECT_EQ(paired["adaptive" + at2].at(7), "tie (interval holds 0)");
  EXPECT_LE(std::stod(paired["adaptive" + at2].at(4)), 0.0);
  EXPECT_GE(std::stod(paired["adaptive" + at2].at(5)), 0.0);
  EXPECT_LT(std::abs(std::stod(paired["adaptive" + at2].at(6))), 0.01);
  const std::string page = [&] {
    std::ifstream file(dir / "out" / "index.html");
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }();
  EXPECT_NE(page.find("tie (interval holds 0)"), std::string::npos) << "the paired table is on the page";
}

TEST(Report, UnknownCampaignExitsTwo) {
  const fs::path dir = scratch("report-bad");
  ReportOptions options;
  options.db_path = make_db(dir, "quickstart", 5);
  options.campaign = "77";
  options.out_dir = (dir / "out").string();
  std::ostringstream out, err;
  EXPECT_EQ(run_report(options, out, err), 2);
}

}  // namespace
}  // namespace wirelab::analysis

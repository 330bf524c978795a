// `wirelab report`: one HTML page per campaign with matplotlib figures (PNG and SVG) and, beside
// each figure, the CSV it was drawn from and the SQL query that produced that CSV. The C++ side
// queries the database, writes the CSVs and computes the statistics (bootstrap intervals, TCP
// model fits); an embedded Python interpreter (pybind11) runs analysis/python/wirelab/plots.py,
// which only draws and writes index.html. The page uses relative links and opens without a server.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace wirelab::analysis {

struct ReportOptions {
  std::string db_path = "results/wirelab.db";
  std::string campaign = "latest";  // campaign id or "latest"
  std::string out_dir;              // empty = results/report-<campaign id>
  std::int64_t run_id = 0;          // time-series run; 0 = first pfs run of the middle point
  std::uint64_t seed = 1;           // bootstrap resampling
};

// Returns 0 and prints the page's path to `out`; 2 for a bad database or campaign (message to
// `err`); 1 when drawing failed.
int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace wirelab::analysis

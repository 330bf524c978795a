// Read-only access to a results database (CONTRACT §4) through the SQLite C API. `report` and
// `regress` share it; it deliberately does not use the harness's store so that analysis reads any
// file that follows the contract, whichever version of the harness wrote it.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <string>
#include <vector>

namespace wirelab::analysis {

class ResultsDb {
 public:
  // Throws std::runtime_error when the file is missing or not a database.
  explicit ResultsDb(const std::string& path);
  ~ResultsDb();
  ResultsDb(const ResultsDb&) = delete;
  ResultsDb& operator=(const ResultsDb&) = delete;

  using Row = std::vector<std::string>;  // NULL reads as ""
  // Runs `sql` with `?` bound to `arguments` in order, calling `on_row` per row.
  void query(const std::string& sql, const std::vector<std::string>& arguments,
             const std::function<void(const Row&)>& on_row, Row* column_names = nullptr) const;
  std::vector<Row> rows(const std::string& sql, const std::vector<std::string>& arguments = {}) const;
  // Like rows(), also naming the result's columns (for CSV headers).
  std::vector<Row> table(const std::string& sql, const std::vector<std::string>& arguments,
                         Row& column_names) const;

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace wirelab::analysis

#include "analysis/results_db.h"

#include <fstream>
#include <stdexcept>

namespace wirelab::analysis {

ResultsDb::ResultsDb(const std::string& path) {
  if (!std::ifstream(path).good()) throw std::runtime_error(path + ": no such database");
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error(path + ": " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
}

ResultsDb::~ResultsDb() { sqlite3_close(db_); }

void ResultsDb::query(const std::string& sql, const std::vector<std::string>& arguments,
                      const std::function<void(const Row&)>& on_row, Row* column_names) const {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("SQL error: ") + sqlite3_errmsg(db_) + " in: " + sql);
  for (std::size_t i = 0; i < arguments.size(); ++i)
    sqlite3_bind_text(statement, static_cast<int>(i + 1), arguments[i].c_str(), -1, SQLITE_TRANSIENT);
  if (column_names) {
    column_names->clear();
    for (int c = 0; c < sqlite3_column_count(statement); ++c)
      column_names->push_back(sqlite3_column_name(statement, c));
  }
  Row row;
  int status;
  while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
    const int columns = sqlite3_column_count(statement);
    row.assign(static_cast<std::size_t>(columns), "");
    for (int c = 0; c < columns; ++c) {
      const unsigned char* text = sqlite3_column_text(statement, c);
      if (text) row[static_cast<std::size_t>(c)] = reinterpret_cast<const char*>(text);
    }
    on_row(row);
  }
  const std::string error = status == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
  sqlite3_finalize(statement);
  if (!error.empty()) throw std::runtime_error("SQL error: " + error);
}

std::vector<ResultsDb::Row> ResultsDb::rows(const std::string& sql,
                                            const std::vector<std::string>& arguments) const {
  std::vector<Row> out;
  query(sql, arguments, [&](const Row& row) { out.push_back(row); });
  return out;
}

}  // namespace wirelab::analysis

namespace wirelab::analysis {

std::vector<ResultsDb::Row> ResultsDb::table(const std::string& sql, const std::vector<std::string>& arguments,
                                             Row& column_names) const {
  std::vector<Row> out;
  query(sql, arguments, [&](const Row& row) { out.push_back(row); }, &column_names);
  return out;
}

}  // namespace wirelab::analysis

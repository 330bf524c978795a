// Bad input in a scenario file, located to the character: what the CLI prints before exit 2.
#pragma once

#include <stdexcept>
#include <string>

namespace wirelab {

class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, int line, int column, std::string field, std::string message)
      : std::runtime_error(format(file, line, column, field, message)),
        file_(std::move(file)), line_(line), column_(column), field_(std::move(field)),
        message_(std::move(message)) {}

  const std::string& file() const { return file_; }
  int line() const { return line_; }      // 1-based; 0 when unknown
  int column() const { return column_; }  // 1-based; 0 when unknown
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }

 private:
  static std::string format(const std::string& file, int line, int column,
                            const std::string& field, const std::string& message) {
    std::string out = file;
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
    out += ": error: ";
    if (!field.empty()) out += field + ": ";
    return out + message;
  }
  std::string file_;
  int line_;
  int column_;
  std::string field_;
  std::string message_;
};

}  // namespace wirelab

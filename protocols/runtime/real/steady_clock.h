// The real host's Clock: steady_clock as a wirelab Timestamp, counted from the clock's creation
// so real and simulated runs both start near kTimeZero.
#pragma once

#include <chrono>

#include "protocols/runtime/executor.h"

namespace wirelab::runtime::real {

class SteadyClock final : public Clock {
 public:
  SteadyClock() : origin_(std::chrono::steady_clock::now()) {}
  Timestamp now() const override {
    return Timestamp{std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - origin_)};
  }

 private:
  std::chrono::steady_clock::time_point origin_;
};

}  // namespace wirelab::runtime::real

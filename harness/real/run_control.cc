#include "harness/real/run_control.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace wirelab::real {

RunControl::RunControl(Timestamp started_at, double duration_s)
    : started_at_(started_at), deadline_(started_at + seconds_to_duration(duration_s)) {
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

RunControl::~RunControl() {
  if (stop_fd_ >= 0) close(stop_fd_);
}

void RunControl::stop() {
  if (stopped_.exchange(true, std::memory_order_acq_rel)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = write(stop_fd_, &one, sizeof one);
}

void RunControl::fail(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (error_.empty()) error_ = reason;
  }
  stop();
}

std::string RunControl::error() const {
  std::lock_guard<std::mutex> lock(error_mutex_);
  return error_;
}

void RunControl::time_out() {
  timed_out_.store(true, std::memory_order_release);
  stop();
}

}  // namespace wirelab::real

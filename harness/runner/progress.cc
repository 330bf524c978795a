#include "harness/runner/progress.h"

#include <cmath>

namespace wirelab {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  return buf;
}

ProgressDisplay::ProgressDisplay(std::size_t total, bool interactive, std::FILE* out)
    : total_(total), interactive_(interactive), out_(out), start_(std::chrono::steady_clock::now()) {
  if (interactive_) draw();
}

double ProgressDisplay::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressDisplay::run_finished(bool ok, const std::string& summary) {
  ++done_;
  if (!ok) ++failed_;
  if (interactive_) {
    if (!ok) std::fprintf(out_, "\r\033[K%s\n", summary.c_str());  // failures stay visible above the bar
    draw();
  } else {
    std::fprintf(out_, "[%zu/%zu] %s\n", done_, total_, summary.c_str());
    std::fflush(out_);
  }
}

void ProgressDisplay::tick() {
  if (!interactive_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(250)) return;
  draw();
}

void ProgressDisplay::draw() {
  last_draw_ = std::chrono::steady_clock::now();
  constexpr int kWidth = 30;
  const double fraction = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  const double elapsed = elapsed_s();
  const double eta = done_ ? elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_) : NAN;
  std::fprintf(out_, "\r\033[K[%s] %zu/%zu runs", bar.c_str(), done_, total_);
  if (failed_) std::fprintf(out_, ", %zu failed", failed_);
  std::fprintf(out_, "  elapsed %s  ETA %s", format_duration(elapsed).c_str(), format_duration(eta).c_str());
  std::fflush(out_);
}

void ProgressDisplay::finish() {
  if (interactive_) {
    draw();
    std::fprintf(out_, "\n");
  }
  std::fflush(out_);
}

}  // namespace wirelab

// Campaign progress on stderr: a bar redrawn in place with done/total, failures, elapsed time
// and ETA on a terminal; one plain line per finished run otherwise (CI logs, pipes).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace wirelab {

class ProgressDisplay {
 public:
  ProgressDisplay(std::size_t total, bool interactive, std::FILE* out = stderr);
  // `summary` is one line describing the run ("pfs link.loss=0.02 seed 2: ok 17.9 Mbit/s").
  void run_finished(bool ok, const std::string& summary);
  void tick();     // redraw the bar (elapsed/ETA move even when no run finishes)
  void finish();   // leave the terminal on a fresh line

 private:
  void draw();
  double elapsed_s() const;

  std::size_t total_;
  std::size_t done_ = 0;
  std::size_t failed_ = 0;
  bool interactive_;
  std::FILE* out_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
};

std::string format_duration(double seconds);

}  // namespace wirelab

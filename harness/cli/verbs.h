// The `wirelab` command line: verbs of CONTRACT section 2. main() is only `return wirelab_main(...)`.
#pragma once

#include <functional>
#include <string>

#include "harness/runner/scheduler.h"

namespace wirelab {

// Which backend function serves each backend name; tests substitute fakes.
struct BackendTable {
  BackendFn sim;
  BackendFn real;  // empty: not available in this build
  BackendFn emu;
  // Why a run cannot run on that backend ("" when it can), asked of every planned run before
  // anything runs, so `validate` and `run` refuse it as bad input (exit 2); empty: no check.
  std::function<std::string(const RunSpec&)> real_unsupported;
  std::function<std::string(const RunSpec&)> emu_unsupported;
};

BackendTable default_backends();

// Exit codes: 0 ok, 1 a run failed / a regression, 2 bad input.
int wirelab_main(int argc, char** argv, const BackendTable& backends);

}  // namespace wirelab

// The emu backend: the real backend's flows (PFS and QUIC over kernel UDP sockets, kernel TCP
// with TCP_CONGESTION, the constant-rate UDP sender) between two network namespaces whose TAP
// devices are joined by sim's link model running in ns-3's real-time scheduler
// (sim/emu_link.h). The same metrics as real, plus how the emulator kept up:
// `emu_lag_max_s`, `emu_lag_p99_s` (how late ns-3 events ran against the wall clock) and the
// link's own packet and drop counts. A run whose emulator fell behind past LagWatch's limit is
// failed with the reason instead of reporting numbers the link did not produce.
#pragma once

#include <string>

#include "harness/run_spec.h"

namespace wirelab::emu {

RunResult run(const RunSpec& spec);

// Why `spec` cannot run on the emu backend, or "" when it can: spec_unsupported_reason for what
// the scenario asks (validation refuses it), unsupported_reason adds what this machine lacks
// (root); run() reports either as a failed run.
std::string spec_unsupported_reason(const RunSpec& spec);
std::string unsupported_reason(const RunSpec& spec);

}  // namespace wirelab::emu

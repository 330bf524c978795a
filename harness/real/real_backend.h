// The real backend: runs one RunSpec on this machine's kernel network stack and returns its
// metrics (the same contract as sim::run, with wall time where sim has simulated time).
//
// PFS and QUIC run as sans-IO endpoints over kernel UDP sockets, each endpoint in its own thread
// with its own epoll loop; `tcp` is the kernel's TCP with the scenario's congestion control;
// `udp` is a constant-rate sender and a counting receiver. Placement `loopback` puts both ends
// on 127.0.0.1. The link section of the scenario is not emulated here (that is the emu
// backend's job); only link.mtu is used, to size datagrams.
#pragma once

#include <string>
#include <vector>

#include "harness/real/placement.h"
#include "harness/real/run_control.h"
#include "harness/run_spec.h"

namespace wirelab::real {

RunResult run(const RunSpec& spec);

// Why `spec` cannot run on the real backend on this machine (unsupported placement, topology or
// workload, a TCP congestion control this kernel lacks), or an empty string when it can.
// For scenario validation; run() reports the same as a failed run.
std::string unsupported_reason(const RunSpec& spec);

// The flow part of run(), for a backend that brings its own placement (emu): runs spec's
// protocol between `placement`'s two ends; `control` (its start is the run's clock zero, its
// duration the deadline) may be stopped or failed from outside. Throws on setup errors.
RunResult run_flow(const RunSpec& spec, const Placement& placement, RunControl& control);
// What of `spec` run_flow cannot run (topology, workload, mtu, protocol, tcp cc), or "";
// unsupported_reason() is this plus the placement and capture checks.
std::string flow_unsupported_reason(const RunSpec& spec, const std::string& backend = "real");

}  // namespace wirelab::real

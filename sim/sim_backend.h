// The sim backend: runs one RunSpec in ns-3 simulated time and returns its metrics.
//
// A pure function of the spec (and the code): same spec, same metrics, to the last bit.
// Runs in the calling process; ns-3's global simulator state is reset before returning, so the
// runner may call it again (it calls it once per forked worker process anyway).
#pragma once

#include "harness/run_spec.h"

namespace wirelab::sim {

RunResult run(const RunSpec& spec);

}  // namespace wirelab::sim

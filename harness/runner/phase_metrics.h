// Per-phase goodput for runs over a link.loss_schedule: the delivered bytes of each phase of the
// schedule, from the run's goodput_bps series, so a scenario can ask how a transport did while
// the loss was at its worst. Backend-independent: it reads only the RunSpec and the series.
#pragma once

#include <vector>

#include "harness/run_spec.h"

namespace wirelab {

// One phase's bounds and what was delivered in it.
struct PhaseGoodput {
  double start_s = 0;
  double end_s = 0;       // the next phase's start, or the end of the series
  double bytes = 0;
  double goodput_bps() const { return end_s > start_s ? bytes * 8 / (end_s - start_s) : 0; }
};

// Splits the goodput_bps series into the schedule's phases. A series point at t with value v
// covers (t_prev, t] (t_prev: the previous point, 0 for the first), i.e. v * (t - t_prev) / 8
// bytes, and goes to the phase holding the middle of its interval; the sim series' 100 ms
// intervals tile phase starts given in whole tenths of a second exactly. The last phase ends at
// the last series point; phases the series never reached are left out.
std::vector<PhaseGoodput> phase_goodputs(const std::vector<LossPhase>& schedule,
                                         const std::vector<SeriesPoint>& series);

// Adds goodput_bps_phase0.. (bit/s) for a run whose forward link has a loss schedule; nothing
// otherwise.
void add_phase_metrics(const RunSpec& spec, RunResult& result);

}  // namespace wirelab

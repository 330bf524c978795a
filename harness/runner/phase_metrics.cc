#include "harness/runner/phase_metrics.h"

#include <algorithm>
#include <string>

namespace wirelab {

std::vector<PhaseGoodput> phase_goodputs(const std::vector<LossPhase>& schedule,
                                         const std::vector<SeriesPoint>& series) {
  std::vector<const SeriesPoint*> points;
  for (const SeriesPoint& p : series)
    if (p.name == "goodput_bps") points.push_back(&p);
  std::sort(points.begin(), points.end(), [](const SeriesPoint* a, const SeriesPoint* b) { return a->t_s < b->t_s; });
  if (schedule.empty() || points.empty()) return {};
  const double last_s = points.back()->t_s;
  std::vector<PhaseGoodput> phases;
  for (std::size_t i = 0; i < schedule.size() && schedule[i].start_s < last_s; ++i) {
    PhaseGoodput phase;
    phase.start_s = schedule[i].start_s;
    phase.end_s = i + 1 < schedule.size() ? std::min(schedule[i + 1].start_s, last_s) : last_s;
    phases.push_back(phase);
  }
  double previous_s = 0;
  for (const SeriesPoint* p : points) {
    const double middle_s = (previous_s + p->t_s) / 2;
    for (PhaseGoodput& phase : phases) {
      if (middle_s >= phase.start_s && middle_s < phase.end_s) {
        phase.bytes += p->value * (p->t_s - previous_s) / 8;
        break;
      }
    }
    previous_s = p->t_s;
  }
  return phases;
}

void add_phase_metrics(const RunSpec& spec, RunResult& result) {
  const auto phases = phase_goodputs(spec.link.loss.schedule, result.series);
  for (std::size_t i = 0; i < phases.size(); ++i)
    result.add("goodput_bps_phase" + std::to_string(i), phases[i].goodput_bps(), "bit/s");
}

}  // namespace wirelab

// The `_wirelab` Python extension: the C++ statistics of analysis/stats, so that notebooks get
// the same numbers `regress` and `report` print (same tests, same seeded bootstrap).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "analysis/stats/bootstrap.h"
#include "analysis/stats/mann_whitney.h"
#include "analysis/stats/multiple_testing.h"

namespace py = pybind11;
namespace wa = wirelab::analysis;

PYBIND11_MODULE(_wirelab, m) {
  m.doc() = "wirelab statistics (C++)";
  m.def(
      "mann_whitney_u",
      [](const std::vector<double>& a, const std::vector<double>& b) {
        const wa::MannWhitneyResult r = wa::mann_whitney_u(a, b);
        return py::make_tuple(r.u1, r.p_value);
      },
      py::arg("first"), py::arg("second"), "Two-sided Mann-Whitney U test: (U of first, p-value).");
  m.def(
      "bootstrap_median",
      [](const std::vector<double>& v, std::uint64_t seed, int resamples, double confidence) {
        const wa::Interval i = wa::bootstrap_median(v, seed, resamples, confidence);
        return py::make_tuple(i.estimate, i.low, i.high);
      },
      py::arg("values"), py::arg("seed") = 1, py::arg("resamples") = 2000, py::arg("confidence") = 0.95,
      "(median, low, high) with a percentile bootstrap interval.");
  m.def(
      "bootstrap_relative_median_change",
      [](const std::vector<double>& base, const std::vector<double>& cand, std::uint64_t seed, int resamples,
         double confidence) {
        const wa::Interval i = wa::bootstrap_relative_median_change(base, cand, seed, resamples, confidence);
        return py::make_tuple(i.estimate, i.low, i.high);
      },
      py::arg("baseline"), py::arg("candidate"), py::arg("seed") = 1, py::arg("resamples") = 2000,
      py::arg("confidence") = 0.95, "median(candidate)/median(baseline) - 1 with its interval.");
  m.def("holm_adjust", &wa::holm_adjust, py::arg("p_values"));
  m.def("benjamini_hochberg_adjust", &wa::benjamini_hochberg_adjust, py::arg("p_values"));
}

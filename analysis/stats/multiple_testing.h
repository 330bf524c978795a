// Family-wise corrections for `regress`: one comparison per (point, protocol, metric) means many
// p-values, and without correction some would fall below alpha by chance alone. Both functions
// return adjusted p-values in the input order (as statsmodels' multipletests does).
#pragma once

#include <vector>

namespace wirelab::analysis {

// Holm-Bonferroni step-down: controls the family-wise error rate.
std::vector<double> holm_adjust(const std::vector<double>& p_values);

// Benjamini-Hochberg step-up: controls the false discovery rate.
std::vector<double> benjamini_hochberg_adjust(const std::vector<double>& p_values);

}  // namespace wirelab::analysis

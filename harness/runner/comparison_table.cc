#include "harness/runner/comparison_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace wirelab {
namespace {

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string bytes_text(double v) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.2f MB", v / 1e6);
  else if (v >= 1e3) std::snprintf(buf, sizeof buf, "%.1f kB", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f B", v);
  return buf;
}

}  // namespace

std::string render_comparison_table(const std::vector<TableRun>& runs) {
  struct Group {
    std::string point, label;
    int total = 0, ok = 0, integrity_known = 0, integrity_ok = 0;
    std::vector<double> goodput, fct, retx, loss, jain;
  };
  std::vector<Group> groups;
  for (const auto& r : runs) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.point == r.point && g.label == r.label; });
    if (it == groups.end()) {
      Group fresh;
      fresh.point = r.point;
      fresh.label = r.label;
      groups.push_back(std::move(fresh));
      it = groups.end() - 1;
    }
    Group& g = *it;
    ++g.total;
    if (r.status == "ok") ++g.ok;
    auto get = [&](const char* name, std::vector<double>& into) {
      auto m = r.metrics.find(name);
      if (m != r.metrics.end() && r.status == "ok") into.push_back(m->second);
    };
    get("goodput_bps", g.goodput);
    get("fct_s", g.fct);
    get("retransmitted_bytes", g.retx);
    get("loss_rate_observed", g.loss);
    get("jain_fairness", g.jain);
    auto integrity = r.metrics.find("integrity_ok");
    if (integrity != r.metrics.end()) {
      ++g.integrity_known;
      if (integrity->second == 1 && r.status == "ok") ++g.integrity_ok;
    }
  }
  // Points in first-appearance order; within a point, labels in first-appearance order.
  // Jain's index only means something with competing flows (dumbbells): its column appears then.
  const bool fairness = std::any_of(groups.begin(), groups.end(), [](const Group& g) { return !g.jain.empty(); });
  std::vector<std::vector<std::string>> rows = {
      {"point", "protocol", "runs ok", "goodput Mbit/s", "FCT s", "retransmitted", "integrity", "loss observed"}};
  if (fairness) rows[0].push_back("Jain index");
  for (const auto& g : groups) {
    rows.push_back({g.point, g.label, std::to_string(g.ok) + "/" + std::to_string(g.total),
                    fixed(median(g.goodput) / 1e6, 2), fixed(median(g.fct), 2), bytes_text(median(g.retx)),
                    g.integrity_known ? std::to_string(g.integrity_ok) + "/" + std::to_string(g.integrity_known) : "-",
                    g.loss.empty() ? "-" : fixed(100 * median(g.loss), 2) + " %"});
    if (fairness) rows.back().push_back(fixed(median(g.jain), 3));
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      const bool numeric = c >= 2;
      std::string cell = rows[r][c];
      const std::string pad(width[c] - cell.size(), ' ');
      out += numeric ? pad + cell : cell + pad;
      out += c + 1 < rows[r].size() ? "  " : "";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
    if (r == 0) {
      std::size_t total = 0;
      for (auto w : width) total += w + 2;
      out += std::string(total - 2, '-') + "\n";
    }
  }
  out += "medians over seeds; goodput = bytes delivered / flow completion time; integrity = runs that delivered every byte exactly once, in order\n";
  return out;
}

}  // namespace wirelab

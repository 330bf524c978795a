#include "harness/runner/comparison_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

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

const std::string kPhasePrefix = "goodput_bps_phase";

}  // namespace

std::string render_comparison_table(const std::vector<TableRun>& runs) {
  struct Group {
    std::string point, label;
    int total = 0, ok = 0, integrity_known = 0, integrity_ok = 0;
    std::map<std::string, std::vector<double>> values;  // metric -> values of the ok runs
    double med(const std::string& name) const {
      auto it = values.find(name);
      return it == values.end() ? NAN : median(it->second);
    }
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
    if (r.status == "ok") {
      double worst = INFINITY;
      for (const auto& [name, value] : r.metrics) {
        g.values[name].push_back(value);
        if (name.rfind(kPhasePrefix, 0) == 0) worst = std::min(worst, value);
      }
      if (std::isfinite(worst)) g.values["worst_phase_bps"].push_back(worst);
    }
    auto integrity = r.metrics.find("integrity_ok");
    if (integrity != r.metrics.end()) {
      ++g.integrity_known;
      if (integrity->second == 1 && r.status == "ok") ++g.integrity_ok;
    }
  }
  auto any = [&](const char* metric) {
    return std::any_of(groups.begin(), groups.end(), [&](const Group& g) { return g.values.count(metric) > 0; });
  };
  // The columns follow the workload: token timings for stream, latencies for rpc, else bulk.
  // Jain's index only means something with competing flows (dumbbells): its column appears then.
  const bool stream = any("ttft_p50_s"), rpc = !stream && any("requests_completed"), fairness = any("jain_fairness");
  auto ms = [](double s) { return fixed(1e3 * s, 1); };
  auto integrity = [](const Group& g) {
    return g.integrity_known ? std::to_string(g.integrity_ok) + "/" + std::to_string(g.integrity_known) : std::string("-");
  };
  std::vector<std::vector<std::string>> rows;
  std::string legend;
  if (stream) {
    rows = {{"point", "protocol", "runs ok", "TTFT p50 ms", "TTFT p99 ms", "ITL p50 ms", "ITL p99 ms", "stalls", "shed", "integrity"}};
    for (const auto& g : groups)
      rows.push_back({g.point, g.label, std::to_string(g.ok) + "/" + std::to_string(g.total), ms(g.med("ttft_p50_s")),
                      ms(g.med("ttft_p99_s")), ms(g.med("itl_p50_s")), ms(g.med("itl_p99_s")), fixed(g.med("stalls"), 0),
                      fixed(g.med("requests_shed"), 0), integrity(g)});
    legend = "medians over seeds; TTFT = request sent -> first whole token; ITL = gap between whole tokens; "
             "integrity = runs whose every request was answered with exactly the bytes the server wrote\n";
  } else if (rpc) {
    rows = {{"point", "protocol", "runs ok", "completed", "shed", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "integrity"}};
    for (const auto& g : groups)
      rows.push_back({g.point, g.label, std::to_string(g.ok) + "/" + std::to_string(g.total),
                      fixed(g.med("requests_completed"), 0), fixed(g.med("requests_shed"), 0),
                      fixed(g.med("throughput_rps"), 1), ms(g.med("latency_p50_s")), ms(g.med("latency_p99_s")),
                      ms(g.med("latency_p999_s")), integrity(g)});
    legend = "medians over seeds; latency = request sent -> whole response read; shed = refused by the server's "
             "admission queue; integrity = runs whose every request was answered with exactly the bytes the server wrote\n";
  } else {
    // A link.loss_schedule adds each phase's goodput and each run's worst phase (issue 7's measure).
    std::size_t phases = 0;
    for (const auto& g : groups)
      for (const auto& [name, values] : g.values)
        if (name.rfind(kPhasePrefix, 0) == 0 && name.size() > kPhasePrefix.size() &&
            name.find_first_not_of("0123456789", kPhasePrefix.size()) == std::string::npos)
          phases = std::max(phases, static_cast<std::size_t>(std::stoul(name.substr(kPhasePrefix.size()))) + 1);
    rows = {{"point", "protocol", "runs ok", "goodput Mbit/s"}};
    for (std::size_t i = 0; i < phases; ++i) rows[0].push_back("phase " + std::to_string(i));
    if (phases) rows[0].push_back("worst phase");
    for (const char* column : {"FCT s", "retransmitted", "integrity", "loss observed"}) rows[0].push_back(column);
    if (fairness) rows[0].push_back("Jain index");
    for (const auto& g : groups) {
      const double loss = g.med("loss_rate_observed");
      rows.push_back({g.point, g.label, std::to_string(g.ok) + "/" + std::to_string(g.total),
                      fixed(g.med("goodput_bps") / 1e6, 2)});
      for (std::size_t i = 0; i < phases; ++i) rows.back().push_back(fixed(g.med(kPhasePrefix + std::to_string(i)) / 1e6, 2));
      if (phases) rows.back().push_back(fixed(g.med("worst_phase_bps") / 1e6, 2));
      for (const std::string& cell : {fixed(g.med("fct_s"), 2), bytes_text(g.med("retransmitted_bytes")), integrity(g),
                               std::isfinite(loss) ? fixed(100 * loss, 2) + " %" : std::string("-")})
        rows.back().push_back(cell);
      if (fairness) rows.back().push_back(fixed(g.med("jain_fairness"), 3));
    }
    legend = "medians over seeds; goodput = bytes delivered / flow completion time; integrity = runs that delivered every byte exactly once, in order\n";
    if (phases)
      legend += "phase N = goodput (Mbit/s) within the link.loss_schedule's phase N; worst phase = each run's lowest of "
                "them (`report` pairs the labels by seed)\n";
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
  out += legend;
  return out;
}

}  // namespace wirelab

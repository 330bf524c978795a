// Scenario parser: YAML -> validated Scenario with its expanded runs.
//
// Every scalar field has one handler, keyed by its dotted path ("link.rate"). The same handler
// parses the field where the file sets it and each value a sweep gives it, so a sweep value is
// validated exactly like the field and its error points at the value in the sweep list.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "harness/scenario/scenario.h"
#include "harness/scenario/protocol_options.h"
#include "harness/scenario/units.h"
#include "harness/store/sha256.h"

namespace wirelab {
namespace {

// The parse of one point: the spec being filled, plus reverse-direction overrides that apply
// after the forward link is complete (missing reverse keys copy the forward link).
struct PointState {
  RunSpec spec;
  std::map<std::string, YAML::Node> reverse;  // link key -> node
  std::optional<YAML::Node> data_node;         // where workload.data/similarity was set
};

class Parser {
 public:
  Parser(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& field, const std::string& message) const {
    int line = 0, column = 0;
    if (node.IsDefined() && node.Mark().line >= 0) {
      line = node.Mark().line + 1;
      column = node.Mark().column + 1;
    }
    throw ScenarioError(file_, line, column, field, message);
  }
  [[noreturn]] void fail_at(const YAML::Mark& mark, const std::string& field, const std::string& message) const {
    throw ScenarioError(file_, mark.line >= 0 ? mark.line + 1 : 0, mark.line >= 0 ? mark.column + 1 : 0, field, message);
  }

  std::string scalar(const YAML::Node& node, const std::string& field, const char* what) const {
    if (!node.IsScalar()) fail(node, field, std::string("expected ") + what + ", got a " + kind(node));
    return node.Scalar();
  }

  double number(const YAML::Node& node, const std::string& field) const {
    const std::string text = scalar(node, field, "a number");
    try {
      std::size_t used = 0;
      const double v = std::stod(text, &used);
      if (used == text.size() && std::isfinite(v)) return v;
    } catch (const std::exception&) {
    }
    fail(node, field, "expected a number, got '" + text + "'");
  }

  std::uint64_t integer(const YAML::Node& node, const std::string& field, std::uint64_t min,
                        std::uint64_t max) const {
    const std::string text = scalar(node, field, "an integer");
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || text.empty()) fail(node, field, "expected an integer, got '" + text + "'");
    if (v < static_cast<long long>(min) || static_cast<unsigned long long>(v) > max)
      fail(node, field, text + " is out of range; allowed: " + std::to_string(min) + " to " + std::to_string(max));
    return static_cast<std::uint64_t>(v);
  }

  bool boolean(const YAML::Node& node, const std::string& field) const {
    const std::string text = scalar(node, field, "true or false");
    if (text == "true") return true;
    if (text == "false") return false;
    fail(node, field, "expected true or false, got '" + text + "'");
  }

  std::string choice(const YAML::Node& node, const std::string& field, const std::vector<std::string>& allowed) const {
    const std::string text = scalar(node, field, "a name");
    if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) return text;
    fail(node, field, "'" + text + "' is not allowed; allowed: " + join(allowed));
  }

  template <typename F>
  auto with_units(const YAML::Node& node, const std::string& field, F&& parse) const {
    const std::string text = scalar(node, field, "a quantity with a unit");
    try {
      return parse(text);
    } catch (const std::invalid_argument& e) {
      fail(node, field, e.what());
    }
  }

  void expect_map(const YAML::Node& node, const std::string& field) const {
    if (!node.IsMap()) fail(node, field, std::string("expected a mapping, got a ") + kind(node));
  }

  // Rejects keys outside `allowed`, naming the allowed ones.
  void check_keys(const YAML::Node& map, const std::string& prefix, const std::vector<std::string>& allowed) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        fail(it->first, prefix.empty() ? key : prefix + "." + key, "unknown key; allowed: " + join(allowed));
    }
  }

  static const char* kind(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Map: return "mapping";
      case YAML::NodeType::Sequence: return "list";
      case YAML::NodeType::Scalar: return "scalar";
      case YAML::NodeType::Null: return "null";
      default: return "missing value";
    }
  }
  static std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
    return out;
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

using Handler = std::function<nlohmann::json(const Parser&, const YAML::Node&, const std::string& field, PointState&)>;

// Link fields are shared by the forward link and its `reverse` overrides.
using LinkHandler = std::function<nlohmann::json(const Parser&, const YAML::Node&, const std::string& field, LinkSpec&)>;

const std::map<std::string, LinkHandler>& link_handlers() {
  static const std::map<std::string, LinkHandler> handlers = {
      {"rate", [](const Parser& p, const YAML::Node& n, const std::string& f, LinkSpec& l) {
         const double v = p.with_units(n, f, units::parse_rate_bps);
         if (v <= 0) p.fail(n, f, "a rate must be > 0");
         l.rate_bps = v;
         return nlohmann::json(v);
       }},
      {"delay", [](const Parser& p, const YAML::Node& n, const std::string& f, LinkSpec& l) {
         const double v = p.with_units(n, f, units::parse_time_s);
         if (v < 0 || v > 10) p.fail(n, f, "a one-way delay must be in [0, 10s]");
         l.delay_s = v;
         return nlohmann::json(v);
       }},
      {"jitter", [](const Parser& p, const YAML::Node& n, const std::string& f, LinkSpec& l) {
         const double v = p.with_units(n, f, units::parse_time_s);
         if (v < 0 || v > 10) p.fail(n, f, "jitter must be in [0, 10s]");
         l.jitter_s = v;
         return nlohmann::json(v);
       }},
      {"jitter_distribution", [](const Parser& p, const YAML::Node& n, const std::string& f, LinkSpec& l) {
         const std::string v = p.choice(n, f, {"uniform", "normal", "pareto"});
         l.jitter_distribution = v == "uniform"  ? JitterDistribution::kUniform
                                 : v == "normal" ? JitterDistribution::kNormal
                                                 : JitterDistribution::kPareto;
         return nlohmann::json(v);
       }},
      {"reorder", [](const Parser& p, const YAML::Node& n, const std::string& f, LinkSpec& l) {
         l.reorder = p.boolean(n, f);
         return nlohmann::json(l.reorder);
       }},
      {"loss", [](const Parser& p, const YAML::Node& n, const std::string& f, LinkSpec& l) {
         auto probability = [&](const YAML::Node& v, const std::string& field) {
           const double x = p.number(v, field);
           if (x < 0 || x > 1) p.fail(v, field, p.scalar(v, field, "") + " is out of range; allowed: [0, 1]");
           return x;
         };
         if (n.IsMap()) {
           p.check_keys(n, f, {"model", "p", "r", "loss_good", "loss_bad"});
           if (!n["model"]) p.fail(n, f + ".model", "required: model (bernoulli | gilbert-elliott)");
           const std::string model = p.choice(n["model"], f + ".model", {"bernoulli", "gilbert-elliott"});
           LossSpec loss;
           nlohmann::json out = {{"model", model}};
           if (model == "bernoulli") {
             loss.model = LossSpec::Model::kBernoulli;
             for (const char* k : {"r", "loss_good", "loss_bad"})
               if (n[k]) p.fail(n[k], f + "." + k, std::string("not a parameter of the bernoulli model; allowed: p"));
             loss.p = n["p"] ? probability(n["p"], f + ".p") : 0.0;
             out["p"] = loss.p;
           } else {
             loss.model = LossSpec::Model::kGilbertElliott;
             for (const char* k : {"p", "r"})
               if (!n[k]) p.fail(n, f + "." + k, std::string("required by gilbert-elliott: p (good->bad), r (bad->good)"));
             loss.p = probability(n["p"], f + ".p");
             loss.r = probability(n["r"], f + ".r");
             loss.loss_good = n["loss_good"] ? probability(n["loss_good"], f + ".loss_good") : 0.0;
             loss.loss_bad = n["loss_bad"] ? probability(n["loss_bad"], f + ".loss_bad") : 1.0;
             if (loss.p + loss.r <= 0) p.fail(n, f, "p + r must be > 0");
             out["p"] = loss.p;
             out["r"] = loss.r;
             out["loss_good"] = loss.loss_good;
             out["loss_bad"] = loss.loss_bad;
           }
           l.loss = loss;
           return out;
         }
         LossSpec loss;
         loss.p = probability(n, f);
         l.loss = loss;
         return nlohmann::json(loss.p);
       }},
      // [[start, p], ...]: Bernoulli loss p from `start` on (sim/link_model.h). Replaces
      // link.loss; the scenario may name one of the two (check_loss_keys).
      {"loss_schedule", [](const Parser& p, const YAML::Node& n, const std::string& f, LinkSpec& l) {
         const char* form = "a list of [time, loss] pairs, e.g. [[0s, 0.001], [20s, 0.05]]";
         if (!n.IsSequence() || n.size() == 0) p.fail(n, f, std::string("expected ") + form);
         LossSpec loss;
         nlohmann::json out = nlohmann::json::array();
         for (std::size_t i = 0; i < n.size(); ++i) {
           const YAML::Node step = n[i];
           const std::string at = f + "[" + std::to_string(i) + "]";
           if (!step.IsSequence() || step.size() != 2) p.fail(step, at, std::string("expected [time, loss]; the schedule is ") + form);
           LossPhase phase;
           phase.start_s = p.with_units(step[0], at, units::parse_time_s);
           phase.p = p.number(step[1], at);
           if (phase.p < 0 || phase.p > 1) p.fail(step[1], at, step[1].Scalar() + " is out of range; allowed: [0, 1]");
           if (i == 0 && phase.start_s != 0) p.fail(step[0], at, "the first phase must start at 0s");
           if (i > 0 && phase.start_s <= loss.schedule.back().start_s)
             p.fail(step[0], at, "phase starts must be strictly increasing");
           loss.schedule.push_back(phase);
           out.push_back({phase.start_s, phase.p});
         }
         l.loss = loss;
         return out;
       }},
      {"queue", [](const Parser& p, const YAML::Node& n, const std::string& f, LinkSpec& l) {
         const auto q = p.with_units(n, f, units::parse_queue);
         if (q.value == 0) p.fail(n, f, "a queue limit must be > 0");
         l.queue.unit = q.packets ? QueueSpec::Unit::kPackets : QueueSpec::Unit::kBytes;
         l.queue.limit = q.value;
         return nlohmann::json(q.value);
       }},
      {"mtu", [](const Parser& p, const YAML::Node& n, const std::string& f, LinkSpec& l) {
         l.mtu = static_cast<std::uint32_t>(p.integer(n, f, 576, 65535));
         return nlohmann::json(l.mtu);
       }},
  };
  return handlers;
}

std::vector<std::string> link_keys(bool with_reverse) {
  std::vector<std::string> keys;
  for (const auto& [k, _] : link_handlers()) keys.push_back(k);
  if (with_reverse) keys.push_back("reverse");
  return keys;
}

std::map<std::string, Handler> make_handlers() {
  std::map<std::string, Handler> h;
  h["duration"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const double v = p.with_units(n, f, units::parse_time_s);
    if (v <= 0) p.fail(n, f, "a duration must be > 0");
    s.spec.duration_s = v;
    return nlohmann::json(v);
  };
  // Only as a sweep axis (the top-level key is read before the points): one campaign comparing
  // backends at the same point, e.g. sweep: {backend: [sim, emu]}.
  h["backend"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const std::string name = p.choice(n, f, {"sim", "real", "emu"});
    s.spec.backend = name == "sim" ? Backend::kSim : name == "real" ? Backend::kReal : Backend::kEmu;
    return nlohmann::json(name);
  };
  h["capture"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    s.spec.capture = p.boolean(n, f);
    return nlohmann::json(s.spec.capture);
  };
  h["topology.kind"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const std::string v = p.choice(n, f, {"point-to-point", "dumbbell", "star"});
    s.spec.topology.kind = v == "point-to-point" ? TopologySpec::Kind::kPointToPoint
                           : v == "dumbbell"     ? TopologySpec::Kind::kDumbbell
                                                 : TopologySpec::Kind::kStar;
    return nlohmann::json(v);
  };
  h["topology.flows"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    s.spec.topology.flows = static_cast<std::uint32_t>(p.integer(n, f, 1, 1024));
    return nlohmann::json(s.spec.topology.flows);
  };
  h["topology.placement"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    s.spec.topology.placement = p.choice(n, f, {"loopback", "namespaces"});
    return nlohmann::json(s.spec.topology.placement);
  };
  for (const auto& [key, handler] : link_handlers()) {
    h["link." + key] = [handler = handler](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
      return handler(p, n, f, s.spec.link);
    };
    // Reverse overrides apply once the forward link is final (see resolve_reverse).
    h["link.reverse." + key] = [key = key](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
      LinkSpec scratch;
      const nlohmann::json v = link_handlers().at(key)(p, n, f, scratch);
      s.reverse.erase(key);  // not operator=: see the note on yaml-cpp node assignment below
      s.reverse.emplace(key, n);
      return v;
    };
  }
  h["workload.kind"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const std::string v = p.choice(n, f, {"bulk", "rpc", "stream", "multicast"});
    s.spec.workload.kind = v == "bulk"     ? WorkloadSpec::Kind::kBulk
                           : v == "rpc"    ? WorkloadSpec::Kind::kRpc
                           : v == "stream" ? WorkloadSpec::Kind::kStream
                                           : WorkloadSpec::Kind::kMulticast;
    return nlohmann::json(v);
  };
  auto size_field = [](std::uint64_t WorkloadSpec::*member) {
    return [member](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
      const std::uint64_t v = p.with_units(n, f, units::parse_size_bytes);
      if (v == 0) p.fail(n, f, "must be > 0 bytes");
      s.spec.workload.*member = v;
      return nlohmann::json(v);
    };
  };
  h["workload.bytes"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const std::uint64_t v = p.with_units(n, f, units::parse_size_bytes);
    if (v == 0) p.fail(n, f, "must be > 0 bytes (omit it for a timed transfer)");
    s.spec.workload.bytes = v;
    return nlohmann::json(v);
  };
  h["workload.data"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const std::string v = p.choice(n, f, {"random", "zeros", "versioned"});
    s.spec.workload.data.mode = v == "random" ? BulkDataMode::kRandom
                                : v == "zeros" ? BulkDataMode::kZeros
                                               : BulkDataMode::kVersioned;
    s.data_node = n;
    return nlohmann::json(v);
  };
  h["workload.similarity"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const double v = p.number(n, f);
    if (v < 0 || v > 1) p.fail(n, f, "a similarity is a fraction of chunks in [0, 1]");
    s.spec.workload.data.similarity = v;
    if (!s.data_node) s.data_node = n;
    return nlohmann::json(v);
  };
  h["workload.request_bytes"] = size_field(&WorkloadSpec::request_bytes);
  h["workload.response_bytes"] = size_field(&WorkloadSpec::response_bytes);
  h["workload.token_bytes"] = size_field(&WorkloadSpec::token_bytes);
  h["workload.rate"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const double v = p.number(n, f);
    if (v <= 0) p.fail(n, f, "requests per second must be > 0");
    s.spec.workload.rate_rps = v;
    return nlohmann::json(v);
  };
  h["workload.concurrency"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    s.spec.workload.concurrency = static_cast<std::uint32_t>(p.integer(n, f, 1, 100000));
    return nlohmann::json(*s.spec.workload.concurrency);
  };
  h["workload.requests"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    s.spec.workload.requests = p.integer(n, f, 1, 100000000);
    return nlohmann::json(s.spec.workload.requests);
  };
  h["workload.tokens"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    s.spec.workload.tokens = static_cast<std::uint32_t>(p.integer(n, f, 1, 1000000));
    return nlohmann::json(s.spec.workload.tokens);
  };
  h["workload.token_interval"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const double v = p.with_units(n, f, units::parse_time_s);
    if (v < 0) p.fail(n, f, "must be >= 0");
    s.spec.workload.token_interval_s = v;
    return nlohmann::json(v);
  };
  h["workload.token_cost"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const double v = p.with_units(n, f, units::parse_time_s);
    if (v < 0 || v > 60) p.fail(n, f, "must be in [0, 60s]");
    s.spec.workload.token_cost_s = v;
    return nlohmann::json(v);
  };
  h["workload.stall_threshold"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const double v = p.with_units(n, f, units::parse_time_s);
    if (v <= 0) p.fail(n, f, "must be > 0");
    s.spec.workload.stall_threshold_s = v;
    return nlohmann::json(v);
  };
  h["workload.server.workers"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    s.spec.workload.server.workers = static_cast<std::uint32_t>(p.integer(n, f, 1, 1024));
    return nlohmann::json(s.spec.workload.server.workers);
  };
  h["workload.server.service_time"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const double v = p.with_units(n, f, units::parse_time_s);
    if (v <= 0 || v > 60) p.fail(n, f, "must be in (0, 60s]");
    s.spec.workload.server.service_time_s = v;
    return nlohmann::json(v);
  };
  h["workload.server.service"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    const std::string v = p.choice(n, f, {"exponential", "fixed"});
    s.spec.workload.server.exponential_service = v == "exponential";
    return nlohmann::json(v);
  };
  h["workload.server.queue"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    s.spec.workload.server.queue = p.integer(n, f, 1, 1000000);
    return nlohmann::json(s.spec.workload.server.queue);
  };
  h["workload.server.overflow"] = [](const Parser& p, const YAML::Node& n, const std::string& f, PointState& s) {
    s.spec.workload.server.overflow = p.choice(n, f, {"reject", "shed-oldest", "block"});
    return nlohmann::json(s.spec.workload.server.overflow);
  };
  return h;
}

const std::map<std::string, Handler>& handlers() {
  static const std::map<std::string, Handler> h = make_handlers();
  return h;
}

std::vector<std::string> section_keys(const std::string& section) {
  std::vector<std::string> keys;
  const std::string prefix = section + ".";
  for (const auto& [path, _] : handlers()) {
    if (path.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = path.substr(prefix.size());
    if (rest.find('.') == std::string::npos) keys.push_back(rest);
  }
  return keys;
}

std::vector<std::string> sweepable_paths() {
  std::vector<std::string> paths;
  for (const auto& [path, _] : handlers()) paths.push_back(path);
  return paths;
}

void apply_section(const Parser& p, const YAML::Node& root, const std::string& section, PointState& s) {
  const YAML::Node node = root[section];
  if (!node) return;
  p.expect_map(node, section);
  std::vector<std::string> allowed = section == "link" ? link_keys(true) : section_keys(section);
  if (section == "workload") allowed.push_back("server");
  p.check_keys(node, section, allowed);
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (section == "workload" && key == "server") {
      const YAML::Node server = it->second;
      p.expect_map(server, "workload.server");
      p.check_keys(server, "workload.server", section_keys("workload.server"));
      for (auto r = server.begin(); r != server.end(); ++r)
        handlers().at("workload.server." + r->first.Scalar())(p, r->second, "workload.server." + r->first.Scalar(), s);
      continue;
    }
    if (section == "link" && key == "reverse") {
      const YAML::Node reverse = it->second;
      if (reverse.IsNull()) continue;
      p.expect_map(reverse, "link.reverse");
      p.check_keys(reverse, "link.reverse", link_keys(false));
      for (auto r = reverse.begin(); r != reverse.end(); ++r)
        handlers().at("link.reverse." + r->first.Scalar())(p, r->second, "link.reverse." + r->first.Scalar(), s);
      continue;
    }
    handlers().at(section + "." + key)(p, it->second, section + "." + key, s);
  }
}

void resolve_reverse(const Parser& p, PointState& s) {
  s.spec.reverse = s.spec.link;
  for (const auto& [key, node] : s.reverse) link_handlers().at(key)(p, node, "link.reverse." + key, s.spec.reverse);
}

// Workload kind multicast: one sender to topology.flows receivers on a star, hosted by sim for
// PFS only (sim/multicast_run.h), which reads pfs's `fec` option and no other.
void check_multicast(const Parser& p, const YAML::Node& root, const RunSpec& spec, const ProtocolSpec& protocol,
                     const YAML::Node& protocol_node) {
  const YAML::Node& r = root;
  const YAML::Node workload = r["workload"];
  const YAML::Node topology = r["topology"];
  const bool multicast = spec.workload.kind == WorkloadSpec::Kind::kMulticast;
  const bool star = spec.topology.kind == TopologySpec::Kind::kStar;
  if (star && !multicast)
    p.fail(topology, "topology.kind", "topology star carries workload kind multicast only (topology.flows receivers)");
  if (!multicast) return;
  if (!star)
    p.fail(workload, "workload.kind", "workload kind multicast needs topology.kind: star (one sender, topology.flows receivers)");
  if (!spec.workload.bytes)
    p.fail(workload, "workload.bytes", "workload kind multicast needs bytes (the content every receiver gets)");
  if (spec.backend != Backend::kSim)
    p.fail(r["backend"] ? r["backend"] : workload, "workload.kind",
           std::string("workload kind multicast is not supported on backend ") + backend_name(spec.backend) +
               " (sim only)");
  if (protocol.name != "pfs")
    p.fail(protocol_node, "protocols", "protocol '" + protocol.name +
                                           "' does not run workload kind multicast; only pfs does (PFS multicast)");
  for (const auto& [key, _] : protocol.options)
    if (key != "fec")
      p.fail(protocol_node, "protocols.pfs." + key,
             "pfs option '" + key + "' does not apply to workload kind multicast (it takes fec only)");
}

// link.loss and link.loss_schedule both set the loss of a direction; a scenario names one of
// them (in the file or as a sweep axis), so no point silently drops the other. Const lookups
// only, and no node assignment (see the note on yaml-cpp node assignment below).
void check_loss_keys(const Parser& p, const YAML::Node& root) {
  const YAML::Node link = root["link"];
  const YAML::Node reverse = link && link.IsMap() ? link["reverse"] : YAML::Node();
  const YAML::Node sweep = root["sweep"];
  for (const bool forward : {true, false}) {
    const std::string prefix = forward ? "link." : "link.reverse.";
    const YAML::Node& section = forward ? link : reverse;
    std::optional<YAML::Node> loss, schedule;
    if (section && section.IsMap()) {
      if (section["loss"]) loss.emplace(section["loss"]);
      if (section["loss_schedule"]) schedule.emplace(section["loss_schedule"]);
    }
    if (sweep && sweep.IsMap()) {
      for (auto it = sweep.begin(); it != sweep.end(); ++it) {
        if (it->first.Scalar() == prefix + "loss" && !loss) loss.emplace(it->first);
        if (it->first.Scalar() == prefix + "loss_schedule" && !schedule) schedule.emplace(it->first);
      }
    }
    if (loss && schedule)
      p.fail(*schedule, prefix + "loss_schedule",
             prefix + "loss and " + prefix + "loss_schedule are exclusive (the schedule sets the loss over time); "
             "remove one (line " + std::to_string(loss->Mark().line + 1) + " sets " + prefix + "loss)");
  }
}

Backend parse_backend(const std::string& name) {
  if (name == "sim") return Backend::kSim;
  if (name == "real") return Backend::kReal;
  return Backend::kEmu;
}

}  // namespace

const char* backend_name(Backend backend) {
  switch (backend) {
    case Backend::kSim: return "sim";
    case Backend::kReal: return "real";
    case Backend::kEmu: return "emu";
  }
  return "?";
}

Scenario parse_scenario_file(const std::string& path, const std::string& backend_override) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, 0, 0, "", "cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario_text(path, text.str(), backend_override);
}

Scenario parse_scenario_text(const std::string& path, const std::string& text, const std::string& backend_override) {
  Parser p(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    p.fail_at(e.mark, "", "not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) p.fail(root, "", "a scenario file is a YAML mapping (name:, link:, protocols:, ...)");

  const std::vector<std::string> top = {"name", "description", "backend", "seeds", "duration", "topology",
                                        "link", "workload", "protocols", "sweep", "capture"};
  p.check_keys(root, "", top);

  Scenario sc;
  sc.path = path;
  sc.yaml_text = text;
  sc.sha256 = sha256_hex(text);

  if (!root["name"]) p.fail(root, "name", "required: the scenario's name, [a-z0-9-]+");
  sc.name = p.scalar(root["name"], "name", "a name");
  if (sc.name.empty() || !std::all_of(sc.name.begin(), sc.name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      }))
    p.fail(root["name"], "name", "'" + sc.name + "' is not allowed; a name is [a-z0-9-]+");
  if (root["description"]) sc.description = p.scalar(root["description"], "description", "text");

  std::string backend = "sim";
  if (root["backend"]) backend = p.choice(root["backend"], "backend", {"sim", "real", "emu"});
  if (!backend_override.empty()) {
    if (backend_override != "sim" && backend_override != "real" && backend_override != "emu")
      throw ScenarioError("--backend", 0, 0, "", "'" + backend_override + "' is not a backend; allowed: sim, real, emu");
    backend = backend_override;
  }
  sc.backend = parse_backend(backend);

  if (!root["seeds"]) {
    sc.seeds = {1};
  } else if (root["seeds"].IsSequence()) {
    std::set<std::uint64_t> seen;
    for (const auto& s : root["seeds"]) {
      const std::uint64_t seed = p.integer(s, "seeds", 0, INT64_MAX);
      if (!seen.insert(seed).second) p.fail(s, "seeds", "seed " + std::to_string(seed) + " is listed twice");
      sc.seeds.push_back(seed);
    }
    if (sc.seeds.empty()) p.fail(root["seeds"], "seeds", "the list of seeds is empty");
  } else {
    const std::uint64_t n = p.integer(root["seeds"], "seeds", 1, 100000);
    for (std::uint64_t i = 1; i <= n; ++i) sc.seeds.push_back(i);
  }

  // Protocols: names or {name: {options}}; each variant's label must be unique.
  if (!root["protocols"]) p.fail(root, "protocols", "required: the protocols to compare (pfs, tcp, udp, ...)");
  const YAML::Node protocols = root["protocols"];
  if (!protocols.IsSequence() || protocols.size() == 0)
    p.fail(protocols, "protocols", "expected a non-empty list of protocols");
  struct Variant {
    ProtocolSpec spec;
    nlohmann::json options;
    YAML::Node node;  // the protocols[] entry, for errors that name it
    YAML::Node options_node;  // its options mapping (null when it has none)
    std::string field;
  };
  std::vector<Variant> variants;
  std::set<std::string> labels;
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    const YAML::Node entry = protocols[i];
    const std::string field = "protocols[" + std::to_string(i) + "]";
    Variant v;
    v.node = entry;
    v.field = field;
    // yaml-cpp's Node::operator= rebinds shared storage (it would rewrite `entry`), so every
    // node here is initialised once and never assigned.
    const bool with_options = entry.IsMap() && entry.size() == 1;
    if (!entry.IsScalar() && !with_options) p.fail(entry, field, "expected a protocol name or {name: {options}}");
    const YAML::Node name_node = with_options ? entry.begin()->first : entry;
    const YAML::Node options = with_options ? entry.begin()->second : YAML::Node();
    v.options_node = options;
    v.spec.name = name_node.Scalar();
    if (with_options && !options.IsNull() && !options.IsMap())
      p.fail(options, field + "." + v.spec.name, "options are a mapping, e.g. {cc: cubic}");
    const auto& known = known_protocols();
    if (std::find(known.begin(), known.end(), v.spec.name) == known.end())
      p.fail(name_node, field, "unknown protocol '" + v.spec.name + "'; allowed: " + Parser::join(known));
    std::string label_suffix;
    if (options.IsMap()) {
      for (auto it = options.begin(); it != options.end(); ++it) {
        const std::string key = it->first.Scalar();
        const std::string value = p.scalar(it->second, field + "." + v.spec.name + "." + key, "a value");
        if (key == "label") {
          v.spec.label = value;
          continue;
        }
        v.spec.options[key] = value;
        v.options[key] = value;
        label_suffix += "-" + value;
      }
    }
    try {
      v.spec.options = canonical_protocol_options(v.spec.name, v.spec.options);
    } catch (const ProtocolOptionError& e) {
      const YAML::Node at = options.IsMap() && options[e.key()] ? options[e.key()] : name_node;
      p.fail(at, field + "." + v.spec.name + (e.key().empty() ? "" : "." + e.key()), e.what());
    }
    if (v.spec.label.empty()) v.spec.label = v.spec.name + label_suffix;
    if (!labels.insert(v.spec.label).second)
      p.fail(entry, field, "label '" + v.spec.label + "' is used twice; give one variant `label: NAME`");
    if (!v.options.is_object()) v.options = nlohmann::json::object();
    variants.push_back(std::move(v));
  }

  // Sweep axes: every path must have a handler; values are checked per point below.
  if (root["sweep"]) {
    const YAML::Node sweep = root["sweep"];
    p.expect_map(sweep, "sweep");
    const auto paths = sweepable_paths();
    for (auto it = sweep.begin(); it != sweep.end(); ++it) {
      SweepAxis axis;
      // Copies, not references: yaml-cpp's iterator hands out a temporary proxy.
      const YAML::Node key = it->first;
      const YAML::Node values = it->second;
      axis.path = key.Scalar();
      if (!handlers().count(axis.path))
        p.fail(key, "sweep." + axis.path, "not a sweepable path; allowed: " + Parser::join(paths));
      if (!values.IsSequence() || values.size() == 0)
        p.fail(values, "sweep." + axis.path, "expected a non-empty list of values");
      for (const auto& v : values) axis.values.push_back(v);
      if (axis.path == "backend" && !backend_override.empty())
        throw ScenarioError("--backend", 0, 0, "", "--backend " + backend_override + " conflicts with sweep.backend in " + path +
                                                       "; the sweep already chooses each point's backend");
      sc.sweep.push_back(std::move(axis));
    }
  }

  check_loss_keys(p, root);

  // The base point: defaults, then every section as written.
  PointState base;
  base.spec.backend = sc.backend;
  base.spec.scenario_name = sc.name;
  for (const char* key : {"duration", "capture"})
    if (root[key]) handlers().at(key)(p, root[key], key, base);
  for (const char* section : {"topology", "link", "workload"}) apply_section(p, root, section, base);

  // Expand the cartesian product in file order (the last axis varies fastest).
  std::vector<std::size_t> index(sc.sweep.size(), 0);
  sc.points = 1;
  for (const auto& axis : sc.sweep) sc.points *= axis.values.size();
  for (std::size_t point = 0; point < sc.points; ++point) {
    PointState state = base;
    nlohmann::json params = nlohmann::json::object();
    for (std::size_t a = 0; a < sc.sweep.size(); ++a) {
      const auto& axis = sc.sweep[a];
      params[axis.path] = handlers().at(axis.path)(p, axis.values[index[a]], "sweep." + axis.path, state);
    }
    resolve_reverse(p, state);
    const auto& w = state.spec.workload;
    const bool requests = w.kind == WorkloadSpec::Kind::kRpc || w.kind == WorkloadSpec::Kind::kStream;
    if (requests && w.rate_rps && w.concurrency)
      p.fail(root["workload"], "workload", std::string(w.kind == WorkloadSpec::Kind::kRpc ? "rpc" : "stream") +
                                               " takes either rate (open loop) or concurrency (closed loop), not both");
    // The node to blame: the field if written, else the workload section (const lookups only:
    // a non-const operator[] would add the key to the document).
    auto workload_node = [&root](const char* key) {
      const YAML::Node& r = root;
      const YAML::Node section = r["workload"];
      const YAML::Node field = section ? section[key] : YAML::Node();
      return field ? field : section;
    };
    if (requests && w.request_bytes < 8)
      p.fail(workload_node("request_bytes"), "workload.request_bytes",
             "must be >= 8 bytes (a request starts with its 8-byte index)");
    if (w.kind == WorkloadSpec::Kind::kRpc && w.response_bytes < 10)
      p.fail(workload_node("response_bytes"), "workload.response_bytes",
             "must be >= 10 bytes (a response starts with a 9-byte status and index)");
    if (w.kind != WorkloadSpec::Kind::kBulk && state.data_node)
      p.fail(*state.data_node, "workload.data", "data and similarity apply to kind: bulk only");
    if (state.spec.topology.kind == TopologySpec::Kind::kPointToPoint && state.spec.topology.flows != 1)
      p.fail(root["topology"], "topology.flows", "a point-to-point topology carries one flow; use kind: dumbbell");
    for (const auto& v : variants) {
      check_multicast(p, root, state.spec, v.spec, v.node);
      // Options whose validity depends on this point's datagram size: link.mtu - 28, the size
      // every backend configures PFS and QUIC with.
      try {
        check_protocol_options_at(v.spec.name, v.spec.options, state.spec.link.mtu - 28);
      } catch (const ProtocolOptionError& e) {
        const YAML::Node at = v.options_node.IsMap() && v.options_node[e.key()] ? v.options_node[e.key()] : v.node;
        p.fail(at, v.field + "." + v.spec.name + (e.key().empty() ? "" : "." + e.key()),
               std::string(e.what()) + (sc.points > 1 ? " (at sweep point " + params.dump() + ")" : ""));
      }
      for (std::uint64_t seed : sc.seeds) {
        PlannedRun run;
        run.spec = state.spec;
        run.spec.protocol = v.spec;
        run.spec.seed = seed;
        run.params = params;
        run.options = v.options;
        run.point_index = point;
        run.run_key = v.spec.label + "|" + params.dump() + "|" + std::to_string(seed);
        sc.runs.push_back(std::move(run));
      }
    }
    for (std::size_t a = sc.sweep.size(); a-- > 0;) {
      if (++index[a] < sc.sweep[a].values.size()) break;
      index[a] = 0;
    }
  }
  return sc;
}

void select_shard(Scenario& scenario, unsigned index, unsigned count) {
  std::vector<PlannedRun> kept;
  for (std::size_t i = index; i < scenario.runs.size(); i += count) kept.push_back(std::move(scenario.runs[i]));
  scenario.runs = std::move(kept);
}

}  // namespace wirelab

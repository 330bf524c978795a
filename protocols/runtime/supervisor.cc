#include "protocols/runtime/supervisor.h"

#include <algorithm>
#include <stdexcept>

namespace wirelab::runtime {

Supervisor::Supervisor(SupervisorConfig config, std::size_t children)
    : config_(config), children_(children) {
  if (children == 0) throw std::invalid_argument("a supervisor needs at least one child");
  if (config_.restart_backoff_base < Duration::zero() ||
      config_.restart_backoff_max < config_.restart_backoff_base) {
    throw std::invalid_argument("supervisor back-off: 0 <= base <= max");
  }
}

SupervisorDecision Supervisor::on_child_failed(std::size_t child, Timestamp now) {
  if (child >= children_.size()) throw std::out_of_range("supervisor: no such child");
  SupervisorDecision decision;
  if (escalated_) {
    decision.escalate = true;
    return decision;
  }

  while (!recent_restarts_.empty() && now - recent_restarts_.front() >= config_.intensity_period) {
    recent_restarts_.pop_front();
  }
  if (recent_restarts_.size() >= config_.max_restarts) {
    escalated_ = true;
    decision.escalate = true;
    return decision;
  }
  recent_restarts_.push_back(now);
  ++total_restarts_;

  Child& failed = children_[child];
  if (failed.restarted_before && now - failed.last_restart_at >= config_.backoff_reset_after) {
    failed.consecutive_restarts = 0;
  }
  Duration backoff = config_.restart_backoff_base;
  for (std::uint32_t i = 0; i < failed.consecutive_restarts && backoff < config_.restart_backoff_max; ++i) {
    backoff *= 2;
  }
  backoff = std::min(backoff, config_.restart_backoff_max);
  ++failed.consecutive_restarts;
  failed.last_restart_at = now;
  failed.restarted_before = true;

  std::size_t first = child;
  std::size_t last = child + 1;
  switch (config_.strategy) {
    case RestartStrategy::one_for_one: break;
    case RestartStrategy::one_for_all: first = 0; last = children_.size(); break;
    case RestartStrategy::rest_for_one: last = children_.size(); break;
  }
  for (std::size_t i = first; i < last; ++i) decision.restart.push_back(i);
  decision.restart_at = now + backoff;
  return decision;
}

}  // namespace wirelab::runtime

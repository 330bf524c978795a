// Supervision: what to restart when a worker fails, and when to give up.
//
// Erlang/OTP's strategies over children kept in start order: one_for_one restarts the failed
// child, one_for_all restarts every child, rest_for_one restarts the failed child and every
// child started after it. Restart intensity bounds the damage: more than `max_restarts` within
// `intensity_period` and the supervisor escalates (stops its children and fails upward) instead
// of restarting. Consecutive restarts of the same child are delayed by an exponential back-off
// so a crash loop does not spin a core. Sans-IO: the supervisor decides, the host acts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "protocols/core/time.h"

namespace wirelab::runtime {

enum class RestartStrategy { one_for_one, one_for_all, rest_for_one };

struct SupervisorConfig {
  RestartStrategy strategy = RestartStrategy::one_for_one;
  std::uint32_t max_restarts = 3;
  Duration intensity_period = std::chrono::seconds(5);
  Duration restart_backoff_base = std::chrono::milliseconds(10);
  Duration restart_backoff_max = std::chrono::seconds(1);
  // A child that ran this long since its last restart starts its back-off from the base again.
  Duration backoff_reset_after = std::chrono::seconds(10);
};

struct SupervisorDecision {
  bool escalate = false;                 // intensity exceeded: stop everything, fail upward
  std::vector<std::size_t> restart;      // children to stop and start again, in start order
  Timestamp restart_at{};                // when to start them (now + back-off)
};

class Supervisor {
 public:
  Supervisor(SupervisorConfig config, std::size_t children);

  std::size_t child_count() const { return children_.size(); }
  SupervisorDecision on_child_failed(std::size_t child, Timestamp now);
  std::uint64_t total_restarts() const { return total_restarts_; }
  bool escalated() const { return escalated_; }

 private:
  struct Child {
    std::uint32_t consecutive_restarts = 0;
    Timestamp last_restart_at{};
    bool restarted_before = false;
  };

  SupervisorConfig config_;
  std::vector<Child> children_;
  std::deque<Timestamp> recent_restarts_;
  std::uint64_t total_restarts_ = 0;
  bool escalated_ = false;
};

}  // namespace wirelab::runtime

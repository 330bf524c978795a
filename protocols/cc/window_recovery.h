// Recovery-period bookkeeping shared by the window-based controllers (NewReno, Cubic, AIMD):
// one window reduction per round trip of losses, as RFC 9002 section 7.3.2 prescribes.
#pragma once

#include "protocols/core/time.h"

namespace wirelab::cc {

class RecoveryPeriod {
 public:
  // True when a loss of a packet sent at `sent_time` starts a new congestion event.
  bool starts_new_event(Timestamp sent_time) const { return !started_ || sent_time > start_; }
  void enter(Timestamp now) {
    started_ = true;
    start_ = now;
  }
  bool in_recovery(Timestamp sent_time) const { return started_ && sent_time <= start_; }

 private:
  bool started_ = false;
  Timestamp start_{};
};

}  // namespace wirelab::cc

// Backpressure: what a bounded queue does when it is full, and how it tells the producer
// upstream to slow down before it is.
//
// Three overflow policies: block (the offer fails with would_block and the producer must wait —
// the host decides how: a real thread spins then yields, a simulated one reschedules), reject
// (the new item is refused and goes to the dead-letter queue) and shed_oldest (the oldest queued
// item is dropped to make room — right for telemetry-like traffic where fresh beats complete).
// PressureSignal turns queue depth into an upstream on/off signal with hysteresis: raised at the
// high watermark, cleared only at the low one, so a queue hovering near the threshold does not
// flap. BoundedQueue is the single-owner (sans-IO) queue with both; the worker pool applies the
// same policies to its lock-free mailboxes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <utility>

namespace wirelab::runtime {

enum class OverflowPolicy { block, reject, shed_oldest };
enum class OfferOutcome { accepted, would_block, rejected, accepted_after_shedding };

const char* to_string(OverflowPolicy policy);
const char* to_string(OfferOutcome outcome);

class PressureSignal {
 public:
  // on_change(true) when depth reaches high_watermark, on_change(false) when it falls back to
  // low_watermark; low < high.
  PressureSignal(std::size_t high_watermark, std::size_t low_watermark,
                 std::function<void(bool raised)> on_change = {});

  void observe(std::size_t depth);
  bool raised() const { return raised_; }
  std::uint64_t times_raised() const { return times_raised_; }
  void set_listener(std::function<void(bool raised)> on_change) { on_change_ = std::move(on_change); }

 private:
  std::size_t high_;
  std::size_t low_;
  std::function<void(bool)> on_change_;
  bool raised_ = false;
  std::uint64_t times_raised_ = 0;
};

template <typename T>
class BoundedQueue {
 public:
  BoundedQueue(std::size_t capacity, OverflowPolicy policy, std::size_t high_watermark,
               std::size_t low_watermark)
      : capacity_(capacity), policy_(policy), pressure_(high_watermark, low_watermark) {
    if (capacity == 0 || high_watermark > capacity) {
      throw std::invalid_argument("bounded queue: capacity > 0 and high watermark <= capacity");
    }
  }

  // On rejected/would_block the item is left in `item`; on accepted_after_shedding the dropped
  // oldest item is written to *shed (when given).
  OfferOutcome offer(T& item, std::optional<T>* shed = nullptr) {
    OfferOutcome outcome = OfferOutcome::accepted;
    if (items_.size() == capacity_) {
      switch (policy_) {
        case OverflowPolicy::block: return OfferOutcome::would_block;
        case OverflowPolicy::reject: ++rejected_; return OfferOutcome::rejected;
        case OverflowPolicy::shed_oldest:
          if (shed) *shed = std::move(items_.front());
          items_.pop_front();
          ++shed_;
          outcome = OfferOutcome::accepted_after_shedding;
          break;
      }
    }
    items_.push_back(std::move(item));
    pressure_.observe(items_.size());
    return outcome;
  }

  std::optional<T> poll() {
    if (items_.empty()) return std::nullopt;
    std::optional<T> item(std::move(items_.front()));
    items_.pop_front();
    pressure_.observe(items_.size());
    return item;
  }

  std::size_t size() const { return items_.size(); }
  std::size_t capacity() const { return capacity_; }
  OverflowPolicy policy() const { return policy_; }
  PressureSignal& pressure() { return pressure_; }
  std::uint64_t rejected() const { return rejected_; }
  std::uint64_t shed() const { return shed_; }

 private:
  std::size_t capacity_;
  OverflowPolicy policy_;
  PressureSignal pressure_;
  std::deque<T> items_;
  std::uint64_t rejected_ = 0;
  std::uint64_t shed_ = 0;
};

}  // namespace wirelab::runtime

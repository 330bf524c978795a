// The dead-letter queue: where a message goes when the runtime cannot deliver or handle it —
// rejected or shed by backpressure, its handler threw, its retries ran out, its worker stopped.
//
// Bounded: when full the oldest letter is dropped (and counted), so a flood of failures cannot
// exhaust memory. Counts per reason survive the drops. Dead letters are the exceptional path, so
// a mutex is fine here and keeps the queue usable from every worker.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocols/core/time.h"

namespace wirelab::runtime {

enum class DeadLetterReason : std::uint8_t {
  rejected,           // backpressure reject policy, or the target was stopped
  shed,               // backpressure shed-oldest policy dropped it for a newer one
  handler_failed,     // the worker's handler threw
  retries_exhausted,  // the retry budget or attempt limit said no
  undeliverable,      // no such worker, or the pool shut down with it queued
};
inline constexpr std::size_t kDeadLetterReasons = 5;

const char* to_string(DeadLetterReason reason);

template <typename T>
struct DeadLetter {
  T message;
  DeadLetterReason reason;
  std::size_t worker;  // the intended or failing worker
  Timestamp at;
  std::string detail;
};

template <typename T>
class DeadLetterQueue {
 public:
  explicit DeadLetterQueue(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  void put(DeadLetter<T> letter) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counts_[static_cast<std::size_t>(letter.reason)];
    if (letters_.size() == capacity_) {
      letters_.pop_front();
      ++dropped_;
    }
    letters_.push_back(std::move(letter));
  }

  std::optional<DeadLetter<T>> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (letters_.empty()) return std::nullopt;
    DeadLetter<T> letter = std::move(letters_.front());
    letters_.pop_front();
    return letter;
  }

  std::vector<DeadLetter<T>> drain() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<DeadLetter<T>> all(std::make_move_iterator(letters_.begin()),
                                   std::make_move_iterator(letters_.end()));
    letters_.clear();
    return all;
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return letters_.size();
  }
  std::uint64_t count(DeadLetterReason reason) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_[static_cast<std::size_t>(reason)];
  }
  std::uint64_t total() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::uint64_t sum = 0;
    for (auto c : counts_) sum += c;
    return sum;
  }
  std::uint64_t dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<DeadLetter<T>> letters_;
  std::array<std::uint64_t, kDeadLetterReasons> counts_{};
  std::uint64_t dropped_ = 0;
};

}  // namespace wirelab::runtime

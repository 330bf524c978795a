// A bounded multi-producer multi-consumer channel: the shared door into a worker's mailbox.
//
// Dmitry Vyukov's sequence-numbered ring. Each slot carries a sequence number that says whose
// turn it is: equal to the position when free for the producer claiming that position, position
// + 1 when full for the consumer claiming it. A producer (consumer) claims a position with one
// CAS on the shared tail (head) and then owns its slot outright, so there is no ABA and no lock.
// Batch operations claim k consecutive positions with a single CAS.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

#include "protocols/runtime/spsc_channel.h"

namespace wirelab::runtime {

template <typename T>
class MpmcChannel {
  static_assert(std::is_nothrow_move_constructible_v<T>, "items move in and out without throwing");

 public:
  explicit MpmcChannel(std::size_t min_capacity)
      : capacity_(round_up_to_power_of_two(min_capacity < 2 ? 2 : min_capacity)),
        mask_(capacity_ - 1),
        slots_(static_cast<Slot*>(::operator new[](capacity_ * sizeof(Slot),
                                                    std::align_val_t{alignof(Slot)}))) {
    for (std::size_t i = 0; i < capacity_; ++i) {
      new (&slots_[i]) Slot();
      slots_[i].sequence.store(i, std::memory_order_relaxed);
    }
  }

  ~MpmcChannel() {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    for (std::uint64_t i = head_.load(std::memory_order_relaxed); i != tail; ++i) {
      slots_[i & mask_].value.~T();
    }
    for (std::size_t i = 0; i < capacity_; ++i) slots_[i].~Slot();
    ::operator delete[](slots_, std::align_val_t{alignof(Slot)});
  }

  MpmcChannel(const MpmcChannel&) = delete;
  MpmcChannel& operator=(const MpmcChannel&) = delete;

  std::size_t capacity() const { return capacity_; }

  template <typename U>
  bool try_push(U&& item) {
    std::uint64_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& slot = slots_[pos & mask_];
      const std::uint64_t seq = slot.sequence.load(std::memory_order_acquire);
      const std::int64_t diff = static_cast<std::int64_t>(seq - pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          new (&slot.value) T(std::forward<U>(item));
          slot.sequence.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // the slot still holds the item from one lap ago: full
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  bool try_pop(T& out) {
    std::uint64_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& slot = slots_[pos & mask_];
      const std::uint64_t seq = slot.sequence.load(std::memory_order_acquire);
      const std::int64_t diff = static_cast<std::int64_t>(seq - (pos + 1));
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          out = std::move(slot.value);
          slot.value.~T();
          slot.sequence.store(pos + capacity_, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // empty
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  // Pushes up to n items (moved from items[0..n)) in order; returns how many.
  std::size_t try_push_batch(T* items, std::size_t n) {
    std::uint64_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      const std::size_t count = free_run(pos, n);
      if (count == 0) {
        const std::uint64_t seq = slots_[pos & mask_].sequence.load(std::memory_order_acquire);
        if (static_cast<std::int64_t>(seq - pos) < 0) return 0;
        pos = tail_.load(std::memory_order_relaxed);
        continue;
      }
      if (tail_.compare_exchange_weak(pos, pos + count, std::memory_order_relaxed)) {
        for (std::size_t i = 0; i < count; ++i) {
          Slot& slot = slots_[(pos + i) & mask_];
          new (&slot.value) T(std::move(items[i]));
          slot.sequence.store(pos + i + 1, std::memory_order_release);
        }
        return count;
      }
    }
  }

  // Pops up to n items into out[0..n); returns how many.
  std::size_t try_pop_batch(T* out, std::size_t n) {
    std::uint64_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      const std::size_t count = full_run(pos, n);
      if (count == 0) {
        const std::uint64_t seq = slots_[pos & mask_].sequence.load(std::memory_order_acquire);
        if (static_cast<std::int64_t>(seq - (pos + 1)) < 0) return 0;
        pos = head_.load(std::memory_order_relaxed);
        continue;
      }
      if (head_.compare_exchange_weak(pos, pos + count, std::memory_order_relaxed)) {
        for (std::size_t i = 0; i < count; ++i) {
          Slot& slot = slots_[(pos + i) & mask_];
          out[i] = std::move(slot.value);
          slot.value.~T();
          slot.sequence.store(pos + i + capacity_, std::memory_order_release);
        }
        return count;
      }
    }
  }

  std::size_t size_approx() const {
    const std::uint64_t tail = tail_.load(std::memory_order_acquire);
    const std::uint64_t head = head_.load(std::memory_order_acquire);
    return tail >= head ? static_cast<std::size_t>(tail - head) : 0;
  }

 private:
  struct Slot {
    std::atomic<std::uint64_t> sequence;
    union {
      T value;
    };
    Slot() {}
    ~Slot() {}
  };

  // How many consecutive positions from pos are free for producers right now (at most n).
  // A position seen free cannot be taken by anyone else until the tail CAS moves past it, and
  // our CAS succeeds only if the tail is still pos, so the whole run is ours after it.
  std::size_t free_run(std::uint64_t pos, std::size_t n) const {
    std::size_t count = 0;
    while (count < n && count < capacity_ &&
           slots_[(pos + count) & mask_].sequence.load(std::memory_order_acquire) == pos + count) {
      ++count;
    }
    return count;
  }
  std::size_t full_run(std::uint64_t pos, std::size_t n) const {
    std::size_t count = 0;
    while (count < n && count < capacity_ &&
           slots_[(pos + count) & mask_].sequence.load(std::memory_order_acquire) ==
               pos + count + 1) {
      ++count;
    }
    return count;
  }

  alignas(kCacheLineBytes) const std::size_t capacity_;
  const std::size_t mask_;
  Slot* const slots_;
  // Producers contend on tail_, consumers on head_: separate lines so a push does not invalidate
  // the line every consumer is spinning a CAS on, and vice versa.
  alignas(kCacheLineBytes) std::atomic<std::uint64_t> tail_{0};
  alignas(kCacheLineBytes) std::atomic<std::uint64_t> head_{0};
};

}  // namespace wirelab::runtime

// A bounded single-producer single-consumer channel: the door between two shared-nothing workers.
//
// One thread pushes, one thread pops; nothing else touches it (size_approx aside). Capacity is
// rounded up to a power of two so a position maps to a slot with a mask. Every slot is usable.
// Wait-free on both sides: no loop, no CAS, no lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace wirelab::runtime {

// 64 bytes on every x86-64 and most ARM64 parts; std::hardware_destructive_interference_size is
// not reliable across g++ versions (it warns when used in headers), so the number is spelled out.
inline constexpr std::size_t kCacheLineBytes = 64;

constexpr std::size_t round_up_to_power_of_two(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

template <typename T>
class SpscChannel {
  static_assert(std::is_nothrow_move_constructible_v<T>, "items move in and out without throwing");

 public:
  explicit SpscChannel(std::size_t min_capacity)
      : capacity_(round_up_to_power_of_two(min_capacity < 2 ? 2 : min_capacity)),
        mask_(capacity_ - 1),
        slots_(static_cast<Slot*>(::operator new[](capacity_ * sizeof(Slot),
                                                    std::align_val_t{alignof(Slot)}))) {
    for (std::size_t i = 0; i < capacity_; ++i) {
      new (&slots_[i]) Slot();
      slots_[i].turn.store(i, std::memory_order_relaxed);
    }
  }

  ~SpscChannel() {
    const std::uint64_t tail = producer_.tail.load(std::memory_order_relaxed);
    for (std::uint64_t i = consumer_.head.load(std::memory_order_relaxed); i != tail; ++i) {
      slots_[i & mask_].value.~T();
    }
    for (std::size_t i = 0; i < capacity_; ++i) slots_[i].~Slot();
    ::operator delete[](slots_, std::align_val_t{alignof(Slot)});
  }

  SpscChannel(const SpscChannel&) = delete;
  SpscChannel& operator=(const SpscChannel&) = delete;

  std::size_t capacity() const { return capacity_; }

  // Producer side. False when full; the item is left untouched.
  template <typename U>
  bool try_push(U&& item) {
    const std::uint64_t tail = producer_.tail.load(std::memory_order_relaxed);
    Slot& slot = slots_[tail & mask_];
    if (slot.turn.load(std::memory_order_acquire) != tail) return false;
    new (&slot.value) T(std::forward<U>(item));
    slot.turn.store(tail + 1, std::memory_order_release);
    producer_.tail.store(tail + 1, std::memory_order_relaxed);
    return true;
  }

  // Pushes items[0..n) in order until full; returns how many were pushed (moved from).
  std::size_t try_push_batch(T* items, std::size_t n) {
    const std::uint64_t tail = producer_.tail.load(std::memory_order_relaxed);
    std::size_t count = 0;
    while (count < n && count < capacity_ &&
           slots_[(tail + count) & mask_].turn.load(std::memory_order_acquire) == tail + count) {
      ++count;
    }
    for (std::size_t i = 0; i < count; ++i) {
      Slot& slot = slots_[(tail + i) & mask_];
      new (&slot.value) T(std::move(items[i]));
      slot.turn.store(tail + i + 1, std::memory_order_release);
    }
    if (count) producer_.tail.store(tail + count, std::memory_order_relaxed);
    return count;
  }

  // Consumer side. False when empty.
  bool try_pop(T& out) {
    const std::uint64_t head = consumer_.head.load(std::memory_order_relaxed);
    Slot& slot = slots_[head & mask_];
    if (slot.turn.load(std::memory_order_acquire) != head + 1) return false;
    out = std::move(slot.value);
    slot.value.~T();
    slot.turn.store(head + capacity_, std::memory_order_release);
    consumer_.head.store(head + 1, std::memory_order_relaxed);
    return true;
  }

  // Pops up to n items into out[0..n); returns how many.
  std::size_t try_pop_batch(T* out, std::size_t n) {
    const std::uint64_t head = consumer_.head.load(std::memory_order_relaxed);
    std::size_t count = 0;
    while (count < n && slots_[(head + count) & mask_].turn.load(std::memory_order_acquire) ==
                            head + count + 1) {
      Slot& slot = slots_[(head + count) & mask_];
      out[count] = std::move(slot.value);
      slot.value.~T();
      slot.turn.store(head + count + capacity_, std::memory_order_release);
      ++count;
    }
    if (count) consumer_.head.store(head + count, std::memory_order_relaxed);
    return count;
  }

  // Approximate from any thread; exact from either side when the other is idle.
  std::size_t size_approx() const {
    const std::uint64_t tail = producer_.tail.load(std::memory_order_acquire);
    const std::uint64_t head = consumer_.head.load(std::memory_order_acquire);
    return tail >= head ? static_cast<std::size_t>(tail - head) : 0;
  }
  bool empty_approx() const { return size_approx() == 0; }

 private:
  // The turn number lives in the slot, beside the item: `position` when the slot is free for the
  // producer writing that position, `position + 1` once it holds that item, `position +
  // capacity` once consumed (free for the next lap). A side learns "there is an item" or "there
  // is room" from the very cache line it must touch anyway, so a hand-off moves one line between
  // cores. A shared head/tail index (even cached, as in rigtorp/SPSCQueue) adds a second line
  // that bounces; on the 2-vCPU lab VM that design measured 0.3-1.5x boost's single-item
  // throughput, this one 1.6-2.8x (docs/runtime.md).
  struct Slot {
    std::atomic<std::uint64_t> turn;
    union {
      T value;
    };
    Slot() {}
    ~Slot() {}
  };

  // alignas(64): each side's position is written on every operation by its own thread only. On
  // a shared line every push would invalidate the consumer's copy and vice versa (false
  // sharing); each on its own line, they never leave their core's cache. They are atomics only
  // so size_approx may read them from another thread.
  struct alignas(kCacheLineBytes) ProducerSide {
    std::atomic<std::uint64_t> tail{0};
  };
  struct alignas(kCacheLineBytes) ConsumerSide {
    std::atomic<std::uint64_t> head{0};
  };

  alignas(kCacheLineBytes) const std::size_t capacity_;
  const std::size_t mask_;
  Slot* const slots_;
  ProducerSide producer_;
  ConsumerSide consumer_;
};

}  // namespace wirelab::runtime

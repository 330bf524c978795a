#include "protocols/runtime/real/real_executor.h"

#include <chrono>

#include "protocols/runtime/real/cpu_affinity.h"

namespace wirelab::runtime::real {

RealExecutor::RealExecutor(std::size_t threads, std::uint64_t seed, bool pin_cpus)
    : scheduler_(threads == 0 ? 1 : threads, seed) {
  for (std::size_t i = 0; i < scheduler_.worker_count(); ++i) {
    threads_.emplace_back([this, i, pin_cpus] { run(i, pin_cpus); });
  }
}

RealExecutor::~RealExecutor() { stop(); }

void RealExecutor::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wakeup_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void RealExecutor::wake() {
  // Seq-cst on both sides (the scheduler's size counters are seq-cst too): either this thread
  // sees the sleeper, or the sleeper's pending() sees the task just spawned (Dekker), so a post
  // never waits out a sleeper's timeout. Fences would do the same but TSan cannot check them.
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    // Taking the lock orders this notify after a sleeper's last check of the deques, so the
    // wake-up cannot fall between its check and its wait.
    std::lock_guard<std::mutex> lock(mutex_);
    wakeup_.notify_one();
  }
}

void RealExecutor::post(Task task) { post_with_priority(std::move(task), Priority::normal); }

void RealExecutor::post_with_priority(Task task, Priority priority) {
  scheduler_.spawn(std::move(task), priority);
  wake();
}

void RealExecutor::post_at(Timestamp when, Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    timers_.push(Timer{when, next_timer_sequence_++, std::move(task)});
  }
  // Every sleeper may be waiting for a later timer than this one.
  wakeup_.notify_all();
}

bool RealExecutor::fire_due_timers() {
  std::vector<Task> due;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const Timestamp now = clock_.now();
    while (!timers_.empty() && timers_.top().at <= now) {
      due.push_back(timers_.top().task);
      timers_.pop();
    }
  }
  for (auto& task : due) scheduler_.spawn(std::move(task), Priority::high);
  return !due.empty();
}

void RealExecutor::run(std::size_t worker, bool pin) {
  if (pin) pin_current_thread(worker % online_cpus());
  unsigned idle_rounds = 0;
  while (!stopping_.load(std::memory_order_acquire)) {
    fire_due_timers();
    if (scheduler_.run_one(worker)) {
      idle_rounds = 0;
      continue;
    }
    if (++idle_rounds < 64) {
      std::this_thread::yield();
      continue;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    if (!stopping_.load(std::memory_order_acquire) && scheduler_.pending() == 0) {
      if (timers_.empty()) {
        wakeup_.wait_for(lock, std::chrono::milliseconds(10));
      } else {
        const Duration until = timers_.top().at - clock_.now();
        if (until > Duration::zero()) wakeup_.wait_for(lock, until);
      }
    }
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    idle_rounds = 0;
  }
}

}  // namespace wirelab::runtime::real

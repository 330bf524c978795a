#include "protocols/runtime/work_stealing_scheduler.h"

#include <stdexcept>

namespace wirelab::runtime {

WorkStealingScheduler::WorkStealingScheduler(std::size_t workers, std::uint64_t seed) {
  if (workers == 0) throw std::invalid_argument("scheduler needs at least one worker");
  SeededRandom seeds(seed);
  for (std::size_t i = 0; i < workers; ++i) {
    workers_.push_back(std::make_unique<WorkerDeques>());
    workers_.back()->victim_random = seeds.fork();
  }
}

void WorkStealingScheduler::spawn_on(std::size_t worker, Task task, Priority priority) {
  WorkerDeques& deques = *workers_.at(worker);
  const auto level = static_cast<std::size_t>(priority);
  {
    std::lock_guard<std::mutex> lock(deques.mutex);
    deques.tasks[level].push_back(std::move(task));
    deques.sizes[level].fetch_add(1, std::memory_order_seq_cst);
  }
  spawned_.fetch_add(1, std::memory_order_relaxed);
}

void WorkStealingScheduler::spawn(Task task, Priority priority) {
  const std::size_t worker = next_worker_.fetch_add(1, std::memory_order_relaxed) % workers_.size();
  spawn_on(worker, std::move(task), priority);
}

std::optional<Task> WorkStealingScheduler::pop_own(WorkerDeques& own, std::size_t level) {
  if (own.sizes[level].load(std::memory_order_acquire) == 0) return std::nullopt;
  std::lock_guard<std::mutex> lock(own.mutex);
  auto& tasks = own.tasks[level];
  if (tasks.empty()) return std::nullopt;
  Task task = std::move(tasks.back());
  tasks.pop_back();
  own.sizes[level].fetch_sub(1, std::memory_order_release);
  return task;
}

std::optional<Task> WorkStealingScheduler::steal(WorkerDeques& victim, std::size_t level) {
  if (victim.sizes[level].load(std::memory_order_acquire) == 0) return std::nullopt;
  std::unique_lock<std::mutex> lock(victim.mutex, std::try_to_lock);
  // A busy victim lock means its owner or another thief is there; try the next victim rather
  // than queue behind it.
  if (!lock.owns_lock()) return std::nullopt;
  auto& tasks = victim.tasks[level];
  if (tasks.empty()) return std::nullopt;
  Task task = std::move(tasks.front());
  tasks.pop_front();
  victim.sizes[level].fetch_sub(1, std::memory_order_release);
  return task;
}

std::optional<Task> WorkStealingScheduler::next(std::size_t worker) {
  WorkerDeques& own = *workers_.at(worker);
  const std::size_t n = workers_.size();
  for (std::size_t level = 0; level < kPriorityLevels; ++level) {
    if (auto task = pop_own(own, level)) return task;
    if (n == 1) continue;
    const std::size_t start = own.victim_random.below(n);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t victim = (start + k) % n;
      if (victim == worker) continue;
      if (auto task = steal(*workers_[victim], level)) {
        own.stolen.fetch_add(1, std::memory_order_relaxed);
        return task;
      }
    }
  }
  return std::nullopt;
}

bool WorkStealingScheduler::run_one(std::size_t worker) {
  auto task = next(worker);
  if (!task) return false;
  (*task)();
  workers_[worker]->executed.fetch_add(1, std::memory_order_relaxed);
  return true;
}

std::size_t WorkStealingScheduler::pending() const {
  std::size_t total = 0;
  for (const auto& w : workers_) {
    for (const auto& size : w->sizes) total += size.load(std::memory_order_seq_cst);
  }
  return total;
}

SchedulerStats WorkStealingScheduler::stats() const {
  SchedulerStats stats;
  stats.spawned = spawned_.load(std::memory_order_relaxed);
  for (const auto& w : workers_) {
    stats.executed += w->executed.load(std::memory_order_relaxed);
    stats.stolen += w->stolen.load(std::memory_order_relaxed);
  }
  return stats;
}

}  // namespace wirelab::runtime

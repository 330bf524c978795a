// A work-stealing task scheduler with priorities, for work that has no owner (unlike messages to
// shared-nothing workers, which always go to their shard).
//
// Each worker has one deque per priority. The owner pushes and pops at the back (newest first:
// its data is still in cache); an idle worker steals from the front of a victim's deque (oldest
// first: the largest remaining pieces of work, and the end the owner is not touching). Priority
// is respected across workers: a worker looks for high-priority work everywhere — its own, then
// its victims' — before it runs normal or low work. Per-level counters let a thief skip empty
// deques without taking their locks. Victims are tried from a random start (the worker's own
// SeededRandom) so thieves spread out. Each deque has its own small lock: the uncontended
// owner path costs one uncontended lock, and a steal is rare by design.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/runtime/executor.h"
#include "protocols/runtime/spsc_channel.h"

namespace wirelab::runtime {

enum class Priority : std::uint8_t { high = 0, normal = 1, low = 2 };
inline constexpr std::size_t kPriorityLevels = 3;

struct SchedulerStats {
  std::uint64_t spawned = 0;
  std::uint64_t executed = 0;
  std::uint64_t stolen = 0;
};

class WorkStealingScheduler {
 public:
  WorkStealingScheduler(std::size_t workers, std::uint64_t seed);

  std::size_t worker_count() const { return workers_.size(); }

  // Any thread: onto the given worker's deque.
  void spawn_on(std::size_t worker, Task task, Priority priority = Priority::normal);
  // Any thread: onto the next worker in turn.
  void spawn(Task task, Priority priority = Priority::normal);

  // Called only by worker `worker`'s own thread: the next task it should run — its own or
  // stolen — or nothing when every deque is empty.
  std::optional<Task> next(std::size_t worker);
  // next() and run it; false when there was nothing to run.
  bool run_one(std::size_t worker);

  std::size_t pending() const;
  SchedulerStats stats() const;

 private:
  struct alignas(kCacheLineBytes) WorkerDeques {
    mutable std::mutex mutex;
    std::array<std::deque<Task>, kPriorityLevels> tasks;
    std::array<std::atomic<std::size_t>, kPriorityLevels> sizes{};
    SeededRandom victim_random{0};
    std::atomic<std::uint64_t> executed{0};
    std::atomic<std::uint64_t> stolen{0};
  };

  std::optional<Task> pop_own(WorkerDeques& own, std::size_t level);
  std::optional<Task> steal(WorkerDeques& victim, std::size_t level);

  std::vector<std::unique_ptr<WorkerDeques>> workers_;
  alignas(kCacheLineBytes) std::atomic<std::uint64_t> spawned_{0};
  std::atomic<std::size_t> next_worker_{0};
};

}  // namespace wirelab::runtime

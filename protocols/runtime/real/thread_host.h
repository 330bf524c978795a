// Hosts a WorkerPool on real threads: one thread per worker, optionally pinned to CPU i mod
// online CPUs, each calling pool.step(i, now) in a loop until its worker stops.
//
// An idle worker spins briefly (a message usually arrives within microseconds under load), then
// yields, then sleeps 50 us at a time: low latency when busy without burning a core when idle.
#pragma once

#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

#include "protocols/runtime/real/cpu_affinity.h"
#include "protocols/runtime/real/steady_clock.h"
#include "protocols/runtime/worker_pool.h"

namespace wirelab::runtime::real {

struct ThreadHostConfig {
  bool pin_cpus = false;
  unsigned spins_before_yield = 256;
  unsigned yields_before_sleep = 64;
  std::chrono::microseconds idle_sleep{50};
};

template <typename Msg>
class ThreadHost {
 public:
  ThreadHost(WorkerPool<Msg>& pool, ThreadHostConfig config = {}) : pool_(pool), config_(config) {}
  ~ThreadHost() {
    pool_.stop_all();
    join();
  }
  ThreadHost(const ThreadHost&) = delete;
  ThreadHost& operator=(const ThreadHost&) = delete;

  void start() {
    for (std::size_t i = 0; i < pool_.worker_count(); ++i) {
      threads_.emplace_back([this, i] { run_worker(i); });
    }
  }

  void join() {
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    threads_.clear();
  }

  // The block overflow policy made real: wait (yielding) until the mailbox takes the message or
  // the worker stops.
  OfferOutcome submit_blocking(std::size_t worker, Msg& message) {
    for (;;) {
      const OfferOutcome outcome = pool_.submit_to(worker, message, clock_.now());
      if (outcome != OfferOutcome::would_block) return outcome;
      std::this_thread::yield();
    }
  }

  const SteadyClock& clock() const { return clock_; }

 private:
  void run_worker(std::size_t i) {
    if (config_.pin_cpus) pin_current_thread(i % online_cpus());
    unsigned idle_rounds = 0;
    while (pool_.state(i) != WorkerState::stopped) {
      if (pool_.step(i, clock_.now())) {
        idle_rounds = 0;
        continue;
      }
      ++idle_rounds;
      if (idle_rounds < config_.spins_before_yield) continue;
      if (idle_rounds < config_.spins_before_yield + config_.yields_before_sleep) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(config_.idle_sleep);
      }
    }
  }

  WorkerPool<Msg>& pool_;
  ThreadHostConfig config_;
  SteadyClock clock_;
  std::vector<std::thread> threads_;
};

}  // namespace wirelab::runtime::real

// A pool of shared-nothing workers: each worker owns its state and is reached only through its
// mailbox, a bounded lock-free channel. Seastar's rule — cross-core work is a message, never a
// lock — with Erlang's lifecycle and supervision around it.
//
// Lifecycle per worker: on_init once before its first message, on_message for each message,
// on_tick every tick_interval, on_shutdown once when it stops (or before a restart). Control
// messages (stop, pause, resume, ping) travel on a separate small channel and are handled before
// any data message, so `stop` is not stuck behind a full mailbox. A handler that throws sends its
// message to the dead-letter queue and its worker to the Supervisor, which restarts it (or its
// siblings, per strategy) after a back-off, or escalates and stops the pool.
//
// The pool is host-agnostic: it never creates a thread or reads a clock. A host calls step(i,
// now) for worker i from exactly one thread at a time — real/thread_host.h runs one thread per
// worker; a SimExecutor can call it from events. submit_to() and control() are safe from any
// thread. Overflow follows the mailbox policy (backpressure.h): block returns would_block and
// the host waits; reject and shed-oldest dead-letter a message. Each mailbox raises an upstream
// pressure flag at its high watermark and clears it at the low one.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "protocols/runtime/backpressure.h"
#include "protocols/runtime/dead_letter_queue.h"
#include "protocols/runtime/mpmc_channel.h"
#include "protocols/runtime/partitioner.h"
#include "protocols/runtime/supervisor.h"

namespace wirelab::runtime {

enum class WorkerState : std::uint8_t { created, running, paused, restarting, stopped };
enum class ControlKind : std::uint8_t { stop, pause, resume, ping, restart };

const char* to_string(WorkerState state);

struct ControlMessage {
  ControlKind kind;
  std::uint64_t ping_id = 0;
  Timestamp restart_at{};  // restart only: when the new incarnation may start
};

struct WorkerContext {
  std::size_t worker;
  Timestamp now;
  std::uint32_t incarnation;  // 0 at first start, +1 per restart
};

template <typename Msg>
class Worker {
 public:
  virtual ~Worker() = default;
  virtual void on_init(WorkerContext&) {}
  virtual void on_message(Msg& message, WorkerContext& context) = 0;
  virtual void on_tick(WorkerContext&) {}
  virtual void on_shutdown(WorkerContext&) {}
};

struct WorkerPoolConfig {
  std::size_t workers = 1;
  std::size_t mailbox_capacity = 1024;
  OverflowPolicy overflow = OverflowPolicy::block;
  std::size_t high_watermark = 768;  // pressure raised at this depth
  std::size_t low_watermark = 256;   // and cleared at this one
  std::size_t max_batch = 64;        // messages per step, so ticks and control stay timely
  Duration tick_interval = std::chrono::milliseconds(1);
  SupervisorConfig supervision{};
  std::size_t dead_letter_capacity = 4096;
};

template <typename Msg>
class WorkerPool {
 public:
  using Factory = std::function<std::unique_ptr<Worker<Msg>>(std::size_t worker)>;
  using PressureListener = std::function<void(std::size_t worker, bool raised)>;
  using PongListener = std::function<void(std::size_t worker, std::uint64_t ping_id)>;

  WorkerPool(WorkerPoolConfig config, Factory factory)
      : config_(config), factory_(std::move(factory)), supervisor_(config.supervision, config.workers),
        dead_letters_(config.dead_letter_capacity) {
    if (config_.workers == 0 || config_.max_batch == 0 ||
        config_.low_watermark >= config_.high_watermark) {
      throw std::invalid_argument("worker pool: workers > 0, max_batch > 0, low < high watermark");
    }
    for (std::size_t i = 0; i < config_.workers; ++i) {
      cells_.push_back(std::make_unique<Cell>(config_.mailbox_capacity));
    }
  }

  std::size_t worker_count() const { return cells_.size(); }

  // Any thread. On would_block / rejected the message is left in `message`.
  OfferOutcome submit_to(std::size_t worker, Msg& message, Timestamp now) {
    Cell& cell = *cells_.at(worker);
    const WorkerState state = cell.state.load(std::memory_order_acquire);
    if (state == WorkerState::stopped) {
      dead_letters_.put({std::move(message), DeadLetterReason::undeliverable, worker, now, "worker stopped"});
      return OfferOutcome::rejected;
    }
    OfferOutcome outcome = OfferOutcome::accepted;
    while (!cell.mailbox.try_push(std::move(message))) {
      if (config_.overflow == OverflowPolicy::block) return OfferOutcome::would_block;
      if (config_.overflow == OverflowPolicy::reject) {
        dead_letters_.put({std::move(message), DeadLetterReason::rejected, worker, now, "mailbox full"});
        return OfferOutcome::rejected;
      }
      Msg oldest;
      if (cell.mailbox.try_pop(oldest)) {
        dead_letters_.put({std::move(oldest), DeadLetterReason::shed, worker, now, "shed for newer"});
        outcome = OfferOutcome::accepted_after_shedding;
      }
    }
    if (cell.mailbox.size_approx() >= config_.high_watermark) {
      bool expected = false;
      if (cell.pressure.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
        notify_pressure(worker, true);
      }
    }
    return outcome;
  }

  // Any thread: route by key with the caller's own partitioner (partitioners are not shared
  // between producers: round robin has state).
  OfferOutcome submit(Partitioner& partitioner, std::uint64_t key, Msg& message, Timestamp now) {
    return submit_to(partitioner.shard_for(key), message, now);
  }

  // Any thread. False if the control channel is full (it holds 64; a caller spamming control
  // messages has a bug).
  bool control(std::size_t worker, ControlMessage message) {
    return cells_.at(worker)->control.try_push(message);
  }
  void stop_all() {
    for (std::size_t i = 0; i < cells_.size(); ++i) control(i, {ControlKind::stop});
  }

  // Only from the one thread hosting worker `worker`. Returns true if it did any work (so a
  // host knows when to back off).
  bool step(std::size_t worker, Timestamp now) {
    Cell& cell = *cells_.at(worker);
    bool did_work = false;
    WorkerState state = cell.state.load(std::memory_order_relaxed);
    if (state == WorkerState::stopped) return false;

    // A new worker starts before its first control message, so pause or stop sent before it
    // ever ran still sees on_init first and the lifecycle is always init ... shutdown.
    if (state == WorkerState::created) {
      start(worker, cell, now);
      state = WorkerState::running;
      did_work = true;
    }

    ControlMessage control_message{};
    while (cell.control.try_pop(control_message)) {
      did_work = true;
      state = apply_control(worker, cell, control_message, now);
      if (state == WorkerState::stopped) return true;
    }

    if (state == WorkerState::restarting && now >= cell.restart_at) {
      start(worker, cell, now);
      state = WorkerState::running;
      did_work = true;
    }
    if (state != WorkerState::running) return did_work;

    std::size_t handled = 0;
    Msg message;
    while (handled < config_.max_batch && cell.mailbox.try_pop(message)) {
      ++handled;
      WorkerContext context{worker, now, cell.incarnation};
      try {
        cell.worker->on_message(message, context);
      } catch (const std::exception& error) {
        fail(worker, cell, std::move(message), now, error.what());
        return true;
      } catch (...) {
        fail(worker, cell, std::move(message), now, "unknown exception");
        return true;
      }
    }
    cell.handled.fetch_add(handled, std::memory_order_relaxed);
    did_work = did_work || handled > 0;
    if (cell.pressure.load(std::memory_order_relaxed) &&
        cell.mailbox.size_approx() <= config_.low_watermark) {
      bool expected = true;
      if (cell.pressure.compare_exchange_strong(expected, false, std::memory_order_acq_rel)) {
        notify_pressure(worker, false);
      }
    }

    if (now >= cell.next_tick) {
      WorkerContext context{worker, now, cell.incarnation};
      cell.worker->on_tick(context);
      cell.next_tick = now + config_.tick_interval;
      did_work = true;
    }
    return did_work;
  }

  // When worker `worker` next needs a step with no new message (its next tick or restart);
  // a simulated host schedules its next step there.
  Timestamp next_deadline(std::size_t worker) const {
    const Cell& cell = *cells_.at(worker);
    switch (cell.state.load(std::memory_order_relaxed)) {
      case WorkerState::created: return kTimeZero;
      case WorkerState::running: return cell.next_tick;
      case WorkerState::restarting: return cell.restart_at;
      default: return kTimeInfinite;
    }
  }

  WorkerState state(std::size_t worker) const {
    return cells_.at(worker)->state.load(std::memory_order_acquire);
  }
  bool under_pressure(std::size_t worker) const {
    return cells_.at(worker)->pressure.load(std::memory_order_acquire);
  }
  std::uint64_t handled(std::size_t worker) const {
    return cells_.at(worker)->handled.load(std::memory_order_relaxed);
  }
  std::uint64_t last_pong(std::size_t worker) const {
    return cells_.at(worker)->last_pong.load(std::memory_order_acquire);
  }
  std::uint32_t incarnation(std::size_t worker) const {
    return cells_.at(worker)->incarnation_seen.load(std::memory_order_acquire);
  }
  bool all_stopped() const {
    for (const auto& cell : cells_) {
      if (cell->state.load(std::memory_order_acquire) != WorkerState::stopped) return false;
    }
    return true;
  }
  bool escalated() const { return escalated_.load(std::memory_order_acquire); }
  DeadLetterQueue<Msg>& dead_letters() { return dead_letters_; }

  // Set before the host starts; called from producer or worker threads.
  void on_pressure(PressureListener listener) { pressure_listener_ = std::move(listener); }
  void on_pong(PongListener listener) { pong_listener_ = std::move(listener); }

 private:
  struct alignas(kCacheLineBytes) Cell {
    explicit Cell(std::size_t capacity) : mailbox(capacity), control(64) {}
    MpmcChannel<Msg> mailbox;
    MpmcChannel<ControlMessage> control;
    std::atomic<WorkerState> state{WorkerState::created};
    std::atomic<bool> pressure{false};
    std::atomic<std::uint64_t> handled{0};
    std::atomic<std::uint64_t> last_pong{0};
    std::atomic<std::uint32_t> incarnation_seen{0};
    // Owned by the hosting thread only.
    std::unique_ptr<Worker<Msg>> worker;
    std::uint32_t incarnation = 0;
    bool started_once = false;
    Timestamp next_tick{};
    Timestamp restart_at{};
  };

  void notify_pressure(std::size_t worker, bool raised) {
    if (pressure_listener_) pressure_listener_(worker, raised);
  }

  void start(std::size_t worker, Cell& cell, Timestamp now) {
    if (cell.started_once) ++cell.incarnation;
    cell.started_once = true;
    cell.incarnation_seen.store(cell.incarnation, std::memory_order_release);
    cell.worker = factory_(worker);
    WorkerContext context{worker, now, cell.incarnation};
    cell.worker->on_init(context);
    cell.next_tick = now + config_.tick_interval;
    cell.state.store(WorkerState::running, std::memory_order_release);
  }

  void shut_down(std::size_t worker, Cell& cell, Timestamp now) {
    if (!cell.worker) return;
    WorkerContext context{worker, now, cell.incarnation};
    try {
      cell.worker->on_shutdown(context);
    } catch (...) {
      // A worker already being replaced cannot fail any further; its replacement starts clean.
    }
    cell.worker.reset();
  }

  WorkerState apply_control(std::size_t worker, Cell& cell, const ControlMessage& message,
                            Timestamp now) {
    WorkerState state = cell.state.load(std::memory_order_relaxed);
    switch (message.kind) {
      case ControlKind::stop: {
        shut_down(worker, cell, now);
        cell.state.store(WorkerState::stopped, std::memory_order_release);
        Msg left;
        while (cell.mailbox.try_pop(left)) {
          dead_letters_.put({std::move(left), DeadLetterReason::undeliverable, worker, now, "worker stopped"});
        }
        return WorkerState::stopped;
      }
      case ControlKind::pause:
        if (state == WorkerState::running) state = WorkerState::paused;
        break;
      case ControlKind::resume:
        if (state == WorkerState::paused) state = WorkerState::running;
        break;
      case ControlKind::ping:
        cell.last_pong.store(message.ping_id, std::memory_order_release);
        if (pong_listener_) pong_listener_(worker, message.ping_id);
        break;
      case ControlKind::restart:
        shut_down(worker, cell, now);
        cell.restart_at = message.restart_at;
        state = WorkerState::restarting;
        break;
    }
    cell.state.store(state, std::memory_order_release);
    return state;
  }

  void fail(std::size_t worker, Cell& cell, Msg message, Timestamp now, const std::string& what) {
    dead_letters_.put({std::move(message), DeadLetterReason::handler_failed, worker, now, what});
    SupervisorDecision decision;
    {
      std::lock_guard<std::mutex> lock(supervisor_mutex_);
      decision = supervisor_.on_child_failed(worker, now);
    }
    if (decision.escalate) {
      escalated_.store(true, std::memory_order_release);
      stop_all();
      shut_down(worker, cell, now);
      cell.state.store(WorkerState::restarting, std::memory_order_release);
      cell.restart_at = kTimeInfinite;
      return;
    }
    // The failed worker restarts itself here; siblings are told through their control channel,
    // since their state belongs to their own threads.
    for (std::size_t child : decision.restart) {
      if (child == worker) {
        shut_down(worker, cell, now);
        cell.restart_at = decision.restart_at;
        cell.state.store(WorkerState::restarting, std::memory_order_release);
      } else {
        control(child, {ControlKind::restart, 0, decision.restart_at});
      }
    }
  }

  WorkerPoolConfig config_;
  Factory factory_;
  std::vector<std::unique_ptr<Cell>> cells_;
  std::mutex supervisor_mutex_;
  Supervisor supervisor_;
  DeadLetterQueue<Msg> dead_letters_;
  std::atomic<bool> escalated_{false};
  PressureListener pressure_listener_;
  PongListener pong_listener_;
};

}  // namespace wirelab::runtime

#include "harness/emu/emu_backend.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "harness/emu/tap_namespaces.h"
#include "harness/real/monotonic_clock.h"
#include "harness/real/real_backend.h"
#include "harness/real/run_control.h"
#include "sim/emu_link.h"

namespace wirelab::emu {
namespace {

RunResult failed(std::string error) {
  RunResult result;
  result.status = RunResult::Status::kFailed;
  result.error = std::move(error);
  return result;
}

// The link thread: started before the flow, stopped (and joined) after it, on every way out.
class LinkThread {
 public:
  LinkThread(const TapNamespaces& taps, const RunSpec& spec) {
    sim::EmuLinkConfig config;
    // The client (namespace b) sends the bulk data: the forward direction starts at its TAP.
    config.sender_tap_fd = taps.duplicate_tap(real::Side::kClient);
    config.sender_tap_mac = taps.tap_mac(real::Side::kClient);
    config.receiver_tap_fd = taps.duplicate_tap(real::Side::kServer);
    config.receiver_tap_mac = taps.tap_mac(real::Side::kServer);
    config.forward = spec.link;
    config.reverse = spec.reverse;
    config.seed = spec.seed;
    thread_ = std::thread([this, config] {
      // No real-time priority: ns-3's wall-clock synchronizer sleeps, then spins through the last
      // few milliseconds (jiffies) before each event, so with traffic (and the 1 ms lag probe)
      // this thread is always runnable; as SCHED_FIFO it would starve the endpoints of a small
      // machine. The lag watch tells when the machine could not keep up instead.
      try {
        report_ = sim::run_emu_link(
            config, stop_, [this] { set_state(State::kRunning); },
            [this](const std::string& reason) {
              std::lock_guard<std::mutex> lock(mutex_);
              lag_failure_ = reason;
              if (control_) control_->fail(reason);
            });
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = std::string("emu: the ns-3 link failed: ") + e.what();
      }
      set_state(State::kEnded);
    });
  }
  ~LinkThread() { stop(); }

  // Waits until the link forwards packets; false when it ended before (error() says why).
  bool wait_running() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return state_ != State::kStarting; });
    return state_ == State::kRunning;
  }
  // The run's control, told when the emulator falls behind; detached (nullptr) before it dies.
  void attach(real::RunControl* control) {
    std::lock_guard<std::mutex> lock(mutex_);
    control_ = control;
    if (control_ && !lag_failure_.empty()) control_->fail(lag_failure_);
  }
  void stop() {
    stop_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
  }
  // After stop():
  const sim::EmuLinkReport& report() const { return report_; }
  const std::string& error() const { return error_; }

 private:
  enum class State { kStarting, kRunning, kEnded };
  void set_state(State state) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::kEnded) state_ = state;
    changed_.notify_all();
  }

  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  State state_ = State::kStarting;
  real::RunControl* control_ = nullptr;
  std::string lag_failure_;
  std::string error_;
  sim::EmuLinkReport report_;
  std::thread thread_;
};

void add_link_metrics(const sim::EmuLinkReport& link, RunResult& result) {
  result.add("emu_lag_max_s", link.lag_max_s, "s");
  result.add("emu_lag_p99_s", link.lag_p99_s, "s");
  result.add("emu_lag_mean_s", link.lag_mean_s, "s");
  result.add("emu_lag_limit_s", link.lag_limit_s, "s");
  result.add("emu_lag_spike_limit_s", link.lag_spike_limit_s, "s");
  result.add("emu_forward_packets", static_cast<double>(link.forward_packets), "count");
  result.add("emu_forward_dropped", static_cast<double>(link.forward_dropped), "count");
  result.add("emu_reverse_packets", static_cast<double>(link.reverse_packets), "count");
  result.add("emu_reverse_dropped", static_cast<double>(link.reverse_dropped), "count");
}

}  // namespace

std::string spec_unsupported_reason(const RunSpec& spec) {
  if (spec.link.mtu != spec.reverse.mtu) return "the emu backend needs the same link.mtu in both directions";
  return real::flow_unsupported_reason(spec, "emu");
}

std::string unsupported_reason(const RunSpec& spec) {
  if (const std::string reason = spec_unsupported_reason(spec); !reason.empty()) return reason;
  if (geteuid() != 0) return "the emu backend needs root (network namespaces, TAP devices)";
  return "";
}

RunResult run(const RunSpec& spec) {
  try {
    if (const std::string reason = unsupported_reason(spec); !reason.empty()) return failed(reason);
    // Declared first, destroyed last: the namespaces outlive the link thread and the flow.
    TapNamespaces taps(spec.link.mtu);
    LinkThread link(taps, spec);
    if (!link.wait_running()) {
      link.stop();
      if (!link.error().empty()) return failed(link.error());
      return failed(link.report().lag_failure.empty() ? "emu: the ns-3 link ended before it started"
                                                      : link.report().lag_failure);
    }
    RunResult result;
    {
      real::RunControl control(real::monotonic_now(), spec.duration_s);
      link.attach(&control);
      try {
        result = real::run_flow(spec, taps, control);
      } catch (...) {
        link.attach(nullptr);
        throw;
      }
      link.attach(nullptr);
    }
    link.stop();
    if (!link.error().empty()) return failed(link.error());
    const sim::EmuLinkReport& report = link.report();
    add_link_metrics(report, result);
    if (!report.lag_failure.empty()) {
      result.status = RunResult::Status::kFailed;
      result.error = report.lag_failure;
    }
    // A packet the kernel dropped at a TAP because the link did not read it in time is a loss
    // the link model never made: the run's numbers would be wrong.
    std::uint64_t tap_dropped = 0;
    for (real::Side side : {real::Side::kClient, real::Side::kServer}) tap_dropped += taps.tap_tx_dropped(side).value_or(0);
    result.add("emu_tap_dropped", static_cast<double>(tap_dropped), "count");
    if (tap_dropped > 0 && result.status == RunResult::Status::kOk) {
      result.status = RunResult::Status::kFailed;
      result.error = "emu: the kernel dropped " + std::to_string(tap_dropped) +
                     " packet(s) at a TAP before the ns-3 link could read them; the link cannot be emulated at "
                     "this rate on this machine";
    }
    return result;
  } catch (const std::exception& e) {
    return failed(e.what());
  }
}

}  // namespace wirelab::emu

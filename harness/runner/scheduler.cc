#include "harness/runner/scheduler.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <map>

#include <nlohmann/json.hpp>

#include "harness/store/results_store.h"

namespace wirelab {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

const char* status_name(RunResult::Status s) {
  switch (s) {
    case RunResult::Status::kOk: return "ok";
    case RunResult::Status::kFailed: return "failed";
    case RunResult::Status::kTimeout: return "timeout";
  }
  return "failed";
}

RunResult::Status status_from(const std::string& s) {
  if (s == "ok") return RunResult::Status::kOk;
  if (s == "timeout") return RunResult::Status::kTimeout;
  return RunResult::Status::kFailed;
}

struct Worker {
  pid_t pid = -1;
  int fd = -1;
  std::size_t index = 0;
  std::string output;
  std::chrono::steady_clock::time_point started;
  std::string started_at;
  double limit_s = 0;
  bool killed_for_time = false;
};

[[noreturn]] void child_main(const RunSpec& spec, const BackendFn& backend, int fd, pid_t parent) {
  // Die with the parent: a SIGKILLed campaign must not leave runs going on without it. The
  // parent may already have died between fork() and prctl(), when no signal would ever come.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  RunResult result;
  try {
    result = backend(spec);
  } catch (const std::exception& e) {
    result = RunResult{};
    result.status = RunResult::Status::kFailed;
    result.error = std::string("backend error: ") + e.what();
  }
  const std::string out = serialize_result(result);
  std::size_t off = 0;
  while (off < out.size()) {
    const ssize_t n = ::write(fd, out.data() + off, out.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(3);
    }
    off += static_cast<std::size_t>(n);
  }
  ::close(fd);
  _exit(0);
}

}  // namespace

std::string serialize_result(const RunResult& r) {
  nlohmann::json j;
  j["status"] = status_name(r.status);
  j["error"] = r.error;
  j["sim_seconds"] = r.sim_seconds;
  auto& m = j["metrics"] = nlohmann::json::array();
  for (const auto& x : r.metrics) m.push_back({x.name, x.value, x.unit});
  auto& s = j["series"] = nlohmann::json::array();
  for (const auto& x : r.series) s.push_back({x.name, x.t_s, x.value});
  auto& a = j["artifacts"] = nlohmann::json::array();
  for (const auto& x : r.artifacts) a.push_back({x.kind, x.path});
  if (!r.log.empty()) j["log"] = r.log;
  // Doubles survive the trip bit for bit: nlohmann prints the shortest round-tripping form.
  return j.dump();
}

RunResult deserialize_result(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  RunResult r;
  r.status = status_from(j.at("status").get<std::string>());
  r.error = j.at("error").get<std::string>();
  r.sim_seconds = j.at("sim_seconds").get<double>();
  for (const auto& x : j.at("metrics")) r.metrics.push_back({x[0].get<std::string>(), x[1].get<double>(), x[2].get<std::string>()});
  for (const auto& x : j.at("series")) r.series.push_back({x[0].get<std::string>(), x[1].get<double>(), x[2].get<double>()});
  if (j.contains("artifacts"))
    for (const auto& x : j.at("artifacts")) r.artifacts.push_back({x[0].get<std::string>(), x[1].get<std::string>()});
  if (j.contains("log")) r.log = j.at("log").get<std::vector<std::string>>();
  return r;
}

bool run_all(const std::vector<RunSpec>& runs, const BackendFn& backend, const SchedulerOptions& options,
             const std::function<void(FinishedRun&&)>& on_finished, const std::function<void()>& on_tick) {
  g_interrupted = 0;
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  const unsigned jobs = options.jobs == 0 ? 1 : options.jobs;
  std::deque<std::size_t> pending;
  for (std::size_t i = 0; i < runs.size(); ++i) pending.push_back(i);
  std::map<int, Worker> active;  // by pipe fd

  auto finish = [&](Worker& w, int wait_status, const struct rusage& usage) {
    FinishedRun done;
    done.index = w.index;
    done.started_at = w.started_at;
    done.finished_at = utc_now_iso8601();
    done.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - w.started).count();
    done.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
    done.peak_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;
    if (w.killed_for_time) {
      done.result.status = RunResult::Status::kTimeout;
      done.result.error = "killed after " + std::to_string(static_cast<long>(w.limit_s)) + " s of wall time";
    } else if (WIFSIGNALED(wait_status)) {
      const int sig = WTERMSIG(wait_status);
      done.result.status = RunResult::Status::kFailed;
      done.result.error = "crashed: signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
    } else if (WEXITSTATUS(wait_status) != 0 || w.output.empty()) {
      done.result.status = RunResult::Status::kFailed;
      done.result.error = "worker exited with status " + std::to_string(WEXITSTATUS(wait_status)) + " and no result";
    } else {
      try {
        done.result = deserialize_result(w.output);
      } catch (const std::exception& e) {
        done.result.status = RunResult::Status::kFailed;
        done.result.error = std::string("unreadable worker result: ") + e.what();
      }
    }
    on_finished(std::move(done));
  };

  while ((!pending.empty() || !active.empty())) {
    if (g_interrupted) break;
    while (!pending.empty() && active.size() < jobs) {
      const std::size_t index = pending.front();
      pending.pop_front();
      int fds[2];
      if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
      Worker w;
      w.index = index;
      w.started = std::chrono::steady_clock::now();
      w.started_at = utc_now_iso8601();
      w.limit_s = options.wall_limit_s ? options.wall_limit_s(runs[index]) : 0;
      const pid_t parent = getpid();
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
      if (pid == 0) {
        ::close(fds[0]);
        child_main(runs[index], backend, fds[1], parent);
      }
      ::close(fds[1]);
      w.pid = pid;
      w.fd = fds[0];
      active.emplace(w.fd, std::move(w));
    }
    std::vector<pollfd> pfds;
    for (const auto& [fd, _] : active) pfds.push_back({fd, POLLIN, 0});
    const int n = ::poll(pfds.data(), pfds.size(), 500);
    if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    for (const auto& p : pfds) {
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Worker& w = active.at(p.fd);
      char buf[65536];
      const ssize_t got = ::read(p.fd, buf, sizeof buf);
      if (got > 0) {
        w.output.append(buf, static_cast<std::size_t>(got));
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      // EOF: the child is done (or dead); reap it with its resource usage.
      int wait_status = 0;
      struct rusage usage {};
      while (wait4(w.pid, &wait_status, 0, &usage) < 0 && errno == EINTR) {
      }
      ::close(w.fd);
      Worker finished = std::move(w);
      active.erase(p.fd);
      finish(finished, wait_status, usage);
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto& [fd, w] : active) {
      if (w.limit_s > 0 && !w.killed_for_time &&
          std::chrono::duration<double>(now - w.started).count() > w.limit_s) {
        w.killed_for_time = true;
        kill(w.pid, SIGKILL);
      }
    }
    if (on_tick) on_tick();
  }

  const bool interrupted = g_interrupted != 0;
  for (auto& [fd, w] : active) {
    kill(w.pid, SIGKILL);
    int st = 0;
    waitpid(w.pid, &st, 0);
    ::close(fd);
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return !interrupted;
}

}  // namespace wirelab

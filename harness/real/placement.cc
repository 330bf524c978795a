#include "harness/real/placement.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "harness/real/datagram_socket.h"

extern char** environ;

namespace wirelab::real {
namespace {

constexpr const char* kNetnsDir = "/run/netns";
constexpr const char* kNamePrefix = "wl-";
// 10.213.0.1 (server, namespace a) and 10.213.0.2 (client, namespace b), a /30 of their own.
constexpr std::uint32_t kServerIp = (10u << 24) | (213u << 16) | 1u;
constexpr std::uint32_t kClientIp = (10u << 24) | (213u << 16) | 2u;

void must_run_ip(const std::vector<std::string>& args) {
  if (run_ip(args) == 0) return;
  std::string command = "ip";
  for (const auto& a : args) command += " " + a;
  throw PlacementError("placement namespaces: '" + command +
                       "' failed (network namespaces need root and the iproute2 `ip` tool)");
}

// A killed run's process may linger as a zombie until its parent reaps it; it runs nothing.
bool process_alive(pid_t pid) {
  if (kill(pid, 0) != 0) return errno != ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

sockaddr_in address_of(std::uint32_t ip) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(ip);
  return a;
}

class LoopbackPlacement : public Placement {
 public:
  sockaddr_in address(Side) const override { return loopback_address(0); }
  void within(Side, const std::function<void()>& fn) const override { fn(); }
};

class NamespacePlacement : public Placement {
 public:
  explicit NamespacePlacement(std::uint32_t mtu) {
    remove_stale_namespaces();
    const std::string pid = std::to_string(getpid());
    names_[0] = kNamePrefix + pid + "-a";
    names_[1] = kNamePrefix + pid + "-b";
    // A namespace of ours left over from an earlier run of this process (it cannot be in use:
    // runs of one process are sequential).
    for (const auto& n : names_) run_ip({"netns", "del", n});
    try {
      const std::string veth_a = "wl" + pid + "a", veth_b = "wl" + pid + "b";
      for (const auto& n : names_) must_run_ip({"netns", "add", n});
      must_run_ip({"link", "add", veth_a, "netns", names_[0], "mtu", std::to_string(mtu), "type", "veth", "peer",
                   "name", veth_b, "netns", names_[1], "mtu", std::to_string(mtu)});
      must_run_ip({"-n", names_[0], "addr", "add", "10.213.0.1/30", "dev", veth_a});
      must_run_ip({"-n", names_[1], "addr", "add", "10.213.0.2/30", "dev", veth_b});
      for (int i = 0; i < 2; ++i) {
        must_run_ip({"-n", names_[i], "link", "set", "lo", "up"});
        must_run_ip({"-n", names_[i], "link", "set", i == 0 ? veth_a : veth_b, "up"});
      }
      own_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      for (int i = 0; i < 2; ++i) fds_[i] = open((std::string(kNetnsDir) + "/" + names_[i]).c_str(), O_RDONLY | O_CLOEXEC);
      if (own_ < 0 || fds_[0] < 0 || fds_[1] < 0)
        throw PlacementError(std::string("placement namespaces: cannot open a namespace: ") + std::strerror(errno));
    } catch (...) {
      remove();
      throw;
    }
  }
  ~NamespacePlacement() override { remove(); }

  sockaddr_in address(Side side) const override { return address_of(side == Side::kServer ? kServerIp : kClientIp); }

  void within(Side side, const std::function<void()>& fn) const override {
    if (setns(fds_[side == Side::kServer ? 0 : 1], CLONE_NEWNET) != 0)
      throw PlacementError(std::string("setns: ") + std::strerror(errno));
    struct Back {
      int fd;
      ~Back() { setns(fd, CLONE_NEWNET); }
    } back{own_};
    fn();
  }

 private:
  void remove() {
    for (int& fd : fds_) {
      if (fd >= 0) close(fd);
      fd = -1;
    }
    if (own_ >= 0) close(own_);
    own_ = -1;
    // Deleting a namespace takes its end of the veth pair, and so the whole pair, with it.
    for (const auto& n : names_)
      if (!n.empty()) run_ip({"netns", "del", n});
  }

  std::string names_[2];
  int fds_[2] = {-1, -1};
  int own_ = -1;
};

}  // namespace

int run_ip(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string program = "ip";
  argv.push_back(program.data());
  std::vector<std::string> copies = args;
  for (auto& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  const int spawned = posix_spawnp(&pid, "ip", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::unique_ptr<Placement> Placement::create(const std::string& name, std::uint32_t mtu) {
  if (name == "loopback") return std::make_unique<LoopbackPlacement>();
  if (name == "namespaces") return std::make_unique<NamespacePlacement>(mtu);
  throw PlacementError("unknown placement '" + name + "'; allowed: loopback, namespaces");
}

int remove_stale_namespaces() {
  DIR* dir = opendir(kNetnsDir);
  if (!dir) return 0;
  std::vector<std::string> stale;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    // wl-<pid>-a / wl-<pid>-b
    if (name.rfind(kNamePrefix, 0) != 0 || name.size() < 6) continue;
    const std::string middle = name.substr(3, name.size() - 5);
    const std::string tail = name.substr(name.size() - 2);
    if ((tail != "-a" && tail != "-b") || middle.empty() ||
        middle.find_first_not_of("0123456789") != std::string::npos)
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(middle));
    if (!process_alive(pid)) stale.push_back(name);
  }
  closedir(dir);
  int removed = 0;
  for (const auto& name : stale)
    if (run_ip({"netns", "del", name}) == 0) ++removed;
  return removed;
}

}  // namespace wirelab::real

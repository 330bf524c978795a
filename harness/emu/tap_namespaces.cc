#include "harness/emu/tap_namespaces.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

namespace wirelab::emu {
namespace {

using real::PlacementError;
using real::Side;

constexpr std::uint32_t kServerIp = (10u << 24) | (213u << 16) | 1u;
constexpr std::uint32_t kClientIp = (10u << 24) | (213u << 16) | 2u;
// Locally administered, fixed: the namespaces are private, so every run may use the same ones.
constexpr sim::MacAddress kMacs[2] = {{0x02, 0x77, 0x6c, 0x00, 0x00, 0x0a}, {0x02, 0x77, 0x6c, 0x00, 0x00, 0x0b}};

std::string mac_text(const sim::MacAddress& mac) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return text;
}

void must_run_ip(const std::vector<std::string>& args) {
  if (real::run_ip(args) == 0) return;
  std::string command = "ip";
  for (const auto& a : args) command += " " + a;
  throw PlacementError("emu: '" + command + "' failed (the emu backend needs root and the iproute2 `ip` tool)");
}

std::string errno_text(const char* what) { return std::string("emu: ") + what + ": " + std::strerror(errno); }

}  // namespace

TapNamespaces::TapNamespaces(std::uint32_t mtu) {
  real::remove_stale_namespaces();
  const std::string pid = std::to_string(getpid());
  names_[0] = "wl-" + pid + "-a";
  names_[1] = "wl-" + pid + "-b";
  taps_[0] = "wl" + pid + "a";
  taps_[1] = "wl" + pid + "b";
  // Left over from an earlier run of this process (runs of one process are sequential).
  for (const auto& n : names_) real::run_ip({"netns", "del", n});
  try {
    own_netns_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (own_netns_ < 0) throw PlacementError(errno_text("cannot open this thread's network namespace"));
    for (int i = 0; i < 2; ++i) {
      must_run_ip({"netns", "add", names_[i]});
      netns_fds_[i] = open(("/run/netns/" + names_[i]).c_str(), O_RDONLY | O_CLOEXEC);
      if (netns_fds_[i] < 0) throw PlacementError(errno_text("cannot open a namespace"));
      // The TAP is created in the namespace of the thread that opens it.
      if (setns(netns_fds_[i], CLONE_NEWNET) != 0) throw PlacementError(errno_text("setns"));
      tap_fds_[i] = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
      ifreq request{};
      request.ifr_flags = IFF_TAP | IFF_NO_PI;
      std::snprintf(request.ifr_name, IFNAMSIZ, "%s", taps_[i].c_str());
      const bool made = tap_fds_[i] >= 0 && ioctl(tap_fds_[i], TUNSETIFF, &request) == 0;
      const int error = errno;
      if (setns(own_netns_, CLONE_NEWNET) != 0) throw PlacementError(errno_text("setns back"));
      errno = error;
      if (!made) throw PlacementError(errno_text("cannot create a TAP device (/dev/net/tun, TUNSETIFF)"));
      const std::string& ns = names_[i];
      must_run_ip({"-n", ns, "link", "set", "lo", "up"});
      must_run_ip({"-n", ns, "link", "set", "dev", taps_[i], "address", mac_text(kMacs[i]), "mtu", std::to_string(mtu),
                   "arp", "off", "up"});
      must_run_ip({"-n", ns, "addr", "add", i == 0 ? "10.213.0.1/30" : "10.213.0.2/30", "dev", taps_[i]});
      // NOARP: the kernel would address frames to its own MAC; name the peer's instead.
      must_run_ip({"-n", ns, "neigh", "replace", i == 0 ? "10.213.0.2" : "10.213.0.1", "lladdr",
                   mac_text(kMacs[1 - i]), "dev", taps_[i], "nud", "permanent"});
    }
  } catch (...) {
    remove();
    throw;
  }
}

TapNamespaces::~TapNamespaces() { remove(); }

void TapNamespaces::remove() {
  for (int& fd : tap_fds_) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  for (int& fd : netns_fds_) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  if (own_netns_ >= 0) close(own_netns_);
  own_netns_ = -1;
  for (const auto& n : names_)
    if (!n.empty()) real::run_ip({"netns", "del", n});
}

sockaddr_in TapNamespaces::address(Side side) const {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(side == Side::kServer ? kServerIp : kClientIp);
  return a;
}

void TapNamespaces::within(Side side, const std::function<void()>& fn) const {
  if (setns(netns_fds_[index(side)], CLONE_NEWNET) != 0) throw PlacementError(errno_text("setns"));
  struct Back {
    int fd;
    ~Back() { setns(fd, CLONE_NEWNET); }
  } back{own_netns_};
  fn();
}

int TapNamespaces::duplicate_tap(Side side) const {
  const int fd = fcntl(tap_fds_[index(side)], F_DUPFD_CLOEXEC, 0);
  if (fd < 0) throw PlacementError(errno_text("cannot duplicate a TAP descriptor"));
  return fd;
}

std::optional<std::uint64_t> TapNamespaces::tap_tx_dropped(Side side) const {
  const std::string command = "ip -n " + names_[index(side)] + " -s -j link show dev " + taps_[index(side)] + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string text;
  char buffer[1024];
  while (std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, n);
  pclose(pipe);
  try {
    return nlohmann::json::parse(text).at(0).at("stats64").at("tx").at("dropped").get<std::uint64_t>();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

sim::MacAddress TapNamespaces::tap_mac(Side side) const { return kMacs[index(side)]; }

}  // namespace wirelab::emu

#include "harness/real/pcap_capture.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace wirelab::real {
namespace {

// The kernel ring (TPACKET_V3: packets packed into blocks by their captured size, so 64 MB
// holds ~40 000 full-size datagrams). Immediate mode would switch libpcap to TPACKET_V2, whose
// slots are snaplen-sized each: ~250 slots at this snaplen, and a fast run overflows them.
constexpr int kBufferBytes = 64 << 20;
// A ring block is handed to us when full or after this long.
constexpr int kReadTimeoutMs = 10;
// stop(): packets sent before it may still be between the sender and the tap (softirq backlog)
// or in a block not yet handed over; the capture ends once none came for this long (several
// block timeouts), and after kMaxDrain in any case.
constexpr auto kQuietPeriod = std::chrono::milliseconds(50);
constexpr auto kMaxDrain = std::chrono::milliseconds(1000);

// Runs `fn` with the calling thread in network namespace `name` (none: as it is).
template <typename Fn>
void within_netns(const std::string& name, Fn&& fn) {
  if (name.empty()) {
    fn();
    return;
  }
  const int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  const int target = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  if (own < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
    const std::string reason = std::strerror(errno);
    if (own >= 0) close(own);
    if (target >= 0) close(target);
    throw CaptureError("capture: cannot enter network namespace " + name + ": " + reason);
  }
  close(target);
  struct Back {
    int fd;
    ~Back() {
      setns(fd, CLONE_NEWNET);
      close(fd);
    }
  } back{own};
  fn();
}

void dump_one(u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
  auto* self = reinterpret_cast<std::pair<pcap_dumper*, std::uint64_t*>*>(user);
  pcap_dump(reinterpret_cast<u_char*>(self->first), header, bytes);
  ++*self->second;
}

}  // namespace

PcapCapture::PcapCapture(PcapCaptureOptions options) : options_(std::move(options)) {
  char error[PCAP_ERRBUF_SIZE] = {};
  const std::string where = "capture on " + options_.interface + (options_.netns.empty() ? "" : " in " + options_.netns);
  try {
    within_netns(options_.netns, [&] {
      handle_ = pcap_create(options_.interface.c_str(), error);
      if (!handle_) throw CaptureError(where + ": " + error);
      pcap_set_snaplen(handle_, options_.snaplen);
      pcap_set_promisc(handle_, 0);
      pcap_set_buffer_size(handle_, kBufferBytes);
      pcap_set_timeout(handle_, kReadTimeoutMs);
      const int rc = pcap_activate(handle_);
      if (rc < 0) throw CaptureError(where + ": " + pcap_geterr(handle_) + " (capturing needs root)");
    });
    if (!options_.filter.empty()) {
      bpf_program program{};
      if (pcap_compile(handle_, &program, options_.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
        throw CaptureError(where + ": bad filter '" + options_.filter + "': " + pcap_geterr(handle_));
      const int rc = pcap_setfilter(handle_, &program);
      pcap_freecode(&program);
      if (rc != 0) throw CaptureError(where + ": " + pcap_geterr(handle_));
    }
    dumper_ = pcap_dump_open(handle_, options_.path.c_str());
    if (!dumper_) throw CaptureError("capture: cannot write " + options_.path + ": " + pcap_geterr(handle_));
    if (pcap_setnonblock(handle_, 1, error) != 0) throw CaptureError(where + ": " + error);
    stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd_ < 0) throw CaptureError(std::string("capture: eventfd: ") + std::strerror(errno));
  } catch (...) {
    if (dumper_) pcap_dump_close(dumper_);
    if (handle_) pcap_close(handle_);
    dumper_ = nullptr;
    handle_ = nullptr;
    throw;
  }
  thread_ = std::thread(&PcapCapture::record, this);
}

PcapCapture::~PcapCapture() { stop(); }

void PcapCapture::record() {
  std::pair<pcap_dumper*, std::uint64_t*> sink{dumper_, &written_};
  const int fd = pcap_get_selectable_fd(handle_);
  bool stopping = false;
  auto last_packet = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point drain_start;
  for (;;) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    poll(fds, 2, stopping ? 5 : 100);
    if (!stopping && (fds[1].revents & POLLIN)) {
      stopping = true;
      drain_start = std::chrono::steady_clock::now();
    }
    const int n = pcap_dispatch(handle_, -1, dump_one, reinterpret_cast<u_char*>(&sink));
    const auto now = std::chrono::steady_clock::now();
    if (n > 0) last_packet = now;
    if (stopping && ((n <= 0 && now - last_packet >= kQuietPeriod) || now - drain_start >= kMaxDrain)) break;
    if (n < 0) break;
  }
}

PcapCapture::Stats PcapCapture::stop() {
  if (stopped_) return stats_;
  stopped_ = true;
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof one) < 0) {
    }
    thread_.join();
  }
  pcap_stat ps{};
  if (handle_ && pcap_stats(handle_, &ps) == 0) stats_.packets_dropped = ps.ps_drop + ps.ps_ifdrop;
  stats_.packets_written = written_;
  if (dumper_) pcap_dump_close(dumper_);
  if (handle_) pcap_close(handle_);
  if (stop_fd_ >= 0) close(stop_fd_);
  dumper_ = nullptr;
  handle_ = nullptr;
  stop_fd_ = -1;
  return stats_;
}

}  // namespace wirelab::real

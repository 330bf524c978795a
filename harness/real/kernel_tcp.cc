#include "harness/real/kernel_tcp.h"

#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "harness/real/datagram_socket.h"
#include "harness/real/monotonic_clock.h"
#include "protocols/workloads/bulk_content.h"
#include "protocols/workloads/byte_stream_mux.h"

namespace wirelab::real {
namespace {
constexpr std::size_t kChunkBytes = 256 * 1024;
// A bulk flow's writes and reads. The writer fills one chunk of the pattern and writes it
// whole; the reader checks each read while it is still in its cache. Writes of 512 KiB, not
// iperf3's 128 KiB: this runner also makes every byte, and fewer, larger writes paid for that
// (loopback, 1 GB, 5 seeds, interleaved: 44-49 Gbit/s at 128 KiB, 53-56 at 256 KiB, 55-59 at
// 512 KiB, 57-60 at 1 MiB). Reads stay at 128 KiB, so what a read brings is still in the cache
// when it is checked (reads of 512 KiB: 77-83 Gbit/s against 96-98).
constexpr std::size_t kBulkWriteBytes = 512 * 1024;
constexpr std::size_t kBulkReadBytes = 128 * 1024;
// A bulk flow's sockets block (one system call per write or read, as iperf3's: a non-blocking
// socket paid a failed call and a poll each time it ran dry) for at most this long, so each side
// still sees the run stop or reach its deadline.
constexpr Duration kBlockingTimeout = std::chrono::milliseconds(20);
// IPv4 (20) + TCP (20) + the timestamp option Linux puts on every segment (12).
constexpr std::uint64_t kIpTcpHeaderBytes = 52;
constexpr Duration kRttSampleInterval = std::chrono::milliseconds(1);
constexpr Duration kSeriesInterval = std::chrono::milliseconds(100);

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

// Waits until `fd` has `events` or the run stops / reaches its deadline; false when it should end.
bool wait_for(int fd, short events, RunControl& control, int max_wait_ms = -1) {
  for (;;) {
    const Timestamp now = monotonic_now();
    if (control.stopped()) return false;
    if (now >= control.deadline()) {
      control.time_out();
      return false;
    }
    pollfd fds[2] = {{fd, events, 0}, {control.stop_fd(), POLLIN, 0}};
    int wait_ms = static_cast<int>(std::min<std::int64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(control.deadline() - now).count() + 1, 1000));
    if (max_wait_ms >= 0) wait_ms = std::min(wait_ms, max_wait_ms);
    const int n = poll(fds, 2, wait_ms);
    if (n < 0 && errno != EINTR) fail("poll");
    if (n > 0 && (fds[0].revents & (events | POLLERR | POLLHUP))) return true;
    if (max_wait_ms >= 0 && n == 0) return true;
  }
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// A blocking socket's send or receive returns after kBlockingTimeout at most (EAGAIN, or what
// it moved so far).
void set_blocking_timeout(int fd, int option) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(kBlockingTimeout).count();
  const timeval timeout{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  if (setsockopt(fd, SOL_SOCKET, option, &timeout, sizeof timeout) != 0) fail("setsockopt(SO_SNDTIMEO/SO_RCVTIMEO)");
}

// Whether a blocking loop should end: the run stopped, or its deadline passed (then marked).
bool run_over(RunControl& control, Timestamp now) {
  if (control.stopped()) return true;
  if (now < control.deadline()) return false;
  control.time_out();
  return true;
}

tcp_info read_tcp_info(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len);
  return info;
}

void reader(int listener, std::optional<std::uint64_t> bulk_bytes, const BulkContent& content,
            FlowRecord& record, RunControl& control) {
  try {
    if (!wait_for(listener, POLLIN, control)) return;
    Fd conn(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));  // blocking
    if (conn.get() < 0) fail("accept");
    set_blocking_timeout(conn.get(), SO_RCVTIMEO);
    BulkContentCheck check(content, bulk_bytes.value_or(UINT64_MAX));
    std::vector<std::uint8_t> buffer(kBulkReadBytes);
    Timestamp next_sample = monotonic_now() + kSeriesInterval;
    std::uint64_t delivered_at_sample = 0;
    for (;;) {
      const ssize_t n = read(conn.get(), buffer.data(), buffer.size());
      const Timestamp t = monotonic_now();
      if (n > 0) {
        check.feed(ByteView(buffer.data(), static_cast<std::size_t>(n)));
        record.bytes_delivered += static_cast<std::uint64_t>(n);
        record.content_digest = check.digest();
        record.last_byte_s = control.seconds_since_start(t);
      } else if (n == 0) {
        check.finish();
        record.integrity_ok = check.integrity_ok();
        record.done = true;
        control.stop();
        return;
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        fail("read(TCP)");
      }
      if (run_over(control, t)) return;
      if (t >= next_sample) {
        const double interval_s = to_seconds(t - (next_sample - kSeriesInterval));
        record.receiver_series.push_back({"goodput_bps", control.seconds_since_start(t),
                                          (record.bytes_delivered - delivered_at_sample) * 8.0 / interval_s});
        delivered_at_sample = record.bytes_delivered;
        next_sample = t + kSeriesInterval;
      }
    }
  } catch (const std::exception& e) {
    control.fail(std::string("tcp reader: ") + e.what());
  }
}

class TcpInfoSampler {
 public:
  TcpInfoSampler(int fd, FlowRecord& record, RunControl& control)
      : fd_(fd), record_(record), control_(control), next_series_(monotonic_now() + kSeriesInterval) {}

  void maybe_sample(Timestamp t) {
    if (t < next_rtt_) return;
    next_rtt_ = t + kRttSampleInterval;
    const tcp_info info = read_tcp_info(fd_);
    const double rtt_s = info.tcpi_rtt * 1e-6;
    if (info.tcpi_rtt > 0) record_.rtt_samples_s.push_back(rtt_s);
    if (t >= next_series_) {
      next_series_ = t + kSeriesInterval;
      const double at_s = control_.seconds_since_start(t);
      record_.sender_series.push_back(
          {"cwnd_bytes", at_s, static_cast<double>(info.tcpi_snd_cwnd) * info.tcpi_snd_mss});
      if (info.tcpi_rtt > 0) record_.sender_series.push_back({"rtt_s", at_s, rtt_s});
    }
  }

  void finish() {
    const tcp_info info = read_tcp_info(fd_);
    record_.retransmitted_bytes = static_cast<std::uint64_t>(info.tcpi_total_retrans) * info.tcpi_snd_mss;
    record_.wire_bytes = info.tcpi_bytes_sent + kIpTcpHeaderBytes * info.tcpi_segs_out;
    record_.tcp_segments_sent = info.tcpi_segs_out;
  }

 private:
  int fd_;
  FlowRecord& record_;
  RunControl& control_;
  Timestamp next_rtt_ = kTimeZero;
  Timestamp next_series_;
};

void writer(int conn, std::optional<std::uint64_t> bulk_bytes, const BulkContent& content,
            FlowRecord& record, RunControl& control) {
  TcpInfoSampler sampler(conn, record, control);
  const std::uint64_t total = bulk_bytes.value_or(UINT64_MAX);
  set_blocking_timeout(conn, SO_SNDTIMEO);
  std::vector<std::uint8_t> chunk(kBulkWriteBytes);
  std::uint64_t written = 0, chunk_offset = 0;
  std::size_t chunk_size = 0;
  while (written < total) {
    if (written >= chunk_offset + chunk_size) {
      chunk_offset = written;
      chunk_size = static_cast<std::size_t>(std::min<std::uint64_t>(kBulkWriteBytes, total - written));
      content.fill(chunk_offset, MutableByteView(chunk.data(), chunk_size));
    }
    const std::size_t skip = static_cast<std::size_t>(written - chunk_offset);
    const ssize_t n = send(conn, chunk.data() + skip, chunk_size - skip, MSG_NOSIGNAL);
    if (n > 0) {
      written += static_cast<std::uint64_t>(n);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      fail("write(TCP)");
    }
    const Timestamp t = monotonic_now();
    if (run_over(control, t)) break;
    sampler.maybe_sample(t);
  }
  if (written == total) shutdown(conn, SHUT_WR);
  // Keep sampling while the last window drains, until the reader has everything.
  while (wait_for(conn, 0, control, 1)) sampler.maybe_sample(monotonic_now());
  // The reader closes its end when it is done; the kernel acknowledges that FIN before it wakes
  // us, so TCP_INFO read after it counts the last segment this socket sends (it closes quietly:
  // it has nothing unread). Bounded: a peer that never closes costs at most 200 ms here.
  if (control.stopped()) {
    pollfd fds{conn, POLLRDHUP, 0};
    const Timestamp until = monotonic_now() + std::chrono::milliseconds(200);
    while (monotonic_now() < until && !(fds.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
      if (poll(&fds, 1, 10) < 0 && errno != EINTR) break;
    }
  }
  sampler.finish();
}

// The two ends of one kernel TCP connection before connect(): the server's listener (bound,
// listening) and the client's socket (congestion control and MSS set).
struct TcpEnds {
  Fd listener;
  Fd client;
  sockaddr_in server_address{};
  sockaddr_in client_address{};  // bound before connect, so a capture can filter on its port
};

TcpEnds open_tcp_ends(const std::string& kernel_cc, std::uint32_t link_mtu, const Placement& placement) {
  TcpEnds ends;
  placement.within(Side::kServer, [&] { ends.listener = Fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)); });
  placement.within(Side::kClient, [&] { ends.client = Fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)); });
  if (ends.listener.get() < 0 || ends.client.get() < 0) fail("socket(TCP)");
  sockaddr_in address = placement.address(Side::kServer);
  if (bind(ends.listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("bind(TCP)");
  socklen_t len = sizeof address;
  getsockname(ends.listener.get(), reinterpret_cast<sockaddr*>(&address), &len);
  if (listen(ends.listener.get(), 1) != 0) fail("listen");
  ends.server_address = address;
  if (setsockopt(ends.client.get(), IPPROTO_TCP, TCP_CONGESTION, kernel_cc.data(),
                 static_cast<socklen_t>(kernel_cc.size())) != 0)
    fail(("setsockopt(TCP_CONGESTION, " + kernel_cc + ")").c_str());
  // The scenario's link MTU applies to TCP as it does to the UDP-hosted protocols (and as sim
  // sets ns-3's SegmentSize): loopback's own 64 KB MTU would otherwise give TCP segments 44
  // times larger than PFS's datagrams.
  // The kernel takes at most 32767; a larger MTU leaves loopback's own.
  const int mss = static_cast<int>(link_mtu) - 40;
  if (mss <= 32767 && setsockopt(ends.client.get(), IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss) != 0)
    fail("setsockopt(TCP_MAXSEG)");
  ends.client_address = placement.address(Side::kClient);
  if (bind(ends.client.get(), reinterpret_cast<sockaddr*>(&ends.client_address), sizeof ends.client_address) != 0)
    fail("bind(TCP client)");
  len = sizeof ends.client_address;
  getsockname(ends.client.get(), reinterpret_cast<sockaddr*>(&ends.client_address), &len);
  return ends;
}

void set_nodelay(int fd) {
  const int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) fail("setsockopt(TCP_NODELAY)");
}

// One end of a request workload over TCP: the connection's bytes through a ByteStreamMux to the
// session, in an epoll loop on the non-blocking socket, the run's stop eventfd and (server) the
// job runner's wake eventfd. The order of one round is sim's TcpSessionApplication::pump: the
// mux's events to the session, session.service(now), the mux's frames into the socket as far
// as it takes them, events again. The socket is watched for EPOLLOUT only while frames wait.
class TcpSessionLoop {
 public:
  enum Source : std::uint64_t { kSocket = 1, kStop = 2, kWake = 3 };

  TcpSessionLoop(int fd, bool client, const workloads::SessionFactory& make_session, FlowRecord& record,
                 RunControl& control, int wake_fd, TcpInfoSampler* sampler)
      : fd_(fd), client_(client), mux_(client), session_(make_session(mux_)), record_(record),
        control_(control), sampler_(sampler), buffer_(kChunkBytes) {
    epoll_ = Fd(epoll_create1(EPOLL_CLOEXEC));
    if (epoll_.get() < 0) fail("epoll_create1");
    add(fd_, EPOLLIN, kSocket);
    add(control_.stop_fd(), EPOLLIN, kStop);
    if (wake_fd >= 0) add(wake_fd, EPOLLIN, kWake);
  }

  void run() {
    mux_.on_connected();
    pump(monotonic_now());
    epoll_event events[3];
    while (!control_.stopped()) {
      const Timestamp wake_at = std::min(session_->next_timeout(), control_.deadline());
      const std::int64_t wait_ns = std::max<std::int64_t>(0, to_ns(wake_at) - to_ns(monotonic_now()));
      const timespec timeout{static_cast<time_t>(wait_ns / 1000000000), static_cast<long>(wait_ns % 1000000000)};
      const int n = epoll_pwait2(epoll_.get(), events, 3, &timeout, nullptr);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("epoll_wait");
      }
      const Timestamp t = monotonic_now();
      if (control_.stopped()) break;
      if (t >= control_.deadline()) {
        control_.time_out();
        break;
      }
      receive();
      pump(t);
      if (sampler_) sampler_->maybe_sample(t);
    }
    // A run that ends before the workload does keeps what the client measured so far.
    if (client_ && !record_.done) record_.workload = session_->record();
  }

 private:
  void add(int fd, std::uint32_t events, Source source) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = source;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl");
  }

  void watch_socket(std::uint32_t events) {
    if (events == watched_) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = kSocket;
    if (epoll_ctl(epoll_.get(), events ? EPOLL_CTL_MOD : EPOLL_CTL_DEL, fd_, &ev) != 0) fail("epoll_ctl");
    if (events == 0) removed_ = true;
    watched_ = events;
  }

  void receive() {
    if (eof_) return;
    for (;;) {
      const ssize_t n = read(fd_, buffer_.data(), buffer_.size());
      if (n > 0) {
        if (!mux_.on_bytes(ByteView(buffer_.data(), static_cast<std::size_t>(n))))
          throw std::runtime_error("malformed stream frame from the peer");
        if (static_cast<std::size_t>(n) < buffer_.size()) return;
      } else if (n == 0) {
        eof_ = true;
        mux_.on_closed("");
        // The client measures: a server that hangs up first has left requests unanswered.
        if (client_ && !session_->done()) throw std::runtime_error("the server closed the TCP connection");
        return;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return;
      } else if (errno != EINTR) {
        fail("read(TCP)");
      }
    }
  }

  void deliver_events(Timestamp t) {
    while (auto event = mux_.poll_event()) session_->on_event(t, *event);
  }

  void pump(Timestamp t) {
    deliver_events(t);
    session_->service(t);
    while (!eof_) {
      const ByteView out = mux_.pending_output();
      if (out.size == 0) break;
      const ssize_t n = send(fd_, out.data, out.size, MSG_NOSIGNAL);
      if (n > 0) {
        mux_.consume_output(static_cast<std::size_t>(n));
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        break;
      } else if (errno != EINTR) {
        fail("send(TCP)");
      }
    }
    deliver_events(t);
    // Frames still waiting (the socket was full, or the session wrote more on the events just
    // delivered): wake when the socket can take more; the socket being writable wakes the loop
    // at once for the second case.
    const bool waiting = mux_.pending_output().size > 0;
    const std::uint32_t in = EPOLLIN, out = EPOLLOUT;
    if (!removed_) watch_socket(eof_ ? 0u : (in | (waiting ? out : 0u)));
    const workloads::WorkloadRecord& work = session_->record();
    if (!work.error.empty()) control_.fail(work.error);
    if (client_ && !record_.done && work.done) {
      record_.workload = work;
      record_.done = true;
      control_.stop();
    }
  }

  int fd_;
  bool client_;
  workloads::ByteStreamMux mux_;
  std::unique_ptr<workloads::Session> session_;
  FlowRecord& record_;
  RunControl& control_;
  TcpInfoSampler* sampler_;
  std::vector<std::uint8_t> buffer_;
  Fd epoll_;
  std::uint32_t watched_ = EPOLLIN;
  bool removed_ = false;
  bool eof_ = false;
};

}  // namespace

std::vector<std::string> available_congestion_controls() {
  std::ifstream in("/proc/sys/net/ipv4/tcp_available_congestion_control");
  std::vector<std::string> names;
  for (std::string name; in >> name;) names.push_back(name);
  return names;
}

std::string kernel_congestion_control(const std::string& scenario_cc) {
  const std::string name = (scenario_cc == "newreno" || scenario_cc == "linux-reno") ? "reno" : scenario_cc;
  const std::vector<std::string> available = available_congestion_controls();
  if (std::find(available.begin(), available.end(), name) != available.end()) return name;
  std::ostringstream message;
  message << "tcp cc '" << scenario_cc << "' is not available in this kernel";
  if (name != scenario_cc) message << " (as '" << name << "')";
  message << "; available:";
  for (const auto& a : available) message << ' ' << (a == "reno" ? "newreno (reno)" : a);
  throw CongestionControlUnavailable(message.str());
}

void run_kernel_tcp_flow(const std::string& kernel_cc, std::uint32_t link_mtu, const Placement& placement,
                         std::optional<std::uint64_t> bulk_bytes,
                         const BulkContent& content, FlowRecord& record, RunControl& control,
                         const BeforeTraffic& before_traffic) {
  std::thread reading;
  try {
    TcpEnds ends = open_tcp_ends(kernel_cc, link_mtu, placement);
    Fd listener = std::move(ends.listener), conn = std::move(ends.client);
    sockaddr_in address = ends.server_address;
    if (before_traffic) before_traffic(address, ends.client_address);
    reading = std::thread(reader, listener.get(), bulk_bytes, std::cref(content), std::ref(record), std::ref(control));
    record.start_s = control.seconds_since_start(monotonic_now());
    if (connect(conn.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("connect(TCP)");
    writer(conn.get(), bulk_bytes, content, record, control);
  } catch (const std::exception& e) {
    control.fail(std::string("tcp writer: ") + e.what());
  }
  if (reading.joinable()) reading.join();
}

void run_kernel_tcp_sessions(const std::string& kernel_cc, std::uint32_t link_mtu, const Placement& placement,
                             const workloads::SessionFactory& client_session,
                             const workloads::SessionFactory& server_session, int server_wake_fd,
                             FlowRecord& record, RunControl& control, const BeforeTraffic& before_traffic) {
  std::thread serving;
  TcpEnds ends;  // outlives the server thread, which waits on the listener
  try {
    ends = open_tcp_ends(kernel_cc, link_mtu, placement);
    if (before_traffic) before_traffic(ends.server_address, ends.client_address);
    const int listener = ends.listener.get();
    serving = std::thread([listener, &server_session, server_wake_fd, &record, &control] {
      try {
        if (!wait_for(listener, POLLIN, control)) return;
        Fd conn(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (conn.get() < 0) fail("accept");
        set_nodelay(conn.get());
        TcpSessionLoop(conn.get(), false, server_session, record, control, server_wake_fd, nullptr).run();
      } catch (const std::exception& e) {
        control.fail(std::string("tcp server: ") + e.what());
      }
    });
    const int conn = ends.client.get();
    set_nodelay(conn);
    record.start_s = control.seconds_since_start(monotonic_now());
    if (connect(conn, reinterpret_cast<sockaddr*>(&ends.server_address), sizeof ends.server_address) != 0)
      fail("connect(TCP)");
    set_nonblocking(conn);
    TcpInfoSampler sampler(conn, record, control);
    TcpSessionLoop(conn, true, client_session, record, control, -1, &sampler).run();
    sampler.finish();
    control.stop();  // the server's loop ends with the client's
  } catch (const std::exception& e) {
    control.fail(std::string("tcp client: ") + e.what());
  }
  if (serving.joinable()) serving.join();
}

}  // namespace wirelab::real

#include "harness/real/endpoint_loop.h"

#include <sched.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <system_error>

#include "harness/real/monotonic_clock.h"

namespace wirelab::real {
namespace {
// Messages per recvmmsg call (each up to 64 KB: GRO coalesces datagrams): enough to amortize
// the system call, few enough that received acknowledgements are acted on promptly.
constexpr std::size_t kReceiveBatchMessages = 32;
// Datagrams per sendmmsg call. DatagramSocket::send makes each run of equal-sized datagrams one
// GSO message of up to 64 KB (44 datagrams of 1472 bytes), so a batch of 88 is two full GSO
// messages per system call: the kernel's per-message costs (route lookup, skb setup, waking
// the peer) are paid per 64 KB, as kernel TCP pays them per 64 KB TSO segment. Large datagrams
// (loopback's own MTU: 65507 bytes) need no GSO; for them the batch holds kSendBatchBytes, so
// it stays in the cache between poll_transmit writing it and the kernel copying it.
constexpr std::size_t kSendBatchDatagrams = 88;
constexpr std::size_t kSendBatchBytes = 512 * 1024;
constexpr std::uint32_t kIpUdpHeaderBytes = 28;
// For this long after a receive brought a bulk batch (kBusyPollDatagrams datagrams or
// kBusyPollBytes bytes, whichever comes first: one 64 KB datagram is a bulk batch) the loop
// polls the socket instead of sleeping in epoll. A sleeping receiver is woken by the sender's
// thread from inside its sendmmsg (on loopback the sender runs the receive path in its
// softirq): on this 2-core VM that wake-up, an IPI to the other vCPU, was ~10 % of the
// sender's time on a 1 GB transfer, and the sender is the bottleneck. While a transfer runs,
// batches keep coming and the receiver does not sleep (A/B: ~+25 % PFS goodput); a trickle
// of small messages (rpc, stream, acknowledgements) never starts the polling, and an idle
// endpoint sleeps again after the window, so it costs no CPU. 50 us was too short: the
// sender releases a quantum and then reads its acknowledgements, a gap the receiver slept in.
// Each polling round yields the CPU (sched_yield: free when nothing else wants the core), so on
// a busy machine the polling thread does not take a core from the peer thread or other work
// (PFS on loopback with other builds running, load 3-5, 3 x 3 seeds interleaved: 5.0-5.9 ->
// 6.6-9.9 Gbit/s at MTU 1500, 7.4-8.5 -> 11.2-12.3 at 65535).
constexpr Duration kBusyPoll = std::chrono::microseconds(500);
constexpr std::size_t kBusyPollDatagrams = 16;
constexpr std::size_t kBusyPollBytes = 16 * 1472;
constexpr Duration kSeriesInterval = std::chrono::milliseconds(100);

enum Source : std::uint64_t { kSocket = 1, kStop = 2, kWake = 3 };

void add_fd(int epoll_fd, int fd, Source source) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = source;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
}
}  // namespace

EndpointLoop::EndpointLoop(std::unique_ptr<Transport> transport, const workloads::SessionFactory& make_session,
                           Role role, bool measures, DatagramSocket& socket, std::optional<sockaddr_in> peer,
                           FlowRecord& record, RunControl& control, int wake_fd)
    : endpoint_(std::move(transport), make_session),
      transport_(endpoint_.transport()),
      role_(role),
      measures_(measures),
      socket_(socket),
      peer_(peer),
      record_(record),
      control_(control),
      wake_fd_(wake_fd),
      in_(kReceiveBatchMessages, 65536),
      out_(std::clamp<std::size_t>(kSendBatchBytes / transport_.max_datagram_size(), 2, kSendBatchDatagrams),
           transport_.max_datagram_size()) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  add_fd(epoll_fd_, socket_.fd(), kSocket);
  add_fd(epoll_fd_, control_.stop_fd(), kStop);
  if (wake_fd_ >= 0) add_fd(epoll_fd_, wake_fd_, kWake);
  if (peer_) socket_.connect_to(*peer_);
}

EndpointLoop::~EndpointLoop() {
  close(epoll_fd_);
}

void EndpointLoop::run() {
  try {
    Timestamp t = monotonic_now();
    if (role_ == Role::kClient) {
      record_.start_s = control_.seconds_since_start(t);
      transport_.connect(t);
    }
    next_sample_at_ = t + kSeriesInterval;
    service(t);
    epoll_event events[3];
    while (!control_.stopped()) {
      // The endpoint's timer (the transport's or the session's) is the wait's timeout:
      // epoll_pwait2 takes nanoseconds, so no timerfd (and no timerfd_settime per service,
      // which cost a quarter of the loop's time).
      const Timestamp wake_at = std::min(endpoint_.next_timeout(), control_.deadline());
      const Timestamp before_wait = monotonic_now();
      if (before_wait - last_bulk_batch_at_ >= kBusyPoll || wake_at <= before_wait) {
        const std::int64_t wait_ns = std::max<std::int64_t>(0, to_ns(wake_at) - to_ns(before_wait));
        const timespec timeout{static_cast<time_t>(wait_ns / 1000000000), static_cast<long>(wait_ns % 1000000000)};
        const int n = epoll_pwait2(epoll_fd_, events, 3, &timeout, nullptr);
        if (n < 0) {
          if (errno == EINTR) continue;
          throw std::system_error(errno, std::generic_category(), "epoll_wait");
        }
      } else {
        sched_yield();
      }
      t = monotonic_now();
      if (control_.stopped()) break;
      if (t >= control_.deadline()) {
        control_.time_out();
        break;
      }
      receive_all(t);
      service(t);
    }
  } catch (const std::exception& e) {
    control_.fail(std::string(role_ == Role::kClient ? "client" : "server") + ": " + e.what());
  }
  // Final counters for the metrics, read once the loop is over; a run that ends before the
  // workload does keeps what the workload measured so far.
  if (role_ == Role::kClient) {
    const TransportStats stats = transport_.stats();
    record_.retransmitted_bytes = stats.retransmitted_bytes;
    record_.retransmissions_counted = stats.counts_retransmissions;
    record_.fec_repair_bytes = stats.fec_repair_bytes;
    take_notes();
  } else {
    record_.fec_recovered_packets = transport_.stats().fec_recovered_packets;
  }
  if (measures_ && !record_.done) record_.workload = endpoint_.session().record();
}

void EndpointLoop::receive_all(Timestamp t) {
  // Drain what is queued now, bounded so a flood cannot starve the transmit side.
  for (int round = 0; round < 8; ++round) {
    const std::size_t n = socket_.receive(in_);
    std::size_t datagrams = 0, bytes = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!peer_) {
        peer_ = in_.source(i);  // the server answers the first client; one flow per server
        socket_.connect_to(*peer_);
      }
      const ByteView received = in_.datagram(i);
      bytes += received.size;
      const std::size_t segment = in_.segment_size(i);
      if (segment == 0) {
        transport_.on_datagram(t, received);
        ++datagrams;
        continue;
      }
      for (std::size_t offset = 0; offset < received.size; offset += segment, ++datagrams)
        transport_.on_datagram(t, received.subview(offset, std::min(segment, received.size - offset)));
    }
    if (datagrams >= kBusyPollDatagrams || bytes >= kBusyPollBytes) last_bulk_batch_at_ = t;
    if (n < in_.capacity()) return;
  }
}

void EndpointLoop::service(Timestamp t) {
  endpoint_.on_timeout(t);
  transmit(t);
  record_progress(t);
  if (role_ == Role::kClient) {
    const TransportStats stats = transport_.stats();
    if (stats.latest_rtt_s > 0 && stats.latest_rtt_s != last_rtt_sample_s_) {
      record_.rtt_samples_s.push_back(stats.latest_rtt_s);
      last_rtt_sample_s_ = stats.latest_rtt_s;
    }
  }
  if (t >= next_sample_at_) sample(t);
}

// poll_transmit until the endpoint declines; the session takes its turn (events, writes, reads,
// its timers) in the first call. A server that has heard from nobody has nothing to answer.
void EndpointLoop::transmit(Timestamp t) {
  if (!peer_) return;
  while (true) {
    const auto size = endpoint_.poll_transmit(t, out_.next_slot());
    if (!size) break;
    out_.push(*size);
    if (role_ == Role::kClient) {
      record_.wire_bytes += *size + kIpUdpHeaderBytes;
      ++record_.datagrams_sent;
    }
    if (out_.full()) socket_.send(out_, *peer_);
  }
  if (out_.count() > 0) socket_.send(out_, *peer_);
}

void EndpointLoop::record_progress(Timestamp t) {
  const workloads::WorkloadRecord& work = endpoint_.session().record();
  // A transport that gave up ends the run: nothing more will be delivered.
  if (!work.error.empty()) control_.fail(work.error);
  if (!measures_ || record_.done) return;
  record_.bytes_delivered = work.bytes_delivered;
  record_.content_digest = work.content_digest;
  if (work.last_byte_at) record_.last_byte_s = control_.seconds_since_start(*work.last_byte_at);
  if (work.done) {
    // The transmit above already flushed what the transport had to say (the bulk receiver's
    // final acknowledgement), so the peer is not left retransmitting into a closed socket.
    record_.integrity_ok = work.integrity_ok;
    record_.workload = work;
    record_.done = true;
    control_.stop();
  }
}

void EndpointLoop::sample(Timestamp t) {
  const double at_s = control_.seconds_since_start(t);
  if (role_ == Role::kClient) {
    const TransportStats stats = transport_.stats();
    if (stats.congestion_window_bytes > 0)
      record_.sender_series.push_back({"cwnd_bytes", at_s, static_cast<double>(stats.congestion_window_bytes)});
    if (stats.latest_rtt_s > 0) record_.sender_series.push_back({"rtt_s", at_s, stats.latest_rtt_s});
    take_notes();
  } else if (measures_) {
    const double interval_s = to_seconds(t - (next_sample_at_ - kSeriesInterval));
    record_.receiver_series.push_back(
        {"goodput_bps", at_s, (record_.bytes_delivered - delivered_at_last_sample_) * 8.0 / interval_s});
    delivered_at_last_sample_ = record_.bytes_delivered;
  }
  next_sample_at_ = t + kSeriesInterval;
}

// The client's transport notes (PFS adaptive tuning), taken every series interval and at the
// end; they carry their own time, so taking them late loses nothing.
void EndpointLoop::take_notes() {
  while (auto note = transport_.poll_note()) record_.notes.push_back(std::move(*note));
}

}  // namespace wirelab::real

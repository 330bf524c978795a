#include "harness/real/endpoint_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <system_error>

#include "harness/real/monotonic_clock.h"

namespace wirelab::real {
namespace {
constexpr std::size_t kWriteChunkBytes = 64 * 1024;
// Datagrams per recvmmsg/sendmmsg call: enough to amortize the system call over a pacing burst,
// few enough that received acknowledgements are acted on promptly.
constexpr std::size_t kBatchDatagrams = 32;
constexpr std::uint32_t kIpUdpHeaderBytes = 28;
constexpr Duration kSeriesInterval = std::chrono::milliseconds(100);
// The bulk application queues at most this many bytes beyond what the transport has sent once,
// like a kernel socket's send buffer. Writing the whole transfer ahead would make the
// transport's send buffer grow (and move) with the transfer instead of with the window.
constexpr std::uint64_t kWriteAheadBytes = 4u << 20;
constexpr int kWriteChunksPerService = 4;

enum Source : std::uint64_t { kSocket = 1, kStop = 2 };

void add_fd(int epoll_fd, int fd, Source source) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = source;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
}
}  // namespace

EndpointLoop::EndpointLoop(std::unique_ptr<Transport> transport, Role role, DatagramSocket& socket,
                           std::optional<sockaddr_in> peer, std::optional<std::uint64_t> bulk_bytes,
                           const BulkContent& content, FlowRecord& record, RunControl& control)
    : transport_(std::move(transport)),
      role_(role),
      socket_(socket),
      peer_(peer),
      bulk_bytes_(bulk_bytes),
      content_(content),
      record_(record),
      control_(control),
      in_(kBatchDatagrams, 65536),
      out_(kBatchDatagrams, transport_->max_datagram_size()) {
  if (role == Role::kServer) check_.emplace(content, bulk_bytes.value_or(UINT64_MAX));
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  add_fd(epoll_fd_, socket_.fd(), kSocket);
  add_fd(epoll_fd_, control_.stop_fd(), kStop);
}

EndpointLoop::~EndpointLoop() {
  close(epoll_fd_);
}

void EndpointLoop::run() {
  try {
    Timestamp t = monotonic_now();
    if (role_ == Role::kClient) {
      record_.start_s = control_.seconds_since_start(t);
      transport_->connect(t);
    }
    next_sample_at_ = t + kSeriesInterval;
    service(t);
    epoll_event events[2];
    while (!control_.stopped()) {
      // The transport's timer is the wait's timeout: epoll_pwait2 takes nanoseconds, so no
      // timerfd (and no timerfd_settime per service, which cost a quarter of the loop's time).
      const Timestamp wake_at = std::min(transport_->next_timeout(), control_.deadline());
      const std::int64_t wait_ns = std::max<std::int64_t>(0, to_ns(wake_at) - to_ns(monotonic_now()));
      const timespec timeout{static_cast<time_t>(wait_ns / 1000000000), static_cast<long>(wait_ns % 1000000000)};
      const int n = epoll_pwait2(epoll_fd_, events, 2, &timeout, nullptr);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "epoll_wait");
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
  // Final counters for the metrics, read once the loop is over.
  if (role_ == Role::kClient) {
    const TransportStats stats = transport_->stats();
    record_.retransmitted_bytes = stats.retransmitted_bytes;
    record_.retransmissions_counted = stats.counts_retransmissions;
  }
}

void EndpointLoop::receive_all(Timestamp t) {
  // Drain what is queued now, bounded so a flood cannot starve the transmit side.
  for (int round = 0; round < 8; ++round) {
    const std::size_t n = socket_.receive(in_);
    for (std::size_t i = 0; i < n; ++i) {
      if (!peer_) peer_ = in_.source(i);  // the server answers the first client; one flow per server
      const ByteView received = in_.datagram(i);
      const std::size_t segment = in_.segment_size(i);
      if (segment == 0) {
        transport_->on_datagram(t, received);
        continue;
      }
      for (std::size_t offset = 0; offset < received.size; offset += segment)
        transport_->on_datagram(t, received.subview(offset, std::min(segment, received.size - offset)));
    }
    if (n < in_.capacity()) return;
  }
}

void EndpointLoop::service(Timestamp t) {
  if (t >= transport_->next_timeout()) transport_->on_timeout(t);
  handle_events(t);
  if (role_ == Role::kClient && connected_) {
    if (!stream_) stream_ = transport_->open_stream();
    write_more();
  } else if (role_ == Role::kServer && stream_) {
    read_stream(t, *stream_);
  }
  if (peer_) {
    while (true) {
      const auto size = transport_->poll_transmit(t, out_.next_slot());
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
  handle_events(t);
  if (role_ == Role::kClient) {
    const TransportStats stats = transport_->stats();
    if (stats.latest_rtt_s > 0 && stats.latest_rtt_s != last_rtt_sample_s_) {
      record_.rtt_samples_s.push_back(stats.latest_rtt_s);
      last_rtt_sample_s_ = stats.latest_rtt_s;
    }
  }
  if (t >= next_sample_at_) sample(t);
}

void EndpointLoop::sample(Timestamp t) {
  const double at_s = control_.seconds_since_start(t);
  if (role_ == Role::kClient) {
    const TransportStats stats = transport_->stats();
    if (stats.congestion_window_bytes > 0)
      record_.sender_series.push_back({"cwnd_bytes", at_s, static_cast<double>(stats.congestion_window_bytes)});
    if (stats.latest_rtt_s > 0) record_.sender_series.push_back({"rtt_s", at_s, stats.latest_rtt_s});
  } else {
    const double interval_s = to_seconds(t - (next_sample_at_ - kSeriesInterval));
    record_.receiver_series.push_back(
        {"goodput_bps", at_s, (record_.bytes_delivered - delivered_at_last_sample_) * 8.0 / interval_s});
    delivered_at_last_sample_ = record_.bytes_delivered;
  }
  next_sample_at_ = t + kSeriesInterval;
}

void EndpointLoop::handle_events(Timestamp t) {
  while (auto event = transport_->poll_event()) {
    switch (event->kind) {
      case TransportEvent::Kind::kConnected:
        connected_ = true;
        if (role_ == Role::kClient && !stream_) {
          stream_ = transport_->open_stream();
          write_more();
        }
        break;
      case TransportEvent::Kind::kStreamWritable:
        if (role_ == Role::kClient) write_more();
        break;
      case TransportEvent::Kind::kStreamOpened:
      case TransportEvent::Kind::kStreamReadable:
        if (role_ == Role::kServer) {
          stream_ = event->stream;
          read_stream(t, event->stream);
        }
        break;
      case TransportEvent::Kind::kClosed:
        // A transport that gave up ends the run: nothing more will be delivered.
        if (!event->reason.empty()) control_.fail(event->reason);
        break;
    }
  }
}

void EndpointLoop::write_more() {
  if (!stream_ || fin_written_) return;
  const std::uint64_t total = bulk_bytes_.value_or(UINT64_MAX);
  const std::uint64_t sent = transport_->stats().stream_bytes_sent;
  // At most a few chunks per service, so that filling the write-ahead at the start does not
  // hold back the first datagrams.
  for (int chunks = 0; chunks < kWriteChunksPerService; ++chunks) {
    if (written_ >= sent + kWriteAheadBytes) break;
    // One pattern fill per chunk, not per write attempt (see sim's EndpointApplication).
    if (written_ >= chunk_offset_ + chunk_.size() || written_ < chunk_offset_) {
      chunk_offset_ = written_;
      chunk_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kWriteChunkBytes, total - written_)));
      content_.fill(chunk_offset_, MutableByteView(chunk_.data(), chunk_.size()));
    }
    const std::size_t skip = static_cast<std::size_t>(written_ - chunk_offset_);
    const std::size_t n = chunk_.size() - skip;
    const bool fin = bulk_bytes_.has_value() && written_ + n == total;
    const std::size_t accepted = transport_->write(*stream_, ByteView(chunk_.data() + skip, n), fin);
    written_ += accepted;
    if (fin && accepted == n) fin_written_ = true;
    if (fin_written_ || accepted < n || n == 0) break;
  }
}

void EndpointLoop::read_stream(Timestamp t, StreamId stream) {
  if (record_.done) return;
  read_buffer_.resize(kWriteChunkBytes);
  for (;;) {
    bool fin = false;
    const std::size_t n = transport_->read(stream, MutableByteView(read_buffer_.data(), read_buffer_.size()), &fin);
    if (n > 0) {
      check_->feed(ByteView(read_buffer_.data(), n));
      record_.bytes_delivered += n;
      record_.content_digest = check_->digest();
      record_.last_byte_s = control_.seconds_since_start(t);
    }
    if (fin) {
      check_->finish();
      record_.integrity_ok = check_->integrity_ok();
      record_.done = true;
      // Acknowledge the end before leaving, so the client is not left retransmitting into a
      // closed socket for the rest of its lifetime (it stops with the run anyway).
      if (peer_) {
        while (auto size = transport_->poll_transmit(t, out_.next_slot())) {
          out_.push(*size);
          if (out_.full()) socket_.send(out_, *peer_);
        }
        if (out_.count() > 0) socket_.send(out_, *peer_);
      }
      control_.stop();
      return;
    }
    if (n == 0) return;
  }
}

}  // namespace wirelab::real

#include "harness/real/constant_rate_udp.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <optional>
#include <system_error>
#include <thread>

#include "harness/real/datagram_socket.h"
#include "harness/real/monotonic_clock.h"

namespace wirelab::real {
namespace {
// Datagrams per sendmmsg: two full UDP GSO messages of 1472-byte datagrams, as the endpoint
// loop sends (endpoint_loop.cc, kSendBatchDatagrams).
constexpr std::size_t kBatchDatagrams = 88;
// Messages per recvmmsg (each up to 64 KB: GRO coalesces datagrams).
constexpr std::size_t kReceiveBatchMessages = 32;
constexpr std::uint32_t kIpUdpHeaderBytes = 28;
// The sender sleeps at most this long at a time, so it notices a stopped run promptly.
constexpr Duration kMaxSleep = std::chrono::milliseconds(10);

void receive(DatagramSocket& socket, FlowRecord& record, RunControl& control) {
  try {
    DatagramBatch batch(kReceiveBatchMessages, 65536);
    bool any = false;
    for (;;) {
      // Sleep in poll only once the socket is drained: a receiver woken per batch loses
      // datagrams to an overflowing socket buffer at loopback rates.
      const std::size_t n = socket.receive(batch);
      if (n == 0) {
        pollfd fds[2] = {{socket.fd(), POLLIN, 0}, {control.stop_fd(), POLLIN, 0}};
        if (poll(fds, 2, -1) < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "poll");
        if (fds[1].revents & POLLIN) return;
        continue;
      }
      if (control.stopped()) return;
      const double at_s = control.seconds_since_start(monotonic_now());
      for (std::size_t i = 0; i < n; ++i) {
        // A GRO-coalesced message holds several datagrams, each with its own sequence number.
        const ByteView message = batch.datagram(i);
        const std::size_t segment = batch.segment_size(i) ? batch.segment_size(i) : message.size;
        for (std::size_t offset = 0; offset < message.size; offset += segment) {
          const ByteView d = message.subview(offset, std::min(segment, message.size - offset));
          std::uint64_t sequence = 0;
          if (d.size >= 8) std::memcpy(&sequence, d.data, 8);
          if (any && sequence < record.highest_sequence_seen) ++record.datagrams_reordered;
          record.highest_sequence_seen = std::max(record.highest_sequence_seen, sequence);
          any = true;
          ++record.datagrams_received;
          record.bytes_delivered += d.size;
        }
      }
      record.last_rx_s = at_s;
    }
  } catch (const std::exception& e) {
    control.fail(std::string("udp receiver: ") + e.what());
  }
}

void sleep_until(Timestamp t) {
  const timespec ts = to_timespec(t);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}
}  // namespace

void run_constant_rate_udp_flow(const ConstantRateUdpConfig& config, const Placement& placement, FlowRecord& record,
                                RunControl& control) {
  // The sockets outlive the receiving thread, whichever way this function is left.
  std::optional<DatagramSocket> receiver, sender;
  std::thread receiving;
  try {
    placement.within(Side::kServer, [&] { receiver.emplace(placement.address(Side::kServer)); });
    placement.within(Side::kClient, [&] { sender.emplace(placement.address(Side::kClient)); });
    const sockaddr_in to = receiver->local_address();
    if (!config.segmentation_offload) sender->disable_segmentation_offload();
    if (config.before_traffic) config.before_traffic(to, sender->local_address());
    receiving = std::thread(receive, std::ref(*receiver), std::ref(record), std::ref(control));

    const std::uint64_t total_datagrams =
        config.bulk_bytes ? (*config.bulk_bytes + config.datagram_bytes - 1) / config.datagram_bytes : UINT64_MAX;
    const Duration interval = seconds_to_duration(config.datagram_bytes * 8.0 / config.rate_bps);
    DatagramBatch batch(kBatchDatagrams, config.datagram_bytes);
    const Timestamp start = monotonic_now();
    record.start_s = control.seconds_since_start(start);
    std::uint64_t sequence = 0;
    while (sequence < total_datagrams && !control.stopped()) {
      const Timestamp now = monotonic_now();
      if (now >= control.deadline()) break;
      // Everything due by now goes out in one sendmmsg; datagram k is due at start + k * interval.
      while (sequence < total_datagrams && !batch.full() && start + interval * static_cast<std::int64_t>(sequence) <= now) {
        MutableByteView slot = batch.next_slot();
        std::memset(slot.data, 0, config.datagram_bytes);
        std::memcpy(slot.data, &sequence, 8);
        batch.push(config.datagram_bytes);
        ++sequence;
      }
      if (batch.count() > 0) {
        record.datagrams_sent += batch.count();
        record.wire_bytes += batch.count() * (config.datagram_bytes + kIpUdpHeaderBytes);
        sender->send(batch, to);
        continue;
      }
      sleep_until(std::min(start + interval * static_cast<std::int64_t>(sequence), now + kMaxSleep));
    }
    // Let the last datagrams arrive (bounded by the deadline), then end the run.
    const Timestamp drain_end = std::min(monotonic_now() + seconds_to_duration(config.drain_s), control.deadline());
    while (!control.stopped() && monotonic_now() < drain_end)
      sleep_until(std::min(drain_end, monotonic_now() + kMaxSleep));
    record.done = sequence == total_datagrams;
    control.stop();
    receiving.join();
  } catch (const std::exception& e) {
    control.fail(std::string("udp sender: ") + e.what());
    if (receiving.joinable()) receiving.join();
  }
}

}  // namespace wirelab::real

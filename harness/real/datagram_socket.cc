#include "harness/real/datagram_socket.h"

#include <arpa/inet.h>
#include <netinet/udp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace wirelab::real {
namespace {
// Room for a few milliseconds of a multi-Gbit/s flow: loopback drops only when a receive buffer
// overflows, and a small one would turn scheduling hiccups of the receiving thread into loss.
constexpr int kSocketBufferBytes = 8 << 20;
constexpr std::size_t kControlWords = 4;  // >= CMSG_SPACE(sizeof(int)) bytes
// UDP GSO limits: segments per message (UDP_MAX_SEGMENTS is 64 on older kernels) and the
// largest UDP payload.
constexpr std::size_t kMaxGsoSegments = 64;
constexpr std::size_t kMaxGsoBytes = 65507;

void set_buffer(int fd, int forced_option, int option) {
  // The *FORCE variants ignore net.core.{r,w}mem_max but need CAP_NET_ADMIN; without it the
  // plain option still gets what the sysctl allows.
  if (setsockopt(fd, SOL_SOCKET, forced_option, &kSocketBufferBytes, sizeof kSocketBufferBytes) != 0)
    setsockopt(fd, SOL_SOCKET, option, &kSocketBufferBytes, sizeof kSocketBufferBytes);
}
}  // namespace

DatagramBatch::DatagramBatch(std::size_t capacity, std::size_t datagram_bytes)
    : datagram_bytes_(datagram_bytes),
      storage_(new std::uint8_t[capacity * datagram_bytes]),
      sizes_(capacity),
      segment_sizes_(capacity),
      sources_(capacity),
      controls_(capacity * kControlWords),
      iovecs_(capacity),
      headers_(capacity) {}

DatagramSocket::DatagramSocket(const sockaddr_in& address) {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket(UDP)");
  set_buffer(fd_, SO_RCVBUFFORCE, SO_RCVBUF);
  set_buffer(fd_, SO_SNDBUFFORCE, SO_SNDBUF);
  const int on = 1;
  setsockopt(fd_, IPPROTO_UDP, UDP_GRO, &on, sizeof on);  // best effort: without it, no coalescing
  if (bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int e = errno;
    close(fd_);
    throw std::system_error(e, std::generic_category(), "bind(UDP)");
  }
}

DatagramSocket::~DatagramSocket() {
  if (fd_ >= 0) close(fd_);
}

sockaddr_in DatagramSocket::local_address() const {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  return a;
}

std::size_t DatagramSocket::receive(DatagramBatch& batch) {
  const std::size_t n = batch.capacity();
  for (std::size_t i = 0; i < n; ++i) {
    batch.iovecs_[i] = {batch.storage_.get() + i * batch.datagram_bytes_, batch.datagram_bytes_};
    msghdr& h = batch.headers_[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &batch.sources_[i];
    h.msg_namelen = sizeof(sockaddr_in);
    h.msg_iov = &batch.iovecs_[i];
    h.msg_iovlen = 1;
    h.msg_control = &batch.controls_[i * kControlWords];
    h.msg_controllen = kControlWords * sizeof(std::uint64_t);
  }
  int got;
  do {
    got = recvmmsg(fd_, batch.headers_.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED) {
      batch.count_ = 0;
      return 0;
    }
    throw std::system_error(errno, std::generic_category(), "recvmmsg");
  }
  for (int i = 0; i < got; ++i) {
    batch.sizes_[i] = batch.headers_[i].msg_len;
    batch.segment_sizes_[i] = 0;
    msghdr& h = batch.headers_[i].msg_hdr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO) {
        int segment = 0;
        std::memcpy(&segment, CMSG_DATA(c), sizeof segment);
        if (segment > 0 && static_cast<std::size_t>(segment) < batch.sizes_[i]) batch.segment_sizes_[i] = segment;
      }
    }
  }
  batch.count_ = static_cast<std::size_t>(got);
  return batch.count_;
}

void DatagramSocket::send(DatagramBatch& batch, const sockaddr_in& to) {
  // Group the batch into messages: a run of datagrams of one size, the last possibly shorter,
  // is one GSO message; any other datagram is a message of its own.
  const bool to_connected = connected_ && connected_->sin_addr.s_addr == to.sin_addr.s_addr &&
                            connected_->sin_port == to.sin_port;
  std::size_t messages = 0;
  for (std::size_t i = 0; i < batch.count_;) {
    const std::size_t segment = batch.sizes_[i];
    std::size_t j = i, bytes = 0;
    while (j < batch.count_ && (gso_ || j == i) && j - i < kMaxGsoSegments &&
           bytes + batch.sizes_[j] <= kMaxGsoBytes && batch.sizes_[j] <= segment) {
      batch.iovecs_[j] = {batch.storage_.get() + j * batch.datagram_bytes_, batch.sizes_[j]};
      bytes += batch.sizes_[j];
      if (batch.sizes_[j++] < segment) break;  // a shorter datagram ends its group
    }
    msghdr& h = batch.headers_[messages].msg_hdr;
    h = msghdr{};
    if (!to_connected) {
      h.msg_name = const_cast<sockaddr_in*>(&to);
      h.msg_namelen = sizeof to;
    }
    h.msg_iov = &batch.iovecs_[i];
    h.msg_iovlen = j - i;
    if (j - i > 1) {
      h.msg_control = &batch.controls_[messages * kControlWords];
      h.msg_controllen = CMSG_SPACE(sizeof(std::uint16_t));
      cmsghdr* c = CMSG_FIRSTHDR(&h);
      c->cmsg_level = IPPROTO_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
      const auto gso_size = static_cast<std::uint16_t>(segment);
      std::memcpy(CMSG_DATA(c), &gso_size, sizeof gso_size);
    }
    ++messages;
    i = j;
  }
  std::size_t sent = 0;
  while (sent < messages) {
    const int n = sendmmsg(fd_, batch.headers_.data() + sent, static_cast<unsigned>(messages - sent), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (gso_ && (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP) && sent == 0) {
        // This kernel or device will not segment for us: send the datagrams one by one.
        gso_ = false;
        send(batch, to);
        return;
      }
      // The peer's socket is gone (it finished first): what was in flight is lost, as on a
      // network; the run's outcome is decided by the receiver, not here.
      if (errno == ECONNREFUSED) break;
      throw std::system_error(errno, std::generic_category(), "sendmmsg");
    }
    sent += static_cast<std::size_t>(n);
  }
  batch.count_ = 0;
}

void DatagramSocket::connect_to(const sockaddr_in& peer) {
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) != 0)
    throw std::system_error(errno, std::generic_category(), "connect(UDP)");
  connected_ = peer;
}

sockaddr_in loopback_address(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

}  // namespace wirelab::real

// A kernel UDP socket for hosting sans-IO endpoints, with batched receive and send
// (recvmmsg/sendmmsg: one system call moves up to a batch of datagrams).
//
// Receives never block (the endpoint loop learns readiness from epoll); sends block, so a full
// socket send buffer pushes back on the endpoint instead of silently dropping its datagrams.
//
// Segmentation offload: a run of equal-sized datagrams in a send batch (the last may be
// shorter) goes to the kernel as one UDP GSO message (UDP_SEGMENT), which crosses the stack as
// one packet and is cut into datagrams only where it must be. Received datagrams may come
// coalesced (UDP_GRO); segment_size() then says where to cut. Each datagram on the wire is
// exactly what the endpoint produced either way.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "protocols/core/bytes.h"

namespace wirelab::real {

// Datagram buffers plus the mmsghdr/iovec arrays recvmmsg and sendmmsg take.
class DatagramBatch {
 public:
  DatagramBatch(std::size_t capacity, std::size_t datagram_bytes);

  std::size_t capacity() const { return sizes_.size(); }
  std::size_t datagram_bytes() const { return datagram_bytes_; }
  std::size_t count() const { return count_; }
  void clear() { count_ = 0; }
  bool full() const { return count_ == capacity(); }

  // The next free slot, to be filled and then committed with push(size).
  MutableByteView next_slot() { return {storage_.get() + count_ * datagram_bytes_, datagram_bytes_}; }
  void push(std::size_t size) { sizes_[count_++] = size; }

  ByteView datagram(std::size_t i) const { return {storage_.get() + i * datagram_bytes_, sizes_[i]}; }
  // Received: when nonzero, datagram(i) is several datagrams of this size (the last may be
  // shorter) that the kernel coalesced (GRO).
  std::size_t segment_size(std::size_t i) const { return segment_sizes_[i]; }
  const sockaddr_in& source(std::size_t i) const { return sources_[i]; }

 private:
  friend class DatagramSocket;
  std::size_t datagram_bytes_;
  std::size_t count_ = 0;
  // Not zeroed: a datagram's bytes are written before they are read, and a batch of 64 KB
  // datagrams is megabytes that zeroing (and faulting in) up front cost a few percent of a
  // loopback transfer.
  std::unique_ptr<std::uint8_t[]> storage_;
  std::vector<std::size_t> sizes_;
  std::vector<std::size_t> segment_sizes_;
  std::vector<sockaddr_in> sources_;
  std::vector<std::uint64_t> controls_;  // one cmsg buffer (kControlWords words) per message
  std::vector<iovec> iovecs_;
  std::vector<mmsghdr> headers_;
};

class DatagramSocket {
 public:
  // Binds to `address` (port 0: an ephemeral port); throws std::system_error.
  explicit DatagramSocket(const sockaddr_in& address);
  ~DatagramSocket();
  DatagramSocket(const DatagramSocket&) = delete;
  DatagramSocket& operator=(const DatagramSocket&) = delete;

  int fd() const { return fd_; }
  sockaddr_in local_address() const;

  // Fills `batch` with the datagrams waiting now (possibly none); returns how many.
  std::size_t receive(DatagramBatch& batch);
  // Sends every datagram of `batch` to `to`, then clears it; throws std::system_error.
  void send(DatagramBatch& batch, const sockaddr_in& to);
  // Fixes the peer (connect(2)): the kernel then keeps the route, and sends to `peer` skip a
  // route lookup per message; only `peer`'s datagrams are received from then on.
  void connect_to(const sockaddr_in& peer);
  // One datagram per send message from now on (no UDP GSO): a packet capture then holds each
  // datagram as its own packet instead of one coalesced super-packet.
  void disable_segmentation_offload() { gso_ = false; }

 private:
  int fd_ = -1;
  bool gso_ = true;  // cleared when the kernel refuses UDP_SEGMENT
  std::optional<sockaddr_in> connected_;
};

sockaddr_in loopback_address(std::uint16_t port);

}  // namespace wirelab::real

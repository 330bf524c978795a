// The sender's ledger of packets in flight: what each carried (so a loss can be repaired
// frame by frame) and the delivery-rate state at its send time (for BBR's rate samples).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "protocols/core/time.h"
#include "protocols/pfs/frame.h"

namespace wirelab::pfs {

// A stream chunk a packet carried: enough to retransmit it, without keeping the bytes twice
// (they stay in the stream's send buffer until acknowledged).
struct SentStreamChunk {
  std::uint64_t stream_id;
  std::uint64_t offset;
  std::uint64_t length;
  bool fin;
};

// Control frames that must be repeated if lost.
struct SentControl {
  bool handshake = false;
  bool max_data = false;
  std::vector<std::uint64_t> max_stream_data;  // stream ids
  bool max_streams = false;
  bool close = false;
};

struct SentPacket {
  std::uint64_t packet_number = 0;
  Timestamp sent_time{};
  std::uint64_t size = 0;        // UDP payload bytes
  bool ack_eliciting = false;
  bool in_flight = false;        // counts toward bytes in flight (ack-eliciting or padded)
  std::vector<SentStreamChunk> chunks;
  SentControl control;
  // Delivery-rate state when sent (draft-cheng-iccrg-delivery-rate-estimation).
  std::uint64_t delivered = 0;
  Timestamp delivered_time{};
  Timestamp first_sent_time{};
  bool is_app_limited = false;
  // FEC: the block this packet is a source of (UINT64_MAX: none), or whether it carried repair.
  std::uint64_t fec_block = UINT64_MAX;
  bool fec_repair = false;
};

class SentPacketLedger {
 public:
  void add(SentPacket packet);
  // Removes and returns the packet, or nothing when it is not (or no longer) in flight.
  bool take(std::uint64_t pn, SentPacket* out);
  const SentPacket* find(std::uint64_t pn) const;
  bool empty() const { return packets_.empty(); }
  std::uint64_t bytes_in_flight() const { return bytes_in_flight_; }
  std::size_t ack_eliciting_in_flight() const { return ack_eliciting_; }
  // Oldest first.
  const std::map<std::uint64_t, SentPacket>& packets() const { return packets_; }
  std::map<std::uint64_t, SentPacket>& packets() { return packets_; }

 private:
  std::map<std::uint64_t, SentPacket> packets_;
  std::uint64_t bytes_in_flight_ = 0;
  std::size_t ack_eliciting_ = 0;
};

}  // namespace wirelab::pfs

// The sender's ledger of packets in flight: what each carried (so a loss can be repaired
// frame by frame) and the delivery-rate state at its send time (for BBR's rate samples).
#pragma once

#include <cstdint>
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

// Packets in send order in a ring of slots that are recycled, not freed: at ~800k packets/s a
// map node and a chunk vector allocated and freed per packet were a tenth of the sender's time.
// A removed packet leaves its slot (so slot indices stay valid while a caller walks and removes)
// until trim() drops the removed slots at the front. Packet numbers only grow, so the slots are
// sorted by packet number and lookups are binary searches.
class SentPacketLedger {
 public:
  // Copies `packet` (packet number above every one added before) into a recycled slot, whose
  // vectors keep their capacity.
  void add(const SentPacket& packet);
  const SentPacket* find(std::uint64_t pn) const;
  bool empty() const { return live_ == 0; }
  std::uint64_t bytes_in_flight() const { return bytes_in_flight_; }
  std::size_t ack_eliciting_in_flight() const { return ack_eliciting_; }

  // Slots oldest first: indices [0, slot_count()); at(i) is null once the packet was removed.
  std::size_t slot_count() const { return count_; }
  // The first slot whose packet number is >= pn (slot_count() when none).
  std::size_t lower_bound(std::uint64_t pn) const;
  SentPacket* at(std::size_t i) { return slot(i).live ? &slot(i).packet : nullptr; }
  const SentPacket* at(std::size_t i) const { return slot(i).live ? &slot(i).packet : nullptr; }
  // Calls f(i) for every slot, oldest first, still holding a packet numbered in [first, last];
  // f may remove() that packet.
  template <class F>
  void for_each_live_in(std::uint64_t first, std::uint64_t last, F&& f) {
    for (std::size_t i = lower_bound(first); i < count_; ++i) {
      const Slot& s = slot(i);
      if (s.packet.packet_number > last) break;
      if (s.live) f(i);
    }
  }
  // Removes the packet in slot i from flight; it stays readable through the slot until trim().
  void remove(std::size_t i);
  SentPacket& removed(std::size_t i) { return slot(i).packet; }
  // Drops removed slots at the front (invalidates indices).
  void trim();

 private:
  struct Slot {
    SentPacket packet;
    bool live = false;
  };
  Slot& slot(std::size_t i) { return ring_[(head_ + i) & (ring_.size() - 1)]; }
  const Slot& slot(std::size_t i) const { return ring_[(head_ + i) & (ring_.size() - 1)]; }

  std::vector<Slot> ring_;  // size a power of two (or empty)
  std::size_t head_ = 0;
  std::size_t count_ = 0;   // slots in use, removed ones included
  std::size_t live_ = 0;
  std::uint64_t bytes_in_flight_ = 0;
  std::size_t ack_eliciting_ = 0;
};

}  // namespace wirelab::pfs

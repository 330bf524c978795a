// A receiver of a PFS multicast session: rebuilds the content in order from DATA, PARITY and
// retransmissions, and asks for what it lacks with NACKs that the other receivers can cancel.
//
// A packet is missing once a later one (or a HEARTBEAT counting past it) has arrived. The first
// loss in a block arms that block's NACK at a random back-off in [0, nack_backoff_max]. While it
// waits:
//   - a NACK overheard from another receiver that covers this one (it names every packet we
//     miss, or, with parity left in the block, asks at least as many shards as we need)
//     cancels ours: we wait for the repair it will bring, as if we had sent it;
//   - a repair multicast by the sender shrinks it: when the timer fires the NACK asks only for
//     what this receiver still needs, and blocks rebuilt meanwhile drop out.
// After a NACK (sent or cancelled) the block waits repair_wait before it asks again.
// Blocks are handed to the application in order once every packet is there or rebuilt.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "protocols/core/endpoint.h"
#include "protocols/core/random.h"
#include "protocols/fec/reed_solomon.h"
#include "protocols/multicast/multicast_config.h"
#include "protocols/multicast/multicast_packet.h"

namespace wirelab::multicast {

struct ReceiverStats {
  std::uint64_t datagrams_received = 0;
  std::uint64_t duplicates = 0;          // DATA or PARITY for a packet/block it already had
  std::uint64_t nacks_sent = 0;          // NACK datagrams
  std::uint64_t nack_entries_sent = 0;
  std::uint64_t nacks_suppressed = 0;    // block NACKs cancelled by an overheard NACK
  std::uint64_t blocks_rebuilt = 0;      // blocks completed by Reed-Solomon
};

class MulticastReceiver : public Endpoint {
 public:
  explicit MulticastReceiver(const MulticastConfig& config);

  void on_datagram(Timestamp now, ByteView datagram) override;
  void on_timeout(Timestamp now) override;
  std::optional<std::size_t> poll_transmit(Timestamp now, MutableByteView buffer) override;
  Timestamp next_timeout() const override;
  std::size_t max_datagram_size() const override { return config_.max_datagram_size; }

  // In-order content not read yet; read() takes up to out.size of it.
  std::size_t readable() const { return ready_.size() - read_at_; }
  std::size_t read(MutableByteView out);
  // Every byte of the content has been handed to read().
  bool finished() const { return known_ && delivered_block_ == geometry_.blocks() && readable() == 0; }
  std::uint64_t total_bytes() const { return known_ ? geometry_.total_bytes : 0; }
  const ReceiverStats& stats() const { return stats_; }

 private:
  struct Block {
    std::vector<std::vector<std::uint8_t>> shards;  // k data then m parity, shard_len each
    std::vector<bool> present;
    int data = 0;
    int parity = 0;
    bool complete = false;
    // NACK state: armed once the block shows a loss.
    Timestamp nack_at = kTimeInfinite;
    bool first_nack_pending = false;  // armed by a new loss, not sent or cancelled yet
  };

  bool learn(const Geometry& g);
  Block& block(std::uint32_t b);
  void on_data(Timestamp now, std::uint32_t seq, ByteView payload);
  void on_parity(std::uint32_t b, int index, ByteView payload);
  void on_overheard(Timestamp now, const std::vector<NackEntry>& entries);
  void advance_known(Timestamp now, std::uint32_t packets);
  void try_complete(std::uint32_t b);
  void deliver();
  int need(std::uint32_t b, const Block& blk) const;
  std::vector<std::uint8_t> missing(std::uint32_t b, const Block& blk) const;
  void fire_nacks(Timestamp now);

  MulticastConfig config_;
  SeededRandom random_;
  bool known_ = false;
  Geometry geometry_;
  std::optional<fec::ReedSolomon> rs_;
  std::map<std::uint32_t, Block> blocks_;   // incomplete blocks, and complete ones not delivered
  std::uint32_t delivered_block_ = 0;       // blocks before this one were handed over
  std::uint32_t known_packets_ = 0;         // packets the sender has sent at least once
  std::vector<std::uint8_t> ready_;
  std::size_t read_at_ = 0;
  std::vector<NackEntry> outgoing_;         // NACK entries waiting for poll_transmit
  bool done_pending_ = false;               // a DONE to send
  bool done_sent_ = false;
  ReceiverStats stats_;
};

}  // namespace wirelab::multicast

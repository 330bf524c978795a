// The sender of a PFS multicast session: one content, paced to the group once, repaired on
// demand for all receivers at once.
//
// Datagrams go to the group (the host sends every poll_transmit datagram there). NACKs that
// arrive within one aggregation window are merged per block (the largest `need`, the union of
// missing packets); when the window closes each block is repaired once: with `need` fresh
// Reed-Solomon parity shards while the block has that many unsent (one parity shard repairs a
// different lost packet at each receiver), else by retransmitting the union of missing packets.
// Repairs go ahead of new data in the pacer. After the last packet a HEARTBEAT (how many
// packets exist) repeats until every receiver has said DONE, so a tail loss shows as a gap.
// Memory: the parity of repaired blocks is cached up to MulticastConfig::parity_cache_bytes
// (least recently used out, encoded again when asked for again), and per-block state is a byte
// and a bit, so a long transfer does not grow the sender by what it repaired.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "protocols/core/endpoint.h"
#include "protocols/fec/reed_solomon.h"
#include "protocols/multicast/multicast_config.h"
#include "protocols/multicast/multicast_packet.h"

namespace wirelab::multicast {

struct SenderStats {
  std::uint64_t datagrams_sent = 0;
  std::uint64_t wire_bytes_sent = 0;       // UDP payload bytes
  std::uint64_t data_packets_sent = 0;     // first transmissions
  std::uint64_t parity_packets_sent = 0;
  std::uint64_t retransmitted_packets = 0;
  std::uint64_t repair_bytes_sent = 0;     // UDP payload bytes of PARITY and retransmitted DATA
  std::uint64_t nacks_received = 0;
  std::uint64_t nack_entries_ignored = 0;  // already answered by a repair in flight (holdoff)
  std::uint64_t repair_rounds = 0;         // aggregation windows that produced repair
  std::uint64_t parity_blocks_encoded = 0;  // Reed-Solomon encodings of a block's parity
  std::uint64_t parity_reencoded = 0;       // ... of a block encoded before (evicted since)
  std::uint64_t parity_cache_evictions = 0;
  std::uint64_t parity_cache_peak_bytes = 0;
};

class MulticastSender : public Endpoint {
 public:
  MulticastSender(const MulticastConfig& config, std::uint64_t total_bytes, ContentSource content);

  void on_datagram(Timestamp now, ByteView datagram) override;
  void on_timeout(Timestamp now) override;
  std::optional<std::size_t> poll_transmit(Timestamp now, MutableByteView buffer) override;
  Timestamp next_timeout() const override;
  std::size_t max_datagram_size() const override { return config_.max_datagram_size; }

  // Every receiver has said DONE.
  bool done() const { return done_receivers_.size() >= config_.receivers; }
  const SenderStats& stats() const { return stats_; }
  std::size_t parity_cache_bytes() const { return parity_cache_bytes_; }
  // Blocks whose last repair is recent enough to answer a NACK with (holdoff); older ones are
  // forgotten, so this stays at what a few RTTs of repair touch.
  std::size_t recent_repairs() const { return last_repair_.size(); }
  const Geometry& geometry() const { return geometry_; }

 private:
  struct Repair {
    bool parity;
    std::uint32_t block_or_seq;
    int index;
  };
  struct Aggregate {
    int need = 0;
    std::set<std::uint8_t> missing;
  };
  struct CachedParity {
    std::vector<std::uint8_t> shards;          // m shards of shard_len
    std::list<std::uint32_t>::iterator use;    // its place in parity_use_
  };
  struct LastRepair {
    Timestamp at;
    int parity = 0;                  // parity shards that repair sent
    std::set<std::uint8_t> resent;   // packets it retransmitted
  };

  void close_aggregation(Timestamp now);
  bool answered(const LastRepair& last, const NackEntry& e, Timestamp now) const;
  const std::vector<std::uint8_t>& parity_of(std::uint32_t block);
  std::size_t write_packet(std::uint32_t seq, MutableByteView out);
  void sent(Timestamp now, std::size_t bytes);
  bool has_work() const;

  MulticastConfig config_;
  Geometry geometry_;
  ContentSource content_;
  std::optional<fec::ReedSolomon> rs_;
  std::uint32_t next_seq_ = 0;
  Timestamp next_send_at_ = kTimeZero;
  Timestamp heartbeat_at_ = kTimeZero;
  std::deque<Repair> repairs_;
  std::map<std::uint32_t, Aggregate> aggregate_;
  Timestamp aggregation_ends_ = kTimeInfinite;
  std::map<std::uint32_t, LastRepair> last_repair_;
  std::vector<std::uint8_t> parity_sent_;     // per block: parity shards sent (m <= 254)
  std::vector<bool> parity_encoded_once_;     // per block: encoded before (parity_reencoded)
  // Bounded by config_.parity_cache_bytes; parity_use_ lists blocks most recently used first.
  std::map<std::uint32_t, CachedParity> parity_cache_;
  std::list<std::uint32_t> parity_use_;
  std::size_t parity_cache_bytes_ = 0;
  std::set<std::uint16_t> done_receivers_;
  std::vector<std::uint8_t> scratch_;
  SenderStats stats_;
};

}  // namespace wirelab::multicast

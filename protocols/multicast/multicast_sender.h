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
#pragma once

#include <cstdint>
#include <deque>
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
  std::map<std::uint32_t, int> parity_sent_;
  std::map<std::uint32_t, std::vector<std::uint8_t>> parity_cache_;  // block -> m shards
  std::set<std::uint16_t> done_receivers_;
  std::vector<std::uint8_t> scratch_;
  SenderStats stats_;
};

}  // namespace wirelab::multicast

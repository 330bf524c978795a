// The sender's half of PFS's FEC (docs/protocols/pfs-fec.md): groups the packets that carry
// stream data into rs(k,m) blocks, `interleave` blocks filled round-robin at once, and queues m
// FEC_REPAIR frames per block when it closes (full, or flushed when the sender runs out of data).
// It also answers loss detection's question "may this source still be rebuilt by repair?" so
// ARQ waits for the block's repairs before retransmitting. Sans-IO: the connection hands in
// packet numbers, payloads and times.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "protocols/core/bytes.h"
#include "protocols/core/time.h"
#include "protocols/fec/reed_solomon.h"
#include "protocols/pfs/frame.h"

namespace wirelab::pfs {

class FecBlockEncoder {
 public:
  static constexpr std::uint64_t kNoBlock = UINT64_MAX;

  explicit FecBlockEncoder(std::uint32_t interleave) : interleave_(interleave < 1 ? 1 : interleave) {}

  // Parameters for the next group of blocks; the group being filled keeps its own.
  void set_params(fec::RsParams params) { next_ = params; }
  // True when the next packet with stream data becomes a source of a block.
  bool active() const { return group_open() || next_.enabled(); }
  // How many bytes of frames a source packet numbered `pn` may carry, so that any repair of its
  // block (header, FEC_REPAIR overhead, the 2-byte length prefix, the payload) fits a datagram.
  std::size_t source_payload_limit(std::size_t max_datagram_size, std::size_t header_bytes) const;
  // Whether rs(k, *) leaves a source at least kMinSourcePayload bytes of frames in datagrams of
  // this size, whatever its packet number (the longest header is 14 bytes).
  static constexpr std::size_t kMinSourcePayload = 256;
  static bool fits(int k, std::size_t max_datagram_size) {
    return max_datagram_size >= 14 + 4 + fec_repair_overhead(k) + 2 + kMinSourcePayload;
  }

  // Records a sent source packet (its frames); returns the id of the block it joined.
  std::uint64_t add_source(std::uint64_t pn, ByteView payload);
  // Closes every open block of the group (short blocks are coded with zero shards for the
  // missing sources) and queues their repairs.
  void flush();
  bool has_open_sources() const;

  bool has_repair() const { return !repairs_.empty(); }
  // The next repair to send; its shard points into the encoder until on_repair_sent.
  FecRepairFrame next_repair() const;
  std::size_t next_repair_size() const;
  void on_repair_sent(std::uint64_t pn, Timestamp now, std::uint64_t bytes);
  std::uint64_t repair_bytes_sent() const { return repair_bytes_; }

  // Loss detection's view of a source in `block`: nullopt when the block is unknown (forgotten:
  // treat the packet like any other); `pending` while repairs are still to be sent; otherwise
  // the number and send time of the block's last repair, which stand in for the source's own in
  // the packet- and time-threshold rules.
  struct Guard {
    bool pending = true;
    std::uint64_t last_repair_pn = 0;
    Timestamp last_repair_sent{};
  };
  std::optional<Guard> guard(std::uint64_t block) const;

 private:
  struct OpenBlock {
    std::uint64_t id = 0;
    std::vector<std::uint64_t> packets;
    std::vector<std::vector<std::uint8_t>> payloads;
    bool closed = false;
  };
  struct QueuedRepair {
    FecRepairFrame frame;  // shard filled in from `shard` when asked for
    std::vector<std::uint8_t> shard;
  };
  struct GuardState {
    Guard guard;
    int repairs_left = 0;
  };

  bool group_open() const { return !group_.empty(); }
  void start_group();
  void close_block(OpenBlock& b, std::vector<QueuedRepair>& out);
  void end_group();
  const fec::ReedSolomon& codec(int k, int m);

  std::uint32_t interleave_;
  fec::RsParams next_;
  fec::RsParams params_;  // the open group's
  std::vector<OpenBlock> group_;
  std::vector<std::vector<QueuedRepair>> group_repairs_;  // per block of the group, until it ends
  std::size_t next_slot_ = 0;
  std::uint64_t next_block_id_ = 0;
  std::deque<QueuedRepair> repairs_;
  std::map<std::uint64_t, GuardState> guards_;
  std::map<std::pair<int, int>, fec::ReedSolomon> codecs_;
  std::uint64_t repair_bytes_ = 0;
};

}  // namespace wirelab::pfs

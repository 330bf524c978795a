// The receiver's half of PFS's FEC (docs/protocols/pfs-fec.md): keeps the payloads of recent
// packets that carried stream data, collects FEC_REPAIR shards per block, and rebuilds the
// block's lost source packets once any k of its k + m shards are at hand. The connection then
// processes a rebuilt packet as if it had arrived. Sans-IO.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "protocols/core/bytes.h"
#include "protocols/fec/reed_solomon.h"
#include "protocols/pfs/frame.h"

namespace wirelab::pfs {

struct RecoveredPacket {
  std::uint64_t packet_number = 0;
  std::vector<std::uint8_t> payload;  // the packet's frames
};

class FecBlockDecoder {
 public:
  // Payloads kept (by packet number): a block whose sources span more than this is not
  // rebuilt, and ARQ repairs its losses instead.
  static constexpr std::size_t kHistoryPackets = 4096;

  // A received packet that carried stream data: a possible source of some block.
  void on_source(std::uint64_t pn, ByteView payload, std::vector<RecoveredPacket>& recovered);
  void on_repair(const FecRepairFrame& repair, std::vector<RecoveredPacket>& recovered);
  std::uint64_t recovered_total() const { return recovered_total_; }

 private:
  struct PendingBlock {
    int k = 0;
    int m = 0;
    std::vector<std::uint64_t> sources;
    std::size_t shard_len = 0;
    std::map<int, std::vector<std::uint8_t>> repairs;  // by repair index
  };

  void try_decode(std::uint64_t block_id, std::vector<RecoveredPacket>& recovered);
  void finish(std::uint64_t block_id);
  const fec::ReedSolomon& codec(int k, int m);

  std::map<std::uint64_t, std::vector<std::uint8_t>> history_;
  std::uint64_t history_floor_ = 0;  // packets below this were forgotten
  std::map<std::uint64_t, PendingBlock> pending_;
  std::multimap<std::uint64_t, std::uint64_t> waiting_for_;  // source pn -> pending block
  std::set<std::uint64_t> finished_;  // recent blocks already complete or rebuilt
  std::map<std::pair<int, int>, fec::ReedSolomon> codecs_;
  std::uint64_t recovered_total_ = 0;
};

}  // namespace wirelab::pfs

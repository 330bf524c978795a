#include "protocols/pfs/fec_block_decoder.h"

#include <cstring>

namespace wirelab::pfs {
namespace {

constexpr std::size_t kMaxPendingBlocks = 4096;
constexpr std::size_t kMaxFinishedBlocks = 8192;

}  // namespace

const fec::ReedSolomon& FecBlockDecoder::codec(int k, int m) {
  auto it = codecs_.find({k, m});
  if (it == codecs_.end()) it = codecs_.emplace(std::make_pair(k, m), fec::ReedSolomon(k, m)).first;
  return it->second;
}

void FecBlockDecoder::on_source(std::uint64_t pn, ByteView payload, std::vector<RecoveredPacket>& recovered) {
  if (pn < history_floor_) return;
  history_[pn].assign(payload.begin(), payload.end());
  while (history_.size() > kHistoryPackets) {
    history_floor_ = history_.begin()->first + 1;
    history_.erase(history_.begin());
  }
  // A late (reordered) source may complete a block whose repairs came first.
  auto range = waiting_for_.equal_range(pn);
  std::vector<std::uint64_t> blocks;
  for (auto it = range.first; it != range.second; ++it) blocks.push_back(it->second);
  for (std::uint64_t b : blocks) try_decode(b, recovered);
}

void FecBlockDecoder::on_repair(const FecRepairFrame& f, std::vector<RecoveredPacket>& recovered) {
  if (finished_.count(f.block_id)) return;
  auto it = pending_.find(f.block_id);
  if (it == pending_.end()) {
    if (f.source_packets.empty() || f.source_packets.front() < history_floor_) return;  // too old to rebuild
    while (pending_.size() >= kMaxPendingBlocks) finish(pending_.begin()->first);
    PendingBlock b;
    b.k = f.k;
    b.m = f.m;
    b.sources = f.source_packets;
    b.shard_len = f.shard.size;
    it = pending_.emplace(f.block_id, std::move(b)).first;
    for (std::uint64_t pn : f.source_packets) waiting_for_.emplace(pn, f.block_id);
  }
  PendingBlock& b = it->second;
  // A repair that disagrees with the block's first one (another shape) cannot be decoded with
  // it; keep the first and ignore this one.
  if (b.k != f.k || b.m != f.m || b.shard_len != f.shard.size || b.sources != f.source_packets) return;
  b.repairs[f.index].assign(f.shard.begin(), f.shard.end());
  try_decode(f.block_id, recovered);
}

void FecBlockDecoder::finish(std::uint64_t block_id) {
  auto it = pending_.find(block_id);
  if (it != pending_.end()) {
    for (std::uint64_t pn : it->second.sources) {
      auto range = waiting_for_.equal_range(pn);
      for (auto w = range.first; w != range.second;) w = w->second == block_id ? waiting_for_.erase(w) : std::next(w);
    }
    pending_.erase(it);
  }
  finished_.insert(block_id);
  while (finished_.size() > kMaxFinishedBlocks) finished_.erase(finished_.begin());
}

void FecBlockDecoder::try_decode(std::uint64_t block_id, std::vector<RecoveredPacket>& recovered) {
  auto it = pending_.find(block_id);
  if (it == pending_.end()) return;
  const PendingBlock& b = it->second;
  const int k = b.k, m = b.m, count = static_cast<int>(b.sources.size());
  std::vector<int> missing;
  for (int i = 0; i < count; ++i) {
    auto h = history_.find(b.sources[i]);
    if (h == history_.end()) {
      if (b.sources[i] < history_floor_) {  // forgotten: this block can no longer be rebuilt
        finish(block_id);
        return;
      }
      missing.push_back(i);
    } else if (h->second.size() + 2 > b.shard_len) {
      finish(block_id);  // not the packet the sender coded: nothing sound to rebuild
      return;
    }
  }
  if (missing.empty()) {
    finish(block_id);
    return;
  }
  if (missing.size() > b.repairs.size()) return;  // wait for more shards

  const std::size_t len = b.shard_len;
  std::vector<std::vector<std::uint8_t>> shards(k + m, std::vector<std::uint8_t>(len, 0));
  std::vector<bool> present(k + m, false);
  for (int i = 0; i < k; ++i) {
    present[i] = true;  // absent sources of a short block are known zeros
    if (i >= count) continue;
    auto h = history_.find(b.sources[i]);
    if (h == history_.end()) {
      present[i] = false;
      continue;
    }
    const std::vector<std::uint8_t>& p = h->second;
    shards[i][0] = static_cast<std::uint8_t>(p.size() >> 8);
    shards[i][1] = static_cast<std::uint8_t>(p.size());
    if (!p.empty()) std::memcpy(shards[i].data() + 2, p.data(), p.size());
  }
  for (const auto& [index, shard] : b.repairs) {
    shards[k + index] = shard;
    present[k + index] = true;
  }
  std::vector<std::uint8_t*> ptrs(k + m);
  for (int i = 0; i < k + m; ++i) ptrs[i] = shards[i].data();
  if (!codec(k, m).reconstruct(len, ptrs.data(), present)) return;
  for (int i : missing) {
    const std::size_t size = (std::size_t{shards[i][0]} << 8) | shards[i][1];
    if (size + 2 > len) continue;  // a corrupt length: never hand out bytes beyond the shard
    RecoveredPacket r;
    r.packet_number = b.sources[i];
    r.payload.assign(shards[i].begin() + 2, shards[i].begin() + 2 + static_cast<std::ptrdiff_t>(size));
    ++recovered_total_;
    recovered.push_back(std::move(r));
  }
  finish(block_id);
}

}  // namespace wirelab::pfs

#include "protocols/pfs/fec_block_encoder.h"

#include <algorithm>
#include <cstring>

namespace wirelab::pfs {
namespace {

// Guards kept for blocks whose sources may still be in flight; older ones are forgotten and
// their sources fall back to plain loss detection.
constexpr std::size_t kMaxGuards = 8192;
// Block ids travel as varints; below 2^30 they take 4 bytes (fec_repair_overhead counts on it).
constexpr std::uint64_t kBlockIdSpace = std::uint64_t{1} << 30;

}  // namespace

std::size_t FecBlockEncoder::source_payload_limit(std::size_t max_datagram_size, std::size_t header_bytes) const {
  const int k = group_open() ? params_.k : next_.k;
  // The repair's packet number is larger than the source's: its varint may be 4 bytes longer.
  const std::size_t reserve = header_bytes + 4 + fec_repair_overhead(k) + 2;
  return max_datagram_size > reserve ? max_datagram_size - reserve : 0;
}

const fec::ReedSolomon& FecBlockEncoder::codec(int k, int m) {
  auto it = codecs_.find({k, m});
  if (it == codecs_.end()) it = codecs_.emplace(std::make_pair(k, m), fec::ReedSolomon(k, m)).first;
  return it->second;
}

void FecBlockEncoder::start_group() {
  params_ = next_;
  group_.assign(interleave_, OpenBlock{});
  group_repairs_.assign(interleave_, {});
  for (auto& b : group_) {
    b.id = next_block_id_;
    next_block_id_ = (next_block_id_ + 1) % kBlockIdSpace;
    guards_[b.id] = GuardState{};
    while (guards_.size() > kMaxGuards) guards_.erase(guards_.begin());
  }
  next_slot_ = 0;
}

std::uint64_t FecBlockEncoder::add_source(std::uint64_t pn, ByteView payload) {
  if (!group_open()) {
    if (!next_.enabled()) return kNoBlock;
    start_group();
  }
  // Packet numbers within a block travel as deltas of at most 2 bytes.
  for (const auto& b : group_) {
    if (!b.packets.empty() && pn - b.packets.back() > kFecMaxSourceGap) {
      flush();
      return add_source(pn, payload);
    }
  }
  // Round-robin over the blocks still open (a short block may have closed early: none do now,
  // but the loop keeps the rule simple if that changes).
  while (group_[next_slot_].closed) next_slot_ = (next_slot_ + 1) % group_.size();
  OpenBlock& b = group_[next_slot_];
  const std::size_t slot = next_slot_;
  next_slot_ = (next_slot_ + 1) % group_.size();
  b.packets.push_back(pn);
  b.payloads.emplace_back(payload.begin(), payload.end());
  const std::uint64_t id = b.id;
  if (static_cast<int>(b.packets.size()) == params_.k) {
    close_block(b, group_repairs_[slot]);
    if (std::all_of(group_.begin(), group_.end(), [](const OpenBlock& o) { return o.closed; })) end_group();
  }
  return id;
}

bool FecBlockEncoder::has_open_sources() const {
  return std::any_of(group_.begin(), group_.end(), [](const OpenBlock& b) { return !b.closed && !b.packets.empty(); });
}

void FecBlockEncoder::flush() {
  if (!group_open()) return;
  for (std::size_t i = 0; i < group_.size(); ++i) {
    OpenBlock& b = group_[i];
    if (b.closed) continue;
    if (b.packets.empty()) {
      guards_.erase(b.id);
      b.closed = true;
      continue;
    }
    close_block(b, group_repairs_[i]);
  }
  end_group();
}

void FecBlockEncoder::close_block(OpenBlock& b, std::vector<QueuedRepair>& out) {
  b.closed = true;
  const int k = params_.k, m = params_.m;
  std::size_t longest = 0;
  for (const auto& p : b.payloads) longest = std::max(longest, p.size());
  const std::size_t shard_len = 2 + longest;
  // Shard i: [u16 length BE][payload][zeros]; sources a short block lacks are all zero.
  std::vector<std::vector<std::uint8_t>> sources(k, std::vector<std::uint8_t>(shard_len, 0));
  for (std::size_t i = 0; i < b.payloads.size(); ++i) {
    const auto& p = b.payloads[i];
    sources[i][0] = static_cast<std::uint8_t>(p.size() >> 8);
    sources[i][1] = static_cast<std::uint8_t>(p.size());
    if (!p.empty()) std::memcpy(sources[i].data() + 2, p.data(), p.size());
  }
  std::vector<const std::uint8_t*> data(k);
  for (int i = 0; i < k; ++i) data[i] = sources[i].data();
  std::vector<QueuedRepair> repairs(m);
  std::vector<std::uint8_t*> parity(m);
  for (int j = 0; j < m; ++j) {
    repairs[j].shard.assign(shard_len, 0);
    parity[j] = repairs[j].shard.data();
  }
  codec(k, m).encode(shard_len, data.data(), parity.data());
  for (int j = 0; j < m; ++j) {
    FecRepairFrame& f = repairs[j].frame;
    f.block_id = b.id;
    f.k = static_cast<std::uint8_t>(k);
    f.m = static_cast<std::uint8_t>(m);
    f.index = static_cast<std::uint8_t>(j);
    f.source_packets = b.packets;
    out.push_back(std::move(repairs[j]));
  }
  auto g = guards_.find(b.id);
  if (g != guards_.end()) g->second.repairs_left = m;
  b.payloads.clear();
  b.payloads.shrink_to_fit();
}

void FecBlockEncoder::end_group() {
  // Repairs leave index-major (every block's repair 0, then every block's repair 1, ...), so a
  // burst among the repairs too costs each block as few shards as the sources' interleaving.
  std::size_t most = 0;
  for (const auto& r : group_repairs_) most = std::max(most, r.size());
  for (std::size_t j = 0; j < most; ++j) {
    for (auto& r : group_repairs_) {
      if (j < r.size()) repairs_.push_back(std::move(r[j]));
    }
  }
  group_.clear();
  group_repairs_.clear();
}

FecRepairFrame FecBlockEncoder::next_repair() const {
  FecRepairFrame f = repairs_.front().frame;
  f.shard = ByteView(repairs_.front().shard.data(), repairs_.front().shard.size());
  return f;
}

std::size_t FecBlockEncoder::next_repair_size() const { return encoded_size(Frame(next_repair())); }

void FecBlockEncoder::on_repair_sent(std::uint64_t pn, Timestamp now, std::uint64_t bytes) {
  const std::uint64_t block = repairs_.front().frame.block_id;
  repairs_.pop_front();
  repair_bytes_ += bytes;
  auto g = guards_.find(block);
  if (g == guards_.end()) return;
  GuardState& s = g->second;
  s.guard.last_repair_pn = pn;
  s.guard.last_repair_sent = now;
  if (--s.repairs_left <= 0) s.guard.pending = false;
}

std::optional<FecBlockEncoder::Guard> FecBlockEncoder::guard(std::uint64_t block) const {
  if (block == kNoBlock) return std::nullopt;
  auto it = guards_.find(block);
  if (it == guards_.end()) return std::nullopt;
  return it->second.guard;
}

}  // namespace wirelab::pfs

#include "protocols/multicast/multicast_receiver.h"

#include <algorithm>
#include <cstring>

namespace wirelab::multicast {

MulticastReceiver::MulticastReceiver(const MulticastConfig& config)
    : config_(config), random_(config.seed ^ (0x4ac3d1e5ULL * (config.receiver_id + 1))) {}

bool MulticastReceiver::learn(const Geometry& g) {
  if (known_) return g == geometry_;
  geometry_ = g;
  known_ = true;
  if (g.m > 0) rs_.emplace(g.k, g.m);
  return true;
}

MulticastReceiver::Block& MulticastReceiver::block(std::uint32_t b) {
  auto it = blocks_.find(b);
  if (it != blocks_.end()) return it->second;
  Block& blk = blocks_[b];
  blk.shards.resize(static_cast<std::size_t>(geometry_.k + geometry_.m));
  blk.present.assign(static_cast<std::size_t>(geometry_.k + geometry_.m), false);
  return blk;
}

void MulticastReceiver::on_datagram(Timestamp now, ByteView datagram) {
  const auto packet = parse_packet(datagram);
  if (!packet) return;
  ++stats_.datagrams_received;
  switch (packet->type) {
    case PacketType::kData:
      if (learn(packet->geometry)) on_data(now, packet->seq, packet->payload);
      break;
    case PacketType::kParity:
      if (!learn(packet->geometry)) break;
      on_parity(packet->block, packet->parity_index, packet->payload);
      // Parity for a block follows the NACK of a packet in it, so everything before it was sent.
      advance_known(now, std::min(geometry_.packets(), packet->block * static_cast<std::uint32_t>(geometry_.k) +
                                                           static_cast<std::uint32_t>(geometry_.block_packets(packet->block))));
      break;
    case PacketType::kHeartbeat:
      if (!learn(packet->geometry)) break;
      advance_known(now, packet->packets_sent);
      // The sender still announces: it may lack our DONE.
      if (delivered_block_ == geometry_.blocks()) done_pending_ = true;
      break;
    case PacketType::kNack:
      if (known_ && packet->receiver != config_.receiver_id) on_overheard(now, packet->entries);
      break;
    case PacketType::kDone:
      break;
  }
}

void MulticastReceiver::on_data(Timestamp now, std::uint32_t seq, ByteView payload) {
  const std::uint32_t b = seq / static_cast<std::uint32_t>(geometry_.k);
  const std::size_t index = seq % static_cast<std::uint32_t>(geometry_.k);
  Block* blk = b < delivered_block_ ? nullptr : &block(b);
  if (!blk || blk->complete || blk->present[index]) {
    ++stats_.duplicates;
  } else {
    blk->shards[index].assign(geometry_.shard_len, 0);
    std::memcpy(blk->shards[index].data(), payload.data, payload.size);
    blk->present[index] = true;
    ++blk->data;
    try_complete(b);
  }
  advance_known(now, seq + 1);
}

void MulticastReceiver::on_parity(std::uint32_t b, int index, ByteView payload) {
  const std::size_t slot = static_cast<std::size_t>(geometry_.k + index);
  Block* blk = b < delivered_block_ ? nullptr : &block(b);
  if (!blk || blk->complete || blk->present[slot]) {
    ++stats_.duplicates;
    return;
  }
  blk->shards[slot].assign(payload.data, payload.data + payload.size);
  blk->present[slot] = true;
  ++blk->parity;
  try_complete(b);
}

// Packets [known_packets_, packets) now exist; those we lack arm their block's NACK.
void MulticastReceiver::advance_known(Timestamp now, std::uint32_t packets) {
  packets = std::min(packets, geometry_.packets());
  for (std::uint32_t seq = known_packets_; seq < packets; ++seq) {
    const std::uint32_t b = seq / static_cast<std::uint32_t>(geometry_.k);
    if (b < delivered_block_) continue;
    Block& blk = block(b);
    if (blk.complete || blk.present[seq % static_cast<std::uint32_t>(geometry_.k)]) continue;
    if (blk.nack_at == kTimeInfinite) {
      const auto backoff = static_cast<std::int64_t>(random_.uniform() * config_.nack_backoff_max().count());
      blk.nack_at = now + Duration(backoff);
      blk.first_nack_pending = true;
    }
  }
  known_packets_ = std::max(known_packets_, packets);
}

void MulticastReceiver::try_complete(std::uint32_t b) {
  Block& blk = blocks_.at(b);
  const int packets = geometry_.block_packets(b);
  if (blk.data < packets) {
    if (!rs_ || blk.data + blk.parity < packets) return;
    // Rebuild: the absent packets of a short last block are zero shards both ends agree on.
    std::vector<std::uint8_t*> shards;
    std::vector<bool> present = blk.present;
    for (int i = 0; i < geometry_.k + geometry_.m; ++i) {
      auto& shard = blk.shards[static_cast<std::size_t>(i)];
      if (i >= packets && i < geometry_.k) present[static_cast<std::size_t>(i)] = true;
      if (shard.size() != geometry_.shard_len) shard.assign(geometry_.shard_len, 0);
      shards.push_back(shard.data());
    }
    if (!rs_->reconstruct(geometry_.shard_len, shards.data(), present)) return;
    ++stats_.blocks_rebuilt;
  }
  blk.complete = true;
  blk.nack_at = kTimeInfinite;
  blk.first_nack_pending = false;
  deliver();
}

void MulticastReceiver::deliver() {
  for (auto it = blocks_.find(delivered_block_); it != blocks_.end() && it->second.complete;
       it = blocks_.find(delivered_block_)) {
    const std::uint32_t first = delivered_block_ * static_cast<std::uint32_t>(geometry_.k);
    if (read_at_ == ready_.size()) ready_.clear(), read_at_ = 0;
    for (int i = 0; i < geometry_.block_packets(delivered_block_); ++i) {
      const auto& shard = it->second.shards[static_cast<std::size_t>(i)];
      ready_.insert(ready_.end(), shard.begin(), shard.begin() + static_cast<std::ptrdiff_t>(geometry_.packet_bytes(first + i)));
    }
    blocks_.erase(it);
    ++delivered_block_;
  }
  if (delivered_block_ == geometry_.blocks() && !done_sent_) done_pending_ = true;
}

std::size_t MulticastReceiver::read(MutableByteView out) {
  const std::size_t n = std::min(out.size, readable());
  if (n) std::memcpy(out.data, ready_.data() + read_at_, n);
  read_at_ += n;
  if (read_at_ == ready_.size()) ready_.clear(), read_at_ = 0;
  return n;
}

std::vector<std::uint8_t> MulticastReceiver::missing(std::uint32_t b, const Block& blk) const {
  std::vector<std::uint8_t> out;
  const std::uint32_t first = b * static_cast<std::uint32_t>(geometry_.k);
  for (int i = 0; i < geometry_.block_packets(b); ++i)
    if (!blk.present[static_cast<std::size_t>(i)] && first + static_cast<std::uint32_t>(i) < known_packets_)
      out.push_back(static_cast<std::uint8_t>(i));
  return out;
}

// Shards still needed to rebuild block b, counting only packets already sent.
int MulticastReceiver::need(std::uint32_t b, const Block& blk) const {
  return std::max(0, static_cast<int>(missing(b, blk).size()) - blk.parity);
}

void MulticastReceiver::on_overheard(Timestamp now, const std::vector<NackEntry>& entries) {
  for (const NackEntry& e : entries) {
    auto it = blocks_.find(e.block);
    if (it == blocks_.end() || it->second.complete || !it->second.first_nack_pending) continue;
    Block& blk = it->second;
    const std::vector<std::uint8_t> ours = missing(e.block, blk);
    const int our_need = need(e.block, blk);
    if (our_need == 0) continue;
    int parity_seen = 0;  // the highest parity index we hold + 1: the sender has sent at least that many
    for (int i = 0; i < geometry_.m; ++i)
      if (blk.present[static_cast<std::size_t>(geometry_.k + i)]) parity_seen = i + 1;
    const bool names_ours = std::all_of(ours.begin(), ours.end(), [&](std::uint8_t o) {
      return std::find(e.missing.begin(), e.missing.end(), o) != e.missing.end();
    });
    const bool parity_covers = rs_ && e.need >= our_need && parity_seen + e.need <= geometry_.m;
    if (!names_ours && !parity_covers) continue;
    blk.nack_at = now + config_.repair_wait();
    blk.first_nack_pending = false;
    ++stats_.nacks_suppressed;
  }
}

void MulticastReceiver::fire_nacks(Timestamp now) {
  for (auto& [b, blk] : blocks_) {
    if (blk.complete || blk.nack_at > now) continue;
    const int n = need(b, blk);
    blk.first_nack_pending = false;
    if (n == 0) {
      // Parity in hand covers what is lost so far; a later loss re-arms the block.
      blk.nack_at = kTimeInfinite;
      continue;
    }
    outgoing_.push_back({b, n, missing(b, blk)});
    blk.nack_at = now + config_.repair_wait();
  }
}

void MulticastReceiver::on_timeout(Timestamp now) { fire_nacks(now); }

std::optional<std::size_t> MulticastReceiver::poll_transmit(Timestamp, MutableByteView buffer) {
  if (done_pending_) {
    done_pending_ = false;
    done_sent_ = true;
    return write_done(config_.receiver_id, buffer);
  }
  if (outgoing_.empty()) return std::nullopt;
  std::size_t written = 0;
  const std::size_t size = write_nack(config_.receiver_id, outgoing_, 0, &written, buffer);
  outgoing_.erase(outgoing_.begin(), outgoing_.begin() + static_cast<std::ptrdiff_t>(written));
  ++stats_.nacks_sent;
  stats_.nack_entries_sent += written;
  return size;
}

Timestamp MulticastReceiver::next_timeout() const {
  Timestamp t = kTimeInfinite;
  for (const auto& [b, blk] : blocks_)
    if (!blk.complete) t = std::min(t, blk.nack_at);
  return t;
}

}  // namespace wirelab::multicast

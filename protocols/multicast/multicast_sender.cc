#include "protocols/multicast/multicast_sender.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace wirelab::multicast {

MulticastSender::MulticastSender(const MulticastConfig& config, std::uint64_t total_bytes, ContentSource content)
    : config_(config), content_(std::move(content)) {
  if (total_bytes == 0) throw std::invalid_argument("multicast: nothing to send (0 bytes)");
  if (config.k < 1 || config.m < 0 || config.k + config.m > 255)
    throw std::invalid_argument("multicast: block geometry needs 1 <= k, 0 <= m, k + m <= 255");
  geometry_.k = config.k;
  geometry_.m = config.m;
  geometry_.shard_len = config.shard_len();
  geometry_.total_bytes = total_bytes;
  if (config.m > 0) {
    rs_.emplace(config.k, config.m);
    parity_sent_.assign(geometry_.blocks(), 0);
    parity_encoded_once_.assign(geometry_.blocks(), false);
  }
  scratch_.resize(geometry_.shard_len);
}

void MulticastSender::on_datagram(Timestamp now, ByteView datagram) {
  const auto packet = parse_packet(datagram);
  if (!packet) return;
  if (packet->type == PacketType::kDone) {
    done_receivers_.insert(packet->receiver);
    return;
  }
  if (packet->type != PacketType::kNack) return;  // our own datagrams, if the host loops them back
  ++stats_.nacks_received;
  for (const NackEntry& e : packet->entries) {
    if (e.block >= geometry_.blocks() || e.need <= 0) continue;
    auto last = last_repair_.find(e.block);
    if (last != last_repair_.end() && answered(last->second, e, now)) {
      ++stats_.nack_entries_ignored;
      continue;
    }
    Aggregate& a = aggregate_[e.block];
    a.need = std::max(a.need, std::min(e.need, geometry_.block_packets(e.block)));
    for (std::uint8_t offset : e.missing)
      if (offset < geometry_.block_packets(e.block)) a.missing.insert(offset);
  }
  if (!aggregate_.empty() && aggregation_ends_ == kTimeInfinite) aggregation_ends_ = now + config_.aggregation();
}

// A NACK that reached us within holdoff of a repair of its block, and that the repair covers,
// was sent before its receiver could have seen the repair: repairing again would duplicate.
bool MulticastSender::answered(const LastRepair& last, const NackEntry& e, Timestamp now) const {
  if (now - last.at >= config_.holdoff()) return false;
  if (e.need <= last.parity) return true;
  return !e.missing.empty() && std::all_of(e.missing.begin(), e.missing.end(),
                                           [&](std::uint8_t o) { return last.resent.count(o) > 0; });
}

void MulticastSender::close_aggregation(Timestamp now) {
  aggregation_ends_ = kTimeInfinite;
  // Repairs older than holdoff answer no NACK any more (answered()): forget them.
  for (auto it = last_repair_.begin(); it != last_repair_.end();)
    it = now - it->second.at >= config_.holdoff() ? last_repair_.erase(it) : std::next(it);
  if (aggregate_.empty()) return;
  ++stats_.repair_rounds;
  for (auto& [block, a] : aggregate_) {
    LastRepair repair;
    repair.at = now;
    if (rs_ && parity_sent_[block] + a.need <= geometry_.m) {
      const int sent = parity_sent_[block];
      for (int i = 0; i < a.need; ++i) repairs_.push_back({true, block, sent + i});
      parity_sent_[block] = static_cast<std::uint8_t>(sent + a.need);
      repair.parity = a.need;
    } else {
      // Parity exhausted (or none): the packets someone reported missing, each once for all.
      const std::uint32_t first = block * static_cast<std::uint32_t>(geometry_.k);
      for (std::uint8_t offset : a.missing) repairs_.push_back({false, first + offset, 0});
      repair.resent = a.missing;
    }
    last_repair_[block] = std::move(repair);
  }
  aggregate_.clear();
}

const std::vector<std::uint8_t>& MulticastSender::parity_of(std::uint32_t block) {
  auto it = parity_cache_.find(block);
  if (it != parity_cache_.end()) {
    parity_use_.splice(parity_use_.begin(), parity_use_, it->second.use);
    return it->second.shards;
  }
  const std::size_t len = geometry_.shard_len;
  std::vector<std::uint8_t> data(static_cast<std::size_t>(geometry_.k) * len, 0);
  std::vector<std::uint8_t> parity(static_cast<std::size_t>(geometry_.m) * len, 0);
  std::vector<const std::uint8_t*> data_ptrs;
  std::vector<std::uint8_t*> parity_ptrs;
  const std::uint32_t first = block * static_cast<std::uint32_t>(geometry_.k);
  for (int i = 0; i < geometry_.k; ++i) {
    std::uint8_t* shard = data.data() + static_cast<std::size_t>(i) * len;
    if (i < geometry_.block_packets(block))  // absent packets of a short last block stay zero
      content_(static_cast<std::uint64_t>(first + i) * len, MutableByteView(shard, geometry_.packet_bytes(first + i)));
    data_ptrs.push_back(shard);
  }
  for (int i = 0; i < geometry_.m; ++i) parity_ptrs.push_back(parity.data() + static_cast<std::size_t>(i) * len);
  rs_->encode(len, data_ptrs.data(), parity_ptrs.data());
  ++stats_.parity_blocks_encoded;
  if (parity_encoded_once_[block]) ++stats_.parity_reencoded;
  parity_encoded_once_[block] = true;
  // Make room first (the block being returned is never the one evicted); one block always fits.
  while (!parity_use_.empty() && parity_cache_bytes_ + parity.size() > config_.parity_cache_bytes) {
    const auto victim = parity_cache_.find(parity_use_.back());
    parity_cache_bytes_ -= victim->second.shards.size();
    parity_cache_.erase(victim);
    parity_use_.pop_back();
    ++stats_.parity_cache_evictions;
  }
  parity_cache_bytes_ += parity.size();
  stats_.parity_cache_peak_bytes = std::max<std::uint64_t>(stats_.parity_cache_peak_bytes, parity_cache_bytes_);
  parity_use_.push_front(block);
  return parity_cache_.emplace(block, CachedParity{std::move(parity), parity_use_.begin()}).first->second.shards;
}

std::size_t MulticastSender::write_packet(std::uint32_t seq, MutableByteView out) {
  const std::size_t n = geometry_.packet_bytes(seq);
  content_(static_cast<std::uint64_t>(seq) * geometry_.shard_len, MutableByteView(scratch_.data(), n));
  return write_data(geometry_, seq, ByteView(scratch_.data(), n), out);
}

bool MulticastSender::has_work() const {
  return !repairs_.empty() || next_seq_ < geometry_.packets();
}

void MulticastSender::sent(Timestamp now, std::size_t bytes) {
  ++stats_.datagrams_sent;
  stats_.wire_bytes_sent += bytes;
  const double seconds = static_cast<double>(bytes + 28) * 8 / config_.rate_bps;
  next_send_at_ = std::max(next_send_at_, now) + seconds_to_duration(seconds);
}

std::optional<std::size_t> MulticastSender::poll_transmit(Timestamp now, MutableByteView buffer) {
  if (now < next_send_at_) return std::nullopt;
  std::size_t size = 0;
  if (!repairs_.empty()) {
    const Repair r = repairs_.front();
    repairs_.pop_front();
    if (r.parity) {
      const auto& shards = parity_of(r.block_or_seq);
      const std::size_t len = geometry_.shard_len;
      size = write_parity(geometry_, r.block_or_seq, r.index,
                          ByteView(shards.data() + static_cast<std::size_t>(r.index) * len, len), buffer);
      ++stats_.parity_packets_sent;
    } else {
      size = write_packet(r.block_or_seq, buffer);
      ++stats_.retransmitted_packets;
    }
    stats_.repair_bytes_sent += size;
  } else if (next_seq_ < geometry_.packets()) {
    size = write_packet(next_seq_++, buffer);
    ++stats_.data_packets_sent;
    if (next_seq_ == geometry_.packets()) heartbeat_at_ = now;  // announce the end right away
  } else if (!done() && now >= heartbeat_at_) {
    size = write_heartbeat(geometry_, next_seq_, buffer);
    heartbeat_at_ = now + config_.heartbeat_interval();
  } else {
    return std::nullopt;
  }
  sent(now, size);
  return size;
}

void MulticastSender::on_timeout(Timestamp now) {
  if (now >= aggregation_ends_) close_aggregation(now);
}

Timestamp MulticastSender::next_timeout() const {
  Timestamp t = aggregation_ends_;
  if (has_work())
    t = std::min(t, next_send_at_);
  else if (!done())
    t = std::min(t, std::max(next_send_at_, heartbeat_at_));
  return t;
}

}  // namespace wirelab::multicast

#include "protocols/runtime/partitioner.h"

#include <algorithm>
#include <stdexcept>

namespace wirelab::runtime {

std::uint64_t hash_key_bytes(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix_key(h);
}

namespace {
std::size_t scale_to(std::uint64_t x, std::size_t n) {
  return static_cast<std::size_t>((static_cast<unsigned __int128>(x) * n) >> 64);
}
void require_shards(std::size_t shards) {
  if (shards == 0) throw std::invalid_argument("a partitioner needs at least one shard");
}
}  // namespace

HashPartitioner::HashPartitioner(std::size_t shards) : shards_(shards) { require_shards(shards); }

std::size_t HashPartitioner::shard_for(std::uint64_t key) { return scale_to(mix_key(key), shards_); }

RangePartitioner::RangePartitioner(std::vector<std::uint64_t> split_points)
    : split_points_(std::move(split_points)) {
  for (std::size_t i = 1; i < split_points_.size(); ++i) {
    if (split_points_[i] <= split_points_[i - 1]) {
      throw std::invalid_argument("range partitioner split points must be strictly increasing");
    }
  }
}

std::size_t RangePartitioner::shard_for(std::uint64_t key) {
  return static_cast<std::size_t>(
      std::upper_bound(split_points_.begin(), split_points_.end(), key) - split_points_.begin());
}

ConsistentHashRing::ConsistentHashRing(std::size_t shards, std::size_t virtual_nodes)
    : virtual_nodes_(virtual_nodes) {
  require_shards(shards);
  if (virtual_nodes == 0) throw std::invalid_argument("consistent hashing needs virtual nodes");
  for (std::size_t i = 0; i < shards; ++i) add_shard();
}

std::size_t ConsistentHashRing::add_shard() {
  const std::size_t shard = next_shard_id_++;
  for (std::size_t v = 0; v < virtual_nodes_; ++v) {
    ring_.push_back({mix_key((static_cast<std::uint64_t>(shard) << 32) ^ v ^ 0x5bd1e995ULL), shard});
  }
  ++live_shards_;
  rebuild_sorted();
  return shard;
}

void ConsistentHashRing::remove_shard(std::size_t shard) {
  const auto before = ring_.size();
  ring_.erase(std::remove_if(ring_.begin(), ring_.end(),
                             [shard](const Point& p) { return p.shard == shard; }),
              ring_.end());
  if (ring_.size() != before) --live_shards_;
  if (ring_.empty()) throw std::logic_error("consistent hash ring left with no shards");
}

void ConsistentHashRing::rebuild_sorted() {
  std::sort(ring_.begin(), ring_.end(), [](const Point& a, const Point& b) {
    return a.position != b.position ? a.position < b.position : a.shard < b.shard;
  });
}

std::size_t ConsistentHashRing::shard_for(std::uint64_t key) {
  const std::uint64_t h = mix_key(key);
  auto it = std::lower_bound(ring_.begin(), ring_.end(), h,
                             [](const Point& p, std::uint64_t x) { return p.position < x; });
  if (it == ring_.end()) it = ring_.begin();
  return it->shard;
}

RoundRobinPartitioner::RoundRobinPartitioner(std::size_t shards) : shards_(shards) {
  require_shards(shards);
}

std::size_t RoundRobinPartitioner::shard_for(std::uint64_t) {
  const std::size_t shard = next_;
  next_ = next_ + 1 == shards_ ? 0 : next_ + 1;
  return shard;
}

CustomPartitioner::CustomPartitioner(std::size_t shards,
                                     std::function<std::size_t(std::uint64_t)> rule)
    : shards_(shards), rule_(std::move(rule)) {
  require_shards(shards);
}

std::size_t CustomPartitioner::shard_for(std::uint64_t key) { return rule_(key) % shards_; }

}  // namespace wirelab::runtime

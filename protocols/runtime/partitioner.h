// Partitioners: which shard (worker) owns a key. The routing half of shared-nothing — a key
// always lands on the same worker, so that worker's state needs no lock.
//
// All of them are pure functions of their configuration and the key (round robin aside, which
// is a counter the caller owns); none reads a clock or entropy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace wirelab::runtime {

// A 64-bit mix (splitmix64's finaliser): spreads sequential keys evenly over shards.
constexpr std::uint64_t mix_key(std::uint64_t key) {
  key ^= key >> 30;
  key *= 0xbf58476d1ce4e5b9ULL;
  key ^= key >> 27;
  key *= 0x94d049bb133111ebULL;
  return key ^ (key >> 31);
}

// FNV-1a then mixed: a stable hash for byte-string keys (same value on every platform and run,
// unlike std::hash).
std::uint64_t hash_key_bytes(std::string_view bytes);

class Partitioner {
 public:
  virtual ~Partitioner() = default;
  virtual std::size_t shard_count() const = 0;
  // The shard in [0, shard_count()) that owns key.
  virtual std::size_t shard_for(std::uint64_t key) = 0;
};

// mix(key) mod shards, with Lemire's multiply-shift instead of a division.
class HashPartitioner final : public Partitioner {
 public:
  explicit HashPartitioner(std::size_t shards);
  std::size_t shard_count() const override { return shards_; }
  std::size_t shard_for(std::uint64_t key) override;

 private:
  std::size_t shards_;
};

// Ordered key ranges: shard i owns [split_points[i-1], split_points[i]); shard 0 owns everything
// below the first point, the last shard everything from the last point up. Split points must be
// strictly increasing.
class RangePartitioner final : public Partitioner {
 public:
  explicit RangePartitioner(std::vector<std::uint64_t> split_points);
  std::size_t shard_count() const override { return split_points_.size() + 1; }
  std::size_t shard_for(std::uint64_t key) override;

 private:
  std::vector<std::uint64_t> split_points_;
};

// Consistent hashing with virtual nodes: each shard owns virtual_nodes points on a 64-bit ring;
// a key belongs to the first point clockwise from its hash. Adding or removing a shard moves
// only about 1/N of the keys; more virtual nodes give a more even share.
class ConsistentHashRing final : public Partitioner {
 public:
  ConsistentHashRing(std::size_t shards, std::size_t virtual_nodes);
  std::size_t shard_count() const override { return live_shards_; }
  std::size_t shard_for(std::uint64_t key) override;

  // Shard ids are stable: add_shard returns a new id, remove_shard retires one.
  std::size_t add_shard();
  void remove_shard(std::size_t shard);

 private:
  struct Point {
    std::uint64_t position;
    std::size_t shard;
  };
  void rebuild_sorted();

  std::size_t virtual_nodes_;
  std::size_t next_shard_id_ = 0;
  std::size_t live_shards_ = 0;
  std::vector<Point> ring_;
};

// Ignores the key: shard 0, 1, ..., n-1, 0, ... (stateless work, no affinity).
class RoundRobinPartitioner final : public Partitioner {
 public:
  explicit RoundRobinPartitioner(std::size_t shards);
  std::size_t shard_count() const override { return shards_; }
  std::size_t shard_for(std::uint64_t key) override;

 private:
  std::size_t shards_;
  std::size_t next_ = 0;
};

// Caller-supplied rule; the result is taken modulo shards so it is always in range.
class CustomPartitioner final : public Partitioner {
 public:
  CustomPartitioner(std::size_t shards, std::function<std::size_t(std::uint64_t)> rule);
  std::size_t shard_count() const override { return shards_; }
  std::size_t shard_for(std::uint64_t key) override;

 private:
  std::size_t shards_;
  std::function<std::size_t(std::uint64_t)> rule_;
};

}  // namespace wirelab::runtime

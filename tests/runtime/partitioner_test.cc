// Partitioners: ranges hit their boundaries exactly, hashing spreads keys evenly, consistent
// hashing moves only the keys it must when a shard joins or leaves.
#include "protocols/runtime/partitioner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace wirelab::runtime {
namespace {

std::vector<std::size_t> histogram(Partitioner& p, std::uint64_t keys) {
  std::vector<std::size_t> counts(p.shard_count() + 8, 0);
  for (std::uint64_t k = 0; k < keys; ++k) {
    const std::size_t shard = p.shard_for(k);
    if (shard >= counts.size()) counts.resize(shard + 1, 0);
    ++counts[shard];
  }
  return counts;
}

TEST(HashPartitioner, SpreadsSequentialKeysEvenly) {
  HashPartitioner p(8);
  const auto counts = histogram(p, 80'000);
  for (std::size_t s = 0; s < 8; ++s) {
    EXPECT_NEAR(static_cast<double>(counts[s]), 10'000.0, 500.0) << "shard " << s;
  }
  EXPECT_EQ(p.shard_for(12345), p.shard_for(12345));
}

TEST(HashPartitioner, ByteKeysHashStably) {
  EXPECT_EQ(hash_key_bytes("flow-17"), hash_key_bytes("flow-17"));
  EXPECT_NE(hash_key_bytes("flow-17"), hash_key_bytes("flow-18"));
  // Pinned value: the hash must not change across builds, or persisted shard maps break.
  EXPECT_EQ(hash_key_bytes(""), mix_key(0xcbf29ce484222325ULL));
}

TEST(RangePartitioner, BoundariesBelongToTheUpperShard) {
  RangePartitioner p({100, 200, 300});
  EXPECT_EQ(p.shard_count(), 4u);
  EXPECT_EQ(p.shard_for(0), 0u);
  EXPECT_EQ(p.shard_for(99), 0u);
  EXPECT_EQ(p.shard_for(100), 1u);
  EXPECT_EQ(p.shard_for(299), 2u);
  EXPECT_EQ(p.shard_for(300), 3u);
  EXPECT_EQ(p.shard_for(UINT64_MAX), 3u);
  EXPECT_THROW(RangePartitioner({5, 5}), std::invalid_argument);
}

TEST(ConsistentHashRing, VirtualNodesBalanceLoad) {
  ConsistentHashRing p(4, 200);
  const auto counts = histogram(p, 100'000);
  for (std::size_t s = 0; s < 4; ++s) {
    EXPECT_NEAR(static_cast<double>(counts[s]), 25'000.0, 25'000.0 * 0.2) << "shard " << s;
  }
}

TEST(ConsistentHashRing, AddingAShardMovesAboutOneNthOfKeysAllToIt) {
  ConsistentHashRing p(4, 200);
  constexpr std::uint64_t kKeys = 50'000;
  std::vector<std::size_t> before(kKeys);
  for (std::uint64_t k = 0; k < kKeys; ++k) before[k] = p.shard_for(k);
  const std::size_t added = p.add_shard();
  EXPECT_EQ(p.shard_count(), 5u);
  std::size_t moved = 0;
  for (std::uint64_t k = 0; k < kKeys; ++k) {
    const std::size_t now = p.shard_for(k);
    if (now != before[k]) {
      ++moved;
      EXPECT_EQ(now, added) << "key " << k << " moved between two old shards";
    }
  }
  EXPECT_NEAR(static_cast<double>(moved) / kKeys, 0.2, 0.05);

  p.remove_shard(added);
  for (std::uint64_t k = 0; k < kKeys; ++k) ASSERT_EQ(p.shard_for(k), before[k]);
}

TEST(ConsistentHashRing, RemovingAShardMovesOnlyItsKeys) {
  ConsistentHashRing p(5, 100);
  constexpr std::uint64_t kKeys = 20'000;
  std::vector<std::size_t> before(kKeys);
  for (std::uint64_t k = 0; k < kKeys; ++k) before[k] = p.shard_for(k);
  p.remove_shard(2);
  for (std::uint64_t k = 0; k < kKeys; ++k) {
    const std::size_t now = p.shard_for(k);
    EXPECT_NE(now, 2u);
    if (before[k] != 2) {
      ASSERT_EQ(now, before[k]) << "key " << k;
    }
  }
}

TEST(RoundRobinPartitioner, CyclesIgnoringKeys) {
  RoundRobinPartitioner p(3);
  std::vector<std::size_t> got;
  for (int i = 0; i < 7; ++i) got.push_back(p.shard_for(42));
  EXPECT_EQ(got, (std::vector<std::size_t>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(CustomPartitioner, ResultIsAlwaysInRange) {
  CustomPartitioner p(4, [](std::uint64_t key) { return static_cast<std::size_t>(key * 7); });
  for (std::uint64_t k = 0; k < 100; ++k) EXPECT_LT(p.shard_for(k), 4u);
  EXPECT_EQ(p.shard_for(1), 3u);
  EXPECT_THROW(HashPartitioner(0), std::invalid_argument);
}

}  // namespace
}  // namespace wirelab::runtime

// ISA-L Reed-Solomon wrapper: any k of k + m shards rebuild the source, for every erasure
// pattern up to m; fewer than k are refused without touching the buffers; parse_rs's forms.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/fec/reed_solomon.h"

namespace wirelab::fec {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Block {
  std::vector<Bytes> shards;  // k source then m repair
  std::vector<std::uint8_t*> ptrs() {
    std::vector<std::uint8_t*> p;
    for (auto& s : shards) p.push_back(s.data());
    return p;
  }
};

Block encoded_block(const ReedSolomon& rs, std::size_t len, std::uint64_t seed) {
  SeededRandom rng(seed);
  Block b;
  b.shards.assign(rs.k() + rs.m(), Bytes(len));
  for (int i = 0; i < rs.k(); ++i) {
    for (auto& byte : b.shards[i]) byte = static_cast<std::uint8_t>(rng.next_u64());
  }
  std::vector<const std::uint8_t*> data;
  std::vector<std::uint8_t*> parity;
  for (int i = 0; i < rs.k(); ++i) data.push_back(b.shards[i].data());
  for (int i = 0; i < rs.m(); ++i) parity.push_back(b.shards[rs.k() + i].data());
  rs.encode(len, data.data(), parity.data());
  return b;
}

// Calls f(mask) for every subset of n positions with at most `up_to` members set.
template <typename F>
void for_each_erasure(int n, int up_to, F f) {
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (__builtin_popcount(mask) <= up_to) f(mask);
  }
}

TEST(ReedSolomon, EveryErasurePatternUpToMRoundTrips) {
  struct Case {
    int k, m;
    std::size_t len;
  };
  // Lengths below and above ISA-L's vector widths (16/32/64 bytes), and a packet-sized one.
  for (const Case c : {Case{1, 1, 1}, Case{4, 2, 7}, Case{10, 2, 1200}, Case{5, 3, 33},
                       Case{10, 4, 64}, Case{3, 5, 100}}) {
    const ReedSolomon rs(c.k, c.m);
    const Block original = encoded_block(rs, c.len, 1000 + c.k * 31 + c.m);
    // The code is systematic: no shard equals another by accident, parity is not all zero.
    for (int i = 0; i < c.m; ++i) EXPECT_NE(original.shards[c.k + i], Bytes(c.len, 0));
    int patterns = 0;
    for_each_erasure(c.k + c.m, c.m, [&](std::uint32_t lost) {
      Block damaged = original;
      std::vector<bool> present(c.k + c.m, true);
      for (int i = 0; i < c.k + c.m; ++i) {
        if (lost & (1u << i)) {
          present[i] = false;
          std::fill(damaged.shards[i].begin(), damaged.shards[i].end(), 0xEE);
        }
      }
      auto ptrs = damaged.ptrs();
      ASSERT_TRUE(rs.reconstruct(c.len, ptrs.data(), present))
          << "rs(" << c.k << "," << c.m << ") lost mask " << lost;
      for (int i = 0; i < c.k; ++i) {
        ASSERT_EQ(damaged.shards[i], original.shards[i])
            << "rs(" << c.k << "," << c.m << ") lost mask " << lost << " shard " << i;
      }
      ++patterns;
    });
    EXPECT_GT(patterns, c.k + c.m);
  }
}

TEST(ReedSolomon, FewerThanKShardsAreRefusedAndNothingChanges) {
  const ReedSolomon rs(6, 3);
  const Block original = encoded_block(rs, 50, 7);
  for_each_erasure(9, 9, [&](std::uint32_t lost) {
    if (__builtin_popcount(lost) <= 3) return;
    Block damaged = original;
    std::vector<bool> present(9, true);
    for (int i = 0; i < 9; ++i) {
      if (lost & (1u << i)) present[i] = false;
    }
    auto ptrs = damaged.ptrs();
    ASSERT_FALSE(rs.reconstruct(50, ptrs.data(), present)) << "lost mask " << lost;
    ASSERT_EQ(damaged.shards, original.shards) << "lost mask " << lost;
  });
}

TEST(ReedSolomon, LargeBlocksDecodeFromParityOnly) {
  // k + m = 255 is GF(2^8)'s limit; losing m source shards forces every parity row into use.
  const ReedSolomon rs(200, 55);
  const Block original = encoded_block(rs, 40, 99);
  Block damaged = original;
  std::vector<bool> present(255, true);
  for (int i = 0; i < 55; ++i) present[i * 3] = false;
  auto ptrs = damaged.ptrs();
  ASSERT_TRUE(rs.reconstruct(40, ptrs.data(), present));
  for (int i = 0; i < 200; ++i) ASSERT_EQ(damaged.shards[i], original.shards[i]) << i;
}

TEST(ReedSolomon, ConstructorAndReconstructRejectBadShapes) {
  EXPECT_THROW(ReedSolomon(0, 2), std::invalid_argument);
  EXPECT_THROW(ReedSolomon(2, 0), std::invalid_argument);
  EXPECT_THROW(ReedSolomon(250, 6), std::invalid_argument);
  const ReedSolomon rs(3, 1);
  std::vector<std::uint8_t*> ptrs(4, nullptr);
  EXPECT_THROW(rs.reconstruct(8, ptrs.data(), std::vector<bool>(3, true)), std::invalid_argument);
}

TEST(ParseRs, AcceptsTheDocumentedForms) {
  EXPECT_EQ(parse_rs("rs(10,2)"), (RsParams{10, 2}));
  EXPECT_EQ(parse_rs(" rs ( 4 , 1 ) "), (RsParams{4, 1}));
  EXPECT_EQ(parse_rs("rs(254,1)"), (RsParams{254, 1}));
  EXPECT_FALSE(parse_rs("off").enabled());
  EXPECT_FALSE(parse_rs(" off ").enabled());
  EXPECT_EQ(parse_rs("rs(10,2)").to_string(), "rs(10,2)");
  EXPECT_EQ(RsParams{}.to_string(), "off");
}

TEST(ParseRs, RejectsEverythingElseNamingTheForm) {
  for (const char* bad : {"", "rs", "rs(10)", "rs(10,2", "rs(10,2)x", "rs(-1,2)", "rs(0,2)",
                          "rs(2,0)", "rs(200,56)", "rs(a,b)", "RS(10,2)", "offf", "rs(10;2)",
                          "rs(99999999999,1)"}) {
    try {
      parse_rs(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("rs(K,M)"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace wirelab::fec

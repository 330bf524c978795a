// The integrity check every bulk metric rests on: it passes exactly the pattern, fed in any
// slicing, and fails on a changed, missing, extra or unterminated byte.
#include <gtest/gtest.h>

#include <vector>

#include "protocols/core/random.h"
#include "protocols/workloads/bulk_pattern.h"

namespace wirelab {
namespace {

std::vector<std::uint8_t> pattern_bytes(std::uint64_t seed, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  BulkPattern(seed).fill(0, MutableByteView(v));
  return v;
}

bool check(std::uint64_t seed, std::uint64_t expected, const std::vector<std::uint8_t>& bytes, bool finish,
           std::uint64_t slicing_seed) {
  BulkIntegrityCheck c(seed, expected);
  SeededRandom r(slicing_seed);
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::size_t n = std::min<std::size_t>(bytes.size() - at, 1 + r.below(37));
    c.feed(ByteView(bytes.data() + at, n));
    at += n;
  }
  if (finish) c.finish();
  return c.integrity_ok();
}

TEST(BulkIntegrityCheck, AcceptsThePatternInAnySlicingAndNothingElse) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const std::size_t n = 1 + static_cast<std::size_t>(SeededRandom(seed).below(5000));
    auto bytes = pattern_bytes(seed, n);
    EXPECT_TRUE(check(seed, n, bytes, true, seed)) << "seed " << seed;
    EXPECT_FALSE(check(seed, n, bytes, false, seed)) << "unfinished stream accepted, seed " << seed;
    EXPECT_FALSE(check(seed + 1, n, bytes, true, seed)) << "other seed's pattern accepted, seed " << seed;
    auto changed = bytes;
    changed[SeededRandom(seed * 3).below(n)] ^= 0x01;
    EXPECT_FALSE(check(seed, n, changed, true, seed)) << "seed " << seed;
    auto extra = bytes;
    extra.push_back(0);
    EXPECT_FALSE(check(seed, n, extra, true, seed)) << "seed " << seed;
    auto missing = bytes;
    missing.pop_back();
    EXPECT_FALSE(check(seed, n, missing, true, seed)) << "seed " << seed;
  }
}

TEST(BulkIntegrityCheck, DigestMatchesTheSendersDigest) {
  const auto bytes = pattern_bytes(9, 1000);
  BulkIntegrityCheck c(9, 1000);
  c.feed(ByteView(bytes));
  EXPECT_EQ(c.digest(), BulkIntegrityCheck::expected_digest(9, 1000));
}

TEST(BulkIntegrityCheck, DigestDependsOnTheBytesNotOnHowTheyWereFed) {
  // Every prefix length 0..80 covers whole words, partial words and both at once; a timed
  // transfer's integrity is exactly this comparison.
  const auto bytes = pattern_bytes(5, 80);
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    for (std::uint64_t slicing = 1; slicing <= 3; ++slicing) {
      BulkIntegrityCheck c(5, UINT64_MAX);
      SeededRandom r(slicing);
      for (std::size_t at = 0; at < n;) {
        const std::size_t k = std::min<std::size_t>(n - at, 1 + r.below(13));
        c.feed(ByteView(bytes.data() + at, k));
        at += k;
      }
      EXPECT_EQ(c.digest(), BulkIntegrityCheck::expected_digest(5, n)) << n << " bytes, slicing " << slicing;
    }
    if (n > 0) {
      EXPECT_NE(BulkIntegrityCheck::expected_digest(5, n), BulkIntegrityCheck::expected_digest(5, n - 1)) << n;
    }
  }
}

TEST(BulkIntegrityCheck, ADifferentByteAnywhereChangesTheDigest) {
  const auto bytes = pattern_bytes(6, 4096);
  for (std::size_t at : {std::size_t{0}, std::size_t{7}, std::size_t{8}, std::size_t{2049}, std::size_t{4095}}) {
    auto changed = bytes;
    changed[at] ^= 0x80;
    BulkIntegrityCheck c(6, 4096);
    c.feed(ByteView(changed.data(), 1000));
    c.feed(ByteView(changed.data() + 1000, changed.size() - 1000));
    c.finish();
    EXPECT_FALSE(c.integrity_ok()) << "byte " << at;
    EXPECT_NE(c.digest(), BulkIntegrityCheck::expected_digest(6, 4096)) << "byte " << at;
  }
}

TEST(BulkPattern, FillAgreesWithByteAtAtAnyOffsetAndLength) {
  const BulkPattern p(11);
  for (std::uint64_t offset = 0; offset < 20; ++offset) {
    // Up to 31 bytes: word by word; 64 and more: through the vectorised loop (8 words a step)
    // with a scalar remainder.
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{9}, std::size_t{31},
                          std::size_t{64}, std::size_t{71}, std::size_t{1000}, std::size_t{4099}}) {
      std::vector<std::uint8_t> out(n);
      p.fill(offset, MutableByteView(out));
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], p.byte_at(offset + i)) << offset << "+" << i;
    }
  }
}

// Feeds of 64 KB, as the kernel TCP reader's, go through the vectorised loop 16 words at a time
// (the tests above, in slices of at most 37 bytes, never reach it). A byte changed at any lane
// and any position within its word must still be caught, and the digest must not depend on
// which path folded which word.
TEST(BulkIntegrityCheck, LargeFeedsCatchADamagedByteInEveryLaneAndPosition) {
  const std::size_t n = 300000 + 5;
  const auto bytes = pattern_bytes(21, n);
  const std::uint64_t expected = BulkIntegrityCheck::expected_digest(21, n);
  auto feed_all = [&](const std::vector<std::uint8_t>& v, std::uint64_t slicing) {
    BulkIntegrityCheck c(21, n);
    SeededRandom r(slicing);
    for (std::size_t at = 0; at < v.size();) {
      const std::size_t k = std::min<std::size_t>(v.size() - at, 1 + r.below(70000));
      c.feed(ByteView(v.data() + at, k));
      at += k;
    }
    c.finish();
    return c;
  };
  const BulkIntegrityCheck clean = feed_all(bytes, 1);
  EXPECT_TRUE(clean.integrity_ok());
  EXPECT_EQ(clean.digest(), expected);
  // 16 lanes x 8 byte positions, in the middle of the transfer (inside a 64 KB feed).
  for (std::size_t at = 150000; at < 150000 + 16 * 8; ++at) {
    auto changed = bytes;
    changed[at] ^= static_cast<std::uint8_t>(1u << (at % 8));
    const BulkIntegrityCheck c = feed_all(changed, at);
    EXPECT_FALSE(c.integrity_ok()) << "byte " << at;
    EXPECT_NE(c.digest(), expected) << "byte " << at;
  }
  // A duplicated 128-byte block (one vector step), then a missing one, the count kept.
  // (Built by appending: g++ 12 -O3 misreads an erase here as an overflowing memmove.)
  std::vector<std::uint8_t> shifted;
  shifted.reserve(n);
  shifted.insert(shifted.end(), bytes.begin(), bytes.begin() + 100000);
  shifted.insert(shifted.end(), bytes.begin() + 99872, bytes.begin() + 100000);
  shifted.insert(shifted.end(), bytes.begin() + 100000, bytes.begin() + 199872);
  shifted.insert(shifted.end(), bytes.begin() + 200000, bytes.end());
  ASSERT_EQ(shifted.size(), n);
  EXPECT_FALSE(feed_all(shifted, 7).integrity_ok());
}

TEST(StreamDigest, OneLargeFeedEqualsByteByByteFeeds) {
  // Arbitrary bytes (not the pattern): byte-by-byte feeds fold one word at a time, a single feed
  // folds most words 16 at a time.
  SeededRandom r(3);
  std::vector<std::uint8_t> bytes(70000);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(r.below(256));
  for (std::size_t n : {std::size_t{0}, std::size_t{127}, std::size_t{128}, std::size_t{129}, std::size_t{4093},
                        bytes.size()}) {
    for (std::size_t skip : {std::size_t{0}, std::size_t{3}, std::size_t{8}, std::size_t{77}}) {
      StreamDigest whole, bytewise;
      for (std::size_t i = 0; i < skip; ++i) whole.feed(ByteView(bytes.data() + i, 1));
      whole.feed(ByteView(bytes.data() + skip, n - std::min(n, skip)));
      for (std::size_t i = 0; i < std::max(n, skip); ++i) bytewise.feed(ByteView(bytes.data() + i, 1));
      EXPECT_EQ(whole.length(), std::max(n, skip));
      EXPECT_EQ(whole.value(), bytewise.value()) << n << " bytes, first " << skip << " one by one";
    }
  }
}

}  // namespace
}  // namespace wirelab

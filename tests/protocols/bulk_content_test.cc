// The bulk workload's `data:` modes: each is a deterministic function of its seeds and the
// offset, versioned content keeps the documented share of the old version's chunks at the
// documented places, and the receiver's check passes exactly the content in any slicing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/refcodec/shared_document.h"
#include "protocols/workloads/bulk_content.h"

namespace wirelab {
namespace {

constexpr std::size_t kPiece = refcodec::kDocumentChunkBytes;

std::vector<std::uint8_t> content_bytes(const BulkContent& c, std::uint64_t offset, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  c.fill(offset, MutableByteView(v));
  return v;
}

BulkContent versioned(double similarity, std::uint64_t content_seed = 5, std::uint64_t run_seed = 3) {
  return BulkContent(BulkData{BulkDataMode::kVersioned, similarity}, content_seed, refcodec::document_seed(run_seed));
}

TEST(BulkContent, RandomIsTheBulkPatternAndZerosAreZero) {
  const BulkContent random(BulkData{}, 42, 7);
  std::vector<std::uint8_t> expected(10000);
  BulkPattern(42).fill(0, MutableByteView(expected));
  EXPECT_EQ(content_bytes(random, 0, expected.size()), expected);
  const BulkContent zeros(BulkData{BulkDataMode::kZeros, 0}, 42, 7);
  EXPECT_EQ(content_bytes(zeros, 12345, 3000), std::vector<std::uint8_t>(3000, 0));
}

TEST(BulkContent, VersionedPiecesAreTheOldChunkOrTheRandomBytes) {
  const BulkContent c = versioned(0.9);
  auto document = refcodec::shared_document(refcodec::document_seed(3));
  const std::size_t pieces = 3 * refcodec::kDocumentChunks;  // past the document's end: it repeats
  const auto bytes = content_bytes(c, 0, pieces * kPiece + 100);
  std::vector<std::uint8_t> random(bytes.size());
  BulkPattern(5).fill(0, MutableByteView(random));
  std::size_t kept = 0;
  for (std::size_t i = 0; i <= pieces; ++i) {
    const std::size_t n = std::min(kPiece, bytes.size() - i * kPiece);
    const std::uint8_t* expected = c.piece_kept(i) ? document->chunk(static_cast<std::uint32_t>(i % refcodec::kDocumentChunks)).data
                                                   : random.data() + i * kPiece;
    ASSERT_EQ(std::memcmp(bytes.data() + i * kPiece, expected, n), 0) << "piece " << i;
    kept += c.piece_kept(i) && i < pieces;
  }
  // Binomial(pieces, 0.9): within 5 standard deviations.
  const double mean = 0.9 * pieces, sd = std::sqrt(pieces * 0.9 * 0.1);
  EXPECT_NEAR(static_cast<double>(kept), mean, 5 * sd);
}

TEST(BulkContent, SimilarityEndsAreRandomAndTheDocument) {
  std::vector<std::uint8_t> random(50 * kPiece);
  BulkPattern(5).fill(0, MutableByteView(random));
  EXPECT_EQ(content_bytes(versioned(0.0), 0, random.size()), random);
  auto document = refcodec::shared_document(refcodec::document_seed(3));
  const auto all = content_bytes(versioned(1.0), 0, 50 * kPiece);
  EXPECT_EQ(std::memcmp(all.data(), document->chunk(0).data, all.size()), 0);
}

TEST(BulkContent, DeterministicAndIndependentOfSlicing) {
  const BulkContent a = versioned(0.5), b = versioned(0.5);
  const auto whole = content_bytes(a, 1000, 20000);
  EXPECT_EQ(content_bytes(b, 1000, 20000), whole);
  SeededRandom r(11);
  std::vector<std::uint8_t> sliced;
  while (sliced.size() < whole.size()) {
    const std::size_t n = std::min<std::size_t>(whole.size() - sliced.size(), 1 + r.below(700));
    const auto part = content_bytes(a, 1000 + sliced.size(), n);
    sliced.insert(sliced.end(), part.begin(), part.end());
  }
  EXPECT_EQ(sliced, whole);
  EXPECT_NE(content_bytes(versioned(0.5, 6), 1000, 20000), whole) << "another flow edits differently";
  EXPECT_NE(content_bytes(versioned(0.5, 5, 4), 1000, 20000), whole) << "another run has another document";
}

bool check(const BulkContent& c, std::uint64_t expected, const std::vector<std::uint8_t>& bytes, std::uint64_t slicing) {
  BulkContentCheck check(c, expected);
  SeededRandom r(slicing);
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t n = std::min<std::size_t>(bytes.size() - at, 1 + r.below(100000));
    check.feed(ByteView(bytes.data() + at, n));
    at += n;
  }
  check.finish();
  return check.integrity_ok();
}

TEST(BulkContentCheck, AcceptsEachModeAndRefusesAnyDamage) {
  for (const BulkData data : {BulkData{BulkDataMode::kRandom, 0}, BulkData{BulkDataMode::kZeros, 0},
                              BulkData{BulkDataMode::kVersioned, 0.9}}) {
    const BulkContent c(data, 8, refcodec::document_seed(1));
    const std::size_t n = 200000 + 17;
    const auto bytes = content_bytes(c, 0, n);
    SCOPED_TRACE(to_string(data.mode));
    EXPECT_TRUE(check(c, n, bytes, 1));
    auto changed = bytes;
    changed[123457] ^= 0x40;
    EXPECT_FALSE(check(c, n, changed, 2));
    auto duplicated = bytes;
    duplicated.insert(duplicated.begin() + 70000, bytes.begin() + 69000, bytes.begin() + 70000);
    duplicated.resize(n);
    // Zeros repeat themselves: only the byte count can catch a duplicate there.
    if (data.mode != BulkDataMode::kZeros) {
      EXPECT_FALSE(check(c, n, duplicated, 3));
    }
    auto extra = bytes;
    extra.push_back(bytes.back());
    EXPECT_FALSE(check(c, n, extra, 4));
    auto missing = bytes;
    missing.pop_back();
    EXPECT_FALSE(check(c, n, missing, 5));
    BulkContentCheck digest(c, n);
    digest.feed(ByteView(bytes));
    EXPECT_EQ(digest.digest(), BulkContentCheck::expected_digest(c, n));
  }
  // Versioned content of another run (other document) is refused.
  const auto other = content_bytes(versioned(0.9, 5, 4), 0, 100000);
  EXPECT_FALSE(check(versioned(0.9, 5, 3), 100000, other, 6));
}

TEST(BulkContentCheck, RandomModeDigestIsTheOldPatternDigest) {
  const BulkContent c(BulkData{}, 9, 0);
  EXPECT_EQ(BulkContentCheck::expected_digest(c, 1000), BulkIntegrityCheck::expected_digest(9, 1000));
}

}  // namespace
}  // namespace wirelab

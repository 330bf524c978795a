// The keyed permutation: a bijection on every domain (exhaustively for 2^8 .. 2^20 and a few
// awkward sizes), known answers from an independent Python model of the construction
// (cryptography's AES and HKDF; docs/protocols/refcodec.md), the RFC 5869 HKDF vector, and
// key rotation. Compiled only where the build links OpenSSL.
#ifdef WIRELAB_HAVE_OPENSSL

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/refcodec/keyed_permutation.h"

namespace wirelab::refcodec {
namespace {

std::vector<std::uint8_t> test_master_key() {
  std::vector<std::uint8_t> key(32);
  std::iota(key.begin(), key.end(), 0);
  return key;
}

// Every x in [0, n) maps inside the domain and no two collide.
void expect_bijection(const KeyedPermutation& perm) {
  const std::uint64_t n = perm.domain_size();
  std::vector<std::uint64_t> values(n);
  std::iota(values.begin(), values.end(), 0);
  perm.permute_batch(values.data(), values.data(), n);
  std::vector<bool> seen(n, false);
  for (std::uint64_t x = 0; x < n; ++x) {
    ASSERT_LT(values[x], n) << "domain " << n << " x " << x;
    ASSERT_FALSE(seen[values[x]]) << "domain " << n << " collision at x " << x;
    seen[values[x]] = true;
  }
}

TEST(Hkdf, Rfc5869TestCase1) {
  const std::vector<std::uint8_t> ikm(22, 0x0b);
  std::vector<std::uint8_t> salt(13), info(10);
  std::iota(salt.begin(), salt.end(), 0x00);
  std::iota(info.begin(), info.end(), 0xf0);
  const std::vector<std::uint8_t> expected = {
      0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36,
      0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56,
      0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65};
  EXPECT_EQ(hkdf_sha256(ikm, salt, info, 42), expected);
}

TEST(KeyedPermutation, BijectionOnEveryPowerOfTwoDomainFrom2To8To2To20) {
  const auto key = test_master_key();
  for (unsigned bits = 8; bits <= 20; ++bits) {
    KeyedPermutation perm(key, 1ull << bits);
    expect_bijection(perm);
  }
}

TEST(KeyedPermutation, BijectionOnAwkwardDomains) {
  const auto key = test_master_key();
  for (std::uint64_t n : {2ull, 3ull, 5ull, 1000ull, 65537ull, 1000003ull}) {
    KeyedPermutation perm(key, n, /*epoch=*/n);
    expect_bijection(perm);
  }
}

TEST(KeyedPermutation, KnownAnswersFromTheIndependentModel) {
  const auto key = test_master_key();
  struct Case {
    std::uint64_t domain, epoch, x, y;
  };
  const Case cases[] = {
      {256, 0, 0, 93},
      {256, 0, 1, 227},
      {256, 0, 255, 209},
      {1ull << 20, 0, 0, 1042879},
      {1ull << 20, 0, 123456, 82235},
      {1ull << 20, 0, (1ull << 20) - 1, 621431},
      {1ull << 20, 1, 0, 957622},
      {1ull << 20, 1, 123456, 742081},
      {1000, 0, 0, 112},
      {1000, 0, 999, 753},
      {~0ull, 0, 0, 15552970964608074975ull},
      {~0ull, 0, 1, 9064388564406819406ull},
      {~0ull, 0, ~0ull - 1, 4980621850976024760ull},
  };
  for (const Case& c : cases) {
    KeyedPermutation perm(key, c.domain, c.epoch);
    EXPECT_EQ(perm.permute(c.x), c.y) << "domain " << c.domain << " epoch " << c.epoch;
    EXPECT_EQ(perm.invert(c.y), c.x) << "domain " << c.domain << " epoch " << c.epoch;
  }
}

TEST(KeyedPermutation, InvertUndoesPermuteOnLargeDomains) {
  const std::uint64_t seed = 99;
  SeededRandom rng(seed);
  const auto key = test_master_key();
  for (std::uint64_t n : {(1ull << 33) + 7, 1ull << 48, ~0ull}) {
    KeyedPermutation perm(key, n);
    for (int i = 0; i < 200; ++i) {
      const std::uint64_t x = rng.below(n);
      const std::uint64_t y = perm.permute(x);
      ASSERT_LT(y, n);
      ASSERT_EQ(perm.invert(y), x) << "seed " << seed << " domain " << n << " x " << x;
    }
  }
}

TEST(KeyedPermutation, BatchAgreesWithOneAtATime) {
  KeyedPermutation perm(test_master_key(), 1000003);
  std::vector<std::uint64_t> xs(1000);
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = i * 997;
  std::vector<std::uint64_t> ys(xs.size());
  perm.permute_batch(xs.data(), ys.data(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) ASSERT_EQ(ys[i], perm.permute(xs[i])) << i;
}

TEST(KeyedPermutation, RotationAndKeysGiveUnrelatedPermutations) {
  const auto key = test_master_key();
  auto other_key = key;
  other_key[31] ^= 1;
  const std::uint64_t n = 1 << 16;
  KeyedPermutation a(key, n, 0), b(key, n, 1), c(other_key, n, 0);
  int same_epoch = 0, same_key = 0;
  for (std::uint64_t x = 0; x < 4096; ++x) {
    same_epoch += a.permute(x) == b.permute(x);
    same_key += a.permute(x) == c.permute(x);
  }
  // Unrelated permutations agree on about 1 in n points: 4096 / 65536 expected.
  EXPECT_LT(same_epoch, 5);
  EXPECT_LT(same_key, 5);
  // Rotating is the same as constructing at that epoch, and rotating back restores it.
  const std::uint64_t before = a.permute(12345);
  a.rotate(1);
  EXPECT_EQ(a.epoch(), 1u);
  EXPECT_EQ(a.permute(12345), b.permute(12345));
  a.rotate(0);
  EXPECT_EQ(a.permute(12345), before);
}

TEST(KeyedPermutation, RefusesBadInput) {
  const auto key = test_master_key();
  EXPECT_THROW(KeyedPermutation(key, 1), std::invalid_argument);
  EXPECT_THROW(KeyedPermutation(ByteView(key.data(), 15), 100), std::invalid_argument);
  KeyedPermutation perm(key, 100);
  EXPECT_THROW(perm.permute(100), std::invalid_argument);
  EXPECT_THROW(perm.invert(100), std::invalid_argument);
}

}  // namespace
}  // namespace wirelab::refcodec

#endif  // WIRELAB_HAVE_OPENSSL

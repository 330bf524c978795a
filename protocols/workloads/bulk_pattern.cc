#include "protocols/workloads/bulk_pattern.h"

#include <algorithm>
#include <vector>

namespace wirelab {
namespace detail {
namespace {

// On x86-64, GCC and Clang compile these loops once per instruction set and pick one when the
// program loads (target_clones, an ifunc): AVX-512 has a 64-bit vector multiply, so splitmix64
// and the digest's fold run eight words per instruction; AVX2 and the baseline still take the
// vector types, lowered to narrower operations. The build needs no -march flag and runs anywhere.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define WIRELAB_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define WIRELAB_VECTOR_CLONES
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && (defined(__GNUC__) || defined(__clang__))
#define WIRELAB_VECTOR_WORDS 1
// Eight 64-bit words: a vector's bytes in memory are the words stored little-endian, as the
// pattern and the digest define them.
typedef std::uint64_t Words8 __attribute__((vector_size(64)));

#define WIRELAB_SPLITMIX(z)                       \
  do {                                            \
    z += 0x9e3779b97f4a7c15ULL;                   \
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL; \
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL; \
    z ^= z >> 31;                                 \
  } while (0)
#define WIRELAB_FOLD(d, w)                                 \
  do {                                                     \
    d ^= w;                                                \
    d = ((d << 29) | (d >> 35)) * 0x9e3779b97f4a7c15ULL; \
  } while (0)
#endif

}  // namespace

// Macros rather than inline functions for the vector steps: a function taking or returning a
// 64-byte vector changes the ABI between the clones (GCC's -Wpsabi).
WIRELAB_VECTOR_CLONES
void pattern_fill_words(std::uint64_t key, std::uint64_t first_word, std::uint8_t* out, std::size_t words) {
  std::size_t i = 0;
#ifdef WIRELAB_VECTOR_WORDS
  Words8 k = {first_word, first_word + 1, first_word + 2, first_word + 3,
              first_word + 4, first_word + 5, first_word + 6, first_word + 7};
  for (; i + 8 <= words; i += 8) {
    Words8 z = k ^ key;
    WIRELAB_SPLITMIX(z);
    std::memcpy(out + 8 * i, &z, sizeof z);
    k += 8;
  }
#endif
  for (; i < words; ++i) BulkPattern::store_le64(out + 8 * i, BulkPattern::word_of(key, first_word + i));
}

WIRELAB_VECTOR_CLONES
std::uint64_t digest_blocks(std::uint64_t (&lanes)[16], const std::uint8_t* in, std::size_t blocks,
                            const std::uint64_t* compare_key, std::uint64_t first_word) {
#ifdef WIRELAB_VECTOR_WORDS
  Words8 low, high, differ = {};
  std::memcpy(&low, lanes, sizeof low);
  std::memcpy(&high, lanes + 8, sizeof high);
  if (compare_key) {
    const std::uint64_t key = *compare_key;
    Words8 k = {first_word, first_word + 1, first_word + 2, first_word + 3,
                first_word + 4, first_word + 5, first_word + 6, first_word + 7};
    for (std::size_t b = 0; b < blocks; ++b, in += 128) {
      Words8 w0, w1;
      std::memcpy(&w0, in, sizeof w0);
      std::memcpy(&w1, in + 64, sizeof w1);
      Words8 e0 = k ^ key, e1 = (k + 8) ^ key;
      WIRELAB_SPLITMIX(e0);
      WIRELAB_SPLITMIX(e1);
      differ |= (w0 ^ e0) | (w1 ^ e1);
      WIRELAB_FOLD(low, w0);
      WIRELAB_FOLD(high, w1);
      k += 16;
    }
  } else {
    for (std::size_t b = 0; b < blocks; ++b, in += 128) {
      Words8 w0, w1;
      std::memcpy(&w0, in, sizeof w0);
      std::memcpy(&w1, in + 64, sizeof w1);
      WIRELAB_FOLD(low, w0);
      WIRELAB_FOLD(high, w1);
    }
  }
  std::memcpy(lanes, &low, sizeof low);
  std::memcpy(lanes + 8, &high, sizeof high);
  std::uint64_t any = 0;
  for (int j = 0; j < 8; ++j) any |= differ[j];
  return any;
#else
  std::uint64_t any = 0;
  for (std::size_t b = 0; b < blocks; ++b, in += 128) {
    for (int j = 0; j < 16; ++j) {
      const std::uint64_t w = BulkPattern::load_le64(in + 8 * j);
      if (compare_key) any |= w ^ BulkPattern::word_of(*compare_key, first_word + 16 * b + j);
      lanes[j] = StreamDigest::fold(lanes[j], w);
    }
  }
  return any;
#endif
}

}  // namespace detail

bool StreamDigest::feed_checked(ByteView bytes, const BulkPattern* pattern) {
  const std::uint8_t* p = bytes.data;
  std::size_t n = bytes.size;
  std::uint64_t differ = 0;
  // Bytes up to the next word boundary, then words up to the next lane-0 word, one at a time.
  for (; n > 0 && (length_ & 7); --n, ++p) {
    if (pattern && *p != pattern->byte_at(length_)) differ = 1;
    take(*p);
  }
  for (; n >= 8 && ((length_ >> 3) % kLanes); n -= 8, p += 8) {
    const std::uint64_t w = BulkPattern::load_le64(p);
    if (pattern) differ |= w ^ pattern->word(length_ >> 3);
    std::uint64_t& lane = lanes_[(length_ >> 3) % kLanes];
    lane = fold(lane, w);
    length_ += 8;
  }
  const std::size_t blocks = n / (8 * kLanes);
  if (blocks) {
    const std::uint64_t key = pattern ? pattern->key() : 0;
    differ |= detail::digest_blocks(lanes_, p, blocks, pattern ? &key : nullptr, length_ >> 3);
    length_ += blocks * 8 * kLanes;
    p += blocks * 8 * kLanes;
    n -= blocks * 8 * kLanes;
  }
  for (; n >= 8; n -= 8, p += 8) {
    const std::uint64_t w = BulkPattern::load_le64(p);
    if (pattern) differ |= w ^ pattern->word(length_ >> 3);
    std::uint64_t& lane = lanes_[(length_ >> 3) % kLanes];
    lane = fold(lane, w);
    length_ += 8;
  }
  for (; n > 0; --n, ++p) {
    if (pattern && *p != pattern->byte_at(length_)) differ = 1;
    take(*p);
  }
  return differ == 0;
}

void StreamDigest::take(std::uint8_t b) {
  partial_ |= static_cast<std::uint64_t>(b) << (8 * (length_ & 7));
  if (++length_ % 8 == 0) {
    std::uint64_t& lane = lanes_[((length_ >> 3) - 1) % kLanes];
    lane = fold(lane, partial_);
    partial_ = 0;
  }
}

std::uint64_t StreamDigest::value() const {
  std::uint64_t d = kStart;
  for (std::uint64_t lane : lanes_) d = fold(d, lane);
  const std::uint64_t tail = length_ & 7;
  return tail ? fold(d, partial_ | (tail << 61)) : d;
}

std::uint64_t BulkIntegrityCheck::expected_digest(std::uint64_t seed, std::uint64_t bytes) {
  const BulkPattern pattern(seed);
  std::vector<std::uint8_t> chunk(64 * 1024);
  StreamDigest digest;
  for (std::uint64_t at = 0; at < bytes;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), bytes - at));
    pattern.fill(at, MutableByteView(chunk.data(), n));
    digest.feed(ByteView(chunk.data(), n));
    at += n;
  }
  return digest.value();
}

}  // namespace wirelab

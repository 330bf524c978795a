// The bytes a bulk transfer carries, and the receiver-side check that they arrived intact.
//
// Content is a pure function of (seed, offset), so the receiver regenerates what it should
// have got instead of trusting the sender: any byte lost, duplicated, reordered or corrupted
// by any transport (PFS, ns-3 TCP, kernel TCP, QUIC) makes integrity fail. Each 8-byte word at
// offset 8k is splitmix64(seed ^ k), little-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "protocols/core/bytes.h"

namespace wirelab {

namespace detail {
// The word loops of BulkPattern::fill and StreamDigest, compiled for the CPU at hand
// (bulk_pattern.cc): a sender fills, and a receiver checks and digests, every byte of a
// multi-Gbit/s flow, so these must run near memcpy's speed rather than a word at a time.
void pattern_fill_words(std::uint64_t key, std::uint64_t first_word, std::uint8_t* out, std::size_t words);
// Folds `blocks` x 16 little-endian words of `in` into the 16 lanes (word 16b + j into lane j);
// with `compare_key`, also compares word i with the pattern's word (first_word + i). Returns the
// OR of (received ^ expected) over all words (0 without a comparison).
std::uint64_t digest_blocks(std::uint64_t (&lanes)[16], const std::uint8_t* in, std::size_t blocks,
                            const std::uint64_t* compare_key, std::uint64_t first_word);
}  // namespace detail

class BulkPattern {
 public:
  explicit BulkPattern(std::uint64_t seed) : seed_(seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL) {}

  std::uint8_t byte_at(std::uint64_t offset) const {
    return static_cast<std::uint8_t>(word(offset >> 3) >> (8 * (offset & 7)));
  }

  // The pattern's k-th 8-byte word (bytes [8k, 8k + 8), least significant byte first).
  std::uint64_t word(std::uint64_t k) const { return word_of(seed_, k); }
  static std::uint64_t word_of(std::uint64_t key, std::uint64_t k) {
    std::uint64_t z = (key ^ k) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // The seed as word_of mixes it (what the vectorised loops take).
  std::uint64_t key() const { return seed_; }

  // Fills out[0..n) with the bytes at [offset, offset + n): the whole words in between by the
  // vectorised loop, since a sender fills gigabytes of these.
  void fill(std::uint64_t offset, MutableByteView out) const {
    std::size_t i = 0;
    for (; i < out.size && ((offset + i) & 7); ++i) out[i] = byte_at(offset + i);
    const std::size_t words = (out.size - i) / 8;
    if (words) detail::pattern_fill_words(seed_, (offset + i) >> 3, out.data + i, words);
    i += words * 8;
    for (; i < out.size; ++i) out[i] = byte_at(offset + i);
  }

  static std::uint64_t load_le64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
  }
  static void store_le64(std::uint8_t* p, std::uint64_t v) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    std::memcpy(p, &v, 8);
  }

 private:
  std::uint64_t seed_;
};

// The digest of a byte stream that every bulk check keeps (BulkIntegrityCheck, BulkContentCheck):
// 8-byte little-endian words, word k folded into lane k mod 16, the lanes folded together at
// the end; it depends only on the bytes, not on how they were fed in. Sixteen independent
// multiply chains (two AVX-512 registers) let it run near memcpy's speed; with four, the chain
// latency held a receiver's check to ~12 GB/s.
//
// feed_checked() also compares each byte with a BulkPattern at its stream offset, in the same
// pass over the bytes (the receiver's check of the random mode).
class StreamDigest {
 public:
  static constexpr int kLanes = 16;
  static constexpr std::uint64_t kStart = 0xcbf29ce484222325ULL;
  static std::uint64_t fold(std::uint64_t d, std::uint64_t word) {
    d ^= word;
    return ((d << 29) | (d >> 35)) * 0x9e3779b97f4a7c15ULL;
  }

  void feed(ByteView bytes) { feed_checked(bytes, nullptr); }
  // Feeds `bytes` (stream offsets [length(), length() + size)) and, when `pattern` is given,
  // compares each with the pattern's byte at its offset: false when any differs.
  bool feed_checked(ByteView bytes, const BulkPattern* pattern);

  std::uint64_t length() const { return length_; }
  // A trailing partial word (1-7 bytes, high bytes zero) is folded with its length in the top
  // bits, so streams that differ only by trailing zero bytes differ in digest.
  std::uint64_t value() const;

 private:
  void take(std::uint8_t b);
  // Lane j starts at kStart + j, so equal words in different lanes fold differently.
  std::uint64_t lanes_[kLanes] = {kStart, kStart + 1, kStart + 2, kStart + 3, kStart + 4, kStart + 5, kStart + 6, kStart + 7, kStart + 8, kStart + 9, kStart + 10, kStart + 11, kStart + 12, kStart + 13, kStart + 14, kStart + 15};
  std::uint64_t partial_ = 0;  // bytes of the word in progress, least significant first
  std::uint64_t length_ = 0;
};

// Checks an in-order byte stream against BulkPattern and keeps its StreamDigest.
// integrity_ok() holds when exactly `expected_bytes` arrived, each equal to the pattern, and
// the stream ended (finish() called) right there.
class BulkIntegrityCheck {
 public:
  BulkIntegrityCheck(std::uint64_t seed, std::uint64_t expected_bytes) : pattern_(seed), expected_(expected_bytes) {}

  void feed(ByteView bytes) {
    if (bytes.size > (expected_ > received() ? expected_ - received() : 0)) mismatch_ = true;  // bytes beyond the end
    if (!digest_.feed_checked(bytes, &pattern_)) mismatch_ = true;
  }
  void finish() { finished_ = true; }

  std::uint64_t bytes_received() const { return received(); }
  std::uint64_t digest() const { return digest_.value(); }
  bool integrity_ok() const { return finished_ && !mismatch_ && received() == expected_; }

  // Digest the sender would compute over the whole transfer (for logs and cross-checks).
  static std::uint64_t expected_digest(std::uint64_t seed, std::uint64_t bytes);

 private:
  std::uint64_t received() const { return digest_.length(); }

  BulkPattern pattern_;
  std::uint64_t expected_;
  StreamDigest digest_;
  bool mismatch_ = false;
  bool finished_ = false;
};

}  // namespace wirelab

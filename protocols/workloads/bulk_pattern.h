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

class BulkPattern {
 public:
  explicit BulkPattern(std::uint64_t seed) : seed_(seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL) {}

  std::uint8_t byte_at(std::uint64_t offset) const {
    return static_cast<std::uint8_t>(word(offset >> 3) >> (8 * (offset & 7)));
  }

  // The pattern's k-th 8-byte word (bytes [8k, 8k + 8), least significant byte first).
  std::uint64_t word(std::uint64_t k) const {
    std::uint64_t z = (seed_ ^ k) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Fills out[0..n) with the bytes at [offset, offset + n): whole words stored at once, since
  // a sender fills gigabytes of these.
  void fill(std::uint64_t offset, MutableByteView out) const {
    const BulkPattern p = *this;  // a local copy: stores through `out` cannot alias it
    std::size_t i = 0;
    for (; i < out.size && ((offset + i) & 7); ++i) out[i] = p.byte_at(offset + i);
    for (; i + 8 <= out.size; i += 8) store_le64(out.data + i, p.word((offset + i) >> 3));
    for (; i < out.size; ++i) out[i] = p.byte_at(offset + i);
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

// The digest of a byte stream that every bulk check keeps (BulkIntegrityCheck, which computes it
// fused with its comparison, and BulkContentCheck): 8-byte little-endian words, word k folded
// into lane k mod 4, the lanes folded together at the end; it depends only on the bytes, not on
// how they were fed in.
class StreamDigest {
 public:
  static constexpr std::uint64_t kStart = 0xcbf29ce484222325ULL;
  static std::uint64_t fold(std::uint64_t d, std::uint64_t word) {
    d ^= word;
    return ((d << 29) | (d >> 35)) * 0x9e3779b97f4a7c15ULL;
  }
  // A trailing partial word (1-7 bytes, high bytes zero) is folded with its length in the top
  // bits, so streams that differ only by trailing zero bytes differ in digest.
  static std::uint64_t finalize(const std::uint64_t (&lanes)[4], std::uint64_t partial, std::uint64_t length) {
    std::uint64_t d = kStart;
    for (std::uint64_t lane : lanes) d = fold(d, lane);
    const std::uint64_t tail = length & 7;
    return tail ? fold(d, partial | (tail << 61)) : d;
  }

  void feed(ByteView bytes) {
    std::size_t i = 0;
    while (i < bytes.size && (length_ & 7)) take(bytes[i++]);
    for (; i + 8 <= bytes.size; i += 8) {
      std::uint64_t w = 0;
      for (int b = 7; b >= 0; --b) w = (w << 8) | bytes[i + static_cast<std::size_t>(b)];
      std::uint64_t& lane = lanes_[(length_ >> 3) & 3];
      lane = fold(lane, w);
      length_ += 8;
    }
    while (i < bytes.size) take(bytes[i++]);
  }
  std::uint64_t value() const { return finalize(lanes_, partial_, length_); }

 private:
  void take(std::uint8_t b) {
    partial_ |= static_cast<std::uint64_t>(b) << (8 * (length_ & 7));
    if (++length_ % 8 == 0) {
      std::uint64_t& lane = lanes_[((length_ >> 3) - 1) & 3];
      lane = fold(lane, partial_);
      partial_ = 0;
    }
  }
  std::uint64_t lanes_[4] = {kStart, kStart + 1, kStart + 2, kStart + 3};
  std::uint64_t partial_ = 0;
  std::uint64_t length_ = 0;
};

// Checks an in-order byte stream against BulkPattern and keeps a digest of it.
// integrity_ok() holds when exactly `expected_bytes` arrived, each equal to the pattern, and
// the stream ended (finish() called) right there.
//
// The receiver of a multi-Gbit/s flow runs this on every byte, so it works a word at a time:
// the comparison against the pattern and the digest both take 8-byte words, and only the bytes
// before the first word boundary and after the last are handled one by one. The digest is a
// function of the byte sequence alone (not of how it was sliced into feeds): whole words at
// offsets 8k are folded in as they complete (into one of four lanes, by k mod 4), the trailing
// partial word only when digest() is asked. (A byte-wise FNV-1a digest, one serial multiply per byte, capped a receiver near
// 4 Gbit/s on its own.)
class BulkIntegrityCheck {
 public:
  BulkIntegrityCheck(std::uint64_t seed, std::uint64_t expected_bytes)
      : pattern_(seed), expected_(expected_bytes) {}

  void feed(ByteView bytes) {
    const std::uint8_t* p = bytes.data;
    std::size_t n = bytes.size;
    if (n > (expected_ > received_ ? expected_ - received_ : 0)) mismatch_ = true;  // bytes beyond the end
    for (; n > 0 && (received_ & 7); --n) take_byte(*p++);
    std::uint64_t differ = 0;
    auto word = [&](std::uint64_t& lane) {
      const std::uint64_t w = BulkPattern::load_le64(p);
      differ |= w ^ pattern_.word(received_ >> 3);
      lane = fold(lane, w);
      received_ += 8;
      p += 8;
      n -= 8;
    };
    while (n >= 8 && ((received_ >> 3) & 3)) word(lanes_[(received_ >> 3) & 3]);
    // Four words at a time, one per lane: four independent multiply chains instead of one.
    std::uint64_t l0 = lanes_[0], l1 = lanes_[1], l2 = lanes_[2], l3 = lanes_[3];
    while (n >= 32) {
      word(l0);
      word(l1);
      word(l2);
      word(l3);
    }
    lanes_[0] = l0, lanes_[1] = l1, lanes_[2] = l2, lanes_[3] = l3;
    while (n >= 8) word(lanes_[(received_ >> 3) & 3]);
    if (differ) mismatch_ = true;
    for (; n > 0; --n) take_byte(*p++);
  }
  void finish() { finished_ = true; }

  std::uint64_t bytes_received() const { return received_; }
  std::uint64_t digest() const { return finalize(lanes_, partial_, received_); }
  bool integrity_ok() const { return finished_ && !mismatch_ && received_ == expected_; }

  // Digest the sender would compute over the whole transfer (for logs and cross-checks).
  static std::uint64_t expected_digest(std::uint64_t seed, std::uint64_t bytes) {
    BulkPattern p(seed);
    std::uint64_t lanes[4] = {kDigestStart, kDigestStart + 1, kDigestStart + 2, kDigestStart + 3};
    for (std::uint64_t k = 0; k < bytes / 8; ++k) lanes[k & 3] = fold(lanes[k & 3], p.word(k));
    const unsigned tail = static_cast<unsigned>(bytes & 7);
    const std::uint64_t partial = tail ? p.word(bytes / 8) & ((std::uint64_t{1} << (8 * tail)) - 1) : 0;
    return finalize(lanes, partial, bytes);
  }

 private:
  static constexpr std::uint64_t kDigestStart = StreamDigest::kStart;
  static std::uint64_t fold(std::uint64_t d, std::uint64_t word) { return StreamDigest::fold(d, word); }
  static std::uint64_t finalize(const std::uint64_t (&lanes)[4], std::uint64_t partial, std::uint64_t length) {
    return StreamDigest::finalize(lanes, partial, length);
  }

  void take_byte(std::uint8_t b) {
    const unsigned at = static_cast<unsigned>(received_ & 7);
    if (b != pattern_.byte_at(received_)) mismatch_ = true;
    partial_ |= static_cast<std::uint64_t>(b) << (8 * at);
    if (++received_ % 8 == 0) {
      std::uint64_t& lane = lanes_[((received_ >> 3) - 1) & 3];
      lane = fold(lane, partial_);
      partial_ = 0;
    }
  }

  BulkPattern pattern_;
  std::uint64_t expected_;
  std::uint64_t received_ = 0;
  // Word k is folded into lane k mod 4 (independent chains the CPU overlaps); digest() folds
  // the lanes together.
  std::uint64_t lanes_[4] = {kDigestStart, kDigestStart + 1, kDigestStart + 2, kDigestStart + 3};
  std::uint64_t partial_ = 0;  // bytes of the word in progress, least significant first
  bool mismatch_ = false;
  bool finished_ = false;
};

}  // namespace wirelab

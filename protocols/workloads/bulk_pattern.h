// The bytes a bulk transfer carries, and the receiver-side check that they arrived intact.
//
// Content is a pure function of (seed, offset), so the receiver regenerates what it should
// have got instead of trusting the sender: any byte lost, duplicated, reordered or corrupted
// by any transport (PFS, ns-3 TCP, kernel TCP, QUIC) makes integrity fail. Each 8-byte word at
// offset 8k is splitmix64(seed ^ k), little-endian.
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocols/core/bytes.h"

namespace wirelab {

class BulkPattern {
 public:
  explicit BulkPattern(std::uint64_t seed) : seed_(seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL) {}

  std::uint8_t byte_at(std::uint64_t offset) const {
    return static_cast<std::uint8_t>(word(offset >> 3) >> (8 * (offset & 7)));
  }

  // Fills out[0..n) with the bytes at [offset, offset + n).
  void fill(std::uint64_t offset, MutableByteView out) const {
    std::size_t i = 0;
    while (i < out.size) {
      const std::uint64_t pos = offset + i;
      const std::uint64_t w = word(pos >> 3);
      for (unsigned b = static_cast<unsigned>(pos & 7); b < 8 && i < out.size; ++b, ++i)
        out[i] = static_cast<std::uint8_t>(w >> (8 * b));
    }
  }

 private:
  std::uint64_t word(std::uint64_t k) const {
    std::uint64_t z = (seed_ ^ k) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t seed_;
};

// Checks an in-order byte stream against BulkPattern and keeps an FNV-1a digest of it.
// integrity_ok() holds when exactly `expected_bytes` arrived, each equal to the pattern, and
// the stream ended (finish() called) right there.
class BulkIntegrityCheck {
 public:
  BulkIntegrityCheck(std::uint64_t seed, std::uint64_t expected_bytes)
      : pattern_(seed), expected_(expected_bytes) {}

  void feed(ByteView bytes) {
    // Compare against the pattern a word at a time: the pattern word changes every 8 bytes,
    // and recomputing it per byte was a visible share of a fast receiver's CPU.
    std::uint8_t expected[8];
    std::uint64_t word_at = UINT64_MAX;
    for (std::size_t i = 0; i < bytes.size; ++i) {
      if (received_ >= expected_) {
        mismatch_ = true;
      } else {
        if ((received_ >> 3) != word_at) {
          word_at = received_ >> 3;
          pattern_.fill(word_at << 3, MutableByteView(expected, 8));
        }
        if (bytes[i] != expected[received_ & 7]) mismatch_ = true;
      }
      digest_ = (digest_ ^ bytes[i]) * 0x100000001b3ULL;
      ++received_;
    }
  }
  void finish() { finished_ = true; }

  std::uint64_t bytes_received() const { return received_; }
  std::uint64_t digest() const { return digest_; }
  bool integrity_ok() const { return finished_ && !mismatch_ && received_ == expected_; }

  // Digest the sender would compute over the whole transfer (for logs and cross-checks).
  static std::uint64_t expected_digest(std::uint64_t seed, std::uint64_t bytes) {
    BulkPattern p(seed);
    std::uint64_t d = 0xcbf29ce484222325ULL;
    for (std::uint64_t i = 0; i < bytes; ++i) d = (d ^ p.byte_at(i)) * 0x100000001b3ULL;
    return d;
  }

 private:
  BulkPattern pattern_;
  std::uint64_t expected_;
  std::uint64_t received_ = 0;
  std::uint64_t digest_ = 0xcbf29ce484222325ULL;
  bool mismatch_ = false;
  bool finished_ = false;
};

}  // namespace wirelab

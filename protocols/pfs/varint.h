// QUIC-style variable-length integers (RFC 9000 section 16): the two most significant bits of
// the first byte give the length (1, 2, 4 or 8 bytes), the rest is the value, big-endian.
// Values up to 2^62 - 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "protocols/core/bytes.h"

namespace wirelab::pfs {

constexpr std::uint64_t kVarintMax = (std::uint64_t{1} << 62) - 1;

constexpr std::size_t varint_size(std::uint64_t v) {
  return v < (1u << 6) ? 1 : v < (1u << 14) ? 2 : v < (std::uint64_t{1} << 30) ? 4 : 8;
}

// Appends to a bounded buffer; the writer refuses (returns false) rather than overflowing.
class ByteWriter {
 public:
  explicit ByteWriter(MutableByteView out) : out_(out) {}
  std::size_t size() const { return pos_; }
  std::size_t remaining() const { return out_.size - pos_; }
  bool u8(std::uint8_t v) {
    if (remaining() < 1) return false;
    out_[pos_++] = v;
    return true;
  }
  bool u32(std::uint32_t v) {
    if (remaining() < 4) return false;
    for (int i = 3; i >= 0; --i) out_[pos_++] = static_cast<std::uint8_t>(v >> (8 * i));
    return true;
  }
  bool varint(std::uint64_t v) {
    const std::size_t n = varint_size(v);
    if (v > kVarintMax || remaining() < n) return false;
    const std::uint8_t prefix = n == 1 ? 0x00 : n == 2 ? 0x40 : n == 4 ? 0x80 : 0xc0;
    for (std::size_t i = 0; i < n; ++i) out_[pos_ + i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
    out_[pos_] |= prefix;
    pos_ += n;
    return true;
  }
  // Hands out the next n bytes for the caller to fill in place (no intermediate copy).
  std::uint8_t* reserve(std::size_t n) {
    if (remaining() < n) return nullptr;
    std::uint8_t* at = out_.data + pos_;
    pos_ += n;
    return at;
  }
  bool bytes(ByteView b) {
    if (remaining() < b.size) return false;
    for (std::size_t i = 0; i < b.size; ++i) out_[pos_ + i] = b[i];
    pos_ += b.size;
    return true;
  }

 private:
  MutableByteView out_;
  std::size_t pos_ = 0;
};

// Reads from untrusted bytes; every read reports truncation instead of reading past the end.
class ByteReader {
 public:
  explicit ByteReader(ByteView in) : in_(in) {}
  bool empty() const { return pos_ >= in_.size; }
  std::size_t remaining() const { return in_.size - pos_; }
  std::optional<std::uint8_t> u8() {
    if (remaining() < 1) return std::nullopt;
    return in_[pos_++];
  }
  std::optional<std::uint32_t> u32() {
    if (remaining() < 4) return std::nullopt;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | in_[pos_++];
    return v;
  }
  std::optional<std::uint64_t> varint() {
    if (remaining() < 1) return std::nullopt;
    const std::size_t n = std::size_t{1} << (in_[pos_] >> 6);
    if (remaining() < n) return std::nullopt;
    std::uint64_t v = in_[pos_] & 0x3f;
    for (std::size_t i = 1; i < n; ++i) v = (v << 8) | in_[pos_ + i];
    pos_ += n;
    return v;
  }
  std::optional<ByteView> bytes(std::size_t n) {
    if (remaining() < n) return std::nullopt;
    ByteView v = in_.subview(pos_, n);
    pos_ += n;
    return v;
  }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
};

}  // namespace wirelab::pfs

// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor): the checksum a
// reference stream's SYNC unit carries over its window. Check value: "123456789" -> 0x29B1.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wirelab::refcodec {

inline constexpr std::uint16_t kCrc16CcittInit = 0xFFFF;

// Continues a CRC over more bytes; start with kCrc16CcittInit. Table-driven, a byte per step:
// the windows are a few kilobytes and the CRC is a small share of the pack cost.
std::uint16_t crc16_ccitt_update(std::uint16_t crc, const std::uint8_t* data, std::size_t size);

inline std::uint16_t crc16_ccitt(const std::uint8_t* data, std::size_t size) {
  return crc16_ccitt_update(kCrc16CcittInit, data, size);
}

}  // namespace wirelab::refcodec

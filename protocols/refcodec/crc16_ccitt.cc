#include "protocols/refcodec/crc16_ccitt.h"

#include <array>

namespace wirelab::refcodec {
namespace {

// kTables[k][b]: the CRC register contribution of byte b followed by k zero bytes. Slicing by
// eight reads eight table entries per eight bytes with no serial dependency between them, which
// is what keeps the CRC from dominating the encoder (a byte-at-a-time table is 3-4x slower).
using Tables = std::array<std::array<std::uint16_t, 256>, 8>;

constexpr Tables make_tables() {
  Tables t{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    std::uint16_t crc = static_cast<std::uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    t[0][byte] = crc;
  }
  for (int k = 1; k < 8; ++k) {
    for (unsigned byte = 0; byte < 256; ++byte) {
      const std::uint16_t prev = t[k - 1][byte];
      t[k][byte] = static_cast<std::uint16_t>((prev << 8) ^ t[0][prev >> 8]);
    }
  }
  return t;
}

constexpr Tables kTables = make_tables();

}  // namespace

std::uint16_t crc16_ccitt_update(std::uint16_t crc, const std::uint8_t* data, std::size_t size) {
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const std::uint8_t* d = data + i;
    const unsigned hi = (crc >> 8) ^ d[0];
    const unsigned lo = (crc & 0xFF) ^ d[1];
    crc = static_cast<std::uint16_t>(kTables[7][hi] ^ kTables[6][lo] ^ kTables[5][d[2]] ^
                                     kTables[4][d[3]] ^ kTables[3][d[4]] ^ kTables[2][d[5]] ^
                                     kTables[1][d[6]] ^ kTables[0][d[7]]);
  }
  for (; i < size; ++i) {
    crc = static_cast<std::uint16_t>((crc << 8) ^ kTables[0][((crc >> 8) ^ data[i]) & 0xFF]);
  }
  return crc;
}

}  // namespace wirelab::refcodec

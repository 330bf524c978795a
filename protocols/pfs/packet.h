// The PFS v1 packet header: what every datagram starts with (docs/protocols/pfs.md).
//
//   u8  version         (1)
//   u8  type            INITIAL (0), HANDSHAKE (1), DATA (2)
//   u32 connection id   chosen by the client, echoed by the server
//   varint packet number (one number space per direction, never reused)
//   frames...
#pragma once

#include <cstdint>
#include <optional>

#include "protocols/core/bytes.h"
#include "protocols/pfs/varint.h"

namespace wirelab::pfs {

constexpr std::uint8_t kVersion = 1;

enum class PacketType : std::uint8_t { kInitial = 0, kHandshake = 1, kData = 2 };

struct PacketHeader {
  PacketType type = PacketType::kData;
  std::uint32_t connection_id = 0;
  std::uint64_t packet_number = 0;
};

constexpr std::size_t header_size(std::uint64_t packet_number) { return 1 + 1 + 4 + varint_size(packet_number); }

bool encode_header(const PacketHeader& header, ByteWriter& out);
// Parses the header; `payload` gets the frames that follow. nullopt for a wrong version or type,
// or a truncated header.
std::optional<PacketHeader> decode_header(ByteView datagram, ByteView* payload);

}  // namespace wirelab::pfs

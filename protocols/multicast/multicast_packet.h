// The wire format of PFS multicast: one sender, N receivers, every datagram sent to the group.
//
// The content is cut into packets of `shard_len` payload bytes (the last one shorter), numbered
// by `seq` from 0; k consecutive packets form a block, the unit of NACKs and of Reed-Solomon
// repair (rs(k, m): m parity shards per block, over the block's packets zero-padded to
// shard_len; a short last block counts its absent packets as zero shards). All integers are
// big-endian.
//
//   sender -> group   [type u8][k u8][m u8][shard_len u16][total_bytes u64]  (13-byte geometry)
//     DATA            geometry [seq u32] payload (shard_len bytes, the last packet fewer)
//     PARITY          geometry [block u32][index u8] shard_len bytes of parity `index` of `block`
//     HEARTBEAT       geometry [packets_sent u32]: how many packets exist so far (tail losses
//                     show as a gap below it); repeated after the last packet until every
//                     receiver said DONE
//   receiver -> group [type u8][receiver u16] ...
//     NACK            [entries u16] entries of [block u32][need u8][count u8][offset u8 x count]:
//                     `need` more shards rebuild the block at this receiver (parity or data);
//                     the offsets (seq - block * k) are its missing packets
//     DONE            nothing more: this receiver has the whole content
//
// A NACK goes to the group, so the other receivers hear it (suppression) as the sender does.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "protocols/core/bytes.h"

namespace wirelab::multicast {

enum class PacketType : std::uint8_t { kData = 1, kParity = 2, kHeartbeat = 3, kNack = 4, kDone = 5 };

struct Geometry {
  int k = 16;
  int m = 0;
  std::size_t shard_len = 0;
  std::uint64_t total_bytes = 0;

  std::uint32_t packets() const {
    return shard_len ? static_cast<std::uint32_t>((total_bytes + shard_len - 1) / shard_len) : 0;
  }
  std::uint32_t blocks() const { return (packets() + k - 1) / k; }
  // Packets of block b that carry content (k, or fewer in the last block).
  int block_packets(std::uint32_t b) const {
    const std::uint64_t first = static_cast<std::uint64_t>(b) * k;
    return static_cast<int>(std::min<std::uint64_t>(k, packets() - first));
  }
  std::size_t packet_bytes(std::uint32_t seq) const {
    const std::uint64_t offset = static_cast<std::uint64_t>(seq) * shard_len;
    return static_cast<std::size_t>(std::min<std::uint64_t>(shard_len, total_bytes - offset));
  }
  bool operator==(const Geometry& o) const {
    return k == o.k && m == o.m && shard_len == o.shard_len && total_bytes == o.total_bytes;
  }
};

inline constexpr std::size_t kGeometryBytes = 13;
inline constexpr std::size_t kDataHeaderBytes = kGeometryBytes + 4;
inline constexpr std::size_t kParityHeaderBytes = kGeometryBytes + 5;
inline constexpr std::size_t kNackHeaderBytes = 5;

struct NackEntry {
  std::uint32_t block = 0;
  int need = 0;
  std::vector<std::uint8_t> missing;  // offsets within the block
};

// One parsed datagram; `payload` points into the datagram it was parsed from.
struct Packet {
  PacketType type = PacketType::kData;
  Geometry geometry;          // sender packets
  std::uint32_t seq = 0;      // DATA
  std::uint32_t block = 0;    // PARITY
  int parity_index = 0;       // PARITY
  std::uint32_t packets_sent = 0;  // HEARTBEAT
  std::uint16_t receiver = 0;      // NACK, DONE
  std::vector<NackEntry> entries;  // NACK
  ByteView payload;                // DATA, PARITY
};

// nullopt for anything malformed (short, unknown type, inconsistent geometry).
std::optional<Packet> parse_packet(ByteView datagram);

// Writers return the datagram's size; `out` must hold it (max_datagram_size of the endpoint).
std::size_t write_data(const Geometry& g, std::uint32_t seq, ByteView payload, MutableByteView out);
std::size_t write_parity(const Geometry& g, std::uint32_t block, int index, ByteView parity, MutableByteView out);
std::size_t write_heartbeat(const Geometry& g, std::uint32_t packets_sent, MutableByteView out);
std::size_t write_done(std::uint16_t receiver, MutableByteView out);
// Writes as many of entries[first..] as fit; returns the size and sets *written to their count.
std::size_t write_nack(std::uint16_t receiver, const std::vector<NackEntry>& entries, std::size_t first,
                       std::size_t* written, MutableByteView out);

}  // namespace wirelab::multicast

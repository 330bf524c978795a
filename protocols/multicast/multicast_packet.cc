#include "protocols/multicast/multicast_packet.h"

#include <cstring>

namespace wirelab::multicast {
namespace {

class Writer {
 public:
  explicit Writer(MutableByteView out) : out_(out) {}
  void u8(std::uint64_t v) { out_[n_++] = static_cast<std::uint8_t>(v); }
  void u16(std::uint64_t v) { be(v, 2); }
  void u32(std::uint64_t v) { be(v, 4); }
  void u64(std::uint64_t v) { be(v, 8); }
  void bytes(ByteView b) {
    if (b.size) std::memcpy(out_.data + n_, b.data, b.size);
    n_ += b.size;
  }
  void geometry(PacketType type, const Geometry& g) {
    u8(static_cast<std::uint8_t>(type));
    u8(g.k);
    u8(g.m);
    u16(g.shard_len);
    u64(g.total_bytes);
  }
  std::size_t size() const { return n_; }

 private:
  void be(std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) out_[n_++] = static_cast<std::uint8_t>(v >> (8 * i));
  }
  MutableByteView out_;
  std::size_t n_ = 0;
};

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  bool has(std::size_t n) const { return in_.size - at_ >= n; }
  std::uint64_t be(int width) {
    std::uint64_t v = 0;
    for (int i = 0; i < width; ++i) v = (v << 8) | in_[at_++];
    return v;
  }
  ByteView rest() const { return in_.subview(at_); }

 private:
  ByteView in_;
  std::size_t at_ = 0;
};

}  // namespace

std::optional<Packet> parse_packet(ByteView datagram) {
  Reader r(datagram);
  if (!r.has(1)) return std::nullopt;
  Packet p;
  const auto type = r.be(1);
  if (type < 1 || type > 5) return std::nullopt;
  p.type = static_cast<PacketType>(type);
  if (p.type == PacketType::kNack || p.type == PacketType::kDone) {
    if (!r.has(2)) return std::nullopt;
    p.receiver = static_cast<std::uint16_t>(r.be(2));
    if (p.type == PacketType::kDone) return p;
    if (!r.has(2)) return std::nullopt;
    const auto entries = r.be(2);
    for (std::uint64_t i = 0; i < entries; ++i) {
      if (!r.has(6)) return std::nullopt;
      NackEntry e;
      e.block = static_cast<std::uint32_t>(r.be(4));
      e.need = static_cast<int>(r.be(1));
      const auto count = r.be(1);
      if (!r.has(count)) return std::nullopt;
      for (std::uint64_t j = 0; j < count; ++j) e.missing.push_back(static_cast<std::uint8_t>(r.be(1)));
      p.entries.push_back(std::move(e));
    }
    return p;
  }
  if (!r.has(kGeometryBytes - 1)) return std::nullopt;
  p.geometry.k = static_cast<int>(r.be(1));
  p.geometry.m = static_cast<int>(r.be(1));
  p.geometry.shard_len = static_cast<std::size_t>(r.be(2));
  p.geometry.total_bytes = r.be(8);
  const Geometry& g = p.geometry;
  if (g.k < 1 || g.k + g.m > 255 || g.shard_len == 0 || g.total_bytes == 0) return std::nullopt;
  switch (p.type) {
    case PacketType::kData:
      if (!r.has(4)) return std::nullopt;
      p.seq = static_cast<std::uint32_t>(r.be(4));
      p.payload = r.rest();
      if (p.seq >= g.packets() || p.payload.size != g.packet_bytes(p.seq)) return std::nullopt;
      return p;
    case PacketType::kParity:
      if (!r.has(5)) return std::nullopt;
      p.block = static_cast<std::uint32_t>(r.be(4));
      p.parity_index = static_cast<int>(r.be(1));
      p.payload = r.rest();
      if (p.block >= g.blocks() || p.parity_index >= g.m || p.payload.size != g.shard_len) return std::nullopt;
      return p;
    case PacketType::kHeartbeat:
      if (!r.has(4)) return std::nullopt;
      p.packets_sent = static_cast<std::uint32_t>(r.be(4));
      if (p.packets_sent > g.packets()) return std::nullopt;
      return p;
    default:
      return std::nullopt;
  }
}

std::size_t write_data(const Geometry& g, std::uint32_t seq, ByteView payload, MutableByteView out) {
  Writer w(out);
  w.geometry(PacketType::kData, g);
  w.u32(seq);
  w.bytes(payload);
  return w.size();
}

std::size_t write_parity(const Geometry& g, std::uint32_t block, int index, ByteView parity, MutableByteView out) {
  Writer w(out);
  w.geometry(PacketType::kParity, g);
  w.u32(block);
  w.u8(static_cast<std::uint64_t>(index));
  w.bytes(parity);
  return w.size();
}

std::size_t write_heartbeat(const Geometry& g, std::uint32_t packets_sent, MutableByteView out) {
  Writer w(out);
  w.geometry(PacketType::kHeartbeat, g);
  w.u32(packets_sent);
  return w.size();
}

std::size_t write_done(std::uint16_t receiver, MutableByteView out) {
  Writer w(out);
  w.u8(static_cast<std::uint8_t>(PacketType::kDone));
  w.u16(receiver);
  return w.size();
}

std::size_t write_nack(std::uint16_t receiver, const std::vector<NackEntry>& entries, std::size_t first,
                       std::size_t* written, MutableByteView out) {
  // The entry count is patched in once we know how many fit.
  Writer w(out);
  w.u8(static_cast<std::uint8_t>(PacketType::kNack));
  w.u16(receiver);
  w.u16(0);
  std::size_t size = w.size(), count = 0;
  for (std::size_t i = first; i < entries.size() && count < 0xffff; ++i) {
    const NackEntry& e = entries[i];
    const std::size_t missing = std::min<std::size_t>(e.missing.size(), 255);
    if (size + 6 + missing > out.size) break;
    w.u32(e.block);
    w.u8(static_cast<std::uint64_t>(std::min(e.need, 255)));
    w.u8(missing);
    for (std::size_t j = 0; j < missing; ++j) w.u8(e.missing[j]);
    size = w.size();
    ++count;
  }
  out[3] = static_cast<std::uint8_t>(count >> 8);
  out[4] = static_cast<std::uint8_t>(count);
  *written = count;
  return size;
}

}  // namespace wirelab::multicast

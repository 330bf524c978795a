#include "protocols/pfs/packet.h"

namespace wirelab::pfs {

bool encode_header(const PacketHeader& h, ByteWriter& out) {
  return out.u8(kVersion) && out.u8(static_cast<std::uint8_t>(h.type)) && out.u32(h.connection_id) &&
         out.varint(h.packet_number);
}

std::optional<PacketHeader> decode_header(ByteView datagram, ByteView* payload) {
  ByteReader in(datagram);
  const auto version = in.u8(), type = in.u8();
  const auto cid = in.u32();
  const auto pn = in.varint();
  if (!version || !type || !cid || !pn || *version != kVersion || *type > 2) return std::nullopt;
  PacketHeader h;
  h.type = static_cast<PacketType>(*type);
  h.connection_id = *cid;
  h.packet_number = *pn;
  *payload = datagram.subview(datagram.size - in.remaining());
  return h;
}

}  // namespace wirelab::pfs

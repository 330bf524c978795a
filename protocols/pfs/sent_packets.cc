#include "protocols/pfs/sent_packets.h"

namespace wirelab::pfs {

void SentPacketLedger::add(SentPacket packet) {
  if (packet.in_flight) bytes_in_flight_ += packet.size;
  if (packet.ack_eliciting) ++ack_eliciting_;
  const std::uint64_t pn = packet.packet_number;
  packets_.emplace(pn, std::move(packet));
}

bool SentPacketLedger::take(std::uint64_t pn, SentPacket* out) {
  auto it = packets_.find(pn);
  if (it == packets_.end()) return false;
  if (it->second.in_flight) bytes_in_flight_ -= it->second.size;
  if (it->second.ack_eliciting) --ack_eliciting_;
  *out = std::move(it->second);
  packets_.erase(it);
  return true;
}

const SentPacket* SentPacketLedger::find(std::uint64_t pn) const {
  auto it = packets_.find(pn);
  return it == packets_.end() ? nullptr : &it->second;
}

}  // namespace wirelab::pfs

#include "protocols/pfs/sent_packets.h"

#include <utility>

namespace wirelab::pfs {

void SentPacketLedger::add(const SentPacket& packet) {
  trim();
  if (count_ == ring_.size()) {
    std::vector<Slot> bigger(ring_.empty() ? 64 : 2 * ring_.size());
    for (std::size_t i = 0; i < count_; ++i) bigger[i] = std::move(slot(i));
    ring_.swap(bigger);
    head_ = 0;
  }
  Slot& s = slot(count_++);
  s.packet = packet;  // copy-assignment reuses the slot's vectors
  s.live = true;
  ++live_;
  if (packet.in_flight) bytes_in_flight_ += packet.size;
  if (packet.ack_eliciting) ++ack_eliciting_;
}

std::size_t SentPacketLedger::lower_bound(std::uint64_t pn) const {
  std::size_t lo = 0, hi = count_;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (slot(mid).packet.packet_number < pn) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const SentPacket* SentPacketLedger::find(std::uint64_t pn) const {
  const std::size_t i = lower_bound(pn);
  if (i == count_ || slot(i).packet.packet_number != pn) return nullptr;
  return at(i);
}

void SentPacketLedger::remove(std::size_t i) {
  Slot& s = slot(i);
  if (!s.live) return;
  s.live = false;
  --live_;
  if (s.packet.in_flight) bytes_in_flight_ -= s.packet.size;
  if (s.packet.ack_eliciting) --ack_eliciting_;
}

void SentPacketLedger::trim() {
  while (count_ > 0 && !ring_[head_].live) {
    head_ = (head_ + 1) & (ring_.size() - 1);
    --count_;
  }
}

}  // namespace wirelab::pfs

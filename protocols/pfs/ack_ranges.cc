#include "protocols/pfs/ack_ranges.h"

namespace wirelab::pfs {

bool AckRanges::insert(std::uint64_t pn) {
  auto next = ranges_.upper_bound(pn);  // first range starting after pn
  if (next != ranges_.begin()) {
    auto prev = std::prev(next);
    if (prev->second >= pn) return false;  // inside an existing range
    if (prev->second + 1 == pn) {
      prev->second = pn;
      if (next != ranges_.end() && next->first == pn + 1) {
        prev->second = next->second;
        ranges_.erase(next);
      }
      return true;
    }
  }
  if (next != ranges_.end() && next->first == pn + 1) {
    const std::uint64_t last = next->second;
    ranges_.erase(next);
    ranges_.emplace(pn, last);
    return true;
  }
  ranges_.emplace(pn, pn);
  return true;
}

bool AckRanges::contains(std::uint64_t pn) const {
  auto next = ranges_.upper_bound(pn);
  if (next == ranges_.begin()) return false;
  return std::prev(next)->second >= pn;
}

std::vector<PacketRange> AckRanges::descending(std::size_t max_ranges) const {
  std::vector<PacketRange> out;
  for (auto it = ranges_.rbegin(); it != ranges_.rend() && out.size() < max_ranges; ++it)
    out.push_back({it->first, it->second});
  return out;
}

std::vector<PacketRange> AckRanges::gaps_beyond_threshold(std::uint64_t threshold, std::size_t max_gaps) const {
  std::vector<PacketRange> gaps;
  if (ranges_.size() < 2) return gaps;
  // Count received packets above each gap from the top down, then report the oldest first.
  std::vector<PacketRange> found;
  std::uint64_t received_above = 0;
  for (auto it = ranges_.rbegin(); it != ranges_.rend(); ++it) {
    received_above += it->second - it->first + 1;
    auto below = std::next(it);
    if (below == ranges_.rend()) break;
    if (received_above >= threshold) found.push_back({below->second + 1, it->first - 1});
  }
  for (auto it = found.rbegin(); it != found.rend() && gaps.size() < max_gaps; ++it) gaps.push_back(*it);
  return gaps;
}

void AckRanges::forget_below(std::uint64_t pn) {
  while (!ranges_.empty() && ranges_.begin()->second < pn) ranges_.erase(ranges_.begin());
  if (!ranges_.empty() && ranges_.begin()->first < pn) {
    // Re-keyed in place: the receiver trims its oldest range on every datagram, and a node
    // freed and allocated each time was a cost per packet.
    auto node = ranges_.extract(ranges_.begin());
    node.key() = pn;
    ranges_.insert(std::move(node));
  }
}

}  // namespace wirelab::pfs

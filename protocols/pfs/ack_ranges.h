// The receiver's record of which packet numbers arrived, as disjoint ranges: what ACK frames
// report and where NACKs come from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "protocols/pfs/frame.h"

namespace wirelab::pfs {

class AckRanges {
 public:
  // Records `pn`; false when it was already recorded (a duplicate).
  bool insert(std::uint64_t pn);
  bool contains(std::uint64_t pn) const;
  bool empty() const { return ranges_.empty(); }
  std::uint64_t largest() const { return ranges_.rbegin()->second; }

  // Newest first, as ACK frames carry them.
  std::vector<PacketRange> descending(std::size_t max_ranges) const;

  // Gaps below the largest packet that have at least `threshold` received packets above them,
  // ascending, oldest first; at most `max_gaps`.
  std::vector<PacketRange> gaps_beyond_threshold(std::uint64_t threshold, std::size_t max_gaps) const;

  // Forgets everything below `pn` (keeps the record small on long connections).
  void forget_below(std::uint64_t pn);
  std::size_t range_count() const { return ranges_.size(); }

 private:
  std::map<std::uint64_t, std::uint64_t> ranges_;  // first -> last, disjoint, non-adjacent
};

}  // namespace wirelab::pfs

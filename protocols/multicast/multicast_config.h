// What both ends of a PFS multicast session are configured with (protocols/multicast).
//
// The protocol has no handshake and measures no RTT, so the host hands it an RTT hint (the
// path's propagation round trip, as PGM's NAK back-off interval is configured): receivers draw
// their NACK back-off from [0, nack_backoff_max = 2 RTT] and wait repair_wait for a repair before they
// ask again; the sender gathers NACKs for `aggregation` before it repairs, and treats a NACK for
// a block it repaired less than `holdoff` ago, and that this repair already answers, as sent
// before its receiver could have seen the repair.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "protocols/core/bytes.h"
#include "protocols/core/time.h"

namespace wirelab::multicast {

struct MulticastConfig {
  std::size_t max_datagram_size = 1472;
  int k = 16;  // packets per block (the NACK and repair unit)
  int m = 0;   // Reed-Solomon parity shards per block; 0: repair by retransmission only
  double rate_bps = 10e6;  // sender pacing rate, counted on IP bytes (datagram + 28)
  Duration rtt_hint{std::chrono::milliseconds(50)};
  std::uint16_t receivers = 1;  // sender: how many DONEs end the session
  std::uint16_t receiver_id = 0;
  std::uint64_t seed = 1;
  // Sender: the most parity bytes it keeps encoded for repair (at least one block's, whatever
  // this says). Parity is a function of the content, so a block evicted (least recently used
  // first) is encoded again if a receiver asks for it later: the limit trades memory for CPU,
  // never correctness. 4 MiB holds 721 blocks of rs(16,4) at MTU 1500, about 2.8 s of repair
  // backlog at 20 Mbit/s even if every block needed parity.
  std::size_t parity_cache_bytes = 4u << 20;

  // Two RTTs: in a star a receiver hears another's NACK one RTT after it was sent (up to the
  // hub and down again), so only back-offs spread wider than that let NACKs cancel each other.
  Duration nack_backoff_max() const { return 2 * rtt_hint; }
  Duration aggregation() const { return std::max(Duration(std::chrono::milliseconds(1)), rtt_hint / 10); }
  Duration holdoff() const { return rtt_hint + aggregation(); }
  Duration repair_wait() const { return 2 * rtt_hint + aggregation(); }
  Duration heartbeat_interval() const { return std::max(Duration(std::chrono::milliseconds(5)), rtt_hint / 2); }
  // Payload bytes per packet: the larger of the DATA and PARITY headers (18) off the datagram.
  std::size_t shard_len() const { return max_datagram_size - 18; }
};

// The sender's content: fills out[0..n) with the bytes at [offset, offset + n).
using ContentSource = std::function<void(std::uint64_t offset, MutableByteView out)>;

}  // namespace wirelab::multicast

// A point-to-point channel whose two directions each have their own propagation delay and
// jitter: the wire of the link model (rates, queues and loss live on the two devices).
//
// ns-3's PointToPointChannel has one delay for both directions and no jitter. This subclass
// replaces only the scheduling of the far end's Receive: arrival = now + serialization time +
// delay + a jitter draw. Jitter lives on the wire rather than in a queue so it never changes how
// fast the bottleneck drains. With `reorder` false a packet may not arrive before the one
// sent ahead of it in the same direction (arrival = max(own, previous arrival)), the way a
// netem-style delay with rate limiting keeps FIFO order; with `reorder` true each packet keeps
// its own draw, so a small draw can overtake a large one.
#pragma once

#include <array>
#include <cstdint>

#include "ns3/point-to-point-channel.h"
#include "ns3/point-to-point-net-device.h"
#include "sim/link_model.h"

namespace wirelab::sim {

class LinkChannel : public ns3::PointToPointChannel {
 public:
  static ns3::TypeId GetTypeId();
  LinkChannel();

  // Direction 0 carries packets sent by the first device attached, direction 1 the second's.
  void configure_direction(int direction, double delay_s, const JitterSampler& jitter,
                           bool reorder);

  bool TransmitStart(ns3::Ptr<const ns3::Packet> p, ns3::Ptr<ns3::PointToPointNetDevice> src,
                     ns3::Time tx_time) override;

  // Packets whose arrival order differed from their send order, per direction (for tests).
  std::uint64_t reordered_packets(int direction) const { return wires_[direction].reordered; }

 private:
  struct Wire {
    ns3::Time delay;
    JitterSampler jitter{0, JitterDistribution::kUniform, 0};
    bool reorder = false;
    ns3::Time last_arrival;      // latest arrival scheduled so far
    std::uint64_t reordered = 0;
  };
  std::array<Wire, 2> wires_;
};

}  // namespace wirelab::sim

// The star of a multicast run: one sender, a hub, and topology.flows receivers.
//
// The sender's uplink to the hub is an access link (kAccessRateFactor x faster, lossless, deep
// queue), so it carries each multicast datagram once and never limits. Each receiver hangs off
// the hub by its own link with the scenario's `link` (hub -> receiver) and `reverse` (receiver ->
// hub) directions; every link draws its own loss and jitter seeds, so each receiver loses
// independently, the same way for the same run seed.
//
// Forwarding is real IPv4 multicast in ns-3: every leaf's default multicast route points at its
// one device, and the hub has one static multicast route per input device for the group: what
// comes from the sender goes to every receiver; what comes from a receiver (its NACKs and DONE)
// goes to the sender and to every other receiver, which is how receivers overhear each other.
#pragma once

#include <vector>

#include "harness/run_spec.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-net-device.h"
#include "protocols/core/random.h"

namespace wirelab::sim {

struct StarTopology {
  ns3::Ptr<ns3::Node> sender;
  ns3::Ptr<ns3::Node> hub;
  std::vector<ns3::Ptr<ns3::Node>> receivers;
  ns3::Ptr<ns3::PointToPointNetDevice> sender_uplink;  // sender -> hub: every datagram once
  std::vector<ns3::Ptr<ns3::PointToPointNetDevice>> receiver_links;  // hub -> receiver i
  ns3::Ipv4Address group;
};

StarTopology build_star(const RunSpec& spec, SeededRandom& random);

}  // namespace wirelab::sim

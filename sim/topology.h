// The networks a run happens on: point-to-point (one sender, one receiver, the bottleneck
// between them) and dumbbell (N senders and N receivers behind two routers, the bottleneck
// between the routers, access links far faster than the bottleneck so only it queues).
//
// "Forward" is sender -> receiver (spec.link); "reverse" is receiver -> sender (spec.reverse).
// Each direction of the bottleneck has its own rate, delay, jitter, loss, queue and MTU.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/run_spec.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-net-device.h"
#include "protocols/core/random.h"
#include "sim/link_channel.h"

namespace wirelab::sim {

struct Topology {
  std::vector<ns3::Ptr<ns3::Node>> senders;
  std::vector<ns3::Ptr<ns3::Node>> receivers;
  std::vector<ns3::Ipv4Address> receiver_addresses;  // receivers[i]'s address
  ns3::Ptr<ns3::PointToPointNetDevice> bottleneck_forward;  // transmits sender -> receiver
  ns3::Ptr<ns3::PointToPointNetDevice> bottleneck_reverse;  // transmits receiver -> sender
  ns3::Ptr<LinkChannel> bottleneck;
};

// One full-duplex link between a and b: a_to_b describes what a transmits (its rate, queue, MTU)
// and how the wire and b's receiver treat it (delay, jitter, loss). Four draws from `random`
// seed the two jitter samplers and the two loss models. The emu backend builds its link with it.
struct LinkDevices {
  ns3::Ptr<ns3::PointToPointNetDevice> a;  // transmits a -> b
  ns3::Ptr<ns3::PointToPointNetDevice> b;  // transmits b -> a
  ns3::Ptr<LinkChannel> channel;
};
LinkDevices add_link(ns3::Ptr<ns3::Node> a, ns3::Ptr<ns3::Node> b, const LinkSpec& a_to_b,
                     const LinkSpec& b_to_a, SeededRandom& random);

// Builds the topology named by spec.topology (point-to-point or dumbbell with spec.topology.flows
// pairs) with the internet stack and routes installed. Randomness (loss, jitter) is drawn from
// `random`. Throws std::invalid_argument for a kind sim does not support.
Topology build_topology(const RunSpec& spec, SeededRandom& random);

// Access links in the dumbbell run this many times faster than the faster bottleneck direction.
inline constexpr double kAccessRateFactor = 10;
inline constexpr double kAccessDelay_s = 10e-6;

}  // namespace wirelab::sim

#include "sim/topology.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "ns3/traffic-control-module.h"

namespace wirelab::sim {
namespace {

ns3::Ptr<ns3::PointToPointNetDevice> add_device(ns3::Ptr<ns3::Node> node, const LinkSpec& tx) {
  auto device = ns3::CreateObject<ns3::PointToPointNetDevice>();
  device->SetAddress(ns3::Mac48Address::Allocate());
  device->SetDataRate(ns3::DataRate(static_cast<std::uint64_t>(tx.rate_bps)));
  device->SetMtu(static_cast<std::uint16_t>(tx.mtu));
  auto queue = ns3::CreateObject<ns3::DropTailQueue<ns3::Packet>>();
  queue->SetAttribute("MaxSize", ns3::QueueSizeValue(ns3::QueueSize(queue_max_size(tx.queue))));
  device->SetQueue(queue);
  node->AddDevice(device);
  return device;
}

// An access link: fast, short, lossless, with a queue deep enough never to be the bottleneck.
LinkSpec access_link(const RunSpec& spec, const LinkSpec& direction) {
  LinkSpec access;
  access.rate_bps = kAccessRateFactor * std::max(spec.link.rate_bps, spec.reverse.rate_bps);
  access.delay_s = kAccessDelay_s;
  access.queue = QueueSpec{QueueSpec::Unit::kPackets, 10000};
  access.loss = LossSpec{};
  access.mtu = direction.mtu;
  return access;
}

ns3::Ipv4InterfaceContainer assign(ns3::Ipv4AddressHelper& addresses, const LinkDevices& link) {
  ns3::NetDeviceContainer devices;
  devices.Add(link.a);
  devices.Add(link.b);
  ns3::Ipv4InterfaceContainer interfaces = addresses.Assign(devices);
  addresses.NewNetwork();
  // The device's drop-tail queue must be the only queue: no traffic-control qdisc in front.
  for (auto device : {link.a, link.b}) {
    auto tc = device->GetNode()->GetObject<ns3::TrafficControlLayer>();
    if (tc && tc->GetRootQueueDiscOnDevice(device)) tc->DeleteRootQueueDiscOnDevice(device);
  }
  return interfaces;
}

}  // namespace

LinkDevices add_link(ns3::Ptr<ns3::Node> a, ns3::Ptr<ns3::Node> b, const LinkSpec& a_to_b,
                     const LinkSpec& b_to_a, SeededRandom& random) {
  LinkDevices link;
  link.channel = ns3::CreateObject<LinkChannel>();
  link.a = add_device(a, a_to_b);
  link.b = add_device(b, b_to_a);
  link.a->Attach(link.channel);  // attached first: direction 0 is a -> b
  link.b->Attach(link.channel);
  link.channel->configure_direction(
      0, a_to_b.delay_s,
      JitterSampler(a_to_b.jitter_s, a_to_b.jitter_distribution, random.next_u64()),
      a_to_b.reorder);
  link.channel->configure_direction(
      1, b_to_a.delay_s,
      JitterSampler(b_to_a.jitter_s, b_to_a.jitter_distribution, random.next_u64()),
      b_to_a.reorder);
  if (auto loss = make_loss_model(a_to_b.loss, random.next_u64())) link.b->SetReceiveErrorModel(loss);
  if (auto loss = make_loss_model(b_to_a.loss, random.next_u64())) link.a->SetReceiveErrorModel(loss);
  return link;
}

Topology build_topology(const RunSpec& spec, SeededRandom& random) {
  // Address allocation is process-global in ns-3 and survives Simulator::Destroy.
  ns3::Ipv4AddressGenerator::Reset();
  Topology topology;
  ns3::InternetStackHelper internet;
  ns3::Ipv4AddressHelper addresses("10.1.0.0", "255.255.255.0");

  if (spec.topology.kind == TopologySpec::Kind::kPointToPoint) {
    auto sender = ns3::CreateObject<ns3::Node>();
    auto receiver = ns3::CreateObject<ns3::Node>();
    internet.Install(ns3::NodeContainer(sender, receiver));
    LinkDevices link = add_link(sender, receiver, spec.link, spec.reverse, random);
    auto interfaces = assign(addresses, link);
    topology.senders.push_back(sender);
    topology.receivers.push_back(receiver);
    topology.receiver_addresses.push_back(interfaces.GetAddress(1));
    topology.bottleneck_forward = link.a;
    topology.bottleneck_reverse = link.b;
    topology.bottleneck = link.channel;
    return topology;
  }

  if (spec.topology.kind != TopologySpec::Kind::kDumbbell)
    throw std::invalid_argument("sim supports topology.kind point-to-point and dumbbell");
  const std::uint32_t flows = std::max<std::uint32_t>(1, spec.topology.flows);
  auto left_router = ns3::CreateObject<ns3::Node>();
  auto right_router = ns3::CreateObject<ns3::Node>();
  internet.Install(ns3::NodeContainer(left_router, right_router));
  LinkDevices bottleneck = add_link(left_router, right_router, spec.link, spec.reverse, random);
  assign(addresses, bottleneck);
  topology.bottleneck_forward = bottleneck.a;
  topology.bottleneck_reverse = bottleneck.b;
  topology.bottleneck = bottleneck.channel;
  const LinkSpec forward_access = access_link(spec, spec.link);
  const LinkSpec reverse_access = access_link(spec, spec.reverse);
  for (std::uint32_t i = 0; i < flows; ++i) {
    auto sender = ns3::CreateObject<ns3::Node>();
    auto receiver = ns3::CreateObject<ns3::Node>();
    internet.Install(ns3::NodeContainer(sender, receiver));
    assign(addresses, add_link(sender, left_router, forward_access, reverse_access, random));
    auto interfaces =
        assign(addresses, add_link(right_router, receiver, forward_access, reverse_access, random));
    topology.senders.push_back(sender);
    topology.receivers.push_back(receiver);
    topology.receiver_addresses.push_back(interfaces.GetAddress(1));
  }
  ns3::Ipv4GlobalRoutingHelper::PopulateRoutingTables();
  return topology;
}

}  // namespace wirelab::sim

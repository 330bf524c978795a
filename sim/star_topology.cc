#include "sim/star_topology.h"

#include <algorithm>

#include "ns3/traffic-control-module.h"
#include "sim/topology.h"

namespace wirelab::sim {
namespace {

void assign(ns3::Ipv4AddressHelper& addresses, const LinkDevices& link) {
  ns3::NetDeviceContainer devices;
  devices.Add(link.a);
  devices.Add(link.b);
  addresses.Assign(devices);
  addresses.NewNetwork();
  // The device's drop-tail queue must be the only queue: no traffic-control qdisc in front.
  for (auto device : {link.a, link.b}) {
    auto tc = device->GetNode()->GetObject<ns3::TrafficControlLayer>();
    if (tc && tc->GetRootQueueDiscOnDevice(device)) tc->DeleteRootQueueDiscOnDevice(device);
  }
}

}  // namespace

StarTopology build_star(const RunSpec& spec, SeededRandom& random) {
  ns3::Ipv4AddressGenerator::Reset();
  StarTopology star;
  star.group = ns3::Ipv4Address("225.1.2.3");
  ns3::InternetStackHelper internet;
  ns3::Ipv4AddressHelper addresses("10.1.0.0", "255.255.255.0");
  ns3::Ipv4StaticRoutingHelper multicast;

  star.sender = ns3::CreateObject<ns3::Node>();
  star.hub = ns3::CreateObject<ns3::Node>();
  internet.Install(ns3::NodeContainer(star.sender, star.hub));
  LinkSpec access;
  access.rate_bps = kAccessRateFactor * std::max(spec.link.rate_bps, spec.reverse.rate_bps);
  access.delay_s = kAccessDelay_s;
  access.queue = QueueSpec{QueueSpec::Unit::kPackets, 10000};
  access.mtu = spec.link.mtu;
  const LinkDevices uplink = add_link(star.sender, star.hub, access, access, random);
  assign(addresses, uplink);
  star.sender_uplink = uplink.a;
  multicast.SetDefaultMulticastRoute(star.sender, uplink.a);

  std::vector<ns3::Ptr<ns3::NetDevice>> hub_ports;  // hub_ports[i]: the hub's device to receiver i
  for (std::uint32_t i = 0; i < std::max<std::uint32_t>(1, spec.topology.flows); ++i) {
    auto receiver = ns3::CreateObject<ns3::Node>();
    internet.Install(receiver);
    const LinkDevices link = add_link(star.hub, receiver, spec.link, spec.reverse, random);
    assign(addresses, link);
    multicast.SetDefaultMulticastRoute(receiver, link.b);
    star.receivers.push_back(receiver);
    star.receiver_links.push_back(link.a);
    hub_ports.push_back(link.a);
  }
  ns3::NetDeviceContainer to_receivers;
  for (auto& port : hub_ports) to_receivers.Add(port);
  multicast.AddMulticastRoute(star.hub, ns3::Ipv4Address::GetAny(), star.group, uplink.b, to_receivers);
  for (std::size_t i = 0; i < hub_ports.size(); ++i) {
    ns3::NetDeviceContainer others(uplink.b);
    for (std::size_t j = 0; j < hub_ports.size(); ++j)
      if (j != i) others.Add(hub_ports[j]);
    multicast.AddMulticastRoute(star.hub, ns3::Ipv4Address::GetAny(), star.group, hub_ports[i], others);
  }
  return star;
}

}  // namespace wirelab::sim

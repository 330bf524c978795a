#include "sim/link_channel.h"

#include "ns3/simulator.h"

namespace wirelab::sim {

ns3::TypeId LinkChannel::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::LinkChannel")
                               .SetParent<ns3::PointToPointChannel>()
                               .SetGroupName("Wirelab")
                               .AddConstructor<LinkChannel>();
  return tid;
}

LinkChannel::LinkChannel() = default;

void LinkChannel::configure_direction(int direction, double delay_s, const JitterSampler& jitter,
                                      bool reorder) {
  Wire& wire = wires_.at(direction);
  wire.delay = ns3::Seconds(delay_s);
  wire.jitter = jitter;
  wire.reorder = reorder;
}

bool LinkChannel::TransmitStart(ns3::Ptr<const ns3::Packet> p,
                                ns3::Ptr<ns3::PointToPointNetDevice> src, ns3::Time tx_time) {
  const int direction = (src == GetSource(0)) ? 0 : 1;
  Wire& wire = wires_[direction];
  const ns3::Time now = ns3::Simulator::Now();
  ns3::Time arrival = now + tx_time + wire.delay + wire.jitter.draw();
  if (arrival < wire.last_arrival) {
    if (wire.reorder)
      ++wire.reordered;
    else
      arrival = wire.last_arrival;
  } else {
    wire.last_arrival = arrival;
  }
  ns3::Ptr<ns3::PointToPointNetDevice> dst = GetDestination(direction);
  ns3::Simulator::ScheduleWithContext(dst->GetNode()->GetId(), arrival - now,
                                      &ns3::PointToPointNetDevice::Receive, dst, p->Copy());
  return true;
}

}  // namespace wirelab::sim

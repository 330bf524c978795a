#include "sim/sim_cost.h"

#include <chrono>
#include <stdexcept>

#include "ns3/applications-module.h"
#include "ns3/config.h"
#include "ns3/core-module.h"
#include "sim/tcp_baseline.h"
#include "sim/topology.h"

namespace wirelab::sim {
namespace {

RunSpec cost_spec(const LinkSpec& link, std::uint64_t bytes) {
  RunSpec spec;
  spec.scenario_name = "sim-cost";
  spec.seed = 1;
  spec.duration_s = 1e6;
  spec.link = link;
  spec.reverse = link;
  spec.workload.bytes = bytes;
  return spec;
}

double wall_seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class SinkWatch {
 public:
  explicit SinkWatch(std::uint64_t bytes) : bytes_(bytes) {}
  void on_rx(ns3::Ptr<const ns3::Packet> packet, const ns3::Address&) {
    received_ += packet->GetSize();
    if (received_ >= bytes_) ns3::Simulator::Stop();
  }
  std::uint64_t received() const { return received_; }

 private:
  std::uint64_t bytes_;
  std::uint64_t received_ = 0;
};

}  // namespace

SimCost measure_hosted_cost(const std::string& name, const LinkSpec& link, std::uint64_t bytes,
                            const TransportFactory& factory) {
  RunSpec spec = cost_spec(link, bytes);
  spec.protocol.name = name;
  spec.protocol.label = name;
  const auto start = std::chrono::steady_clock::now();
  const RunResult result = run_hosted(spec, factory);
  SimCost cost;
  cost.wall_s = wall_seconds_since(start);
  cost.name = name;
  if (result.status != RunResult::Status::kOk) throw std::runtime_error(name + ": " + result.error);
  cost.bytes = static_cast<std::uint64_t>(result.find("bytes_delivered")->value);
  cost.sim_s = result.sim_seconds;
  cost.events = static_cast<std::uint64_t>(result.find("sim_events")->value);
  return cost;
}

SimCost measure_bulksend_cost(const LinkSpec& link, std::uint64_t bytes, const std::string& cc) {
  RunSpec spec = cost_spec(link, bytes);
  spec.protocol.name = "tcp";
  spec.protocol.options["cc"] = cc;
  const auto start = std::chrono::steady_clock::now();
  ns3::Config::Reset();
  if (auto error = configure_tcp(spec)) throw std::invalid_argument(*error);
  SeededRandom random(spec.seed);
  Topology topology = build_topology(spec, random);
  constexpr std::uint16_t kPort = 5000;
  ns3::PacketSinkHelper sink("ns3::TcpSocketFactory",
                             ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kPort));
  ns3::ApplicationContainer sinks = sink.Install(topology.receivers[0]);
  SinkWatch watch(bytes);
  sinks.Get(0)->TraceConnectWithoutContext("Rx", ns3::MakeCallback(&SinkWatch::on_rx, &watch));
  ns3::BulkSendHelper bulk("ns3::TcpSocketFactory",
                           ns3::InetSocketAddress(topology.receiver_addresses[0], kPort));
  bulk.SetAttribute("MaxBytes", ns3::UintegerValue(bytes));
  bulk.SetAttribute("SendSize", ns3::UintegerValue(64 * 1024));
  bulk.Install(topology.senders[0]);
  ns3::Simulator::Run();
  SimCost cost;
  cost.name = "ns3-bulksend-tcp-" + cc;
  cost.bytes = watch.received();
  cost.sim_s = ns3::Simulator::Now().GetSeconds();
  cost.events = ns3::Simulator::GetEventCount();
  ns3::Simulator::Destroy();
  cost.wall_s = wall_seconds_since(start);
  return cost;
}

}  // namespace wirelab::sim

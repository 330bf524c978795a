#include "sim/emu_link.h"

#include <chrono>
#include <stdexcept>

#include "ns3/core-module.h"
#include "ns3/fd-net-device.h"
#include "ns3/network-module.h"
#include "ns3/realtime-simulator-impl.h"
#include "sim/lag_watch.h"
#include "sim/topology.h"

namespace wirelab::sim {
namespace {

constexpr std::uint16_t kIpv4 = 0x0800;

// One side of the link: the node that holds the TAP's FdNetDevice and one end of the modelled
// point-to-point link, and moves IPv4 packets between them.
class TapRelay {
 public:
  TapRelay(ns3::Ptr<ns3::FdNetDevice> tap, ns3::Ptr<ns3::PointToPointNetDevice> link, const MacAddress& tap_mac,
           std::uint64_t& packets_in, std::uint64_t& non_ipv4)
      : tap_(tap), link_(link), packets_in_(packets_in), non_ipv4_(non_ipv4) {
    tap_mac_.CopyFrom(tap_mac.data());
    ns3::Ptr<ns3::Node> node = tap->GetNode();
    // The kernel addresses frames to its peer's MAC (static neighbours), not to the
    // FdNetDevice's: only the promiscuous path sees them, once each.
    node->RegisterProtocolHandler(ns3::MakeCallback(&TapRelay::from_tap, this), 0, tap, true);
    node->RegisterProtocolHandler(ns3::MakeCallback(&TapRelay::from_link, this), 0, link, false);
  }

 private:
  void from_tap(ns3::Ptr<ns3::NetDevice>, ns3::Ptr<const ns3::Packet> packet, std::uint16_t protocol,
                const ns3::Address&, const ns3::Address&, ns3::NetDevice::PacketType) {
    if (protocol != kIpv4) {
      ++non_ipv4_;
      return;
    }
    ++packets_in_;
    link_->Send(packet->Copy(), link_->GetBroadcast(), kIpv4);
  }

  void from_link(ns3::Ptr<ns3::NetDevice>, ns3::Ptr<const ns3::Packet> packet, std::uint16_t protocol,
                 const ns3::Address&, const ns3::Address&, ns3::NetDevice::PacketType) {
    tap_->Send(packet->Copy(), tap_mac_, protocol);
  }

  ns3::Ptr<ns3::FdNetDevice> tap_;
  ns3::Ptr<ns3::PointToPointNetDevice> link_;
  ns3::Mac48Address tap_mac_;
  std::uint64_t& packets_in_;
  std::uint64_t& non_ipv4_;
};

ns3::Ptr<ns3::FdNetDevice> add_tap_device(ns3::Ptr<ns3::Node> node, int fd, std::uint32_t mtu, const char* mac) {
  auto device = ns3::CreateObject<ns3::FdNetDevice>();
  // A fixed, locally administered address of its own (never seen by the kernel, which talks to
  // its peer's TAP MAC); fixed so emu runs do not advance ns-3's global MAC allocator.
  device->SetAddress(ns3::Mac48Address(mac));
  device->SetEncapsulationMode(ns3::FdNetDevice::DIX);
  device->SetMtu(static_cast<std::uint16_t>(mtu));
  device->SetFileDescriptor(fd);
  node->AddDevice(device);
  return device;
}

// Counts what the modelled link dropped in one direction: the sending device's queue (drop-tail)
// and the receiving device's loss model.
struct DropCounter {
  std::uint64_t dropped = 0;
  void on_drop(ns3::Ptr<const ns3::Packet>) { ++dropped; }
};

// Every millisecond: how late this event runs against the wall clock; also the stop switch.
class LagProbe {
 public:
  LagProbe(LagWatch& watch, const std::atomic<bool>& stop, const std::function<void()>& on_running,
           const std::function<void(const std::string&)>& on_lag_exceeded)
      : watch_(watch), stop_(stop), on_running_(on_running), on_lag_exceeded_(on_lag_exceeded) {}

  void start() { ns3::Simulator::Schedule(ns3::Seconds(0), &LagProbe::tick, this); }

 private:
  void tick() {
    auto impl = ns3::DynamicCast<ns3::RealtimeSimulatorImpl>(ns3::Simulator::GetImplementation());
    const ns3::Time now = ns3::Simulator::Now();
    const double lag_s = (impl->RealtimeNow() - now).GetSeconds();
    if (stop_.load(std::memory_order_acquire)) {
      ns3::Simulator::Stop();
      return;
    }
    if (running_) {
      if (watch_.observe(now.GetSeconds(), lag_s)) on_lag_exceeded_(watch_.failure());
    } else if (lag_s < watch_.limits().mean_s / 2) {
      // Starting the devices (reader threads) makes the first events late; the flow starts,
      // and the watch begins, once the scheduler has caught up with the wall clock.
      running_ = true;
      on_running_();
    } else if (now > kSettleTime) {
      settle_failure_ = "emu: ns-3 could not keep up with real time even before any traffic (" +
                        std::to_string(lag_s * 1e3) + " ms behind after " + std::to_string(now.GetSeconds()) + " s)";
      ns3::Simulator::Stop();
      return;
    }
    ns3::Simulator::Schedule(kPeriod, &LagProbe::tick, this);
  }

 public:
  const std::string& settle_failure() const { return settle_failure_; }

 private:
  static inline const ns3::Time kPeriod = ns3::MilliSeconds(1);
  static inline const ns3::Time kSettleTime = ns3::Seconds(2);
  std::string settle_failure_;
  LagWatch& watch_;
  const std::atomic<bool>& stop_;
  const std::function<void()>& on_running_;
  const std::function<void(const std::string&)>& on_lag_exceeded_;
  bool running_ = false;
};

}  // namespace

EmuLinkReport run_emu_link(const EmuLinkConfig& config, const std::atomic<bool>& stop,
                           const std::function<void()>& on_running,
                           const std::function<void(const std::string&)>& on_lag_exceeded) {
  const auto wall_start = std::chrono::steady_clock::now();
  // The real-time scheduler is chosen when the simulator is first used in this thread; sim runs
  // (in other processes, or after Destroy below) keep the default one.
  ns3::GlobalValue::Bind("SimulatorImplementationType", ns3::StringValue("ns3::RealtimeSimulatorImpl"));
  struct Restore {
    ~Restore() {
      ns3::Simulator::Destroy();
      ns3::GlobalValue::Bind("SimulatorImplementationType", ns3::StringValue("ns3::DefaultSimulatorImpl"));
    }
  } restore;
  ns3::Config::SetDefault("ns3::RealtimeSimulatorImpl::SynchronizationMode", ns3::StringValue("BestEffort"));

  EmuLinkReport report;
  // The same derivation as sim::run, so a seed picks the same loss and jitter streams.
  SeededRandom random(config.seed ^ 0x5eed5eed5eed5eedULL);
  auto sender = ns3::CreateObject<ns3::Node>();
  auto receiver = ns3::CreateObject<ns3::Node>();
  LinkDevices link = add_link(sender, receiver, config.forward, config.reverse, random);
  auto sender_tap = add_tap_device(sender, config.sender_tap_fd, config.forward.mtu, "02:77:6c:00:00:fa");
  auto receiver_tap = add_tap_device(receiver, config.receiver_tap_fd, config.reverse.mtu, "02:77:6c:00:00:fb");
  TapRelay sender_relay(sender_tap, link.a, config.sender_tap_mac, report.forward_packets, report.non_ipv4_frames);
  TapRelay receiver_relay(receiver_tap, link.b, config.receiver_tap_mac, report.reverse_packets,
                          report.non_ipv4_frames);

  DropCounter forward_drops, reverse_drops;
  link.a->TraceConnectWithoutContext("MacTxDrop", ns3::MakeCallback(&DropCounter::on_drop, &forward_drops));
  link.b->TraceConnectWithoutContext("PhyRxDrop", ns3::MakeCallback(&DropCounter::on_drop, &forward_drops));
  link.b->TraceConnectWithoutContext("MacTxDrop", ns3::MakeCallback(&DropCounter::on_drop, &reverse_drops));
  link.a->TraceConnectWithoutContext("PhyRxDrop", ns3::MakeCallback(&DropCounter::on_drop, &reverse_drops));

  LagWatch watch(LagWatch::limits_for(config.forward, config.reverse));
  LagProbe probe(watch, stop, on_running, on_lag_exceeded);
  probe.start();
  ns3::Simulator::Run();

  report.lag_limit_s = watch.limits().mean_s;
  report.lag_spike_limit_s = watch.limits().spike_s;
  report.lag_mean_s = watch.mean_s();
  report.lag_max_s = watch.max_s();
  report.lag_p50_s = watch.quantile_s(0.50);
  report.lag_p99_s = watch.quantile_s(0.99);
  report.lag_failure = probe.settle_failure().empty() ? watch.failure() : probe.settle_failure();
  report.forward_dropped = forward_drops.dropped;
  report.reverse_dropped = reverse_drops.dropped;
  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return report;
}

}  // namespace wirelab::sim

#include "sim/multicast_run.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ns3/application.h"
#include "ns3/core-module.h"
#include "ns3/inet-socket-address.h"
#include "ns3/packet.h"
#include "ns3/socket.h"
#include "ns3/udp-socket-factory.h"
#include "protocols/multicast/multicast_receiver.h"
#include "protocols/multicast/multicast_sender.h"
#include "protocols/pfs/pfs.h"
#include "protocols/refcodec/shared_document.h"
#include "protocols/workloads/bulk_content.h"
#include "sim/star_topology.h"
#include "sim/topology.h"

namespace wirelab::sim {
namespace {

constexpr std::uint16_t kGroupPort = 5000;

// Hosts one sans-IO multicast Endpoint on an ns-3 UDP socket bound to the group's port: every
// datagram it emits goes to the group; `after_service` runs after each turn of the host loop
// (the receiver's reader).
class MulticastApplication : public ns3::Application {
 public:
  static ns3::TypeId GetTypeId() {
    static ns3::TypeId tid = ns3::TypeId("wirelab::sim::MulticastApplication")
                                 .SetParent<ns3::Application>()
                                 .SetGroupName("Wirelab")
                                 .AddConstructor<MulticastApplication>();
    return tid;
  }
  void configure(Endpoint* endpoint, ns3::Ipv4Address group, std::function<void()> after_service) {
    endpoint_ = endpoint;
    group_ = group;
    after_service_ = std::move(after_service);
    datagram_.resize(endpoint->max_datagram_size());
  }

 private:
  static Timestamp now() { return timestamp_from_ns(ns3::Simulator::Now().GetNanoSeconds()); }

  void StartApplication() override {
    socket_ = ns3::Socket::CreateSocket(GetNode(), ns3::UdpSocketFactory::GetTypeId());
    socket_->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kGroupPort));
    socket_->SetRecvCallback(ns3::MakeCallback(&MulticastApplication::on_readable, this));
    service();
  }
  void StopApplication() override {
    ns3::Simulator::Cancel(timer_);
    if (socket_) socket_->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
  }
  void DoDispose() override {
    StopApplication();
    socket_ = nullptr;
    ns3::Application::DoDispose();
  }

  void on_readable(ns3::Ptr<ns3::Socket> socket) {
    const Timestamp t = now();
    ns3::Address from;
    while (ns3::Ptr<ns3::Packet> packet = socket->RecvFrom(from)) {
      const std::uint32_t size = packet->GetSize();
      if (size > datagram_.size()) datagram_.resize(size);
      packet->CopyData(datagram_.data(), size);
      endpoint_->on_datagram(t, ByteView(datagram_.data(), size));
    }
    service();
  }

  void service() {
    const Timestamp t = now();
    if (t >= endpoint_->next_timeout()) endpoint_->on_timeout(t);
    MutableByteView buffer(datagram_.data(), datagram_.size());
    while (auto size = endpoint_->poll_transmit(t, buffer))
      socket_->SendTo(ns3::Create<ns3::Packet>(datagram_.data(), static_cast<std::uint32_t>(*size)), 0,
                      ns3::InetSocketAddress(group_, kGroupPort));
    if (after_service_) after_service_();
    const Timestamp wanted = endpoint_->next_timeout();
    if (wanted == timer_at_ && timer_.IsRunning()) return;
    ns3::Simulator::Cancel(timer_);
    timer_at_ = wanted;
    if (wanted == kTimeInfinite) return;
    // A timer at or before now would spin; protocols/multicast never asks that, but stay safe.
    const std::int64_t delay_ns = std::max<std::int64_t>(1, to_ns(wanted) - to_ns(t));
    timer_ = ns3::Simulator::Schedule(ns3::NanoSeconds(delay_ns), &MulticastApplication::on_timer, this);
  }
  void on_timer() {
    timer_at_ = kTimeInfinite;
    service();
  }

  Endpoint* endpoint_ = nullptr;
  ns3::Ipv4Address group_;
  std::function<void()> after_service_;
  ns3::Ptr<ns3::Socket> socket_;
  ns3::EventId timer_;
  Timestamp timer_at_ = kTimeInfinite;
  std::vector<std::uint8_t> datagram_;
};

// One receiver's application-side check: reads the in-order content and compares it with what
// the sender's content is, byte for byte (BulkContentCheck keeps the StreamDigest).
struct ReceiverSide {
  std::unique_ptr<multicast::MulticastReceiver> endpoint;
  std::unique_ptr<BulkContentCheck> check;
  std::optional<double> completed_s;
};

class WireCounter {
 public:
  void on_transmit(ns3::Ptr<const ns3::Packet> frame) { bytes_ += frame->GetSize() - 2; }  // PPP header
  std::uint64_t bytes() const { return bytes_; }

 private:
  std::uint64_t bytes_ = 0;
};

RunResult failed(std::string error) {
  RunResult result;
  result.status = RunResult::Status::kFailed;
  result.error = std::move(error);
  return result;
}

}  // namespace

RunResult run_multicast(const RunSpec& spec) {
  if (!spec.workload.bytes) return failed("workload kind multicast needs workload.bytes");
  if (spec.protocol.name != "pfs") return failed("workload kind multicast runs on protocol pfs only");
  if (spec.topology.kind != TopologySpec::Kind::kStar)
    return failed("workload kind multicast runs on topology star (one sender, topology.flows receivers)");
  ns3::Config::Reset();
  ns3::RngSeedManager::SetSeed(1);
  ns3::RngSeedManager::SetRun(spec.seed);
  SeededRandom random(spec.seed ^ 0x5eed5eed5eed5eedULL);
  const std::size_t max_datagram = spec.link.mtu - 28;
  const pfs::PfsConfig pfs_config = pfs::config_from_options(spec.protocol.options, max_datagram);

  multicast::MulticastConfig config;
  config.max_datagram_size = max_datagram;
  if (pfs_config.fec.enabled()) {
    config.k = pfs_config.fec.k;
    config.m = pfs_config.fec.m;
  }
  config.rate_bps = kMulticastPaceShare * spec.link.rate_bps;
  // Propagation both ways plus one full-size packet's serialization on each receiver link.
  const double rtt_s = spec.link.delay_s + spec.reverse.delay_s + 2 * kAccessDelay_s +
                       spec.link.mtu * 8.0 / spec.link.rate_bps + spec.reverse.mtu * 8.0 / spec.reverse.rate_bps;
  config.rtt_hint = seconds_to_duration(rtt_s);
  config.receivers = static_cast<std::uint16_t>(std::max<std::uint32_t>(1, spec.topology.flows));
  config.seed = spec.seed;

  const std::uint64_t total = *spec.workload.bytes;
  const BulkContent content(spec.workload.data, spec.seed * 1000003ULL, refcodec::document_seed(spec.seed));
  StarTopology star = build_star(spec, random);
  WireCounter wire;
  star.sender_uplink->TraceConnectWithoutContext("PhyTxBegin", ns3::MakeCallback(&WireCounter::on_transmit, &wire));

  multicast::MulticastSender sender(config, total,
                                    [&content](std::uint64_t offset, MutableByteView out) { content.fill(offset, out); });
  auto sender_app = ns3::CreateObject<MulticastApplication>();
  sender_app->configure(&sender, star.group, nullptr);
  star.sender->AddApplication(sender_app);
  sender_app->SetStartTime(ns3::Seconds(0));

  std::vector<ReceiverSide> receivers(star.receivers.size());
  std::size_t remaining = receivers.size();
  std::vector<std::uint8_t> chunk(64 * 1024);
  for (std::size_t i = 0; i < receivers.size(); ++i) {
    multicast::MulticastConfig rc = config;
    rc.receiver_id = static_cast<std::uint16_t>(i);
    ReceiverSide& side = receivers[i];
    side.endpoint = std::make_unique<multicast::MulticastReceiver>(rc);
    side.check = std::make_unique<BulkContentCheck>(content, total);
    auto app = ns3::CreateObject<MulticastApplication>();
    app->configure(side.endpoint.get(), star.group, [&side, &remaining, &chunk] {
      while (std::size_t n = side.endpoint->read(MutableByteView(chunk.data(), chunk.size())))
        side.check->feed(ByteView(chunk.data(), n));
      if (!side.completed_s && side.endpoint->finished()) {
        side.check->finish();
        side.completed_s = ns3::Simulator::Now().GetSeconds();
        if (--remaining == 0) ns3::Simulator::Stop();
      }
    });
    star.receivers[i]->AddApplication(app);
    app->SetStartTime(ns3::Seconds(0));
  }

  ns3::Simulator::Stop(ns3::Seconds(spec.duration_s));
  ns3::Simulator::Run();
  const double end_s = ns3::Simulator::Now().GetSeconds();

  RunResult result;
  result.sim_seconds = end_s;
  bool integrity = remaining == 0;
  double completion_s = 0;
  std::uint64_t nacks = 0, suppressed = 0, rebuilt = 0;
  for (std::size_t i = 0; i < receivers.size(); ++i) {
    const ReceiverSide& side = receivers[i];
    integrity = integrity && side.check->integrity_ok();
    const double done_s = side.completed_s ? *side.completed_s : end_s;
    completion_s = std::max(completion_s, done_s);
    result.add("completion_s_r" + std::to_string(i), done_s, "s");
    nacks += side.endpoint->stats().nacks_sent;
    suppressed += side.endpoint->stats().nacks_suppressed;
    rebuilt += side.endpoint->stats().blocks_rebuilt;
  }
  const multicast::SenderStats& s = sender.stats();
  result.add("completion_s", completion_s, "s");
  result.add("fct_s", completion_s, "s");
  result.add("goodput_bps", completion_s > 0 ? total * 8.0 / completion_s : 0.0, "bit/s");
  result.add("repair_ratio", static_cast<double>(s.repair_bytes_sent) / static_cast<double>(total), "1");
  result.add("integrity_ok", integrity ? 1 : 0, "bool");
  result.add("receivers", static_cast<double>(receivers.size()), "count");
  result.add("wire_bytes", static_cast<double>(wire.bytes()), "bytes");
  result.add("packets_sent", static_cast<double>(s.datagrams_sent), "count");
  result.add("parity_packets", static_cast<double>(s.parity_packets_sent), "count");
  result.add("retransmitted_packets", static_cast<double>(s.retransmitted_packets), "count");
  result.add("repair_rounds", static_cast<double>(s.repair_rounds), "count");
  result.add("parity_cache_peak_bytes", static_cast<double>(s.parity_cache_peak_bytes), "bytes");
  result.add("parity_reencoded", static_cast<double>(s.parity_reencoded), "count");
  result.add("nack_entries_ignored", static_cast<double>(s.nack_entries_ignored), "count");
  result.add("nacks_sent", static_cast<double>(nacks), "count");
  result.add("nacks_suppressed", static_cast<double>(suppressed), "count");
  result.add("blocks_rebuilt", static_cast<double>(rebuilt), "count");
  result.add("sim_events", static_cast<double>(ns3::Simulator::GetEventCount()), "count");
  if (remaining != 0) {
    result.status = RunResult::Status::kTimeout;
    result.error = std::to_string(remaining) + " of " + std::to_string(receivers.size()) +
                   " multicast receivers not complete within duration " + std::to_string(spec.duration_s) + " s";
  }
  ns3::Simulator::Destroy();
  return result;
}

}  // namespace wirelab::sim

// sim::run: builds the topology, installs one flow per sender/receiver pair with the run's
// protocol, runs ns-3 until every flow is done (or duration_s passes), and turns what the flows
// recorded into the metrics of CONTRACT section 4.
//
// Definitions shared by all protocols so their numbers compare:
//   wire_bytes   IP packets (IPv4 header + UDP/TCP header + payload, retransmissions included,
//                the 2-byte PPP header excluded) that the forward bottleneck device transmitted,
//                i.e. what crossed the bottleneck in the sender -> receiver direction.
//   fct_s        from the client's connect() / SYN to the last byte delivered in order to the
//                receiving application; with several flows, first start to last delivery.
//   goodput_bps  bytes_delivered * 8 / fct_s.
//   fec_repair_bytes, fec_recovered_packets  (pfs with fec: or adaptive: true) repair UDP
//                payload bytes the senders sent (their IP packets are in wire_bytes), lost
//                packets rebuilt (harness/transport_report.h, shared with real and emu).
//   wire_payload_ratio  wire_bytes / bytes_delivered (bulk): wire bytes per content byte the
//                application got; about 1.03 for a plain transport at MTU 1500, below 1 only
//                when the content travels encoded (pfs encoding: refs).
#include "sim/sim_backend.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ns3/config.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-helper.h"
#include "protocols/pfs/pfs.h"
#include "protocols/quic/quic.h"
#include "harness/transport_report.h"
#include "harness/workload_plan.h"
#include "protocols/refcodec/shared_document.h"
#include "protocols/workloads/bulk_content.h"
#include "sim/endpoint_application.h"
#include "sim/hosted_transport.h"
#include "sim/multicast_run.h"
#include "sim/tcp_baseline.h"
#include "sim/tcp_session.h"
#include "sim/topology.h"
#include "sim/udp_baseline.h"

namespace wirelab::sim {
namespace {

constexpr std::uint16_t kFlowPort = 5000;
constexpr double kSeriesInterval_s = 0.1;
// Flows of a dumbbell start within this window, at seeded offsets, so that they do not all
// send their first window in the same nanosecond (which synchronizes their losses).
constexpr double kStartSpread_s = 0.001;

// Installs the applications of flow `index`; calls `done` once when the flow is done.
using FlowInstaller = std::function<void(std::size_t index, ns3::Ptr<ns3::Node> sender,
                                         ns3::Ptr<ns3::Node> receiver, ns3::Ipv4Address address,
                                         double start_s, FlowRecord* record, FlowDone done)>;

class WireCounter {
 public:
  void on_transmit(ns3::Ptr<const ns3::Packet> frame) {
    constexpr std::uint32_t kPppHeaderBytes = 2;
    bytes_ += frame->GetSize() - kPppHeaderBytes;
  }
  std::uint64_t bytes() const { return bytes_; }

 private:
  std::uint64_t bytes_ = 0;
};

class SeriesSampler {
 public:
  SeriesSampler(const std::vector<FlowRecord>& flows, RunResult& result)
      : flows_(flows), result_(result) {}
  void start() { ns3::Simulator::Schedule(ns3::Seconds(kSeriesInterval_s), &SeriesSampler::sample, this); }

 private:
  void sample() {
    const double t = ns3::Simulator::Now().GetSeconds();
    std::uint64_t delivered = 0;
    for (const auto& f : flows_) delivered += f.bytes_delivered;
    result_.series.push_back({"goodput_bps", t, (delivered - last_delivered_) * 8.0 / kSeriesInterval_s});
    last_delivered_ = delivered;
    // cwnd and RTT of flow 0 (the only flow on point-to-point); one point per interval.
    if (flows_[0].cwnd_bytes > 0)
      result_.series.push_back({"cwnd_bytes", t, static_cast<double>(flows_[0].cwnd_bytes)});
    if (flows_[0].latest_rtt_s > 0) result_.series.push_back({"rtt_s", t, flows_[0].latest_rtt_s});
    ns3::Simulator::Schedule(ns3::Seconds(kSeriesInterval_s), &SeriesSampler::sample, this);
  }

  const std::vector<FlowRecord>& flows_;
  RunResult& result_;
  std::uint64_t last_delivered_ = 0;
};

std::uint64_t content_seed(const RunSpec& spec, std::size_t flow) {
  return spec.seed * 1000003ULL + flow;
}

// What flow `flow` carries (workload `data:`); versioned content edits the run's document.
BulkContent seeded_content(const RunSpec& spec, std::uint64_t seed) {
  return BulkContent(spec.workload.data, seed, refcodec::document_seed(spec.seed));
}
BulkContent bulk_content(const RunSpec& spec, std::size_t flow) {
  return seeded_content(spec, content_seed(spec, flow));
}

// How long after the UDP sender's last datagram it may still arrive: propagation, a full
// forward queue, and a generous bound on jitter.
double udp_drain_s(const RunSpec& spec) {
  const LinkSpec& link = spec.link;
  const double queue_bytes = link.queue.unit == QueueSpec::Unit::kBytes
                                 ? static_cast<double>(link.queue.limit)
                                 : static_cast<double>(link.queue.limit) * link.mtu;
  return link.delay_s + 10 * link.jitter_s + queue_bytes * 8 / link.rate_bps + 0.05;
}

// Per-flow goodput and Jain's index, sum^2 / (n * sum of squares), for competing flows.
void add_fairness_metrics(const std::vector<double>& flow_goodputs, RunResult& result) {
  double sum = 0, squares = 0;
  for (std::size_t i = 0; i < flow_goodputs.size(); ++i) {
    result.add("goodput_bps_flow" + std::to_string(i), flow_goodputs[i], "bit/s");
    sum += flow_goodputs[i];
    squares += flow_goodputs[i] * flow_goodputs[i];
  }
  result.add("jain_fairness", squares > 0 ? sum * sum / (flow_goodputs.size() * squares) : 0.0, "1");
}

void add_bulk_metrics(const RunSpec& spec, const std::vector<FlowRecord>& flows, bool all_done,
                      double end_s, RunResult& result) {
  std::uint64_t delivered = 0, retransmitted = 0;
  bool retransmissions_counted = true;
  bool integrity = all_done;
  double first_start = flows[0].start_s, last_delivery = 0;
  std::vector<double> rtts;
  std::vector<double> flow_goodputs;
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const FlowRecord& f = flows[i];
    delivered += f.bytes_delivered;
    retransmitted += f.retransmitted_bytes;
    retransmissions_counted = retransmissions_counted && f.retransmissions_counted;
    integrity = integrity && f.integrity_ok;
    if (!spec.workload.bytes) {
      // Timed transfer: no end to check, so check that what arrived is the pattern's prefix.
      integrity = f.content_digest ==
                  BulkContentCheck::expected_digest(bulk_content(spec, i), f.bytes_delivered);
    }
    first_start = std::min(first_start, f.start_s);
    const double delivery_s = (spec.workload.bytes && f.last_byte_s) ? *f.last_byte_s : end_s;
    last_delivery = std::max(last_delivery, delivery_s);
    const double fct_s = delivery_s - f.start_s;
    flow_goodputs.push_back(fct_s > 0 ? f.bytes_delivered * 8.0 / fct_s : 0.0);
    rtts.insert(rtts.end(), f.rtt_samples_s.begin(), f.rtt_samples_s.end());
  }
  if (!spec.workload.bytes) integrity = integrity && delivered > 0;
  const double fct_s = last_delivery - first_start;
  result.add("goodput_bps", fct_s > 0 ? delivered * 8.0 / fct_s : 0.0, "bit/s");
  result.add("fct_s", fct_s, "s");
  result.add("bytes_delivered", static_cast<double>(delivered), "bytes");
  if (retransmissions_counted) result.add("retransmitted_bytes", static_cast<double>(retransmitted), "bytes");
  result.add("integrity_ok", integrity ? 1 : 0, "bool");
  if (!rtts.empty()) {
    result.add("rtt_p50_s", workloads::percentile(rtts, 0.50), "s");
    result.add("rtt_p99_s", workloads::percentile(rtts, 0.99), "s");
  }
  if (spec.topology.kind == TopologySpec::Kind::kDumbbell) add_fairness_metrics(flow_goodputs, result);
}

void add_udp_metrics(const RunSpec& spec, const std::vector<FlowRecord>& flows, RunResult& result) {
  std::uint64_t sent = 0, received = 0, delivered = 0, reordered = 0;
  double first_start = flows[0].start_s, last_rx = first_start;
  std::vector<double> flow_goodputs;
  for (const FlowRecord& f : flows) {
    sent += f.datagrams_sent;
    received += f.datagrams_received;
    reordered += f.datagrams_reordered;
    delivered += f.bytes_delivered;
    first_start = std::min(first_start, f.start_s);
    if (f.last_rx_s) last_rx = std::max(last_rx, *f.last_rx_s);
    const double span_s = f.last_rx_s ? *f.last_rx_s - f.start_s : 0;
    flow_goodputs.push_back(span_s > 0 ? f.bytes_delivered * 8.0 / span_s : 0.0);
  }
  const double span_s = last_rx - first_start;
  result.add("loss_rate_observed", sent > 0 ? 1.0 - static_cast<double>(received) / sent : 0.0, "1");
  result.add("goodput_bps", span_s > 0 ? delivered * 8.0 / span_s : 0.0, "bit/s");
  result.add("bytes_delivered", static_cast<double>(delivered), "bytes");
  result.add("datagrams_sent", static_cast<double>(sent), "count");
  result.add("datagrams_received", static_cast<double>(received), "count");
  result.add("datagrams_reordered", static_cast<double>(reordered), "count");
  if (spec.topology.kind == TopologySpec::Kind::kDumbbell) add_fairness_metrics(flow_goodputs, result);
}

// Every flow's client record as one: the requests of all flows together.
workloads::WorkloadRecord merged_workload(const std::vector<FlowRecord>& flows) {
  workloads::WorkloadRecord all = flows[0].workload;
  for (std::size_t i = 1; i < flows.size(); ++i) {
    const workloads::WorkloadRecord& w = flows[i].workload;
    all.requests_sent += w.requests_sent;
    all.requests_completed += w.requests_completed;
    all.requests_shed += w.requests_shed;
    if (w.first_request_at && (!all.first_request_at || *w.first_request_at < *all.first_request_at))
      all.first_request_at = w.first_request_at;
    if (w.last_response_at && (!all.last_response_at || *w.last_response_at > *all.last_response_at))
      all.last_response_at = w.last_response_at;
    all.latency_s.insert(all.latency_s.end(), w.latency_s.begin(), w.latency_s.end());
    all.ttft_s.insert(all.ttft_s.end(), w.ttft_s.begin(), w.ttft_s.end());
    all.itl_s.insert(all.itl_s.end(), w.itl_s.begin(), w.itl_s.end());
    all.tokens_received += w.tokens_received;
    all.stalls += w.stalls;
    all.responses_intact = all.responses_intact && w.responses_intact;
  }
  return all;
}

// The session factories of flow `flow`: the client's and the server's (which owns the
// simulated worker pool serving it).
workloads::SessionFactory client_session(const RunSpec& spec, std::uint64_t seed) {
  const WorkloadSpec w = spec.workload;
  if (is_request_workload(w))
    return [w, seed](StreamApi& c) { return make_request_session(w, true, seed, c, nullptr); };
  return [w, content = seeded_content(spec, seed)](StreamApi& c) -> std::unique_ptr<workloads::Session> {
    workloads::BulkOptions options;
    options.bytes = w.bytes;
    options.content = content;
    return std::make_unique<workloads::BulkSender>(c, options);
  };
}

workloads::SessionFactory server_session(const RunSpec& spec, std::uint64_t seed) {
  const WorkloadSpec w = spec.workload;
  if (is_request_workload(w)) {
    return [w, seed](StreamApi& c) {
      auto runner = std::make_shared<runtime::SimJobRunner>(w.server.workers, seed ^ 0x5e7e5e7eULL,
                                                               step_service_model(w), step_interval(w));
      return make_request_session(w, false, seed, c, runner);
    };
  }
  return [w, content = seeded_content(spec, seed)](StreamApi& c) -> std::unique_ptr<workloads::Session> {
    return std::make_unique<workloads::BulkReceiver>(c, w.bytes, content);
  };
}

RunResult failed(std::string error) {
  RunResult result;
  result.status = RunResult::Status::kFailed;
  result.error = std::move(error);
  return result;
}

// The skeleton every protocol shares. `is_udp` selects the UDP metrics.
RunResult run_flows(const RunSpec& spec, const FlowInstaller& install, bool is_udp) {
  if (spec.workload.kind == WorkloadSpec::Kind::kMulticast)
    return failed("workload kind multicast runs on protocol pfs only (sim/multicast_run.h)");
  if (is_udp && spec.workload.kind != WorkloadSpec::Kind::kBulk)
    return failed("udp carries workload kind bulk only (rpc and stream need a reliable transport: pfs, tcp, quic)");
  if (spec.topology.kind == TopologySpec::Kind::kStar)
    return failed("the sim backend supports topology point-to-point and dumbbell (not star)");

  ns3::RngSeedManager::SetSeed(1);
  ns3::RngSeedManager::SetRun(spec.seed);
  SeededRandom random(spec.seed ^ 0x5eed5eed5eed5eedULL);
  RunResult result;
  Topology topology = build_topology(spec, random);

  WireCounter wire;
  topology.bottleneck_forward->TraceConnectWithoutContext(
      "PhyTxBegin", ns3::MakeCallback(&WireCounter::on_transmit, &wire));

  if (spec.capture) {
    // One pcap taken at the sender's end of the bottleneck (ns-3's point-to-point sniffer sees
    // both directions there, each packet as it starts onto the wire): <capture stem>.pcap.
    // ns-3 aborts the process when it cannot open the file, so try it first and fail the run.
    const std::string path = spec.capture_file_stem() + ".pcap";
    if (!std::ofstream(path, std::ios::binary | std::ios::trunc)) {
      const std::string reason = std::strerror(errno);
      ns3::Simulator::Destroy();
      return failed("capture: cannot write " + path + ": " + reason);
    }
    ns3::PointToPointHelper pcap;
    pcap.EnablePcap(path, topology.bottleneck_forward, false, true);
    result.artifacts.push_back({"pcap", path});
  }

  const std::size_t n = topology.senders.size();
  std::vector<FlowRecord> flows(n);
  std::size_t remaining = n;
  FlowDone done = [&remaining] {
    if (--remaining == 0) ns3::Simulator::Stop();
  };
  for (std::size_t i = 0; i < n; ++i) {
    const double start_s = n > 1 ? kStartSpread_s * random.uniform() : 0.0;
    install(i, topology.senders[i], topology.receivers[i], topology.receiver_addresses[i], start_s,
            &flows[i], done);
  }
  SeriesSampler sampler(flows, result);
  sampler.start();

  ns3::Simulator::Stop(ns3::Seconds(spec.duration_s));
  ns3::Simulator::Run();
  const double end_s = ns3::Simulator::Now().GetSeconds();
  const bool all_done = remaining == 0;

  result.sim_seconds = end_s;
  if (is_udp)
    add_udp_metrics(spec, flows, result);
  else if (is_request_workload(spec.workload))
    add_request_metrics(spec.workload, merged_workload(flows), result);
  else
    add_bulk_metrics(spec, flows, all_done, end_s, result);
  result.add("wire_bytes", static_cast<double>(wire.bytes()), "bytes");
  std::uint64_t packets_sent = 0;
  for (const auto& f : flows) packets_sent += f.packets_sent;
  result.add("packets_sent", static_cast<double>(packets_sent), "count");
  {
    // PFS FEC: repair bytes (inside wire_bytes) and lost packets the receivers rebuilt.
    std::uint64_t repair = 0, recovered = 0;
    for (const auto& f : flows) {
      repair += f.fec_repair_bytes;
      recovered += f.fec_recovered_packets;
    }
    add_fec_metrics(spec.protocol, repair, recovered, result);
  }
  // Where the sent packets that never crossed the bottleneck went: tail-dropped by its forward
  // queue, or still queued when the run ended. (A capture of the bottleneck holds
  // packets_sent - these two, on point-to-point.)
  const auto queue = topology.bottleneck_forward->GetQueue();
  result.add("bottleneck_drops", static_cast<double>(queue->GetTotalDroppedPackets()), "count");
  result.add("bottleneck_queued_at_end", static_cast<double>(queue->GetNPackets()), "count");
  if (!is_udp) {
    std::uint64_t delivered = 0;
    for (const FlowRecord& f : flows) delivered += f.bytes_delivered;
    if (delivered > 0)
      result.add("wire_payload_ratio", static_cast<double>(wire.bytes()) / static_cast<double>(delivered), "1");
  }
  result.add("sim_events", static_cast<double>(ns3::Simulator::GetEventCount()), "count");
  for (const auto& f : flows) add_transport_notes(f.notes, [](Timestamp at) { return to_seconds(at); }, result);
  // A timed transfer (no `bytes`) is supposed to run until duration_s.
  if (!all_done && (spec.workload.bytes || is_request_workload(spec.workload))) {
    result.status = RunResult::Status::kTimeout;
    result.error = std::string(is_request_workload(spec.workload) ? "requests" : "transfer") +
                   " not finished within duration " + std::to_string(spec.duration_s) + " s";
  }
  for (const auto& f : flows) {
    if (f.error.empty() || all_done) continue;
    // A transport that gave up (or misbehaved) explains the unfinished run better than a timeout.
    result.status = RunResult::Status::kFailed;
    result.error = f.error;
    break;
  }
  ns3::Simulator::Destroy();
  return result;
}

template <typename App>
ns3::Ptr<App> install_app(ns3::Ptr<ns3::Node> node, double start_s) {
  auto app = ns3::CreateObject<App>();
  node->AddApplication(app);
  app->SetStartTime(ns3::Seconds(start_s));
  return app;
}

RunResult run_tcp(const RunSpec& spec) {
  ns3::Config::Reset();
  if (auto error = configure_tcp(spec)) return failed(*error);
  return run_flows(
      spec,
      [&spec](std::size_t i, ns3::Ptr<ns3::Node> sender, ns3::Ptr<ns3::Node> receiver,
              ns3::Ipv4Address address, double start_s, FlowRecord* record, FlowDone done) {
        if (is_request_workload(spec.workload)) {
          const std::uint64_t seed = content_seed(spec, i);
          install_app<TcpSessionApplication>(receiver, 0)
              ->configure(server_session(spec, seed), TcpSessionApplication::Role::kServer,
                          ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kFlowPort), record, nullptr);
          install_app<TcpSessionApplication>(sender, start_s)
              ->configure(client_session(spec, seed), TcpSessionApplication::Role::kClient,
                          ns3::InetSocketAddress(address, kFlowPort), record, done);
          return;
        }
        install_app<TcpBulkReceiver>(receiver, 0)
            ->configure(kFlowPort, spec.workload.bytes, bulk_content(spec, i), record, done);
        install_app<TcpBulkSender>(sender, start_s)
            ->configure(ns3::InetSocketAddress(address, kFlowPort), spec.workload.bytes,
                        bulk_content(spec, i), uses_per_ack_rate_samples(spec), record);
      },
      false);
}

RunResult run_udp(const RunSpec& spec) {
  const std::string* rate = spec.protocol.option("rate");
  if (!rate) return failed("udp needs option rate (bit/s), e.g. udp: {rate: 18Mbps}");
  double rate_bps = 0;
  try {
    rate_bps = std::stod(*rate);
  } catch (const std::exception&) {
  }
  if (!(rate_bps > 0)) return failed("udp option rate must be a positive number of bit/s, got '" + *rate + "'");
  ns3::Config::Reset();
  const std::uint32_t datagram_bytes = spec.link.mtu - 28;
  const double drain_s = udp_drain_s(spec);
  return run_flows(
      spec,
      [&spec, rate_bps, datagram_bytes, drain_s](
          std::size_t, ns3::Ptr<ns3::Node> sender, ns3::Ptr<ns3::Node> receiver,
          ns3::Ipv4Address address, double start_s, FlowRecord* record, FlowDone done) {
        install_app<UdpCountingReceiver>(receiver, 0)->configure(kFlowPort, record);
        auto on_last_sent = [record, done, drain_s] {
          ns3::Simulator::Schedule(ns3::Seconds(drain_s), [record, done] {
            record->done = true;
            done();
          });
        };
        install_app<UdpConstantRateSender>(sender, start_s)
            ->configure(ns3::InetSocketAddress(address, kFlowPort), rate_bps, datagram_bytes,
                        spec.workload.bytes, spec.duration_s - start_s, record, on_last_sent);
      },
      true);
}

}  // namespace

RunResult run_hosted(const RunSpec& spec, const TransportFactory& factory) {
  ns3::Config::Reset();
  const std::size_t max_datagram = spec.link.mtu - 28;  // IPv4 (20) + UDP (8)
  return run_flows(
      spec,
      [&spec, &factory, max_datagram](std::size_t i, ns3::Ptr<ns3::Node> sender,
                                      ns3::Ptr<ns3::Node> receiver, ns3::Ipv4Address address,
                                      double start_s, FlowRecord* record, FlowDone done) {
        const std::uint64_t seed = content_seed(spec, i);
        // The bulk receiver measures a bulk flow; the client measures requests.
        const bool client_measures = is_request_workload(spec.workload);
        auto server = install_app<EndpointApplication>(receiver, 0);
        server->configure(factory(false, seed * 2 + 1, max_datagram), server_session(spec, seed),
                          EndpointApplication::Role::kServer,
                          ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kFlowPort), record,
                          client_measures ? FlowDone() : done);
        auto client = install_app<EndpointApplication>(sender, start_s);
        client->configure(factory(true, seed * 2, max_datagram), client_session(spec, seed),
                          EndpointApplication::Role::kClient, ns3::InetSocketAddress(address, kFlowPort),
                          record, client_measures ? done : FlowDone());
      },
      false);
}

RunResult run(const RunSpec& spec) {
  try {
    if (spec.workload.kind == WorkloadSpec::Kind::kMulticast) return run_multicast(spec);
    if (spec.protocol.name == "tcp") return run_tcp(spec);
    if (spec.protocol.name == "udp") return run_udp(spec);
    if (spec.protocol.name == "pfs") {
      pfs::PfsConfig config = pfs::config_from_options(spec.protocol.options, spec.link.mtu - 28);
      config.document_seed = refcodec::document_seed(spec.seed);
      return run_hosted(spec, [config](bool client, std::uint64_t seed, std::size_t) {
        return pfs::make_transport(config, client ? pfs::Role::kClient : pfs::Role::kServer, seed);
      });
    }
    if (spec.protocol.name == "quic") {
      quic::QuicConfig config = quic::config_from_options(spec.protocol.options, spec.link.mtu - 28);
      // The TLS key log beside the pcap, so tshark can decrypt it (client and server append).
      if (spec.capture) {
        config.keylog_path = spec.capture_file_stem() + ".keys";
        std::remove(config.keylog_path.c_str());
      }
      RunResult result = run_hosted(spec, [config](bool client, std::uint64_t seed, std::size_t) {
        return quic::make_transport(config, client ? quic::Role::kClient : quic::Role::kServer, seed);
      });
      if (spec.capture && std::ifstream(config.keylog_path)) result.artifacts.push_back({"keylog", config.keylog_path});
      return result;
    }
    return failed("the sim backend does not host protocol '" + spec.protocol.name + "'");
  } catch (const std::exception& e) {
    ns3::Simulator::Destroy();
    return failed(e.what());
  }
}

}  // namespace wirelab::sim

// real::run: sets up the run's sockets and threads, waits until the flow is done (or the wall
// clock passes duration_s), and turns the FlowRecord into the metrics of CONTRACT section 4.
//
// Definitions, chosen to mean what sim's do:
//   wire_bytes   IP bytes sent in the sender -> receiver direction, retransmissions included.
//                UDP-hosted protocols: UDP payload + 28 (IPv4 20 + UDP 8) per datagram the
//                client sent. Kernel TCP: tcpi_bytes_sent + 52 (IPv4 20 + TCP 20 + timestamp
//                option 12) per segment in tcpi_segs_out (data, pure ACKs, SYN and FIN).
//   fct_s        from the client's connect() to the last byte delivered in order to the
//                receiving application, in wall seconds (CLOCK_MONOTONIC).
//   goodput_bps  bytes_delivered * 8 / fct_s.
//   rtt_p50_s/rtt_p99_s  the sender's RTT samples: every new latest_rtt of a hosted transport;
//                tcpi_rtt (the kernel's smoothed RTT) read at most once per millisecond for TCP.
//   fec_repair_bytes, fec_recovered_packets, adaptive_* series and the tuner's log lines: as in
//                sim (harness/transport_report.h); series times are wall seconds since the start.
//   retransmitted_bytes  hosted: TransportStats::retransmitted_bytes, absent when the transport
//                cannot count them (counts_retransmissions false: QUIC); TCP: tcpi_total_retrans
//                x tcpi_snd_mss (the kernel counts segments, not bytes).
// rpc and stream: the client session's record through add_request_metrics (harness/
// workload_plan.h), the names and definitions sim uses; the server's work runs on a
// RealJobRunner (worker threads of the runtime): rpc steps spin for a service time drawn from
// sim's model, stream steps compute one token of TokenModel (Eigen) each, token_interval apart.
#include "harness/real/real_backend.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>

#include "harness/real/constant_rate_udp.h"
#include "harness/real/datagram_socket.h"
#include "harness/real/endpoint_loop.h"
#include "harness/real/flow_record.h"
#include "harness/real/kernel_tcp.h"
#include "harness/real/monotonic_clock.h"
#include "harness/real/pcap_capture.h"
#include "harness/real/placement.h"
#include "harness/real/run_control.h"
#include "harness/real/token_model.h"
#include "harness/transport_report.h"
#include "harness/workload_plan.h"
#include "protocols/pfs/pfs.h"
#include "protocols/quic/quic.h"
#include "protocols/refcodec/shared_document.h"
#include "protocols/workloads/bulk_content.h"
#include "protocols/runtime/real/real_job_runner.h"

namespace wirelab::real {
namespace {

using TransportFactory = std::function<std::unique_ptr<Transport>(bool client, std::uint64_t seed)>;

// Same content seed as sim for the same (seed, flow), so the two backends carry the same bytes.
std::uint64_t content_seed(const RunSpec& spec, std::size_t flow) { return spec.seed * 1000003ULL + flow; }
// What flow `flow` carries (workload `data:`); versioned content edits the run's document.
BulkContent bulk_content(const RunSpec& spec, std::size_t flow) {
  return BulkContent(spec.workload.data, content_seed(spec, flow), refcodec::document_seed(spec.seed));
}

RunResult failed(std::string error) {
  RunResult result;
  result.status = RunResult::Status::kFailed;
  result.error = std::move(error);
  return result;
}

double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string dotted(const sockaddr_in& a) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
  return text;
}

// A run's pcap (capture: true): one file, <capture stem>.pcap, on the placement's capture
// interface, filtered to the run's two sockets. The flow runner starts it through hook() once
// both ends are bound; finish() stops it and records the file and its drop count.
class RunCapture {
 public:
  RunCapture(const RunSpec& spec, const Placement& placement)
      : enabled_(spec.capture), point_(placement.capture_point()), path_(spec.capture_file_stem() + ".pcap") {}

  bool enabled() const { return enabled_; }

  void start(const char* transport, const sockaddr_in& server, const sockaddr_in& client) {
    if (!enabled_) return;
    if (point_.interface.empty()) throw CaptureError("capture: this placement has no interface to capture on");
    PcapCaptureOptions options;
    options.interface = point_.interface;
    options.netns = point_.netns;
    options.path = path_;
    options.filter = std::string(transport) + " and host " + dotted(server) + " and host " + dotted(client) +
                     " and port " + std::to_string(ntohs(server.sin_port)) + " and port " +
                     std::to_string(ntohs(client.sin_port));
    capture_.emplace(options);
  }

  BeforeTraffic hook(const char* transport) {
    if (!enabled_) return {};
    return [this, transport](const sockaddr_in& server, const sockaddr_in& client) { start(transport, server, client); };
  }

  void finish(RunResult& result) {
    if (!capture_) return;
    const PcapCapture::Stats stats = capture_->stop();
    result.artifacts.push_back({"pcap", path_});
    result.add("capture_drops", static_cast<double>(stats.packets_dropped), "count");
  }

 private:
  bool enabled_;
  CapturePoint point_;
  std::string path_;
  std::optional<PcapCapture> capture_;
};

// What every reliable flow adds whatever its workload: RTT percentiles and the time series.
void add_rtt_and_series(const FlowRecord& record, RunResult& result) {
  if (!record.rtt_samples_s.empty()) {
    result.add("rtt_p50_s", percentile(record.rtt_samples_s, 0.50), "s");
    result.add("rtt_p99_s", percentile(record.rtt_samples_s, 0.99), "s");
  }
  result.series.insert(result.series.end(), record.sender_series.begin(), record.sender_series.end());
  result.series.insert(result.series.end(), record.receiver_series.begin(), record.receiver_series.end());
}

// A flow that did not finish: failed with the error that stopped it, else a timeout when it
// was meant to finish (`unfinished` names what did not).
void set_status(const FlowRecord& record, const RunControl& control, bool meant_to_finish,
                const std::string& unfinished, double duration_s, RunResult& result) {
  if (record.done) return;
  if (const std::string error = control.error(); !error.empty()) {
    result.status = RunResult::Status::kFailed;
    result.error = error;
  } else if (meant_to_finish) {
    result.status = RunResult::Status::kTimeout;
    result.error = unfinished + " not finished within duration " + std::to_string(duration_s) + " s (wall time)";
  }
}

// The server's workers for a request workload: rpc steps hold a worker (spinning) for a service
// time from sim's model and seed; a stream step computes one token of the model, and the next
// token of the same request starts token_interval after this one started.
std::shared_ptr<runtime::RealJobRunner> make_job_runner(const WorkloadSpec& w, std::uint64_t seed) {
  runtime::RealJobOptions options;
  options.workers = w.server.workers;
  options.seed = seed ^ 0x5e7e5e7eULL;  // as sim's SimJobRunner
  if (w.kind == WorkloadSpec::Kind::kStream) {
    auto model = std::make_shared<const TokenModel>();
    // The tokens go nowhere (the response carries pattern bytes); the sink keeps the work.
    auto sink = std::make_shared<std::atomic<int>>(0);
    options.step_work = [model, sink](std::uint64_t job, std::uint32_t step) {
      sink->fetch_xor(model->next_token(static_cast<int>((job * 31 + step) & 0xffff)), std::memory_order_relaxed);
    };
    options.step_interval = seconds_to_duration(w.token_interval_s);
  } else {
    options.step_service = step_service_model(w);
  }
  return std::make_shared<runtime::RealJobRunner>(std::move(options));
}

// The sessions of one run: the bulk sender writes at most 4 MB beyond what the transport has
// sent once and 4 chunks per service (a kernel socket's send buffer, see docs/real.md).
workloads::SessionFactory client_session(const WorkloadSpec& w, std::uint64_t seed, const BulkContent& content) {
  if (is_request_workload(w))
    return [w, seed](StreamApi& c) { return make_request_session(w, true, seed, c, nullptr); };
  return [w, content](StreamApi& c) -> std::unique_ptr<workloads::Session> {
    workloads::BulkOptions options;
    options.bytes = w.bytes;
    options.content = content;
    options.write_ahead_bytes = 4u << 20;
    options.chunks_per_service = 4;
    if (auto* transport = dynamic_cast<Transport*>(&c))
      options.bytes_sent_once = [transport] { return transport->stats().stream_bytes_sent; };
    else
      options.write_ahead_bytes = 0;
    return std::make_unique<workloads::BulkSender>(c, options);
  };
}

workloads::SessionFactory server_session(const WorkloadSpec& w, std::uint64_t seed, const BulkContent& content,
                                         std::shared_ptr<runtime::RealJobRunner> runner) {
  if (is_request_workload(w))
    return [w, seed, runner](StreamApi& c) { return make_request_session(w, false, seed, c, runner); };
  return [w, content](StreamApi& c) -> std::unique_ptr<workloads::Session> {
    return std::make_unique<workloads::BulkReceiver>(c, w.bytes, content);
  };
}

// Status, error and the rpc/stream metrics from the client's record.
RunResult request_result(const RunSpec& spec, const FlowRecord& record, const RunControl& control) {
  RunResult result;
  result.sim_seconds = control.seconds_since_start(monotonic_now());
  add_request_metrics(spec.workload, record.workload, result);
  result.add("wire_bytes", static_cast<double>(record.wire_bytes), "bytes");
  add_rtt_and_series(record, result);
  set_status(record, control, true, "requests", spec.duration_s, result);
  return result;
}

// Status, error and the bulk metrics from a finished bulk flow.
RunResult bulk_result(const RunSpec& spec, const FlowRecord& record, const RunControl& control) {
  const double end_s = control.seconds_since_start(monotonic_now());
  RunResult result;
  result.sim_seconds = end_s;
  bool integrity = record.done && record.integrity_ok;
  if (!spec.workload.bytes) {
    // Timed transfer: no end to check, so check that what arrived is the pattern's prefix.
    integrity = record.bytes_delivered > 0 &&
                record.content_digest == BulkContentCheck::expected_digest(bulk_content(spec, 0), record.bytes_delivered);
  }
  const double delivery_s = (spec.workload.bytes && record.last_byte_s) ? *record.last_byte_s : end_s;
  const double fct_s = delivery_s - record.start_s;
  result.add("goodput_bps", fct_s > 0 ? record.bytes_delivered * 8.0 / fct_s : 0.0, "bit/s");
  result.add("fct_s", fct_s, "s");
  result.add("bytes_delivered", static_cast<double>(record.bytes_delivered), "bytes");
  result.add("wire_bytes", static_cast<double>(record.wire_bytes), "bytes");
  if (record.bytes_delivered > 0)
    result.add("wire_payload_ratio", static_cast<double>(record.wire_bytes) / static_cast<double>(record.bytes_delivered), "1");
  if (record.retransmissions_counted)
    result.add("retransmitted_bytes", static_cast<double>(record.retransmitted_bytes), "bytes");
  result.add("integrity_ok", integrity ? 1 : 0, "bool");
  add_rtt_and_series(record, result);
  set_status(record, control, spec.workload.bytes.has_value(), "transfer", spec.duration_s, result);
  return result;
}

RunResult run_hosted(const RunSpec& spec, const Placement& placement, const TransportFactory& factory,
                     RunControl& control) {
  const std::uint64_t seed = content_seed(spec, 0);
  const BulkContent content = bulk_content(spec, 0);
  const bool requests = is_request_workload(spec.workload);
  std::optional<DatagramSocket> server_socket, client_socket;
  placement.within(Side::kServer, [&] { server_socket.emplace(placement.address(Side::kServer)); });
  placement.within(Side::kClient, [&] { client_socket.emplace(placement.address(Side::kClient)); });
  RunCapture capture(spec, placement);
  if (capture.enabled()) {
    // One captured packet per datagram: without GSO nothing is coalesced on the way to the tap.
    server_socket->disable_segmentation_offload();
    client_socket->disable_segmentation_offload();
    try {
      capture.start("udp", server_socket->local_address(), client_socket->local_address());
    } catch (const CaptureError& e) {
      return failed(e.what());
    }
  }
  FlowRecord record;
  auto host = [&](bool client) {
    try {
      // The server's workers live and die with the server's loop (in its thread).
      std::shared_ptr<runtime::RealJobRunner> runner;
      if (!client && requests) runner = make_job_runner(spec.workload, seed);
      EndpointLoop loop(factory(client, client ? seed * 2 : seed * 2 + 1),
                        client ? client_session(spec.workload, seed, content) : server_session(spec.workload, seed, content, runner),
                        client ? EndpointLoop::Role::kClient : EndpointLoop::Role::kServer,
                        /*measures=*/client == requests, client ? *client_socket : *server_socket,
                        client ? std::optional<sockaddr_in>(server_socket->local_address()) : std::nullopt,
                        record, control, runner ? runner->wake_fd() : -1);
      loop.run();
    } catch (const std::exception& e) {
      control.fail(e.what());
    }
  };
  std::thread server(host, false);
  std::thread client(host, true);
  client.join();
  server.join();
  RunResult result = requests ? request_result(spec, record, control) : bulk_result(spec, record, control);
  result.add("packets_sent", static_cast<double>(record.datagrams_sent), "count");
  add_fec_metrics(spec.protocol, record.fec_repair_bytes, record.fec_recovered_packets, result);
  add_transport_notes(record.notes, [&control](Timestamp at) { return control.seconds_since_start(at); }, result);
  capture.finish(result);
  return result;
}

RunResult run_tcp(const RunSpec& spec, const Placement& placement, RunControl& control) {
  const std::string* cc = spec.protocol.option("cc");
  std::string kernel_cc;
  try {
    kernel_cc = kernel_congestion_control(cc ? *cc : "cubic");
  } catch (const CongestionControlUnavailable& e) {
    return failed(e.what());
  }
  FlowRecord record;
  RunCapture capture(spec, placement);
  if (is_request_workload(spec.workload)) {
    const std::uint64_t seed = content_seed(spec, 0);
    const auto runner = make_job_runner(spec.workload, seed);
    run_kernel_tcp_sessions(kernel_cc, spec.link.mtu, placement, client_session(spec.workload, seed, BulkContent()),
                            server_session(spec.workload, seed, BulkContent(), runner), runner->wake_fd(), record, control,
                            capture.hook("tcp"));
    // No packets_sent: the session's TCP_INFO is read before the connection closes.
    RunResult result = request_result(spec, record, control);
    capture.finish(result);
    return result;
  }
  run_kernel_tcp_flow(kernel_cc, spec.link.mtu, placement, spec.workload.bytes, bulk_content(spec, 0), record, control,
                      capture.hook("tcp"));
  RunResult result = bulk_result(spec, record, control);
  result.add("packets_sent", static_cast<double>(record.tcp_segments_sent), "count");
  capture.finish(result);
  return result;
}

RunResult run_udp(const RunSpec& spec, const Placement& placement, RunControl& control) {
  const std::string* rate = spec.protocol.option("rate");
  if (!rate) return failed("udp needs option rate (bit/s), e.g. udp: {rate: 18Mbps}");
  ConstantRateUdpConfig config;
  try {
    config.rate_bps = std::stod(*rate);
  } catch (const std::exception&) {
  }
  if (!(config.rate_bps > 0)) return failed("udp option rate must be a positive number of bit/s, got '" + *rate + "'");
  config.datagram_bytes = spec.link.mtu - 28;
  config.bulk_bytes = spec.workload.bytes;
  FlowRecord record;
  RunCapture capture(spec, placement);
  config.segmentation_offload = !capture.enabled();
  config.before_traffic = capture.hook("udp");
  run_constant_rate_udp_flow(config, placement, record, control);
  RunResult result;
  capture.finish(result);
  result.add("packets_sent", static_cast<double>(record.datagrams_sent), "count");
  result.sim_seconds = control.seconds_since_start(monotonic_now());
  const double span_s = record.last_rx_s ? *record.last_rx_s - record.start_s : 0;
  const double sent = static_cast<double>(record.datagrams_sent);
  result.add("loss_rate_observed", sent > 0 ? 1.0 - record.datagrams_received / sent : 0.0, "1");
  result.add("goodput_bps", span_s > 0 ? record.bytes_delivered * 8.0 / span_s : 0.0, "bit/s");
  result.add("bytes_delivered", static_cast<double>(record.bytes_delivered), "bytes");
  result.add("wire_bytes", static_cast<double>(record.wire_bytes), "bytes");
  result.add("datagrams_sent", sent, "count");
  result.add("datagrams_received", static_cast<double>(record.datagrams_received), "count");
  result.add("datagrams_reordered", static_cast<double>(record.datagrams_reordered), "count");
  if (const std::string error = control.error(); !error.empty()) {
    result.status = RunResult::Status::kFailed;
    result.error = error;
  }
  return result;
}

}  // namespace

std::string unsupported_reason(const RunSpec& spec) {
  if (spec.topology.placement != "loopback" && spec.topology.placement != "namespaces")
    return "the real backend supports placement loopback and namespaces (not '" + spec.topology.placement + "')";
  return flow_unsupported_reason(spec);
}

std::string flow_unsupported_reason(const RunSpec& spec, const std::string& backend) {
  if (spec.topology.kind != TopologySpec::Kind::kPointToPoint || spec.topology.flows != 1)
    return "the " + backend + " backend runs one point-to-point flow only so far";
  if (spec.workload.kind == WorkloadSpec::Kind::kMulticast)
    return "the " + backend + " backend runs workload kinds bulk, rpc and stream (not multicast)";
  if (spec.protocol.name == "udp" && spec.workload.kind != WorkloadSpec::Kind::kBulk)
    return "udp carries workload kind bulk only (rpc and stream need a reliable transport: pfs, tcp, quic)";
  if (spec.link.mtu < 576 || spec.link.mtu > 65535) return "the " + backend + " backend needs link.mtu in [576, 65535]";
  if (spec.protocol.name == "tcp") {
    const std::string* cc = spec.protocol.option("cc");
    try {
      kernel_congestion_control(cc ? *cc : "cubic");
    } catch (const CongestionControlUnavailable& e) {
      return e.what();
    }
    return "";
  }
  if (spec.protocol.name == "pfs" || spec.protocol.name == "quic" || spec.protocol.name == "udp") return "";
  return "the " + backend + " backend does not host protocol '" + spec.protocol.name + "'";
}

RunResult run(const RunSpec& spec) {
  try {
    if (const std::string reason = unsupported_reason(spec); !reason.empty()) return failed(reason);
    // Destroyed (namespaces removed) on every way out of this block, exceptions included.
    const std::unique_ptr<Placement> placement = Placement::create(spec.topology.placement, spec.link.mtu);
    RunControl control(monotonic_now(), spec.duration_s);
    return run_flow(spec, *placement, control);
  } catch (const std::exception& e) {
    return failed(e.what());
  }
}

RunResult run_flow(const RunSpec& spec, const Placement& placement, RunControl& control) {
  const std::size_t max_datagram = spec.link.mtu - 28;  // IPv4 (20) + UDP (8)
  if (spec.protocol.name == "tcp") return run_tcp(spec, placement, control);
  if (spec.protocol.name == "udp") return run_udp(spec, placement, control);
  if (spec.protocol.name == "pfs") {
    pfs::PfsConfig config = pfs::config_from_options(spec.protocol.options, max_datagram);
    config.document_seed = refcodec::document_seed(spec.seed);
    return run_hosted(
        spec, placement,
        [config](bool client, std::uint64_t seed) {
          return pfs::make_transport(config, client ? pfs::Role::kClient : pfs::Role::kServer, seed);
        },
        control);
  }
  quic::QuicConfig config = quic::config_from_options(spec.protocol.options, max_datagram);
  // The TLS key log beside the pcap (same stem, .keys), so tshark can decrypt the capture.
  if (spec.capture) {
    config.keylog_path = spec.capture_file_stem() + ".keys";
    std::remove(config.keylog_path.c_str());
  }
  RunResult result = run_hosted(
      spec, placement,
      [config](bool client, std::uint64_t seed) {
        return quic::make_transport(config, client ? quic::Role::kClient : quic::Role::kServer, seed);
      },
      control);
  if (spec.capture && access(config.keylog_path.c_str(), R_OK) == 0)
    result.artifacts.push_back({"keylog", config.keylog_path});
  return result;
}

}  // namespace wirelab::real

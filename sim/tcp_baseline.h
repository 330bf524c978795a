// The ns-3 TCP baseline: one bulk flow of BulkContent bytes over ns-3's own TCP, with the
// socket set up the way a modern Linux host would be, so the comparison with PFS is fair:
// segment size from the MTU, SACK and timestamps on, 200 ms minimum RTO, initial window 10,
// delayed ACKs every 2 segments, and buffers (64 MB) that never cap the window.
//
// The congestion controller comes from the `cc` option: newreno, cubic, bbr, linux-reno, vegas,
// and ns3-bbr. `bbr` is ns-3's TcpBbr on a sender whose delivery-rate samples are taken per ACK
// as in Linux (see per_ack_rate_sampler.h); `ns3-bbr` is TcpBbr with ns-3.37's own sampler,
// which can leave BBR stuck near one segment per RTT after a retransmission timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness/run_spec.h"
#include "ns3/application.h"
#include "ns3/inet-socket-address.h"
#include "ns3/sequence-number.h"
#include "ns3/socket.h"
#include "ns3/tcp-header.h"
#include "ns3/tcp-socket-base.h"
#include "protocols/workloads/bulk_content.h"
#include "sim/flow_record.h"

namespace wirelab::sim {

// Sets ns-3's TCP defaults for this run (process-global in ns-3; call before creating
// sockets). Returns an error message for an unknown cc, nullopt on success.
std::optional<std::string> configure_tcp(const RunSpec& spec);

// False only for ns3-bbr: the sender keeps ns-3's own TcpRateLinux.
bool uses_per_ack_rate_samples(const RunSpec& spec);

// IPv4 (20) + TCP (20) + timestamp option (12, padded): what a segment carries beyond payload.
inline constexpr std::uint32_t kTcpIpOverheadBytes = 52;

class TcpBulkSender : public ns3::Application {
 public:
  static ns3::TypeId GetTypeId();
  void configure(ns3::InetSocketAddress peer, std::optional<std::uint64_t> bulk_bytes,
                 const BulkContent& content, bool per_ack_rate_samples, FlowRecord* record);

 private:
  void StartApplication() override;
  void StopApplication() override;
  void DoDispose() override;
  void on_connected(ns3::Ptr<ns3::Socket> socket);
  void on_send_space(ns3::Ptr<ns3::Socket> socket, std::uint32_t available);
  void send_more();
  void on_tx(ns3::Ptr<const ns3::Packet> payload, const ns3::TcpHeader& header,
             ns3::Ptr<const ns3::TcpSocketBase> socket);
  void on_rtt(ns3::Time old_rtt, ns3::Time rtt);
  void on_cwnd(std::uint32_t old_cwnd, std::uint32_t cwnd);

  ns3::InetSocketAddress peer_{ns3::Ipv4Address::GetAny(), 0};
  std::optional<std::uint64_t> bulk_bytes_;
  BulkContent content_;
  FlowRecord* record_ = nullptr;
  ns3::Ptr<ns3::Socket> socket_;
  bool per_ack_rate_samples_ = true;
  bool connected_ = false;
  bool closed_ = false;
  std::uint64_t written_ = 0;
  bool sent_any_ = false;
  ns3::SequenceNumber32 highest_sent_end_{0};
};

class TcpBulkReceiver : public ns3::Application {
 public:
  static ns3::TypeId GetTypeId();
  void configure(std::uint16_t port, std::optional<std::uint64_t> bulk_bytes,
                 const BulkContent& content, FlowRecord* record, FlowDone on_done);

 private:
  void StartApplication() override;
  void StopApplication() override;
  void DoDispose() override;
  bool on_connection_request(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from);
  void on_accept(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from);
  void on_readable(ns3::Ptr<ns3::Socket> socket);
  void on_peer_close(ns3::Ptr<ns3::Socket> socket);
  void complete();

  std::uint16_t port_ = 0;
  std::optional<std::uint64_t> bulk_bytes_;
  std::optional<BulkContentCheck> check_;
  FlowRecord* record_ = nullptr;
  FlowDone on_done_;
  ns3::Ptr<ns3::Socket> listener_;
  ns3::Ptr<ns3::Socket> connection_;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace wirelab::sim

// The UDP baseline: a constant-rate sender of numbered datagrams and a receiver that counts
// them. No congestion control, no retransmission: it shows what the link does to a paced
// stream (loss, goodput) rather than what a transport recovers.
//
// Datagrams are MTU - 28 bytes (IPv4 + UDP headers) and carry their sequence number in the
// first 8 bytes; the send interval is datagram bits / rate.
#pragma once

#include <cstdint>
#include <optional>

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/inet-socket-address.h"
#include "ns3/socket.h"
#include "sim/flow_record.h"

namespace wirelab::sim {

class UdpConstantRateSender : public ns3::Application {
 public:
  static ns3::TypeId GetTypeId();
  // bulk_bytes nullopt: sends until `stop_s` (simulated seconds since start).
  void configure(ns3::InetSocketAddress peer, double rate_bps, std::uint32_t datagram_bytes,
                 std::optional<std::uint64_t> bulk_bytes, double stop_s, FlowRecord* record,
                 FlowDone on_last_sent);

 private:
  void StartApplication() override;
  void StopApplication() override;
  void DoDispose() override;
  void send_one();

  ns3::InetSocketAddress peer_{ns3::Ipv4Address::GetAny(), 0};
  double rate_bps_ = 0;
  std::uint32_t datagram_bytes_ = 0;
  std::optional<std::uint64_t> bulk_bytes_;
  double stop_s_ = 0;
  FlowRecord* record_ = nullptr;
  FlowDone on_last_sent_;
  ns3::Ptr<ns3::Socket> socket_;
  ns3::EventId next_;
  std::uint64_t sent_bytes_ = 0;
};

class UdpCountingReceiver : public ns3::Application {
 public:
  static ns3::TypeId GetTypeId();
  void configure(std::uint16_t port, FlowRecord* record);

 private:
  void StartApplication() override;
  void StopApplication() override;
  void DoDispose() override;
  void on_readable(ns3::Ptr<ns3::Socket> socket);

  std::uint16_t port_ = 0;
  FlowRecord* record_ = nullptr;
  ns3::Ptr<ns3::Socket> socket_;
};

}  // namespace wirelab::sim

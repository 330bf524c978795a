// Delivery-rate sampling for ns-3 TCP that starts a fresh sample on every ACK, as Linux's
// tcp_rate.c does, and a TcpSocketBase that uses it. Only rate-based congestion control (BBR)
// reads these samples; Reno-style algorithms are unaffected.
//
// Why: ns-3.37's TcpRateLinux keeps one TcpRateSample for the whole connection. Its "prior"
// fields are only replaced by a packet sent after more data was delivered than the previous
// prior, so once an ACK's sample is declared invalid (interval shorter than min RTT) the next
// ACKs often inherit that invalid state; and an invalid or lower app-limited sample keeps the
// previous m_deliveryRate, which TcpBbr then re-feeds into its bandwidth filter. After one
// retransmission timeout, BBR's estimate sinks to about one segment per RTT and stays there:
// on a 20 Mbit/s, 50 ms path with 0.5-5 % loss we measured 0.2-0.3 Mbit/s for the rest of a
// 20 MB transfer. With per-ACK samples whose rate is delivered / interval (zero when invalid),
// TcpBbr behaves like Linux BBR on the same path.
#pragma once

#include "ns3/tcp-rate-ops.h"
#include "ns3/tcp-socket-base.h"

namespace wirelab::sim {

class PerAckRateSampler : public ns3::TcpRateOps {
 public:
  static ns3::TypeId GetTypeId();

  void SkbSent(ns3::TcpTxItem* skb, bool is_start_of_transmission) override;
  void SkbDelivered(ns3::TcpTxItem* skb) override;
  void CalculateAppLimited(std::uint32_t cwnd, std::uint32_t in_flight, std::uint32_t segment_size,
                           const ns3::SequenceNumber32& tail_seq,
                           const ns3::SequenceNumber32& next_tx, std::uint32_t lost_out,
                           std::uint32_t retrans_out) override;
  const TcpRateSample& GenerateSample(std::uint32_t delivered, std::uint32_t lost,
                                      bool is_sack_reneg, std::uint32_t prior_in_flight,
                                      const ns3::Time& min_rtt) override;
  const TcpRateConnection& GetConnectionRate() override { return connection_; }

 private:
  void start_sample_if_needed();

  TcpRateConnection connection_;
  TcpRateSample sample_;
  bool have_prior_ = false;       // this ACK delivered a packet with timing information
  bool sample_finished_ = false;  // GenerateSample ran; the next ACK starts a new sample
};

// TcpSocketBase with PerAckRateSampler in place of TcpRateLinux. Create it with
// make_tcp_socket so it is wired to the node's TCP like a factory-made socket.
class PerAckRateTcpSocket : public ns3::TcpSocketBase {
 public:
  static ns3::TypeId GetTypeId();
  PerAckRateTcpSocket();
};

// A TCP socket for `node` built the way TcpL4Protocol::CreateSocket builds one (RTT estimator,
// congestion control and recovery from the node's TcpL4Protocol RttEstimatorType, SocketType and
// RecoveryType), but of class PerAckRateTcpSocket.
ns3::Ptr<ns3::Socket> make_tcp_socket(ns3::Ptr<ns3::Node> node);

}  // namespace wirelab::sim

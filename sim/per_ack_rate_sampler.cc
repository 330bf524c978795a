#include "sim/per_ack_rate_sampler.h"

#include <algorithm>

#include "ns3/internet-module.h"
#include "ns3/simulator.h"

namespace wirelab::sim {

ns3::TypeId PerAckRateSampler::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::PerAckRateSampler")
                               .SetParent<ns3::TcpRateOps>()
                               .SetGroupName("Wirelab")
                               .AddConstructor<PerAckRateSampler>();
  return tid;
}

void PerAckRateSampler::start_sample_if_needed() {
  if (!sample_finished_) return;
  sample_finished_ = false;
  have_prior_ = false;
  sample_ = TcpRateSample{};
}

void PerAckRateSampler::SkbSent(ns3::TcpTxItem* skb, bool is_start_of_transmission) {
  // With nothing in flight, a later ACK's interval must start now, not at the last delivery.
  if (is_start_of_transmission) {
    connection_.m_firstSentTime = ns3::Simulator::Now();
    connection_.m_deliveredTime = ns3::Simulator::Now();
  }
  auto& info = skb->GetRateInformation();
  info.m_firstSent = connection_.m_firstSentTime;
  info.m_deliveredTime = connection_.m_deliveredTime;
  info.m_isAppLimited = connection_.m_appLimited != 0;
  info.m_delivered = connection_.m_delivered;
}

void PerAckRateSampler::SkbDelivered(ns3::TcpTxItem* skb) {
  start_sample_if_needed();
  auto& info = skb->GetRateInformation();
  if (info.m_deliveredTime == ns3::Time::Max()) return;  // already counted (SACKed earlier)
  connection_.m_delivered += skb->GetSeqSize();
  connection_.m_deliveredTime = ns3::Simulator::Now();
  // The sample of this ACK is anchored at the most recently sent of the packets it delivers.
  if (!have_prior_ || info.m_delivered > sample_.m_priorDelivered) {
    have_prior_ = true;
    sample_.m_priorDelivered = static_cast<std::uint32_t>(info.m_delivered);
    sample_.m_priorTime = info.m_deliveredTime;
    sample_.m_isAppLimited = info.m_isAppLimited;
    sample_.m_sendElapsed = skb->GetLastSent() - info.m_firstSent;
    sample_.m_ackElapsed = ns3::Simulator::Now() - info.m_deliveredTime;
    connection_.m_firstSentTime = skb->GetLastSent();
  }
  info.m_deliveredTime = ns3::Time::Max();
  connection_.m_txItemDelivered = static_cast<std::uint32_t>(info.m_delivered);
}

void PerAckRateSampler::CalculateAppLimited(std::uint32_t cwnd, std::uint32_t in_flight,
                                            std::uint32_t segment_size,
                                            const ns3::SequenceNumber32& tail_seq,
                                            const ns3::SequenceNumber32& next_tx,
                                            std::uint32_t lost_out, std::uint32_t retrans_out) {
  if (tail_seq - next_tx < static_cast<std::int32_t>(segment_size) && in_flight < cwnd &&
      lost_out <= retrans_out) {
    connection_.m_appLimited =
        std::max<std::uint32_t>(static_cast<std::uint32_t>(connection_.m_delivered) + in_flight, 1);
  }
}

const ns3::TcpRateOps::TcpRateSample& PerAckRateSampler::GenerateSample(
    std::uint32_t delivered, std::uint32_t lost, bool is_sack_reneg,
    std::uint32_t prior_in_flight, const ns3::Time& min_rtt) {
  start_sample_if_needed();
  sample_finished_ = true;
  if (connection_.m_appLimited != 0 && connection_.m_delivered > connection_.m_appLimited)
    connection_.m_appLimited = 0;
  sample_.m_ackedSacked = delivered;
  sample_.m_bytesLoss = lost;
  sample_.m_priorInFlight = prior_in_flight;
  sample_.m_deliveryRate = ns3::DataRate(0);
  if (!have_prior_ || is_sack_reneg) {
    sample_.m_delivered = -1;
    sample_.m_interval = ns3::Seconds(0);
    return sample_;
  }
  // Sending and acknowledging are two pipeline phases; the longer one bounds the rate.
  sample_.m_interval = std::max(sample_.m_sendElapsed, sample_.m_ackElapsed);
  sample_.m_delivered =
      static_cast<std::int32_t>(connection_.m_delivered - sample_.m_priorDelivered);
  if (sample_.m_interval < min_rtt || sample_.m_delivered <= 0) {
    sample_.m_interval = ns3::Seconds(0);  // too short to trust (ACK compression, spurious RTO)
    return sample_;
  }
  sample_.m_deliveryRate = ns3::DataRate(static_cast<std::uint64_t>(
      sample_.m_delivered * 8.0 / sample_.m_interval.GetSeconds()));
  if (!sample_.m_isAppLimited ||
      static_cast<double>(sample_.m_delivered) * connection_.m_rateInterval.GetSeconds() >=
          static_cast<double>(connection_.m_rateDelivered) * sample_.m_interval.GetSeconds()) {
    connection_.m_rateDelivered = sample_.m_delivered;
    connection_.m_rateInterval = sample_.m_interval;
    connection_.m_rateAppLimited = sample_.m_isAppLimited;
  }
  return sample_;
}

ns3::TypeId PerAckRateTcpSocket::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::PerAckRateTcpSocket")
                               .SetParent<ns3::TcpSocketBase>()
                               .SetGroupName("Wirelab")
                               .AddConstructor<PerAckRateTcpSocket>();
  return tid;
}

PerAckRateTcpSocket::PerAckRateTcpSocket() { m_rateOps = ns3::CreateObject<PerAckRateSampler>(); }

ns3::Ptr<ns3::Socket> make_tcp_socket(ns3::Ptr<ns3::Node> node) {
  auto tcp = node->GetObject<ns3::TcpL4Protocol>();
  ns3::TypeIdValue rtt_type, cc_type, recovery_type;
  tcp->GetAttribute("RttEstimatorType", rtt_type);
  tcp->GetAttribute("SocketType", cc_type);
  tcp->GetAttribute("RecoveryType", recovery_type);
  ns3::ObjectFactory rtt_factory(rtt_type.Get().GetName());
  ns3::ObjectFactory cc_factory(cc_type.Get().GetName());
  ns3::ObjectFactory recovery_factory(recovery_type.Get().GetName());
  auto socket = ns3::CreateObject<PerAckRateTcpSocket>();
  socket->SetNode(node);
  socket->SetTcp(tcp);
  socket->SetRtt(rtt_factory.Create<ns3::RttEstimator>());
  socket->SetCongestionControlAlgorithm(cc_factory.Create<ns3::TcpCongestionOps>());
  socket->SetRecoveryAlgorithm(recovery_factory.Create<ns3::TcpRecoveryOps>());
  tcp->AddSocket(socket);
  return socket;
}

}  // namespace wirelab::sim

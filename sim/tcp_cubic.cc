#include "sim/tcp_cubic.h"

#include <algorithm>

#include "ns3/simulator.h"
#include "ns3/tcp-socket-state.h"

namespace wirelab::sim {
namespace {
Timestamp sim_now() { return timestamp_from_ns(ns3::Simulator::Now().GetNanoSeconds()); }
}  // namespace

NS_OBJECT_ENSURE_REGISTERED(TcpRfc9438Cubic);

ns3::TypeId TcpRfc9438Cubic::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("wirelab::sim::TcpRfc9438Cubic")
                               .SetParent<ns3::TcpCongestionOps>()
                               .SetGroupName("Wirelab")
                               .AddConstructor<TcpRfc9438Cubic>();
  return tid;
}

std::uint32_t TcpRfc9438Cubic::GetSsThresh(ns3::Ptr<const ns3::TcpSocketState> tcb, std::uint32_t) {
  const double segment = tcb->m_segmentSize;
  if (!window_) window_.emplace(tcb->m_cWnd.Get() / segment);
  // ns-3 asks once per congestion event: on entering fast recovery and on a retransmission
  // timeout (after which it sets the window to one segment itself, as Linux does).
  window_->set_cwnd(tcb->m_cWnd.Get() / segment);
  window_->on_congestion_event();
  return static_cast<std::uint32_t>(window_->ssthresh() * segment);
}

void TcpRfc9438Cubic::IncreaseWindow(ns3::Ptr<ns3::TcpSocketState> tcb, std::uint32_t segments_acked) {
  if (segments_acked == 0) return;
  const double segment = tcb->m_segmentSize;
  if (!window_) window_.emplace(tcb->m_cWnd.Get() / segment);
  // The socket owns the window between acknowledgements (recovery ends at ssthresh, a timeout
  // drops it to one segment); continue from the window it has now.
  window_->set_cwnd(tcb->m_cWnd.Get() / segment);
  // Linux's Cubic clocks its curve with the minimum RTT (bictcp's delay_min).
  const ns3::Time rtt = tcb->m_minRtt == ns3::Time::Max() ? tcb->m_lastRtt.Get() : tcb->m_minRtt;
  window_->on_ack(sim_now(), segments_acked, std::chrono::nanoseconds(rtt.GetNanoSeconds()));
  tcb->m_cWnd = static_cast<std::uint32_t>(std::max(window_->cwnd(), 1.0) * segment);
}

ns3::Ptr<ns3::TcpCongestionOps> TcpRfc9438Cubic::Fork() { return ns3::CopyObject<TcpRfc9438Cubic>(this); }

}  // namespace wirelab::sim

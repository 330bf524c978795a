// The sim's TCP Cubic: ns-3's TCP socket with RFC 9438 Cubic as Linux runs it, Reno-friendly
// region included. ns-3.37's TcpCubic has no Reno-friendly region, so at small windows (lossy
// or short paths) it grows far slower than the kernel's Cubic that real and emu runs use;
// it stays available as `tcp: {cc: ns3-cubic}`. The window arithmetic is protocols/cc's
// CubicWindow, the same code PFS's Cubic runs.
#pragma once

#include <optional>

#include "ns3/tcp-congestion-ops.h"
#include "protocols/cc/cubic_window.h"

namespace wirelab::sim {

class TcpRfc9438Cubic : public ns3::TcpCongestionOps {
 public:
  static ns3::TypeId GetTypeId();
  TcpRfc9438Cubic() = default;
  TcpRfc9438Cubic(const TcpRfc9438Cubic& other) = default;

  std::string GetName() const override { return "TcpRfc9438Cubic"; }
  std::uint32_t GetSsThresh(ns3::Ptr<const ns3::TcpSocketState> tcb, std::uint32_t bytes_in_flight) override;
  void IncreaseWindow(ns3::Ptr<ns3::TcpSocketState> tcb, std::uint32_t segments_acked) override;
  ns3::Ptr<ns3::TcpCongestionOps> Fork() override;

 private:
  // Created on first use, from the socket's initial window.
  std::optional<cc::CubicWindow> window_;
};

}  // namespace wirelab::sim

// The link of the emu backend: sim's link model (topology.cc's add_link: LinkChannel, rates,
// drop-tail queues, loss and jitter models) run by ns-3's real-time scheduler between two TAP
// devices, so kernel sockets in two network namespaces talk through exactly the link a sim run
// has.
//
// Each TAP is an FdNetDevice (Ethernet DIX frames) on an ns-3 node that also holds one end of
// the modelled point-to-point link; a relay on the node moves IPv4 packets between the two (the
// point-to-point device cannot join a BridgeNetDevice, and it carries IP, not Ethernet, as in
// sim: a packet crosses the link as IP + the 2-byte PPP header, the size sim serialises).
// Frames that are not IPv4 (IPv6 neighbour discovery and the like) are dropped at the TAP: the
// kernels use static neighbours (NOARP), and the link carries only the run's traffic.
//
// This header has no ns-3 types, so the harness can include it; everything ns-3 lives in
// emu_link.cc. C++17.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "harness/run_spec.h"

namespace wirelab::sim {

using MacAddress = std::array<std::uint8_t, 6>;

struct EmuLinkConfig {
  // The sender side (forward direction enters here) and the receiver side of the link: an open
  // TAP file descriptor (IFF_TAP | IFF_NO_PI; the link takes ownership) and the MAC address of
  // that TAP in its namespace, which frames written to it must carry.
  int sender_tap_fd = -1;
  MacAddress sender_tap_mac{};
  int receiver_tap_fd = -1;
  MacAddress receiver_tap_mac{};
  LinkSpec forward;  // sender -> receiver
  LinkSpec reverse;  // receiver -> sender
  std::uint64_t seed = 1;
};

struct EmuLinkReport {
  double lag_limit_s = 0;        // LagWatch's limits for this link
  double lag_spike_limit_s = 0;
  double lag_mean_s = 0;
  double lag_max_s = 0;
  double lag_p50_s = 0;
  double lag_p99_s = 0;
  std::string lag_failure;           // empty: the lag stayed within the limit
  std::uint64_t forward_packets = 0;  // IPv4 packets the sender's TAP handed to the link
  std::uint64_t reverse_packets = 0;
  std::uint64_t forward_dropped = 0;  // dropped by the forward queue or loss model
  std::uint64_t reverse_dropped = 0;
  std::uint64_t non_ipv4_frames = 0;  // dropped at the TAPs
  double wall_seconds = 0;
};

// Runs the link in the calling thread until `stop` is set (checked every millisecond).
// `on_running` is called once from the link thread when packets flow; `on_lag_exceeded` once,
// with the reason, when the scheduler falls behind past LagWatch's limit (the link keeps running
// so the run can stop cleanly). Throws std::runtime_error when the link cannot be built.
EmuLinkReport run_emu_link(const EmuLinkConfig& config, const std::atomic<bool>& stop,
                           const std::function<void()>& on_running,
                           const std::function<void(const std::string&)>& on_lag_exceeded);

}  // namespace wirelab::sim

// Where the two ends of an emu run live: two network namespaces, wl-<pid>-a (server, receiver,
// 10.213.0.1/30) and wl-<pid>-b (client, sender, 10.213.0.2/30), each with one TAP device
// (wl<pid>a / wl<pid>b) that this process opens itself and hands to the ns-3 link. The two
// TAPs share one subnet; the kernels reach each other only through the link (NOARP, static MACs,
// so no ARP crosses it), and nothing outside the namespaces is touched.
//
// A TAP exists while its file descriptor is open: the process owns it, and a killed process
// takes its TAPs with it. The namespaces are named like the real backend's, so the same
// clean-up applies: they are deleted when the TapNamespaces is destroyed (the run failed or not),
// and creating one first deletes wl-* namespaces whose process is gone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness/real/placement.h"
#include "sim/emu_link.h"

namespace wirelab::emu {

class TapNamespaces : public real::Placement {
 public:
  // Throws real::PlacementError (needs root, iproute2 and /dev/net/tun).
  explicit TapNamespaces(std::uint32_t mtu);
  ~TapNamespaces() override;
  TapNamespaces(const TapNamespaces&) = delete;
  TapNamespaces& operator=(const TapNamespaces&) = delete;

  sockaddr_in address(real::Side side) const override;
  void within(real::Side side, const std::function<void()>& fn) const override;
  // The client's TAP, inside its namespace: every packet the client sends before the emulated
  // link (its loss, queue) acts on it, and every packet that crossed the link to the client.
  real::CapturePoint capture_point() const override { return {taps_[1], names_[1]}; }

  // A new descriptor of `side`'s TAP (the caller owns it; the TAP lives while any is open).
  int duplicate_tap(real::Side side) const;
  sim::MacAddress tap_mac(real::Side side) const;
  std::string namespace_name(real::Side side) const { return names_[index(side)]; }
  std::string tap_name(real::Side side) const { return taps_[index(side)]; }
  // Packets the kernel dropped on `side`'s TAP before the link read them (its tx_dropped
  // counter), or nullopt when it cannot be read.
  std::optional<std::uint64_t> tap_tx_dropped(real::Side side) const;

 private:
  static int index(real::Side side) { return side == real::Side::kServer ? 0 : 1; }
  void remove();

  std::string names_[2];
  std::string taps_[2];
  int netns_fds_[2] = {-1, -1};
  int tap_fds_[2] = {-1, -1};
  int own_netns_ = -1;
};

}  // namespace wirelab::emu

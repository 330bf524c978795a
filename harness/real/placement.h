// Where the two ends of a real run live: both on 127.0.0.1 (placement `loopback`), or each in a
// network namespace of its own, joined by a veth pair (placement `namespaces`).
//
// Sockets belong to the network namespace of the thread that created them, for their whole
// life; so the backend creates each end's sockets inside within(side, ...) and may use them
// from any thread afterwards. The namespaces are named wl-<pid>-a (server) and wl-<pid>-b
// (client) and carry 10.213.0.1/30 and 10.213.0.2/30 on the veth pair; nothing outside them
// is touched. They are removed when the Placement is destroyed (the run failed or not), and
// every `namespaces` run first removes what a killed run left behind (wl-* whose pid is dead).
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace wirelab::real {

enum class Side { kServer, kClient };

struct PlacementError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Placement {
 public:
  // `name`: loopback | namespaces. `mtu` sizes the veth pair. Throws PlacementError.
  static std::unique_ptr<Placement> create(const std::string& name, std::uint32_t mtu);
  virtual ~Placement() = default;

  // The address `side` binds to (port 0: ephemeral) and the other side sends to.
  virtual sockaddr_in address(Side side) const = 0;
  // Runs `fn` with the calling thread in `side`'s network namespace, then switches back.
  virtual void within(Side side, const std::function<void()>& fn) const = 0;
};

// Runs iproute2's `ip` with `args` (no shell, output discarded); returns its exit status, or -1
// when it could not start.
int run_ip(const std::vector<std::string>& args);

// Deletes the namespaces of runs whose process is gone; returns how many it deleted.
int remove_stale_namespaces();

}  // namespace wirelab::real

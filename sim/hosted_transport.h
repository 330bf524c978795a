// Running any sans-IO Transport in the sim backend, not only PFS: sim::run hosts PFS through
// this, and tests host small fake transports through it to check the hosting itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "harness/run_spec.h"
#include "protocols/core/endpoint.h"

namespace wirelab::sim {

// Builds one endpoint of a flow: the client (sender) when `client` is true, else the server.
// `seed` differs per endpoint and flow; `max_datagram_size` is the forward MTU - 28.
using TransportFactory = std::function<std::unique_ptr<Transport>(
    bool client, std::uint64_t seed, std::size_t max_datagram_size)>;

// sim::run with spec.protocol hosted through `factory` (spec.protocol.name is only a label).
RunResult run_hosted(const RunSpec& spec, const TransportFactory& factory);

}  // namespace wirelab::sim

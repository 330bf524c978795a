// wirelab-sim-cost: wall seconds per simulated GB, PFS hosted in ns-3 vs ns-3's BulkSend TCP,
// on the same point-to-point link in one process. Prints one line per measurement and, with
// --json, a JSON array for docs/PERFORMANCE.md generation.
//
//   wirelab-sim-cost [--bytes 200000000] [--rate-bps 100e6] [--delay-s 0.01] [--loss 0]
//                    [--queue-packets 1000] [--cc cubic] [--json]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "protocols/pfs/pfs.h"
#include "sim/sim_cost.h"

int main(int argc, char** argv) {
  using namespace wirelab;
  std::uint64_t bytes = 200'000'000;
  LinkSpec link;
  link.rate_bps = 100e6;
  link.delay_s = 0.01;
  link.queue.limit = 1000;
  std::string cc = "cubic";
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--bytes" && has_value) bytes = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--rate-bps" && has_value) link.rate_bps = std::atof(argv[++i]);
    else if (arg == "--delay-s" && has_value) link.delay_s = std::atof(argv[++i]);
    else if (arg == "--loss" && has_value) link.loss.p = std::atof(argv[++i]);
    else if (arg == "--queue-packets" && has_value) link.queue.limit = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--cc" && has_value) cc = argv[++i];
    else if (arg == "--json") json = true;
    else {
      std::fprintf(stderr, "usage: %s [--bytes N] [--rate-bps R] [--delay-s D] [--loss P] "
                           "[--queue-packets Q] [--cc CC] [--json]\n", argv[0]);
      return 2;
    }
  }
  try {
    const pfs::PfsConfig config = pfs::config_from_options({}, link.mtu - 28);
    std::vector<sim::SimCost> costs;
    costs.push_back(sim::measure_hosted_cost(
        "pfs", link, bytes, [&config](bool client, std::uint64_t seed, std::size_t) {
          return pfs::make_transport(config, client ? pfs::Role::kClient : pfs::Role::kServer, seed);
        }));
    costs.push_back(sim::measure_bulksend_cost(link, bytes, cc));
    if (json) std::printf("[");
    for (std::size_t i = 0; i < costs.size(); ++i) {
      const auto& c = costs[i];
      if (json)
        std::printf("%s{\"name\": \"%s\", \"bytes\": %llu, \"wall_s\": %.6f, \"sim_s\": %.6f, "
                    "\"events\": %llu, \"wall_s_per_gb\": %.6f, \"rate_bps\": %.0f, \"delay_s\": %g, \"loss\": %g}",
                    i ? ", " : "", c.name.c_str(), static_cast<unsigned long long>(c.bytes), c.wall_s,
                    c.sim_s, static_cast<unsigned long long>(c.events), c.wall_s_per_gb(),
                    link.rate_bps, link.delay_s, link.loss.p);
      else
        std::printf("%-28s %12llu bytes  wall %8.3f s  sim %8.3f s  %10llu events  %8.3f wall s per simulated GB\n",
                    c.name.c_str(), static_cast<unsigned long long>(c.bytes), c.wall_s, c.sim_s,
                    static_cast<unsigned long long>(c.events), c.wall_s_per_gb());
    }
    if (json) std::printf("]\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wirelab-sim-cost: %s\n", e.what());
    return 1;
  }
  return 0;
}

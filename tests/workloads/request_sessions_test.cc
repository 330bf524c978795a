// The rpc and stream workloads end to end over PFS in virtual time (the scripted pipe): the
// client's requests reach the server's simulated worker pool and every response comes back
// intact, with latencies and token timings that the path and the service model bound.
#include "protocols/workloads/request_sessions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "protocols/pfs/pfs.h"
#include "protocols/workloads/application_endpoint.h"
#include "protocols/workloads/workload_summary.h"
#include "tests/protocols/scripted_pipe.h"

namespace wirelab::workloads {
namespace {

using std::chrono::milliseconds;
using testing::PipeLink;
using testing::ScriptedPipe;

constexpr Duration kOneWay = milliseconds(10);

struct Outcome {
  WorkloadRecord client;
  WorkloadRecord server;
  std::uint64_t served = 0;
  std::uint64_t shed = 0;
  bool finished = false;
};

Outcome run_requests(const RequestOptions& request, std::size_t workers, runtime::ServiceTimeModel service,
                     std::size_t queue, runtime::OverflowPolicy overflow, double loss, std::uint64_t seed,
                     Duration step_interval = Duration::zero()) {
  pfs::PfsConfig config;
  config.max_datagram_size = 1200;
  ServerOptions server_options;
  server_options.queue = queue;
  server_options.overflow = overflow;
  server_options.steps = request.steps;
  server_options.step_bytes = request.step_bytes;
  server_options.content_seed = request.content_seed;
  RequestServer* server = nullptr;
  ApplicationEndpoint client(pfs::make_transport(config, pfs::Role::kClient, seed * 2),
                             [&](StreamApi& c) { return std::make_unique<RequestClient>(c, request); });
  ApplicationEndpoint server_end(pfs::make_transport(config, pfs::Role::kServer, seed * 2 + 1), [&](StreamApi& c) {
    auto s = std::make_unique<RequestServer>(c, std::make_shared<runtime::SimJobRunner>(workers, seed, service, step_interval), server_options);
    server = s.get();
    return s;
  });
  PipeLink link;
  link.rate_bps = 100e6;
  link.queue_packets = 1000;
  link.delay = kOneWay;
  link.faults.loss = loss;
  ScriptedPipe pipe(client, server_end, link, link, seed);
  client.transport().connect(kTimeZero);
  Outcome out;
  out.finished = pipe.run([&] { return client.session().done(); }, Timestamp{std::chrono::seconds(300)});
  out.client = client.session().record();
  out.server = server->record();
  out.served = server->requests_served();
  out.shed = server->requests_shed();
  return out;
}

RequestOptions rpc(std::uint64_t requests) {
  RequestOptions o;
  o.requests = requests;
  o.request_bytes = 300;
  o.step_bytes = 2000;
  o.content_seed = 99;
  o.arrival_seed = 5;
  return o;
}

TEST(RequestSessions, ClosedLoopRpcOverLossyPfsAnswersEveryRequestIntact) {
  RequestOptions o = rpc(400);
  o.concurrency = 8;
  const Duration service = milliseconds(2);
  const Outcome out = run_requests(o, 4, runtime::fixed_service_time(service), 64,
                                   runtime::OverflowPolicy::reject, 0.02, 3);
  ASSERT_TRUE(out.finished) << out.client.error;
  EXPECT_EQ(out.client.requests_completed, 400u);
  EXPECT_EQ(out.client.requests_shed, 0u);
  EXPECT_EQ(out.served, 400u);
  EXPECT_TRUE(out.client.responses_intact);
  // No response can beat the round trip plus its own service time.
  const double floor_s = to_seconds(2 * kOneWay + service);
  EXPECT_GE(*std::min_element(out.client.latency_s.begin(), out.client.latency_s.end()), floor_s);
  const auto metrics = rpc_metrics(out.client, 400);
  const auto integrity = std::find_if(metrics.begin(), metrics.end(), [](const NamedValue& m) { return m.name == "integrity_ok"; });
  EXPECT_EQ(integrity->value, 1.0);
}

TEST(RequestSessions, OverloadIsShedAtTheQueueSoLatencyStaysBounded) {
  // Capacity: 2 workers / 5 ms = 400 requests/s; offered: 800/s, Poisson.
  RequestOptions o = rpc(3000);
  o.rate_rps = 800;
  const Duration service = milliseconds(5);
  const std::size_t workers = 2, queue = 8;
  const Outcome out = run_requests(o, workers, runtime::fixed_service_time(service), queue,
                                   runtime::OverflowPolicy::reject, 0.0, 4);
  ASSERT_TRUE(out.finished) << out.client.error;
  EXPECT_EQ(out.client.requests_completed + out.client.requests_shed, 3000u);
  EXPECT_TRUE(out.client.responses_intact);
  // About half the load must go: served throughput is capacity, the rest is shed.
  EXPECT_GT(out.client.requests_shed, 3000u * 35 / 100);
  EXPECT_LT(out.client.requests_shed, 3000u * 60 / 100);
  // At the server, an admitted request waits behind at most `queue` others shared by
  // `workers`, then is served: sojourn <= (queue / workers + 1) x service, exactly (fixed service
  // times). Rejecting keeps the backlog, and so this bound, fixed however far the offered load
  // exceeds capacity.
  const double sojourn_bound_s = (static_cast<double>(queue) / workers + 1) * to_seconds(service);
  ASSERT_EQ(out.server.sojourn_s.size(), out.client.requests_completed);
  EXPECT_LE(*std::max_element(out.server.sojourn_s.begin(), out.server.sojourn_s.end()), sojourn_bound_s + 1e-9);
  // At the client the path adds its round trip, serialisation and the transport's pacing:
  // 10 ms of allowance (half an RTT). The first 100 requests are left out: the transport's
  // startup windows hold the first responses back.
  const std::vector<double> steady(out.client.latency_s.begin() + 100, out.client.latency_s.end());
  EXPECT_LE(percentile(steady, 0.99), to_seconds(2 * kOneWay) + sojourn_bound_s + 0.010);
}

TEST(RequestSessions, BlockPolicyShedsNothingAndPushesTheWaitBackToTheClient) {
  RequestOptions o = rpc(600);
  o.rate_rps = 800;
  const Outcome out = run_requests(o, 2, runtime::fixed_service_time(milliseconds(5)), 8,
                                   runtime::OverflowPolicy::block, 0.0, 4);
  ASSERT_TRUE(out.finished) << out.client.error;
  EXPECT_EQ(out.client.requests_completed, 600u);
  EXPECT_EQ(out.client.requests_shed, 0u);
  // Offered twice the capacity for 0.75 s: the backlog, and so the worst latency, grows to
  // about 600/400 - 600/800 = 0.75 s, far beyond the reject policy's bound.
  EXPECT_GT(*std::max_element(out.client.latency_s.begin(), out.client.latency_s.end()), 0.5);
}

TEST(RequestSessions, TokenStreamTimingFollowsTheTokenIntervalOnACleanPath) {
  RequestOptions o;
  o.requests = 6;
  o.request_bytes = 64;
  o.steps = 20;
  o.step_bytes = 32;
  o.token_timing = true;
  o.stall_threshold = milliseconds(40);
  o.concurrency = 2;
  o.content_seed = 11;
  const Duration interval = milliseconds(10), cost = std::chrono::microseconds(13);
  const Outcome out = run_requests(o, 2, runtime::fixed_service_time(cost), 16,
                                   runtime::OverflowPolicy::reject, 0.0, 6, interval);
  ASSERT_TRUE(out.finished) << out.client.error;
  EXPECT_TRUE(out.client.responses_intact);
  EXPECT_EQ(out.client.tokens_received, 6u * 20);
  ASSERT_EQ(out.client.ttft_s.size(), 6u);
  ASSERT_EQ(out.client.itl_s.size(), 6u * 19);
  // First token: the round trip plus one token's cost.
  for (double t : out.client.ttft_s) EXPECT_GE(t, to_seconds(2 * kOneWay + cost));
  // Two workers, two requests at a time: each generation runs undisturbed, one token per
  // interval; the path adds no jitter.
  EXPECT_NEAR(percentile(out.client.itl_s, 0.5), to_seconds(interval), 1e-4);
  EXPECT_NEAR(percentile(out.client.itl_s, 0.99), to_seconds(interval), 1e-3);
  EXPECT_EQ(out.client.stalls, 0u);
}

TEST(RequestSessions, TheSameSeedGivesTheSameLatenciesToTheNanosecond) {
  RequestOptions o = rpc(300);
  o.rate_rps = 300;
  auto once = [&] {
    return run_requests(o, 2, runtime::exponential_service_time(milliseconds(4)), 16,
                        runtime::OverflowPolicy::shed_oldest, 0.02, 8);
  };
  const Outcome a = once(), b = once();
  ASSERT_TRUE(a.finished);
  EXPECT_EQ(a.client.latency_s, b.client.latency_s);
  EXPECT_EQ(a.client.requests_shed, b.client.requests_shed);
}

}  // namespace
}  // namespace wirelab::workloads

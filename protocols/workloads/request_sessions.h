// The request/response workloads of CONTRACT section 3, over any StreamApi, one stream per
// request: `rpc` (a request, then one response) and `stream` (a prompt, then tokens produced one
// by one on a worker, inference style). Written once for sim and real: the client issues
// requests (open loop with Poisson arrivals, or closed loop with a fixed concurrency) and times
// them; the server admits them through a bounded queue (runtime::BoundedQueue: block, reject or
// shed-oldest), runs their work on a JobRunner and writes the output step by step.
//
// On the wire (so every byte is checked at the client):
//   request   [request index u64 BE][BulkPattern(content_seed ^ index) bytes] (request_bytes, >= 8)
//   response  [status u8: 0 served, 1 shed][request index u64 BE], then, when served, `steps`
//             outputs of `step_bytes` each: BulkPattern(content_seed ^ ~index) bytes; FIN.
// An rpc response is one step of response_bytes - 9 bytes; a stream response is `tokens` steps
// of token_bytes.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/runtime/backpressure.h"
#include "protocols/workloads/bulk_pattern.h"
#include "protocols/runtime/job_runner.h"
#include "protocols/workloads/session.h"

namespace wirelab::workloads {

inline constexpr std::size_t kRequestHeaderBytes = 8;
inline constexpr std::size_t kResponseHeaderBytes = 9;

struct RequestOptions {
  std::uint64_t requests = 1000;
  std::uint64_t request_bytes = 100;     // >= kRequestHeaderBytes
  std::optional<double> rate_rps;        // open loop: Poisson arrivals at this rate
  std::uint32_t concurrency = 1;         // closed loop (when rate_rps is not set)
  std::uint32_t steps = 1;               // outputs per response (tokens; 1 for rpc)
  std::uint64_t step_bytes = 991;        // bytes per output
  bool token_timing = false;             // stream: record TTFT, inter-token gaps, stalls
  Duration stall_threshold{0};           // stream: a gap longer than this is a stall
  std::uint64_t content_seed = 0;
  std::uint64_t arrival_seed = 0;        // the Poisson arrivals' generator
};

class RequestClient final : public Session {
 public:
  RequestClient(StreamApi& connection, RequestOptions options);
  void on_event(Timestamp now, const TransportEvent& event) override;
  void service(Timestamp now) override;
  Timestamp next_timeout() const override;
  const WorkloadRecord& record() const override { return record_; }

 private:
  struct Request {
    std::uint64_t index = 0;
    Timestamp issued_at{};              // arrival (open loop) or issue (closed loop) time
    std::uint64_t written = 0;          // request bytes accepted by the connection
    std::uint64_t received = 0;         // response bytes read, header included
    std::uint8_t header[kResponseHeaderBytes] = {};
    std::optional<Timestamp> last_token_at;
  };
  void issue_due(Timestamp now);
  void open_waiting(Timestamp now);
  void write_request(StreamId id, Request& r);
  void read_response(Timestamp now, StreamId id);
  void finish(Timestamp now, StreamId id, bool complete);
  std::uint64_t response_bytes() const { return kResponseHeaderBytes + std::uint64_t{options_.steps} * options_.step_bytes; }

  StreamApi& connection_;
  RequestOptions options_;
  WorkloadRecord record_;
  SeededRandom arrivals_;
  bool connected_ = false;
  std::uint64_t next_index_ = 0;         // requests created so far
  Timestamp next_arrival_ = kTimeInfinite;
  std::deque<Request> waiting_;          // created, no stream yet (stream limit)
  std::map<StreamId, Request> active_;
  std::vector<StreamId> unwritten_;      // active requests with request bytes still to write
  std::vector<std::uint8_t> scratch_;
};

struct ServerOptions {
  std::size_t queue = 64;                // admitted requests waiting for a worker
  runtime::OverflowPolicy overflow = runtime::OverflowPolicy::reject;
  std::uint32_t steps = 1;
  std::uint64_t step_bytes = 991;
  std::uint64_t content_seed = 0;
};

class RequestServer final : public Session {
 public:
  RequestServer(StreamApi& connection, std::shared_ptr<runtime::JobRunner> runner, ServerOptions options);
  void on_event(Timestamp now, const TransportEvent& event) override;
  void service(Timestamp now) override;
  Timestamp next_timeout() const override { return runner_->next_timeout(); }
  const WorkloadRecord& record() const override { return record_; }

  std::uint64_t requests_shed() const { return shed_; }
  std::uint64_t requests_served() const { return served_; }

 private:
  struct Incoming {
    std::uint8_t header[kRequestHeaderBytes] = {};
    std::uint64_t received = 0;
  };
  struct Pending {
    StreamId stream;
    std::uint64_t index;
    Timestamp admitted_at;
  };
  struct Running {
    StreamId stream;
    Timestamp admitted_at;
  };
  struct Output {
    std::vector<std::uint8_t> bytes;     // queued, not yet accepted by the connection
    std::size_t head = 0;
    bool fin = false;
  };
  void read_request(Timestamp now, StreamId id);
  // Block policy with a full queue: new requests stay unread in the transport.
  bool blocked() const {
    return options_.overflow == runtime::OverflowPolicy::block && queue_.size() >= queue_.capacity();
  }
  void admit(Timestamp now, StreamId id, std::uint64_t index);
  void start_jobs(Timestamp now);
  void respond_shed(StreamId id, std::uint64_t index);
  void emit(StreamId id, const std::uint8_t* bytes, std::size_t n, bool fin);
  void flush();

  StreamApi& connection_;
  std::shared_ptr<runtime::JobRunner> runner_;
  ServerOptions options_;
  WorkloadRecord record_;
  runtime::BoundedQueue<Pending> queue_;
  std::map<StreamId, Incoming> incoming_;
  std::deque<StreamId> unread_;          // requests left unread while the queue blocks
  std::map<std::uint64_t, Running> running_;  // job (request index) -> its stream
  std::map<StreamId, Output> outputs_;
  std::vector<runtime::StepDone> steps_done_;
  std::vector<std::uint8_t> scratch_;
  std::uint64_t shed_ = 0;
  std::uint64_t served_ = 0;
};

}  // namespace wirelab::workloads

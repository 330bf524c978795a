#include "protocols/workloads/request_sessions.h"

#include <algorithm>
#include <cstring>

namespace wirelab::workloads {
namespace {

void put_u64(std::uint8_t* at, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) at[i] = static_cast<std::uint8_t>(v);
}
std::uint64_t get_u64(const std::uint8_t* at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | at[i];
  return v;
}
BulkPattern request_pattern(std::uint64_t seed, std::uint64_t index) { return BulkPattern(seed ^ index); }
BulkPattern response_pattern(std::uint64_t seed, std::uint64_t index) { return BulkPattern(seed ^ ~index); }
constexpr std::uint8_t kServed = 0;
constexpr std::uint8_t kShed = 1;
constexpr std::size_t kReadChunk = 16 * 1024;

}  // namespace

// ---- client -------------------------------------------------------------------------------

RequestClient::RequestClient(StreamApi& connection, RequestOptions options)
    : connection_(connection), options_(options), arrivals_(options.arrival_seed), scratch_(kReadChunk) {}

void RequestClient::on_event(Timestamp now, const TransportEvent& event) {
  switch (event.kind) {
    case TransportEvent::Kind::kConnected:
      if (connected_) break;
      connected_ = true;
      // Open loop: the first arrival one interarrival time after the connection is up.
      if (options_.rate_rps) next_arrival_ = now + seconds_to_duration(arrivals_.exponential(1.0 / *options_.rate_rps));
      issue_due(now);
      break;
    case TransportEvent::Kind::kStreamReadable:
    case TransportEvent::Kind::kStreamOpened:
      read_response(now, event.stream);
      break;
    case TransportEvent::Kind::kClosed:
      if (!record_.done && record_.error.empty())
        record_.error = event.reason.empty() ? "connection closed before every request was answered" : event.reason;
      break;
    default:
      break;
  }
}

Timestamp RequestClient::next_timeout() const {
  return next_index_ < options_.requests ? next_arrival_ : kTimeInfinite;
}

void RequestClient::service(Timestamp now) {
  if (!connected_ || record_.done) return;
  issue_due(now);
  // Writes the connection refused earlier (flow control, send buffer).
  std::vector<StreamId> still;
  for (StreamId id : unwritten_) {
    auto it = active_.find(id);
    if (it == active_.end()) continue;
    write_request(id, it->second);
    if (it->second.written < options_.request_bytes) still.push_back(id);
  }
  unwritten_.swap(still);
  // Also without an event, so a transport that delivers without saying so still progresses.
  std::vector<StreamId> ids;
  ids.reserve(active_.size());
  for (const auto& [id, r] : active_) ids.push_back(id);
  for (StreamId id : ids) read_response(now, id);
}

void RequestClient::issue_due(Timestamp now) {
  if (options_.rate_rps) {
    while (next_index_ < options_.requests && next_arrival_ <= now) {
      Request r;
      r.index = next_index_++;
      r.issued_at = next_arrival_;  // latency counts from the arrival, also when we issue late
      waiting_.push_back(r);
      next_arrival_ += seconds_to_duration(arrivals_.exponential(1.0 / *options_.rate_rps));
    }
  } else {
    while (next_index_ < options_.requests && active_.size() + waiting_.size() < options_.concurrency) {
      Request r;
      r.index = next_index_++;
      r.issued_at = now;
      waiting_.push_back(r);
    }
  }
  open_waiting(now);
}

void RequestClient::open_waiting(Timestamp now) {
  while (!waiting_.empty()) {
    const auto id = connection_.open_stream();
    if (!id) return;  // the peer's stream limit: try again when a stream is done
    Request r = waiting_.front();
    waiting_.pop_front();
    if (!record_.first_request_at) record_.first_request_at = r.issued_at;
    ++record_.requests_sent;
    auto& placed = active_.emplace(*id, r).first->second;
    write_request(*id, placed);
    if (placed.written < options_.request_bytes) unwritten_.push_back(*id);
  }
  (void)now;
}

void RequestClient::write_request(StreamId id, Request& r) {
  while (r.written < options_.request_bytes) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(options_.request_bytes - r.written, scratch_.size()));
    // Bytes [written, written + n) of the request: the index header, then the pattern.
    std::uint8_t header[kRequestHeaderBytes];
    put_u64(header, r.index);
    const BulkPattern pattern = request_pattern(options_.content_seed, r.index);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t at = r.written + i;
      scratch_[i] = at < kRequestHeaderBytes ? header[at] : pattern.byte_at(at);
    }
    const bool fin = r.written + n == options_.request_bytes;
    const std::size_t accepted = connection_.write(id, ByteView(scratch_.data(), n), fin);
    r.written += accepted;
    if (accepted < n) return;
  }
}

void RequestClient::read_response(Timestamp now, StreamId id) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  Request& r = it->second;
  const BulkPattern pattern = response_pattern(options_.content_seed, r.index);
  for (;;) {
    bool fin = false;
    const std::size_t n = connection_.read(id, MutableByteView(scratch_.data(), scratch_.size()), &fin);
    for (std::size_t i = 0; i < n; ++i, ++r.received) {
      const std::uint64_t at = r.received;
      if (at < kResponseHeaderBytes) {
        r.header[at] = scratch_[i];
        continue;
      }
      const std::uint64_t body_at = at - kResponseHeaderBytes;
      if (r.header[0] != kServed || body_at >= std::uint64_t{options_.steps} * options_.step_bytes ||
          scratch_[i] != pattern.byte_at(body_at)) {
        record_.responses_intact = false;
      }
      // A token is whole when its last byte arrives.
      if (options_.token_timing && (body_at + 1) % options_.step_bytes == 0) {
        ++record_.tokens_received;
        if (!r.last_token_at) {
          record_.ttft_s.push_back(to_seconds(now - r.issued_at));
        } else {
          const Duration gap = now - *r.last_token_at;
          record_.itl_s.push_back(to_seconds(gap));
          if (gap > options_.stall_threshold) ++record_.stalls;
        }
        r.last_token_at = now;
      }
    }
    if (fin) {
      finish(now, id, true);
      return;
    }
    if (n == 0) return;
  }
}

void RequestClient::finish(Timestamp now, StreamId id, bool) {
  auto it = active_.find(id);
  Request& r = it->second;
  const bool header_ok = r.received >= kResponseHeaderBytes && get_u64(r.header + 1) == r.index;
  if (!header_ok) record_.responses_intact = false;
  if (header_ok && r.header[0] == kShed && r.received == kResponseHeaderBytes) {
    ++record_.requests_shed;
  } else {
    if (r.header[0] != kServed || r.received != response_bytes()) record_.responses_intact = false;
    ++record_.requests_completed;
    record_.latency_s.push_back(to_seconds(now - r.issued_at));
  }
  record_.last_response_at = now;
  active_.erase(it);
  if (next_index_ == options_.requests && waiting_.empty() && active_.empty()) {
    record_.done = true;
    return;
  }
  issue_due(now);  // closed loop: the next request; both: a freed stream for a waiting one
}

// ---- server -------------------------------------------------------------------------------

RequestServer::RequestServer(StreamApi& connection, std::shared_ptr<runtime::JobRunner> runner, ServerOptions options)
    : connection_(connection),
      runner_(std::move(runner)),
      options_(options),
      queue_(std::max<std::size_t>(1, options.queue), options.overflow, std::max<std::size_t>(1, options.queue),
             std::max<std::size_t>(1, options.queue) / 2),
      scratch_(kReadChunk) {}

void RequestServer::on_event(Timestamp now, const TransportEvent& event) {
  switch (event.kind) {
    case TransportEvent::Kind::kStreamOpened:
    case TransportEvent::Kind::kStreamReadable:
      read_request(now, event.stream);
      break;
    case TransportEvent::Kind::kStreamWritable:
      flush();
      break;
    default:
      break;
  }
}

void RequestServer::read_request(Timestamp now, StreamId id) {
  if (outputs_.count(id)) return;  // answered already (or being answered)
  if (blocked()) {
    // Backpressure upstream: leave the request unread, so the transport's flow control holds
    // the client back, until a worker frees a place.
    if (std::find(unread_.begin(), unread_.end(), id) == unread_.end()) unread_.push_back(id);
    return;
  }
  Incoming& in = incoming_[id];
  for (;;) {
    bool fin = false;
    const std::size_t n = connection_.read(id, MutableByteView(scratch_.data(), scratch_.size()), &fin);
    for (std::size_t i = 0; i < n && in.received + i < kRequestHeaderBytes; ++i)
      in.header[in.received + i] = scratch_[i];
    in.received += n;
    if (fin) {
      const std::uint64_t index = in.received >= kRequestHeaderBytes ? get_u64(in.header) : 0;
      incoming_.erase(id);
      admit(now, id, index);
      return;
    }
    if (n == 0) return;
  }
}

void RequestServer::admit(Timestamp now, StreamId id, std::uint64_t index) {
  outputs_[id];
  Pending p{id, index, now};
  std::optional<Pending> dropped;
  const runtime::OfferOutcome outcome = queue_.offer(p, &dropped);
  if (outcome == runtime::OfferOutcome::rejected) respond_shed(id, index);
  if (outcome == runtime::OfferOutcome::accepted_after_shedding && dropped) respond_shed(dropped->stream, dropped->index);
  start_jobs(now);
}

void RequestServer::start_jobs(Timestamp now) {
  while (running_.size() < runner_->workers()) {
    auto p = queue_.poll();
    if (!p) return;
    running_[p->index] = Running{p->stream, p->admitted_at};
    std::uint8_t header[kResponseHeaderBytes];
    header[0] = kServed;
    put_u64(header + 1, p->index);
    emit(p->stream, header, kResponseHeaderBytes, false);
    runner_->start(now, p->index, options_.steps);
  }
}

void RequestServer::respond_shed(StreamId id, std::uint64_t index) {
  ++shed_;
  std::uint8_t header[kResponseHeaderBytes];
  header[0] = kShed;
  put_u64(header + 1, index);
  emit(id, header, kResponseHeaderBytes, true);
}

void RequestServer::emit(StreamId id, const std::uint8_t* bytes, std::size_t n, bool fin) {
  Output& out = outputs_[id];
  out.bytes.insert(out.bytes.end(), bytes, bytes + n);
  out.fin = out.fin || fin;
}

void RequestServer::flush() {
  for (auto it = outputs_.begin(); it != outputs_.end();) {
    Output& out = it->second;
    const std::size_t pending = out.bytes.size() - out.head;
    if (pending > 0 || out.fin) {
      const std::size_t accepted = connection_.write(it->first, ByteView(out.bytes.data() + out.head, pending), out.fin);
      out.head += accepted;
      if (out.head == out.bytes.size()) {
        out.bytes.clear();
        out.head = 0;
        if (out.fin) {
          it = outputs_.erase(it);  // FIN handed over: this request is done here
          continue;
        }
      }
    }
    ++it;
  }
}

void RequestServer::service(Timestamp now) {
  steps_done_.clear();
  runner_->poll(now, steps_done_);
  for (const runtime::StepDone& d : steps_done_) {
    auto it = running_.find(d.job);
    if (it == running_.end()) continue;
    const StreamId id = it->second.stream;
    // The step's output: bytes [step * step_bytes, + step_bytes) of the response body.
    const BulkPattern pattern = response_pattern(options_.content_seed, d.job);
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(options_.step_bytes));
    pattern.fill(std::uint64_t{d.step} * options_.step_bytes, MutableByteView(bytes.data(), bytes.size()));
    const bool last = d.step + 1 == options_.steps;
    emit(id, bytes.data(), bytes.size(), last);
    if (last) {
      record_.sojourn_s.push_back(to_seconds(now - it->second.admitted_at));
      running_.erase(it);
      ++served_;
    }
  }
  start_jobs(now);
  // Requests left unread while the queue was full.
  while (!unread_.empty() && !blocked()) {
    const StreamId id = unread_.front();
    unread_.pop_front();
    read_request(now, id);
  }
  std::vector<StreamId> partial;
  for (const auto& [id, in] : incoming_) partial.push_back(id);
  for (StreamId id : partial) read_request(now, id);
  flush();
}

}  // namespace wirelab::workloads

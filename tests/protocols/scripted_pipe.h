// The network-free test host: two sans-IO endpoints joined by a scripted pipe in virtual time.
//
// Each direction is a bottleneck of the kind the lab simulates — a rate with a drop-tail queue,
// a propagation delay — plus the faults a test wants: random loss, loss bursts, duplication and
// reordering, all drawn from one seed. Time only moves when nothing else can happen: no
// threads, no sleeps, a 20 MB transfer over a 50 ms path runs in well under a second, and a
// failing seed replays exactly.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <stdexcept>
#include <string>
#include <queue>
#include <vector>

#include "protocols/core/endpoint.h"
#include "protocols/core/random.h"

namespace wirelab::testing {

struct PipeFaults {
  double loss = 0;               // independent loss probability per datagram
  double burst_start = 0;        // probability that a datagram starts a loss burst
  std::uint32_t burst_length = 0;  // datagrams lost in a burst (after the first)
  double duplicate = 0;          // probability a delivered datagram arrives twice
  double reorder = 0;            // probability a datagram is held back by reorder_delay
  Duration reorder_delay{0};
};

struct PipeLink {
  double rate_bps = 0;           // 0: infinitely fast (no queue)
  std::size_t queue_packets = 100;
  Duration delay{0};
  PipeFaults faults;
};

struct PipeCounters {
  std::uint64_t sent = 0;
  std::uint64_t dropped_loss = 0;
  std::uint64_t dropped_queue = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t delivered = 0;
};

class ScriptedPipe {
 public:
  // Endpoint 0 sends over link[0] to endpoint 1; endpoint 1 over link[1] to endpoint 0.
  ScriptedPipe(Endpoint& a, Endpoint& b, PipeLink a_to_b, PipeLink b_to_a, std::uint64_t seed)
      : endpoints_{&a, &b}, links_{a_to_b, b_to_a}, random_(seed), trace_(std::getenv("WIRELAB_PIPE_TRACE") != nullptr) {}

  Timestamp now() const { return now_; }
  const PipeCounters& counters(int direction) const { return counters_[direction]; }

  // Runs until `done()` holds after a step, or virtual time passes `limit`. `between` runs after
  // every step (the application's turn: write, read, poll events). Returns done().
  bool run(const std::function<bool()>& done, Timestamp limit, const std::function<void(Timestamp)>& between = {}) {
    std::vector<std::uint8_t> buffer(65536);
    Timestamp last_now = now_;
    std::uint64_t steps_at_same_time = 0;
    for (;;) {
      // An endpoint that keeps asking for the current time without doing anything is stuck.
      steps_at_same_time = now_ == last_now ? steps_at_same_time + 1 : 0;
      last_now = now_;
      if (steps_at_same_time > 100000)
        throw std::runtime_error("scripted pipe: no progress at t=" + std::to_string(to_ns(now_)) + " ns");
      if (between) between(now_);
      for (int i = 0; i < 2; ++i) {
        while (auto n = endpoints_[i]->poll_transmit(now_, MutableByteView(buffer.data(), buffer.size())))
          send(i, std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*n)));
      }
      if (done()) return true;
      Timestamp next = kTimeInfinite;
      if (!events_.empty()) next = events_.top().at;
      for (int i = 0; i < 2; ++i) next = std::min(next, endpoints_[i]->next_timeout());
      if (next == kTimeInfinite || next > limit) return done();
      now_ = std::max(now_, next);
      while (!events_.empty() && events_.top().at <= now_) {
        Delivery d = events_.top();
        events_.pop();
        ++counters_[1 - d.to].delivered;
        endpoints_[d.to]->on_datagram(now_, ByteView(d.bytes));
      }
      for (int i = 0; i < 2; ++i)
        if (endpoints_[i]->next_timeout() <= now_) endpoints_[i]->on_timeout(now_);
    }
  }

 private:
  struct Delivery {
    Timestamp at;
    std::uint64_t order;
    int to;
    std::vector<std::uint8_t> bytes;
    bool operator>(const Delivery& o) const { return at != o.at ? at > o.at : order > o.order; }
  };

  void trace(const char* what, int from, std::size_t size) const {
    if (trace_) std::fprintf(stderr, "%12.6f %d->%d %-10s %zu B\n", to_seconds(now_), from, 1 - from, what, size);
  }

  void send(int from, std::vector<std::uint8_t> bytes) {
    PipeLink& link = links_[from];
    PipeCounters& c = counters_[from];
    ++c.sent;
    const PipeFaults& f = link.faults;
    if (burst_left_[from] > 0) {
      --burst_left_[from];
      ++c.dropped_loss;
      trace("burst-lost", from, bytes.size());
      return;
    }
    if (f.burst_start > 0 && random_.bernoulli(f.burst_start)) {
      burst_left_[from] = f.burst_length;
      ++c.dropped_loss;
      trace("burst-lost", from, bytes.size());
      return;
    }
    if (f.loss > 0 && random_.bernoulli(f.loss)) {
      ++c.dropped_loss;
      trace("lost", from, bytes.size());
      return;
    }
    Timestamp depart = now_;
    if (link.rate_bps > 0) {
      auto& queue = departures_[from];
      while (!queue.empty() && queue.front() <= now_) queue.pop_front();
      if (queue.size() >= link.queue_packets) {
        ++c.dropped_queue;
        trace("queue-drop", from, bytes.size());
        return;
      }
      const Timestamp start = std::max(now_, busy_until_[from]);
      depart = start + Duration{static_cast<std::int64_t>(static_cast<double>(bytes.size() + 30) * 8e9 / link.rate_bps)};
      busy_until_[from] = depart;
      queue.push_back(depart);
    }
    trace("sent", from, bytes.size());
    Timestamp arrive = depart + link.delay;
    if (f.reorder > 0 && random_.bernoulli(f.reorder)) arrive += f.reorder_delay;
    const bool dup = f.duplicate > 0 && random_.bernoulli(f.duplicate);
    if (dup) {
      ++c.duplicated;
      events_.push({arrive + Duration{1000}, order_++, 1 - from, bytes});
    }
    events_.push({arrive, order_++, 1 - from, std::move(bytes)});
  }

  Endpoint* endpoints_[2];
  PipeLink links_[2];
  SeededRandom random_;
  Timestamp now_ = kTimeZero;
  std::priority_queue<Delivery, std::vector<Delivery>, std::greater<Delivery>> events_;
  std::deque<Timestamp> departures_[2];
  Timestamp busy_until_[2] = {kTimeZero, kTimeZero};
  std::uint32_t burst_left_[2] = {0, 0};
  std::uint64_t order_ = 0;
  PipeCounters counters_[2];
  bool trace_ = false;
};

}  // namespace wirelab::testing

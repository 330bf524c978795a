// A two-endpoint in-memory network with a virtual clock for the QUIC tests: a fixed one-way
// delay, a bottleneck rate (FIFO, unbounded queue) and seeded random loss per datagram. It runs
// the host loop of protocols/core/endpoint.h for both sides; no wall clock, no sockets.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <tuple>
#include <vector>

#include "protocols/core/endpoint.h"
#include "protocols/core/random.h"

namespace wirelab::quic::testing {

class QuicPipe {
 public:
  QuicPipe(Transport& client, Transport& server, std::uint64_t seed, double loss_rate,
           Duration one_way_delay = std::chrono::milliseconds(10), double rate_bps = 100e6)
      : ends_{&client, &server}, random_(seed), loss_rate_(loss_rate), delay_(one_way_delay),
        rate_bps_(rate_bps) {}

  Timestamp now() const { return now_; }
  // Called for every datagram an endpoint emits (before loss), e.g. to write a capture.
  std::function<void(int from_side, Timestamp sent, ByteView datagram)> tap;
  std::uint64_t dropped() const { return dropped_; }

  // Hands `datagram` straight to one side now (for garbage injection).
  void inject(int side, const std::vector<std::uint8_t>& datagram) {
    ends_[side]->on_datagram(now_, datagram);
    pump();
  }

  // Advances virtual time event by event, calling `app` after each, until it returns true or
  // nothing is left to happen or `limit` passes. Returns whether `app` said done.
  bool run_until(const std::function<bool()>& app, Duration limit = std::chrono::seconds(120)) {
    pump();
    const Timestamp end = now_ + limit;
    for (int steps = 0; steps < 20'000'000; ++steps) {
      if (app()) return true;
      pump();
      Timestamp next = kTimeInfinite;
      if (!in_flight_.empty()) next = std::get<0>(in_flight_.begin()->first);
      for (Transport* t : ends_) next = std::min(next, t->next_timeout());
      if (next == kTimeInfinite || next > end) return app();
      now_ = std::max(now_, next);
      while (!in_flight_.empty() && std::get<0>(in_flight_.begin()->first) <= now_) {
        auto it = in_flight_.begin();
        ends_[std::get<2>(it->first)]->on_datagram(now_, it->second);
        in_flight_.erase(it);
      }
      for (Transport* t : ends_)
        if (now_ >= t->next_timeout()) t->on_timeout(now_);
    }
    return false;
  }

  void pump() {
    for (int side = 0; side < 2; ++side) {
      std::vector<std::uint8_t> buffer(ends_[side]->max_datagram_size());
      while (auto n = ends_[side]->poll_transmit(now_, buffer)) {
        if (tap) tap(side, now_, ByteView(buffer.data(), *n));
        const Duration serialization = seconds_to_duration(*n * 8.0 / rate_bps_);
        link_free_[side] = std::max(link_free_[side], now_) + serialization;
        if (random_.bernoulli(loss_rate_)) {
          ++dropped_;
          continue;
        }
        in_flight_.emplace(std::make_tuple(link_free_[side] + delay_, sequence_++, 1 - side),
                           std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + *n));
      }
    }
  }

 private:
  Transport* ends_[2];
  SeededRandom random_;
  double loss_rate_;
  Duration delay_;
  double rate_bps_;
  Timestamp now_ = kTimeZero + std::chrono::seconds(1);
  Timestamp link_free_[2] = {kTimeZero, kTimeZero};
  std::uint64_t sequence_ = 0;
  std::uint64_t dropped_ = 0;
  std::map<std::tuple<Timestamp, std::uint64_t, int>, std::vector<std::uint8_t>> in_flight_;
};

}  // namespace wirelab::quic::testing

// PFS multicast (protocols/multicast) without a network: one sender and N receivers joined by a
// scripted star in virtual time (every datagram goes to all other endpoints after a fixed
// delay: sender -> receiver d, receiver -> receiver 2d, as through a hub), with a drop rule the
// test chooses.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <vector>

#include "protocols/multicast/multicast_receiver.h"
#include "protocols/multicast/multicast_sender.h"
#include "protocols/workloads/bulk_pattern.h"

namespace wirelab::multicast {
namespace {

using std::chrono::milliseconds;

// Endpoint 0 is the sender, 1..N the receivers.
class Star {
 public:
  // drop(from, to, datagram) -> true drops that copy.
  using DropRule = std::function<bool(int from, int to, const Packet& packet)>;

  Star(const MulticastConfig& config, std::uint64_t bytes, int receivers, DropRule drop)
      : pattern_(7), bytes_(bytes), drop_(std::move(drop)) {
    MulticastConfig sc = config;
    sc.receivers = static_cast<std::uint16_t>(receivers);
    sender_ = std::make_unique<MulticastSender>(sc, bytes, [this](std::uint64_t offset, MutableByteView out) {
      pattern_.fill(offset, out);
    });
    for (int i = 0; i < receivers; ++i) {
      MulticastConfig rc = sc;
      rc.receiver_id = static_cast<std::uint16_t>(i);
      receivers_.push_back(std::make_unique<MulticastReceiver>(rc));
      got_.emplace_back();
    }
    one_way_ = config.rtt_hint / 2;
  }

  Endpoint& endpoint(int i) { return i == 0 ? static_cast<Endpoint&>(*sender_) : *receivers_[i - 1]; }
  MulticastSender& sender() { return *sender_; }
  MulticastReceiver& receiver(int i) { return *receivers_[i]; }
  const std::vector<std::uint8_t>& got(int i) const { return got_[i]; }

  // Runs until every receiver finished (true) or `limit` passes (false).
  bool run(Duration limit) {
    const int n = static_cast<int>(receivers_.size()) + 1;
    Timestamp now = kTimeZero;
    for (int i = 0; i < n; ++i) service(i, now);
    while (now < kTimeZero + limit) {
      if (all_finished()) return true;
      Timestamp next = events_.empty() ? kTimeInfinite : events_.top().at;
      for (int i = 0; i < n; ++i) next = std::min(next, endpoint(i).next_timeout());
      if (next == kTimeInfinite) return false;
      now = std::max(now, next);
      std::vector<bool> touched(n, false);
      while (!events_.empty() && events_.top().at <= now) {
        const Event e = events_.top();
        events_.pop();
        endpoint(e.to).on_datagram(now, ByteView(e.bytes));
        touched[e.to] = true;
      }
      for (int i = 0; i < n; ++i)
        if (touched[i] || endpoint(i).next_timeout() <= now) service(i, now);
    }
    return all_finished();
  }

 private:
  struct Event {
    Timestamp at;
    std::uint64_t order;
    int to;
    std::vector<std::uint8_t> bytes;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : order > o.order; }
  };

  bool all_finished() const {
    for (const auto& r : receivers_)
      if (!r->finished()) return false;
    return true;
  }

  void service(int i, Timestamp now) {
    Endpoint& e = endpoint(i);
    if (now >= e.next_timeout()) e.on_timeout(now);
    std::vector<std::uint8_t> buffer(e.max_datagram_size());
    while (auto size = e.poll_transmit(now, MutableByteView(buffer.data(), buffer.size()))) {
      std::vector<std::uint8_t> datagram(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*size));
      const auto packet = parse_packet(ByteView(datagram));
      const int n = static_cast<int>(receivers_.size()) + 1;
      for (int to = 0; to < n; ++to) {
        if (to == i || drop_(i, to, *packet)) continue;
        const Duration delay = (i == 0 || to == 0) ? one_way_ : 2 * one_way_;
        events_.push({now + delay, order_++, to, datagram});
      }
    }
    if (i > 0) {
      std::uint8_t chunk[4096];
      while (std::size_t got = receivers_[i - 1]->read(MutableByteView(chunk, sizeof chunk)))
        got_[i - 1].insert(got_[i - 1].end(), chunk, chunk + got);
    }
  }

  BulkPattern pattern_;
  std::uint64_t bytes_;
  DropRule drop_;
  std::unique_ptr<MulticastSender> sender_;
  std::vector<std::unique_ptr<MulticastReceiver>> receivers_;
  std::vector<std::vector<std::uint8_t>> got_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  std::uint64_t order_ = 0;
  Duration one_way_;
};

MulticastConfig test_config(int m, std::uint64_t seed) {
  MulticastConfig c;
  c.max_datagram_size = 1200;
  c.k = 8;
  c.m = m;
  c.rate_bps = 50e6;
  c.rtt_hint = milliseconds(40);
  c.seed = seed;
  return c;
}

std::vector<std::uint8_t> expected(std::uint64_t bytes) {
  std::vector<std::uint8_t> out(bytes);
  BulkPattern(7).fill(0, MutableByteView(out.data(), out.size()));
  return out;
}

TEST(MulticastPacket, RoundTripsEveryType) {
  Geometry g{10, 2, 100, 1234};
  std::vector<std::uint8_t> buf(200), payload(100, 0xab);
  auto p = parse_packet(ByteView(buf.data(), write_data(g, 12, ByteView(payload.data(), 34), MutableByteView(buf))));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, PacketType::kData);
  EXPECT_EQ(p->seq, 12u);
  EXPECT_EQ(p->payload.size, 34u);  // 1234 - 12 * 100
  EXPECT_TRUE(p->geometry == g);
  p = parse_packet(ByteView(buf.data(), write_parity(g, 1, 1, ByteView(payload), MutableByteView(buf))));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->block, 1u);
  EXPECT_EQ(p->parity_index, 1);
  std::vector<NackEntry> entries = {{3, 2, {0, 5}}, {4, 1, {7}}};
  std::size_t written = 0;
  p = parse_packet(ByteView(buf.data(), write_nack(9, entries, 0, &written, MutableByteView(buf))));
  ASSERT_TRUE(p);
  EXPECT_EQ(written, 2u);
  EXPECT_EQ(p->receiver, 9);
  ASSERT_EQ(p->entries.size(), 2u);
  EXPECT_EQ(p->entries[0].missing, (std::vector<std::uint8_t>{0, 5}));
  EXPECT_EQ(p->entries[1].need, 1);
  // A DATA packet whose payload disagrees with the geometry is rejected, not trusted.
  const std::size_t n = write_data(g, 12, ByteView(payload.data(), 35), MutableByteView(buf));
  EXPECT_FALSE(parse_packet(ByteView(buf.data(), n)));
}

TEST(Multicast, LosslessDeliversEveryByteToEveryReceiver) {
  const std::uint64_t bytes = 100000 + 7;  // a short last packet and a short last block
  Star star(test_config(0, 1), bytes, 4, [](int, int, const Packet&) { return false; });
  ASSERT_TRUE(star.run(std::chrono::seconds(5)));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(star.got(i), expected(bytes)) << "receiver " << i;
  EXPECT_EQ(star.sender().stats().repair_bytes_sent, 0u);
  EXPECT_EQ(star.sender().stats().nacks_received, 0u);
}

// The same packet lost at all N receivers: their NACKs cancel each other (one RTT apart at most
// through the hub, inside a 2-RTT back-off), the sender merges what still comes, and ONE
// retransmission repairs everyone.
TEST(Multicast, SameLossAtEveryReceiverCausesOneRepair) {
  constexpr int kReceivers = 8;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const std::uint64_t bytes = 50 * 1182;
    bool dropped_once = false;
    Star star(test_config(0, seed), bytes, kReceivers, [&](int from, int to, const Packet& p) {
      const bool victim = from == 0 && p.type == PacketType::kData && p.seq == 20 &&
                          star.sender().stats().retransmitted_packets == 0;
      if (victim && to == kReceivers) dropped_once = true;
      return victim && to > 0;
    });
    ASSERT_TRUE(star.run(std::chrono::seconds(5))) << "seed " << seed;
    ASSERT_TRUE(dropped_once);
    std::uint64_t nacks = 0, suppressed = 0;
    for (int i = 0; i < kReceivers; ++i) {
      EXPECT_EQ(star.got(i), expected(bytes)) << "seed " << seed << " receiver " << i;
      nacks += star.receiver(i).stats().nack_entries_sent;
      suppressed += star.receiver(i).stats().nacks_suppressed;
    }
    EXPECT_EQ(star.sender().stats().retransmitted_packets, 1u) << "seed " << seed;
    EXPECT_EQ(star.sender().stats().repair_rounds, 1u) << "seed " << seed;
    // Every receiver either asked or stood down for another's NACK, and some stood down.
    EXPECT_EQ(nacks + suppressed, static_cast<std::uint64_t>(kReceivers)) << "seed " << seed;
    EXPECT_LT(nacks, static_cast<std::uint64_t>(kReceivers)) << "seed " << seed;
  }
}

// Different packets of one block lost at different receivers: with rs(8, 2), one parity shard
// repairs each of them (the sender sends max(need) = 1 shard, not one retransmission each).
TEST(Multicast, OneParityShardRepairsDifferentLossesAtDifferentReceivers) {
  const std::uint64_t bytes = 64 * 1182;
  Star star(test_config(2, 3), bytes, 4, [&](int from, int to, const Packet& p) {
    // Receiver r (endpoint r + 1) loses packet 8 + r of block 1 on its first transmission.
    return from == 0 && to > 0 && p.type == PacketType::kData && p.seq == static_cast<std::uint32_t>(8 + to - 1) &&
           star.sender().stats().data_packets_sent <= 16;
  });
  ASSERT_TRUE(star.run(std::chrono::seconds(5)));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(star.got(i), expected(bytes)) << "receiver " << i;
  EXPECT_EQ(star.sender().stats().parity_packets_sent, 1u);
  EXPECT_EQ(star.sender().stats().retransmitted_packets, 0u);
  std::uint64_t rebuilt = 0;
  for (int i = 0; i < 4; ++i) rebuilt += star.receiver(i).stats().blocks_rebuilt;
  EXPECT_EQ(rebuilt, 4u);
}

// Random independent loss at every receiver, repairs and NACKs included: everyone completes
// with the exact content, whatever the mix of parity and retransmission.
TEST(Multicast, RandomLossCompletesExactly) {
  for (int m : {0, 2}) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      SeededRandom loss(seed * 31 + m);
      const std::uint64_t bytes = 300000;
      Star star(test_config(m, seed), bytes, 6, [&](int, int, const Packet&) { return loss.bernoulli(0.05); });
      ASSERT_TRUE(star.run(std::chrono::seconds(30))) << "m " << m << " seed " << seed;
      for (int i = 0; i < 6; ++i) EXPECT_EQ(star.got(i), expected(bytes)) << "m " << m << " seed " << seed;
    }
  }
}

// A long transfer with loss at every receiver, so nearly every block is repaired with parity,
// through a parity cache of 8 blocks: the sender's cache never holds more than its limit, it
// evicts and encodes evicted blocks again when they are asked for again, the NACK holdoff state
// stays at what a few RTTs touch, and every receiver still gets every byte exactly once.
TEST(Multicast, ParityCacheStaysBoundedOverALongLossyTransfer) {
  constexpr int kReceivers = 4;
  const std::uint64_t seed = 5;
  MulticastConfig config = test_config(2, seed);
  const std::size_t block_parity_bytes = 2 * config.shard_len();
  config.parity_cache_bytes = 8 * block_parity_bytes;
  const std::uint64_t bytes = 4'000'000;  // 3385 packets, 424 blocks of 8
  SeededRandom loss(seed);
  std::size_t most_recent_repairs = 0;
  Star star(config, bytes, kReceivers, [&](int, int, const Packet&) {
    most_recent_repairs = std::max(most_recent_repairs, star.sender().recent_repairs());
    EXPECT_LE(star.sender().parity_cache_bytes(), config.parity_cache_bytes);
    return loss.bernoulli(0.05);
  });
  ASSERT_TRUE(star.run(std::chrono::seconds(60))) << "seed " << seed;
  for (int i = 0; i < kReceivers; ++i) EXPECT_EQ(star.got(i), expected(bytes)) << "receiver " << i;
  const SenderStats& s = star.sender().stats();
  const std::uint64_t blocks = star.sender().geometry().blocks();
  // P(a block of 8 arrives whole at all 4 receivers) = 0.95^32 = 0.19: most blocks need parity.
  EXPECT_GT(s.parity_blocks_encoded, blocks / 2);
  EXPECT_LE(s.parity_cache_peak_bytes, config.parity_cache_bytes);
  EXPECT_GT(s.parity_cache_evictions, blocks / 4);
  // Second rounds for a block come 2 RTTs after the first, when 8 blocks' parity is long gone.
  EXPECT_GT(s.parity_reencoded, 0u);
  EXPECT_LE(s.parity_blocks_encoded, s.parity_cache_evictions + 8);
  // Holdoff is RTT + window: at 50 Mbit/s the sender sends ~10 blocks per RTT.
  EXPECT_LT(most_recent_repairs, 64u);
}

}  // namespace
}  // namespace wirelab::multicast

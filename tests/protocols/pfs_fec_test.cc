// PFS with FEC (docs/protocols/pfs-fec.md): repair packets rebuild lost packets so ARQ does not
// resend them; what FEC cannot rebuild ARQ still repairs; bytes arrive exactly once in order
// whatever is lost, repairs included; interleaving spreads a burst over several blocks.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "protocols/pfs/fec_block_decoder.h"
#include "protocols/pfs/fec_block_encoder.h"
#include "tests/protocols/bulk_transfer.h"

namespace wirelab::testing {
namespace {

using Bytes = std::vector<std::uint8_t>;

PipeLink lossy(double loss, Duration delay = std::chrono::milliseconds(25)) {
  PipeLink l;
  l.rate_bps = 20e6;
  l.queue_packets = 1000;  // large: the link's own loss is the only loss
  l.delay = delay;
  l.faults.loss = loss;
  return l;
}

pfs::PfsConfig with_fec(int k, int m, std::uint32_t interleave = 1) {
  pfs::PfsConfig c;
  c.fec = fec::RsParams{k, m};
  c.fec_interleave = interleave;
  c.idle_timeout = std::chrono::seconds(3600);
  return c;
}

TEST(PfsFecFrames, RepairFrameRoundTripsAndMalformedOnesAreRefused) {
  const Bytes shard = {0, 3, 9, 8, 7, 0};
  pfs::FecRepairFrame f;
  f.block_id = 70000;
  f.k = 10;
  f.m = 2;
  f.index = 1;
  f.source_packets = {5, 7, 9, 300};
  f.shard = ByteView(shard.data(), shard.size());
  Bytes buf(256);
  pfs::ByteWriter w(MutableByteView(buf.data(), buf.size()));
  ASSERT_TRUE(pfs::encode_frame(f, w));
  EXPECT_EQ(w.size(), pfs::encoded_size(f));
  // The bound the sender reserves holds for this frame (shard aside).
  EXPECT_LE(w.size() - shard.size(), pfs::fec_repair_overhead(10));
  std::vector<pfs::Frame> frames;
  ASSERT_TRUE(pfs::decode_frames(ByteView(buf.data(), w.size()), frames));
  ASSERT_EQ(frames.size(), 1u);
  const auto& g = std::get<pfs::FecRepairFrame>(frames[0]);
  EXPECT_EQ(g.block_id, 70000u);
  EXPECT_EQ(g.index, 1);
  EXPECT_EQ(g.source_packets, f.source_packets);
  EXPECT_EQ(Bytes(g.shard.begin(), g.shard.end()), shard);
  // index >= m, more sources than k, truncated shard: all refused whole.
  for (std::size_t cut = 1; cut < w.size(); ++cut) {
    std::vector<pfs::Frame> none;
    EXPECT_FALSE(pfs::decode_frames(ByteView(buf.data(), cut), none)) << cut;
  }
  Bytes bad(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w.size()));
  bad[1 + 4 + 2] = 2;  // index = m
  std::vector<pfs::Frame> none;
  EXPECT_FALSE(pfs::decode_frames(ByteView(bad.data(), bad.size()), none));
}

// The block coder alone: sources of varying size, some lost, rebuilt byte for byte; a short
// (flushed) block decodes with its absent sources as zeros.
TEST(PfsFecBlocks, LostSourcesAreRebuiltExactly) {
  SeededRandom r(5);
  for (const std::size_t count : {10u, 3u}) {
    pfs::FecBlockEncoder enc(1);
    enc.set_params({10, 2});
    std::vector<Bytes> payloads;
    for (std::size_t i = 0; i < count; ++i) {
      Bytes p(1 + r.below(1400));
      for (auto& b : p) b = static_cast<std::uint8_t>(r.next_u64());
      payloads.push_back(p);
      EXPECT_EQ(enc.add_source(100 + 2 * i, ByteView(p.data(), p.size())), 0u);
    }
    if (count < 10) {
      EXPECT_TRUE(enc.has_open_sources());
      EXPECT_FALSE(enc.has_repair());
      enc.flush();
    }
    ASSERT_TRUE(enc.has_repair());
    ASSERT_TRUE(enc.guard(0)->pending);
    std::vector<pfs::FecRepairFrame> repairs;
    std::vector<Bytes> shards;
    while (enc.has_repair()) {
      const auto f = enc.next_repair();
      shards.emplace_back(f.shard.begin(), f.shard.end());
      repairs.push_back(f);
      enc.on_repair_sent(1000 + repairs.size(), Timestamp{} + std::chrono::milliseconds(repairs.size()), 1);
    }
    ASSERT_EQ(repairs.size(), 2u);
    EXPECT_FALSE(enc.guard(0)->pending);
    EXPECT_EQ(enc.guard(0)->last_repair_pn, 1002u);

    pfs::FecBlockDecoder dec;
    std::vector<pfs::RecoveredPacket> out;
    const std::set<std::size_t> lost = {0, count - 1};
    for (std::size_t i = 0; i < count; ++i)
      if (!lost.count(i)) dec.on_source(100 + 2 * i, ByteView(payloads[i].data(), payloads[i].size()), out);
    EXPECT_TRUE(out.empty());
    for (std::size_t j = 0; j < 2; ++j) {
      repairs[j].shard = ByteView(shards[j].data(), shards[j].size());
      dec.on_repair(repairs[j], out);
    }
    ASSERT_EQ(out.size(), lost.size()) << count;
    for (const auto& rec : out) {
      const std::size_t i = (rec.packet_number - 100) / 2;
      EXPECT_TRUE(lost.count(i));
      EXPECT_EQ(rec.payload, payloads[i]);
    }
    EXPECT_EQ(dec.recovered_total(), lost.size());
  }
}

TEST(PfsFecBlocks, InterleavedGroupsRoundRobinAndSendRepairsIndexMajor) {
  pfs::FecBlockEncoder enc(3);
  enc.set_params({2, 2});
  const Bytes p(10, 1);
  std::vector<std::uint64_t> blocks;
  for (std::uint64_t pn = 0; pn < 6; ++pn) blocks.push_back(enc.add_source(pn, ByteView(p.data(), p.size())));
  EXPECT_EQ(blocks, (std::vector<std::uint64_t>{0, 1, 2, 0, 1, 2}));
  std::vector<std::pair<std::uint64_t, int>> order;
  while (enc.has_repair()) {
    const auto f = enc.next_repair();
    order.push_back({f.block_id, f.index});
    EXPECT_EQ(f.source_packets, (std::vector<std::uint64_t>{f.block_id, f.block_id + 3}));
    enc.on_repair_sent(100, Timestamp{}, 1);
  }
  EXPECT_EQ(order, (std::vector<std::pair<std::uint64_t, int>>{{0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1}, {2, 1}}));
}

TEST(PfsFec, RepairReplacesMostRetransmissionsAtFivePercentLoss) {
  const std::uint64_t bytes = 4'000'000;
  const auto plain = run_bulk(with_fec(0, 0), lossy(0.05), lossy(0), bytes, 11);
  const auto coded = run_bulk(with_fec(10, 2), lossy(0.05), lossy(0), bytes, 11);
  ASSERT_TRUE(plain.finished && plain.integrity_ok);
  ASSERT_TRUE(coded.finished && coded.integrity_ok) << coded.client_closed << coded.server_closed;
  EXPECT_EQ(plain.server.fec_recovered_packets, 0u);
  EXPECT_EQ(plain.client.fec_repair_bytes, 0u);
  // A lost source is rebuilt unless 2 more of its block's other 11 shards are lost too
  // (P = 10 % at 5 % loss); sources are 10 of every 12 packets dropped.
  EXPECT_GT(coded.server.fec_recovered_packets, 0.7 * coded.forward.dropped_loss * 10 / 12);
  EXPECT_LT(coded.client.retransmitted_bytes, plain.client.retransmitted_bytes / 4)
      << coded.client.retransmitted_bytes << " vs " << plain.client.retransmitted_bytes;
  // Two repairs per ten sources: repair bytes are ~20 % of the stream (more for flushed blocks).
  const double ratio = static_cast<double>(coded.client.fec_repair_bytes) / static_cast<double>(bytes);
  EXPECT_GT(ratio, 0.18);
  EXPECT_LT(ratio, 0.26);
  // The sender hears of the rebuilt losses (not as congestion), and counts them with the lost
  // repairs.
  EXPECT_GT(coded.client.fec_loss_signal, 0.9 * coded.server.fec_recovered_packets);
  EXPECT_LE(coded.client.fec_loss_signal, coded.server.fec_recovered_packets + coded.forward.dropped_loss);
  EXPECT_LT(coded.client.packets_lost, plain.client.packets_lost);
}

TEST(PfsFec, RepairedLossesDoNotShrinkALossBasedWindow) {
  // Cubic at 5 % loss and 50 ms RTT moves ~1 Mbit/s (Mathis); with the losses FEC repairs kept
  // from it, only the ~0.5 % FEC cannot repair are congestion signals.
  pfs::PfsConfig plain = with_fec(0, 0), coded = with_fec(10, 2);
  plain.cc = coded.cc = pfs::CcAlgorithm::kCubic;
  const auto a = run_bulk(plain, lossy(0.05), lossy(0), 2'000'000, 4);
  const auto b = run_bulk(coded, lossy(0.05), lossy(0), 2'000'000, 4);
  ASSERT_TRUE(a.integrity_ok && b.integrity_ok);
  EXPECT_GT(b.goodput_bps(), 2.5 * a.goodput_bps()) << b.goodput_bps() << " vs " << a.goodput_bps();
}

TEST(PfsFec, InterleavingSpreadsBurstsOverBlocks) {
  PipeLink bursty = lossy(0);
  bursty.faults.burst_start = 0.01;
  bursty.faults.burst_length = 3;  // 4 consecutive datagrams lost
  const auto flat = run_bulk(with_fec(10, 2, 1), bursty, lossy(0), 4'000'000, 21);
  const auto spread = run_bulk(with_fec(10, 2, 4), bursty, lossy(0), 4'000'000, 21);
  ASSERT_TRUE(flat.integrity_ok && spread.integrity_ok);
  // Depth 4 puts a 4-packet burst one per block: every loss can be rebuilt. Depth 1 puts it in
  // one or two blocks, beyond m = 2.
  EXPECT_GT(spread.server.fec_recovered_packets, 1.5 * flat.server.fec_recovered_packets)
      << spread.server.fec_recovered_packets << " vs " << flat.server.fec_recovered_packets;
  EXPECT_LT(spread.client.retransmitted_bytes, flat.client.retransmitted_bytes / 2);
}

// Exactly once, in order, whatever is lost (sources, repairs, ACKs), duplicated or reordered,
// for several codes and depths: a rebuilt packet that ARQ also resent is delivered once.
TEST(PfsFec, ExactlyOnceInOrderUnderRandomFaultSchedules) {
  auto check = [](std::uint64_t seed) {
    SeededRandom r(seed * 104729 + 3);
    const int k = 1 + static_cast<int>(r.below(16)), m = 1 + static_cast<int>(r.below(4));
    pfs::PfsConfig config = with_fec(k, m, 1 + static_cast<std::uint32_t>(r.below(6)));
    config.cc = static_cast<pfs::CcAlgorithm>(r.below(4));
    PipeLink links[2];
    for (PipeLink& l : links) {
      l.delay = std::chrono::microseconds(100 + r.below(40000));
      l.rate_bps = r.bernoulli(0.5) ? 2e6 + r.uniform() * 40e6 : 0;
      l.queue_packets = 5 + r.below(100);
      l.faults.loss = r.uniform() * 0.25;
      // Bursts as harsh as PfsDelivery's: longer ones on the ACK path black out probes for
      // hours of backed-off timeouts, which is not what this test is about.
      if (r.bernoulli(0.3)) {
        l.faults.burst_start = r.uniform() * 0.02;
        l.faults.burst_length = 1 + static_cast<std::uint32_t>(r.below(8));
      }
      l.faults.duplicate = r.bernoulli(0.3) ? r.uniform() * 0.1 : 0;
      if (r.bernoulli(0.4)) {
        l.faults.reorder = r.uniform() * 0.2;
        l.faults.reorder_delay = std::chrono::microseconds(r.below(20000));
      }
    }
    const std::uint64_t bytes = 1 + r.below(200000);
    const auto out = run_bulk(config, links[0], links[1], bytes, seed, std::chrono::seconds(3600));
    std::ostringstream what;
    what << "seed " << seed << " rs(" << k << "," << m << ") interleave " << config.fec_interleave << " bytes "
         << bytes << " loss " << links[0].faults.loss << " burst " << links[0].faults.burst_start << "x"
         << links[0].faults.burst_length << "; replay with WIRELAB_PIPE_SEED=" << seed;
    EXPECT_TRUE(out.finished) << what.str() << " client " << out.client_closed << " server " << out.server_closed;
    EXPECT_TRUE(out.integrity_ok) << what.str();
    return std::make_pair(out.server.fec_recovered_packets, out.client.retransmitted_bytes);
  };
  if (const char* replay = std::getenv("WIRELAB_PIPE_SEED")) {
    check(std::strtoull(replay, nullptr, 10));
    return;
  }
  std::uint64_t both = 0;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    const auto [recovered, retransmitted] = check(seed);
    both += recovered > 0 && retransmitted > 0;
    if (HasFailure()) return;
  }
  // The schedules do exercise FEC and ARQ together.
  EXPECT_GT(both, 100u);
}

TEST(PfsFec, ShortFlowsAreCoveredByFlushedBlocks) {
  // 20 kB is 15 packets: one full block and one flushed short block. FEC must rebuild the tail
  // rather than leave it to a retransmission timeout.
  std::uint64_t recovered = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const auto out = run_bulk(with_fec(10, 2), lossy(0.05), lossy(0), 20000, seed);
    ASSERT_TRUE(out.finished && out.integrity_ok) << seed;
    recovered += out.server.fec_recovered_packets;
  }
  EXPECT_GT(recovered, 10u);
}

}  // namespace
}  // namespace wirelab::testing

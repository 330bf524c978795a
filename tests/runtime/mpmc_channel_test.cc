// MpmcChannel: FIFO and bounds single-threaded, batch claims, and multi-producer multi-consumer
// stress runs that check every item is delivered exactly once and each producer's items stay in
// order as seen by any one consumer.
#include "protocols/runtime/mpmc_channel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace wirelab::runtime {
namespace {

TEST(MpmcChannel, FifoAndBoundedSingleThreaded) {
  MpmcChannel<int> channel(3);
  EXPECT_EQ(channel.capacity(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(channel.try_push(i));
  EXPECT_FALSE(channel.try_push(4));
  EXPECT_EQ(channel.size_approx(), 4u);
  int out = -1;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(channel.try_pop(out));
    EXPECT_EQ(out, i);
  }
  EXPECT_FALSE(channel.try_pop(out));
}

TEST(MpmcChannel, BatchesClaimRunsAndStopAtBounds) {
  MpmcChannel<int> channel(8);
  int in[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(channel.try_push_batch(in, 5), 5u);
  EXPECT_EQ(channel.try_push_batch(in + 5, 5), 3u);
  EXPECT_EQ(channel.try_push_batch(in, 1), 0u);
  int out[10] = {};
  EXPECT_EQ(channel.try_pop_batch(out, 6), 6u);
  EXPECT_EQ(out[5], 5);
  EXPECT_EQ(channel.try_pop_batch(out, 10), 2u);
  EXPECT_EQ(out[1], 7);
  EXPECT_EQ(channel.try_pop_batch(out, 10), 0u);
  // After wrapping, a batch still sees the right sequence numbers.
  EXPECT_EQ(channel.try_push_batch(in, 7), 7u);
  EXPECT_EQ(channel.try_pop_batch(out, 10), 7u);
  EXPECT_EQ(out[6], 6);
}

TEST(MpmcChannel, DestroysItemsLeftInIt) {
  auto token = std::make_shared<int>(1);
  {
    MpmcChannel<std::shared_ptr<int>> channel(4);
    channel.try_push(token);
    channel.try_push(token);
    EXPECT_EQ(token.use_count(), 3);
  }
  EXPECT_EQ(token.use_count(), 1);
}

// Items encode (producer, sequence). Each consumer checks per-producer order; the union is
// checked for exactly-once delivery.
void run_stress(int producers, int consumers, std::uint64_t per_producer, bool batches) {
  MpmcChannel<std::uint64_t> channel(256);
  std::vector<std::atomic<std::uint32_t>> seen(static_cast<std::size_t>(producers) * per_producer);
  std::atomic<std::uint64_t> consumed{0};
  const std::uint64_t total = static_cast<std::uint64_t>(producers) * per_producer;
  std::atomic<bool> order_ok{true};

  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      std::uint64_t buffer[8];
      std::uint64_t next = 0;
      while (next < per_producer) {
        if (batches) {
          std::size_t n = 0;
          while (n < 8 && next + n < per_producer) {
            buffer[n] = (static_cast<std::uint64_t>(p) << 40) | (next + n);
            ++n;
          }
          next += channel.try_push_batch(buffer, n);
        } else if (channel.try_push((static_cast<std::uint64_t>(p) << 40) | next)) {
          ++next;
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&] {
      std::vector<std::int64_t> last(static_cast<std::size_t>(producers), -1);
      std::uint64_t buffer[8];
      while (consumed.load(std::memory_order_relaxed) < total) {
        std::size_t n = batches ? channel.try_pop_batch(buffer, 8) : channel.try_pop(buffer[0]);
        if (n == 0) {
          std::this_thread::yield();
          continue;
        }
        for (std::size_t i = 0; i < n; ++i) {
          const auto producer = static_cast<std::size_t>(buffer[i] >> 40);
          const auto sequence = static_cast<std::int64_t>(buffer[i] & ((1ULL << 40) - 1));
          if (sequence <= last[producer]) order_ok = false;
          last[producer] = sequence;
          seen[producer * per_producer + static_cast<std::size_t>(sequence)].fetch_add(1);
        }
        consumed.fetch_add(n, std::memory_order_relaxed);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(order_ok.load()) << "a consumer saw one producer's items out of order";
  EXPECT_EQ(consumed.load(), total);
  std::uint64_t wrong = 0;
  for (auto& count : seen) wrong += count.load() != 1;
  EXPECT_EQ(wrong, 0u) << "items lost or duplicated";
}

TEST(MpmcChannel, TwoProducersTwoConsumersExactlyOnce) { run_stress(2, 2, 200'000, false); }
TEST(MpmcChannel, FourProducersThreeConsumersBatchedExactlyOnce) { run_stress(4, 3, 100'000, true); }

}  // namespace
}  // namespace wirelab::runtime

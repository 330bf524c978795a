// SpscChannel: FIFO, bounds, batch edges, item lifetimes, and a two-thread stress run that checks
// every item arrives once and in order.
#include "protocols/runtime/spsc_channel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace wirelab::runtime {
namespace {

TEST(SpscChannel, RoundsCapacityUpAndHoldsExactlyThatMany) {
  SpscChannel<int> channel(5);
  EXPECT_EQ(channel.capacity(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(channel.try_push(i));
  EXPECT_FALSE(channel.try_push(99));
  int out = -1;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(channel.try_pop(out));
    EXPECT_EQ(out, i);
  }
  EXPECT_FALSE(channel.try_pop(out));
}

TEST(SpscChannel, WrapsAroundManyLaps) {
  SpscChannel<std::uint64_t> channel(4);
  std::uint64_t out = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    ASSERT_TRUE(channel.try_push(i));
    if (i % 3 == 2) {
      while (channel.try_pop(out)) {
      }
      EXPECT_EQ(out, i);
    }
  }
}

TEST(SpscChannel, BatchesStopAtFullAndEmpty) {
  SpscChannel<int> channel(8);
  std::vector<int> in{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(channel.try_push_batch(in.data(), in.size()), 8u);
  EXPECT_EQ(channel.try_push_batch(in.data(), 1), 0u);
  std::vector<int> out(16, 0);
  EXPECT_EQ(channel.try_pop_batch(out.data(), 3), 3u);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[2], 3);
  EXPECT_EQ(channel.try_pop_batch(out.data(), 16), 5u);
  EXPECT_EQ(out[4], 8);
  EXPECT_EQ(channel.try_pop_batch(out.data(), 16), 0u);
}

TEST(SpscChannel, MovesOnlyTypesAndDestroysWhatIsLeft) {
  auto counter = std::make_shared<int>(0);
  {
    SpscChannel<std::shared_ptr<int>> channel(4);
    EXPECT_TRUE(channel.try_push(counter));
    EXPECT_TRUE(channel.try_push(counter));
    EXPECT_EQ(counter.use_count(), 3);
    std::shared_ptr<int> out;
    EXPECT_TRUE(channel.try_pop(out));
    out.reset();
    EXPECT_EQ(counter.use_count(), 2);
  }
  EXPECT_EQ(counter.use_count(), 1);  // the channel's destructor released the item left in it

  SpscChannel<std::unique_ptr<int>> owning(2);
  EXPECT_TRUE(owning.try_push(std::make_unique<int>(7)));
  std::unique_ptr<int> got;
  ASSERT_TRUE(owning.try_pop(got));
  EXPECT_EQ(*got, 7);
}

TEST(SpscChannel, TwoThreadsDeliverEveryItemOnceInOrder) {
  constexpr std::uint64_t kItems = 2'000'000;
  SpscChannel<std::uint64_t> channel(1024);
  std::thread producer([&] {
    std::uint64_t batch[16];
    std::uint64_t next = 0;
    while (next < kItems) {
      if (next % 3 == 0) {
        std::size_t n = 0;
        while (n < 16 && next + n < kItems) batch[n] = next + n, ++n;
        next += channel.try_push_batch(batch, n);
      } else if (channel.try_push(next)) {
        ++next;
      }
    }
  });
  std::uint64_t expected = 0;
  std::uint64_t out[32];
  while (expected < kItems) {
    const std::size_t n = channel.try_pop_batch(out, 32);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_EQ(out[i], expected) << "item out of order or lost";
      ++expected;
    }
  }
  producer.join();
  EXPECT_TRUE(channel.empty_approx());
}

}  // namespace
}  // namespace wirelab::runtime

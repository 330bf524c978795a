// Backpressure: each overflow policy does what it says, and the upstream signal has hysteresis.
#include "protocols/runtime/backpressure.h"

#include <gtest/gtest.h>

#include <vector>

namespace wirelab::runtime {
namespace {

TEST(BoundedQueue, BlockLeavesTheItemWithTheProducer) {
  BoundedQueue<int> queue(2, OverflowPolicy::block, 2, 1);
  int a = 1, b = 2, c = 3;
  EXPECT_EQ(queue.offer(a), OfferOutcome::accepted);
  EXPECT_EQ(queue.offer(b), OfferOutcome::accepted);
  EXPECT_EQ(queue.offer(c), OfferOutcome::would_block);
  EXPECT_EQ(c, 3);
  EXPECT_EQ(*queue.poll(), 1);
  EXPECT_EQ(queue.offer(c), OfferOutcome::accepted);
  EXPECT_EQ(*queue.poll(), 2);
  EXPECT_EQ(*queue.poll(), 3);
  EXPECT_FALSE(queue.poll());
}

TEST(BoundedQueue, RejectRefusesTheNewItem) {
  BoundedQueue<int> queue(1, OverflowPolicy::reject, 1, 0);
  int a = 1, b = 2;
  EXPECT_EQ(queue.offer(a), OfferOutcome::accepted);
  EXPECT_EQ(queue.offer(b), OfferOutcome::rejected);
  EXPECT_EQ(queue.rejected(), 1u);
  EXPECT_EQ(*queue.poll(), 1);
}

TEST(BoundedQueue, ShedOldestDropsTheHeadAndHandsItBack) {
  BoundedQueue<int> queue(3, OverflowPolicy::shed_oldest, 3, 1);
  std::optional<int> shed;
  for (int i = 0; i < 5; ++i) {
    int item = i;
    const auto outcome = queue.offer(item, &shed);
    EXPECT_EQ(outcome, i < 3 ? OfferOutcome::accepted : OfferOutcome::accepted_after_shedding);
  }
  EXPECT_EQ(shed, 1);
  EXPECT_EQ(queue.shed(), 2u);
  EXPECT_EQ(*queue.poll(), 2);
  EXPECT_EQ(*queue.poll(), 3);
  EXPECT_EQ(*queue.poll(), 4);
}

TEST(PressureSignal, RaisesAtHighClearsOnlyAtLow) {
  std::vector<bool> signals;
  PressureSignal signal(8, 2, [&](bool raised) { signals.push_back(raised); });
  for (std::size_t depth : {1, 5, 7, 8, 9, 7, 5, 8, 3, 2, 1, 8}) signal.observe(depth);
  EXPECT_EQ(signals, (std::vector<bool>{true, false, true}));
  EXPECT_TRUE(signal.raised());
  EXPECT_EQ(signal.times_raised(), 2u);
  EXPECT_THROW(PressureSignal(4, 4), std::invalid_argument);
}

TEST(BoundedQueue, SignalsUpstreamAsItFillsAndDrains) {
  BoundedQueue<int> queue(10, OverflowPolicy::block, 8, 3);
  int raised = 0, cleared = 0;
  queue.pressure().set_listener([&](bool on) { (on ? raised : cleared)++; });
  for (int i = 0; i < 10; ++i) {
    int item = i;
    queue.offer(item);
  }
  EXPECT_EQ(raised, 1);
  while (queue.size() > 4) queue.poll();
  EXPECT_EQ(cleared, 0);
  queue.poll();
  EXPECT_EQ(cleared, 1);
}

}  // namespace
}  // namespace wirelab::runtime

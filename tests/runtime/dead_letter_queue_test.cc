// DeadLetterQueue: FIFO, bounded with the oldest dropped, counts per reason kept across drops.
#include "protocols/runtime/dead_letter_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace wirelab::runtime {
namespace {

TEST(DeadLetterQueue, KeepsNewestLettersAndCountsEveryReason) {
  DeadLetterQueue<std::string> queue(3);
  queue.put({"a", DeadLetterReason::rejected, 0, kTimeZero, ""});
  queue.put({"b", DeadLetterReason::shed, 1, kTimeZero, ""});
  queue.put({"c", DeadLetterReason::handler_failed, 1, kTimeZero, "boom"});
  queue.put({"d", DeadLetterReason::shed, 2, kTimeZero, ""});
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.dropped(), 1u);
  EXPECT_EQ(queue.total(), 4u);
  EXPECT_EQ(queue.count(DeadLetterReason::shed), 2u);
  EXPECT_EQ(queue.count(DeadLetterReason::rejected), 1u);
  auto first = queue.take();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->message, "b");
  const auto rest = queue.drain();
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].detail, "boom");
  EXPECT_EQ(rest[1].worker, 2u);
  EXPECT_FALSE(queue.take());
  EXPECT_STREQ(to_string(DeadLetterReason::retries_exhausted), "retries_exhausted");
}

}  // namespace
}  // namespace wirelab::runtime

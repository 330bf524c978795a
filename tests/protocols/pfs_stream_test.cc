// PFS stream halves written and read in place (SendStream::space/commit, RecvStream::peek/consume):
// the bytes a sender fills in its ring are the bytes it sends, across the ring's wrap, and a
// receiver sees exactly the in-order bytes and the end only once everything before it is there.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "protocols/pfs/stream.h"

namespace wirelab::pfs {
namespace {

std::vector<std::uint8_t> numbered(std::uint64_t offset, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((offset + i) * 131 + 7);
  return v;
}

TEST(PfsSendStream, InPlaceWritesWrapTheRingAndSendWhatWasFilled) {
  constexpr std::uint64_t kLimit = 64 * 1024;  // the ring's first size: 64 KB
  SendStream s;
  ASSERT_EQ(s.write(ByteView(numbered(0, 48 * 1024)), false, kLimit), 48u * 1024);
  s.on_chunk_sent({0, 48 * 1024, false, false});
  s.on_acked(0, 40 * 1024, false);  // the ring's head moves to 40 KB; 8 KB held

  // 56 KB of room, but only 16 KB of it lie before the ring's end.
  MutableByteView first = s.space(1 << 20, kLimit);
  ASSERT_EQ(first.size, 16u * 1024);
  const auto a = numbered(48 * 1024, first.size);
  std::copy(a.begin(), a.end(), first.data);
  s.commit(first.size, false);
  MutableByteView second = s.space(1 << 20, kLimit);
  ASSERT_EQ(second.size, 40u * 1024);  // from the ring's start up to the head
  const auto b = numbered(64 * 1024, second.size);
  std::copy(b.begin(), b.end(), second.data);
  s.commit(second.size, true);
  EXPECT_EQ(s.space(1, kLimit).size, 0u) << "a full (and finished) buffer offers no room";
  EXPECT_EQ(s.write(ByteView(a), false, kLimit), 0u);

  std::vector<std::uint8_t> out(s.buffered());
  s.copy(40 * 1024, out.size(), out.data());
  EXPECT_EQ(out, numbered(40 * 1024, out.size()));
  const auto chunk = s.next_chunk(1 << 20, 1ull << 40, 1ull << 40);
  ASSERT_TRUE(chunk);
  EXPECT_EQ(chunk->offset, 48u * 1024);
  EXPECT_EQ(chunk->length, 56u * 1024);
  EXPECT_TRUE(chunk->fin);
}

TEST(PfsSendStream, InPlaceRoomStopsAtTheBufferLimit) {
  SendStream s;
  MutableByteView room = s.space(100000, 30000);
  EXPECT_EQ(room.size, 30000u);
  s.commit(30000, false);
  EXPECT_EQ(s.space(100000, 30000).size, 0u);
  EXPECT_EQ(s.buffered(), 30000u);
}

TEST(PfsSendStream, CommitTakesNoMoreThanWasOfferedAndNothingAfterTheEnd) {
  SendStream s;
  ASSERT_EQ(s.space(1000, 1 << 20).size, 1000u);
  s.commit(5000, false);  // more than offered: only the 1000 bytes that exist
  EXPECT_EQ(s.buffered(), 1000u);
  s.commit(10, false);  // nothing offered since
  EXPECT_EQ(s.buffered(), 1000u);
  ASSERT_EQ(s.space(10, 1 << 20).size, 10u);
  s.commit(10, true);
  ASSERT_EQ(s.space(10, 1 << 20).size, 0u);
  s.commit(10, false);
  EXPECT_EQ(s.buffered(), 1010u);
  EXPECT_TRUE(s.fin_written());
}

TEST(PfsRecvStream, PeekShowsInOrderBytesAndTheEndOnlyWhenItIsNext) {
  RecvStream r;
  const auto all = numbered(0, 300);
  ASSERT_TRUE(r.on_frame(200, ByteView(all.data() + 200, 100), true));
  bool fin = true;
  EXPECT_EQ(r.peek(&fin).size, 0u) << "nothing is in order yet";
  EXPECT_FALSE(fin);
  ASSERT_TRUE(r.on_frame(0, ByteView(all.data(), 100), false));
  ByteView ready = r.peek(&fin);
  ASSERT_EQ(ready.size, 100u);
  EXPECT_FALSE(fin) << "bytes 100..200 are missing, so the end is not next";
  r.consume(60);
  ASSERT_TRUE(r.on_frame(100, ByteView(all.data() + 100, 100), false));
  ready = r.peek(&fin);
  ASSERT_EQ(ready.size, 240u);
  EXPECT_TRUE(fin);
  EXPECT_EQ(std::vector<std::uint8_t>(ready.data, ready.data + ready.size),
            std::vector<std::uint8_t>(all.begin() + 60, all.end()));
  r.consume(200);
  EXPECT_FALSE(r.finished()) << "40 bytes are still unread";
  r.consume(40);
  EXPECT_TRUE(r.finished());
  EXPECT_EQ(r.consumed(), 300u);
  EXPECT_EQ(r.peek(&fin).size, 0u);
  EXPECT_FALSE(fin) << "the end is reported once";
}

}  // namespace
}  // namespace wirelab::pfs

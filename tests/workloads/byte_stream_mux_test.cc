// ByteStreamMux: streams framed onto one byte stream arrive intact, whatever the byte stream's
// chunking, and a malformed frame closes the connection instead of corrupting a stream.
#include "protocols/workloads/byte_stream_mux.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "protocols/core/random.h"

namespace wirelab::workloads {
namespace {

// Moves a's output into b in chunks of random size (like TCP segments of any size).
void carry(ByteStreamMux& from, ByteStreamMux& to, SeededRandom& random) {
  while (from.pending_output().size > 0) {
    const ByteView out = from.pending_output();
    const std::size_t n = std::min<std::size_t>(out.size, 1 + random.below(3000));
    ASSERT_TRUE(to.on_bytes(ByteView(out.data, n)));
    from.consume_output(n);
  }
}

TEST(ByteStreamMux, InterleavedStreamsArriveIntactWhateverTheChunking) {
  ByteStreamMux client(true), server(false);
  client.on_connected();
  server.on_connected();
  SeededRandom random(7);
  std::map<StreamId, std::string> sent, received;
  std::map<StreamId, bool> finished;
  for (int round = 0; round < 50; ++round) {
    if (round < 20) {
      const StreamId id = *client.open_stream();
      sent[id];
    }
    for (auto& [id, text] : sent) {
      if (finished.count(id)) continue;
      std::string piece(1 + random.below(500), static_cast<char>('a' + id % 26));
      piece += std::to_string(round);
      const bool fin = random.below(10) == 0 || round == 49;
      const std::size_t took = client.write(id, ByteView(reinterpret_cast<const std::uint8_t*>(piece.data()), piece.size()), fin);
      text += piece.substr(0, took);
      if (fin && took == piece.size()) finished[id] = true;
    }
    carry(client, server, random);
    while (auto e = server.poll_event()) {
      if (e->kind != TransportEvent::Kind::kStreamReadable) continue;
      std::uint8_t buf[97];
      bool fin = false;
      while (std::size_t n = server.read(e->stream, MutableByteView(buf, sizeof buf), &fin))
        received[e->stream].append(reinterpret_cast<char*>(buf), n);
    }
  }
  ASSERT_EQ(sent.size(), 20u);
  for (const auto& [id, text] : sent) {
    EXPECT_TRUE(finished.count(id)) << id;
    EXPECT_EQ(received[id], text) << "stream " << id;
    EXPECT_EQ(id % 2, 0u);  // client-opened streams are even
  }
}

TEST(ByteStreamMux, WritesPushBackWhenTheSendBufferIsFullAndResumeWhenItDrains) {
  ByteStreamMux client(true, 4096), server(false);
  client.on_connected();
  const StreamId id = *client.open_stream();
  std::vector<std::uint8_t> big(10000, 0x42);
  const std::size_t took = client.write(id, ByteView(big.data(), big.size()), true);
  EXPECT_GT(took, 0u);
  EXPECT_LT(took, big.size());
  client.consume_output(client.pending_output().size);
  bool writable = false;
  while (auto e = client.poll_event()) writable = writable || (e->kind == TransportEvent::Kind::kStreamWritable && e->stream == id);
  EXPECT_TRUE(writable);
}

TEST(ByteStreamMux, AFrameForAStreamThePeerCannotOpenClosesTheConnection) {
  ByteStreamMux server(false);
  server.on_connected();
  // flags 0, stream id 1 (odd: server-opened, which the client cannot open), length 1.
  const std::uint8_t frame[] = {0x00, 0x01, 0x01, 0x55};
  EXPECT_FALSE(server.on_bytes(ByteView(frame, sizeof frame)));
  bool closed = false;
  while (auto e = server.poll_event()) closed = closed || e->kind == TransportEvent::Kind::kClosed;
  EXPECT_TRUE(closed);
}

}  // namespace
}  // namespace wirelab::workloads

// PFS v1 wire format: frames and headers survive an encode/decode round trip, and decoding
// hostile bytes (random garbage, truncations of valid packets) is rejected without crashing or
// reading out of bounds. The connection feeds every received datagram through these decoders, so
// this is the guarantee that a garbage datagram can never take an endpoint down.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/pfs/frame.h"
#include "protocols/pfs/packet.h"

namespace wirelab::pfs {
namespace {

std::vector<std::uint8_t> encode_all(const std::vector<Frame>& frames) {
  std::vector<std::uint8_t> buffer(4096);
  ByteWriter out{MutableByteView(buffer)};
  for (const Frame& f : frames) EXPECT_TRUE(encode_frame(f, out));
  buffer.resize(out.size());
  return buffer;
}

TEST(PfsFrame, EveryFrameTypeRoundTrips) {
  const std::vector<std::uint8_t> payload = {1, 2, 3, 4, 5};
  AckFrame ack;
  ack.ranges = {{100, 120}, {50, 90}, {3, 3}};
  ack.ack_delay_us = 2500;
  const std::vector<Frame> frames = {
      PingFrame{},
      ack,
      NackFrame{{{4, 7}, {30, 30}}},
      MaxDataFrame{1u << 20},
      MaxStreamDataFrame{4, 65536},
      MaxStreamsFrame{16},
      HandshakeFrame{1000, 2000, 8, 30000, 1472},
      CloseFrame{7, "bye"},
      StreamFrame{8, 123456, ByteView(payload), true},
  };
  const std::vector<std::uint8_t> wire = encode_all(frames);
  std::size_t planned = 0;
  for (const Frame& f : frames) planned += encoded_size(f);
  EXPECT_EQ(planned, wire.size()) << "encoded_size must match what encode_frame writes";

  std::vector<Frame> decoded;
  ASSERT_TRUE(decode_frames(ByteView(wire), decoded));
  ASSERT_EQ(decoded.size(), frames.size());
  EXPECT_EQ(std::get<AckFrame>(decoded[1]).ranges, ack.ranges);
  EXPECT_EQ(std::get<AckFrame>(decoded[1]).ack_delay_us, 2500u);
  EXPECT_EQ(std::get<NackFrame>(decoded[2]).missing, (std::vector<PacketRange>{{4, 7}, {30, 30}}));
  EXPECT_EQ(std::get<MaxDataFrame>(decoded[3]).max_data, 1u << 20);
  EXPECT_EQ(std::get<MaxStreamDataFrame>(decoded[4]).stream_id, 4u);
  EXPECT_EQ(std::get<MaxStreamsFrame>(decoded[5]).max_streams, 16u);
  EXPECT_EQ(std::get<HandshakeFrame>(decoded[6]).max_datagram_size, 1472u);
  EXPECT_EQ(std::get<CloseFrame>(decoded[7]).reason, "bye");
  const auto& s = std::get<StreamFrame>(decoded[8]);
  EXPECT_EQ(s.stream_id, 8u);
  EXPECT_EQ(s.offset, 123456u);
  EXPECT_TRUE(s.fin);
  ASSERT_EQ(s.data.size, payload.size());
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), s.data.data));
}

TEST(PfsFrame, HeaderRoundTripsAndRejectsWrongVersion) {
  std::vector<std::uint8_t> buffer(64);
  ByteWriter out{MutableByteView(buffer)};
  PacketHeader h;
  h.type = PacketType::kHandshake;
  h.connection_id = 0xdeadbeef;
  h.packet_number = 1u << 20;
  ASSERT_TRUE(encode_header(h, out));
  EXPECT_EQ(out.size(), header_size(h.packet_number));
  buffer.resize(out.size());
  ByteView rest;
  auto back = decode_header(ByteView(buffer), &rest);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->type, PacketType::kHandshake);
  EXPECT_EQ(back->connection_id, 0xdeadbeefu);
  EXPECT_EQ(back->packet_number, 1u << 20);
  EXPECT_EQ(rest.size, 0u);

  buffer[0] = kVersion + 1;
  EXPECT_FALSE(decode_header(ByteView(buffer), &rest).has_value());
}

// Truncations of a valid packet and random garbage: decoding must return (true or false)
// without crashing; run under ASan to catch reads past the end.
TEST(PfsFrame, HostileBytesNeverCrashTheDecoder) {
  const std::vector<std::uint8_t> payload(40, 0xab);
  AckFrame ack;
  ack.ranges = {{900, 1000}, {10, 800}};
  const std::vector<std::uint8_t> wire =
      encode_all({ack, StreamFrame{0, 77, ByteView(payload), false}, CloseFrame{1, "x"}});
  for (std::size_t n = 0; n < wire.size(); ++n) {
    std::vector<std::uint8_t> cut(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<Frame> frames;
    (void)decode_frames(ByteView(cut), frames);
  }
  SeededRandom random(20261123);
  std::size_t accepted_headers = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> garbage(random.below(200));
    for (auto& b : garbage) b = static_cast<std::uint8_t>(random.next_u64());
    if (!garbage.empty() && random.bernoulli(0.5)) garbage[0] = kVersion;  // reach the frame decoder
    ByteView rest;
    if (decode_header(ByteView(garbage), &rest)) {
      ++accepted_headers;
      std::vector<Frame> frames;
      (void)decode_frames(rest, frames);
    }
  }
  EXPECT_GT(accepted_headers, 0u) << "the fuzz loop never got past the header";
}

}  // namespace
}  // namespace wirelab::pfs

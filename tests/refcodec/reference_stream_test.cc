// The reference stream's bit packing against the rule in the issue, byte for byte: test vectors
// for each tier, SHORT and SYNC units, the CRC, then random streams through the decoder and
// corrupted streams that the decoder must refuse.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/refcodec/crc16_ccitt.h"
#include "protocols/refcodec/reference_frame.h"
#include "protocols/refcodec/reference_stream_reader.h"
#include "protocols/refcodec/reference_stream_writer.h"

namespace wirelab::refcodec {
namespace {

using Bytes = std::vector<std::uint8_t>;

// The rule written as directly as possible, one bit at a time, to check the word-at-a-time
// packer against.
Bytes oracle_frame(Tier tier, const std::vector<std::uint32_t>& refs) {
  std::vector<bool> bits;
  auto put = [&](std::uint64_t v, unsigned width) {
    for (unsigned b = width; b-- > 0;) bits.push_back((v >> b) & 1);
  };
  put(static_cast<unsigned>(tier), 2);
  for (auto r : refs) put(r, tier_width_bits(tier));
  while (bits.size() % 8) bits.push_back(false);
  Bytes out(bits.size() / 8, 0);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) out[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
  }
  return out;
}

Bytes pack(Tier tier, const std::vector<std::uint32_t>& refs) {
  Bytes out(frame_size_bytes(tier, refs.size()) + 8, 0xAA);
  const std::size_t n = pack_frame(tier, refs.data(), refs.size(), out.data());
  EXPECT_EQ(n, frame_size_bytes(tier, refs.size()));
  out.resize(n);
  return out;
}

std::vector<std::uint32_t> iota_refs(std::uint32_t first, std::size_t n) {
  std::vector<std::uint32_t> refs(n);
  for (std::size_t i = 0; i < n; ++i) refs[i] = first + static_cast<std::uint32_t>(i);
  return refs;
}

TEST(Crc16Ccitt, CheckValue) {
  const std::string check = "123456789";
  EXPECT_EQ(crc16_ccitt(reinterpret_cast<const std::uint8_t*>(check.data()), check.size()),
            0x29B1);
  EXPECT_EQ(crc16_ccitt(nullptr, 0), 0xFFFF);
  // Incremental updates give the same CRC as one pass.
  const auto* p = reinterpret_cast<const std::uint8_t*>(check.data());
  EXPECT_EQ(crc16_ccitt_update(crc16_ccitt(p, 4), p + 4, 5), 0x29B1);
}

TEST(Crc16Ccitt, SlicedCrcMatchesTheBitwiseDefinitionAtEveryLength) {
  const std::uint64_t seed = 4242;
  SeededRandom rng(seed);
  Bytes data(300);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng.next_u64());
  for (std::size_t len = 0; len <= data.size(); ++len) {
    std::uint16_t bitwise = 0xFFFF;
    for (std::size_t i = 0; i < len; ++i) {
      bitwise ^= static_cast<std::uint16_t>(data[i] << 8);
      for (int bit = 0; bit < 8; ++bit) {
        bitwise = static_cast<std::uint16_t>((bitwise & 0x8000) ? (bitwise << 1) ^ 0x1021
                                                                : bitwise << 1);
      }
    }
    ASSERT_EQ(crc16_ccitt(data.data(), len), bitwise) << "seed " << seed << " length " << len;
  }
}

TEST(ReferenceFrame, SixtyFourL1ReferencesAre514BitsIn65Bytes) {
  const Bytes expected = {
      0x00, 0x00, 0x40, 0x80, 0xC1, 0x01, 0x41, 0x81, 0xC2, 0x02, 0x42, 0x82, 0xC3, 0x03,
      0x43, 0x83, 0xC4, 0x04, 0x44, 0x84, 0xC5, 0x05, 0x45, 0x85, 0xC6, 0x06, 0x46, 0x86,
      0xC7, 0x07, 0x47, 0x87, 0xC8, 0x08, 0x48, 0x88, 0xC9, 0x09, 0x49, 0x89, 0xCA, 0x0A,
      0x4A, 0x8A, 0xCB, 0x0B, 0x4B, 0x8B, 0xCC, 0x0C, 0x4C, 0x8C, 0xCD, 0x0D, 0x4D, 0x8D,
      0xCE, 0x0E, 0x4E, 0x8E, 0xCF, 0x0F, 0x4F, 0x8F, 0xC0};
  const auto refs = iota_refs(0, 64);
  EXPECT_EQ(tier_for(refs.data(), refs.size()), Tier::kL1);
  EXPECT_EQ(2 + 64 * 8, 514);
  EXPECT_EQ(frame_size_bytes(Tier::kL1, 64), 65u);
  EXPECT_EQ(pack(Tier::kL1, refs), expected);
}

TEST(ReferenceFrame, FullL2AndL3FramesMatchTheRule) {
  const auto l2 = iota_refs(0x100, 64);
  const Bytes f2 = pack(Tier::kL2, l2);
  ASSERT_EQ(f2.size(), 129u);  // 2 + 64 x 16 bits = 1026 bits
  EXPECT_EQ(f2[0], 0x40);       // 01 then the top six bits of 0x0100
  EXPECT_EQ(f2[1], 0x40);
  EXPECT_EQ(f2[128], 0xC0);     // last two bits of 0x013F, then six zero pad bits
  EXPECT_EQ(crc16_ccitt(f2.data(), f2.size()), 0x26BB);

  std::vector<std::uint32_t> l3(64);
  for (std::uint32_t i = 0; i < 64; ++i) l3[i] = 0x01020304u * (i + 1);
  const Bytes f3 = pack(Tier::kL3, l3);
  ASSERT_EQ(f3.size(), 257u);  // 2 + 64 x 32 bits = 2050 bits
  EXPECT_EQ(Bytes(f3.begin(), f3.begin() + 6), (Bytes{0x80, 0x40, 0x80, 0xC1, 0x00, 0x81}));
  EXPECT_EQ(crc16_ccitt(f3.data(), f3.size()), 0x781B);
}

TEST(ReferenceFrame, ShortFramesOfEachTier) {
  EXPECT_EQ(pack(Tier::kL1, {0xFF}), (Bytes{0x3F, 0xC0}));
  EXPECT_EQ(pack(Tier::kL2, {0x1234, 0xABCD, 0xFFFF}),
            (Bytes{0x44, 0x8D, 0x2A, 0xF3, 0x7F, 0xFF, 0xC0}));
  EXPECT_EQ(pack(Tier::kL3, {0xDEADBEEF, 0x00000001}),
            (Bytes{0xB7, 0xAB, 0x6F, 0xBB, 0xC0, 0x00, 0x00, 0x00, 0x40}));
}

TEST(ReferenceFrame, TierIsTheNarrowestThatHoldsEveryReference) {
  std::vector<std::uint32_t> refs(64, 0);
  EXPECT_EQ(tier_for(refs.data(), 64), Tier::kL1);
  refs[17] = 0x100;
  EXPECT_EQ(tier_for(refs.data(), 64), Tier::kL2);
  refs[63] = 0x10000;
  EXPECT_EQ(tier_for(refs.data(), 64), Tier::kL3);
  refs[17] = 0xFFFFFFFF;
  EXPECT_EQ(tier_for(refs.data(), 64), Tier::kL3);
}

TEST(ReferenceFrame, FastPackMatchesTheBitOracleForEveryTierAndCount) {
  const std::uint64_t seed = 0x5EED01;
  SeededRandom rng(seed);
  for (Tier tier : {Tier::kL1, Tier::kL2, Tier::kL3}) {
    const std::uint64_t bound = 1ull << tier_width_bits(tier);
    for (std::size_t count = 1; count <= kFrameRefs; ++count) {
      std::vector<std::uint32_t> refs(count);
      for (auto& r : refs) r = static_cast<std::uint32_t>(rng.below(bound));
      const Bytes packed = pack(tier, refs);
      ASSERT_EQ(packed, oracle_frame(tier, refs))
          << "seed " << seed << " tier " << int(tier) << " count " << count;
      Bytes scalar(packed.size() + 8);
      scalar.resize(pack_frame_scalar(tier, refs.data(), count, scalar.data()));
      ASSERT_EQ(scalar, packed) << "seed " << seed << " tier " << int(tier) << " count " << count;
      if (count == kFrameRefs) {
        Bytes automatic(packed.size() + 8);
        automatic.resize(pack_frame_auto(refs.data(), count, automatic.data()));
        ASSERT_EQ(automatic, oracle_frame(tier_for(refs.data(), count), refs)) << "seed " << seed;
      }
      std::vector<std::uint32_t> back(count, 0xFFFFFFFF);
      ASSERT_TRUE(unpack_frame(packed.data(), count, back.data()));
      ASSERT_EQ(back, refs) << "seed " << seed << " tier " << int(tier) << " count " << count;
    }
  }
}

// The batch packer (AVX-512 where the CPU has it) and its portable twin against the bit oracle,
// frame by frame, on random streams of 0..200 full frames whose frames mix the three tiers
// (each frame's references drawn below a random tier's bound, some at the bound's edge), into
// output buffers prefilled with a canary that must survive past the packed bytes.
TEST(ReferenceFrame, BatchPackMatchesTheBitOracleOnRandomStreams) {
  const std::uint64_t seed = 0xBA7C4;
  SeededRandom rng(seed);
  for (std::size_t frames = 0; frames <= 200; frames += frames < 20 ? 1 : 7) {
    std::vector<std::uint32_t> refs(frames * kFrameRefs);
    Bytes expected;
    for (std::size_t f = 0; f < frames; ++f) {
      const unsigned width = tier_width_bits(static_cast<Tier>(rng.below(3)));
      const std::uint64_t bound = 1ull << width;
      for (std::size_t i = 0; i < kFrameRefs; ++i) {
        refs[f * kFrameRefs + i] = static_cast<std::uint32_t>(
            rng.below(8) == 0 ? bound - 1 - rng.below(2) : rng.below(bound));
      }
      const std::vector<std::uint32_t> frame(refs.begin() + f * kFrameRefs,
                                             refs.begin() + (f + 1) * kFrameRefs);
      const Bytes one = oracle_frame(tier_for(frame.data(), kFrameRefs), frame);
      expected.insert(expected.end(), one.begin(), one.end());
    }
    for (const bool portable : {false, true}) {
      Bytes out(frames * frame_size_bytes(Tier::kL3, kFrameRefs) + 64, 0xA5);
      const std::size_t n = portable ? pack_full_frames_scalar(refs.data(), frames, out.data())
                                     : pack_full_frames(refs.data(), frames, out.data());
      ASSERT_EQ(n, expected.size()) << "seed " << seed << " frames " << frames;
      ASSERT_EQ(Bytes(out.begin(), out.begin() + n), expected)
          << "seed " << seed << " frames " << frames << (portable ? " portable" : " dispatched");
      for (std::size_t i = n; i < out.size(); ++i) {
        ASSERT_EQ(out[i], 0xA5) << "wrote past the frames at byte " << i << ", frames " << frames;
      }
    }
  }
}

TEST(ReferenceStream, OneWindowOfSixtyFourL1References) {
  const auto refs = iota_refs(0, 64);
  const Bytes stream = encode_references(refs.data(), refs.size(), /*sync_log2=*/6);
  ASSERT_EQ(stream.size(), 65u + 5u);
  // SYNC: 0xF0, window 0, CRC-16/CCITT-FALSE of the window's 65 frame bytes.
  EXPECT_EQ(Bytes(stream.begin() + 65, stream.end()), (Bytes{0xF0, 0x00, 0x00, 0x2D, 0xB1}));
  const auto decoded = decode_references(stream, 6);
  ASSERT_TRUE(decoded.ok) << decoded.error;
  EXPECT_EQ(decoded.refs, refs);
}

TEST(ReferenceStream, ShortTailIsAnnouncedAndClosedBySync) {
  const auto refs = iota_refs(0, 70);
  const Bytes stream = encode_references(refs.data(), refs.size(), 6);
  // 65-byte frame, SYNC(0), SHORT(6) + 7-byte frame (2 + 48 bits), SYNC(1).
  ASSERT_EQ(stream.size(), 65u + 5 + 2 + 7 + 5);
  EXPECT_EQ(stream[70], kShortByte);
  EXPECT_EQ(stream[71], 6);
  const std::vector<std::uint32_t> tail(refs.begin() + 64, refs.end());
  EXPECT_EQ(Bytes(stream.begin() + 72, stream.begin() + 79), oracle_frame(Tier::kL1, tail));
  const std::uint16_t crc = crc16_ccitt(stream.data() + 70, 9);
  EXPECT_EQ(Bytes(stream.begin() + 79, stream.end()),
            (Bytes{0xF0, 0x00, 0x01, static_cast<std::uint8_t>(crc >> 8),
                   static_cast<std::uint8_t>(crc)}));
  const auto decoded = decode_references(stream, 6);
  ASSERT_TRUE(decoded.ok) << decoded.error;
  EXPECT_EQ(decoded.refs, refs);
}

TEST(ReferenceStream, LiteralUnitsSitBetweenFramesInOrder) {
  ReferenceStreamWriter writer(6);
  Bytes stream;
  const std::vector<std::uint32_t> first = {1, 2, 3}, second = {4};
  const Bytes literal = {'A', 'B'};
  writer.append(first.data(), first.size(), stream);
  writer.append_literal(literal.data(), literal.size(), stream);
  writer.append(second.data(), second.size(), stream);
  writer.finish(stream);
  Bytes expected = {kShortByte, 3};
  const Bytes f1 = oracle_frame(Tier::kL1, first), f2 = oracle_frame(Tier::kL1, second);
  expected.insert(expected.end(), f1.begin(), f1.end());  // 2 + 24 bits: 4 bytes
  expected.insert(expected.end(), {kLiteralByte, 0x00, 0x02, 'A', 'B', kShortByte, 1});
  expected.insert(expected.end(), f2.begin(), f2.end());
  const std::uint16_t crc = crc16_ccitt(expected.data(), expected.size());
  expected.insert(expected.end(), {kSyncByte, 0, 0, static_cast<std::uint8_t>(crc >> 8),
                                   static_cast<std::uint8_t>(crc)});
  EXPECT_EQ(stream, expected);
  const auto decoded = decode_references(stream, 6);
  ASSERT_TRUE(decoded.ok) << decoded.error;
  EXPECT_EQ(decoded.refs, (std::vector<std::uint32_t>{1, 2, 3, 4}));
  ASSERT_EQ(decoded.literals.size(), 1u);
  EXPECT_EQ(decoded.literals[0].refs_before, 3u);
  EXPECT_EQ(decoded.literals[0].stream_offset, 2u + 4 + 3);
  EXPECT_EQ(decoded.literals[0].size, 2u);
}

TEST(ReferenceStream, FramesAfterALiteralStillEndAtTheWindow) {
  // 10 refs, a literal, then 120 refs at k = 6: the window closes after 54 more references,
  // so the next frame is cut there rather than straddling the SYNC.
  ReferenceStreamWriter writer(6);
  Bytes stream;
  const auto head = iota_refs(0, 10), tail = iota_refs(10, 120);
  const Bytes literal = {0x55};
  writer.append(head.data(), head.size(), stream);
  writer.append_literal(literal.data(), literal.size(), stream);
  writer.append(tail.data(), tail.size(), stream);
  writer.finish(stream);
  const auto decoded = decode_references(stream, 6);
  ASSERT_TRUE(decoded.ok) << decoded.error;
  EXPECT_EQ(decoded.refs, iota_refs(0, 130));
  // SHORT(10) frame, LITERAL, SHORT(54) frame, SYNC(0), 64-ref frame, SYNC(1), SHORT(2), SYNC(2).
  const std::size_t first_sync = 2 + 11 + 4 + 2 + frame_size_bytes(Tier::kL1, 54);
  EXPECT_EQ(stream[first_sync], kSyncByte);
  EXPECT_EQ(stream[first_sync + 5 + 65], kSyncByte);
  EXPECT_EQ(stream[first_sync + 5 + 65 + 5], kShortByte);
}

TEST(ReferenceStream, SyncEveryTwoToTheKReferences) {
  const auto refs = iota_refs(0, 4096);  // 16 windows of 256 at k = 8; the first L1, rest L2
  const Bytes stream = encode_references(refs.data(), refs.size(), 8);
  std::size_t pos = 0;
  for (std::uint16_t window = 0; window < 16; ++window) {
    const std::size_t frame = window == 0 ? 65 : 129;
    pos += 4 * frame;
    ASSERT_LT(pos + 4, stream.size());
    EXPECT_EQ(stream[pos], 0xF0);
    EXPECT_EQ((stream[pos + 1] << 8) | stream[pos + 2], window);
    pos += 5;
  }
  EXPECT_EQ(pos, stream.size());
}

TEST(ReferenceStream, RandomStreamsRoundTripThroughTheDecoder) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    SeededRandom rng(seed);
    const unsigned k = 6 + static_cast<unsigned>(rng.below(6));
    const std::size_t n = rng.below(5000);
    std::vector<std::uint32_t> refs(n);
    for (auto& r : refs) {
      // Runs of each tier so every tier and tier change is exercised.
      const unsigned width = 8u << rng.below(3);
      r = static_cast<std::uint32_t>(rng.below(1ull << width));
    }
    // Stream it in random slices: the writer must not care how its input is cut.
    ReferenceStreamWriter writer(k);
    Bytes stream;
    for (std::size_t at = 0; at < n;) {
      const std::size_t take = std::min<std::size_t>(n - at, rng.below(300));
      writer.append(refs.data() + at, take, stream);
      at += take;
    }
    writer.finish(stream);
    EXPECT_EQ(stream, encode_references(refs.data(), n, k)) << "seed " << seed;
    const auto decoded = decode_references(stream, k);
    ASSERT_TRUE(decoded.ok) << "seed " << seed << ": " << decoded.error << " at "
                            << decoded.error_offset;
    ASSERT_EQ(decoded.refs, refs) << "seed " << seed;
  }
}

TEST(ReferenceStream, EverySingleBitFlipIsRefused) {
  const std::uint64_t seed = 77;
  SeededRandom rng(seed);
  std::vector<std::uint32_t> refs(300);
  for (auto& r : refs) r = static_cast<std::uint32_t>(rng.below(1ull << (8u << rng.below(3))));
  const Bytes stream = encode_references(refs.data(), refs.size(), 7);
  for (std::size_t bit = 0; bit < stream.size() * 8; ++bit) {
    Bytes bad = stream;
    bad[bit / 8] ^= static_cast<std::uint8_t>(0x80 >> (bit % 8));
    const auto decoded = decode_references(bad, 7);
    ASSERT_FALSE(decoded.ok) << "seed " << seed << " bit " << bit;
    // Whatever it returns is a prefix of whole verified windows.
    ASSERT_EQ(decoded.refs.size() % 128, 0u);
    ASSERT_TRUE(std::equal(decoded.refs.begin(), decoded.refs.end(), refs.begin()));
  }
}

TEST(ReferenceStream, TruncationIsRefusedExceptAtAWindowEnd) {
  const auto refs = iota_refs(250, 200);
  const Bytes stream = encode_references(refs.data(), refs.size(), 6);
  std::vector<std::size_t> window_ends;
  for (std::size_t len = 0; len < stream.size(); ++len) {
    const auto decoded = decode_references(ByteView(stream.data(), len), 6);
    if (decoded.ok) window_ends.push_back(len);
  }
  // Empty, then after each of the three full windows (an L2 frame of 129 bytes and a SYNC).
  EXPECT_EQ(window_ends, (std::vector<std::size_t>{0, 134, 268, 402}));
}

TEST(ReferenceStream, StructuralErrorsNameTheirCause) {
  auto refs = iota_refs(0, 64);
  const Bytes good = encode_references(refs.data(), refs.size(), 6);

  Bytes unknown = good;
  unknown.insert(unknown.begin(), 0xC5);
  EXPECT_EQ(decode_references(unknown, 6).error, "unknown control code");

  // Non-zero padding with a CRC recomputed over it: only the padding check can catch it.
  Bytes padded = good;
  padded[64] |= 0x01;
  const std::uint16_t crc = crc16_ccitt(padded.data(), 65);
  padded[68] = static_cast<std::uint8_t>(crc >> 8);
  padded[69] = static_cast<std::uint8_t>(crc);
  EXPECT_EQ(decode_references(padded, 6).error, "non-zero frame padding");

  Bytes reordered = good;
  reordered[66] = 0x00;
  reordered[67] = 0x01;
  EXPECT_EQ(decode_references(reordered, 6).error, "SYNC window id out of order");

  Bytes no_sync(good.begin(), good.begin() + 65);
  const auto open = decode_references(no_sync, 6);
  EXPECT_EQ(open.error, "stream ends inside a window (no SYNC)");
  EXPECT_TRUE(open.refs.empty());

  const auto two_windows = iota_refs(0, 128);
  const Bytes k6 = encode_references(two_windows.data(), two_windows.size(), 6);
  EXPECT_EQ(decode_references(k6, 7).error, "short window before the end of the stream")
      << "a decoder with another k must not accept the stream";
  EXPECT_EQ(decode_references(k6, 5).error, "sync_log2 out of range");
  EXPECT_THROW(ReferenceStreamWriter(5), std::invalid_argument);
}

}  // namespace
}  // namespace wirelab::refcodec

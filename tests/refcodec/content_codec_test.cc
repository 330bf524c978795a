// The reference encoding end to end: content made of blob chunks travels as references, other
// bytes as literals, and the far end rebuilds the content exactly from the same seed.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/refcodec/content_codec.h"
#include "protocols/refcodec/reference_stream_writer.h"
#include "protocols/refcodec/shared_blob.h"

namespace wirelab::refcodec {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(SharedBlob, BothEndsDeriveTheSameBlobFromTheSeed) {
  const SharedBlob a(7, 64, 1000), b(7, 64, 1000), c(8, 64, 1000);
  for (std::uint32_t i : {0u, 1u, 999u}) {
    EXPECT_TRUE(std::equal(a.chunk(i).begin(), a.chunk(i).end(), b.chunk(i).begin()));
    EXPECT_FALSE(std::equal(a.chunk(i).begin(), a.chunk(i).end(), c.chunk(i).begin()));
    EXPECT_EQ(a.find(a.chunk(i).data), i);
  }
  // The chunking rule's byte order: chunk 0 is SeededRandom(seed)'s first word, little-endian.
  SeededRandom rng(7);
  const std::uint64_t w = rng.next_u64();
  for (int k = 0; k < 8; ++k) EXPECT_EQ(a.chunk(0)[k], static_cast<std::uint8_t>(w >> (8 * k)));
  Bytes other(64, 0);
  EXPECT_FALSE(a.find(other.data()).has_value());
  EXPECT_THROW(SharedBlob(1, 12, 10), std::invalid_argument);
  EXPECT_THROW(SharedBlob(1, 64, 0), std::invalid_argument);
}

TEST(ContentCodec, BlobContentTravelsAsReferences) {
  const SharedBlob blob(11, 64, 300);
  Bytes content;
  for (std::uint32_t i : {5u, 299u, 5u, 17u}) {
    content.insert(content.end(), blob.chunk(i).begin(), blob.chunk(i).end());
  }
  const EncodedContent encoded = encode_content(blob, content, 6);
  EXPECT_EQ(encoded.references, 4u);
  EXPECT_EQ(encoded.literal_bytes, 0u);
  // SHORT(4) + L2 frame (2 + 64 bits = 9 bytes) + SYNC: 256 content bytes in 16 wire bytes.
  EXPECT_EQ(encoded.stream.size(), 2u + 9 + 5);
  const DecodedContent decoded = decode_content(blob, encoded.stream, 6);
  ASSERT_TRUE(decoded.ok) << decoded.error;
  EXPECT_EQ(decoded.bytes, content);
}

TEST(ContentCodec, MixedContentRoundTripsInOrder) {
  const SharedBlob blob(3, 32, 5000);
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    SeededRandom rng(seed);
    Bytes content;
    const int pieces = static_cast<int>(rng.below(400));
    for (int p = 0; p < pieces; ++p) {
      if (rng.bernoulli(0.7)) {
        const auto chunk = blob.chunk(static_cast<std::uint32_t>(rng.below(5000)));
        content.insert(content.end(), chunk.begin(), chunk.end());
      } else {
        // Literal runs of odd lengths shift later blob chunks off the 32-byte grid: by the
        // chunking rule those travel as literals too until the grid realigns.
        const std::size_t n = 1 + rng.below(100);
        for (std::size_t i = 0; i < n; ++i) content.push_back(static_cast<std::uint8_t>(rng.next_u64()));
      }
    }
    const unsigned k = 6 + static_cast<unsigned>(rng.below(3));
    const EncodedContent encoded = encode_content(blob, content, k);
    EXPECT_EQ(encoded.references * 32 + encoded.literal_bytes, content.size()) << "seed " << seed;
    const DecodedContent decoded = decode_content(blob, encoded.stream, k);
    ASSERT_TRUE(decoded.ok) << "seed " << seed << ": " << decoded.error;
    ASSERT_EQ(decoded.bytes, content) << "seed " << seed;
  }
}

TEST(ContentCodec, LongLiteralsSplitAndReferencesOutsideTheBlobAreRefused) {
  const SharedBlob blob(3, 32, 100);
  Bytes content(200000, 0xAB);
  const EncodedContent encoded = encode_content(blob, content, 6);
  EXPECT_EQ(encoded.literal_bytes, content.size());
  const DecodedContent decoded = decode_content(blob, encoded.stream, 6);
  ASSERT_TRUE(decoded.ok) << decoded.error;
  EXPECT_EQ(decoded.bytes, content);

  const SharedBlob bigger(3, 32, 1000);
  Bytes far(bigger.chunk(500).begin(), bigger.chunk(500).end());
  const EncodedContent far_encoded = encode_content(bigger, far, 6);
  EXPECT_EQ(decode_content(blob, far_encoded.stream, 6).error, "reference outside the blob");
}

}  // namespace
}  // namespace wirelab::refcodec

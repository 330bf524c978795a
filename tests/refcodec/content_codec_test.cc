// The reference encoding end to end: content made of blob chunks travels as references, other
// bytes as literals, and the far end rebuilds the content exactly from the same seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/refcodec/content_codec.h"
#include "protocols/refcodec/keyed_permutation.h"
#include "protocols/refcodec/reference_stream_reader.h"
#include "protocols/refcodec/reference_stream_writer.h"
#include "protocols/refcodec/shared_blob.h"
#include "protocols/refcodec/shared_document.h"

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

// PFS's blob: the run's document with its chunks moved by the keyed permutation. Chunk P(i) of
// the scrambled document is chunk i of the document, for every i (so it holds the same
// content), and content equal to document chunk i travels as reference P(i).
TEST(ScrambledDocument, ChunkPOfIIsDocumentChunkI) {
  const std::uint64_t seed = document_seed(5);
  const auto key = document_key(seed);
  const auto document = shared_document(seed);
  const auto scrambled = scrambled_document(seed, key);
  const KeyedPermutation p(key, kDocumentChunks);
  ASSERT_EQ(scrambled->chunk_count(), document->chunk_count());
  std::size_t fixed = 0;
  for (std::uint32_t i = 0; i < kDocumentChunks; ++i) {
    const auto to = static_cast<std::uint32_t>(p.permute(i));
    const ByteView a = scrambled->chunk(to), b = document->chunk(i);
    ASSERT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << "document chunk " << i;
    fixed += to == i;
  }
  // A random permutation of 16384 points fixes about one; the identity would fix all.
  EXPECT_LT(fixed, 10u);
  // Shared while held, like the document itself.
  EXPECT_EQ(scrambled_document(seed, key).get(), scrambled.get());
  EXPECT_THROW(scrambled_document(seed, Bytes(15, 1)), std::invalid_argument);
}

TEST(ScrambledDocument, KeyIsHkdfOfTheSeedAndDiffersPerSeed) {
  EXPECT_EQ(document_key(7), document_key(7));
  EXPECT_EQ(document_key(7).size(), kDocumentKeyBytes);
  EXPECT_NE(document_key(7), document_key(8));
  // The derivation written out: HKDF-SHA256(seed u64 BE, salt, info, 32).
  const Bytes ikm = {0, 0, 0, 0, 0, 0, 0, 7};
  const std::string salt = "wirelab/refcodec/document-key/v1", info = "pfs refs document permutation";
  EXPECT_EQ(document_key(7),
            hkdf_sha256(ikm, ByteView(reinterpret_cast<const std::uint8_t*>(salt.data()), salt.size()),
                        ByteView(reinterpret_cast<const std::uint8_t*>(info.data()), info.size()), 32));
}

TEST(ScrambledDocument, ReferencesDependOnTheKeyAndDecodeOnlyWithIt) {
  const std::uint64_t seed = document_seed(9);
  const Bytes key_a(32, 0xA1), key_b(32, 0xB2);
  const auto document = shared_document(seed);
  const auto blob_a = scrambled_document(seed, key_a), blob_b = scrambled_document(seed, key_b);
  // Content: 300 document chunks in a random order (they travel as references), one literal.
  SeededRandom rng(77);
  Bytes content;
  std::vector<std::uint32_t> chunks(300);
  for (auto& c : chunks) {
    c = static_cast<std::uint32_t>(rng.below(kDocumentChunks));
    const ByteView chunk = document->chunk(c);
    content.insert(content.end(), chunk.begin(), chunk.end());
  }
  content.push_back(0x42);
  const EncodedContent a = encode_content(*blob_a, content), b = encode_content(*blob_b, content);
  ASSERT_EQ(a.references, 300u);
  ASSERT_EQ(b.references, 300u);
  const auto refs_a = decode_references(a.stream), refs_b = decode_references(b.stream);
  ASSERT_TRUE(refs_a.ok && refs_b.ok);
  const KeyedPermutation pa(key_a, kDocumentChunks), pb(key_b, kDocumentChunks);
  std::size_t same = 0;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(refs_a.refs[i], pa.permute(chunks[i])) << i;
    EXPECT_EQ(refs_b.refs[i], pb.permute(chunks[i])) << i;
    same += refs_a.refs[i] == refs_b.refs[i];
  }
  EXPECT_LT(same, 5u) << "two keys' references should agree by chance only";
  // The right key's blob gives the content back; the other key's decodes cleanly (the stream
  // itself is sound) into other bytes.
  const DecodedContent right = decode_content(*blob_a, a.stream);
  ASSERT_TRUE(right.ok) << right.error;
  EXPECT_EQ(right.bytes, content);
  const DecodedContent wrong = decode_content(*blob_b, a.stream);
  ASSERT_TRUE(wrong.ok) << wrong.error;
  EXPECT_EQ(wrong.bytes.size(), content.size());
  EXPECT_NE(wrong.bytes, content);
  // Nor does the unscrambled document decode it.
  EXPECT_NE(decode_content(*document, a.stream).bytes, content);
}

TEST(SharedBlob, ChunkPositionsMustBeAPermutation) {
  const auto source = std::make_shared<const SharedBlob>(3, 64, 4);
  const std::vector<std::uint32_t> position = {2, 0, 3, 1};
  const SharedBlob moved(source, position);
  EXPECT_EQ(moved.chunk_count(), 4u);
  EXPECT_EQ(moved.chunk_bytes(), 64u);
  for (std::uint32_t i = 0; i < 4; ++i) {
    const ByteView a = moved.chunk(position[i]), b = source->chunk(i);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()));
    EXPECT_EQ(moved.find(b.data), position[i]);
  }
  const Bytes other(64, 0x5A);
  EXPECT_FALSE(moved.find(other.data()));
  EXPECT_THROW(SharedBlob(source, {0, 1, 2}), std::invalid_argument);
  EXPECT_THROW(SharedBlob(source, {0, 1, 1, 2}), std::invalid_argument);
  EXPECT_THROW(SharedBlob(source, {0, 1, 2, 4}), std::invalid_argument);
}

}  // namespace
}  // namespace wirelab::refcodec

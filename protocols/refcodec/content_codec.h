// Content <-> reference stream through a SharedBlob: the reference encoding end to end. Pieces
// the blob holds become references, runs of other bytes become LITERAL units, in content order
// (chunking rule in shared_blob.h). Both ends must agree on the blob (seed, chunk size, count)
// and on sync_log2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocols/core/bytes.h"
#include "protocols/refcodec/shared_blob.h"

namespace wirelab::refcodec {

struct EncodedContent {
  std::vector<std::uint8_t> stream;
  std::uint64_t references = 0;     // pieces sent as references
  std::uint64_t literal_bytes = 0;  // content bytes sent as literals
};

EncodedContent encode_content(const SharedBlob& blob, ByteView content, unsigned sync_log2 = 10);

// As encode_content, for content that is a piece of a longer whole cut on the same grid:
// content[0] lies `phase` bytes past a grid point (phase < chunk_bytes), so its first
// chunk_bytes - phase bytes are a short piece (a literal) and the grid continues after them.
// phase 0 is encode_content. The decoder needs no phase: it emits chunks and literals in order.
EncodedContent encode_content_at(const SharedBlob& blob, ByteView content, std::size_t phase,
                                 unsigned sync_log2 = 10);

struct DecodedContent {
  std::vector<std::uint8_t> bytes;
  bool ok = true;
  std::size_t error_offset = 0;
  std::string error;
};

// Hostile input as in decode_references; a reference past the blob's end is refused too.
DecodedContent decode_content(const SharedBlob& blob, ByteView stream, unsigned sync_log2 = 10);

}  // namespace wirelab::refcodec

// Decodes a PacketFS reference stream (the decoder the prototype never had). Input is treated
// as hostile: a truncated unit, an unknown control code, non-zero padding, a SHORT count out of
// range, a window of the wrong length, an out-of-order window id or a CRC mismatch all stop the
// decode with the byte offset and the reason; nothing is read past the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocols/core/bytes.h"

namespace wirelab::refcodec {

// A LITERAL unit's bytes, in place in the decoded stream, and where they go among the refs.
struct LiteralSpan {
  std::size_t refs_before;    // references that precede it in the stream
  std::size_t stream_offset;  // first literal byte in the input
  std::size_t size;
};

struct DecodedReferences {
  std::vector<std::uint32_t> refs;  // every reference of every verified window
  std::vector<LiteralSpan> literals;  // every LITERAL unit of every verified window
  bool ok = true;
  std::size_t error_offset = 0;     // byte offset of the unit that failed
  std::string error;                // why, for logs and tests
};

// sync_log2 must be the writer's (both ends agree on it, as on the blob seed).
DecodedReferences decode_references(ByteView stream, unsigned sync_log2 = 10);

}  // namespace wirelab::refcodec

#include "protocols/refcodec/content_codec.h"

#include <algorithm>

#include "protocols/refcodec/reference_stream_reader.h"
#include "protocols/refcodec/reference_stream_writer.h"

namespace wirelab::refcodec {

EncodedContent encode_content(const SharedBlob& blob, ByteView content, unsigned sync_log2) {
  return encode_content_at(blob, content, 0, sync_log2);
}

EncodedContent encode_content_at(const SharedBlob& blob, ByteView content, std::size_t phase,
                                 unsigned sync_log2) {
  EncodedContent result;
  ReferenceStreamWriter writer(sync_log2);
  const std::size_t piece = blob.chunk_bytes();
  std::vector<std::uint32_t> refs;
  std::size_t literal_start = 0;
  // Off the grid at the start: those bytes are the literal head (literal_start stays 0).
  std::size_t at = phase % piece == 0 ? 0 : std::min(content.size, piece - phase % piece);
  // Refs and literal runs are flushed in content order: a run of refs ends where a literal
  // starts and vice versa.
  auto flush_refs = [&] {
    writer.append(refs.data(), refs.size(), result.stream);
    result.references += refs.size();
    refs.clear();
  };
  auto flush_literal = [&](std::size_t end) {
    if (end > literal_start) {
      writer.append_literal(content.data + literal_start, end - literal_start, result.stream);
      result.literal_bytes += end - literal_start;
    }
  };
  for (; at + piece <= content.size; at += piece) {
    const auto ref = blob.find(content.data + at);
    if (!ref) continue;
    if (at > literal_start) {
      flush_refs();
      flush_literal(at);
    }
    refs.push_back(*ref);
    literal_start = at + piece;
  }
  if (content.size > literal_start) flush_refs();
  flush_literal(content.size);
  flush_refs();
  writer.finish(result.stream);
  return result;
}

DecodedContent decode_content(const SharedBlob& blob, ByteView stream, unsigned sync_log2) {
  DecodedContent result;
  const DecodedReferences decoded = decode_references(stream, sync_log2);
  std::size_t next_ref = 0;
  auto emit_refs_until = [&](std::size_t end) {
    for (; next_ref < end; ++next_ref) {
      const std::uint32_t ref = decoded.refs[next_ref];
      if (ref >= blob.chunk_count()) return false;
      const ByteView chunk = blob.chunk(ref);
      result.bytes.insert(result.bytes.end(), chunk.begin(), chunk.end());
    }
    return true;
  };
  bool in_blob = true;
  for (const LiteralSpan& literal : decoded.literals) {
    if (!(in_blob = emit_refs_until(literal.refs_before))) break;
    result.bytes.insert(result.bytes.end(), stream.data + literal.stream_offset,
                        stream.data + literal.stream_offset + literal.size);
  }
  if (in_blob) in_blob = emit_refs_until(decoded.refs.size());
  if (!in_blob) {
    result.ok = false;
    result.error = "reference outside the blob";
    return result;
  }
  result.ok = decoded.ok;
  result.error_offset = decoded.error_offset;
  result.error = decoded.error;
  return result;
}

}  // namespace wirelab::refcodec

#include "protocols/refcodec/reference_stream_reader.h"

#include "protocols/refcodec/crc16_ccitt.h"
#include "protocols/refcodec/reference_frame.h"
#include "protocols/refcodec/reference_stream_writer.h"

namespace wirelab::refcodec {
DecodedReferences decode_references(ByteView stream, unsigned sync_log2) {
  DecodedReferences result;
  // References of the current window stay provisional until its SYNC verifies.
  std::size_t window_first_ref = 0;
  std::size_t window_first_literal = 0;
  auto fail = [&](std::size_t offset, const char* why) {
    result.refs.resize(window_first_ref);
    result.literals.resize(window_first_literal);
    result.ok = false;
    result.error_offset = offset;
    result.error = why;
    return std::move(result);
  };
  if (sync_log2 < kMinSyncLog2 || sync_log2 > kMaxSyncLog2) {
    return fail(0, "sync_log2 out of range");
  }
  const std::uint64_t window_refs = 1ull << sync_log2;
  std::uint64_t refs_in_window = 0;
  std::uint16_t window_id = 0;
  std::size_t window_start = 0;
  std::size_t pos = 0;
  const std::size_t size = stream.size;
  const std::uint8_t* data = stream.data;

  while (pos < size) {
    const std::uint8_t lead = data[pos];
    if (lead == kSyncByte) {
      if (pos + kSyncUnitBytes > size) return fail(pos, "truncated SYNC");
      if (pos == window_start) return fail(pos, "SYNC closes an empty window");
      const std::uint16_t id = static_cast<std::uint16_t>((data[pos + 1] << 8) | data[pos + 2]);
      const std::uint16_t crc = static_cast<std::uint16_t>((data[pos + 3] << 8) | data[pos + 4]);
      if (id != window_id) return fail(pos, "SYNC window id out of order");
      if (crc != crc16_ccitt(data + window_start, pos - window_start)) {
        return fail(pos, "SYNC CRC mismatch");
      }
      // Only the stream's last window may be short, and it must end the stream.
      if (refs_in_window != window_refs && pos + kSyncUnitBytes != size) {
        return fail(pos, "short window before the end of the stream");
      }
      pos += kSyncUnitBytes;
      window_start = pos;
      window_first_ref = result.refs.size();
      window_first_literal = result.literals.size();
      refs_in_window = 0;
      ++window_id;
      continue;
    }
    if (lead == kLiteralByte) {
      if (pos + 3 > size) return fail(pos, "truncated LITERAL");
      const std::size_t n = (std::size_t{data[pos + 1]} << 8) | data[pos + 2];
      if (n == 0) return fail(pos, "empty LITERAL");
      if (pos + 3 + n > size) return fail(pos, "truncated LITERAL");
      result.literals.push_back({result.refs.size(), pos + 3, n});
      pos += 3 + n;
      continue;
    }
    std::size_t count = kFrameRefs;
    const std::size_t unit_start = pos;
    if (lead == kShortByte) {
      if (pos + 2 > size) return fail(pos, "truncated SHORT");
      count = data[pos + 1];
      if (count == 0 || count >= kFrameRefs) {
        return fail(pos, "SHORT count out of range");
      }
      pos += 2;
      if (pos >= size) return fail(unit_start, "SHORT without a frame");
    } else if ((lead >> 6) == static_cast<std::uint8_t>(Tier::kControl)) {
      return fail(pos, "unknown control code");
    }
    const Tier tier = static_cast<Tier>(data[pos] >> 6);
    if (tier == Tier::kControl) return fail(pos, "SHORT before a control unit");
    const std::size_t frame_bytes = frame_size_bytes(tier, count);
    if (pos + frame_bytes > size) return fail(unit_start, "truncated frame");
    if (refs_in_window + count > window_refs) {
      return fail(unit_start, "frame overruns its window");
    }
    const std::size_t first = result.refs.size();
    result.refs.resize(first + count);
    if (!unpack_frame(data + pos, count, result.refs.data() + first)) {
      return fail(pos, "non-zero frame padding");
    }
    refs_in_window += count;
    pos += frame_bytes;
  }
  if (pos != window_start) {
    return fail(window_start, "stream ends inside a window (no SYNC)");
  }
  return result;
}

}  // namespace wirelab::refcodec

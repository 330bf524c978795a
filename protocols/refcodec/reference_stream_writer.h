// Encodes a sequence of references into a PacketFS reference stream (layout in
// docs/protocols/refcodec.md): data frames of up to 64 references under one 2-bit tier code,
// a SHORT control unit before any frame of fewer than 64, LITERAL units for content the blob
// does not hold, and a SYNC unit
// [0xF0][window_id u16 BE][CRC16-CCITT u16 BE] after every 2^sync_log2 references and at the end.
//
// Frames never straddle a window, so every window decodes on its own from the byte after the
// previous SYNC. The writer is streaming: append() and append_literal() any number of times,
// then finish().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocols/refcodec/reference_frame.h"

namespace wirelab::refcodec {

inline constexpr std::uint8_t kSyncByte = 0xF0;   // 11 110000
inline constexpr std::uint8_t kShortByte = 0xE0;  // 11 100000, then count u8 (1..63)
inline constexpr std::uint8_t kLiteralByte = 0xD0;  // 11 010000, then size u16 BE, then bytes
inline constexpr std::size_t kMaxLiteralBytes = 0xFFFF;
inline constexpr std::size_t kSyncUnitBytes = 5;
inline constexpr unsigned kMinSyncLog2 = 6;   // a window holds whole 64-reference frames
inline constexpr unsigned kMaxSyncLog2 = 30;

class ReferenceStreamWriter {
 public:
  // sync_log2 in [kMinSyncLog2, kMaxSyncLog2]; throws std::invalid_argument otherwise.
  explicit ReferenceStreamWriter(unsigned sync_log2 = 10);

  // Appends the encoding of refs[0, count) to out (frames are emitted as soon as they are full).
  void append(const std::uint32_t* refs, std::size_t count, std::vector<std::uint8_t>& out);

  // Appends content bytes as LITERAL units (split at kMaxLiteralBytes), after flushing any
  // partial frame so order is kept. Literal bytes count towards the window's CRC, not its
  // reference count.
  void append_literal(const std::uint8_t* bytes, std::size_t size, std::vector<std::uint8_t>& out);

  // Flushes the last short frame and closes the last window with a SYNC. The writer is then
  // ready for a new stream with window ids starting from 0 again.
  void finish(std::vector<std::uint8_t>& out);

  std::uint64_t references_written() const { return references_written_; }

 private:
  void emit_frame(const std::uint32_t* refs, std::size_t count, std::vector<std::uint8_t>& out);
  void emit_full_frames(const std::uint32_t* refs, std::size_t frames,
                        std::vector<std::uint8_t>& out);
  void emit_sync(std::vector<std::uint8_t>& out);

  std::uint64_t window_refs_;
  std::uint64_t refs_in_window_ = 0;
  bool window_has_units_ = false;
  std::uint16_t window_id_ = 0;
  std::uint16_t window_crc_;
  std::uint64_t references_written_ = 0;
  std::uint32_t pending_[kFrameRefs];
  std::size_t pending_count_ = 0;
};

// Convenience: one whole stream.
std::vector<std::uint8_t> encode_references(const std::uint32_t* refs, std::size_t count,
                                            unsigned sync_log2 = 10);

}  // namespace wirelab::refcodec

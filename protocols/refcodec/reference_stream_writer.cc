#include "protocols/refcodec/reference_stream_writer.h"

#include <algorithm>
#include <stdexcept>

#include "protocols/refcodec/crc16_ccitt.h"

namespace wirelab::refcodec {
namespace {

unsigned checked_sync_log2(unsigned sync_log2) {
  if (sync_log2 < kMinSyncLog2 || sync_log2 > kMaxSyncLog2) {
    throw std::invalid_argument("refcodec: sync_log2 must be in [6, 30]");
  }
  return sync_log2;
}

}  // namespace

ReferenceStreamWriter::ReferenceStreamWriter(unsigned sync_log2)
    : window_refs_(1ull << checked_sync_log2(sync_log2)), window_crc_(kCrc16CcittInit) {}

void ReferenceStreamWriter::emit_frame(const std::uint32_t* refs, std::size_t count,
                                       std::vector<std::uint8_t>& out) {
  const std::size_t start = out.size();
  std::size_t size;
  if (count < kFrameRefs) {
    const Tier tier = tier_for(refs, count);
    size = frame_size_bytes(tier, count);
    out.resize(start + 2 + size);
    out[start] = kShortByte;
    out[start + 1] = static_cast<std::uint8_t>(count);
    pack_frame(tier, refs, count, out.data() + start + 2);
    size += 2;
  } else {
    out.resize(start + frame_size_bytes(Tier::kL3, kFrameRefs));
    size = pack_frame_auto(refs, count, out.data() + start);
    out.resize(start + size);
  }
  window_crc_ = crc16_ccitt_update(window_crc_, out.data() + start, size);
  window_has_units_ = true;
  refs_in_window_ += count;
  references_written_ += count;
  if (refs_in_window_ == window_refs_) emit_sync(out);
}

void ReferenceStreamWriter::emit_full_frames(const std::uint32_t* refs, std::size_t frames,
                                             std::vector<std::uint8_t>& out) {
  const std::size_t start = out.size();
  out.resize(start + frames * frame_size_bytes(Tier::kL3, kFrameRefs));
  const std::size_t size = pack_full_frames(refs, frames, out.data() + start);
  out.resize(start + size);
  window_crc_ = crc16_ccitt_update(window_crc_, out.data() + start, size);
  window_has_units_ = true;
  refs_in_window_ += frames * kFrameRefs;
  references_written_ += frames * kFrameRefs;
  if (refs_in_window_ == window_refs_) emit_sync(out);
}

void ReferenceStreamWriter::emit_sync(std::vector<std::uint8_t>& out) {
  const std::uint8_t unit[kSyncUnitBytes] = {
      kSyncByte, static_cast<std::uint8_t>(window_id_ >> 8),
      static_cast<std::uint8_t>(window_id_), static_cast<std::uint8_t>(window_crc_ >> 8),
      static_cast<std::uint8_t>(window_crc_)};
  out.insert(out.end(), unit, unit + kSyncUnitBytes);
  ++window_id_;
  window_crc_ = kCrc16CcittInit;
  refs_in_window_ = 0;
  window_has_units_ = false;
}

void ReferenceStreamWriter::append(const std::uint32_t* refs, std::size_t count,
                                   std::vector<std::uint8_t>& out) {
  out.reserve(out.size() + (count / kFrameRefs + 1) * (frame_size_bytes(Tier::kL3, kFrameRefs) + 2) +
              (count / window_refs_ + 1) * kSyncUnitBytes);
  while (count > 0) {
    // A frame ends at 64 references or at the window's end, whichever comes first (after a
    // literal, windows and frames are no longer aligned).
    const std::size_t need =
        static_cast<std::size_t>(std::min<std::uint64_t>(kFrameRefs, window_refs_ - refs_in_window_));
    if (pending_count_ == 0 && need == kFrameRefs && count >= kFrameRefs) {
      // The common case: whole frames straight from the caller's buffer, as many as the
      // window holds, packed in one call and CRC'd in one pass.
      const std::size_t frames = static_cast<std::size_t>(
          std::min<std::uint64_t>(count / kFrameRefs, (window_refs_ - refs_in_window_) / kFrameRefs));
      emit_full_frames(refs, frames, out);
      refs += frames * kFrameRefs;
      count -= frames * kFrameRefs;
      continue;
    }
    if (pending_count_ == 0 && count >= need) {
      emit_frame(refs, need, out);  // a frame cut short by the window's end
      refs += need;
      count -= need;
      continue;
    }
    const std::size_t take = std::min(count, need - pending_count_);
    std::copy(refs, refs + take, pending_ + pending_count_);
    pending_count_ += take;
    refs += take;
    count -= take;
    if (pending_count_ == need) {
      emit_frame(pending_, need, out);
      pending_count_ = 0;
    }
  }
}

void ReferenceStreamWriter::append_literal(const std::uint8_t* bytes, std::size_t size,
                                           std::vector<std::uint8_t>& out) {
  if (pending_count_ > 0) emit_frame(pending_, pending_count_, out);
  pending_count_ = 0;
  while (size > 0) {
    const std::size_t n = std::min(size, kMaxLiteralBytes);
    const std::size_t start = out.size();
    out.push_back(kLiteralByte);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
    out.insert(out.end(), bytes, bytes + n);
    window_crc_ = crc16_ccitt_update(window_crc_, out.data() + start, 3 + n);
    window_has_units_ = true;
    bytes += n;
    size -= n;
  }
}

void ReferenceStreamWriter::finish(std::vector<std::uint8_t>& out) {
  if (pending_count_ > 0) emit_frame(pending_, pending_count_, out);
  pending_count_ = 0;
  if (window_has_units_) emit_sync(out);
  window_id_ = 0;
  references_written_ = 0;
}

std::vector<std::uint8_t> encode_references(const std::uint32_t* refs, std::size_t count,
                                            unsigned sync_log2) {
  ReferenceStreamWriter writer(sync_log2);
  std::vector<std::uint8_t> out;
  writer.append(refs, count, out);
  writer.finish(out);
  return out;
}

}  // namespace wirelab::refcodec

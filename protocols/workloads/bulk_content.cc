#include "protocols/workloads/bulk_content.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "protocols/refcodec/shared_document.h"

namespace wirelab {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  std::uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr std::size_t kScratchBytes = 64 * 1024;

}  // namespace

const char* to_string(BulkDataMode mode) {
  switch (mode) {
    case BulkDataMode::kRandom: return "random";
    case BulkDataMode::kZeros: return "zeros";
    case BulkDataMode::kVersioned: return "versioned";
  }
  return "random";
}

BulkContent::BulkContent(const BulkData& data, std::uint64_t content_seed, std::uint64_t document_seed)
    : data_(data),
      content_seed_(content_seed),
      random_(content_seed),
      select_key_(splitmix64(content_seed ^ 0x76657273696f6e73ULL)) {  // "versions"
  if (data.mode == BulkDataMode::kVersioned) {
    const double s = std::clamp(data.similarity, 0.0, 1.0);
    keep_below_ = static_cast<std::uint64_t>(std::ldexp(s, 53));  // 1.0 -> 2^53: every piece
    document_ = refcodec::shared_document(document_seed);
  }
}

bool BulkContent::piece_kept(std::uint64_t index) const {
  return document_ && (splitmix64(select_key_ ^ index) >> 11) < keep_below_;
}

void BulkContent::fill(std::uint64_t offset, MutableByteView out) const {
  switch (data_.mode) {
    case BulkDataMode::kRandom:
      random_.fill(offset, out);
      return;
    case BulkDataMode::kZeros:
      if (out.size) std::memset(out.data, 0, out.size);
      return;
    case BulkDataMode::kVersioned:
      break;
  }
  constexpr std::uint64_t piece = refcodec::kDocumentChunkBytes;
  std::size_t i = 0;
  while (i < out.size) {
    const std::uint64_t at = offset + i;
    const std::uint64_t index = at / piece;
    const std::size_t skip = static_cast<std::size_t>(at % piece);
    const std::size_t n = std::min<std::size_t>(out.size - i, static_cast<std::size_t>(piece) - skip);
    if (piece_kept(index)) {
      const ByteView chunk = document_->chunk(static_cast<std::uint32_t>(index % refcodec::kDocumentChunks));
      std::memcpy(out.data + i, chunk.data + skip, n);
    } else {
      random_.fill(at, MutableByteView(out.data + i, n));
    }
    i += n;
  }
}

BulkContentCheck::BulkContentCheck(BulkContent content, std::uint64_t expected_bytes)
    : content_(std::move(content)), expected_(expected_bytes), scratch_(new std::uint8_t[kScratchBytes]) {}

void BulkContentCheck::feed(ByteView bytes) {
  std::size_t i = 0;
  while (i < bytes.size) {
    const std::size_t n = std::min(bytes.size - i, kScratchBytes);
    // Bytes past the expected end are a mismatch whatever they hold.
    const std::uint64_t in_range = received_ < expected_ ? std::min<std::uint64_t>(n, expected_ - received_) : 0;
    if (in_range < n) mismatch_ = true;
    if (const BulkPattern* pattern = content_.pattern()) {
      if (!digest_.feed_checked(ByteView(bytes.data + i, static_cast<std::size_t>(in_range)), pattern))
        mismatch_ = true;
      digest_.feed(ByteView(bytes.data + i + in_range, n - static_cast<std::size_t>(in_range)));
    } else {
      if (in_range > 0) {
        content_.fill(received_, MutableByteView(scratch_.get(), static_cast<std::size_t>(in_range)));
        if (std::memcmp(scratch_.get(), bytes.data + i, static_cast<std::size_t>(in_range)) != 0) mismatch_ = true;
      }
      digest_.feed(ByteView(bytes.data + i, n));
    }
    received_ += n;
    i += n;
  }
}

std::uint64_t BulkContentCheck::expected_digest(const BulkContent& content, std::uint64_t bytes) {
  std::vector<std::uint8_t> buffer(kScratchBytes);
  StreamDigest d;
  for (std::uint64_t at = 0; at < bytes;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kScratchBytes, bytes - at));
    content.fill(at, MutableByteView(buffer.data(), n));
    d.feed(ByteView(buffer.data(), n));
    at += n;
  }
  return d.value();
}

}  // namespace wirelab

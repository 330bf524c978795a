// What a bulk transfer carries, by the workload's `data:` option, and the receiver's check that
// it arrived exactly once, in order and intact. Content is a pure function of (mode, seeds,
// offset), so any host fills any range on demand and the receiver regenerates what it should
// have got instead of trusting the sender.
//
//   random     BulkPattern(content_seed): splitmix64 words (the default, and the old behaviour).
//   zeros      every byte 0.
//   versioned  a new version of the run's shared document (refcodec/shared_document.h), cut on
//              its chunk grid: piece i = content bytes [i x 256, (i + 1) x 256) is the old
//              version's chunk (i mod 16384) when splitmix64(select_key ^ i) / 2^64 <
//              similarity, otherwise the random mode's bytes at the same offsets (new text).
//              select_key is derived from content_seed, so each flow edits differently; the
//              expected share of kept pieces is `similarity` (0: same bytes as random; 1: the
//              old document, repeated every 4 MiB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "protocols/core/bytes.h"
#include "protocols/workloads/bulk_pattern.h"

namespace wirelab {
namespace refcodec {
class SharedBlob;
}

enum class BulkDataMode { kRandom, kZeros, kVersioned };

struct BulkData {
  BulkDataMode mode = BulkDataMode::kRandom;
  double similarity = 0.9;  // versioned only: share of pieces equal to the old version's
};

const char* to_string(BulkDataMode mode);

class BulkContent {
 public:
  BulkContent() : BulkContent(BulkData{}, 0, 0) {}
  // document_seed: refcodec::document_seed(run seed), the same for both ends and every flow.
  BulkContent(const BulkData& data, std::uint64_t content_seed, std::uint64_t document_seed);

  // Fills out[0..n) with the content bytes at [offset, offset + n).
  void fill(std::uint64_t offset, MutableByteView out) const;

  // versioned: whether piece `index` is the old version's chunk (false for other modes).
  bool piece_kept(std::uint64_t index) const;

  // The random mode's BulkPattern (what every byte is compared with in one pass); null for the
  // other modes, whose check fills the expected bytes and compares them.
  const BulkPattern* pattern() const { return data_.mode == BulkDataMode::kRandom ? &random_ : nullptr; }

  const BulkData& data() const { return data_; }
  std::uint64_t content_seed() const { return content_seed_; }

 private:
  BulkData data_;
  std::uint64_t content_seed_;
  BulkPattern random_;
  std::uint64_t select_key_;
  std::uint64_t keep_below_ = 0;  // piece kept iff (hash >> 11) < keep_below_ (53-bit scale)
  std::shared_ptr<const refcodec::SharedBlob> document_;
};

// Checks an in-order byte stream against a BulkContent and keeps its StreamDigest (the same
// digest as BulkIntegrityCheck's). The random mode compares and digests in one vectorised pass
// (StreamDigest::feed_checked); zeros and versioned fill the expected bytes into a scratch
// buffer, memcmp, then digest: a second pass, slower but not by much. integrity_ok() holds when exactly `expected_bytes`
// arrived, each equal to the content, and the stream ended (finish() called) right there.
class BulkContentCheck {
 public:
  BulkContentCheck(BulkContent content, std::uint64_t expected_bytes);

  void feed(ByteView bytes);
  void finish() { finished_ = true; }

  std::uint64_t bytes_received() const { return received_; }
  std::uint64_t digest() const { return digest_.value(); }
  bool integrity_ok() const { return finished_ && !mismatch_ && received_ == expected_; }

  // Digest of the first `bytes` content bytes (for timed transfers and cross-checks).
  static std::uint64_t expected_digest(const BulkContent& content, std::uint64_t bytes);

 private:
  BulkContent content_;
  std::uint64_t expected_;
  std::uint64_t received_ = 0;
  StreamDigest digest_;
  bool mismatch_ = false;
  bool finished_ = false;
  std::unique_ptr<std::uint8_t[]> scratch_;
};

}  // namespace wirelab

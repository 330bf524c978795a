// The blob both endpoints derive from a shared seed: content the blob holds travels as a
// reference to one of its chunks instead of as bytes (PacketFS's premise).
//
// Chunking rule (docs/protocols/refcodec.md): the blob is `chunk_count` chunks of `chunk_bytes`
// bytes, chunk i at offset i x chunk_bytes, its bytes the little-endian words of SeededRandom(seed)
// in order; content is cut into chunk_bytes pieces from its first byte, a piece equal to blob
// chunk i travels as reference i, any other piece (and a short last piece) as literal bytes.
// Where two chunks are equal the lower index is the reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "protocols/core/bytes.h"

namespace wirelab::refcodec {

class SharedBlob {
 public:
  // chunk_bytes in [8, 4096], a multiple of 8; chunk_count in [1, 2^32]. Throws
  // std::invalid_argument otherwise.
  SharedBlob(std::uint64_t seed, std::size_t chunk_bytes, std::uint64_t chunk_count);

  // `source` with its chunks moved: chunk i of source is chunk position[i] of this blob (a
  // scrambled blob: shared_document.h builds PFS's from a keyed permutation). A view: it keeps
  // source alive and shares its bytes and index (two 4-byte tables per chunk of its own), so a
  // run does not copy its document. find() gives the position of the lowest source chunk equal
  // to the piece. Throws std::invalid_argument unless position is a permutation of
  // [0, source->chunk_count()).
  SharedBlob(std::shared_ptr<const SharedBlob> source, std::vector<std::uint32_t> position);

  std::size_t chunk_bytes() const { return chunk_bytes_; }
  std::uint64_t chunk_count() const { return chunk_count_; }
  ByteView chunk(std::uint32_t index) const {
    if (source_) return source_->chunk(source_index_[index]);
    return {bytes_.data() + std::size_t{index} * chunk_bytes_, chunk_bytes_};
  }

  // The reference for a chunk_bytes piece of content, if the blob holds it.
  std::optional<std::uint32_t> find(const std::uint8_t* piece) const;

 private:
  std::size_t chunk_bytes_;
  std::uint64_t chunk_count_;
  std::vector<std::uint8_t> bytes_;
  // First eight bytes of a chunk -> its lowest index; find() confirms the whole chunk.
  std::unordered_multimap<std::uint64_t, std::uint32_t> index_;
  // A moved blob's: its source, where each source chunk is here, which source chunk each is.
  std::shared_ptr<const SharedBlob> source_;
  std::vector<std::uint32_t> position_;
  std::vector<std::uint32_t> source_index_;
};

}  // namespace wirelab::refcodec

#include "protocols/refcodec/shared_blob.h"

#include <cstring>
#include <stdexcept>
#include <utility>

#include "protocols/core/random.h"

namespace wirelab::refcodec {
namespace {

std::uint64_t first_word(const std::uint8_t* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

}  // namespace

SharedBlob::SharedBlob(std::uint64_t seed, std::size_t chunk_bytes, std::uint64_t chunk_count)
    : chunk_bytes_(chunk_bytes), chunk_count_(chunk_count) {
  if (chunk_bytes < 8 || chunk_bytes > 4096 || chunk_bytes % 8 != 0) {
    throw std::invalid_argument("refcodec: chunk_bytes must be a multiple of 8 in [8, 4096]");
  }
  if (chunk_count < 1 || chunk_count > (1ull << 32)) {
    throw std::invalid_argument("refcodec: chunk_count must be in [1, 2^32]");
  }
  bytes_.resize(chunk_bytes * chunk_count);
  SeededRandom rng(seed);
  for (std::size_t at = 0; at < bytes_.size(); at += 8) {
    const std::uint64_t word = rng.next_u64();
    for (int b = 0; b < 8; ++b) bytes_[at + b] = static_cast<std::uint8_t>(word >> (8 * b));
  }
  index_.reserve(chunk_count);
  for (std::uint64_t i = 0; i < chunk_count; ++i) {
    index_.emplace(first_word(bytes_.data() + i * chunk_bytes), static_cast<std::uint32_t>(i));
  }
}

SharedBlob::SharedBlob(std::shared_ptr<const SharedBlob> source, std::vector<std::uint32_t> position)
    : chunk_bytes_(source->chunk_bytes_),
      chunk_count_(source->chunk_count_),
      source_(std::move(source)),
      position_(std::move(position)) {
  if (position_.size() != chunk_count_) {
    throw std::invalid_argument("refcodec: a blob's chunk positions must number its chunks");
  }
  std::vector<bool> taken(chunk_count_, false);
  source_index_.resize(chunk_count_);
  for (std::size_t i = 0; i < position_.size(); ++i) {
    const std::uint32_t to = position_[i];
    if (to >= chunk_count_ || taken[to]) {
      throw std::invalid_argument("refcodec: a blob's chunk positions must be a permutation");
    }
    taken[to] = true;
    source_index_[to] = static_cast<std::uint32_t>(i);
  }
}

std::optional<std::uint32_t> SharedBlob::find(const std::uint8_t* piece) const {
  if (source_) {
    const auto at = source_->find(piece);
    if (!at) return std::nullopt;
    return position_[*at];
  }
  std::optional<std::uint32_t> best;
  auto [first, last] = index_.equal_range(first_word(piece));
  for (auto it = first; it != last; ++it) {
    if ((!best || it->second < *best) &&
        std::memcmp(bytes_.data() + std::size_t{it->second} * chunk_bytes_, piece,
                    chunk_bytes_) == 0) {
      best = it->second;
    }
  }
  return best;
}

}  // namespace wirelab::refcodec

#include "protocols/refcodec/shared_document.h"

#include <map>
#include <stdexcept>
#include <mutex>
#include <utility>

#include "protocols/refcodec/keyed_permutation.h"

namespace wirelab::refcodec {

std::uint64_t document_seed(std::uint64_t run_seed) {
  std::uint64_t z = (run_seed ^ 0x646f63756d656e74ULL) + 0x9e3779b97f4a7c15ULL;  // "document"
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::shared_ptr<const SharedBlob> shared_document(std::uint64_t seed) {
  // The only shared state here, and only at construction: the blob itself is immutable and read
  // without locks. Without the cache every endpoint and every flow's workload of a run would
  // build its own 4 MiB copy of the same bytes (2 x 1024 flows on a large dumbbell).
  static std::mutex mutex;
  static std::map<std::uint64_t, std::weak_ptr<const SharedBlob>> live;
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = live.begin(); it != live.end();) {
    if (it->second.expired()) it = live.erase(it);
    else ++it;
  }
  if (auto found = live[seed].lock()) return found;
  auto blob = std::make_shared<const SharedBlob>(seed, kDocumentChunkBytes, kDocumentChunks);
  live[seed] = blob;
  return blob;
}

std::shared_ptr<const SharedBlob> scrambled_document(std::uint64_t seed, ByteView key) {
  if (key.size < KeyedPermutation::kMinMasterKeyBytes) {
    throw std::invalid_argument("refcodec: the document key is shorter than 16 bytes");
  }
  // The cache is keyed by a one-way fingerprint of the key, so it keeps no key material.
  static constexpr char kCacheSalt[] = "wirelab/refcodec/document-cache/v1";
  using CacheKey = std::pair<std::uint64_t, std::vector<std::uint8_t>>;
  static std::mutex mutex;
  static std::map<CacheKey, std::weak_ptr<const SharedBlob>> live;
  CacheKey cache_key{seed, hkdf_sha256(key, ByteView(reinterpret_cast<const std::uint8_t*>(kCacheSalt),
                                                     sizeof kCacheSalt - 1),
                                       ByteView(), 32)};
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = live.begin(); it != live.end();) {
    if (it->second.expired()) it = live.erase(it);
    else ++it;
  }
  if (auto found = live[cache_key].lock()) return found;
  const auto document = shared_document(seed);
  const KeyedPermutation permutation(key, document->chunk_count());
  std::vector<std::uint64_t> index(document->chunk_count());
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = i;
  permutation.permute_batch(index.data(), index.data(), index.size());
  auto blob = std::make_shared<const SharedBlob>(
      document, std::vector<std::uint32_t>(index.begin(), index.end()));
  live[cache_key] = blob;
  return blob;
}

std::vector<std::uint8_t> document_key(std::uint64_t seed) {
  static constexpr char kSalt[] = "wirelab/refcodec/document-key/v1";
  static constexpr char kInfo[] = "pfs refs document permutation";
  std::uint8_t ikm[8];
  for (int i = 0; i < 8; ++i) ikm[i] = static_cast<std::uint8_t>(seed >> (56 - 8 * i));
  return hkdf_sha256(ByteView(ikm, sizeof ikm),
                     ByteView(reinterpret_cast<const std::uint8_t*>(kSalt), sizeof kSalt - 1),
                     ByteView(reinterpret_cast<const std::uint8_t*>(kInfo), sizeof kInfo - 1),
                     kDocumentKeyBytes);
}

}  // namespace wirelab::refcodec

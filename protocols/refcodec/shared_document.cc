#include "protocols/refcodec/shared_document.h"

#include <map>
#include <mutex>

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

}  // namespace wirelab::refcodec

// The document both ends of a run hold: one SharedBlob, derived from the run's seed, that PFS's
// reference encoding (`pfs: {encoding: refs}`) sends references into and that the bulk
// workload's `data: versioned` content is a new version of. Keeping its parameters in one place
// is what lets the two agree without negotiating.
//
// The document is kDocumentChunks chunks of kDocumentChunkBytes bytes (4 MiB; references fit the
// 16-bit tier), its bytes the SharedBlob rule's (docs/protocols/refcodec.md) for the seed
// document_seed(run seed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "protocols/refcodec/shared_blob.h"

namespace wirelab::refcodec {

inline constexpr std::size_t kDocumentChunkBytes = 256;
inline constexpr std::uint64_t kDocumentChunks = 16384;

// splitmix64 of the run seed xor a constant: distinct from the other seeds derived from it.
std::uint64_t document_seed(std::uint64_t run_seed);

// The document for a seed. Instances are shared while anyone holds one (both endpoints and the
// workload of a run, every flow of a dumbbell), so a run builds its 4 MiB once. Thread-safe.
std::shared_ptr<const SharedBlob> shared_document(std::uint64_t document_seed);

}  // namespace wirelab::refcodec

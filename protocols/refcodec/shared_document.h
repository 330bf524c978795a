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
#include <vector>

#include "protocols/core/bytes.h"
#include "protocols/refcodec/shared_blob.h"

namespace wirelab::refcodec {

inline constexpr std::size_t kDocumentChunkBytes = 256;
inline constexpr std::uint64_t kDocumentChunks = 16384;

// splitmix64 of the run seed xor a constant: distinct from the other seeds derived from it.
std::uint64_t document_seed(std::uint64_t run_seed);

// The document for a seed. Instances are shared while anyone holds one (both endpoints and the
// workload of a run, every flow of a dumbbell), so a run builds its 4 MiB once. Thread-safe.
std::shared_ptr<const SharedBlob> shared_document(std::uint64_t document_seed);

// PacketFS scrambles the blob both ends hold with a keyed pseudorandom permutation, so that a
// reference on the wire says nothing about where in the document its content lies without the
// key. The scrambled document is the document's chunks moved by P = KeyedPermutation(key,
// kDocumentChunks, epoch 0): document chunk i is chunk P(i) of the scrambled blob, so content
// equal to document chunk i travels as reference P(i). Shared and cached like shared_document
// (per seed and key). key: at least 16 bytes (KeyedPermutation's master key); throws
// std::invalid_argument otherwise.
std::shared_ptr<const SharedBlob> scrambled_document(std::uint64_t document_seed, ByteView key);

inline constexpr std::size_t kDocumentKeyBytes = 32;

// The permutation's master key both ends of a run derive without talking:
// HKDF-SHA256(ikm = document_seed u64 BE, salt = "wirelab/refcodec/document-key/v1",
// info = "pfs refs document permutation", L = 32). The document seed is document_seed(run seed),
// so the key is a function of the run's seed: in the lab it is exactly as secret as that seed
// (docs/protocols/refcodec.md, threat model); a deployment hands a secret key to both ends
// instead (PfsConfig::document_key).
std::vector<std::uint8_t> document_key(std::uint64_t document_seed);

}  // namespace wirelab::refcodec

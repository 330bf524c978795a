// A keyed pseudorandom permutation of [0, domain_size) for any domain size from 2 to 2^64 - 1:
// the replacement for the PacketFS prototype's XorShift placeholder, which anyone could invert.
//
// Construction (docs/protocols/refcodec.md has the threat model): a balanced Feistel network
// of kRounds rounds over the smallest even bit width 2b >= bits(domain_size - 1), each round
// function AES-128 (OpenSSL EVP, AES-NI where the CPU has it) of the round number, the width, the
// domain size and the right half, truncated to b bits; cycle walking maps the 2^2b-element
// permutation onto the domain (re-encrypt until the value falls inside; at most four passes in
// expectation's worst case since 2^2b < 4 x domain_size). The AES key is HKDF-SHA256 of the
// master key, bound to the epoch and the domain size, so rotating the epoch gives an unrelated
// permutation and the same master key never keys two domains alike.
//
// Needs OpenSSL's libcrypto: its implementation compiles only with WIRELAB_HAVE_OPENSSL defined
// (the build defines it where it links OpenSSL::Crypto). Not thread-safe per object (one EVP
// context each); make one per worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocols/core/bytes.h"

struct evp_cipher_ctx_st;

namespace wirelab::refcodec {

class KeyedPermutation {
 public:
  static constexpr int kRounds = 10;
  static constexpr std::size_t kMinMasterKeyBytes = 16;

  // master_key: at least 16 bytes of secret; domain_size >= 2. Throws std::invalid_argument
  // on either, std::runtime_error if OpenSSL fails.
  KeyedPermutation(ByteView master_key, std::uint64_t domain_size, std::uint64_t epoch = 0);
  ~KeyedPermutation();
  KeyedPermutation(const KeyedPermutation&) = delete;
  KeyedPermutation& operator=(const KeyedPermutation&) = delete;

  std::uint64_t domain_size() const { return domain_size_; }
  std::uint64_t epoch() const { return epoch_; }

  // Re-keys for another epoch (both ends rotate on the same schedule; the master key stays).
  void rotate(std::uint64_t epoch);

  // x < domain_size; the result is < domain_size. invert(permute(x)) == x.
  std::uint64_t permute(std::uint64_t x) const;
  std::uint64_t invert(std::uint64_t y) const;

  // Many at once: one AES call per round for the whole batch, which is what makes AES-NI pay.
  // in and out may be the same array.
  void permute_batch(const std::uint64_t* in, std::uint64_t* out, std::size_t count) const;

 private:
  void feistel_batch(std::uint64_t* values, std::size_t count, bool inverse) const;
  void walk_batch(const std::uint64_t* in, std::uint64_t* out, std::size_t count,
                  bool inverse) const;

  std::vector<std::uint8_t> master_key_;
  std::uint64_t domain_size_;
  std::uint64_t epoch_ = 0;
  unsigned half_bits_;
  evp_cipher_ctx_st* ctx_ = nullptr;
};

// HKDF-SHA256 (RFC 5869) through OpenSSL; exposed for its known-answer test.
std::vector<std::uint8_t> hkdf_sha256(ByteView ikm, ByteView salt, ByteView info,
                                      std::size_t length);

}  // namespace wirelab::refcodec

// Systematic Reed-Solomon erasure coding over GF(2^8) for packet-level FEC, on Intel's ISA-L.
// A block is k source shards and m repair shards of one length; any k of the k + m rebuild the
// source. The encoding matrix is ISA-L's Cauchy matrix (every k x k submatrix of it is
// invertible, so any k shards decode, for any k + m <= 255). C++17-clean: ns-3 TUs include it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wirelab::fec {

struct RsParams {
  int k = 0;  // source shards per block
  int m = 0;  // repair shards per block
  bool enabled() const { return k > 0 && m > 0; }
  std::string to_string() const;  // "rs(10,2)" or "off"
  bool operator==(const RsParams& o) const { return k == o.k && m == o.m; }
  bool operator!=(const RsParams& o) const { return !(*this == o); }
};

// Parses "rs(K,M)" (spaces allowed around each token) or "off"; throws std::invalid_argument
// whose message names the accepted form. Limits: 1 <= k, 1 <= m, k + m <= 255 (GF(2^8)).
RsParams parse_rs(const std::string& text);

class ReedSolomon {
 public:
  // Throws std::invalid_argument outside the limits of parse_rs.
  ReedSolomon(int k, int m);

  int k() const { return k_; }
  int m() const { return m_; }

  // data: k pointers to shard_len bytes each; parity: m pointers, each written with shard_len
  // bytes of repair.
  void encode(std::size_t shard_len, const std::uint8_t* const* data,
              std::uint8_t* const* parity) const;

  // shards: k + m pointers (data first, then parity), each shard_len bytes; present[i] marks the
  // valid ones. Rebuilds every missing DATA shard in place (its buffer must be writable; missing
  // parity shards are left as they are). Returns false, and changes nothing, when fewer than k
  // shards are present.
  bool reconstruct(std::size_t shard_len, std::uint8_t* const* shards,
                   const std::vector<bool>& present) const;

 private:
  int k_;
  int m_;
  std::vector<std::uint8_t> encode_matrix_;  // (k + m) x k, identity on top
  std::vector<std::uint8_t> encode_tables_;  // ISA-L's expanded tables for the m parity rows
};

}  // namespace wirelab::fec

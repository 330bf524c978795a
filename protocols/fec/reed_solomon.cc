#include "protocols/fec/reed_solomon.h"

#include <isa-l/erasure_code.h>

#include <cctype>
#include <stdexcept>

namespace wirelab::fec {
namespace {

constexpr const char* kAcceptedForm =
    "expected \"rs(K,M)\" with 1 <= K, 1 <= M, K + M <= 255 (e.g. \"rs(10,2)\"), or \"off\"";

void check_limits(int k, int m) {
  if (k < 1 || m < 1 || k + m > 255) {
    throw std::invalid_argument("rs(" + std::to_string(k) + "," + std::to_string(m) +
                                ") is out of range: " + kAcceptedForm);
  }
}

// A tiny cursor over the text: parse_rs accepts exactly `rs ( K , M )` with optional spaces.
struct Cursor {
  const std::string& s;
  std::size_t i = 0;
  void skip_spaces() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool eat(char c) {
    skip_spaces();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool number(int& out) {
    skip_spaces();
    const std::size_t start = i;
    long value = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      value = value * 10 + (s[i] - '0');
      if (value > 100000) return false;  // far past 255; stops overflow
      ++i;
    }
    out = static_cast<int>(value);
    return i > start;
  }
};

}  // namespace

std::string RsParams::to_string() const {
  if (!enabled()) return "off";
  return "rs(" + std::to_string(k) + "," + std::to_string(m) + ")";
}

RsParams parse_rs(const std::string& text) {
  Cursor c{text};
  c.skip_spaces();
  if (text.compare(c.i, 3, "off") == 0) {
    c.i += 3;
    c.skip_spaces();
    if (c.i == text.size()) return RsParams{};
  }
  c.i = 0;
  RsParams p;
  const bool ok = c.eat('r') && c.eat('s') && c.eat('(') && c.number(p.k) && c.eat(',') &&
                  c.number(p.m) && c.eat(')') && (c.skip_spaces(), c.i == text.size());
  if (!ok) throw std::invalid_argument("bad FEC \"" + text + "\": " + kAcceptedForm);
  check_limits(p.k, p.m);
  return p;
}

ReedSolomon::ReedSolomon(int k, int m) : k_(k), m_(m) {
  check_limits(k, m);
  const int n = k + m;
  encode_matrix_.resize(static_cast<std::size_t>(n) * k);
  gf_gen_cauchy1_matrix(encode_matrix_.data(), n, k);
  encode_tables_.resize(static_cast<std::size_t>(k) * m * 32);
  ec_init_tables(k, m, &encode_matrix_[static_cast<std::size_t>(k) * k], encode_tables_.data());
}

void ReedSolomon::encode(std::size_t shard_len, const std::uint8_t* const* data,
                         std::uint8_t* const* parity) const {
  if (shard_len == 0) return;
  // ISA-L takes non-const pointer arrays but only reads the sources.
  ec_encode_data(static_cast<int>(shard_len), k_, m_,
                 const_cast<unsigned char*>(encode_tables_.data()),
                 const_cast<unsigned char**>(data), const_cast<unsigned char**>(parity));
}

bool ReedSolomon::reconstruct(std::size_t shard_len, std::uint8_t* const* shards,
                              const std::vector<bool>& present) const {
  const int n = k_ + m_;
  if (static_cast<int>(present.size()) != n) {
    throw std::invalid_argument("ReedSolomon::reconstruct: present has " +
                                std::to_string(present.size()) + " entries, want k + m = " +
                                std::to_string(n));
  }
  // The k shards to decode from: present ones, source shards first (they are identity rows).
  std::vector<int> sources;
  sources.reserve(k_);
  for (int i = 0; i < n && static_cast<int>(sources.size()) < k_; ++i) {
    if (present[i]) sources.push_back(i);
  }
  if (static_cast<int>(sources.size()) < k_) return false;
  std::vector<int> missing;
  for (int i = 0; i < k_; ++i) {
    if (!present[i]) missing.push_back(i);
  }
  if (missing.empty() || shard_len == 0) return true;

  // Rows of the encoding matrix for the chosen shards form B (k x k): B * source = chosen.
  // Inverting B gives source = B^-1 * chosen; row i of B^-1 rebuilds source shard i.
  const std::size_t kk = static_cast<std::size_t>(k_);
  std::vector<std::uint8_t> b(kk * kk), b_inv(kk * kk);
  for (std::size_t r = 0; r < kk; ++r) {
    for (std::size_t c = 0; c < kk; ++c) b[r * kk + c] = encode_matrix_[sources[r] * kk + c];
  }
  if (gf_invert_matrix(b.data(), b_inv.data(), k_) != 0) {
    // Cannot happen for a Cauchy matrix; a failure here is a bug, not bad input.
    throw std::logic_error("ReedSolomon::reconstruct: singular decode matrix");
  }
  const std::size_t e = missing.size();
  std::vector<std::uint8_t> decode(e * kk);
  for (std::size_t r = 0; r < e; ++r) {
    for (std::size_t c = 0; c < kk; ++c) decode[r * kk + c] = b_inv[missing[r] * kk + c];
  }
  std::vector<std::uint8_t> tables(kk * e * 32);
  ec_init_tables(k_, static_cast<int>(e), decode.data(), tables.data());
  std::vector<unsigned char*> in(kk), out(e);
  for (std::size_t r = 0; r < kk; ++r) in[r] = shards[sources[r]];
  for (std::size_t r = 0; r < e; ++r) out[r] = shards[missing[r]];
  ec_encode_data(static_cast<int>(shard_len), k_, static_cast<int>(e), tables.data(), in.data(),
                 out.data());
  return true;
}

}  // namespace wirelab::fec

// Compiled only where the build links OpenSSL (see keyed_permutation.h).
#ifdef WIRELAB_HAVE_OPENSSL

#include "protocols/refcodec/keyed_permutation.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace wirelab::refcodec {
namespace {

constexpr char kSalt[] = "wirelab/refcodec/keyed-permutation/v1";
constexpr std::size_t kAesKeyBytes = 16;
constexpr std::size_t kBatch = 256;  // values per AES call: 4 KiB of blocks, stays in L1

void put_be64(std::uint8_t* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<std::uint8_t>(v);
}

unsigned bits_for(std::uint64_t max_value) {
  unsigned bits = 0;
  while (bits < 64 && (max_value >> bits) != 0) ++bits;
  return bits;
}

}  // namespace

std::vector<std::uint8_t> hkdf_sha256(ByteView ikm, ByteView salt, ByteView info,
                                      std::size_t length) {
  std::vector<std::uint8_t> out(length);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  const bool ok = pctx != nullptr && EVP_PKEY_derive_init(pctx) > 0 &&
                  EVP_PKEY_CTX_set_hkdf_md(pctx, EVP_sha256()) > 0 &&
                  EVP_PKEY_CTX_set1_hkdf_salt(pctx, salt.data, static_cast<int>(salt.size)) > 0 &&
                  EVP_PKEY_CTX_set1_hkdf_key(pctx, ikm.data, static_cast<int>(ikm.size)) > 0 &&
                  EVP_PKEY_CTX_add1_hkdf_info(pctx, info.data, static_cast<int>(info.size)) > 0 &&
                  EVP_PKEY_derive(pctx, out.data(), &length) > 0;
  EVP_PKEY_CTX_free(pctx);
  if (!ok) throw std::runtime_error("refcodec: HKDF-SHA256 failed");
  return out;
}

KeyedPermutation::KeyedPermutation(ByteView master_key, std::uint64_t domain_size,
                                   std::uint64_t epoch)
    : master_key_(master_key.begin(), master_key.end()), domain_size_(domain_size) {
  if (master_key.size < kMinMasterKeyBytes) {
    throw std::invalid_argument("refcodec: master key shorter than 16 bytes");
  }
  if (domain_size < 2) throw std::invalid_argument("refcodec: domain size below 2");
  half_bits_ = (std::max(2u, bits_for(domain_size - 1)) + 1) / 2;
  ctx_ = EVP_CIPHER_CTX_new();
  if (ctx_ == nullptr) throw std::runtime_error("refcodec: EVP_CIPHER_CTX_new failed");
  rotate(epoch);
}

KeyedPermutation::~KeyedPermutation() {
  EVP_CIPHER_CTX_free(ctx_);  // clears the expanded key schedule
  OPENSSL_cleanse(master_key_.data(), master_key_.size());
}

void KeyedPermutation::rotate(std::uint64_t epoch) {
  std::uint8_t info[4 + 8 + 8] = {'e', 'p', 'o', 'c'};
  put_be64(info + 4, epoch);
  put_be64(info + 12, domain_size_);
  std::vector<std::uint8_t> key =
      hkdf_sha256(master_key_, ByteView(reinterpret_cast<const std::uint8_t*>(kSalt),
                                        sizeof kSalt - 1),
                  ByteView(info, sizeof info), kAesKeyBytes);
  const bool ok = EVP_EncryptInit_ex(ctx_, EVP_aes_128_ecb(), nullptr, key.data(), nullptr) > 0 &&
                  EVP_CIPHER_CTX_set_padding(ctx_, 0) > 0;
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok) throw std::runtime_error("refcodec: AES key setup failed");
  epoch_ = epoch;
}

// One Feistel pass (all rounds) over values < 2^(2b), in place.
void KeyedPermutation::feistel_batch(std::uint64_t* values, std::size_t count,
                                     bool inverse) const {
  const unsigned b = half_bits_;
  const std::uint64_t mask = (b == 32) ? 0xFFFFFFFFull : (1ull << b) - 1;
  std::uint64_t left[kBatch];
  std::uint64_t right[kBatch];
  // Round blocks: [round][b][domain_size u64 BE][0 0][half u32 BE]. Fixed fields once.
  alignas(16) std::uint8_t blocks[kBatch * 16];
  alignas(16) std::uint8_t stream[kBatch * 16];
  for (std::size_t i = 0; i < count; ++i) {
    std::uint8_t* blk = blocks + 16 * i;
    blk[1] = static_cast<std::uint8_t>(b);
    put_be64(blk + 2, domain_size_);
    blk[10] = blk[11] = 0;
    left[i] = values[i] >> b;
    right[i] = values[i] & mask;
  }
  for (int step = 0; step < kRounds; ++step) {
    const int round = inverse ? kRounds - 1 - step : step;
    // Forward: (L, R) -> (R, L ^ F(R)). Inverse: (L, R) -> (R ^ F(L), L).
    const std::uint64_t* input = inverse ? left : right;
    for (std::size_t i = 0; i < count; ++i) {
      std::uint8_t* blk = blocks + 16 * i;
      blk[0] = static_cast<std::uint8_t>(round);
      const std::uint32_t half = static_cast<std::uint32_t>(input[i]);
      blk[12] = static_cast<std::uint8_t>(half >> 24);
      blk[13] = static_cast<std::uint8_t>(half >> 16);
      blk[14] = static_cast<std::uint8_t>(half >> 8);
      blk[15] = static_cast<std::uint8_t>(half);
    }
    int produced = 0;
    if (EVP_EncryptUpdate(ctx_, stream, &produced, blocks, static_cast<int>(16 * count)) <= 0 ||
        produced != static_cast<int>(16 * count)) {
      throw std::runtime_error("refcodec: AES failed");
    }
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint8_t* s = stream + 16 * i;
      const std::uint64_t f = ((std::uint64_t{s[0]} << 24) | (std::uint64_t{s[1]} << 16) |
                               (std::uint64_t{s[2]} << 8) | s[3]) & mask;
      if (inverse) {
        const std::uint64_t l = right[i] ^ f;
        right[i] = left[i];
        left[i] = l;
      } else {
        const std::uint64_t r = left[i] ^ f;
        left[i] = right[i];
        right[i] = r;
      }
    }
  }
  for (std::size_t i = 0; i < count; ++i) values[i] = (left[i] << b) | right[i];
}

// Cycle walking: values that land outside the domain go round again until they are inside.
// Each walk stays inside the cycle of the 2^2b permutation that holds the start, so the
// restriction to the domain is itself a permutation.
void KeyedPermutation::walk_batch(const std::uint64_t* in, std::uint64_t* out, std::size_t count,
                                  bool inverse) const {
  for (std::size_t start = 0; start < count; start += kBatch) {
    const std::size_t n = std::min(kBatch, count - start);
    std::uint64_t work[kBatch];
    std::size_t slot[kBatch];
    for (std::size_t i = 0; i < n; ++i) {
      if (in[start + i] >= domain_size_) {
        throw std::invalid_argument("refcodec: permutation input outside its domain");
      }
      work[i] = in[start + i];
      slot[i] = start + i;
    }
    std::size_t pending = n;
    while (pending > 0) {
      feistel_batch(work, pending, inverse);
      std::size_t still = 0;
      for (std::size_t i = 0; i < pending; ++i) {
        if (work[i] < domain_size_) {
          out[slot[i]] = work[i];
        } else {
          work[still] = work[i];
          slot[still] = slot[i];
          ++still;
        }
      }
      pending = still;
    }
  }
}

std::uint64_t KeyedPermutation::permute(std::uint64_t x) const {
  std::uint64_t y;
  walk_batch(&x, &y, 1, false);
  return y;
}

std::uint64_t KeyedPermutation::invert(std::uint64_t y) const {
  std::uint64_t x;
  walk_batch(&y, &x, 1, true);
  return x;
}

void KeyedPermutation::permute_batch(const std::uint64_t* in, std::uint64_t* out,
                                     std::size_t count) const {
  walk_batch(in, out, count, false);
}

}  // namespace wirelab::refcodec

#endif  // WIRELAB_HAVE_OPENSSL

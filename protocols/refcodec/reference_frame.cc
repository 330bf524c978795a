#include "protocols/refcodec/reference_frame.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define WIRELAB_REFCODEC_AVX512 1
#endif

namespace wirelab::refcodec {
namespace {

inline void store_be64(std::uint8_t* out, std::uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(out, &v, 8);
}

inline std::uint64_t load_be64(const std::uint8_t* in) {
  std::uint64_t v;
  std::memcpy(&v, in, 8);
  return __builtin_bswap64(v);
}

// The j-th big-endian 64-bit word of the references' byte string at the given width.
template <unsigned Width>
inline std::uint64_t body_word(const std::uint32_t* refs, std::size_t j) {
  constexpr unsigned kPerWord = 64 / Width;
  constexpr std::uint64_t kMask = Width == 32 ? 0xFFFFFFFFull : (1ull << Width) - 1;
  std::uint64_t w = 0;
  for (unsigned k = 0; k < kPerWord; ++k) {
    w = (w << (Width % 64)) | (refs[j * kPerWord + k] & kMask);
  }
  return w;
}

template <unsigned Width>
inline void split_body_word(std::uint64_t w, std::uint32_t* refs, std::size_t j) {
  constexpr unsigned kPerWord = 64 / Width;
  constexpr std::uint64_t kMask = Width == 32 ? 0xFFFFFFFFull : (1ull << Width) - 1;
  for (unsigned k = 0; k < kPerWord; ++k) {
    refs[j * kPerWord + kPerWord - 1 - k] = static_cast<std::uint32_t>(w & kMask);
    w >>= (Width % 64);
  }
}

// A full frame: Width words of body, each output word the funnel shift of two body words.
template <unsigned Width>
std::size_t pack_full(Tier tier, const std::uint32_t* refs, std::uint8_t* out) {
  std::uint64_t prev = static_cast<std::uint64_t>(tier);
  for (std::size_t j = 0; j < Width; ++j) {
    const std::uint64_t w = body_word<Width>(refs, j);
    store_be64(out + 8 * j, (w >> 2) | (prev << 62));
    prev = w;
  }
  out[8 * Width] = static_cast<std::uint8_t>(prev << 6);
  return 8 * Width + 1;
}

template <unsigned Width>
bool unpack_full(const std::uint8_t* in, std::uint32_t* refs) {
  for (std::size_t j = 0; j < Width; ++j) {
    const std::uint64_t w = (load_be64(in + 8 * j) << 2) | (in[8 * j + 8] >> 6);
    split_body_word<Width>(w, refs, j);
  }
  return (in[8 * Width] & 0x3F) == 0;
}

// Short frames (the stream's last, or one cut by a window boundary): a plain bit writer.
std::size_t pack_short(Tier tier, const std::uint32_t* refs, std::size_t count,
                       std::uint8_t* out) {
  const unsigned width = tier_width_bits(tier);
  const std::size_t size = frame_size_bytes(tier, count);
  std::memset(out, 0, size);
  std::uint64_t acc = static_cast<std::uint64_t>(tier);
  unsigned acc_bits = 2;
  std::size_t pos = 0;
  const std::uint64_t mask = width == 32 ? 0xFFFFFFFFull : (1ull << width) - 1;
  for (std::size_t i = 0; i < count; ++i) {
    acc = (acc << width) | (refs[i] & mask);
    acc_bits += width;
    while (acc_bits >= 8) {
      acc_bits -= 8;
      out[pos++] = static_cast<std::uint8_t>(acc >> acc_bits);
    }
  }
  if (acc_bits > 0) out[pos++] = static_cast<std::uint8_t>(acc << (8 - acc_bits));
  return size;
}

bool unpack_short(const std::uint8_t* in, std::size_t count, std::uint32_t* refs) {
  const Tier tier = static_cast<Tier>(in[0] >> 6);
  const unsigned width = tier_width_bits(tier);
  std::uint64_t acc = in[0] & 0x3F;
  unsigned acc_bits = 6;
  std::size_t pos = 1;
  const std::uint64_t mask = width == 32 ? 0xFFFFFFFFull : (1ull << width) - 1;
  for (std::size_t i = 0; i < count; ++i) {
    while (acc_bits < width) {
      acc = (acc << 8) | in[pos++];
      acc_bits += 8;
    }
    acc_bits -= width;
    refs[i] = static_cast<std::uint32_t>((acc >> acc_bits) & mask);
  }
  return (acc & ((1ull << acc_bits) - 1)) == 0;
}

#ifdef WIRELAB_REFCODEC_AVX512
// AVX-512 (F, BW, VBMI) full-frame packer, chosen at run time. It builds the body's big-endian
// byte string 64 bytes at a time (narrowing or byte-swapping the references), then shifts the
// string right by two bits behind the tier code: each output byte is the previous body byte's
// low two bits over the current byte's high six, the previous byte coming from one cross-lane
// byte permute. 64 L1 references are four loads, four narrowing moves, one permute, a few
// logic ops and a 65-byte store.
#define WIRELAB_AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi")))
// GCC 12's own intrinsic headers trip -Wmaybe-uninitialized (their _mm*_undefined_* idiom).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// Byte permute indices: [0] = 63 takes the previous chunk's last byte, [i] = 64 + i - 1 this
// chunk's byte i - 1.
alignas(64) constexpr std::uint8_t kPreviousByteIndex[64] = {
    63,  64,  65,  66,  67,  68,  69,  70,  71,  72,  73,  74,  75,  76,  77,  78,
    79,  80,  81,  82,  83,  84,  85,  86,  87,  88,  89,  90,  91,  92,  93,  94,
    95,  96,  97,  98,  99,  100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110,
    111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126};

template <unsigned Width>
WIRELAB_AVX512_TARGET inline __m512i body_chunk(const std::uint32_t* refs, std::size_t chunk) {
  if (Width == 8) {
    __m512i v = _mm512_castsi128_si512(_mm512_cvtepi32_epi8(_mm512_loadu_si512(refs)));
    v = _mm512_inserti32x4(v, _mm512_cvtepi32_epi8(_mm512_loadu_si512(refs + 16)), 1);
    v = _mm512_inserti32x4(v, _mm512_cvtepi32_epi8(_mm512_loadu_si512(refs + 32)), 2);
    return _mm512_inserti32x4(v, _mm512_cvtepi32_epi8(_mm512_loadu_si512(refs + 48)), 3);
  }
  if (Width == 16) {
    const std::uint32_t* at = refs + 32 * chunk;
    __m512i v = _mm512_castsi256_si512(_mm512_cvtepi32_epi16(_mm512_loadu_si512(at)));
    v = _mm512_inserti64x4(v, _mm512_cvtepi32_epi16(_mm512_loadu_si512(at + 16)), 1);
    const __m512i swap16 = _mm512_set4_epi32(0x0E0F0C0D, 0x0A0B0809, 0x06070405, 0x02030001);
    return _mm512_shuffle_epi8(v, swap16);
  }
  const __m512i swap32 = _mm512_set4_epi32(0x0C0D0E0F, 0x08090A0B, 0x04050607, 0x00010203);
  return _mm512_shuffle_epi8(_mm512_loadu_si512(refs + 16 * chunk), swap32);
}

template <unsigned Width>
WIRELAB_AVX512_TARGET std::size_t pack_full_avx512(Tier tier, const std::uint32_t* refs,
                                                   std::uint8_t* out) {
  constexpr std::size_t chunks = Width / 8;
  const __m512i idx = _mm512_load_si512(kPreviousByteIndex);
  const __m512i high_two = _mm512_set1_epi8(static_cast<char>(0xC0));
  // The tier code sits where the previous chunk's last byte's low two bits would be.
  __m512i prev = _mm512_set1_epi8(static_cast<char>(tier));
  __m512i cur = prev;
  for (std::size_t c = 0; c < chunks; ++c) {
    cur = body_chunk<Width>(refs, c);
    const __m512i before = _mm512_permutex2var_epi8(prev, idx, cur);
    const __m512i packed = _mm512_ternarylogic_epi32(high_two, _mm512_slli_epi16(before, 6),
                                                     _mm512_srli_epi16(cur, 2), 0xCA);
    _mm512_storeu_si512(out + 64 * c, packed);
    prev = cur;
  }
  const int last = _mm_extract_epi8(_mm512_extracti32x4_epi32(cur, 3), 15);
  out[64 * chunks] = static_cast<std::uint8_t>(last << 6);
  return 64 * chunks + 1;
}

WIRELAB_AVX512_TARGET std::size_t pack_full_avx512(Tier tier, const std::uint32_t* refs,
                                                   std::uint8_t* out) {
  switch (tier) {
    case Tier::kL1: return pack_full_avx512<8>(tier, refs, out);
    case Tier::kL2: return pack_full_avx512<16>(tier, refs, out);
    default: return pack_full_avx512<32>(tier, refs, out);
  }
}

WIRELAB_AVX512_TARGET Tier tier_for_avx512(const std::uint32_t* refs) {
  const __m512i all = _mm512_or_si512(
      _mm512_or_si512(_mm512_loadu_si512(refs), _mm512_loadu_si512(refs + 16)),
      _mm512_or_si512(_mm512_loadu_si512(refs + 32), _mm512_loadu_si512(refs + 48)));
  if (_mm512_test_epi32_mask(all, _mm512_set1_epi32(~0xFF)) == 0) return Tier::kL1;
  if (_mm512_test_epi32_mask(all, _mm512_set1_epi32(~0xFFFF)) == 0) return Tier::kL2;
  return Tier::kL3;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

bool have_avx512() {
  static const bool have = __builtin_cpu_supports("avx512f") &&
                           __builtin_cpu_supports("avx512bw") &&
                           __builtin_cpu_supports("avx512vbmi");
  return have;
}
#else
bool have_avx512() { return false; }
#endif

}  // namespace

bool pack_uses_simd() { return have_avx512(); }

std::size_t pack_frame_auto(const std::uint32_t* refs, std::size_t count, std::uint8_t* out) {
#ifdef WIRELAB_REFCODEC_AVX512
  if (count == kFrameRefs && have_avx512()) {
    return pack_full_avx512(tier_for_avx512(refs), refs, out);
  }
#endif
  return pack_frame(tier_for(refs, count), refs, count, out);
}

std::size_t pack_frame_scalar(Tier tier, const std::uint32_t* refs, std::size_t count,
                              std::uint8_t* out) {
  if (count == kFrameRefs) {
    switch (tier) {
      case Tier::kL1: return pack_full<8>(tier, refs, out);
      case Tier::kL2: return pack_full<16>(tier, refs, out);
      default: return pack_full<32>(tier, refs, out);
    }
  }
  return pack_short(tier, refs, count, out);
}

Tier tier_for(const std::uint32_t* refs, std::size_t count) {
  std::uint32_t all = 0;
  for (std::size_t i = 0; i < count; ++i) all |= refs[i];
  return all <= 0xFF ? Tier::kL1 : all <= 0xFFFF ? Tier::kL2 : Tier::kL3;
}

std::size_t pack_frame(Tier tier, const std::uint32_t* refs, std::size_t count,
                       std::uint8_t* out) {
#ifdef WIRELAB_REFCODEC_AVX512
  if (count == kFrameRefs && have_avx512()) return pack_full_avx512(tier, refs, out);
#endif
  return pack_frame_scalar(tier, refs, count, out);
}

bool unpack_frame(const std::uint8_t* in, std::size_t count, std::uint32_t* refs) {
  if (count == kFrameRefs) {
    switch (static_cast<Tier>(in[0] >> 6)) {
      case Tier::kL1: return unpack_full<8>(in, refs);
      case Tier::kL2: return unpack_full<16>(in, refs);
      default: return unpack_full<32>(in, refs);
    }
  }
  return unpack_short(in, count, refs);
}

}  // namespace wirelab::refcodec

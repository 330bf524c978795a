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
// AVX-512 (F, BW, VBMI, VBMI2) full-frame packer, chosen at run time. A frame's body is the
// big-endian bit string of its references, shifted right two bits behind the tier code. The
// kernel holds that string as 32-bit lanes whose values are the string's big-endian words: for
// L3 those are the references themselves, for L2 two references per lane, for L1 four (one
// word-granular permute builds them from the loaded references). Shifting the string right by
// two bits is then, per lane, a funnel shift with the lane before it (`valignd` fetches it,
// `vpshrdd` shifts: (w >> 2) | (w_prev << 30)), and a byte swap writes the lanes back as
// big-endian words. The lane before the first is the tier code. An L3 frame is four loads
// (shared with the tier choice) and four times valignd + vpshrdd + vpshufb + a 64-byte store;
// the frame's last byte (the last reference's low two bits and six zero padding bits) is
// written from the reference itself.
#define WIRELAB_AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vbmi2")))
#define WIRELAB_AVX512_INLINE WIRELAB_AVX512_TARGET __attribute__((always_inline)) inline
// GCC 12's own intrinsic headers trip -Wmaybe-uninitialized (their _mm*_undefined_* idiom).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// L1: byte 4j + m of the 64-byte body vector (little-endian lane j) is reference 4j + 3 - m's
// low byte, so lane j's value is the big-endian word of references 4j..4j+3. The index picks
// from two loaded vectors (32 references, 128 bytes); both halves of the body use it.
#define WIRELAB_L1_PICK(j)                                                          \
  static_cast<std::uint8_t>(4 * (4 * (j) + 3)), static_cast<std::uint8_t>(4 * (4 * (j) + 2)), \
      static_cast<std::uint8_t>(4 * (4 * (j) + 1)), static_cast<std::uint8_t>(4 * (4 * (j)))
alignas(64) constexpr std::uint8_t kL1Pick[64] = {
    WIRELAB_L1_PICK(0), WIRELAB_L1_PICK(1), WIRELAB_L1_PICK(2), WIRELAB_L1_PICK(3),
    WIRELAB_L1_PICK(4), WIRELAB_L1_PICK(5), WIRELAB_L1_PICK(6), WIRELAB_L1_PICK(7),
    WIRELAB_L1_PICK(0), WIRELAB_L1_PICK(1), WIRELAB_L1_PICK(2), WIRELAB_L1_PICK(3),
    WIRELAB_L1_PICK(4), WIRELAB_L1_PICK(5), WIRELAB_L1_PICK(6), WIRELAB_L1_PICK(7)};
#undef WIRELAB_L1_PICK

// L2: 16-bit element 2j of the result is reference 2j + 1's low half, element 2j + 1 reference
// 2j's, so lane j's value is (ref[2j] << 16) | ref[2j + 1]. Indices are into two loaded vectors
// of 16 references (32 16-bit elements each).
alignas(64) constexpr std::uint16_t kL2Pick[32] = {
    2,  0,  6,  4,  10, 8,  14, 12, 18, 16, 22, 20, 26, 24, 30, 28,
    34, 32, 38, 36, 42, 40, 46, 44, 50, 48, 54, 52, 58, 56, 62, 60};

struct LoadedFrame {
  __m512i v[4];  // references 16c .. 16c + 15
};

WIRELAB_AVX512_INLINE LoadedFrame load_frame(const std::uint32_t* refs) {
  return {{_mm512_loadu_si512(refs), _mm512_loadu_si512(refs + 16), _mm512_loadu_si512(refs + 32),
           _mm512_loadu_si512(refs + 48)}};
}

WIRELAB_AVX512_INLINE Tier tier_of(const LoadedFrame& f) {
  const __m512i all = _mm512_or_si512(_mm512_or_si512(f.v[0], f.v[1]), _mm512_or_si512(f.v[2], f.v[3]));
  if (_mm512_test_epi32_mask(all, _mm512_set1_epi32(~0xFF)) == 0) return Tier::kL1;
  if (_mm512_test_epi32_mask(all, _mm512_set1_epi32(~0xFFFF)) == 0) return Tier::kL2;
  return Tier::kL3;
}

// Writes the 64 bytes of body words `w` shifted right two bits behind `prev`'s last lane.
WIRELAB_AVX512_INLINE void store_shifted(__m512i prev, __m512i w, std::uint8_t* out) {
  const __m512i swap32 = _mm512_set4_epi32(0x0C0D0E0F, 0x08090A0B, 0x04050607, 0x00010203);
  const __m512i before = _mm512_alignr_epi32(w, prev, 15);
  _mm512_storeu_si512(out, _mm512_shuffle_epi8(_mm512_shrdi_epi32(w, before, 2), swap32));
}

template <unsigned Width>
WIRELAB_AVX512_INLINE std::size_t pack_loaded(Tier tier, const LoadedFrame& f,
                                              std::uint32_t last_ref, std::uint8_t* out) {
  const __m512i code = _mm512_set1_epi32(static_cast<int>(tier));
  if (Width == 32) {
    store_shifted(code, f.v[0], out);
    store_shifted(f.v[0], f.v[1], out + 64);
    store_shifted(f.v[1], f.v[2], out + 128);
    store_shifted(f.v[2], f.v[3], out + 192);
  } else if (Width == 16) {
    const __m512i pick = _mm512_load_si512(kL2Pick);
    const __m512i w0 = _mm512_permutex2var_epi16(f.v[0], pick, f.v[1]);
    const __m512i w1 = _mm512_permutex2var_epi16(f.v[2], pick, f.v[3]);
    store_shifted(code, w0, out);
    store_shifted(w0, w1, out + 64);
  } else {
    const __m512i pick = _mm512_load_si512(kL1Pick);
    const __m512i w = _mm512_mask_blend_epi8(0xFFFFFFFF00000000ull,
                                             _mm512_permutex2var_epi8(f.v[0], pick, f.v[1]),
                                             _mm512_permutex2var_epi8(f.v[2], pick, f.v[3]));
    store_shifted(code, w, out);
  }
  out[8 * Width] = static_cast<std::uint8_t>(last_ref << 6);
  return 8 * Width + 1;
}

WIRELAB_AVX512_INLINE std::size_t pack_full_avx512(Tier tier, const std::uint32_t* refs,
                                                   std::uint8_t* out) {
  const LoadedFrame f = load_frame(refs);
  switch (tier) {
    case Tier::kL1: return pack_loaded<8>(tier, f, refs[kFrameRefs - 1], out);
    case Tier::kL2: return pack_loaded<16>(tier, f, refs[kFrameRefs - 1], out);
    default: return pack_loaded<32>(tier, f, refs[kFrameRefs - 1], out);
  }
}

WIRELAB_AVX512_INLINE std::size_t pack_auto_avx512(const std::uint32_t* refs, std::uint8_t* out) {
  const LoadedFrame f = load_frame(refs);
  const Tier tier = tier_of(f);
  switch (tier) {
    case Tier::kL1: return pack_loaded<8>(tier, f, refs[kFrameRefs - 1], out);
    case Tier::kL2: return pack_loaded<16>(tier, f, refs[kFrameRefs - 1], out);
    default: return pack_loaded<32>(tier, f, refs[kFrameRefs - 1], out);
  }
}

WIRELAB_AVX512_TARGET std::size_t pack_full_frames_avx512(const std::uint32_t* refs,
                                                          std::size_t frames, std::uint8_t* out) {
  std::uint8_t* at = out;
  for (std::size_t i = 0; i < frames; ++i) at += pack_auto_avx512(refs + i * kFrameRefs, at);
  return static_cast<std::size_t>(at - out);
}

WIRELAB_AVX512_TARGET std::size_t pack_frame_avx512(Tier tier, const std::uint32_t* refs,
                                                    std::uint8_t* out) {
  return pack_full_avx512(tier, refs, out);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

bool have_avx512() {
  static const bool have = __builtin_cpu_supports("avx512f") &&
                           __builtin_cpu_supports("avx512bw") &&
                           __builtin_cpu_supports("avx512vbmi") &&
                           __builtin_cpu_supports("avx512vbmi2");
  return have;
}
#else
bool have_avx512() { return false; }
#endif

}  // namespace

bool pack_uses_simd() { return have_avx512(); }

std::size_t pack_frame_auto(const std::uint32_t* refs, std::size_t count, std::uint8_t* out) {
#ifdef WIRELAB_REFCODEC_AVX512
  if (count == kFrameRefs && have_avx512()) return pack_full_frames_avx512(refs, 1, out);
#endif
  return pack_frame(tier_for(refs, count), refs, count, out);
}

std::size_t pack_full_frames(const std::uint32_t* refs, std::size_t frames, std::uint8_t* out) {
#ifdef WIRELAB_REFCODEC_AVX512
  if (have_avx512()) return pack_full_frames_avx512(refs, frames, out);
#endif
  return pack_full_frames_scalar(refs, frames, out);
}

std::size_t pack_full_frames_scalar(const std::uint32_t* refs, std::size_t frames,
                                    std::uint8_t* out) {
  std::uint8_t* at = out;
  for (std::size_t i = 0; i < frames; ++i) {
    const std::uint32_t* frame = refs + i * kFrameRefs;
    at += pack_frame_scalar(tier_for(frame, kFrameRefs), frame, kFrameRefs, at);
  }
  return static_cast<std::size_t>(at - out);
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
  if (count == kFrameRefs && have_avx512()) return pack_frame_avx512(tier, refs, out);
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

// The work one CUDA warp does on one reference frame, written as plain functions of the lane so
// that the host can run the very same code lane by lane (tests/refcodec/frame_batch_test.cc does,
// on machines without a GPU) and the kernels in frame_kernels.cu only add the thread indexing.
//
// A frame of n references at width w (8, 16 or 32 bits) is the 2-bit tier code followed by the
// references' big-endian byte string, zero-padded: n*w/8 + 1 bytes. Both directions go through
// a per-warp stage in shared memory: pack stages 32-bit words (below), unpack the frame's bytes,
// stage[i] = in[i], so that body byte j = in[j] << 2 | in[j + 1] >> 6.
// Only C++17 and no CUDA headers here: the host test compiles it with g++.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define WIRELAB_HD __host__ __device__ __forceinline__
#else
#define WIRELAB_HD inline
#endif

namespace wirelab::refcodec::warp {

inline constexpr unsigned kLanes = 32;
inline constexpr unsigned kFrameRefs = 64;  // reference_frame.h's kFrameRefs
// Largest unpack stage: a whole L3 frame, 257 bytes.
inline constexpr unsigned kStageBytes = 260;

// The width of the narrowest tier that holds `all` (the OR of a frame's references).
WIRELAB_HD unsigned width_for(std::uint32_t all) {
  return all <= 0xFFu ? 8u : all <= 0xFFFFu ? 16u : 32u;
}

// Tier code 0, 1, 2 for widths 8, 16, 32 (reference_frame.h's Tier).
WIRELAB_HD unsigned tier_code(unsigned width_bits) { return width_bits == 8 ? 0u : width_bits == 16 ? 1u : 2u; }

// References in frame `frame` of a batch of `count`: 64, the last one fewer.
WIRELAB_HD unsigned refs_in_frame(std::size_t count, std::size_t frame) {
  const std::size_t left = count - frame * kFrameRefs;
  return left < kFrameRefs ? static_cast<unsigned>(left) : kFrameRefs;
}

// Bytes of a frame of n references at the width: ceil((2 + n*w) / 8) = n*w/8 + 1.
WIRELAB_HD unsigned frame_bytes(unsigned width_bits, unsigned n) { return n * width_bits / 8 + 1; }

// Pack works on 32-bit words. The frame is the bit string S = tier code (2 bits) then the body
// (the references' big-endian byte string), and an output word at frame byte i is the 32 bits of
// S from bit 8i: a funnel shift of two words of S, each word of S itself two body words joined
// (S word q = body word q-1's low two bits over body word q's high thirty). The pack stage holds
//   words[0] = tier code, words[1 + m] = body word m (zero past the references), then two zeros,
// so S word q = words[q] << 30 | words[q + 1] >> 2 for every q a frame needs.
inline constexpr unsigned kStageWords = 1 + kFrameRefs + 2;

// Pack, first phase: reference k (value r) into refs_stage[k]; every k < n by exactly one lane.
WIRELAB_HD void pack_stage_ref(unsigned k, std::uint32_t r, std::uint32_t* refs_stage) { refs_stage[k] = r; }

// Body words of the frame (zero past its references), from the staged references.
WIRELAB_HD unsigned body_words(unsigned width_bits, unsigned n) { return (n * width_bits + 31) / 32; }

WIRELAB_HD std::uint32_t body_word(const std::uint32_t* refs_stage, unsigned n, unsigned width_bits, unsigned m) {
  const unsigned per_word = 32 / width_bits;
  const std::uint32_t mask = width_bits == 32 ? 0xFFFFFFFFu : (1u << width_bits) - 1;
  std::uint32_t w = 0;
  for (unsigned j = 0; j < per_word; ++j) {
    const unsigned k = m * per_word + j;
    w = (width_bits == 32 ? 0 : w << width_bits) | (k < n ? refs_stage[k] & mask : 0);
  }
  return w;
}

// Pack, second phase (after the references are staged): stage word `index` (0 .. kStageWords).
// Lanes cover index = lane, lane + 32, lane + 64 below kStageWords.
WIRELAB_HD void pack_stage_word(unsigned index, const std::uint32_t* refs_stage, unsigned n, unsigned width_bits,
                                std::uint32_t* words) {
  const unsigned nw = body_words(width_bits, n);
  if (index == 0) {
    words[0] = tier_code(width_bits);
  } else if (index <= nw) {
    words[index] = body_word(refs_stage, n, width_bits, index - 1);
  } else if (index <= nw + 2) {
    words[index] = 0;
  }
}

// The 32 bits of S from bit 8i, most significant first.
WIRELAB_HD std::uint32_t frame_window(const std::uint32_t* words, unsigned i) {
  const unsigned q = i / 4;
  const unsigned shift = 8 * (i % 4);
  const std::uint32_t s0 = (words[q] << 30) | (words[q + 1] >> 2);
  if (shift == 0) return s0;
  const std::uint32_t s1 = (words[q + 1] << 30) | (words[q + 2] >> 2);
  return (s0 << shift) | (s1 >> (32 - shift));
}

WIRELAB_HD std::uint32_t byte_swap(std::uint32_t v) {
#if defined(__CUDA_ARCH__)
  return __byte_perm(v, 0, 0x0123);
#else
  return __builtin_bswap32(v);
#endif
}

WIRELAB_HD void store_word(std::uint8_t* at, std::uint32_t v) {
#if defined(__CUDA_ARCH__)
  *reinterpret_cast<std::uint32_t*>(at) = v;
#else
  std::memcpy(at, &v, 4);  // little-endian like the GPU: byte 0 is the lowest
#endif
}

// Pack, third phase, for one lane: the frame's `size` bytes go to out[offset, offset + size),
// `out` being 4-byte aligned. Aligned words that lie wholly inside the frame are single 32-bit
// stores; the partial words at the frame's two ends are written byte by byte, because the
// neighbouring frames' warps write the other bytes of those words.
WIRELAB_HD void pack_emit(unsigned lane, const std::uint32_t* words, unsigned size, std::uint8_t* out,
                          std::uint64_t offset) {
  const std::uint64_t end = offset + size;
  const std::uint64_t first_word = (offset + 3) / 4;
  const std::uint64_t end_word = end / 4;
  const std::uint64_t head_end = first_word * 4 < end ? first_word * 4 : end;
  for (std::uint64_t a = offset + lane; a < head_end; a += kLanes) {
    out[a] = static_cast<std::uint8_t>(frame_window(words, static_cast<unsigned>(a - offset)) >> 24);
  }
  for (std::uint64_t w = first_word + lane; w < end_word; w += kLanes) {
    store_word(out + w * 4, byte_swap(frame_window(words, static_cast<unsigned>(w * 4 - offset))));
  }
  const std::uint64_t tail_begin = end_word * 4 > head_end ? end_word * 4 : head_end;
  for (std::uint64_t a = tail_begin + lane; a < end; a += kLanes) {
    out[a] = static_cast<std::uint8_t>(frame_window(words, static_cast<unsigned>(a - offset)) >> 24);
  }
}

// Unpack: the width a frame's first byte announces, 0 for a control code (not a frame).
WIRELAB_HD unsigned width_of_first_byte(std::uint8_t first) {
  const unsigned code = first >> 6;
  return code == 3 ? 0u : 8u << code;
}

// Unpack, second phase (the first copies the frame's bytes into the stage): reference k.
WIRELAB_HD std::uint32_t unpack_ref(const std::uint8_t* stage, unsigned k, unsigned width_bits) {
  const unsigned bytes_per_ref = width_bits / 8;
  std::uint32_t r = 0;
  for (unsigned b = 0; b < bytes_per_ref; ++b) {
    const unsigned j = k * bytes_per_ref + b;
    r = (r << 8) | static_cast<std::uint8_t>((stage[j] << 2) | (stage[j + 1] >> 6));
  }
  return r;
}

// Unpack: whether the frame's padding (the last byte's low six bits) is zero.
WIRELAB_HD bool padding_is_zero(const std::uint8_t* stage, unsigned size) {
  return (stage[size - 1] & 0x3F) == 0;
}

}  // namespace wirelab::refcodec::warp

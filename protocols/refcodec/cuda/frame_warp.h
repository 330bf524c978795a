// The work one CUDA warp does on one reference frame, written as plain functions of the lane so
// that the host can run the very same code lane by lane (tests/refcodec/frame_batch_test.cc does,
// on machines without a GPU) and the kernels in frame_kernels.cu only add the thread indexing.
//
// A frame of n references at width w (8, 16 or 32 bits) is the 2-bit tier code followed by the
// references' big-endian byte string, zero-padded: n*w/8 + 1 bytes. Both directions go through
// a per-warp stage in shared memory that holds the frame as bytes one position apart:
//   pack:   stage[0] = tier code, stage[1 + j] = body byte j, stage[1 + n*w/8] = 0, so that
//           out[i] = stage[i] << 6 | stage[i + 1] >> 2 (the body shifted right by two bits);
//   unpack: stage[i] = in[i], so that body byte j = in[j] << 2 | in[j + 1] >> 6.
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
// Largest stage: the tier byte, 256 body bytes (64 x 32 bits) and the trailing zero.
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

// Pack, first phase: reference k of the frame (value r) into the stage. Every k < n is staged
// by exactly one lane; the lane staging k == 0 also writes the tier byte and the trailing zero.
WIRELAB_HD void pack_stage_ref(unsigned k, std::uint32_t r, unsigned n, unsigned width_bits,
                               std::uint8_t* stage) {
  const unsigned bytes_per_ref = width_bits / 8;
  std::uint8_t* at = stage + 1 + k * bytes_per_ref;
  for (unsigned b = 0; b < bytes_per_ref; ++b) {
    at[b] = static_cast<std::uint8_t>(r >> (8 * (bytes_per_ref - 1 - b)));
  }
  if (k == 0) {
    stage[0] = static_cast<std::uint8_t>(tier_code(width_bits));
    stage[1 + n * bytes_per_ref] = 0;
  }
}

WIRELAB_HD std::uint8_t packed_byte(const std::uint8_t* stage, unsigned i) {
  return static_cast<std::uint8_t>((stage[i] << 6) | (stage[i + 1] >> 2));
}

WIRELAB_HD void store_word(std::uint8_t* at, std::uint32_t v) {
#if defined(__CUDA_ARCH__)
  *reinterpret_cast<std::uint32_t*>(at) = v;
#else
  std::memcpy(at, &v, 4);  // little-endian like the GPU: byte 0 is the lowest
#endif
}

// Pack, second phase, for one lane: the frame's `size` bytes go to out[offset, offset + size),
// `out` being 4-byte aligned. Aligned words that lie wholly inside the frame are single 32-bit
// stores; the partial words at the frame's two ends are written byte by byte, because the
// neighbouring frames' warps write the other bytes of those words.
WIRELAB_HD void pack_emit(unsigned lane, const std::uint8_t* stage, unsigned size,
                          std::uint8_t* out, std::uint64_t offset) {
  const std::uint64_t end = offset + size;
  const std::uint64_t first_word = (offset + 3) / 4;
  const std::uint64_t end_word = end / 4;
  const std::uint64_t head_end = first_word * 4 < end ? first_word * 4 : end;
  for (std::uint64_t a = offset + lane; a < head_end; a += kLanes) {
    out[a] = packed_byte(stage, static_cast<unsigned>(a - offset));
  }
  for (std::uint64_t w = first_word + lane; w < end_word; w += kLanes) {
    const unsigned i = static_cast<unsigned>(w * 4 - offset);
    store_word(out + w * 4, static_cast<std::uint32_t>(packed_byte(stage, i)) |
                                static_cast<std::uint32_t>(packed_byte(stage, i + 1)) << 8 |
                                static_cast<std::uint32_t>(packed_byte(stage, i + 2)) << 16 |
                                static_cast<std::uint32_t>(packed_byte(stage, i + 3)) << 24);
  }
  const std::uint64_t tail_begin = end_word * 4 > head_end ? end_word * 4 : head_end;
  for (std::uint64_t a = tail_begin + lane; a < end; a += kLanes) {
    out[a] = packed_byte(stage, static_cast<unsigned>(a - offset));
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

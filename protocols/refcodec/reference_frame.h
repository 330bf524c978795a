// The data frame of a PacketFS reference stream: a 2-bit tier code followed by the frame's
// references, most significant bit first, at the tier's width, zero-padded to a byte.
//
// One tier code covers a whole frame of up to kFrameRefs references (docs/protocols/refcodec.md
// explains why: the "64 L1 references 0..63 pack into 514 bits" leaves room for exactly
// one 2-bit code and no count). A frame of 64 references is therefore 2 + 64 x width bits:
// 65, 129 or 257 bytes for L1, L2, L3. Shorter frames are announced by a SHORT control unit
// in the stream (reference_stream_writer.h); this file only packs and unpacks the frame body.
//
// The packing is word-at-a-time: the frame body is the big-endian byte string of the
// references shifted right by two bits behind the tier code, so each output word is two input
// words joined by one funnel shift; no per-bit loop anywhere.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wirelab::refcodec {

enum class Tier : std::uint8_t {
  kL1 = 0,       // 00: 8-bit references
  kL2 = 1,       // 01: 16-bit references
  kL3 = 2,       // 10: 32-bit references
  kControl = 3,  // 11: a control unit (SYNC, SHORT) follows in this byte
};

inline constexpr std::size_t kFrameRefs = 64;

inline constexpr unsigned tier_width_bits(Tier tier) {
  return tier == Tier::kL1 ? 8 : tier == Tier::kL2 ? 16 : 32;
}

// The narrowest tier that holds every reference in refs[0, count).
Tier tier_for(const std::uint32_t* refs, std::size_t count);

// Bytes a frame of `count` references at `tier` occupies on the wire: ceil((2 + count*w) / 8).
inline constexpr std::size_t frame_size_bytes(Tier tier, std::size_t count) {
  return (2 + count * tier_width_bits(tier) + 7) / 8;
}

// Writes a frame of `count` (1..kFrameRefs) references at `tier` to out[0, frame_size_bytes).
// References wider than the tier are truncated to it; callers pick the tier with tier_for.
// Returns the bytes written.
std::size_t pack_frame(Tier tier, const std::uint32_t* refs, std::size_t count, std::uint8_t* out);

// Picks the tier with tier_for and packs.
std::size_t pack_frame_auto(const std::uint32_t* refs, std::size_t count, std::uint8_t* out);

// Packs `frames` full frames (refs[0, 64 x frames)) back to back, each at the narrowest tier that
// holds it: the bytes pack_frame_auto writes frame by frame, in one call, so the per-frame call,
// dispatch and tier choice fold into one loop (the stream writer's, the batch's and the
// benchmark's path). out needs room for frames x 257 bytes; returns the bytes written.
std::size_t pack_full_frames(const std::uint32_t* refs, std::size_t frames, std::uint8_t* out);

// The portable word-at-a-time packers, which the ones above fall back to on CPUs without
// AVX-512 (F, BW, VBMI, VBMI2); exposed so tests check both against the rule on any machine.
std::size_t pack_frame_scalar(Tier tier, const std::uint32_t* refs, std::size_t count,
                              std::uint8_t* out);
std::size_t pack_full_frames_scalar(const std::uint32_t* refs, std::size_t frames,
                                    std::uint8_t* out);

// Whether pack_frame takes the AVX-512 path on this CPU (benchmarks print it).
bool pack_uses_simd();

// Reads a frame of `count` references whose tier code is in in[0]'s top two bits (the caller
// has checked it is a data tier and that frame_size_bytes are available). Returns false when
// the padding bits are not zero (a corrupt or forged frame), true otherwise.
bool unpack_frame(const std::uint8_t* in, std::size_t count, std::uint32_t* refs);

}  // namespace wirelab::refcodec

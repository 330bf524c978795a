// Batches of reference frames packed or unpacked in one call, on the GPU where there is one.
//
// A batch of `count` references is cut into frames of kFrameRefs (the last one shorter when
// count is not a multiple), each packed at the narrowest tier that holds it and laid back to
// back: the very bytes pack_frame_auto writes frame by frame. The stream writer adds SHORT and
// SYNC units around frames; a batch is only the frames.
//
// Two paths, bit-exact with each other: the CPU (reference_frame.h, AVX-512 where the CPU has
// it) and a CUDA kernel (cuda/frame_kernels.h). The CUDA path exists only in builds where CMake
// found nvcc, and frame_codec_path() picks it only when such a build also sees a GPU
// (cudaGetDeviceCount > 0); everywhere else it is the CPU. The GPU pays a copy each way over
// PCIe per call, so it pays off for large batches, not for one packet's frames.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wirelab::refcodec {

enum class FrameCodecPath : std::uint8_t { kCpu, kCuda };

const char* to_string(FrameCodecPath path);  // "cpu", "cuda"

// The dispatch rule: CUDA when it was built and a device is visible, the CPU otherwise.
FrameCodecPath choose_frame_codec_path(bool cuda_built, int cuda_devices);

// Whether this build has the CUDA kernels, and how many devices it sees (0 without either).
bool cuda_codec_built();
int cuda_device_count();

// The path pack_frames and unpack_frames take in this process: choose_frame_codec_path of the
// two above, decided at the first call.
FrameCodecPath frame_codec_path();

// Upper bound of a batch's packed size: 4 bytes per reference and one per frame (L3).
inline constexpr std::size_t max_packed_bytes(std::size_t count) {
  return count * 4 + (count + 63) / 64;
}

// Packs the batch into out (room for max_packed_bytes(count)); returns the bytes written.
// Throws std::runtime_error if the CUDA path fails (out of device memory, a lost device).
std::size_t pack_frames(const std::uint32_t* refs, std::size_t count, std::uint8_t* out);
std::size_t pack_frames(FrameCodecPath path, const std::uint32_t* refs, std::size_t count,
                        std::uint8_t* out);

// Byte offsets of a batch's frames in in[0, size) (frames + 1 entries into `offsets`, the last
// equal to size), read off each frame's tier code. False when a frame starts with a control
// code, runs past `size`, or the frames do not end exactly at `size`.
bool frame_offsets(const std::uint8_t* in, std::size_t size, std::size_t count,
                   std::uint64_t* offsets);

// Unpacks a batch of `count` references from in[0, size). False, with refs unspecified, when
// frame_offsets refuses the bytes or a frame's padding bits are not zero.
bool unpack_frames(const std::uint8_t* in, std::size_t size, std::size_t count,
                   std::uint32_t* refs);
bool unpack_frames(FrameCodecPath path, const std::uint8_t* in, std::size_t size,
                   std::size_t count, std::uint32_t* refs);

}  // namespace wirelab::refcodec

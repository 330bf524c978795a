// The CUDA reference-frame codec: pack and unpack whole batches of frames on the GPU, bit-exact
// with reference_frame.h. Built only where CMake finds nvcc (WIRELAB_HAVE_CUDA is then defined
// for everything that links wirelab_protocols); callers normally go through frame_batch.h, which
// picks this path only when a GPU is present. This header needs no CUDA headers.
//
// Three kernels per pack: the size of every frame (one warp per frame: the OR of its references
// picks the tier), an exclusive scan of the sizes into byte offsets (CUB), and the packing (one
// warp per frame, frame_warp.h). Unpack takes the offsets (the host finds them by reading each
// frame's first byte, frame_batch.h's frame_offsets) and is one kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace wirelab::refcodec::cuda {

// CUDA devices visible to this process; 0 when there is no driver or no GPU (never throws).
int device_count();

// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs)", or "" without a device.
std::string device_description();

// Device memory, freed on destruction. Throws std::runtime_error when cudaMalloc fails.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return ptr_; }
  std::size_t size() const { return bytes_; }
  // Grows (discarding the contents) to at least `bytes`.
  void reserve(std::size_t bytes);

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

// One CUDA stream with its scratch memory. Not thread-safe: one codec per thread.
// Every CUDA failure throws std::runtime_error naming the call and CUDA's message.
class FrameCodec {
 public:
  FrameCodec();
  ~FrameCodec();
  FrameCodec(const FrameCodec&) = delete;
  FrameCodec& operator=(const FrameCodec&) = delete;

  // Device-resident, asynchronous on this codec's stream. pack: `count` references at d_refs
  // (4-byte aligned) -> frames at d_out (4-byte aligned, at least max_packed_bytes(count)),
  // byte offsets of the frames at d_offsets (frames + 1 entries, the last one the total).
  void pack_async(const std::uint32_t* d_refs, std::size_t count, std::uint8_t* d_out,
                  std::uint64_t* d_offsets);
  // unpack: the frames at d_in whose offsets d_offsets holds -> `count` references at d_refs.
  // A frame whose first byte is a control code or whose padding is not zero is counted;
  // finish() reports it.
  void unpack_async(const std::uint8_t* d_in, const std::uint64_t* d_offsets, std::size_t count,
                    std::uint32_t* d_refs);
  // A copy on the same stream, in any direction (cudaMemcpyDefault infers it from the
  // pointers): uploads, downloads, and the benchmark's device memcpy beside the kernels.
  void copy_async(void* dst, const void* src, std::size_t bytes);
  // Waits for the stream; false when an unpack since the last finish() met a bad frame.
  bool finish();

  // Host memory in and out, blocking: copies in, runs the kernels, copies out.
  std::size_t pack(const std::uint32_t* refs, std::size_t count, std::uint8_t* out);
  // `offsets` (frames + 1 entries) as frame_offsets found them.
  bool unpack(const std::uint8_t* in, std::size_t size, const std::uint64_t* offsets,
              std::size_t count, std::uint32_t* refs);

  // Times work enqueued on this codec's stream between start() and stop() with CUDA events:
  // stop() waits and returns the elapsed seconds.
  void timer_start();
  double timer_stop_s();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace wirelab::refcodec::cuda

#include "protocols/refcodec/cuda/frame_kernels.h"

#include <cuda_runtime.h>

#include <cub/device/device_scan.cuh>
#include <stdexcept>
#include <utility>

#include "protocols/refcodec/cuda/frame_warp.h"

namespace wirelab::refcodec::cuda {
namespace {

constexpr unsigned kWarpsPerBlock = 8;
constexpr unsigned kThreadsPerBlock = kWarpsPerBlock * warp::kLanes;
constexpr unsigned kFullMask = 0xFFFFFFFFu;

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string("refcodec cuda: ") + what + ": " + cudaGetErrorString(err));
  }
}

std::size_t frame_count(std::size_t count) {
  return (count + warp::kFrameRefs - 1) / warp::kFrameRefs;
}

unsigned blocks_for(std::size_t frames) {
  return static_cast<unsigned>((frames + kWarpsPerBlock - 1) / kWarpsPerBlock);
}

// The OR of the frame's references, every lane holding it; the lane's own references in r0, r1.
__device__ __forceinline__ std::uint32_t load_frame_refs(const std::uint32_t* frame_refs, unsigned n,
                                                         unsigned lane, std::uint32_t& r0,
                                                         std::uint32_t& r1) {
  r0 = lane < n ? frame_refs[lane] : 0;
  r1 = lane + warp::kLanes < n ? frame_refs[lane + warp::kLanes] : 0;
  std::uint32_t all = r0 | r1;
  for (unsigned s = warp::kLanes / 2; s > 0; s /= 2) all |= __shfl_xor_sync(kFullMask, all, s);
  return all;
}

// sizes[f] = bytes of frame f (one warp per frame).
__global__ void frame_sizes_kernel(const std::uint32_t* refs, std::size_t count, std::size_t frames,
                                   std::uint64_t* sizes) {
  const std::size_t frame = static_cast<std::size_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / warp::kLanes;
  const unsigned lane = threadIdx.x % warp::kLanes;
  if (frame >= frames) return;  // the whole warp leaves together
  const unsigned n = warp::refs_in_frame(count, frame);
  std::uint32_t r0, r1;
  const std::uint32_t all = load_frame_refs(refs + frame * warp::kFrameRefs, n, lane, r0, r1);
  if (lane == 0) sizes[frame] = warp::frame_bytes(warp::width_for(all), n);
}

__global__ void pack_kernel(const std::uint32_t* refs, std::size_t count, std::size_t frames,
                            const std::uint64_t* offsets, std::uint8_t* out) {
  __shared__ std::uint32_t refs_stages[kWarpsPerBlock][warp::kFrameRefs];
  __shared__ std::uint32_t word_stages[kWarpsPerBlock][warp::kStageWords];
  const unsigned w = threadIdx.x / warp::kLanes;
  const unsigned lane = threadIdx.x % warp::kLanes;
  const std::size_t frame = static_cast<std::size_t>(blockIdx.x) * kWarpsPerBlock + w;
  if (frame >= frames) return;
  const unsigned n = warp::refs_in_frame(count, frame);
  std::uint32_t r0, r1;
  const unsigned width = warp::width_for(load_frame_refs(refs + frame * warp::kFrameRefs, n, lane, r0, r1));
  std::uint32_t* refs_stage = refs_stages[w];
  std::uint32_t* words = word_stages[w];
  if (lane < n) warp::pack_stage_ref(lane, r0, refs_stage);
  if (lane + warp::kLanes < n) warp::pack_stage_ref(lane + warp::kLanes, r1, refs_stage);
  __syncwarp();
  for (unsigned i = lane; i < warp::kStageWords; i += warp::kLanes) warp::pack_stage_word(i, refs_stage, n, width, words);
  __syncwarp();
  warp::pack_emit(lane, words, warp::frame_bytes(width, n), out, offsets[frame]);
}

__global__ void unpack_kernel(const std::uint8_t* in, const std::uint64_t* offsets, std::size_t count,
                              std::size_t frames, std::uint32_t* refs, unsigned* bad_frames) {
  __shared__ std::uint8_t stages[kWarpsPerBlock][warp::kStageBytes];
  const unsigned w = threadIdx.x / warp::kLanes;
  const unsigned lane = threadIdx.x % warp::kLanes;
  const std::size_t frame = static_cast<std::size_t>(blockIdx.x) * kWarpsPerBlock + w;
  if (frame >= frames) return;
  const unsigned n = warp::refs_in_frame(count, frame);
  const std::uint8_t* at = in + offsets[frame];
  const unsigned width = warp::width_of_first_byte(at[0]);
  if (width == 0) {
    if (lane == 0) atomicAdd(bad_frames, 1u);
    return;
  }
  const unsigned size = warp::frame_bytes(width, n);
  std::uint8_t* stage = stages[w];
  for (unsigned i = lane; i < size; i += warp::kLanes) stage[i] = at[i];
  __syncwarp();
  std::uint32_t* frame_refs = refs + frame * warp::kFrameRefs;
  for (unsigned k = lane; k < n; k += warp::kLanes) frame_refs[k] = warp::unpack_ref(stage, k, width);
  if (lane == 0 && !warp::padding_is_zero(stage, size)) atomicAdd(bad_frames, 1u);
}

}  // namespace

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" / "no device" error
    return 0;
  }
  return n;
}

std::string device_description() {
  if (device_count() == 0) return "";
  int device = 0;
  cudaDeviceProp prop{};
  if (cudaGetDevice(&device) != cudaSuccess || cudaGetDeviceProperties(&prop, device) != cudaSuccess) return "";
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ", " +
         std::to_string(prop.multiProcessorCount) + " SMs)";
}

DeviceBuffer::DeviceBuffer(std::size_t bytes) { reserve(bytes); }

DeviceBuffer::~DeviceBuffer() {
  if (ptr_ != nullptr) cudaFree(ptr_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (ptr_ != nullptr) cudaFree(ptr_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void DeviceBuffer::reserve(std::size_t bytes) {
  if (bytes <= bytes_) return;
  if (ptr_ != nullptr) cudaFree(ptr_);
  ptr_ = nullptr;
  bytes_ = 0;
  check(cudaMalloc(&ptr_, bytes), "cudaMalloc");
  bytes_ = bytes;
}

struct FrameCodec::State {
  cudaStream_t stream = nullptr;
  cudaEvent_t timer_begin = nullptr;
  cudaEvent_t timer_end = nullptr;
  DeviceBuffer sizes, scan_scratch, bad_frames;
  DeviceBuffer host_refs, host_frames, host_offsets;  // the host API's staging
};

FrameCodec::FrameCodec() : state_(std::make_unique<State>()) {
  check(cudaStreamCreateWithFlags(&state_->stream, cudaStreamNonBlocking), "cudaStreamCreate");
  check(cudaEventCreate(&state_->timer_begin), "cudaEventCreate");
  check(cudaEventCreate(&state_->timer_end), "cudaEventCreate");
  state_->bad_frames.reserve(sizeof(unsigned));
  check(cudaMemsetAsync(state_->bad_frames.get(), 0, sizeof(unsigned), state_->stream), "cudaMemsetAsync");
}

FrameCodec::~FrameCodec() {
  if (state_->stream != nullptr) cudaStreamSynchronize(state_->stream);
  if (state_->timer_begin != nullptr) cudaEventDestroy(state_->timer_begin);
  if (state_->timer_end != nullptr) cudaEventDestroy(state_->timer_end);
  if (state_->stream != nullptr) cudaStreamDestroy(state_->stream);
}

void FrameCodec::pack_async(const std::uint32_t* d_refs, std::size_t count, std::uint8_t* d_out,
                            std::uint64_t* d_offsets) {
  const std::size_t frames = frame_count(count);
  cudaStream_t stream = state_->stream;
  // sizes has a zero after the last frame so the exclusive scan's last entry is the total.
  state_->sizes.reserve((frames + 1) * sizeof(std::uint64_t));
  auto* sizes = static_cast<std::uint64_t*>(state_->sizes.get());
  check(cudaMemsetAsync(sizes + frames, 0, sizeof(std::uint64_t), stream), "cudaMemsetAsync");
  if (frames > 0) {
    frame_sizes_kernel<<<blocks_for(frames), kThreadsPerBlock, 0, stream>>>(d_refs, count, frames, sizes);
    check(cudaGetLastError(), "frame_sizes_kernel launch");
  }
  std::size_t scratch_bytes = 0;
  check(cub::DeviceScan::ExclusiveSum(nullptr, scratch_bytes, sizes, d_offsets, frames + 1, stream),
        "cub::DeviceScan::ExclusiveSum (size query)");
  state_->scan_scratch.reserve(scratch_bytes);
  check(cub::DeviceScan::ExclusiveSum(state_->scan_scratch.get(), scratch_bytes, sizes, d_offsets,
                                      frames + 1, stream),
        "cub::DeviceScan::ExclusiveSum");
  if (frames > 0) {
    pack_kernel<<<blocks_for(frames), kThreadsPerBlock, 0, stream>>>(d_refs, count, frames, d_offsets, d_out);
    check(cudaGetLastError(), "pack_kernel launch");
  }
}

void FrameCodec::unpack_async(const std::uint8_t* d_in, const std::uint64_t* d_offsets, std::size_t count,
                              std::uint32_t* d_refs) {
  const std::size_t frames = frame_count(count);
  if (frames == 0) return;
  unpack_kernel<<<blocks_for(frames), kThreadsPerBlock, 0, state_->stream>>>(
      d_in, d_offsets, count, frames, d_refs, static_cast<unsigned*>(state_->bad_frames.get()));
  check(cudaGetLastError(), "unpack_kernel launch");
}

void FrameCodec::copy_async(void* dst, const void* src, std::size_t bytes) {
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, state_->stream), "cudaMemcpyAsync");
}

bool FrameCodec::finish() {
  unsigned bad = 0;
  check(cudaMemcpyAsync(&bad, state_->bad_frames.get(), sizeof bad, cudaMemcpyDeviceToHost, state_->stream),
        "cudaMemcpyAsync (bad frame count)");
  check(cudaMemsetAsync(state_->bad_frames.get(), 0, sizeof bad, state_->stream), "cudaMemsetAsync");
  check(cudaStreamSynchronize(state_->stream), "cudaStreamSynchronize");
  return bad == 0;
}

std::size_t FrameCodec::pack(const std::uint32_t* refs, std::size_t count, std::uint8_t* out) {
  if (count == 0) return 0;
  const std::size_t frames = frame_count(count);
  state_->host_refs.reserve(count * sizeof(std::uint32_t));
  state_->host_frames.reserve(count * 4 + frames);
  state_->host_offsets.reserve((frames + 1) * sizeof(std::uint64_t));
  auto* d_refs = static_cast<std::uint32_t*>(state_->host_refs.get());
  auto* d_out = static_cast<std::uint8_t*>(state_->host_frames.get());
  auto* d_offsets = static_cast<std::uint64_t*>(state_->host_offsets.get());
  cudaStream_t stream = state_->stream;
  check(cudaMemcpyAsync(d_refs, refs, count * sizeof(std::uint32_t), cudaMemcpyHostToDevice, stream),
        "cudaMemcpyAsync (references in)");
  pack_async(d_refs, count, d_out, d_offsets);
  std::uint64_t total = 0;
  check(cudaMemcpyAsync(&total, d_offsets + frames, sizeof total, cudaMemcpyDeviceToHost, stream),
        "cudaMemcpyAsync (packed size)");
  check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  check(cudaMemcpyAsync(out, d_out, total, cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync (frames out)");
  check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  return static_cast<std::size_t>(total);
}

bool FrameCodec::unpack(const std::uint8_t* in, std::size_t size, const std::uint64_t* offsets,
                        std::size_t count, std::uint32_t* refs) {
  if (count == 0) return true;
  const std::size_t frames = frame_count(count);
  state_->host_frames.reserve(size);
  state_->host_offsets.reserve((frames + 1) * sizeof(std::uint64_t));
  state_->host_refs.reserve(count * sizeof(std::uint32_t));
  auto* d_in = static_cast<std::uint8_t*>(state_->host_frames.get());
  auto* d_offsets = static_cast<std::uint64_t*>(state_->host_offsets.get());
  auto* d_refs = static_cast<std::uint32_t*>(state_->host_refs.get());
  cudaStream_t stream = state_->stream;
  check(cudaMemcpyAsync(d_in, in, size, cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync (frames in)");
  check(cudaMemcpyAsync(d_offsets, offsets, (frames + 1) * sizeof(std::uint64_t), cudaMemcpyHostToDevice, stream),
        "cudaMemcpyAsync (offsets in)");
  unpack_async(d_in, d_offsets, count, d_refs);
  check(cudaMemcpyAsync(refs, d_refs, count * sizeof(std::uint32_t), cudaMemcpyDeviceToHost, stream),
        "cudaMemcpyAsync (references out)");
  return finish();
}

void FrameCodec::timer_start() { check(cudaEventRecord(state_->timer_begin, state_->stream), "cudaEventRecord"); }

double FrameCodec::timer_stop_s() {
  check(cudaEventRecord(state_->timer_end, state_->stream), "cudaEventRecord");
  check(cudaEventSynchronize(state_->timer_end), "cudaEventSynchronize");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, state_->timer_begin, state_->timer_end), "cudaEventElapsedTime");
  return ms / 1e3;
}

}  // namespace wirelab::refcodec::cuda

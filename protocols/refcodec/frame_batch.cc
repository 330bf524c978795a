#include "protocols/refcodec/frame_batch.h"

#include <mutex>
#include <stdexcept>
#include <vector>

#include "protocols/refcodec/reference_frame.h"

#ifdef WIRELAB_HAVE_CUDA
#include "protocols/refcodec/cuda/frame_kernels.h"
#endif

namespace wirelab::refcodec {
namespace {

std::size_t frame_count(std::size_t count) { return (count + kFrameRefs - 1) / kFrameRefs; }

std::size_t refs_in_frame(std::size_t count, std::size_t frame) {
  const std::size_t left = count - frame * kFrameRefs;
  return left < kFrameRefs ? left : kFrameRefs;
}

std::size_t pack_frames_cpu(const std::uint32_t* refs, std::size_t count, std::uint8_t* out) {
  const std::size_t full = count / kFrameRefs;
  std::size_t size = pack_full_frames(refs, full, out);
  if (count % kFrameRefs != 0) {
    size += pack_frame_auto(refs + full * kFrameRefs, count % kFrameRefs, out + size);
  }
  return size;
}

bool unpack_frames_cpu(const std::uint8_t* in, const std::uint64_t* offsets, std::size_t count,
                       std::uint32_t* refs) {
  bool ok = true;
  for (std::size_t f = 0; f < frame_count(count); ++f) {
    ok &= unpack_frame(in + offsets[f], refs_in_frame(count, f), refs + f * kFrameRefs);
  }
  return ok;
}

#ifdef WIRELAB_HAVE_CUDA
// One codec (one stream and its device buffers) for the process, used under a lock: the host
// API copies through its buffers, so two callers at once would overwrite each other's.
std::mutex cuda_codec_mutex;

cuda::FrameCodec& cuda_codec() {
  static cuda::FrameCodec codec;
  return codec;
}
#else
// Asking for the CUDA path by name in a build without it is a caller's error, not a reason to
// quietly run on the CPU.
void refuse_cuda(FrameCodecPath path) {
  if (path == FrameCodecPath::kCuda) {
    throw std::invalid_argument("refcodec: this build has no CUDA frame codec (nvcc was not found)");
  }
}
#endif

}  // namespace

const char* to_string(FrameCodecPath path) { return path == FrameCodecPath::kCuda ? "cuda" : "cpu"; }

FrameCodecPath choose_frame_codec_path(bool cuda_built, int cuda_devices) {
  return cuda_built && cuda_devices > 0 ? FrameCodecPath::kCuda : FrameCodecPath::kCpu;
}

#ifdef WIRELAB_HAVE_CUDA
bool cuda_codec_built() { return true; }
int cuda_device_count() { return cuda::device_count(); }
#else
bool cuda_codec_built() { return false; }
int cuda_device_count() { return 0; }
#endif

FrameCodecPath frame_codec_path() {
  static const FrameCodecPath path = choose_frame_codec_path(cuda_codec_built(), cuda_device_count());
  return path;
}

std::size_t pack_frames(const std::uint32_t* refs, std::size_t count, std::uint8_t* out) {
  return pack_frames(frame_codec_path(), refs, count, out);
}

std::size_t pack_frames(FrameCodecPath path, const std::uint32_t* refs, std::size_t count,
                        std::uint8_t* out) {
#ifdef WIRELAB_HAVE_CUDA
  if (path == FrameCodecPath::kCuda) {
    std::lock_guard<std::mutex> lock(cuda_codec_mutex);
    return cuda_codec().pack(refs, count, out);
  }
#else
  refuse_cuda(path);
#endif
  return pack_frames_cpu(refs, count, out);
}

bool frame_offsets(const std::uint8_t* in, std::size_t size, std::size_t count,
                   std::uint64_t* offsets) {
  std::size_t at = 0;
  for (std::size_t f = 0; f < frame_count(count); ++f) {
    if (at >= size || (in[at] >> 6) == static_cast<unsigned>(Tier::kControl)) return false;
    offsets[f] = at;
    at += frame_size_bytes(static_cast<Tier>(in[at] >> 6), refs_in_frame(count, f));
  }
  offsets[frame_count(count)] = at;
  return at == size;
}

bool unpack_frames(const std::uint8_t* in, std::size_t size, std::size_t count,
                   std::uint32_t* refs) {
  return unpack_frames(frame_codec_path(), in, size, count, refs);
}

bool unpack_frames(FrameCodecPath path, const std::uint8_t* in, std::size_t size,
                   std::size_t count, std::uint32_t* refs) {
#ifndef WIRELAB_HAVE_CUDA
  refuse_cuda(path);
#endif
  std::vector<std::uint64_t> offsets(frame_count(count) + 1);
  if (!frame_offsets(in, size, count, offsets.data())) return false;
#ifdef WIRELAB_HAVE_CUDA
  if (path == FrameCodecPath::kCuda) {
    std::lock_guard<std::mutex> lock(cuda_codec_mutex);
    return cuda_codec().unpack(in, size, offsets.data(), count, refs);
  }
#endif
  return unpack_frames_cpu(in, offsets.data(), count, refs);
}

}  // namespace wirelab::refcodec

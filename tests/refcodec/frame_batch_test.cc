// Batches of frames (frame_batch.h) and the CUDA path behind them. Three layers:
//   - the dispatch rule and the CPU batch, everywhere;
//   - the CUDA kernels' per-warp code (cuda/frame_warp.h) run lane by lane on the host, so the
//     kernels' indexing (word-aligned stores, the partial words at frame edges, short frames) is
//     checked byte for byte against the CPU packer on machines without a GPU too;
//   - the kernels themselves against the CPU, which skip with the reason when no GPU is visible.
// Random batches print their seed on failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/refcodec/cuda/frame_warp.h"
#include "protocols/refcodec/frame_batch.h"
#include "protocols/refcodec/reference_frame.h"

#ifdef WIRELAB_HAVE_CUDA
#include "protocols/refcodec/cuda/frame_kernels.h"
#endif

namespace wirelab::refcodec {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Refs = std::vector<std::uint32_t>;

// Frame by frame with the single-frame API: the bytes a batch must equal.
Bytes expected_frames(const Refs& refs) {
  Bytes out(max_packed_bytes(refs.size()));
  std::size_t at = 0;
  for (std::size_t f = 0; f < refs.size(); f += kFrameRefs) {
    const std::size_t n = std::min<std::size_t>(kFrameRefs, refs.size() - f);
    at += pack_frame_auto(refs.data() + f, n, out.data() + at);
  }
  out.resize(at);
  return out;
}

// width_bits 8/16/32: every frame of that tier (values below 2^width, the first of each frame
// at the tier's top so the frame cannot fall into a narrower one); 0: a random tier per frame.
Refs random_refs(std::uint64_t seed, std::size_t count, unsigned width_bits) {
  SeededRandom rng(seed);
  Refs refs(count);
  unsigned width = width_bits;
  for (std::size_t i = 0; i < count; ++i) {
    if (i % kFrameRefs == 0 && width_bits == 0) width = 8u << rng.below(3);
    const std::uint64_t top = width == 32 ? 0xFFFFFFFFull : (1ull << width) - 1;
    refs[i] = static_cast<std::uint32_t>(i % kFrameRefs == 0 ? top : rng.below(top + 1));
  }
  return refs;
}

// The counts that matter: one reference, a short frame, exactly one frame, one past it, many
// frames with a short last one.
const std::size_t kCounts[] = {1, 2, 3, 5, 63, 64, 65, 127, 128, 1000, 64 * 257 + 17};

TEST(FrameBatchDispatch, RuleTakesCudaOnlyWhenBuiltAndADeviceIsVisible) {
  EXPECT_EQ(choose_frame_codec_path(false, 0), FrameCodecPath::kCpu);
  EXPECT_EQ(choose_frame_codec_path(false, 2), FrameCodecPath::kCpu);
  EXPECT_EQ(choose_frame_codec_path(true, 0), FrameCodecPath::kCpu);
  EXPECT_EQ(choose_frame_codec_path(true, 1), FrameCodecPath::kCuda);
  EXPECT_STREQ(to_string(FrameCodecPath::kCpu), "cpu");
  EXPECT_STREQ(to_string(FrameCodecPath::kCuda), "cuda");
}

TEST(FrameBatchDispatch, ActivePathFollowsThisMachine) {
  const int devices = cuda_device_count();
  EXPECT_GE(devices, 0);
  if (!cuda_codec_built()) {
    EXPECT_EQ(devices, 0);
  }
  EXPECT_EQ(frame_codec_path(), choose_frame_codec_path(cuda_codec_built(), devices));
  if (devices == 0) {
    EXPECT_EQ(frame_codec_path(), FrameCodecPath::kCpu);
  }
  std::printf("frame codec path here: %s (CUDA built: %s, devices: %d)\n", to_string(frame_codec_path()),
              cuda_codec_built() ? "yes" : "no", devices);
}

TEST(FrameBatchDispatch, NamingCudaWithoutItIsAnError) {
  if (frame_codec_path() == FrameCodecPath::kCuda) GTEST_SKIP() << "a GPU is present: CUDA is available";
  const Refs refs = random_refs(1, 64, 8);
  Bytes out(max_packed_bytes(refs.size()));
  // Built without nvcc: refused by name; built with it but no GPU: the CUDA runtime's error.
  EXPECT_ANY_THROW(pack_frames(FrameCodecPath::kCuda, refs.data(), refs.size(), out.data()));
}

TEST(FrameBatchCpu, IssueVectorAndMixedTiersMatchFrameByFrame) {
  Refs refs(64);
  for (std::uint32_t i = 0; i < 64; ++i) refs[i] = i;
  Bytes out(max_packed_bytes(64));
  ASSERT_EQ(pack_frames(FrameCodecPath::kCpu, refs.data(), 64, out.data()), 65u);
  EXPECT_EQ(out[0], 0x00);
  EXPECT_EQ(out[2], 0x40);
  EXPECT_EQ(out[3], 0x80);
  EXPECT_EQ(out[4], 0xC1);
  EXPECT_EQ(out[64], 0xC0);
  for (std::size_t count : kCounts) {
    const Refs mixed = random_refs(count, count, 0);
    const Bytes want = expected_frames(mixed);
    Bytes got(max_packed_bytes(count));
    ASSERT_EQ(pack_frames(FrameCodecPath::kCpu, mixed.data(), count, got.data()), want.size());
    got.resize(want.size());
    EXPECT_EQ(got, want) << "count " << count;
    Refs back(count);
    ASSERT_TRUE(unpack_frames(FrameCodecPath::kCpu, got.data(), got.size(), count, back.data()));
    EXPECT_EQ(back, mixed) << "count " << count;
  }
}

TEST(FrameBatchCpu, OffsetsRefuseControlCodesOverrunsAndTrailingBytes) {
  const Refs refs = random_refs(7, 200, 0);
  const Bytes frames = expected_frames(refs);
  std::vector<std::uint64_t> offsets(5);
  ASSERT_TRUE(frame_offsets(frames.data(), frames.size(), refs.size(), offsets.data()));
  EXPECT_EQ(offsets[0], 0u);
  EXPECT_EQ(offsets[4], frames.size());
  Refs back(refs.size());
  EXPECT_FALSE(frame_offsets(frames.data(), frames.size() - 1, refs.size(), offsets.data()));
  Bytes longer = frames;
  longer.push_back(0);
  EXPECT_FALSE(frame_offsets(longer.data(), longer.size(), refs.size(), offsets.data()));
  EXPECT_FALSE(unpack_frames(FrameCodecPath::kCpu, longer.data(), longer.size(), refs.size(), back.data()));
  Bytes control = frames;
  control[offsets[2]] |= 0xC0;
  EXPECT_FALSE(frame_offsets(control.data(), control.size(), refs.size(), offsets.data()));
  Bytes padding = frames;
  padding[frames.size() - 1] |= 0x01;
  EXPECT_FALSE(unpack_frames(FrameCodecPath::kCpu, padding.data(), padding.size(), refs.size(), back.data()));
}

// The kernels' per-warp code run on the host: lanes 0..31 of phase one, then of phase two,
// which is what __syncwarp() between them guarantees on the GPU.
Bytes emulate_warp_pack(const Refs& refs, std::uint8_t canary) {
  const std::size_t frames = (refs.size() + kFrameRefs - 1) / kFrameRefs;
  std::vector<std::uint64_t> offsets(frames + 1, 0);
  std::vector<unsigned> widths(frames);
  for (std::size_t f = 0; f < frames; ++f) {
    const unsigned n = warp::refs_in_frame(refs.size(), f);
    std::uint32_t all = 0;
    for (unsigned k = 0; k < n; ++k) all |= refs[f * kFrameRefs + k];
    widths[f] = warp::width_for(all);
    offsets[f + 1] = offsets[f] + warp::frame_bytes(widths[f], n);
  }
  Bytes out(offsets[frames] + 8, canary);
  for (std::size_t f = 0; f < frames; ++f) {
    const unsigned n = warp::refs_in_frame(refs.size(), f);
    std::uint32_t refs_stage[kFrameRefs];
    std::uint32_t words[warp::kStageWords];
    // Garbage in the stages, as shared memory holds, so a word the warp code forgets shows.
    std::fill(std::begin(refs_stage), std::end(refs_stage), 0xA5A5A5A5u);
    std::fill(std::begin(words), std::end(words), 0x5A5A5A5Au);
    for (unsigned lane = 0; lane < warp::kLanes; ++lane) {
      for (unsigned k = lane; k < n; k += warp::kLanes) warp::pack_stage_ref(k, refs[f * kFrameRefs + k], refs_stage);
    }
    for (unsigned lane = 0; lane < warp::kLanes; ++lane) {
      for (unsigned i = lane; i < warp::kStageWords; i += warp::kLanes) {
        warp::pack_stage_word(i, refs_stage, n, widths[f], words);
      }
    }
    for (unsigned lane = 0; lane < warp::kLanes; ++lane) {
      warp::pack_emit(lane, words, warp::frame_bytes(widths[f], n), out.data(), offsets[f]);
    }
  }
  for (std::size_t i = offsets[frames]; i < out.size(); ++i) {
    EXPECT_EQ(out[i], canary) << "the warp code wrote past the batch at byte " << i;
  }
  out.resize(offsets[frames]);
  return out;
}

bool emulate_warp_unpack(const Bytes& in, std::size_t count, Refs& refs) {
  std::vector<std::uint64_t> offsets((count + kFrameRefs - 1) / kFrameRefs + 1);
  if (!frame_offsets(in.data(), in.size(), count, offsets.data())) return false;
  bool ok = true;
  for (std::size_t f = 0; f + 1 < offsets.size(); ++f) {
    const unsigned n = warp::refs_in_frame(count, f);
    const unsigned width = warp::width_of_first_byte(in[offsets[f]]);
    const unsigned size = warp::frame_bytes(width, n);
    std::uint8_t stage[warp::kStageBytes];
    for (unsigned i = 0; i < size; ++i) stage[i] = in[offsets[f] + i];
    for (unsigned lane = 0; lane < warp::kLanes; ++lane) {
      for (unsigned k = lane; k < n; k += warp::kLanes) refs[f * kFrameRefs + k] = warp::unpack_ref(stage, k, width);
    }
    ok &= warp::padding_is_zero(stage, size);
  }
  return ok;
}

TEST(FrameBatchWarpCode, PacksAndUnpacksLikeTheCpuForEveryTierAndLength) {
  for (unsigned width : {8u, 16u, 32u, 0u}) {
    for (std::size_t count : kCounts) {
      const std::uint64_t seed = 1000 * width + count;
      SCOPED_TRACE("seed " + std::to_string(seed) + ", width " + std::to_string(width) + ", count " +
                   std::to_string(count));
      const Refs refs = random_refs(seed, count, width);
      const Bytes want = expected_frames(refs);
      // Two canaries, so a byte the warp code forgot cannot pass by matching its fill.
      EXPECT_EQ(emulate_warp_pack(refs, 0x00), want);
      EXPECT_EQ(emulate_warp_pack(refs, 0xFF), want);
      Refs back(count);
      EXPECT_TRUE(emulate_warp_unpack(want, count, back));
      EXPECT_EQ(back, refs);
    }
  }
}

TEST(FrameBatchWarpCode, UnpackFlagsNonZeroPadding) {
  const Refs refs = random_refs(3, 64 * 3 + 5, 0);
  for (std::size_t frame = 0; frame < 4; ++frame) {
    Bytes bytes = expected_frames(refs);
    std::vector<std::uint64_t> offsets(5);
    ASSERT_TRUE(frame_offsets(bytes.data(), bytes.size(), refs.size(), offsets.data()));
    bytes[offsets[frame + 1] - 1] |= 0x20;
    Refs back(refs.size());
    EXPECT_FALSE(emulate_warp_unpack(bytes, refs.size(), back)) << "frame " << frame;
  }
}

// --- the GPU itself ---

bool gpu_present() { return frame_codec_path() == FrameCodecPath::kCuda; }

std::string why_no_gpu() {
  return cuda_codec_built() ? "built with CUDA, but no CUDA device is visible (cudaGetDeviceCount = 0)"
                            : "this build has no CUDA kernels (nvcc was not found at configure time)";
}

TEST(FrameBatchCuda, IssueVectorAndEveryTierBitExactWithTheCpu) {
  if (!gpu_present()) GTEST_SKIP() << why_no_gpu();
  Refs iota(64);
  for (std::uint32_t i = 0; i < 64; ++i) iota[i] = i;
  Bytes out(max_packed_bytes(64));
  ASSERT_EQ(pack_frames(FrameCodecPath::kCuda, iota.data(), 64, out.data()), 65u);
  out.resize(65);
  EXPECT_EQ(out, expected_frames(iota));
  // Tier boundaries: the largest value of each tier and the smallest of the next.
  const Refs edges = {0xFF, 0x100, 0xFFFF, 0x10000, 0xFFFFFFFFu, 0, 1, 0x80000000u};
  for (std::uint32_t edge : edges) {
    Refs frame(64, 0);
    frame[37] = edge;
    Bytes got(max_packed_bytes(64));
    const Bytes want = expected_frames(frame);
    ASSERT_EQ(pack_frames(FrameCodecPath::kCuda, frame.data(), 64, got.data()), want.size());
    got.resize(want.size());
    EXPECT_EQ(got, want) << "edge value " << edge;
  }
  for (unsigned width : {8u, 16u, 32u, 0u}) {
    for (std::size_t count : kCounts) {
      const std::uint64_t seed = 77 + 1000 * width + count;
      SCOPED_TRACE("seed " + std::to_string(seed) + ", width " + std::to_string(width) + ", count " +
                   std::to_string(count));
      const Refs refs = random_refs(seed, count, width);
      const Bytes want = expected_frames(refs);
      Bytes got(max_packed_bytes(count));
      ASSERT_EQ(pack_frames(FrameCodecPath::kCuda, refs.data(), count, got.data()), want.size());
      got.resize(want.size());
      EXPECT_EQ(got, want);
      Refs back(count, 0xDEADBEEF);
      EXPECT_TRUE(unpack_frames(FrameCodecPath::kCuda, want.data(), want.size(), count, back.data()));
      EXPECT_EQ(back, refs);
    }
  }
}

TEST(FrameBatchCuda, LargeRandomStreamsRoundTripBitExact) {
  if (!gpu_present()) GTEST_SKIP() << why_no_gpu();
  // 2^20 + 33 references: 16385 frames, enough blocks to fill the GPU many times over.
  const std::size_t count = (1u << 20) + 33;
  for (unsigned width : {8u, 16u, 32u, 0u}) {
    const std::uint64_t seed = 4242 + width;
    SCOPED_TRACE("seed " + std::to_string(seed) + ", width " + std::to_string(width));
    const Refs refs = random_refs(seed, count, width);
    const Bytes want = expected_frames(refs);
    Bytes got(max_packed_bytes(count));
    ASSERT_EQ(pack_frames(FrameCodecPath::kCuda, refs.data(), count, got.data()), want.size());
    got.resize(want.size());
    EXPECT_TRUE(got == want);
    Refs back(count);
    EXPECT_TRUE(unpack_frames(FrameCodecPath::kCuda, want.data(), want.size(), count, back.data()));
    EXPECT_TRUE(back == refs);
  }
}

TEST(FrameBatchCuda, UnpackRefusesNonZeroPadding) {
  if (!gpu_present()) GTEST_SKIP() << why_no_gpu();
  const Refs refs = random_refs(5, 64 * 40 + 9, 0);
  const Bytes good = expected_frames(refs);
  std::vector<std::uint64_t> offsets(42);
  ASSERT_TRUE(frame_offsets(good.data(), good.size(), refs.size(), offsets.data()));
  Refs back(refs.size());
  ASSERT_TRUE(unpack_frames(FrameCodecPath::kCuda, good.data(), good.size(), refs.size(), back.data()));
  for (std::size_t frame : {0u, 17u, 40u}) {
    Bytes bad = good;
    bad[offsets[frame + 1] - 1] |= 0x01;
    EXPECT_FALSE(unpack_frames(FrameCodecPath::kCuda, bad.data(), bad.size(), refs.size(), back.data()))
        << "frame " << frame;
  }
  // A refusal does not stick to the next, good batch.
  EXPECT_TRUE(unpack_frames(FrameCodecPath::kCuda, good.data(), good.size(), refs.size(), back.data()));
}

#ifdef WIRELAB_HAVE_CUDA
TEST(FrameBatchCuda, DeviceResidentOffsetsMatchTheHostWalk) {
  if (!gpu_present()) GTEST_SKIP() << why_no_gpu();
  const std::size_t count = 64 * 1000 + 1;
  const std::size_t frames = (count + 63) / 64;
  const Refs refs = random_refs(99, count, 0);
  const Bytes want = expected_frames(refs);
  std::vector<std::uint64_t> want_offsets(frames + 1);
  ASSERT_TRUE(frame_offsets(want.data(), want.size(), count, want_offsets.data()));

  cuda::FrameCodec codec;
  cuda::DeviceBuffer d_refs(count * 4), d_frames(max_packed_bytes(count)), d_offsets((frames + 1) * 8),
      d_back(count * 4);
  auto* refs_on_gpu = static_cast<std::uint32_t*>(d_refs.get());
  auto* frames_on_gpu = static_cast<std::uint8_t*>(d_frames.get());
  auto* offsets_on_gpu = static_cast<std::uint64_t*>(d_offsets.get());
  auto* back_on_gpu = static_cast<std::uint32_t*>(d_back.get());
  codec.copy_async(refs_on_gpu, refs.data(), count * 4);
  codec.pack_async(refs_on_gpu, count, frames_on_gpu, offsets_on_gpu);
  // Unpack straight from the kernel's own offsets, never leaving the device.
  codec.unpack_async(frames_on_gpu, offsets_on_gpu, count, back_on_gpu);
  std::vector<std::uint64_t> offsets(frames + 1);
  Bytes got(want.size());
  Refs back(count);
  codec.copy_async(offsets.data(), offsets_on_gpu, offsets.size() * 8);
  codec.copy_async(got.data(), frames_on_gpu, got.size());
  codec.copy_async(back.data(), back_on_gpu, count * 4);
  EXPECT_TRUE(codec.finish());
  EXPECT_EQ(offsets, want_offsets);
  EXPECT_EQ(got, want);
  EXPECT_EQ(back, refs);
}
#endif

}  // namespace
}  // namespace wirelab::refcodec

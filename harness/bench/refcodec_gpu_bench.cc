// The CUDA frame codec's speed beside memcpy on the same buffers, in one run. Registered only
// where the build has the CUDA kernels and a GPU is visible (elsewhere this file adds nothing):
//   - refcodec/gpu/device_memcpy/N: cudaMemcpyAsync of the N references' 4N bytes, device to
//     device, on the codec's stream;
//   - refcodec/gpu/pack/<tier>/N: the three pack kernels (sizes, CUB scan, pack) from references
//     in device memory to frames in device memory;
//   - refcodec/gpu/unpack/<tier>/N: the unpack kernel, frames and offsets in device memory;
//   - refcodec/gpu/host_pack/<tier>/N: pack_frames(kCuda) from host memory to host memory, the
//     PCIe copies both ways included, beside refcodec/gpu/host_memcpy/N (std::memcpy of 4N bytes).
// Device timings come from CUDA events around the work (manual time); bytes/s counts 4N bytes
// (the references' size) everywhere, as refcodec_bench.cc does, so ratios to memcpy are direct.
// N = 2^20 (4 MiB: lives in the H100's 50 MB L2) and 2^26 (256 MiB: device memory bound).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/refcodec/frame_batch.h"

#ifdef WIRELAB_HAVE_CUDA
#include "protocols/refcodec/cuda/frame_kernels.h"

namespace {

using namespace wirelab::refcodec;

// Made once per size and width: Google Benchmark calls each function several times while it
// settles the iteration count, and 2^26 references take a while to draw.
const std::vector<std::uint32_t>& random_refs(std::size_t n, unsigned width_bits) {
  static std::map<std::pair<std::size_t, unsigned>, std::vector<std::uint32_t>> made;
  auto& refs = made[{n, width_bits}];
  if (refs.size() != n) {
    wirelab::SeededRandom rng(42);
    refs.resize(n);
    for (auto& r : refs) r = static_cast<std::uint32_t>(rng.below(1ull << width_bits));
  }
  return refs;
}

void report(benchmark::State& state, std::size_t refs) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * refs));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * refs * 4));
  state.SetLabel(cuda::device_description());
}

// References (and their packed frames and offsets) resident on the GPU.
struct DeviceBatch {
  DeviceBatch(std::size_t n, unsigned width_bits)
      : count(n),
        refs(n * 4),
        frames(max_packed_bytes(n)),
        offsets(((n + 63) / 64 + 1) * 8),
        back(n * 4) {
    const auto& host = random_refs(n, width_bits);
    codec.copy_async(refs.get(), host.data(), n * 4);
    codec.pack_async(this->refs_ptr(), n, frames_ptr(), offsets_ptr());
    codec.finish();
  }
  const std::uint32_t* refs_ptr() const { return static_cast<const std::uint32_t*>(refs.get()); }
  std::uint8_t* frames_ptr() const { return static_cast<std::uint8_t*>(frames.get()); }
  std::uint64_t* offsets_ptr() const { return static_cast<std::uint64_t*>(offsets.get()); }
  std::uint32_t* back_ptr() const { return static_cast<std::uint32_t*>(back.get()); }

  std::size_t count;
  cuda::FrameCodec codec;
  cuda::DeviceBuffer refs, frames, offsets, back;
};

void BM_GpuDeviceMemcpy(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  DeviceBatch batch(n, 32);
  for (auto _ : state) {
    batch.codec.timer_start();
    batch.codec.copy_async(batch.back.get(), batch.refs.get(), n * 4);
    state.SetIterationTime(batch.codec.timer_stop_s());
  }
  report(state, n);
}

void BM_GpuPack(benchmark::State& state, unsigned width_bits) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  DeviceBatch batch(n, width_bits);
  for (auto _ : state) {
    batch.codec.timer_start();
    batch.codec.pack_async(batch.refs_ptr(), n, batch.frames_ptr(), batch.offsets_ptr());
    state.SetIterationTime(batch.codec.timer_stop_s());
  }
  report(state, n);
}

void BM_GpuUnpack(benchmark::State& state, unsigned width_bits) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  DeviceBatch batch(n, width_bits);
  for (auto _ : state) {
    batch.codec.timer_start();
    batch.codec.unpack_async(batch.frames_ptr(), batch.offsets_ptr(), n, batch.back_ptr());
    state.SetIterationTime(batch.codec.timer_stop_s());
  }
  if (!batch.codec.finish()) state.SkipWithError("unpack refused the packed frames");
  report(state, n);
}

void BM_GpuHostPack(benchmark::State& state, unsigned width_bits) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const auto& refs = random_refs(n, width_bits);
  std::vector<std::uint8_t> out(max_packed_bytes(n));
  for (auto _ : state) {
    benchmark::DoNotOptimize(pack_frames(FrameCodecPath::kCuda, refs.data(), n, out.data()));
    benchmark::ClobberMemory();
  }
  report(state, n);
}

void BM_HostMemcpy(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const auto& refs = random_refs(n, 32);
  std::vector<std::uint8_t> out(max_packed_bytes(n));
  for (auto _ : state) {
    std::memcpy(out.data(), refs.data(), n * 4);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n);
}

// Registered at start-up only when the CUDA path is the active one.
const bool registered = [] {
  if (frame_codec_path() != FrameCodecPath::kCuda) return false;
  const struct { const char* name; unsigned width; } tiers[] = {{"L1", 8}, {"L2", 16}, {"L3", 32}};
  for (std::int64_t n : {std::int64_t{1} << 20, std::int64_t{1} << 26}) {
    benchmark::RegisterBenchmark("refcodec/gpu/device_memcpy", BM_GpuDeviceMemcpy)->Arg(n)->UseManualTime();
    for (const auto& t : tiers) {
      benchmark::RegisterBenchmark((std::string("refcodec/gpu/pack/") + t.name).c_str(), BM_GpuPack, t.width)
          ->Arg(n)->UseManualTime();
      benchmark::RegisterBenchmark((std::string("refcodec/gpu/unpack/") + t.name).c_str(), BM_GpuUnpack, t.width)
          ->Arg(n)->UseManualTime();
    }
    benchmark::RegisterBenchmark("refcodec/gpu/host_memcpy", BM_HostMemcpy)->Arg(n)->UseRealTime();
    for (const auto& t : tiers) {
      benchmark::RegisterBenchmark((std::string("refcodec/gpu/host_pack/") + t.name).c_str(), BM_GpuHostPack,
                                   t.width)
          ->Arg(n)->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
#endif  // WIRELAB_HAVE_CUDA

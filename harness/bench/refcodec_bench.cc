// The PacketFS reference codec's speed beside memcpy, in one binary and one run so the machine's
// state is the same for both (docs/protocols/refcodec.md has the figures):
//   - refcodec/memcpy/N: copies the N references' 4N input bytes into the output buffer;
//   - refcodec/pack/<tier>/N: packs the same N references (N / 64 full frames, tier choice
//     included) into the same output buffer with pack_full_frames, the batch packer the stream
//     writer and frame_batch use. bytes_per_second counts the 4N input bytes so the figure is
//     directly comparable with memcpy's; items_per_second is references/s;
//   - refcodec/pack_frame/<tier>/N: the same, one pack_frame_auto call per frame;
//   - refcodec/pack_scalar/<tier>/N: the portable word-at-a-time path alone;
//   - refcodec/pack_vs_memcpy/<tier>/N: memcpy and pack (pack_full_frames) alternating inside
//     every iteration, each timed on its own; `pack_over_memcpy` is the median over iterations
//     of pack bytes/s over memcpy bytes/s (`pack_over_memcpy_sums` the ratio of the summed
//     times). Pairing makes the ratio hold still when other work on the machine comes and goes
//     between benchmarks, the median when it preempts this process inside an iteration;
//   - refcodec/encode, refcodec/decode: whole streams with SHORT/SYNC units and the CRC;
//   - refcodec/permutation/...: the AES keyed permutation (batched and one at a time) beside a
//     XorShift permutation of the kind the prototype used as a placeholder (only where the
//     build links OpenSSL).
// N = 16384 keeps input and output in L2, where a codec in a packet path works.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/refcodec/keyed_permutation.h"
#include "protocols/refcodec/reference_frame.h"
#include "protocols/refcodec/reference_stream_reader.h"
#include "protocols/refcodec/reference_stream_writer.h"

namespace {

using namespace wirelab::refcodec;

std::vector<std::uint32_t> random_refs(std::size_t n, unsigned width_bits) {
  wirelab::SeededRandom rng(42);
  std::vector<std::uint32_t> refs(n);
  for (auto& r : refs) r = static_cast<std::uint32_t>(rng.below(1ull << width_bits));
  return refs;
}

void report(benchmark::State& state, std::size_t refs) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * refs));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * refs * 4));
}

void BM_Memcpy(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const auto refs = random_refs(n, 32);
  std::vector<std::uint8_t> out(n * 5 + 64);  // L3 frames are 257 bytes per 256 in
  for (auto _ : state) {
    std::memcpy(out.data(), refs.data(), n * 4);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n);
}

void BM_Pack(benchmark::State& state, unsigned width_bits) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const auto refs = random_refs(n, width_bits);
  std::vector<std::uint8_t> out(n * 5 + 64);  // L3 frames are 257 bytes per 256 in
  std::size_t packed = 0;
  for (auto _ : state) {
    packed = pack_full_frames(refs.data(), n / kFrameRefs, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n);
  state.counters["wire_bytes"] = static_cast<double>(packed);
  state.SetLabel(pack_uses_simd() ? "avx512" : "scalar");
}

// One pack_frame_auto call per frame: what the batch call saves.
void BM_PackFrame(benchmark::State& state, unsigned width_bits) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const auto refs = random_refs(n, width_bits);
  std::vector<std::uint8_t> out(n * 5 + 64);
  for (auto _ : state) {
    std::uint8_t* at = out.data();
    for (std::size_t f = 0; f < n; f += kFrameRefs) at += pack_frame_auto(refs.data() + f, kFrameRefs, at);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n);
  state.SetLabel(pack_uses_simd() ? "avx512" : "scalar");
}

// The portable path alone, for CPUs without AVX-512.
void BM_PackScalar(benchmark::State& state, unsigned width_bits) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const auto refs = random_refs(n, width_bits);
  std::vector<std::uint8_t> out(n * 5 + 64);
  for (auto _ : state) {
    pack_full_frames_scalar(refs.data(), n / kFrameRefs, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n);
}

void BM_PackVsMemcpy(benchmark::State& state, unsigned width_bits) {
  using Clock = std::chrono::steady_clock;
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const auto refs = random_refs(n, width_bits);
  std::vector<std::uint8_t> out(n * 5 + 64);
  Clock::duration memcpy_time{}, pack_time{};
  std::vector<double> ratios;
  ratios.reserve(1 << 20);
  for (auto _ : state) {
    const auto t0 = Clock::now();
    std::memcpy(out.data(), refs.data(), n * 4);
    benchmark::ClobberMemory();
    const auto t1 = Clock::now();
    std::size_t packed = pack_full_frames(refs.data(), n / kFrameRefs, out.data());
    benchmark::DoNotOptimize(packed);
    benchmark::ClobberMemory();
    const auto t2 = Clock::now();
    memcpy_time += t1 - t0;
    pack_time += t2 - t1;
    if (ratios.size() < ratios.capacity() && t2 > t1) {
      ratios.push_back(std::chrono::duration<double>(t1 - t0).count() /
                       std::chrono::duration<double>(t2 - t1).count());
    }
  }
  report(state, n);
  // The median of the iterations' own ratios: an iteration in which the process was
  // descheduled (this machine is shared) is one outlier among thousands instead of a skew of
  // the sums. The ratio of the sums is kept beside it.
  std::nth_element(ratios.begin(), ratios.begin() + static_cast<std::ptrdiff_t>(ratios.size() / 2), ratios.end());
  state.counters["pack_over_memcpy"] = ratios.empty() ? 0.0 : ratios[ratios.size() / 2];
  state.counters["pack_over_memcpy_sums"] =
      std::chrono::duration<double>(memcpy_time).count() /
      std::chrono::duration<double>(pack_time).count();
  state.counters["pack_refs_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * n) / std::chrono::duration<double>(pack_time).count());
}

void BM_Encode(benchmark::State& state, unsigned width_bits) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const auto refs = random_refs(n, width_bits);
  std::vector<std::uint8_t> out;
  out.reserve(n * 5);
  ReferenceStreamWriter writer(10);
  for (auto _ : state) {
    out.clear();
    writer.append(refs.data(), n, out);
    writer.finish(out);
    benchmark::DoNotOptimize(out.data());
  }
  report(state, n);
}

void BM_Decode(benchmark::State& state, unsigned width_bits) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const auto refs = random_refs(n, width_bits);
  const auto stream = encode_references(refs.data(), n, 10);
  for (auto _ : state) {
    auto decoded = decode_references(stream, 10);
    benchmark::DoNotOptimize(decoded.refs.data());
  }
  report(state, n);
}

#ifdef WIRELAB_HAVE_OPENSSL
constexpr std::uint64_t kDomain = 1ull << 20;

std::vector<std::uint8_t> bench_key() { return std::vector<std::uint8_t>(32, 0x5A); }

void BM_PermutationBatch(benchmark::State& state) {
  KeyedPermutation perm(bench_key(), kDomain);
  std::vector<std::uint64_t> in(4096), out(4096);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = (i * 2654435761u) % kDomain;
  for (auto _ : state) {
    perm.permute_batch(in.data(), out.data(), in.size());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}

void BM_PermutationSingle(benchmark::State& state) {
  KeyedPermutation perm(bench_key(), kDomain);
  std::uint64_t x = 1;
  for (auto _ : state) {
    x = perm.permute(x);
    benchmark::DoNotOptimize(x);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The placeholder's kind of permutation: invertible xorshift steps on the domain's bit width
// with a key XORed in. Unkeyed in any useful sense (the key falls out of one known pair).
std::uint64_t xorshift_permute(std::uint64_t x, std::uint64_t key, unsigned bits,
                               std::uint64_t domain) {
  const std::uint64_t mask = (1ull << bits) - 1;
  do {
    x ^= key & mask;
    x ^= (x << 7) & mask;
    x ^= x >> 9;
    x ^= (x << 8) & mask;
  } while (x >= domain);
  return x;
}

void BM_XorShiftPlaceholder(benchmark::State& state) {
  std::vector<std::uint64_t> in(4096), out(4096);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = (i * 2654435761u) % kDomain;
  for (auto _ : state) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      out[i] = xorshift_permute(in[i], 0x5A5A5A5A, 20, kDomain);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}

BENCHMARK(BM_PermutationBatch)->Name("refcodec/permutation/aes_feistel_batch/2^20");
BENCHMARK(BM_PermutationSingle)->Name("refcodec/permutation/aes_feistel_single/2^20");
BENCHMARK(BM_XorShiftPlaceholder)->Name("refcodec/permutation/xorshift_placeholder/2^20");
#endif

constexpr std::int64_t kRefs = 16384;

BENCHMARK(BM_Memcpy)->Name("refcodec/memcpy")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_Pack, L1, 8)->Name("refcodec/pack/L1")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_Pack, L2, 16)->Name("refcodec/pack/L2")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_Pack, L3, 32)->Name("refcodec/pack/L3")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_PackFrame, L1, 8)->Name("refcodec/pack_frame/L1")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_PackFrame, L2, 16)->Name("refcodec/pack_frame/L2")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_PackFrame, L3, 32)->Name("refcodec/pack_frame/L3")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_PackScalar, L1, 8)->Name("refcodec/pack_scalar/L1")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_PackScalar, L2, 16)->Name("refcodec/pack_scalar/L2")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_PackScalar, L3, 32)->Name("refcodec/pack_scalar/L3")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_PackVsMemcpy, L1, 8)->Name("refcodec/pack_vs_memcpy/L1")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_PackVsMemcpy, L2, 16)->Name("refcodec/pack_vs_memcpy/L2")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_PackVsMemcpy, L3, 32)->Name("refcodec/pack_vs_memcpy/L3")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_Encode, L1, 8)->Name("refcodec/encode/L1")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_Encode, L3, 32)->Name("refcodec/encode/L3")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_Decode, L1, 8)->Name("refcodec/decode/L1")->Arg(kRefs);
BENCHMARK_CAPTURE(BM_Decode, L3, 32)->Name("refcodec/decode/L3")->Arg(kRefs);

}  // namespace

// What a bulk transfer's endpoints pay per byte for the content itself, beside memcpy: the sender
// fills BulkPattern bytes, the receiver runs BulkIntegrityCheck over every byte it reads. Both
// run inside the loops whose goodput docs/PERFORMANCE.md reports, so each must be far faster
// than the transports it measures (bytes_per_second here against Gbit/s there).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "protocols/workloads/bulk_pattern.h"

namespace wirelab {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

void pattern_fill(benchmark::State& state) {
  const BulkPattern pattern(7);
  std::vector<std::uint8_t> chunk(kChunk);
  std::uint64_t offset = 3;  // unaligned, as a sender's write offsets may be
  for (auto _ : state) {
    pattern.fill(offset, MutableByteView(chunk));
    offset += kChunk;
    benchmark::DoNotOptimize(chunk.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kChunk));
}
BENCHMARK(pattern_fill)->Name("bulk/pattern_fill/64KiB");

void integrity_check(benchmark::State& state) {
  // Feeds a fixed window of the pattern over and over, sliced like datagram payloads
  // (1,400-byte reads, so most feeds start and end inside a word). The verdict is observed at
  // the end of every pass: a benchmark that never reads it lets the compiler drop the compare.
  const std::size_t read = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> stream(kChunk * 64);
  BulkPattern(7).fill(0, MutableByteView(stream));
  const std::size_t usable = stream.size() / read * read;
  BulkIntegrityCheck check(7, usable);
  std::size_t at = 0;
  for (auto _ : state) {
    if (at == usable) {
      check.finish();
      if (!check.integrity_ok()) state.SkipWithError("the check rejected the pattern");
      benchmark::DoNotOptimize(check.digest());
      check = BulkIntegrityCheck(7, usable);
      at = 0;
    }
    check.feed(ByteView(stream.data() + at, read));
    at += read;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * read));
}
BENCHMARK(integrity_check)->Name("bulk/integrity_check")->Arg(1400)->Arg(kChunk);

void memcpy_floor(benchmark::State& state) {
  std::vector<std::uint8_t> from(kChunk, 1), to(kChunk);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), kChunk);
    benchmark::DoNotOptimize(to.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kChunk));
}
BENCHMARK(memcpy_floor)->Name("bulk/memcpy_floor/64KiB");

}  // namespace
}  // namespace wirelab

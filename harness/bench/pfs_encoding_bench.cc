// PFS's `encoding: refs` path end to end, without the network: a 4 MiB bulk transfer's content
// encoded into records by one ContentEncoding, the records moved into a RecvStream, and decoded
// by another, read 64 KiB at a time as the hosts read. bytes_per_second counts content bytes;
// `wire_ratio` is encoded stream bytes over content bytes (docs/protocols/pfs.md, "Content
// encoding"); pfs_encoding/round_trip/none is the same transfer through the streams without
// encoding. Command:
//   build/harness/wirelab-bench --benchmark_filter=pfs_encoding
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "protocols/pfs/content_encoding.h"
#include "protocols/refcodec/shared_document.h"
#include "protocols/workloads/bulk_content.h"

namespace {

using namespace wirelab;

void BM_PfsEncodingRoundTrip(benchmark::State& state, BulkDataMode mode) {
  const std::uint64_t document_seed = refcodec::document_seed(1);
  const BulkContent content(BulkData{mode, 0.9}, 1, document_seed);
  // Held for the whole run, as a run's hosts hold them: the encoders below share the document
  // and its scrambled view instead of building them per iteration.
  const auto document = refcodec::shared_document(document_seed);
  const auto scrambled = refcodec::scrambled_document(document_seed, refcodec::document_key(document_seed));
  std::vector<std::uint8_t> bytes(4u << 20), wire, out(64 * 1024);
  content.fill(0, MutableByteView(bytes));
  std::size_t wire_bytes = 0;
  for (auto _ : state) {
    pfs::ContentEncoding encoder(document_seed), decoder(document_seed);
    pfs::SendStream send;
    pfs::RecvStream recv;
    // As the hosts write: 64 KiB at a time.
    for (std::size_t at = 0; at < bytes.size(); at += out.size())
      encoder.write(0, send, ByteView(bytes.data() + at, out.size()), at + out.size() == bytes.size(), UINT64_MAX);
    wire.resize(send.unsent_bytes());
    send.copy(0, wire.size(), wire.data());
    recv.on_frame(0, ByteView(wire), true);
    bool fin = false;
    std::uint64_t consumed = 0;
    std::string error;
    while (!fin) {
      if (decoder.read(0, recv, MutableByteView(out), &fin, &consumed, &error) == 0 && !fin) break;
    }
    if (!fin || !error.empty()) state.SkipWithError("round trip did not complete");
    wire_bytes = wire.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
  state.counters["wire_ratio"] = static_cast<double>(wire_bytes) / static_cast<double>(bytes.size());
}

// The same path with encoding none: SendStream::write and RecvStream::read of the content
// itself, the stream machinery's own cost (buffer growth, page faults) that the encoded runs
// pay on their smaller streams too.
void BM_PfsPlainRoundTrip(benchmark::State& state) {
  const BulkContent content(BulkData{}, 1, 0);
  std::vector<std::uint8_t> bytes(4u << 20), wire, out(64 * 1024);
  content.fill(0, MutableByteView(bytes));
  for (auto _ : state) {
    pfs::SendStream send;
    pfs::RecvStream recv;
    for (std::size_t at = 0; at < bytes.size(); at += out.size())
      send.write(ByteView(bytes.data() + at, out.size()), at + out.size() == bytes.size(), UINT64_MAX);
    wire.resize(send.unsent_bytes());
    send.copy(0, wire.size(), wire.data());
    recv.on_frame(0, ByteView(wire), true);
    bool fin = false;
    while (!fin && recv.read(MutableByteView(out), &fin) > 0) {
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

BENCHMARK(BM_PfsPlainRoundTrip)->Name("pfs_encoding/round_trip/none")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PfsEncodingRoundTrip, versioned, BulkDataMode::kVersioned)
    ->Name("pfs_encoding/round_trip/versioned_0.9")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PfsEncodingRoundTrip, random, BulkDataMode::kRandom)
    ->Name("pfs_encoding/round_trip/random")->Unit(benchmark::kMillisecond);

}  // namespace

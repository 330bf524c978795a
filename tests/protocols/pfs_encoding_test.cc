// PFS with `encoding: refs`: the application still gets exactly the content, once and in order,
// under loss, duplication and reordering and for any write size; versioned content costs the
// stream about what the reference encoding's rule says (its new pieces as literals, 2 bytes per
// kept piece), and content the document does not hold costs only the literal units' headers.
#include <gtest/gtest.h>

#include <cmath>

#include "protocols/pfs/content_encoding.h"
#include "protocols/refcodec/shared_document.h"
#include "tests/protocols/bulk_transfer.h"

namespace wirelab::testing {
namespace {

constexpr std::uint64_t kRunSeed = 21;
constexpr std::size_t kPiece = refcodec::kDocumentChunkBytes;

pfs::PfsConfig refs_config() {
  pfs::PfsConfig c = pfs::config_from_options({{"encoding", "refs"}}, 1472);
  c.document_seed = refcodec::document_seed(kRunSeed);
  c.idle_timeout = std::chrono::seconds(3600);
  return c;
}

PipeLink lossy(double loss, std::uint64_t delay_ms = 10) {
  PipeLink l;
  l.rate_bps = 50e6;
  l.queue_packets = 200;
  l.delay = std::chrono::milliseconds(delay_ms);
  l.faults.loss = loss;
  l.faults.duplicate = 0.02;
  l.faults.reorder = 0.05;
  l.faults.reorder_delay = std::chrono::milliseconds(3);
  return l;
}

BulkContent content(BulkDataMode mode, double similarity, std::uint64_t seed) {
  return BulkContent(BulkData{mode, similarity}, seed, refcodec::document_seed(kRunSeed));
}

// Upper bound on the encoded stream for `bytes` of content written in whole-grid writes of
// 64 KiB (one record each): every new piece as literal bytes; a kept piece as a 16-bit
// reference in a 129-byte frame of 64 (2.02 bytes each); per run of new pieces one LITERAL
// header (3) and at most one SHORT frame cut short by it (2 + 1 padding byte + a 5-byte SYNC
// slack); per record its two varints (8) and its last SYNC and short frame (5 + 2 + 1).
double stream_bound(const BulkContent& c, std::uint64_t bytes) {
  std::uint64_t kept = 0, literal_runs = 0;
  bool previous_kept = true;
  const std::uint64_t pieces = (bytes + kPiece - 1) / kPiece;
  for (std::uint64_t i = 0; i < pieces; ++i) {
    const bool k = c.piece_kept(i) && (i + 1) * kPiece <= bytes;
    kept += k;
    if (!k && previous_kept) ++literal_runs;
    previous_kept = k;
  }
  const double literal = static_cast<double>(bytes - kept * kPiece);
  const double records = std::ceil(static_cast<double>(bytes) / pfs::ContentEncoding::kMaxRecordContent);
  // Runs also end at record boundaries (a new literal unit per record).
  return literal + 129.0 / 64 * kept + 11.0 * (literal_runs + records) + 16 * records;
}

TEST(PfsRefsEncoding, VersionedContentDeliveredExactlyOnceAndSmall) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const BulkContent data = content(BulkDataMode::kVersioned, 0.9, seed);
    const std::uint64_t bytes = 2'000'000 + seed * 1234;
    const auto out = run_bulk(refs_config(), lossy(0.03), lossy(0.01), bytes, seed, std::chrono::seconds(600), &data);
    SCOPED_TRACE("seed " + std::to_string(seed));
    ASSERT_TRUE(out.finished) << out.client_closed << out.server_closed;
    EXPECT_TRUE(out.integrity_ok);
    EXPECT_GT(out.client.retransmitted_bytes, 0u) << "the loss did bite";
    const double stream = static_cast<double>(out.client.stream_bytes_sent);
    EXPECT_LE(stream, stream_bound(data, bytes));
    // New pieces must travel as bytes: at least the literal share.
    EXPECT_GE(stream, 0.05 * static_cast<double>(bytes));
    EXPECT_LE(stream, 0.15 * static_cast<double>(bytes));
  }
}

TEST(PfsRefsEncoding, RandomContentCostsOnlyTheLiteralHeaders) {
  for (BulkDataMode mode : {BulkDataMode::kRandom, BulkDataMode::kZeros}) {
    const BulkContent data = content(mode, 0, 7);
    const std::uint64_t bytes = 1'500'000;
    const auto out = run_bulk(refs_config(), lossy(0.02), lossy(0.0), bytes, 7, std::chrono::seconds(600), &data);
    SCOPED_TRACE(to_string(mode));
    ASSERT_TRUE(out.finished) << out.client_closed << out.server_closed;
    EXPECT_TRUE(out.integrity_ok);
    const double records = std::ceil(static_cast<double>(bytes) / pfs::ContentEncoding::kMaxRecordContent);
    // Per 64 KiB record: two varints (<= 8), two LITERAL headers (6), one SYNC (5).
    EXPECT_LE(static_cast<double>(out.client.stream_bytes_sent), bytes + 19 * records);
    EXPECT_GE(out.client.stream_bytes_sent, bytes);
  }
}

TEST(PfsRefsEncoding, AnyWriteSizeKeepsTheContentExact) {
  // Writes that cut the grid anywhere (pieces split across records travel as literals).
  for (std::size_t write : {1u, 255u, 257u, 1000u, 70001u}) {
    const BulkContent data = content(BulkDataMode::kVersioned, 0.7, write);
    const std::uint64_t bytes = write == 1 ? 5000 : 300'000;
    const auto out = run_bulk(refs_config(), lossy(0.05, 2), lossy(0.05, 2), bytes, write,
                              std::chrono::seconds(600), &data, write);
    SCOPED_TRACE("write " + std::to_string(write));
    ASSERT_TRUE(out.finished) << out.client_closed << out.server_closed;
    EXPECT_TRUE(out.integrity_ok);
  }
}

TEST(PfsRefsEncoding, BothEndsMustHoldTheSameDocument) {
  // A receiver with another run's document decodes other bytes: the check must catch it
  // (references carry no content, only agreement makes them mean the same thing).
  pfs::PfsConfig sender = refs_config();
  const BulkContent data = content(BulkDataMode::kVersioned, 1.0, 3);
  std::vector<std::uint8_t> bytes(100 * kPiece);
  data.fill(0, MutableByteView(bytes));
  pfs::SendStream send;
  pfs::ContentEncoding encoder(sender.document_seed), decoder(refcodec::document_seed(kRunSeed + 1));
  ASSERT_EQ(encoder.write(0, send, ByteView(bytes), true, 1u << 20), bytes.size());
  std::vector<std::uint8_t> wire(send.unsent_bytes());
  send.copy(0, wire.size(), wire.data());
  EXPECT_LT(wire.size(), bytes.size() / 50);
  pfs::RecvStream recv;
  ASSERT_TRUE(recv.on_frame(0, ByteView(wire), true));
  std::vector<std::uint8_t> got(bytes.size());
  bool fin = false;
  std::uint64_t consumed = 0;
  std::string error;
  EXPECT_EQ(decoder.read(0, recv, MutableByteView(got), &fin, &consumed, &error), bytes.size());
  EXPECT_TRUE(error.empty());
  EXPECT_NE(got, bytes);
}

// The references on the wire point into the document scrambled by the keyed permutation: two
// keys put different references on the wire for the same content, and only the sender's key
// gives the content back.
TEST(PfsRefsEncoding, ReferencesDependOnTheKeyAndDecodeOnlyWithIt) {
  const std::uint64_t seed = refcodec::document_seed(kRunSeed);
  const std::vector<std::uint8_t> key_a = refcodec::document_key(seed), key_b(32, 0x77);
  const BulkContent data = content(BulkDataMode::kVersioned, 1.0, 5);
  std::vector<std::uint8_t> bytes(200 * kPiece);
  data.fill(0, MutableByteView(bytes));
  auto encode = [&](ByteView key) {
    pfs::ContentEncoding encoder(seed, key);
    pfs::SendStream send;
    EXPECT_EQ(encoder.write(0, send, ByteView(bytes), true, 1u << 20), bytes.size());
    std::vector<std::uint8_t> wire(send.unsent_bytes());
    send.copy(0, wire.size(), wire.data());
    return wire;
  };
  auto decode = [&](ByteView key, const std::vector<std::uint8_t>& wire) {
    pfs::ContentEncoding decoder(seed, key);
    pfs::RecvStream recv;
    EXPECT_TRUE(recv.on_frame(0, ByteView(wire), true));
    std::vector<std::uint8_t> got(bytes.size());
    bool fin = false;
    std::uint64_t consumed = 0;
    std::string error;
    got.resize(decoder.read(0, recv, MutableByteView(got), &fin, &consumed, &error));
    EXPECT_TRUE(error.empty()) << error;
    return got;
  };
  const auto wire_a = encode(key_a), wire_b = encode(key_b), wire_default = encode(ByteView());
  EXPECT_EQ(wire_default, wire_a) << "an empty key is document_key(document seed)";
  ASSERT_EQ(wire_a.size(), wire_b.size());  // same units, same tiers: only the references differ
  EXPECT_LT(wire_a.size(), bytes.size() / 50);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < wire_a.size(); ++i) differing += wire_a[i] != wire_b[i];
  EXPECT_GT(differing, wire_a.size() / 2);
  EXPECT_EQ(decode(key_a, wire_a), bytes);
  EXPECT_EQ(decode(key_b, wire_b), bytes);
  const auto wrong = decode(key_b, wire_a);
  EXPECT_EQ(wrong.size(), bytes.size());
  EXPECT_NE(wrong, bytes);
}

TEST(PfsRefsEncoding, CorruptRecordClosesInsteadOfDelivering) {
  const BulkContent data = content(BulkDataMode::kVersioned, 0.5, 4);
  std::vector<std::uint8_t> bytes(40000);
  data.fill(0, MutableByteView(bytes));
  pfs::ContentEncoding encoder(refcodec::document_seed(kRunSeed));
  pfs::SendStream send;
  ASSERT_EQ(encoder.write(0, send, ByteView(bytes), true, 1u << 20), bytes.size());
  std::vector<std::uint8_t> wire(send.unsent_bytes());
  send.copy(0, wire.size(), wire.data());
  SeededRandom r(99);
  for (int trial = 0; trial < 200; ++trial) {
    auto damaged = wire;
    const std::size_t at = r.below(damaged.size());
    damaged[at] ^= static_cast<std::uint8_t>(1u << r.below(8));
    pfs::ContentEncoding decoder(refcodec::document_seed(kRunSeed));
    pfs::RecvStream recv;
    ASSERT_TRUE(recv.on_frame(0, ByteView(damaged), true));
    std::vector<std::uint8_t> got(bytes.size() + 100);
    bool fin = false;
    std::uint64_t consumed = 0;
    std::string error;
    const std::size_t n = decoder.read(0, recv, MutableByteView(got), &fin, &consumed, &error);
    // A flipped bit in a literal's bytes is not the codec's to see (the CRC covers it, though):
    // whatever happens, wrong bytes are never handed over as good ones with no error.
    if (error.empty()) {
      got.resize(n);
      EXPECT_EQ(got, bytes) << "flip at " << at << " delivered wrong content";
    } else {
      EXPECT_EQ(n, 0u) << error;
      EXPECT_FALSE(fin);
    }
  }
}

TEST(PfsRefsEncoding, StreamDoesNotRetireWhileDecodedContentWaits) {
  // A request stream retires once both directions are finished and acknowledged. With the
  // encoding, the receiver's RecvStream is finished as soon as the decoder has pulled the last
  // record, while up to a record of content still waits for the application: the server here
  // answers at that moment and reads slowly, so the answer's acknowledgement arrives first.
  const pfs::PfsConfig config = refs_config();
  auto client = pfs::make_transport(config, pfs::Role::kClient, 11);
  auto server = pfs::make_transport(config, pfs::Role::kServer, 12);
  PipeLink link;
  link.delay = std::chrono::milliseconds(5);
  ScriptedPipe pipe(*client, *server, link, link, 5);
  const BulkContent data = content(BulkDataMode::kVersioned, 0.5, 9);
  std::vector<std::uint8_t> request(300000), got, buffer(request.size());
  data.fill(0, MutableByteView(request));
  constexpr std::size_t kAnswerAt = 270000;  // inside the last 64 KiB record
  std::optional<StreamId> stream, served;
  std::size_t written = 0;
  bool answered = false, fin = false;
  auto read_some = [&](std::size_t most) {
    const std::size_t n = server->read(*served, MutableByteView(buffer.data(), most), &fin);
    got.insert(got.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
  };
  client->connect(kTimeZero);
  pipe.run([] { return false; }, kTimeZero + std::chrono::seconds(5), [&](Timestamp) {
    while (auto e = client->poll_event())
      if (e->kind == TransportEvent::Kind::kConnected) stream = client->open_stream();
    if (stream && written < request.size())
      written += client->write(*stream, ByteView(request.data() + written, request.size() - written), true);
    while (auto e = server->poll_event())
      if (e->kind == TransportEvent::Kind::kStreamOpened) served = e->stream;
    if (!served || fin) return;
    if (!answered) {
      while (got.size() < kAnswerAt && read_some(kAnswerAt - got.size()) > 0) {
      }
      if (got.size() < kAnswerAt) return;
      const std::uint8_t answer = 42;
      answered = server->write(*served, ByteView(&answer, 1), true) == 1;
    } else {
      read_some(100);
    }
  });
  ASSERT_TRUE(answered);
  ASSERT_LT(got.size(), request.size()) << "the slow reader finished before the answer was acknowledged";
  while (!fin && read_some(buffer.size()) > 0) {
  }
  EXPECT_TRUE(fin);
  EXPECT_EQ(got, request);
}

TEST(PfsOptions, EncodingIsValidated) {
  EXPECT_EQ(pfs::config_from_options({}, 1472).encoding, pfs::Encoding::kNone);
  EXPECT_EQ(pfs::config_from_options({{"encoding", "none"}}, 1472).encoding, pfs::Encoding::kNone);
  EXPECT_EQ(pfs::config_from_options({{"encoding", "refs"}}, 1472).encoding, pfs::Encoding::kRefs);
  try {
    pfs::config_from_options({{"encoding", "zip"}}, 1472);
    FAIL() << "accepted encoding zip";
  } catch (const pfs::PfsOptionError& e) {
    EXPECT_NE(std::string(e.what()).find("refs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wirelab::testing

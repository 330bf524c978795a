#include "protocols/pfs/content_encoding.h"

#include <algorithm>

#include "protocols/pfs/varint.h"
#include "protocols/refcodec/content_codec.h"
#include "protocols/refcodec/shared_document.h"

namespace wirelab::pfs {
namespace {

constexpr std::size_t kPullBytes = 64 * 1024;
// A record's reference stream is never larger than its content plus the units' headers; a
// length beyond this bound is a corrupt or hostile record, refused before buffering it.
constexpr std::uint64_t kMaxRecordStream = 2 * ContentEncoding::kMaxRecordContent + 4096;

}  // namespace

namespace {

std::shared_ptr<const refcodec::SharedBlob> scrambled(std::uint64_t document_seed, ByteView key) {
  if (key.size > 0) return refcodec::scrambled_document(document_seed, key);
  return refcodec::scrambled_document(document_seed, refcodec::document_key(document_seed));
}

}  // namespace

ContentEncoding::ContentEncoding(std::uint64_t document_seed, ByteView document_key)
    : blob_(scrambled(document_seed, document_key)) {}

ContentEncoding::~ContentEncoding() = default;

std::size_t ContentEncoding::write(StreamId id, SendStream& send, ByteView data, bool fin,
                                   std::uint64_t buffer_limit) {
  if (send.fin_written()) return 0;
  std::uint64_t& written = content_written_[id];
  const std::uint64_t piece = blob_->chunk_bytes();
  const std::uint64_t buffered = send.buffered();
  const std::uint64_t room = buffer_limit > buffered ? buffer_limit - buffered : 0;
  std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(data.size, room));
  if (n < data.size) {
    // Not the write's end: whole grid pieces only, and not a tiny record.
    const std::uint64_t end = (written + n) - (written + n) % piece;
    n = end > written ? static_cast<std::size_t>(end - written) : 0;
    if (n < std::min<std::uint64_t>(kMinRecordContent, buffer_limit / 2)) n = 0;
  }
  if (n == 0) {
    if (fin && data.size == 0) send.write(ByteView(), true, UINT64_MAX);
    return 0;
  }
  for (std::size_t taken = 0; taken < n;) {
    const std::size_t length = std::min(n - taken, kMaxRecordContent);
    const refcodec::EncodedContent encoded = refcodec::encode_content_at(
        *blob_, ByteView(data.data + taken, length), static_cast<std::size_t>(written % piece), kSyncLog2);
    std::uint8_t header[16];
    ByteWriter w(MutableByteView(header, sizeof header));
    w.varint(length);
    w.varint(encoded.stream.size());
    record_.assign(header, header + w.size());
    record_.insert(record_.end(), encoded.stream.begin(), encoded.stream.end());
    taken += length;
    written += length;
    // The buffer limit was applied to the content above; the record goes in whole (it may
    // overshoot the limit by its units' headers).
    send.write(ByteView(record_), fin && taken == data.size, UINT64_MAX);
  }
  return n;
}

bool ContentEncoding::decode_records(Receiving& r, std::string* error) {
  std::size_t at = 0;
  while (at < r.encoded.size()) {
    ByteReader reader(ByteView(r.encoded.data() + at, r.encoded.size() - at));
    const auto content_length = reader.varint();
    const auto stream_length = reader.varint();
    if (!content_length || !stream_length) break;  // header incomplete
    if (*content_length == 0 || *content_length > kMaxRecordContent || *stream_length == 0 ||
        *stream_length > kMaxRecordStream) {
      *error = "pfs refs encoding: malformed record header";
      return false;
    }
    const std::size_t header = (r.encoded.size() - at) - reader.remaining();
    if (reader.remaining() < *stream_length) break;  // record incomplete
    const refcodec::DecodedContent decoded = refcodec::decode_content(
        *blob_, ByteView(r.encoded.data() + at + header, static_cast<std::size_t>(*stream_length)), kSyncLog2);
    if (!decoded.ok) {
      *error = "pfs refs encoding: bad reference stream (" + decoded.error + " at record byte " +
               std::to_string(decoded.error_offset) + ")";
      return false;
    }
    if (decoded.bytes.size() != *content_length) {
      *error = "pfs refs encoding: record decodes to " + std::to_string(decoded.bytes.size()) +
               " bytes, header says " + std::to_string(*content_length);
      return false;
    }
    if (r.content_head == r.content.size()) {
      r.content.clear();
      r.content_head = 0;
    }
    r.content.insert(r.content.end(), decoded.bytes.begin(), decoded.bytes.end());
    at += header + static_cast<std::size_t>(*stream_length);
  }
  r.encoded.erase(r.encoded.begin(), r.encoded.begin() + static_cast<std::ptrdiff_t>(at));
  return true;
}

bool ContentEncoding::delivered(StreamId id) const {
  auto it = receiving_.find(id);
  return it == receiving_.end() || (it->second.encoded.empty() && it->second.content.size() == it->second.content_head);
}

void ContentEncoding::forget(StreamId id) {
  receiving_.erase(id);
  content_written_.erase(id);
}

std::size_t ContentEncoding::read(StreamId id, RecvStream& recv, MutableByteView out, bool* fin,
                                  std::uint64_t* wire_consumed, std::string* error) {
  Receiving& r = receiving_[id];
  *wire_consumed = 0;
  if (fin) *fin = false;
  // Pull encoded bytes until enough content is decoded for `out` or the stream has no more.
  while (r.content.size() - r.content_head < out.size && !r.recv_fin && recv.readable()) {
    scratch_.resize(kPullBytes);
    bool recv_fin = false;
    const std::size_t got = recv.read(MutableByteView(scratch_.data(), scratch_.size()), &recv_fin);
    r.encoded.insert(r.encoded.end(), scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(got));
    *wire_consumed += got;
    r.recv_fin = recv_fin;
    if (!decode_records(r, error)) return 0;
    if (got == 0) break;
  }
  if (r.recv_fin && !r.encoded.empty()) {
    *error = "pfs refs encoding: stream ended inside a record";
    return 0;
  }
  const std::size_t n = std::min(out.size, r.content.size() - r.content_head);
  std::copy_n(r.content.data() + r.content_head, n, out.data);
  r.content_head += n;
  if (r.content_head == r.content.size()) {
    r.content.clear();
    r.content_head = 0;
  }
  if (fin) *fin = r.recv_fin && r.content.empty();
  return n;
}

}  // namespace wirelab::pfs

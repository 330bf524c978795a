// PFS's content encoding (`pfs: {encoding: refs}`): a layer between the application and the
// stream, so that a stream's bytes on the wire are a reference stream through the run's shared
// document (refcodec/shared_document.h) while the application writes and reads the original
// content. The stream machinery below (send buffer, retransmission, flow control, reassembly)
// is unchanged: it carries the encoded bytes reliably and in order, like any other bytes.
//
// The references point into the run's document scrambled by a keyed pseudorandom permutation
// of its chunks (refcodec::scrambled_document): PacketFS's blob. Both ends derive the same
// scrambled document from the document seed and key.
//
// Encoded stream = a sequence of records, one per accepted write (split at kMaxRecordContent):
//   [content_length varint][encoded_length varint][reference stream, encoded_length bytes]
// The reference stream is refcodec::encode_content_at of the record's content, cut on the
// content's grid: pieces sit at stream content offsets that are multiples of the chunk size,
// across writes, so writes of any size keep the grid (a piece split across two records travels
// as literals). Each record is a complete reference stream, closed by its SYNC, so content is
// never held back waiting for more writes; the receiver decodes a record as soon as it has all
// of it and delivers exactly its content_length bytes, or closes the connection on any fault.
//
// Flow control and the send buffer count encoded (wire) bytes: the window is what the peer
// buffers. A write is accepted while the send buffer has room, in whole grid pieces unless it
// is the write's end, and not in pieces smaller than kMinRecordContent unless that is all
// there is: a nearly full buffer does not turn the stream into a trickle of tiny records.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocols/core/bytes.h"
#include "protocols/core/endpoint.h"
#include "protocols/pfs/stream.h"

namespace wirelab::refcodec {
class SharedBlob;
}

namespace wirelab::pfs {

class ContentEncoding {
 public:
  static constexpr std::size_t kMaxRecordContent = 64 * 1024;
  static constexpr std::size_t kMinRecordContent = 16 * 1024;
  static constexpr unsigned kSyncLog2 = 10;

  // References point into the run's document scrambled by a keyed permutation
  // (refcodec::scrambled_document(document_seed, document_key)); both ends need the same seed
  // and key. An empty key is refcodec::document_key(document_seed), derived from the seed.
  explicit ContentEncoding(std::uint64_t document_seed, ByteView document_key = ByteView());
  ~ContentEncoding();

  // Encodes up to data.size content bytes into `send` while its buffer holds less than
  // `buffer_limit` encoded bytes; returns the content bytes taken. fin is passed on with the
  // last of them.
  std::size_t write(StreamId id, SendStream& send, ByteView data, bool fin, std::uint64_t buffer_limit);

  // Reads encoded bytes from `recv` (all it has), decodes complete records and copies content
  // into `out`. *wire_consumed: encoded bytes taken from `recv` (for flow control). *fin: the
  // content is complete and all read. Returns the content bytes copied; on a malformed record
  // sets *error (the connection must close) and returns 0.
  std::size_t read(StreamId id, RecvStream& recv, MutableByteView out, bool* fin,
                   std::uint64_t* wire_consumed, std::string* error);

  // Whether the application has been handed everything decoded for `id`: its stream may retire
  // only then (RecvStream::finished() says the encoded bytes are read, not the content).
  bool delivered(StreamId id) const;
  // Drops the state of a retired stream.
  void forget(StreamId id);

 private:
  struct Receiving {
    std::vector<std::uint8_t> encoded;  // received bytes not yet decoded (a partial record)
    std::vector<std::uint8_t> content;  // decoded, not yet read, from content_head
    std::size_t content_head = 0;
    bool recv_fin = false;
  };
  bool decode_records(Receiving& r, std::string* error);

  std::shared_ptr<const refcodec::SharedBlob> blob_;
  std::map<StreamId, std::uint64_t> content_written_;  // per sending stream: content offset
  std::map<StreamId, Receiving> receiving_;
  std::vector<std::uint8_t> record_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace wirelab::pfs

// One PFS stream's two halves: what we send (buffered until acknowledged, with the ranges lost
// and waiting for retransmission) and what we receive (reassembled in order from frames that
// may arrive lost, late, duplicated or overlapping).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "protocols/core/bytes.h"

namespace wirelab::pfs {

// Disjoint byte ranges [offset, end) with merging; the small workhorse of both halves.
class RangeSet {
 public:
  void add(std::uint64_t offset, std::uint64_t end);
  void remove(std::uint64_t offset, std::uint64_t end);
  bool empty() const { return ranges_.empty(); }
  // The first range, clipped to at most `max_length` bytes.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> first(std::uint64_t max_length) const;
  bool covers(std::uint64_t offset, std::uint64_t end) const;
  const std::map<std::uint64_t, std::uint64_t>& ranges() const { return ranges_; }

 private:
  std::map<std::uint64_t, std::uint64_t> ranges_;  // offset -> end
};

struct StreamChunk {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool fin = false;
  bool retransmission = false;
};

class SendStream {
 public:
  // Accepts up to `room` more bytes (send buffer space); returns how many were taken.
  std::size_t write(ByteView data, bool fin, std::uint64_t buffer_limit);
  // In place: up to `max` bytes of contiguous room (within `buffer_limit` buffered bytes) at the
  // write position, to be filled and then committed; empty when the buffer is full.
  MutableByteView space(std::size_t max, std::uint64_t buffer_limit);
  // Takes the first n of those bytes (at most what space() offered; nothing after the end).
  void commit(std::size_t n, bool fin);
  std::uint64_t buffered() const { return write_offset_ - acked_floor_; }

  bool has_retransmission() const { return !lost_.empty() || (fin_lost_ && !fin_acked_); }
  // New bytes we could send if flow control allowed: [next_new_, write_offset_).
  std::uint64_t unsent_bytes() const { return write_offset_ - next_new_; }
  bool fin_pending() const { return fin_written_ && !fin_sent_; }
  std::uint64_t next_new_offset() const { return next_new_; }

  // The next chunk to send: lost bytes first, then new bytes up to `flow_limit` (the peer's
  // MAX_STREAM_DATA) and `conn_credit` new bytes. nullopt when there is nothing.
  std::optional<StreamChunk> next_chunk(std::uint64_t max_length, std::uint64_t flow_limit,
                                        std::uint64_t conn_credit) const;
  void on_chunk_sent(const StreamChunk& chunk);
  void copy(std::uint64_t offset, std::uint64_t length, std::uint8_t* out) const;

  void on_acked(std::uint64_t offset, std::uint64_t length, bool fin);
  void on_lost(std::uint64_t offset, std::uint64_t length, bool fin);
  // Marks already-sent, unacknowledged bytes for sending again (probe timeouts).
  void requeue_unacked(std::uint64_t offset, std::uint64_t length, bool fin) { on_lost(offset, length, fin); }

  bool all_acked() const { return fin_written_ && fin_acked_ && acked_floor_ == write_offset_; }
  // Nothing left to deliver: every written byte (and the FIN, if written) acknowledged.
  bool drained() const { return acked_floor_ == write_offset_ && (!fin_written_ || fin_acked_); }
  bool fin_written() const { return fin_written_; }

 private:
  void grow(std::size_t needed);

  // A ring (size a power of two, or empty) holding bytes [acked_floor_, write_offset_) from
  // index head_ on, wrapping: acknowledged bytes leave by moving head_, never by moving bytes.
  // (A vector erased from the front moved megabytes per acknowledgement batch.)
  std::vector<std::uint8_t> buffer_;
  std::size_t head_ = 0;              // index in buffer_ of offset acked_floor_
  std::uint64_t acked_floor_ = 0;     // every byte below is acknowledged
  std::uint64_t write_offset_ = 0;
  std::uint64_t next_new_ = 0;        // first byte never sent
  RangeSet acked_;                    // acknowledged ranges above acked_floor_
  RangeSet lost_;                     // sent, lost, not yet resent
  bool fin_written_ = false;
  std::size_t offered_ = 0;           // what the last space() offered, until commit()
  bool fin_sent_ = false;
  bool fin_acked_ = false;
  bool fin_lost_ = false;
};

class RecvStream {
 public:
  // Takes a STREAM frame's payload; returns false on a flow-control or final-size violation.
  bool on_frame(std::uint64_t offset, ByteView data, bool fin);
  std::size_t read(MutableByteView out, bool* fin);
  // In place: the ready bytes (*fin: the end follows them), then consume(n) of them.
  ByteView peek(bool* fin) const;
  void consume(std::size_t n);
  bool readable() const { return ready_.size() > ready_head_ || (fin_offset_ && read_offset_ == *fin_offset_ && !fin_read_); }
  std::uint64_t highest_received() const { return highest_; }
  std::uint64_t consumed() const { return read_offset_; }
  bool finished() const { return fin_read_; }

 private:
  std::uint64_t read_offset_ = 0;      // bytes handed to the application
  std::uint64_t contiguous_end_ = 0;   // bytes received in order (read or ready)
  std::uint64_t highest_ = 0;
  std::vector<std::uint8_t> ready_;    // [read_offset_, contiguous_end_) starting at ready_head_
  std::size_t ready_head_ = 0;
  std::map<std::uint64_t, std::vector<std::uint8_t>> out_of_order_;
  std::optional<std::uint64_t> fin_offset_;
  bool fin_read_ = false;
};

}  // namespace wirelab::pfs

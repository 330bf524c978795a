// PFS v1 frames: the units a packet's payload is made of (docs/protocols/pfs.md has the layouts).
//
// Decoding treats its input as hostile: a truncated or unknown frame makes the whole packet
// invalid (decode_frames returns false) and the connection drops it, never reads past it.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "protocols/core/bytes.h"
#include "protocols/pfs/varint.h"

namespace wirelab::pfs {

enum class FrameType : std::uint8_t {
  kPadding = 0x00,
  kPing = 0x01,
  kAck = 0x02,
  kNack = 0x03,
  kMaxData = 0x04,
  kMaxStreamData = 0x05,
  kMaxStreams = 0x06,
  kHandshake = 0x07,
  kClose = 0x0c,
  kFecRepair = 0x0d,
  kFecRecovered = 0x0e,
  kStream = 0x10,     // 0x10 | 0x01 when the frame carries the stream's end (FIN)
  kStreamFin = 0x11,
};

// A contiguous run of packet numbers [first, last].
struct PacketRange {
  std::uint64_t first;
  std::uint64_t last;
  bool operator==(const PacketRange& o) const { return first == o.first && last == o.last; }
};

struct PingFrame {};

// Selective acknowledgement: ranges in descending order, ranges[0].last is the largest
// acknowledged packet number. Encoded as largest, delay, count, first length, then gap/length
// pairs as in QUIC.
struct AckFrame {
  std::vector<PacketRange> ranges;
  std::uint64_t ack_delay_us = 0;
};

// Receiver-driven loss report: packet numbers the receiver has seen skipped by at least the
// reordering threshold of later packets. The sender treats them as lost at once.
struct NackFrame {
  std::vector<PacketRange> missing;  // ascending
};

struct MaxDataFrame {
  std::uint64_t max_data;
};

struct MaxStreamDataFrame {
  std::uint64_t stream_id;
  std::uint64_t max_data;
};

struct MaxStreamsFrame {
  std::uint64_t max_streams;
};

// Connection set-up: each side's transport parameters (client in INITIAL, server in HANDSHAKE).
struct HandshakeFrame {
  std::uint64_t initial_max_data = 0;
  std::uint64_t initial_max_stream_data = 0;
  std::uint64_t initial_max_streams = 0;
  std::uint64_t idle_timeout_ms = 0;
  std::uint64_t max_datagram_size = 0;
};

struct CloseFrame {
  std::uint64_t error_code = 0;  // 0: clean close
  std::string reason;
};

struct StreamFrame {
  std::uint64_t stream_id = 0;
  std::uint64_t offset = 0;
  ByteView data;  // points into the packet being decoded or the send buffer being encoded
  bool fin = false;
};

// One repair shard of an rs(k,m) FEC block (docs/protocols/pfs-fec.md). The block's source
// packets are listed by packet number (ascending; fewer than k when the sender flushed a short
// block, the absent sources then count as zero shards); the shard is repair number `index` of
// the block's source payloads, each as [u16 length][frames], zero-padded to shard.size.
struct FecRepairFrame {
  std::uint64_t block_id = 0;
  std::uint8_t k = 0;
  std::uint8_t m = 0;
  std::uint8_t index = 0;
  std::vector<std::uint64_t> source_packets;
  ByteView shard;
};

// The receiver's running count of lost packets it rebuilt from repair: the sender's view of the
// losses FEC hid from loss detection. Not ack-eliciting; a later one supersedes a lost one.
struct FecRecoveredFrame {
  std::uint64_t total = 0;
};

using Frame = std::variant<PingFrame, AckFrame, NackFrame, MaxDataFrame, MaxStreamDataFrame, MaxStreamsFrame,
                           HandshakeFrame, CloseFrame, StreamFrame, FecRepairFrame, FecRecoveredFrame>;

// Bytes an FEC_REPAIR frame needs beyond its shard, at most, for a block of k sources whose
// packet numbers are below 2^62 and at most kFecMaxSourceGap apart, ids below 2^30.
constexpr std::uint64_t kFecMaxSourceGap = 16383;
constexpr std::size_t fec_repair_overhead(int k) {
  return 1 + 4 + 3 + 2 + 8 + 2 * static_cast<std::size_t>(k - 1) + 2;
}

// Exact encoded sizes, so the packet builder can plan a packet before writing it.
std::size_t stream_frame_overhead(std::uint64_t stream_id, std::uint64_t offset, std::size_t length);
std::size_t encoded_size(const Frame& frame);

bool encode_frame(const Frame& frame, ByteWriter& out);
// Appends every frame of `payload` to `frames`; false on any malformed frame.
bool decode_frames(ByteView payload, std::vector<Frame>& frames);

// An ACK frame limited to `max_ranges` ranges (the newest ones are kept).
AckFrame make_ack_frame(const std::vector<PacketRange>& descending_ranges, std::uint64_t ack_delay_us,
                        std::size_t max_ranges);

}  // namespace wirelab::pfs

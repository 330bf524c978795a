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

using Frame = std::variant<PingFrame, AckFrame, NackFrame, MaxDataFrame, MaxStreamDataFrame, MaxStreamsFrame,
                           HandshakeFrame, CloseFrame, StreamFrame>;

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

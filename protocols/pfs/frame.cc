#include "protocols/pfs/frame.h"

#include <type_traits>

namespace wirelab::pfs {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

bool encode_ack(const AckFrame& f, ByteWriter& out) {
  if (f.ranges.empty()) return false;
  bool ok = out.u8(static_cast<std::uint8_t>(FrameType::kAck)) && out.varint(f.ranges[0].last) &&
            out.varint(f.ack_delay_us) && out.varint(f.ranges.size() - 1) &&
            out.varint(f.ranges[0].last - f.ranges[0].first);
  for (std::size_t i = 1; ok && i < f.ranges.size(); ++i) {
    // gap: packets skipped between this range and the previous (smaller) one, minus one.
    ok = out.varint(f.ranges[i - 1].first - f.ranges[i].last - 2) && out.varint(f.ranges[i].last - f.ranges[i].first);
  }
  return ok;
}

std::size_t ack_size(const AckFrame& f) {
  if (f.ranges.empty()) return 0;
  std::size_t n = 1 + varint_size(f.ranges[0].last) + varint_size(f.ack_delay_us) + varint_size(f.ranges.size() - 1) +
                  varint_size(f.ranges[0].last - f.ranges[0].first);
  for (std::size_t i = 1; i < f.ranges.size(); ++i)
    n += varint_size(f.ranges[i - 1].first - f.ranges[i].last - 2) + varint_size(f.ranges[i].last - f.ranges[i].first);
  return n;
}

}  // namespace

std::size_t stream_frame_overhead(std::uint64_t stream_id, std::uint64_t offset, std::size_t length) {
  return 1 + varint_size(stream_id) + varint_size(offset) + varint_size(length);
}

std::size_t encoded_size(const Frame& frame) {
  return std::visit(
      Overloaded{
          [](const PingFrame&) -> std::size_t { return 1; },
          [](const AckFrame& f) -> std::size_t { return ack_size(f); },
          [](const NackFrame& f) -> std::size_t {
            std::size_t n = 1 + varint_size(f.missing.size());
            for (const auto& r : f.missing) n += varint_size(r.first) + varint_size(r.last - r.first);
            return n;
          },
          [](const MaxDataFrame& f) -> std::size_t { return 1 + varint_size(f.max_data); },
          [](const MaxStreamDataFrame& f) -> std::size_t { return 1 + varint_size(f.stream_id) + varint_size(f.max_data); },
          [](const MaxStreamsFrame& f) -> std::size_t { return 1 + varint_size(f.max_streams); },
          [](const HandshakeFrame& f) -> std::size_t {
            return 1 + varint_size(f.initial_max_data) + varint_size(f.initial_max_stream_data) +
                   varint_size(f.initial_max_streams) + varint_size(f.idle_timeout_ms) + varint_size(f.max_datagram_size);
          },
          [](const CloseFrame& f) -> std::size_t {
            return 1 + varint_size(f.error_code) + varint_size(f.reason.size()) + f.reason.size();
          },
          [](const StreamFrame& f) -> std::size_t {
            return stream_frame_overhead(f.stream_id, f.offset, f.data.size) + f.data.size;
          },
          [](const FecRepairFrame& f) -> std::size_t {
            std::size_t n = 1 + varint_size(f.block_id) + 3 + varint_size(f.source_packets.size());
            for (std::size_t i = 0; i < f.source_packets.size(); ++i)
              n += varint_size(i == 0 ? f.source_packets[0] : f.source_packets[i] - f.source_packets[i - 1]);
            return n + varint_size(f.shard.size) + f.shard.size;
          },
          [](const FecRecoveredFrame& f) -> std::size_t { return 1 + varint_size(f.total); },
      },
      frame);
}

bool encode_frame(const Frame& frame, ByteWriter& out) {
  return std::visit(
      Overloaded{
          [&](const PingFrame&) { return out.u8(static_cast<std::uint8_t>(FrameType::kPing)); },
          [&](const AckFrame& f) { return encode_ack(f, out); },
          [&](const NackFrame& f) {
            bool ok = out.u8(static_cast<std::uint8_t>(FrameType::kNack)) && out.varint(f.missing.size());
            for (const auto& r : f.missing) ok = ok && out.varint(r.first) && out.varint(r.last - r.first);
            return ok;
          },
          [&](const MaxDataFrame& f) { return out.u8(static_cast<std::uint8_t>(FrameType::kMaxData)) && out.varint(f.max_data); },
          [&](const MaxStreamDataFrame& f) {
            return out.u8(static_cast<std::uint8_t>(FrameType::kMaxStreamData)) && out.varint(f.stream_id) &&
                   out.varint(f.max_data);
          },
          [&](const MaxStreamsFrame& f) {
            return out.u8(static_cast<std::uint8_t>(FrameType::kMaxStreams)) && out.varint(f.max_streams);
          },
          [&](const HandshakeFrame& f) {
            return out.u8(static_cast<std::uint8_t>(FrameType::kHandshake)) && out.varint(f.initial_max_data) &&
                   out.varint(f.initial_max_stream_data) && out.varint(f.initial_max_streams) &&
                   out.varint(f.idle_timeout_ms) && out.varint(f.max_datagram_size);
          },
          [&](const CloseFrame& f) {
            return out.u8(static_cast<std::uint8_t>(FrameType::kClose)) && out.varint(f.error_code) &&
                   out.varint(f.reason.size()) &&
                   out.bytes(ByteView(reinterpret_cast<const std::uint8_t*>(f.reason.data()), f.reason.size()));
          },
          [&](const StreamFrame& f) {
            return out.u8(static_cast<std::uint8_t>(f.fin ? FrameType::kStreamFin : FrameType::kStream)) &&
                   out.varint(f.stream_id) && out.varint(f.offset) && out.varint(f.data.size) && out.bytes(f.data);
          },
          [&](const FecRepairFrame& f) {
            // Source packet numbers: the first, then ascending deltas.
            bool ok = out.u8(static_cast<std::uint8_t>(FrameType::kFecRepair)) && out.varint(f.block_id) &&
                      out.u8(f.k) && out.u8(f.m) && out.u8(f.index) && out.varint(f.source_packets.size());
            for (std::size_t i = 0; ok && i < f.source_packets.size(); ++i)
              ok = out.varint(i == 0 ? f.source_packets[0] : f.source_packets[i] - f.source_packets[i - 1]);
            return ok && out.varint(f.shard.size) && out.bytes(f.shard);
          },
          [&](const FecRecoveredFrame& f) {
            return out.u8(static_cast<std::uint8_t>(FrameType::kFecRecovered)) && out.varint(f.total);
          },
      },
      frame);
}

bool decode_frames(ByteView payload, std::vector<Frame>& frames) {
  ByteReader in(payload);
  while (!in.empty()) {
    const auto type = in.u8();
    if (!type) return false;
    switch (static_cast<FrameType>(*type)) {
      case FrameType::kPadding:
        break;
      case FrameType::kPing:
        frames.emplace_back(PingFrame{});
        break;
      case FrameType::kAck: {
        const auto largest = in.varint(), delay = in.varint(), count = in.varint(), first_len = in.varint();
        if (!largest || !delay || !count || !first_len || *first_len > *largest || *count > 4096) return false;
        AckFrame f;
        f.ack_delay_us = *delay;
        f.ranges.push_back({*largest - *first_len, *largest});
        for (std::uint64_t i = 0; i < *count; ++i) {
          const auto gap = in.varint(), len = in.varint();
          if (!gap || !len) return false;
          const std::uint64_t prev_first = f.ranges.back().first;
          if (prev_first < *gap + 2) return false;
          const std::uint64_t last = prev_first - *gap - 2;
          if (*len > last) return false;
          f.ranges.push_back({last - *len, last});
        }
        frames.emplace_back(std::move(f));
        break;
      }
      case FrameType::kNack: {
        const auto count = in.varint();
        if (!count || *count > 4096) return false;
        NackFrame f;
        for (std::uint64_t i = 0; i < *count; ++i) {
          const auto first = in.varint(), len = in.varint();
          if (!first || !len || *first + *len > kVarintMax) return false;
          f.missing.push_back({*first, *first + *len});
        }
        frames.emplace_back(std::move(f));
        break;
      }
      case FrameType::kMaxData: {
        const auto v = in.varint();
        if (!v) return false;
        frames.emplace_back(MaxDataFrame{*v});
        break;
      }
      case FrameType::kMaxStreamData: {
        const auto id = in.varint(), v = in.varint();
        if (!id || !v) return false;
        frames.emplace_back(MaxStreamDataFrame{*id, *v});
        break;
      }
      case FrameType::kMaxStreams: {
        const auto v = in.varint();
        if (!v) return false;
        frames.emplace_back(MaxStreamsFrame{*v});
        break;
      }
      case FrameType::kHandshake: {
        HandshakeFrame f;
        for (std::uint64_t* field : {&f.initial_max_data, &f.initial_max_stream_data, &f.initial_max_streams,
                                     &f.idle_timeout_ms, &f.max_datagram_size}) {
          const auto v = in.varint();
          if (!v) return false;
          *field = *v;
        }
        frames.emplace_back(f);
        break;
      }
      case FrameType::kClose: {
        const auto code = in.varint(), len = in.varint();
        if (!code || !len) return false;
        const auto reason = in.bytes(static_cast<std::size_t>(*len));
        if (!reason) return false;
        frames.emplace_back(CloseFrame{*code, std::string(reason->begin(), reason->end())});
        break;
      }
      case FrameType::kStream:
      case FrameType::kStreamFin: {
        const auto id = in.varint(), offset = in.varint(), len = in.varint();
        if (!id || !offset || !len || *offset + *len > kVarintMax) return false;
        const auto data = in.bytes(static_cast<std::size_t>(*len));
        if (!data) return false;
        frames.emplace_back(StreamFrame{*id, *offset, *data, *type == static_cast<std::uint8_t>(FrameType::kStreamFin)});
        break;
      }
      case FrameType::kFecRepair: {
        FecRepairFrame f;
        const auto block = in.varint();
        const auto k = in.u8(), m = in.u8(), index = in.u8();
        const auto count = in.varint();
        if (!block || !k || !m || !index || !count) return false;
        // The same limits as the code itself: 1 <= k, 1 <= m, k + m <= 255, 1 <= sources <= k.
        if (*k < 1 || *m < 1 || *k + *m > 255 || *index >= *m || *count < 1 || *count > *k) return false;
        f.block_id = *block;
        f.k = *k;
        f.m = *m;
        f.index = *index;
        for (std::uint64_t i = 0; i < *count; ++i) {
          const auto v = in.varint();
          if (!v || (i > 0 && (*v == 0 || f.source_packets.back() + *v > kVarintMax))) return false;
          f.source_packets.push_back(i == 0 ? *v : f.source_packets.back() + *v);
        }
        const auto len = in.varint();
        if (!len || *len < 2) return false;
        const auto shard = in.bytes(static_cast<std::size_t>(*len));
        if (!shard) return false;
        f.shard = *shard;
        frames.emplace_back(std::move(f));
        break;
      }
      case FrameType::kFecRecovered: {
        const auto v = in.varint();
        if (!v) return false;
        frames.emplace_back(FecRecoveredFrame{*v});
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

AckFrame make_ack_frame(const std::vector<PacketRange>& descending_ranges, std::uint64_t ack_delay_us,
                        std::size_t max_ranges) {
  AckFrame f;
  f.ack_delay_us = ack_delay_us;
  for (std::size_t i = 0; i < descending_ranges.size() && i < max_ranges; ++i) f.ranges.push_back(descending_ranges[i]);
  return f;
}

}  // namespace wirelab::pfs

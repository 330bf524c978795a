#include "protocols/workloads/bulk_session.h"

#include <algorithm>

namespace wirelab::workloads {
namespace {
// Bytes handed to StreamApi::write at a time; the transport's send buffer decides how many it
// takes.
constexpr std::size_t kChunkBytes = 64 * 1024;
}  // namespace

BulkSender::BulkSender(StreamApi& connection, BulkOptions options)
    : connection_(connection), options_(std::move(options)) {}

void BulkSender::on_event(Timestamp, const TransportEvent& event) {
  switch (event.kind) {
    case TransportEvent::Kind::kConnected:
      connected_ = true;
      if (!stream_) {
        stream_ = connection_.open_stream();
        write_more();
      }
      break;
    case TransportEvent::Kind::kStreamWritable:
      write_more();
      break;
    case TransportEvent::Kind::kClosed:
      if (!event.reason.empty() && record_.error.empty()) record_.error = event.reason;
      break;
    default:
      break;
  }
}

void BulkSender::service(Timestamp) {
  // Also without an event: a transport that frees send buffer without saying so still makes
  // progress (one write call per service when nothing changed).
  if (!connected_) return;
  if (!stream_) stream_ = connection_.open_stream();
  write_more();
}

void BulkSender::write_more() {
  if (!stream_ || fin_written_) return;
  const std::uint64_t total = options_.bytes.value_or(UINT64_MAX);
  const std::uint64_t sent = options_.write_ahead_bytes ? options_.bytes_sent_once() : 0;
  for (int chunks = 0; options_.chunks_per_service == 0 || chunks < options_.chunks_per_service; ++chunks) {
    if (options_.write_ahead_bytes && written_ >= sent + options_.write_ahead_bytes) break;
    // Straight into the transport's send buffer where it allows that: no copy through chunk_.
    const std::uint64_t remaining = total - written_;
    if (remaining > 0) {
      if (const auto space = connection_.write_space(*stream_, std::min<std::uint64_t>(kChunkBytes, remaining))) {
        if (space->size == 0) break;
        options_.content.fill(written_, *space);
        const bool fin = options_.bytes.has_value() && space->size == remaining;
        connection_.commit_write(*stream_, space->size, fin);
        written_ += space->size;
        fin_written_ = fin;
        if (fin) break;
        continue;
      }
    }
    // The pattern is generated once per chunk, not once per write attempt: a transport with a
    // nearly full send buffer takes a few bytes per call, and regenerating 64 KB each time
    // would dominate the cost of a simulation.
    if (written_ >= chunk_offset_ + chunk_.size() || written_ < chunk_offset_) {
      chunk_offset_ = written_;
      chunk_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kChunkBytes, total - written_)));
      options_.content.fill(chunk_offset_, MutableByteView(chunk_.data(), chunk_.size()));
    }
    const std::size_t skip = static_cast<std::size_t>(written_ - chunk_offset_);
    const std::size_t n = chunk_.size() - skip;
    const bool fin = options_.bytes.has_value() && written_ + n == total;
    const std::size_t accepted = connection_.write(*stream_, ByteView(chunk_.data() + skip, n), fin);
    written_ += accepted;
    if (fin && accepted == n) fin_written_ = true;
    if (fin_written_ || accepted < n || n == 0) break;
  }
}

BulkReceiver::BulkReceiver(StreamApi& connection, std::optional<std::uint64_t> bytes, const BulkContent& content)
    : connection_(connection), check_(content, bytes.value_or(UINT64_MAX)), read_buffer_(kChunkBytes) {}

void BulkReceiver::on_event(Timestamp now, const TransportEvent& event) {
  switch (event.kind) {
    case TransportEvent::Kind::kStreamOpened:
    case TransportEvent::Kind::kStreamReadable:
      stream_ = event.stream;  // one stream per flow
      read_stream(now);
      break;
    case TransportEvent::Kind::kClosed:
      if (!event.reason.empty() && record_.error.empty()) record_.error = event.reason;
      break;
    default:
      break;
  }
}

void BulkReceiver::service(Timestamp now) {
  if (stream_) read_stream(now);
}

void BulkReceiver::read_stream(Timestamp now) {
  if (record_.done) return;
  for (;;) {
    bool fin = false;
    std::size_t n;
    // In the transport's own buffer where it allows that: no copy into read_buffer_.
    if (const auto ready = connection_.readable_bytes(*stream_, &fin)) {
      n = ready->size;
      if (n > 0) check_.feed(*ready);
      if (n > 0 || fin) connection_.consume(*stream_, n);
    } else {
      n = connection_.read(*stream_, MutableByteView(read_buffer_.data(), read_buffer_.size()), &fin);
      if (n > 0) check_.feed(ByteView(read_buffer_.data(), n));
    }
    if (n > 0) {
      record_.bytes_delivered += n;
      record_.content_digest = check_.digest();
      record_.last_byte_at = now;
    }
    if (fin) {
      check_.finish();
      record_.integrity_ok = check_.integrity_ok();
      record_.done = true;
      return;
    }
    if (n == 0) return;
  }
}

}  // namespace wirelab::workloads

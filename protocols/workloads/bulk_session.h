// The bulk workload over one stream: the client writes BulkContent bytes (workload `data:`) and a
// FIN, the server checks every byte with BulkContentCheck. One implementation for ns-3 and real sockets.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "protocols/workloads/bulk_content.h"
#include "protocols/workloads/session.h"

namespace wirelab::workloads {

struct BulkOptions {
  std::optional<std::uint64_t> bytes;  // nullopt: write until the host stops the run
  BulkContent content;  // what the bytes are (default: random data from seed 0)
  // Writing ahead: at most this many bytes beyond what the transport has sent once (0: no
  // limit, the transport's own send buffer decides), and at most this many 64 KB chunks per
  // service (0: no limit). A real host bounds both, like a kernel socket's send buffer, so the
  // transport's buffer grows with its window and the first datagrams are not held back.
  std::uint64_t write_ahead_bytes = 0;
  int chunks_per_service = 0;
  // Stream bytes the transport has sent once (needed with write_ahead_bytes).
  std::function<std::uint64_t()> bytes_sent_once;
};

class BulkSender final : public Session {
 public:
  BulkSender(StreamApi& connection, BulkOptions options);
  void on_event(Timestamp now, const TransportEvent& event) override;
  void service(Timestamp now) override;
  const WorkloadRecord& record() const override { return record_; }

 private:
  void write_more();

  StreamApi& connection_;
  BulkOptions options_;
  WorkloadRecord record_;
  bool connected_ = false;
  std::optional<StreamId> stream_;
  std::uint64_t written_ = 0;
  bool fin_written_ = false;
  std::vector<std::uint8_t> chunk_;  // pattern bytes at [chunk_offset_, + size)
  std::uint64_t chunk_offset_ = 0;
};

class BulkReceiver final : public Session {
 public:
  // `bytes` nullopt: a timed transfer that never ends by itself.
  BulkReceiver(StreamApi& connection, std::optional<std::uint64_t> bytes, const BulkContent& content);
  void on_event(Timestamp now, const TransportEvent& event) override;
  void service(Timestamp now) override;
  const WorkloadRecord& record() const override { return record_; }

 private:
  void read_stream(Timestamp now);

  StreamApi& connection_;
  BulkContentCheck check_;
  WorkloadRecord record_;
  std::optional<StreamId> stream_;
  std::vector<std::uint8_t> read_buffer_;
};

}  // namespace wirelab::workloads

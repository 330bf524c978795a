// Streams over one reliable byte stream (a TCP connection), so a workload written against
// StreamApi runs over TCP unchanged — with TCP's head-of-line blocking, which is the point of
// comparing it with PFS and QUIC, whose streams are independent.
//
// Sans-IO like the transports: the host feeds the bytes its socket read (on_bytes), writes what
// pending_output() holds to its socket and reports how much it took (consume_output), and says
// when the connection is up or gone. On the byte stream each write becomes a frame
//     [flags u8: bit 0 = FIN][stream id varint][length varint][payload]
// (varints as in PFS: QUIC's 2-bit length prefix). Stream ids: client-opened even, server-opened
// odd. A stream is forgotten once its FIN was both sent and read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/core/endpoint.h"

namespace wirelab::workloads {

class ByteStreamMux final : public StreamApi {
 public:
  // `send_buffer_bytes`: how much unwritten output it holds before write() pushes back.
  explicit ByteStreamMux(bool client, std::size_t send_buffer_bytes = 256 * 1024);

  // StreamApi
  std::optional<StreamId> open_stream() override;
  std::size_t write(StreamId stream, ByteView data, bool fin) override;
  std::size_t read(StreamId stream, MutableByteView out, bool* fin) override;
  std::optional<TransportEvent> poll_event() override;

  // Host side.
  void on_connected();
  void on_closed(const std::string& reason);
  // Bytes read from the socket, in order. Returns false (and closes with a reason) on a
  // malformed frame.
  bool on_bytes(ByteView bytes);
  ByteView pending_output() const;
  void consume_output(std::size_t n);
  std::uint64_t bytes_written_to_wire() const { return consumed_total_; }

 private:
  struct Stream {
    std::vector<std::uint8_t> received;
    std::size_t read_at = 0;
    bool fin_received = false;
    bool fin_read = false;
    bool fin_sent = false;
    bool write_blocked = false;
  };
  void retire_if_done(StreamId id);
  bool parse();

  bool client_;
  std::size_t send_buffer_bytes_;
  bool connected_ = false;
  bool closed_ = false;
  StreamId next_local_;
  std::map<StreamId, Stream> streams_;
  std::set<StreamId> retired_;  // ids whose frames may no longer come
  std::deque<TransportEvent> events_;
  std::vector<std::uint8_t> out_;
  std::size_t out_head_ = 0;
  std::uint64_t consumed_total_ = 0;
  std::vector<std::uint8_t> in_;  // unparsed input
  std::size_t in_head_ = 0;
};

}  // namespace wirelab::workloads

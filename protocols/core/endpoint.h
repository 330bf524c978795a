// The sans-IO boundary: what every protocol endpoint (PFS, QUIC via ngtcp2, ...) offers a host.
//
// A host (ns-3 application, epoll loop, the scripted test pipe) drives an endpoint with four
// verbs and nothing else: hand it a datagram, hand it the time, take its datagrams, ask when it
// next wants the time. The endpoint never reads a clock, opens a socket or spawns a thread.
//
// Host loop, in order, after any input:
//   endpoint.on_datagram(now, bytes)            for each datagram that arrived
//   if (now >= endpoint.next_timeout()) endpoint.on_timeout(now)
//   while (auto n = endpoint.poll_transmit(now, buf)) send(buf[0..n])
//   arm a timer for endpoint.next_timeout()
// poll_transmit returning nullopt while data is pending means "not now" (pacing, congestion
// window); next_timeout() then says when to ask again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocols/core/bytes.h"
#include "protocols/core/time.h"

namespace wirelab {

class Endpoint {
 public:
  virtual ~Endpoint() = default;

  virtual void on_datagram(Timestamp now, ByteView datagram) = 0;
  virtual void on_timeout(Timestamp now) = 0;
  // Writes at most one datagram into `buffer`; returns its size, or nullopt when nothing is
  // to be sent now. `buffer.size` is at least max_datagram_size().
  virtual std::optional<std::size_t> poll_transmit(Timestamp now, MutableByteView buffer) = 0;
  // Earliest time the endpoint wants on_timeout (loss timer, pacing release, idle timeout,
  // delayed ACK); kTimeInfinite when it wants none.
  virtual Timestamp next_timeout() const = 0;
  // Largest datagram (UDP payload) this endpoint will emit.
  virtual std::size_t max_datagram_size() const = 0;
};

using StreamId = std::uint64_t;

// What an application on top of a transport observes (polled, never called back).
struct TransportEvent {
  enum class Kind {
    kConnected,        // handshake complete; streams may be opened and written
    kStreamOpened,     // the peer opened `stream`
    kStreamReadable,   // `stream` has bytes (or its end) to read
    kStreamWritable,   // `stream` has room again after a short write
    kClosed,           // connection closed (`reason` says why; empty on a clean close)
  };
  Kind kind;
  StreamId stream = 0;
  std::string reason;
};

// Counters a host turns into the metrics of CONTRACT section 4.
struct TransportStats {
  std::uint64_t datagrams_sent = 0;
  std::uint64_t datagrams_received = 0;
  std::uint64_t wire_bytes_sent = 0;        // UDP payload bytes handed to the host
  std::uint64_t stream_bytes_sent = 0;      // first transmissions of stream payload
  std::uint64_t retransmitted_bytes = 0;    // stream payload bytes sent more than once
  std::uint64_t packets_lost = 0;           // declared lost by loss detection
  // False when the transport cannot count the two fields above (ngtcp2 0.12 exposes neither):
  // hosts then report no retransmission metric rather than a wrong zero.
  bool counts_retransmissions = true;
  // Forward erasure coding (PFS with fec: rs(k,m)); zero without it.
  std::uint64_t fec_repair_bytes = 0;       // UDP payload bytes of repair packets sent
  std::uint64_t fec_recovered_packets = 0;  // lost packets this end rebuilt from repair
  // Sender: losses kept from congestion control: sources the peer reports it rebuilt, and
  // lost repair packets.
  std::uint64_t fec_loss_signal = 0;
  std::uint64_t congestion_window_bytes = 0;
  std::uint64_t bytes_in_flight = 0;
  double smoothed_rtt_s = 0;
  double latest_rtt_s = 0;
  double min_rtt_s = 0;
  double pacing_rate_bps = 0;
};

// A decision a transport made that its host should record (PFS adaptive tuning): values for
// the run's time series at `at`, and one log line saying what was decided and why.
struct TransportNote {
  Timestamp at;
  std::vector<std::pair<std::string, double>> series;  // series name -> value
  std::string line;
};

// The application's half of a connection: ordered byte streams and the events about them.
// Workloads (protocols/workloads) are written against this alone, so the same application runs
// over a sans-IO Transport (PFS, QUIC) and over a kernel or ns-3 TCP byte stream multiplexed by
// ByteStreamMux (protocols/workloads/byte_stream_mux.h).
class StreamApi {
 public:
  virtual ~StreamApi() = default;
  // Opens a locally initiated stream; nullopt when the peer's stream limit forbids it.
  virtual std::optional<StreamId> open_stream() = 0;
  // Queues up to data.size bytes; returns how many were accepted (flow control, send buffer).
  // `fin` takes effect only when every byte was accepted.
  virtual std::size_t write(StreamId stream, ByteView data, bool fin) = 0;
  // Reads in-order bytes; sets *fin when the stream's end has been read.
  virtual std::size_t read(StreamId stream, MutableByteView out, bool* fin) = 0;

  // In place, for transports whose buffers the application may fill and read directly (PFS):
  // each saves the copy through the application's own buffer that write() and read() cost.
  // nullopt from either: this transport (or stream) moves bytes only through write()/read().
  //
  // Up to `max` bytes of contiguous free space in the stream's send buffer (empty when it is
  // full); fill a prefix of it, then commit_write that many bytes, as write(.., fin) would
  // queue them. Valid until the next call on this transport.
  virtual std::optional<MutableByteView> write_space(StreamId, std::size_t /*max*/) { return std::nullopt; }
  virtual void commit_write(StreamId, std::size_t /*n*/, bool /*fin*/) {}
  // The in-order bytes readable now, in the transport's buffer; *fin: the stream's end follows
  // them. consume(n) then takes the first n (and the end, once every byte before it is taken),
  // as read() would have. Valid until the next call on this transport.
  virtual std::optional<ByteView> readable_bytes(StreamId, bool* /*fin*/) { return std::nullopt; }
  virtual void consume(StreamId, std::size_t /*n*/) {}
  virtual std::optional<TransportEvent> poll_event() = 0;
};

// A reliable, connection-oriented transport with ordered byte streams; one stream per message
// gives message delivery without head-of-line blocking between messages.
class Transport : public Endpoint, public StreamApi {
 public:
  // Client side only: starts the handshake (the first poll_transmit carries it).
  virtual void connect(Timestamp now) = 0;
  // Graceful close: pending data is still delivered, then the peer is told.
  virtual void close(Timestamp now) = 0;
  virtual bool is_closed() const = 0;
  virtual TransportStats stats() const = 0;
  // Notes to record, oldest first; nullopt when there are none (most transports never have any).
  virtual std::optional<TransportNote> poll_note() { return std::nullopt; }
};

}  // namespace wirelab

// A PFS v1 connection: the sans-IO Transport that ties the parts together — packet codec,
// acknowledgement ranges, the sent-packet ledger, loss detection and probe timeouts, a
// congestion controller, the pacer, flow control and streams.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>

#include "protocols/cc/congestion_controller.h"
#include "protocols/core/random.h"
#include "protocols/pfs/ack_ranges.h"
#include "protocols/pfs/content_encoding.h"
#include "protocols/pfs/fec_block_decoder.h"
#include "protocols/pfs/fec_block_encoder.h"
#include "protocols/pfs/loss_rate.h"
#include "protocols/pfs/pacer.h"
#include "protocols/pfs/packet.h"
#include "protocols/pfs/pfs.h"
#include "protocols/pfs/rtt_estimator.h"
#include "protocols/pfs/sent_packets.h"
#include "protocols/pfs/stream.h"

namespace wirelab::pfs {

class TuningController;

class Connection : public Transport {
 public:
  // RFC 9002's constants.
  static constexpr std::uint64_t kPacketThreshold = 3;
  static constexpr Duration kGranularity = std::chrono::milliseconds(1);
  static constexpr Duration kMaxAckDelay = std::chrono::milliseconds(10);
  static constexpr std::size_t kMaxAckRanges = 32;

  Connection(const PfsConfig& config, Role role, std::uint64_t seed);
  ~Connection() override;

  void on_datagram(Timestamp now, ByteView datagram) override;
  void on_timeout(Timestamp now) override;
  std::optional<std::size_t> poll_transmit(Timestamp now, MutableByteView buffer) override;
  Timestamp next_timeout() const override;
  std::size_t max_datagram_size() const override { return config_.max_datagram_size; }

  void connect(Timestamp now) override;
  std::optional<StreamId> open_stream() override;
  std::size_t write(StreamId stream, ByteView data, bool fin) override;
  std::size_t read(StreamId stream, MutableByteView out, bool* fin) override;
  // In place (not with `encoding: refs`, whose bytes are transformed on the way).
  std::optional<MutableByteView> write_space(StreamId stream, std::size_t max) override;
  void commit_write(StreamId stream, std::size_t n, bool fin) override;
  std::optional<ByteView> readable_bytes(StreamId stream, bool* fin) override;
  void consume(StreamId stream, std::size_t n) override;
  std::optional<TransportEvent> poll_event() override;
  void close(Timestamp now) override;
  bool is_closed() const override { return state_ == State::kClosed; }
  TransportStats stats() const override;
  std::optional<TransportNote> poll_note() override;

  // Hooks for an in-connection controller (adaptive tuning; docs/protocols/pfs-fec.md).
  // FEC parameters for new blocks: a block being filled keeps the parameters it started with.
  void set_fec(fec::RsParams params);
  fec::RsParams fec() const { return fec_next_; }
  // Caps the packets in flight below the congestion controller's window; 0 removes the cap.
  void set_window_cap(std::uint32_t packets) { window_cap_packets_ = packets; }
  std::uint32_t window_cap() const { return window_cap_packets_; }
  // The window stream data may use now: the controller's, or the cap when smaller (bytes).
  std::uint64_t send_window_bytes() const;
  bool has_rtt_sample() const { return rtt_.has_sample(); }
  Duration smoothed_rtt() const { return rtt_.smoothed(); }
  Duration min_rtt() const { return rtt_.min(); }
  Duration latest_rtt() const { return rtt_.latest(); }
  // Lost / sent packets over the last 500 to 1000 sends, FEC-repaired losses included.
  double loss_rate() const { return loss_rate_.rate(); }
  std::uint64_t loss_rate_samples() const { return loss_rate_.samples(); }
  // Since the start: the losses loss_rate() counted, and the ack-eliciting packets acknowledged.
  std::uint64_t packets_lost_counted() const { return loss_rate_.total_lost(); }
  std::uint64_t packets_acked() const { return packets_acked_; }
  // Packets the peer rebuilt from FEC repair and reported (FEC_RECOVERED): counted lost in
  // packets_lost_counted() and, once the peer acknowledges them, acked in packets_acked() too.
  std::uint64_t peer_fec_recovered() const { return fec_loss_seen_; }
  // Stream payload bytes acknowledged by the peer so far (goodput as the sender sees it).
  std::uint64_t stream_bytes_acked() const { return stream_bytes_acked_; }

 private:
  enum class State { kIdle, kHandshaking, kEstablished, kClosed };

  struct Stream {
    SendStream send;
    RecvStream recv;
    std::uint64_t peer_max_stream_data = 0;   // how far we may send
    std::uint64_t advertised_max_stream_data = 0;  // how far the peer may send
    bool max_stream_data_pending = false;
    bool write_blocked = false;
    bool readable_pending = false;
  };

  Stream& stream_state(StreamId id);
  bool is_local(StreamId id) const { return (id & 1) == (role_ == Role::kServer ? 1u : 0u); }

  void process_frame(Timestamp now, const Frame& frame, bool* ack_eliciting);
  void on_ack_frame(Timestamp now, const AckFrame& ack);
  // Forgets a stream once both halves are over (our FIN acknowledged, the peer's FIN read); a
  // peer-initiated one frees a slot that MAX_STREAMS then grants the peer again.
  void retire_if_done(StreamId id);
  void on_nack_frame(Timestamp now, const NackFrame& nack);
  void on_stream_frame(const StreamFrame& frame);
  // Processes packets FEC rebuilt (recovered_) as if they had just arrived.
  void process_recovered(Timestamp now);
  void on_handshake_frame(Timestamp now, const HandshakeFrame& frame, PacketType type);
  void detect_lost(Timestamp now);
  void declare_lost(Timestamp now, std::vector<SentPacket>& lost);
  void on_packet_lost(SentPacket& packet);
  void update_flow_credit(StreamId id, Stream& s);
  void close_with(const std::string& reason);
  bool has_stream_data(std::uint64_t conn_credit) const;
  std::uint64_t connection_credit() const;
  void notify_writable();
  void check_drained();
  std::optional<std::size_t> final_ack(Timestamp now, MutableByteView buffer);
  Duration pto_duration() const;
  void restart_idle_timer(Timestamp now);

  PfsConfig config_;
  Role role_;
  SeededRandom random_;
  State state_ = State::kIdle;
  std::uint32_t connection_id_ = 0;
  std::unique_ptr<cc::CongestionController> cc_;
  Pacer pacer_;
  RttEstimator rtt_;

  // Sending.
  std::uint64_t next_packet_number_ = 0;
  SentPacketLedger sent_;
  SentPacket sent_scratch_;                    // the packet poll_transmit is building
  std::vector<const SentPacket*> acked_slots_;  // on_ack_frame's newly acknowledged packets
  std::optional<std::uint64_t> largest_acked_;
  Timestamp loss_time_ = kTimeInfinite;
  Timestamp last_ack_eliciting_sent_ = kTimeZero;
  std::uint32_t pto_count_ = 0;
  int probes_pending_ = 0;
  Timestamp pacing_release_ = kTimeInfinite;
  std::uint64_t delivered_ = 0;
  Timestamp delivered_time_{};
  Timestamp first_sent_time_{};
  bool app_limited_ = false;
  bool handshake_pending_ = false;
  bool handshake_confirmed_ = false;  // server: the client has sent DATA; stop repeating HANDSHAKE
  bool max_data_pending_ = false;
  bool close_pending_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
  bool final_ack_pending_ = false;
  std::string close_reason_;

  // Receiving.
  std::vector<Frame> frames_scratch_;  // on_datagram's decoded frames
  AckRanges received_;
  bool ack_pending_ = false;
  bool ack_now_ = false;
  Timestamp ack_deadline_ = kTimeInfinite;
  Timestamp largest_received_time_{};
  std::uint32_t ack_eliciting_since_ack_ = 0;
  std::set<std::uint64_t> nacked_;  // packet numbers already reported missing

  // Flow control (bytes): ours towards the peer and the peer's towards us.
  std::uint64_t peer_max_data_ = 0;
  std::uint64_t sent_data_ = 0;            // sum of highest offsets sent on all streams
  std::uint64_t peer_initial_max_stream_data_ = 0;
  std::uint64_t peer_max_streams_ = 0;
  std::uint64_t advertised_max_data_ = 0;
  std::uint64_t received_data_ = 0;        // sum of highest offsets received
  std::uint64_t consumed_data_ = 0;

  std::map<StreamId, Stream> streams_;
  StreamId next_local_stream_ = 0;
  std::uint64_t local_streams_opened_ = 0;
  std::uint64_t peer_streams_opened_ = 0;
  std::uint64_t peer_streams_retired_ = 0;
  std::set<StreamId> retired_peer_streams_;  // late frames for these are duplicates, not new streams
  bool max_streams_pending_ = false;
  std::uint64_t next_stream_to_send_ = 0;   // round-robin position
  std::deque<TransportEvent> events_;
  Timestamp idle_deadline_ = kTimeInfinite;
  bool sent_since_receive_ = false;

  TransportStats stats_;
  fec::RsParams fec_next_;                 // what the next FEC block uses
  std::uint32_t window_cap_packets_ = 0;   // 0: no cap
  LossRateEstimator loss_rate_;
  std::uint64_t stream_bytes_acked_ = 0;
  std::uint64_t packets_acked_ = 0;
  std::unique_ptr<TuningController> tuner_;  // pfs: {adaptive: true} (tuning.h); null otherwise
  FecBlockEncoder fec_tx_;
  FecBlockDecoder fec_rx_;
  bool fec_rx_active_ = false;             // keep payloads: FEC configured here or repair seen
  std::uint64_t fec_loss_seen_ = 0;        // the peer's last FEC_RECOVERED total
  std::vector<RecoveredPacket> recovered_;
  std::unique_ptr<ContentEncoding> encoding_;  // encoding: refs; null for none
};

}  // namespace wirelab::pfs

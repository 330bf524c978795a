// The QUIC adapter proper: one ngtcp2_conn behind the sans-IO Transport verbs.
//
// ngtcp2 does not copy stream data: it keeps pointers to what it sent until the peer ACKs it
// (it retransmits from them). So write() copies into per-stream chunks whose memory never
// moves, and acked_stream_data_offset frees them. Received bytes arrive in order through
// recv_stream_data and are copied out, so ngtcp2 may close a stream before the app reads it.
//
// The server has no ngtcp2_conn until the first Initial arrives (ngtcp2_accept parses it).
// Addresses are fixed fake ones: the host never sees them, ngtcp2 only needs a stable path.
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <vector>

#include "protocols/core/random.h"
#include "protocols/quic/quic.h"
#include "protocols/quic/tls_session.h"

namespace wirelab::quic {
namespace {

constexpr std::size_t kCidLength = 16;

ngtcp2_tstamp to_ngtcp2(Timestamp now) {
  const auto ns = to_ns(now);
  return ns < 0 ? 0 : static_cast<ngtcp2_tstamp>(ns);
}

Timestamp from_ngtcp2(ngtcp2_tstamp ts) {
  if (ts >= static_cast<ngtcp2_tstamp>(INT64_MAX)) return kTimeInfinite;
  return timestamp_from_ns(static_cast<std::int64_t>(ts));
}

ngtcp2_cc_algo to_ngtcp2(CcAlgorithm cc) {
  switch (cc) {
    case CcAlgorithm::kReno: return NGTCP2_CC_ALGO_RENO;
    case CcAlgorithm::kCubic: return NGTCP2_CC_ALGO_CUBIC;
    case CcAlgorithm::kBbr: return NGTCP2_CC_ALGO_BBR;
    case CcAlgorithm::kBbr2: return NGTCP2_CC_ALGO_BBR2;
  }
  return NGTCP2_CC_ALGO_CUBIC;
}

// ngtcp2 identifies a path by socket addresses; these never reach a socket (the host owns the
// real ones), so they are written byte by byte in network order rather than via inet_pton.
// sockaddr_in itself comes with ngtcp2.h.
sockaddr_in fake_address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  auto* port_bytes = reinterpret_cast<std::uint8_t*>(&sa.sin_port);
  port_bytes[0] = static_cast<std::uint8_t>(port >> 8);
  port_bytes[1] = static_cast<std::uint8_t>(port);
  auto* addr_bytes = reinterpret_cast<std::uint8_t*>(&sa.sin_addr);
  addr_bytes[0] = a;
  addr_bytes[1] = b;
  addr_bytes[2] = c;
  addr_bytes[3] = d;
  return sa;
}

struct SendStream {
  // Chunks hold every byte not yet acknowledged; chunk i starts at chunk_offsets[i].
  std::deque<std::vector<std::uint8_t>> chunks;
  std::deque<std::uint64_t> chunk_offsets;
  std::uint64_t written = 0;   // bytes accepted by write()
  std::uint64_t handed = 0;    // bytes given to ngtcp2 (first transmissions)
  std::uint64_t acked = 0;     // contiguous acknowledged prefix
  bool fin = false;            // the app finished the stream
  bool fin_handed = false;     // ngtcp2 has the FIN
  bool blocked = false;        // flow-control blocked until extend_max_stream_data
};

struct ReceiveStream {
  std::deque<std::uint8_t> bytes;
  bool fin_received = false;
  bool fin_read = false;
  bool readable_signalled = false;
};

class QuicConnection final : public Transport {
 public:
  QuicConnection(const QuicConfig& config, Role role, std::uint64_t seed)
      : config_(config), role_(role), random_(seed) {
    client_addr_ = fake_address(10, 0, 0, 2, 50000);
    server_addr_ = fake_address(10, 0, 0, 1, 4433);
    link_.conn_ref.get_conn = [](ngtcp2_crypto_conn_ref* ref) {
      return static_cast<QuicConnection*>(ref->user_data)->conn_;
    };
    link_.conn_ref.user_data = this;
    link_.keylog_path = config.keylog_path;
  }

  ~QuicConnection() override {
    if (conn_ != nullptr) ngtcp2_conn_del(conn_);
  }

  // --- Endpoint ---
  void on_datagram(Timestamp now, ByteView datagram) override {
    ++stats_.datagrams_received;
    if (closed_) return;
    bool just_accepted = false;
    if (conn_ == nullptr) {
      if (role_ != Role::kServer || !accept(now, datagram)) return;
      just_accepted = true;
    }
    ngtcp2_path path = local_path();
    ngtcp2_pkt_info pi{};
    const int rv = ngtcp2_conn_read_pkt(conn_, &path, &pi, datagram.data, datagram.size,
                                        to_ngtcp2(now));
    if (rv != 0 && just_accepted) {
      // Something that parsed as an Initial but is not one: forget it and keep listening.
      ngtcp2_conn_del(conn_);
      conn_ = nullptr;
      tls_.reset();
      return;
    }
    if (rv == 0) {
      after_progress();
      return;
    }
    if (rv == NGTCP2_ERR_DRAINING) {
      finish_close(peer_close_reason());
    } else if (rv == NGTCP2_ERR_CRYPTO || rv == NGTCP2_ERR_DROP_CONN ||
               rv == NGTCP2_ERR_CLOSING || ngtcp2_err_is_fatal(rv)) {
      // A fatal error on our side: tell the peer once, then stop.
      fatal_error_ = rv;
      pending_close_packet_ = true;
      close_reason_ = std::string("ngtcp2: ") + ngtcp2_strerror(rv);
    }
    // Anything else (undecryptable, duplicate, garbage) is dropped, as on a real network.
  }

  void on_timeout(Timestamp now) override {
    if (conn_ == nullptr || closed_) return;
    const int rv = ngtcp2_conn_handle_expiry(conn_, to_ngtcp2(now));
    if (rv == NGTCP2_ERR_IDLE_CLOSE) {
      finish_close("idle timeout");
    } else if (rv != 0) {
      fatal_error_ = rv;
      pending_close_packet_ = true;
      close_reason_ = std::string("ngtcp2: ") + ngtcp2_strerror(rv);
    }
  }

  std::optional<std::size_t> poll_transmit(Timestamp now, MutableByteView buffer) override {
    if (conn_ == nullptr || closed_) return std::nullopt;
    const std::size_t limit = std::min(buffer.size, config_.max_datagram_size);
    const ngtcp2_tstamp ts = to_ngtcp2(now);
    if (pending_close_packet_ || (close_requested_ && all_data_acked())) {
      return write_close(buffer.data, limit, ts);
    }
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_pkt_info pi{};
    for (auto& entry : send_) {
      const StreamId id = entry.first;
      SendStream& s = entry.second;
      const bool has_data = s.handed < s.written;
      const bool has_fin = s.fin && !s.fin_handed && !has_data;
      if (s.blocked || (!has_data && !(s.fin && !s.fin_handed))) continue;
      const std::uint8_t* data = nullptr;
      std::size_t len = 0;
      if (has_data) locate(s, &data, &len);
      const bool last_piece = s.fin && s.handed + len == s.written;
      std::uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
      if (last_piece || has_fin) flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
      ngtcp2_ssize accepted = -1;
      const ngtcp2_ssize n = ngtcp2_conn_write_stream(conn_, &ps.path, &pi, buffer.data, limit,
                                                      &accepted, flags,
                                                      static_cast<std::int64_t>(id), data, len,
                                                      ts);
      if (accepted >= 0) {
        s.handed += static_cast<std::uint64_t>(accepted);
        stats_.stream_bytes_sent += static_cast<std::uint64_t>(accepted);
        if ((flags & NGTCP2_WRITE_STREAM_FLAG_FIN) && s.handed == s.written) s.fin_handed = true;
      }
      if (n == NGTCP2_ERR_WRITE_MORE) continue;
      if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED) {
        s.blocked = true;
        continue;
      }
      if (n == NGTCP2_ERR_STREAM_SHUT_WR || n == NGTCP2_ERR_STREAM_NOT_FOUND) {
        s.written = s.handed;  // nothing more can go out on it
        s.fin_handed = true;
        continue;
      }
      if (n < 0) return fail(n);
      if (n == 0) return std::nullopt;  // congestion window or pacing: ask again at expiry
      return sent(static_cast<std::size_t>(n));
    }
    // Finish a coalesced packet, or send ACKs / retransmissions / handshake with no new data.
    const ngtcp2_ssize n = ngtcp2_conn_write_pkt(conn_, &ps.path, &pi, buffer.data, limit, ts);
    if (n < 0) return fail(n);
    if (n == 0) return std::nullopt;
    return sent(static_cast<std::size_t>(n));
  }

  Timestamp next_timeout() const override {
    if (conn_ == nullptr || closed_) return kTimeInfinite;
    return from_ngtcp2(ngtcp2_conn_get_expiry(conn_));
  }

  std::size_t max_datagram_size() const override { return config_.max_datagram_size; }

  // --- Transport ---
  void connect(Timestamp now) override {
    if (role_ != Role::kClient || conn_ != nullptr) return;
    ngtcp2_cid dcid = random_cid(), scid = random_cid();
    ngtcp2_settings settings = make_settings(now);
    ngtcp2_transport_params params = make_params();
    ngtcp2_callbacks callbacks = make_callbacks();
    ngtcp2_path path = local_path();
    tls_ = std::make_unique<TlsSession>(false, &link_);
    const int rv = ngtcp2_conn_client_new(&conn_, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1,
                                          &callbacks, &settings, &params, nullptr, this);
    if (rv != 0) {
      conn_ = nullptr;
      finish_close(std::string("ngtcp2_conn_client_new: ") + ngtcp2_strerror(rv));
      return;
    }
    ngtcp2_conn_set_tls_native_handle(conn_, tls_->native());
  }

  std::optional<StreamId> open_stream() override {
    if (conn_ == nullptr || closed_ || !connected_) return std::nullopt;
    std::int64_t id = -1;
    if (ngtcp2_conn_open_bidi_stream(conn_, &id, nullptr) != 0) return std::nullopt;
    send_[static_cast<StreamId>(id)];
    recv_[static_cast<StreamId>(id)];
    return static_cast<StreamId>(id);
  }

  std::size_t write(StreamId stream, ByteView data, bool fin) override {
    auto it = send_.find(stream);
    if (it == send_.end() || closed_ || close_requested_) return 0;
    SendStream& s = it->second;
    if (s.fin) return 0;
    const std::uint64_t room =
        config_.send_buffer_bytes > buffered_ ? config_.send_buffer_bytes - buffered_ : 0;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(room, data.size));
    if (n > 0) {
      s.chunk_offsets.push_back(s.written);
      s.chunks.emplace_back(data.data, data.data + n);
      s.written += n;
      buffered_ += n;
    }
    if (n < data.size) {
      want_writable_ = true;
      writable_stream_ = stream;
      return n;
    }
    if (fin) s.fin = true;
    return n;
  }

  std::size_t read(StreamId stream, MutableByteView out, bool* fin) override {
    if (fin != nullptr) *fin = false;
    auto it = recv_.find(stream);
    if (it == recv_.end()) return 0;
    ReceiveStream& r = it->second;
    const std::size_t n = std::min(out.size, r.bytes.size());
    std::copy(r.bytes.begin(), r.bytes.begin() + static_cast<std::ptrdiff_t>(n), out.data);
    r.bytes.erase(r.bytes.begin(), r.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    r.readable_signalled = false;
    if (n > 0 && conn_ != nullptr && !closed_) {
      // Credit flow control only as the app consumes, so a slow reader slows the sender.
      ngtcp2_conn_extend_max_stream_offset(conn_, static_cast<std::int64_t>(stream), n);
      ngtcp2_conn_extend_max_offset(conn_, n);
    }
    if (r.bytes.empty() && r.fin_received && !r.fin_read) {
      r.fin_read = true;
      if (fin != nullptr) *fin = true;
    } else if (r.bytes.empty() && r.fin_read && fin != nullptr) {
      *fin = true;
    }
    return n;
  }

  std::optional<TransportEvent> poll_event() override {
    if (events_.empty()) return std::nullopt;
    TransportEvent e = std::move(events_.front());
    events_.pop_front();
    return e;
  }

  void close(Timestamp) override {
    if (closed_) return;
    if (conn_ == nullptr) {
      finish_close("");
      return;
    }
    close_requested_ = true;
  }

  bool is_closed() const override { return closed_; }

  TransportStats stats() const override {
    TransportStats out = stats_;
    out.counts_retransmissions = false;
    if (conn_ != nullptr) {
      ngtcp2_conn_stat cs;
      ngtcp2_conn_get_conn_stat(conn_, &cs);
      out.congestion_window_bytes = cs.cwnd;
      out.bytes_in_flight = cs.bytes_in_flight;
      out.smoothed_rtt_s = static_cast<double>(cs.smoothed_rtt) * 1e-9;
      out.latest_rtt_s = static_cast<double>(cs.latest_rtt) * 1e-9;
      out.min_rtt_s = cs.min_rtt == UINT64_MAX ? 0 : static_cast<double>(cs.min_rtt) * 1e-9;
      // ngtcp2 0.12 keeps the pacing rate in bytes per nanosecond.
      out.pacing_rate_bps = cs.pacing_rate * 8e9;
    }
    return out;
  }

 private:
  ngtcp2_path local_path() {
    ngtcp2_path path{};
    const bool client = role_ == Role::kClient;
    path.local.addr = reinterpret_cast<ngtcp2_sockaddr*>(client ? &client_addr_ : &server_addr_);
    path.local.addrlen = sizeof(sockaddr_in);
    path.remote.addr = reinterpret_cast<ngtcp2_sockaddr*>(client ? &server_addr_ : &client_addr_);
    path.remote.addrlen = sizeof(sockaddr_in);
    return path;
  }

  ngtcp2_cid random_cid() {
    ngtcp2_cid cid{};
    std::uint8_t bytes[kCidLength];
    fill_random(bytes, sizeof bytes);
    ngtcp2_cid_init(&cid, bytes, sizeof bytes);
    return cid;
  }

  void fill_random(std::uint8_t* dest, std::size_t len) {
    for (std::size_t i = 0; i < len; i += 8) {
      const std::uint64_t word = random_.next_u64();
      std::memcpy(dest + i, &word, std::min<std::size_t>(8, len - i));
    }
  }

  ngtcp2_settings make_settings(Timestamp now) {
    ngtcp2_settings settings;
    ngtcp2_settings_default(&settings);
    settings.cc_algo = to_ngtcp2(config_.cc);
    settings.initial_ts = to_ngtcp2(now);
    settings.max_tx_udp_payload_size = config_.max_datagram_size;
    // Keep datagrams at the configured size so wire byte counts match the other protocols.
    settings.no_tx_udp_payload_size_shaping = 1;
    settings.rand_ctx.native_handle = this;
    settings.max_window = config_.connection_receive_window;
    settings.max_stream_window = config_.stream_receive_window;
    return settings;
  }

  ngtcp2_transport_params make_params() {
    ngtcp2_transport_params params;
    ngtcp2_transport_params_default(&params);
    params.initial_max_stream_data_bidi_local = config_.stream_receive_window;
    params.initial_max_stream_data_bidi_remote = config_.stream_receive_window;
    params.initial_max_stream_data_uni = config_.stream_receive_window;
    params.initial_max_data = config_.connection_receive_window;
    params.initial_max_streams_bidi = config_.max_streams;
    params.initial_max_streams_uni = 0;
    params.max_idle_timeout = static_cast<ngtcp2_duration>(config_.idle_timeout.count());
    return params;
  }

  ngtcp2_callbacks make_callbacks() {
    ngtcp2_callbacks cb{};
    if (role_ == Role::kClient) {
      cb.client_initial = ngtcp2_crypto_client_initial_cb;
      cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
    } else {
      cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    }
    cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
    cb.encrypt = ngtcp2_crypto_encrypt_cb;
    cb.decrypt = ngtcp2_crypto_decrypt_cb;
    cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
    cb.update_key = ngtcp2_crypto_update_key_cb;
    cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
    cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
    cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
    cb.rand = [](std::uint8_t* dest, std::size_t len, const ngtcp2_rand_ctx* ctx) {
      static_cast<QuicConnection*>(ctx->native_handle)->fill_random(dest, len);
    };
    cb.get_new_connection_id = [](ngtcp2_conn*, ngtcp2_cid* cid, std::uint8_t* token,
                                  std::size_t cidlen, void* user) {
      auto* self = static_cast<QuicConnection*>(user);
      std::uint8_t bytes[NGTCP2_MAX_CIDLEN];
      self->fill_random(bytes, cidlen);
      ngtcp2_cid_init(cid, bytes, cidlen);
      self->fill_random(token, NGTCP2_STATELESS_RESET_TOKENLEN);
      return 0;
    };
    // Path challenges come from our seed too (the crypto helper would use GnuTLS's RNG).
    cb.get_path_challenge_data = [](ngtcp2_conn*, std::uint8_t* data, void* user) {
      static_cast<QuicConnection*>(user)->fill_random(data, NGTCP2_PATH_CHALLENGE_DATALEN);
      return 0;
    };
    cb.handshake_completed = [](ngtcp2_conn*, void* user) {
      auto* self = static_cast<QuicConnection*>(user);
      // A peer that is not speaking "wirelab" is not one of ours.
      if (!self->tls_->alpn_ok()) return NGTCP2_ERR_CALLBACK_FAILURE;
      self->handshake_done_ = true;
      return 0;
    };
    cb.recv_stream_data = [](ngtcp2_conn*, std::uint32_t flags, std::int64_t id, std::uint64_t,
                             const std::uint8_t* data, std::size_t len, void* user, void*) {
      auto* self = static_cast<QuicConnection*>(user);
      ReceiveStream& r = self->recv_[static_cast<StreamId>(id)];
      r.bytes.insert(r.bytes.end(), data, data + len);
      if (flags & NGTCP2_STREAM_DATA_FLAG_FIN) r.fin_received = true;
      if (!r.readable_signalled && (len > 0 || r.fin_received)) {
        r.readable_signalled = true;
        self->events_.push_back({TransportEvent::Kind::kStreamReadable,
                                 static_cast<StreamId>(id), {}});
      }
      return 0;
    };
    cb.stream_open = [](ngtcp2_conn*, std::int64_t id, void* user) {
      auto* self = static_cast<QuicConnection*>(user);
      self->send_[static_cast<StreamId>(id)];
      self->recv_[static_cast<StreamId>(id)];
      self->events_.push_back(
          {TransportEvent::Kind::kStreamOpened, static_cast<StreamId>(id), {}});
      return 0;
    };
    cb.acked_stream_data_offset = [](ngtcp2_conn*, std::int64_t id, std::uint64_t offset,
                                     std::uint64_t len, void* user, void*) {
      static_cast<QuicConnection*>(user)->on_acked(static_cast<StreamId>(id), offset + len);
      return 0;
    };
    cb.extend_max_stream_data = [](ngtcp2_conn*, std::int64_t id, std::uint64_t, void* user,
                                   void*) {
      auto* self = static_cast<QuicConnection*>(user);
      auto it = self->send_.find(static_cast<StreamId>(id));
      if (it != self->send_.end()) it->second.blocked = false;
      return 0;
    };
    cb.stream_close = [](ngtcp2_conn* conn, std::uint32_t, std::int64_t id, std::uint64_t,
                         void* user, void*) {
      auto* self = static_cast<QuicConnection*>(user);
      // Peer-opened streams give their slot back so rpc workloads never run out.
      if (!ngtcp2_conn_is_local_stream(conn, id)) ngtcp2_conn_extend_max_streams_bidi(conn, 1);
      auto it = self->send_.find(static_cast<StreamId>(id));
      if (it != self->send_.end()) {
        self->buffered_ -= it->second.written - it->second.acked;
        self->send_.erase(it);
      }
      return 0;
    };
    return cb;
  }

  bool accept(Timestamp now, ByteView datagram) {
    ngtcp2_pkt_hd hd;
    if (ngtcp2_accept(&hd, datagram.data, datagram.size) != 0) return false;
    ngtcp2_cid scid = random_cid();
    ngtcp2_settings settings = make_settings(now);
    ngtcp2_transport_params params = make_params();
    params.original_dcid = hd.dcid;
    ngtcp2_callbacks callbacks = make_callbacks();
    ngtcp2_path path = local_path();
    tls_ = std::make_unique<TlsSession>(true, &link_);
    if (ngtcp2_conn_server_new(&conn_, &hd.scid, &scid, &path, hd.version, &callbacks, &settings,
                               &params, nullptr, this) != 0) {
      conn_ = nullptr;
      tls_.reset();
      return false;
    }
    ngtcp2_conn_set_tls_native_handle(conn_, tls_->native());
    return true;
  }

  void after_progress() {
    if (handshake_done_ && !connected_) {
      connected_ = true;
      events_.push_front({TransportEvent::Kind::kConnected, 0, {}});
    }
  }

  void locate(const SendStream& s, const std::uint8_t** data, std::size_t* len) {
    // First chunk that still has unhanded bytes (chunks are few: the app writes big pieces).
    for (std::size_t i = 0; i < s.chunks.size(); ++i) {
      const std::uint64_t start = s.chunk_offsets[i];
      const std::uint64_t end = start + s.chunks[i].size();
      if (s.handed < end) {
        *data = s.chunks[i].data() + (s.handed - start);
        *len = static_cast<std::size_t>(end - s.handed);
        return;
      }
    }
  }

  void on_acked(StreamId id, std::uint64_t end) {
    auto it = send_.find(id);
    if (it == send_.end()) return;
    SendStream& s = it->second;
    if (end <= s.acked) return;
    buffered_ -= end - s.acked;
    s.acked = end;
    while (!s.chunks.empty() && s.chunk_offsets.front() + s.chunks.front().size() <= s.acked) {
      s.chunks.pop_front();
      s.chunk_offsets.pop_front();
    }
    if (want_writable_) {
      want_writable_ = false;
      events_.push_back({TransportEvent::Kind::kStreamWritable, writable_stream_, {}});
    }
  }

  bool all_data_acked() const {
    for (const auto& [id, s] : send_)
      if (s.acked < s.written || (s.fin && !s.fin_handed)) return false;
    return true;
  }

  std::optional<std::size_t> sent(std::size_t n) {
    ++stats_.datagrams_sent;
    stats_.wire_bytes_sent += n;
    return n;
  }

  std::optional<std::size_t> fail(ngtcp2_ssize err) {
    fatal_error_ = static_cast<int>(err);
    close_reason_ = std::string("ngtcp2: ") + ngtcp2_strerror(static_cast<int>(err));
    pending_close_packet_ = true;
    return std::nullopt;
  }

  std::optional<std::size_t> write_close(std::uint8_t* dest, std::size_t limit,
                                         ngtcp2_tstamp ts) {
    ngtcp2_connection_close_error ccerr;
    ngtcp2_connection_close_error_default(&ccerr);
    if (fatal_error_ != 0) ngtcp2_connection_close_error_set_transport_error_liberr(
        &ccerr, fatal_error_, nullptr, 0);
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_pkt_info pi{};
    const ngtcp2_ssize n =
        ngtcp2_conn_write_connection_close(conn_, &ps.path, &pi, dest, limit, &ccerr, ts);
    finish_close(close_reason_);
    if (n <= 0) return std::nullopt;
    return sent(static_cast<std::size_t>(n));
  }

  std::string peer_close_reason() {
    ngtcp2_connection_close_error err;
    ngtcp2_conn_get_connection_close_error(conn_, &err);
    if (err.error_code == 0) return "";
    return "peer closed with error " + std::to_string(err.error_code);
  }

  void finish_close(std::string reason) {
    if (closed_) return;
    closed_ = true;
    events_.push_back({TransportEvent::Kind::kClosed, 0, std::move(reason)});
  }

  QuicConfig config_;
  Role role_;
  SeededRandom random_;
  sockaddr_in client_addr_{};
  sockaddr_in server_addr_{};
  TlsLink link_{};
  std::unique_ptr<TlsSession> tls_;
  ngtcp2_conn* conn_ = nullptr;
  std::map<StreamId, SendStream> send_;
  std::map<StreamId, ReceiveStream> recv_;
  std::deque<TransportEvent> events_;
  TransportStats stats_;
  std::uint64_t buffered_ = 0;
  bool want_writable_ = false;      // a write() was short; say kStreamWritable on the next ACK
  StreamId writable_stream_ = 0;
  bool handshake_done_ = false;
  bool connected_ = false;
  bool close_requested_ = false;
  bool pending_close_packet_ = false;
  bool closed_ = false;
  int fatal_error_ = 0;
  std::string close_reason_;
};

}  // namespace

std::unique_ptr<Transport> make_transport(const QuicConfig& config, Role role,
                                          std::uint64_t seed) {
  return std::make_unique<QuicConnection>(config, role, seed);
}

}  // namespace wirelab::quic

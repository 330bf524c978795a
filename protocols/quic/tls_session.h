// The TLS 1.3 side of the QUIC adapter: a GnuTLS session wired to ngtcp2's crypto helpers,
// with a self-signed Ed25519 certificate generated at run time (once per process), ALPN
// "wirelab", and an optional SSLKEYLOGFILE writer so tshark can decrypt a capture.
#pragma once

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <string>

namespace wirelab::quic {

// What GnuTLS's session pointer refers to. ngtcp2's crypto callbacks read it as a conn_ref (the
// first member); the key log writer reads the path after it.
struct TlsLink {
  ngtcp2_crypto_conn_ref conn_ref;
  std::string keylog_path;
};

class TlsSession {
 public:
  // Throws std::runtime_error when GnuTLS refuses (it should not on a sane install).
  TlsSession(bool is_server, TlsLink* link);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  gnutls_session_t native() const { return session_; }
  // True once the handshake negotiated ALPN "wirelab".
  bool alpn_ok() const;

 private:
  gnutls_session_t session_ = nullptr;
};

}  // namespace wirelab::quic

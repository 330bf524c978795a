// GnuTLS setup for the QUIC adapter. The certificate is Ed25519 so every handshake has the same
// size whatever the seed (ECDSA signatures vary by a byte or two); the client does not verify it
// — this is a lab baseline, not a security boundary.
#include "protocols/quic/tls_session.h"

#include <gnutls/x509.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "protocols/quic/quic.h"

namespace wirelab::quic {
namespace {

void check(int rv, const char* what) {
  if (rv < 0) throw std::runtime_error(std::string("GnuTLS ") + what + ": " + gnutls_strerror(rv));
}

struct Credentials {
  gnutls_certificate_credentials_t server = nullptr;
  gnutls_certificate_credentials_t client = nullptr;
};

// One key and certificate per process: generation is the slow part and the identity does not
// matter to any measurement. Fixed validity dates keep wall-clock time out of the bytes.
const Credentials& credentials() {
  static Credentials creds;
  static std::once_flag once;
  std::call_once(once, [] {
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    check(gnutls_x509_privkey_init(&key), "privkey_init");
    check(gnutls_x509_privkey_generate(key, GNUTLS_PK_EDDSA_ED25519, 0, 0), "keygen");
    check(gnutls_x509_crt_init(&crt), "crt_init");
    check(gnutls_x509_crt_set_version(crt, 3), "crt_set_version");
    const unsigned char serial[] = {0x01};
    check(gnutls_x509_crt_set_serial(crt, serial, sizeof serial), "crt_set_serial");
    check(gnutls_x509_crt_set_activation_time(crt, 1577836800), "activation");   // 2020-01-01
    check(gnutls_x509_crt_set_expiration_time(crt, 2524608000), "expiration");   // 2050-01-01
    check(gnutls_x509_crt_set_dn(crt, "CN=wirelab", nullptr), "crt_set_dn");
    check(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "wirelab", 7,
                                               GNUTLS_FSAN_SET),
          "crt_set_san");
    check(gnutls_x509_crt_set_key(crt, key), "crt_set_key");
    check(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_UNKNOWN, 0), "crt_sign");
    check(gnutls_certificate_allocate_credentials(&creds.server), "server credentials");
    check(gnutls_certificate_set_x509_key(creds.server, &crt, 1, key), "set_x509_key");
    check(gnutls_certificate_allocate_credentials(&creds.client), "client credentials");
    // The credentials hold their own copies.
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
  });
  return creds;
}

std::string hex(const unsigned char* data, std::size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 15]);
  }
  return out;
}

// SSLKEYLOGFILE line: "<LABEL> <client_random hex> <secret hex>". Appended and closed per line
// so client and server may share one file and nothing is lost if the run dies.
int write_keylog(gnutls_session_t session, const char* label, const gnutls_datum_t* secret) {
  auto* link = static_cast<TlsLink*>(gnutls_session_get_ptr(session));
  if (link == nullptr || link->keylog_path.empty()) return 0;
  gnutls_datum_t client_random{}, server_random{};
  gnutls_session_get_random(session, &client_random, &server_random);
  const std::string line = std::string(label) + " " + hex(client_random.data, client_random.size) +
                           " " + hex(secret->data, secret->size) + "\n";
  if (std::FILE* f = std::fopen(link->keylog_path.c_str(), "a")) {
    std::fwrite(line.data(), 1, line.size(), f);
    std::fclose(f);
  }
  return 0;
}

}  // namespace

TlsSession::TlsSession(bool is_server, TlsLink* link) {
  const Credentials& creds = credentials();
  const unsigned flags = (is_server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_ENABLE_EARLY_DATA |
                         GNUTLS_NO_END_OF_EARLY_DATA;
  check(gnutls_init(&session_, flags), "init");
  // ngtcp2 rejects the TLS 1.3 middlebox-compatibility mode; QUIC never needs it.
  check(gnutls_priority_set_direct(
            session_, "NORMAL:-VERS-ALL:+VERS-TLS1.3:%DISABLE_TLS13_COMPAT_MODE", nullptr),
        "priority");
  if (is_server) {
    check(ngtcp2_crypto_gnutls_configure_server_session(session_) == 0 ? 0 : -1, "configure");
    check(gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, creds.server), "credentials");
  } else {
    check(ngtcp2_crypto_gnutls_configure_client_session(session_) == 0 ? 0 : -1, "configure");
    check(gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, creds.client), "credentials");
    check(gnutls_server_name_set(session_, GNUTLS_NAME_DNS, "wirelab", 7), "server name");
  }
  gnutls_datum_t alpn{reinterpret_cast<unsigned char*>(const_cast<char*>(kAlpn)),
                      static_cast<unsigned>(std::strlen(kAlpn))};
  check(gnutls_alpn_set_protocols(session_, &alpn, 1, GNUTLS_ALPN_MANDATORY), "alpn");
  gnutls_session_set_ptr(session_, link);
  if (!link->keylog_path.empty()) gnutls_session_set_keylog_function(session_, write_keylog);
}

TlsSession::~TlsSession() {
  if (session_ != nullptr) gnutls_deinit(session_);
}

bool TlsSession::alpn_ok() const {
  gnutls_datum_t selected{};
  if (gnutls_alpn_get_selected_protocol(session_, &selected) != 0) return false;
  return selected.size == std::strlen(kAlpn) && std::memcmp(selected.data, kAlpn, selected.size) == 0;
}

}  // namespace wirelab::quic

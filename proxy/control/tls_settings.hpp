// What the TLS command configures for one direction (INGRESS: clients to the proxy, EGRESS:
// the proxy to brokers), as amqpprox names it. Plain data: the proxy turns it into an OpenSSL
// context, and refuses settings it cannot load.
#pragma once

#include <cstdint>
#include <string>

namespace amqpprox::control {

enum class TlsDirection : std::uint8_t { ingress, egress };

// VERIFY_MODE's words, OR'd together as OpenSSL's SSL_VERIFY_* flags are. NONE is no bit.
enum TlsVerify : unsigned {
    tls_verify_peer = 1u << 0,
    tls_verify_fail_if_no_peer_cert = 1u << 1,
    tls_verify_client_once = 1u << 2,
};

struct TlsSettings {
    std::string key_file;         // PEM private key
    std::string cert_chain_file;  // PEM certificate chain, own certificate first
    std::string rsa_key_file;     // PEM RSA private key (amqpprox's legacy spelling of a key)
    std::string tmp_dh_file;      // PEM DH parameters for DHE suites
    std::string ca_cert_file;     // PEM certificates trusted to sign the peer's
    unsigned verify = 0;          // TlsVerify bits
    std::string ciphers;          // OpenSSL cipher list for TLS 1.2; empty: OpenSSL's default

    bool operator==(const TlsSettings&) const = default;
};

}  // namespace amqpprox::control

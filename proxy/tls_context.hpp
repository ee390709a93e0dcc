// OpenSSL contexts made from the TLS command's settings, and what a client-side TLS stream
// needs before its handshake (SNI, the name the peer's certificate must carry). TLS 1.2 and
// 1.3 only. Shared by the proxy's egress and amqp-replay's amqps://.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl.hpp>
#include <tl/expected.hpp>

#include "asio.hpp"
#include "proxy/control/tls_settings.hpp"

namespace amqpprox::proxy {

namespace ssl = asio::ssl;

// A server context for INGRESS, a client context for EGRESS. The error names the file and
// what OpenSSL said, e.g. "cannot load CERT_CHAIN_FILE /x.pem: No such file or directory".
tl::expected<std::shared_ptr<ssl::context>, std::string> make_tls_context(
    control::TlsDirection direction, const control::TlsSettings& settings);

// A client context for tools that dial a broker (amqp-replay, amqp-stream): TLS 1.2+, the
// broker verified against `ca_file` (PEM; empty: the system's CAs) unless `insecure`. The
// error names the file or what OpenSSL said.
tl::expected<std::shared_ptr<ssl::context>, std::string> make_client_tls_context(
    const std::string& ca_file, bool insecure);

// Whether a server context can serve a handshake: it has a certificate and its key.
bool has_certificate(ssl::context& context);

// The cipher suites the context offers, most preferred first (TLS 1.3 suites included).
std::vector<std::string> cipher_names(ssl::context& context);

// Before a client handshake with `host` (a name or an address): SNI for names (RFC 6066) and,
// when `check_name`, the name or address the certificate must carry; OpenSSL then fails the
// handshake with "certificate verify failed" on a mismatch.
tl::expected<void, std::string> prepare_client_tls(SSL* ssl, const std::string& host,
                                                   bool check_name);

}  // namespace amqpprox::proxy

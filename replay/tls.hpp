// amqps:// for the runner: the client TLS context (--ca, --insecure); the per-connection
// setup is proxy::prepare_client_tls. Verification is on unless --insecure.
#pragma once

#include <string>

#include <boost/asio/ssl.hpp>
#include <tl/expected.hpp>

#include "proxy/asio.hpp"  // first: the include-order fix Asio 1.18 needs with g++ 12
#include "tls_options.hpp"

namespace amqpprox::replay {

namespace ssl = boost::asio::ssl;

// The error names the file or what OpenSSL said.
tl::expected<void, std::string> configure_client_context(ssl::context& context,
                                                         const TlsOptions& options);

// A handshake failure, said so that the fix is in the message.
std::string describe_handshake_error(const boost::system::error_code& ec, const std::string& where,
                                     bool insecure);

}  // namespace amqpprox::replay

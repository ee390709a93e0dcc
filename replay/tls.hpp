// amqps:// for the runner: how a failed handshake is said. The context is
// proxy::make_client_tls_context (--ca, --insecure), the per-connection setup
// proxy::prepare_client_tls.
#pragma once

#include <string>

#include <boost/asio/ssl.hpp>
#include <tl/expected.hpp>

#include "proxy/asio.hpp"  // first: the include-order fix Asio 1.18 needs with g++ 12
#include "tls_options.hpp"

namespace amqpprox::replay {

namespace ssl = boost::asio::ssl;

// A handshake failure, said so that the fix is in the message.
std::string describe_handshake_error(const boost::system::error_code& ec, const std::string& where,
                                     bool insecure);

}  // namespace amqpprox::replay

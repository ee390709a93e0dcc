// An endpoint as sessions, logs and captures show it: "ip:port" (an IPv6 address unbracketed,
// as Boost prints it).
#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace amqpprox::proxy {

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint);
// The same, or `unknown` for the default endpoint (what a socket that could not tell gives).
std::string endpoint_text_or(const boost::asio::ip::tcp::endpoint& endpoint, const char* unknown);

// Where `socket` is connected from; the default endpoint when it cannot tell.
template <typename Socket>
boost::asio::ip::tcp::endpoint local_endpoint_of(const Socket& socket) {
    boost::system::error_code ignored;
    return socket.local_endpoint(ignored);
}

}  // namespace amqpprox::proxy

// An endpoint as sessions, logs and captures show it: "ip:port" (an IPv6 address unbracketed,
// as Boost prints it).
#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace amqpprox::proxy {

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace amqpprox::proxy

// The two bridge commands: `server` accepts streams and forwards each to a TCP server,
// `client` accepts TCP connections and dials a stream for each.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "amqp_url.hpp"
#include "connection.hpp"
#include "stream.hpp"

namespace amqpstream {

struct AppOptions {
    AmqpUrl url;
    std::string queue;
    ConnectionOptions connection;
    StreamOptions stream;
    std::string forward_host;
    std::uint16_t forward_port = 0;
    std::string bind = "127.0.0.1";
    std::uint16_t listen_port = 0;
};

// "host:port" (a bracketed IPv6 host allowed); the error says what is accepted.
tl::expected<std::pair<std::string, std::uint16_t>, std::string> parse_host_port(
    std::string_view text);

// Each returns the process exit code: 1 when the broker is unreachable or the connection
// to it is lost.
int run_server(const AppOptions& options);
int run_client(const AppOptions& options);

}  // namespace amqpstream

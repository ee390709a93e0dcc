// amqp://user:password@host:port/vhost, the broker address every command takes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace amqpstream {

struct AmqpUrl {
    std::string user = "guest";
    std::string password = "guest";
    std::string host = "localhost";
    std::uint16_t port = 5672;
    std::string vhost = "/";

    // The URL without the password, for logs.
    std::string display() const;
};

// Parses an amqp:// URL; the error says what is accepted. amqps:// is refused (no TLS yet).
tl::expected<AmqpUrl, std::string> parse_amqp_url(std::string_view text);

}  // namespace amqpstream

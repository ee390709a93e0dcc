// amqp://user:password@host:port/vhost, the broker address every command takes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace amqpstream {

struct AmqpUrl {
    bool tls = false;  // amqps://
    std::string user = "guest";
    std::string password = "guest";
    std::string host = "localhost";
    std::uint16_t port = 5672;  // 5671 for amqps://
    std::string vhost = "/";

    // The URL without the password, for logs.
    std::string display() const;
};

// Parses an amqp:// or amqps:// URL; the error says what is accepted.
tl::expected<AmqpUrl, std::string> parse_amqp_url(std::string_view text);

}  // namespace amqpstream

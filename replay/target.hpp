// The broker a replay drives: an AMQP URI (amqp://user:pass@host:port/vhost, or amqps://) as
// RabbitMQ's URI spec reads it, and the credentials to log in with.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace amqpprox::replay {

struct Target {
    bool tls = false;
    std::string host;
    std::uint16_t port = 5672;
    std::optional<std::string> user;
    std::optional<std::string> password;
    // nullopt: the URI names no vhost, so each session goes to the vhost it recorded.
    // "amqp://h/" names the empty vhost, "amqp://h/%2f" names "/".
    std::optional<std::string> vhost;

    bool operator==(const Target&) const = default;
};

// The error says what is wrong and what is accepted.
tl::expected<Target, std::string> parse_target(std::string_view url);

// The URI without its password, for output.
std::string display(const Target& target);

struct Credentials {
    std::string user;
    std::string password;
    std::string source;  // "url", "environment", "default"

    bool operator==(const Credentials&) const = default;
};

// From the URI, else AMQP_REPLAY_USER / AMQP_REPLAY_PASSWORD, else guest/guest. `getenv`
// answers nullopt for an unset variable.
using GetEnv = std::function<std::optional<std::string>(const char* name)>;
Credentials resolve_credentials(const Target& target, const GetEnv& getenv);

}  // namespace amqpprox::replay

// The 8-byte protocol header a client sends first: "AMQP" then four version octets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "bytes.hpp"
#include "error.hpp"

namespace amqpprox::amqp {

enum class ProtocolVersion : std::uint8_t {
    amqp_0_9_1,  // AMQP 0 0 9 1: the one we speak
    amqp_0_9,    // AMQP 1 1 0 9: legacy 0-9 header (RabbitMQ accepts it and speaks 0-9-1)
    amqp_0_8,    // AMQP 1 1 8 0
    amqp_1_0,    // AMQP 0 1 0 0
    amqp_1_0_tls,
    amqp_1_0_sasl,
    other,
};

struct ProtocolHeader {
    std::array<std::byte, 8> bytes{};

    ProtocolVersion version() const;
    // Whether a 0-9-1 server proceeds with this client (0-9-1 and the legacy 0-9 header).
    bool accepted() const;
    std::string to_string() const;  // "AMQP 0-9-1", "AMQP 1.0 (SASL)", "AMQP 4-5-6-7"
    bool operator==(const ProtocolHeader&) const = default;
};

// "AMQP\0\0\x09\x01": the header we send, and the reply to a header we do not accept.
inline constexpr ProtocolHeader kProtocolHeader091{{std::byte{'A'}, std::byte{'M'}, std::byte{'Q'},
                                                    std::byte{'P'}, std::byte{0}, std::byte{0},
                                                    std::byte{9}, std::byte{1}}};

// nullopt: a prefix of "AMQP...." that needs more bytes. Error: not an AMQP header.
Result<std::optional<ProtocolHeader>> parse_protocol_header(ByteView data);

// True when the bytes start like a TLS handshake record (a client talking TLS to a plain port).
bool looks_like_tls(ByteView data);

}  // namespace amqpprox::amqp

// Decoding errors as values: what went wrong, where (byte offset in the input), and the
// AMQP reply code a peer should close the connection with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <tl/expected.hpp>

namespace amqpprox::amqp {

enum class Errc : std::uint8_t {
    truncated,            // the input ends inside a field or frame
    bad_protocol_header,  // the stream does not start with "AMQP"
    bad_frame_end,        // the octet after a frame payload is not 0xCE
    frame_too_large,      // frame size above the negotiated frame_max
    unknown_frame_type,   // frame type not 1, 2, 3 or 8
    bad_heartbeat,        // heartbeat frame on a channel other than 0
    unknown_method,       // class/method id pair not in the table
    unknown_field_type,   // field-table type letter outside RabbitMQ's set
    nesting_too_deep,     // tables/arrays nested beyond kMaxFieldNesting
    trailing_bytes,       // bytes left after the last argument of a method
    bad_content_header,   // content header of a class without content, bad flags
    string_too_long,      // encoding a shortstr above 255 bytes
};

struct Error {
    Errc code{};
    std::size_t offset = 0;    // where in the input the problem was found
    std::uint32_t detail = 0;  // the offending value: type octet, method key, size, ...

    bool operator==(const Error&) const = default;

    // The Connection.Close reply code for this error: 501 frame errors, 502 syntax errors,
    // 503 invalid commands.
    std::uint16_t reply_code() const;
    // One line for logs and users, e.g. "bad frame-end octet 0x41 at offset 12 (expected 0xCE)".
    std::string message() const;
};

std::string_view to_string(Errc code);

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> make_error(Errc code, std::size_t offset, std::uint32_t detail = 0) {
    return tl::unexpected<Error>(Error{code, offset, detail});
}

}  // namespace amqpprox::amqp

// Protocol constants of AMQP 0.9.1: frame layout, sizes and reply codes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace amqpprox::amqp {

inline constexpr std::byte kFrameEnd{0xCE};
inline constexpr std::size_t kFrameHeaderSize = 7;  // type(1) channel(2) size(4)
inline constexpr std::size_t kFrameOverhead = kFrameHeaderSize + 1;
inline constexpr std::uint32_t kFrameMinSize = 4096;
inline constexpr std::uint32_t kDefaultFrameMax = 131072;  // RabbitMQ's default
inline constexpr std::size_t kProtocolHeaderSize = 8;
inline constexpr int kMaxFieldNesting = 64;  // tables/arrays inside tables/arrays

namespace reply {
inline constexpr std::uint16_t success = 200;
inline constexpr std::uint16_t content_too_large = 311;
inline constexpr std::uint16_t no_route = 312;
inline constexpr std::uint16_t no_consumers = 313;
inline constexpr std::uint16_t connection_forced = 320;
inline constexpr std::uint16_t invalid_path = 402;
inline constexpr std::uint16_t access_refused = 403;
inline constexpr std::uint16_t not_found = 404;
inline constexpr std::uint16_t resource_locked = 405;
inline constexpr std::uint16_t precondition_failed = 406;
inline constexpr std::uint16_t frame_error = 501;
inline constexpr std::uint16_t syntax_error = 502;
inline constexpr std::uint16_t command_invalid = 503;
inline constexpr std::uint16_t channel_error = 504;
inline constexpr std::uint16_t unexpected_frame = 505;
inline constexpr std::uint16_t resource_error = 506;
inline constexpr std::uint16_t not_allowed = 530;
inline constexpr std::uint16_t not_implemented = 540;
inline constexpr std::uint16_t internal_error = 541;
}  // namespace reply

// The name RabbitMQ and the spec give a reply code ("NOT_FOUND"), or "" when unknown.
const char* reply_code_name(std::uint16_t code);

}  // namespace amqpprox::amqp

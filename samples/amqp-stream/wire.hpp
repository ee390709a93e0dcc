// The amqp-stream wire protocol's pure parts: the frames of one publish (method, content
// header, body frames cut to frame_max), the shape of each queue declare and consume, and
// the check of a connection request or handshake reply.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <tl/expected.hpp>

#include "formats/amqp/bytes.hpp"
#include "formats/amqp/content.hpp"
#include "formats/amqp/methods.hpp"

namespace amqpstream {

namespace amqp = amqpprox::amqp;

// Appends basic.publish to the default exchange with routing key `queue`, mandatory set,
// delivery mode 1 and reply-to when given, then its header and body frames (each body frame
// at most frame_max bytes on the wire).
void append_publish(amqp::Bytes& out, std::uint16_t channel, const std::string& queue,
                    const std::optional<std::string>& reply_to, amqp::ByteView body,
                    std::uint32_t frame_max);

// Non-durable, exclusive, auto-delete, no arguments; "" lets the broker name it.
amqp::QueueDeclare stream_queue_declare(const std::string& name);
// Consumer tag = queue name, manual ack, exclusive.
amqp::BasicConsume stream_consume(const std::string& queue);

// A connection request (to the control queue) or handshake reply must have an empty body
// and a reply-to: the peer's queue. The error says what was wrong.
tl::expected<std::string, std::string> check_handshake_message(
    std::size_t body_size, const std::optional<std::string>& reply_to);

}  // namespace amqpstream

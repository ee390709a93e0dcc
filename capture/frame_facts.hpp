// What the capture learns from one frame on the writer thread: the indexed arguments of a
// method, redacted credentials, and the session facts a method reveals (user, vhost,
// properties, close).
#pragma once

#include <optional>

#include "formats/amqp/methods.hpp"
#include "record.hpp"

namespace amqpprox::capture {

// Fills record.exchange/routing_key/queue/consumer_tag/delivery_tag from `method`.
void extract_indexed_arguments(const amqp::Method& method, Record& record);

// The payload to store instead of the frame's when it carries a secret: Start-Ok and
// Secure-Ok responses (the login user kept) and Update-Secret's new secret.
std::optional<amqp::Bytes> redacted_payload(const amqp::Method& method);

inline constexpr std::string_view kRedacted = "[redacted]";

// Updates the session from a method it carried (Start, Start-Ok, Open, Close).
void learn_from_method(const amqp::Method& method, Direction direction, SessionRow& session);

}  // namespace amqpprox::capture

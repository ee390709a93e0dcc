// What the capture learns from one frame on the writer thread: the indexed arguments of a
// method, redacted credentials, and the session facts a method reveals (user, vhost,
// properties, close).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "formats/amqp/methods.hpp"
#include "record.hpp"

namespace amqpprox::capture {

// The one list of the arguments captures index, by name: sets the field of that name in
// `target` (a Record, or a FrameRow's views) to `value`; other names set nothing.
template <typename Target, typename Text>
void set_indexed_text(Target& target, std::string_view name, const Text& value) {
    if (name == "exchange")
        target.exchange = value;
    else if (name == "routing_key")
        target.routing_key = value;
    else if (name == "queue")
        target.queue = value;
    else if (name == "consumer_tag")
        target.consumer_tag = value;
}
template <typename Target>
void set_indexed_number(Target& target, std::string_view name, std::uint64_t value) {
    if (name == "delivery_tag") target.delivery_tag = value;
}

// Fills record.exchange/routing_key/queue/consumer_tag/delivery_tag from `method`.
void extract_indexed_arguments(const amqp::Method& method, Record& record);

// The payload to store instead of the frame's when it carries a secret: Start-Ok and
// Secure-Ok responses (the login user kept) and Update-Secret's new secret.
std::optional<amqp::Bytes> redacted_payload(const amqp::Method& method);

inline constexpr std::string_view kRedacted = "[redacted]";

// Updates the session from a method it carried (Start, Start-Ok, Open, Close).
void learn_from_method(const amqp::Method& method, Direction direction, SessionRow& session);

}  // namespace amqpprox::capture

#include "wire.hpp"

#include <algorithm>

#include "formats/amqp/frame.hpp"
#include "formats/amqp/handshake.hpp"

namespace amqpstream {

void append_publish(amqp::Bytes& out, std::uint16_t channel, const std::string& queue,
                    const std::optional<std::string>& reply_to, amqp::ByteView body,
                    std::uint32_t frame_max) {
    amqp::append_method_frame(
        out, channel, amqp::BasicPublish{.exchange = "", .routing_key = queue, .mandatory = true});
    amqp::ContentHeader header;
    header.body_size = body.size();
    header.properties.delivery_mode = 1;
    header.properties.reply_to = reply_to;
    amqp::Bytes payload;
    // Queue names are at most 255 bytes (the broker's), so the header always encodes.
    (void)amqp::encode_content_header(header, payload);
    amqp::encode_frame(amqp::FrameType::header, channel, payload, out);
    const std::size_t max_payload = frame_max - amqp::kFrameOverhead;
    for (std::size_t at = 0; at < body.size(); at += max_payload) {
        const auto n = std::min(max_payload, body.size() - at);
        amqp::encode_frame(amqp::FrameType::body, channel, body.subspan(at, n), out);
    }
}

amqp::QueueDeclare stream_queue_declare(const std::string& name) {
    return {.queue = name,
            .passive = false,
            .durable = false,
            .exclusive = true,
            .auto_delete = true,
            .nowait = false};
}

amqp::BasicConsume stream_consume(const std::string& queue) {
    return {.queue = queue,
            .consumer_tag = queue,
            .no_local = false,
            .no_ack = false,
            .exclusive = true,
            .nowait = false};
}

tl::expected<std::string, std::string> check_handshake_message(
    std::size_t body_size, const std::optional<std::string>& reply_to) {
    if (body_size != 0)
        return tl::unexpected("it carries " + std::to_string(body_size) +
                              " bytes (an amqp-stream handshake message is empty)");
    if (!reply_to || reply_to->empty()) return tl::unexpected(std::string("it has no reply-to"));
    return *reply_to;
}

}  // namespace amqpstream

#include "frame_text.hpp"

#include "formats/amqp/content.hpp"
#include "formats/amqp/methods.hpp"
#include "formats/amqp/printer.hpp"
#include "formats/amqp/protocol_header.hpp"
#include "formats/text/escape.hpp"

namespace amqpprox::analyze {
namespace {

using amqp::FrameType;

std::string preview(const FrameText& frame, const DescribeOptions& options) {
    std::string out;
    text::append_preview(out, amqp::as_chars(frame.payload), options.body_preview);
    return out;
}

}  // namespace

amqp::Result<std::string> describe(const FrameText& frame, const DescribeOptions& options) {
    const amqp::PrintOptions print{.show_secrets = options.show_secrets};
    switch (frame.type) {
        case FrameType::protocol_header: {
            auto header = amqp::parse_protocol_header(frame.payload);
            if (!header) return tl::unexpected(header.error());
            return *header ? "Protocol-Header " + (*header)->to_string()
                           : std::string("Protocol-Header (incomplete)");
        }
        case FrameType::method: {
            auto method = amqp::decode_method(frame.payload, frame.base_offset);
            if (!method) return tl::unexpected(method.error());
            return amqp::to_text(*method, print);
        }
        case FrameType::header: {
            auto header = amqp::decode_content_header(frame.payload, frame.base_offset);
            if (!header) return tl::unexpected(header.error());
            return amqp::to_text(*header);
        }
        case FrameType::body: {
            std::string line = "Content-Body " + std::to_string(frame.wire_size) + " bytes";
            if (frame.payload.size() < frame.wire_size)
                line += " (" + std::to_string(frame.payload.size()) + " stored)";
            if (options.body_preview > 0) line += " \"" + preview(frame, options) + '"';
            return line;
        }
        case FrameType::heartbeat:
            return std::string("Heartbeat");
    }
    return tl::unexpected(
        amqp::Error{amqp::Errc::unknown_frame_type, 0, static_cast<std::uint32_t>(frame.type)});
}

amqp::Result<void> describe_json(text::JsonWriter& json, const FrameText& frame,
                                 const DescribeOptions& options) {
    const amqp::PrintOptions print{.show_secrets = options.show_secrets};
    switch (frame.type) {
        case FrameType::protocol_header: {
            auto header = amqp::parse_protocol_header(frame.payload);
            if (!header) return tl::unexpected(header.error());
            json.key("protocol").value(*header ? (*header)->to_string() : std::string());
            break;
        }
        case FrameType::method: {
            auto method = amqp::decode_method(frame.payload, frame.base_offset);
            if (!method) return tl::unexpected(method.error());
            json.key("method");
            amqp::to_json(json, *method, print);
            break;
        }
        case FrameType::header: {
            auto header = amqp::decode_content_header(frame.payload, frame.base_offset);
            if (!header) return tl::unexpected(header.error());
            json.key("content_header");
            amqp::to_json(json, *header);
            break;
        }
        case FrameType::body:
            if (frame.payload.size() < frame.wire_size)
                json.key("stored").value(frame.payload.size());
            if (options.body_preview > 0) json.key("preview").value(preview(frame, options));
            break;
        case FrameType::heartbeat:
            break;
    }
    return {};
}

}  // namespace amqpprox::analyze

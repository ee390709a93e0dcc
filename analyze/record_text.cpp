#include "record_text.hpp"

#include "formats/amqp/content.hpp"
#include "formats/amqp/methods.hpp"
#include "formats/amqp/printer.hpp"
#include "formats/amqp/protocol_header.hpp"
#include "formats/text/escape.hpp"

namespace amqpprox::analyze {
namespace {

using amqp::FrameType;

std::string body_summary(const capture::Record& record) {
    std::string out = std::to_string(record.size) + " bytes";
    if (record.payload.size() < record.size)
        out += " (" + std::to_string(record.payload.size()) + " stored)";
    return out;
}

}  // namespace

amqp::Result<std::string> describe(const capture::Record& record,
                                   const RecordTextOptions& options) {
    switch (record.type) {
        case FrameType::protocol_header: {
            auto header = amqp::parse_protocol_header(record.payload);
            if (!header) return tl::unexpected(header.error());
            return *header ? "Protocol-Header " + (*header)->to_string()
                           : std::string("Protocol-Header (incomplete)");
        }
        case FrameType::method: {
            auto method = amqp::decode_method(record.payload);
            if (!method) return tl::unexpected(method.error());
            return amqp::to_text(*method);
        }
        case FrameType::header: {
            auto header = amqp::decode_content_header(record.payload);
            if (!header) return tl::unexpected(header.error());
            return amqp::to_text(*header);
        }
        case FrameType::body: {
            std::string line = "Content-Body " + body_summary(record);
            if (options.body_preview > 0) {
                line += " \"";
                text::append_preview(line, amqp::as_chars(record.payload), options.body_preview);
                line += '"';
            }
            return line;
        }
        case FrameType::heartbeat:
            return std::string("Heartbeat");
    }
    return tl::unexpected(
        amqp::Error{amqp::Errc::unknown_frame_type, 0, static_cast<std::uint32_t>(record.type)});
}

amqp::Result<void> describe_json(text::JsonWriter& json, const capture::Record& record,
                                 const RecordTextOptions& options) {
    switch (record.type) {
        case FrameType::protocol_header: {
            auto header = amqp::parse_protocol_header(record.payload);
            if (!header) return tl::unexpected(header.error());
            json.key("protocol").value(*header ? (*header)->to_string() : std::string());
            break;
        }
        case FrameType::method: {
            auto method = amqp::decode_method(record.payload);
            if (!method) return tl::unexpected(method.error());
            json.key("method");
            amqp::to_json(json, *method);
            break;
        }
        case FrameType::header: {
            auto header = amqp::decode_content_header(record.payload);
            if (!header) return tl::unexpected(header.error());
            json.key("content_header");
            amqp::to_json(json, *header);
            break;
        }
        case FrameType::body:
            json.key("body_size").value(record.size);
            json.key("stored").value(record.payload.size());
            if (options.body_preview > 0) {
                std::string preview;
                text::append_preview(preview, amqp::as_chars(record.payload), options.body_preview);
                json.key("preview").value(preview);
            }
            break;
        case FrameType::heartbeat:
            break;
    }
    return {};
}

}  // namespace amqpprox::analyze

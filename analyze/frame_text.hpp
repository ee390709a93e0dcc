// One frame as `decode` and `trace` show it: the decoded method or content header, or a body
// summary, as a text line or as members of a JSON object. Decoding errors come back as
// values so a damaged frame is reported, not fatal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "capture/record.hpp"
#include "formats/amqp/error.hpp"
#include "formats/text/json_writer.hpp"

namespace amqpprox::analyze {

struct FrameText {
    amqp::FrameType type{};
    amqp::ByteView payload;       // as stored: a body may be cut short
    std::uint64_t wire_size = 0;  // payload bytes on the wire
    std::size_t base_offset = 0;  // where the payload starts in its input, for error offsets

    static FrameText of(const capture::Record& record) {
        return {record.type, record.payload, record.size, 0};
    }
};

// "C->B" or "C<-B": which way a frame or message went, as trace and follow print it.
inline const char* arrow(capture::Direction direction) {
    return direction == capture::Direction::client_to_broker ? "C->B" : "C<-B";
}

struct DescribeOptions {
    std::size_t body_preview = 0;  // printable bytes of each body to show (0: none)
    bool show_secrets = false;     // SASL responses and secrets in clear
};

// "Basic.Publish exchange=\"x\" ...", "Content-Header body_size=5 ...", "Content-Body 5 bytes".
amqp::Result<std::string> describe(const FrameText& frame, const DescribeOptions& options = {});
// The same as members of an open JSON object: "protocol", "method", "content_header", or for
// a body "stored" (when cut short) and "preview".
amqp::Result<void> describe_json(text::JsonWriter& json, const FrameText& frame,
                                 const DescribeOptions& options = {});

}  // namespace amqpprox::analyze

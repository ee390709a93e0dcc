// One recorded frame as the trace shows it: the decoded method or content header, or a body
// summary; decoding errors come back as values so a damaged frame is reported, not fatal.
#pragma once

#include <cstddef>
#include <string>

#include "capture/record.hpp"
#include "formats/amqp/error.hpp"
#include "formats/text/json_writer.hpp"

namespace amqpprox::analyze {

struct RecordTextOptions {
    std::size_t body_preview = 0;  // printable bytes of each body to show (0: none)
};

// "Basic.Publish exchange=\"x\" ...", "Content-Header body_size=5 ...", "Content-Body 5 bytes".
amqp::Result<std::string> describe(const capture::Record& record,
                                   const RecordTextOptions& options = {});
// The same as members of an open JSON object ("method": {...}, "content_header": {...}, ...).
amqp::Result<void> describe_json(text::JsonWriter& json, const capture::Record& record,
                                 const RecordTextOptions& options = {});

}  // namespace amqpprox::analyze

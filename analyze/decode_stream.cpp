#include "decode_stream.hpp"

#include <array>
#include <istream>
#include <ostream>

#include "formats/amqp/content.hpp"
#include "formats/amqp/frame.hpp"
#include "formats/amqp/methods.hpp"
#include "formats/amqp/printer.hpp"
#include "formats/text/escape.hpp"
#include "formats/text/json_writer.hpp"

namespace amqpprox::analyze {
namespace {

using namespace amqpprox::amqp;

// One frame's text line (after the offset and channel columns), or the decode error.
Result<std::string> describe_text(const FrameView& frame, const DecodeOptions& options) {
    switch (frame.type) {
        case FrameType::protocol_header: {
            auto header = parse_protocol_header(frame.payload);
            return "Protocol-Header " + (*header)->to_string();
        }
        case FrameType::method: {
            auto method = decode_method(frame.payload, frame.offset + kFrameHeaderSize);
            if (!method) return tl::unexpected(method.error());
            return to_text(*method, PrintOptions{.show_secrets = options.show_secrets});
        }
        case FrameType::header: {
            auto header = decode_content_header(frame.payload, frame.offset + kFrameHeaderSize);
            if (!header) return tl::unexpected(header.error());
            return to_text(*header);
        }
        case FrameType::body: {
            std::string line = "Content-Body " + std::to_string(frame.payload.size()) + " bytes";
            if (options.body_preview > 0) {
                line += " \"";
                text::append_preview(line, as_chars(frame.payload), options.body_preview);
                line += '"';
            }
            return line;
        }
        case FrameType::heartbeat:
            return std::string("Heartbeat");
    }
    return std::string("?");
}

Result<std::string> describe_json(const FrameView& frame, const DecodeOptions& options) {
    std::string out;
    text::JsonWriter json(out);
    json.begin_object();
    json.key("offset").value(frame.offset);
    json.key("type").value(to_string(frame.type));
    json.key("channel").value(frame.channel);
    json.key("size").value(frame.payload.size());
    switch (frame.type) {
        case FrameType::protocol_header:
            json.key("protocol").value((*parse_protocol_header(frame.payload))->to_string());
            break;
        case FrameType::method: {
            auto method = decode_method(frame.payload, frame.offset + kFrameHeaderSize);
            if (!method) return tl::unexpected(method.error());
            json.key("method");
            to_json(json, *method, PrintOptions{.show_secrets = options.show_secrets});
            break;
        }
        case FrameType::header: {
            auto header = decode_content_header(frame.payload, frame.offset + kFrameHeaderSize);
            if (!header) return tl::unexpected(header.error());
            json.key("content_header");
            to_json(json, *header);
            break;
        }
        case FrameType::body:
            if (options.body_preview > 0) {
                std::string preview;
                text::append_preview(preview, as_chars(frame.payload), options.body_preview);
                json.key("preview").value(preview);
            }
            break;
        case FrameType::heartbeat:
            break;
    }
    json.end_object();
    return out;
}

}  // namespace

int decode_stream(std::istream& in, std::ostream& out, std::ostream& err,
                  const DecodeOptions& options) {
    std::array<char, 64 * 1024> chunk{};
    std::optional<FrameSplitter> splitter;
    // Offline, the stream may come from any peer: accept frames of any size.
    constexpr std::uint32_t kNoLimit = 0;
    while (in) {
        in.read(chunk.data(), chunk.size());
        const auto got = static_cast<std::size_t>(in.gcount());
        if (got == 0) break;
        const auto bytes = as_bytes({chunk.data(), got});
        if (!splitter) {
            // A client stream opens with "AMQP"; a broker stream opens with a frame.
            const bool client = !bytes.empty() && bytes[0] == std::byte{'A'};
            splitter.emplace(
                client ? FrameSplitter::Start::protocol_header : FrameSplitter::Start::frames,
                kNoLimit);
        }
        splitter->feed(bytes);
        while (true) {
            auto frame = splitter->next();
            if (!frame) {
                err << "amqp-analyze: " << frame.error().message() << '\n';
                return 2;
            }
            if (!*frame) break;
            auto line =
                options.json ? describe_json(**frame, options) : describe_text(**frame, options);
            if (!line) {
                err << "amqp-analyze: frame at offset " << (*frame)->offset << ": "
                    << line.error().message() << '\n';
                return 2;
            }
            if (options.json) {
                out << *line << '\n';
            } else {
                out << '@' << (*frame)->offset << " ch" << (*frame)->channel << ' ' << *line
                    << '\n';
            }
        }
    }
    if (splitter && splitter->buffered() > 0) {
        err << "amqp-analyze: stream ends inside a frame (" << splitter->buffered()
            << " bytes left at offset " << splitter->offset() << ")\n";
        return 2;
    }
    return 0;
}

}  // namespace amqpprox::analyze

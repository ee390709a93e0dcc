#include "decode_stream.hpp"

#include <array>
#include <istream>
#include <ostream>

#include "formats/amqp/frame.hpp"
#include "formats/text/json_writer.hpp"
#include "frame_text.hpp"

namespace amqpprox::analyze {
namespace {

using namespace amqpprox::amqp;

// A frame as describe() takes it: payloads start after the 7-byte frame header.
DescribeOptions describe_options(const DecodeOptions& options) {
    return {.body_preview = options.body_preview, .show_secrets = options.show_secrets};
}

FrameText frame_text(const FrameView& frame) {
    const bool header = frame.type == FrameType::protocol_header;
    return {frame.type, frame.payload, frame.payload.size(),
            frame.offset + (header ? 0 : kFrameHeaderSize)};
}

Result<std::string> describe_json_line(const FrameView& frame, const DecodeOptions& options) {
    std::string out;
    text::JsonWriter json(out);
    json.begin_object();
    json.key("offset").value(frame.offset);
    json.key("type").value(to_string(frame.type));
    json.key("channel").value(frame.channel);
    json.key("size").value(frame.payload.size());
    if (auto ok = describe_json(json, frame_text(frame), describe_options(options)); !ok)
        return tl::unexpected(ok.error());
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
            auto line = options.json ? describe_json_line(**frame, options)
                                     : describe(frame_text(**frame), describe_options(options));
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

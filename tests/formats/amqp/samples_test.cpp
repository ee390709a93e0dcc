// Golden bytes from real traffic: every frame of the sessions recorded in samples/amqp
// (pika and amqp-tools against RabbitMQ 3.10, see samples/amqp/README.md) must decode and
// re-encode to exactly the bytes on the wire.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "formats/amqp/content.hpp"
#include "formats/amqp/frame.hpp"
#include "formats/amqp/methods.hpp"

using namespace amqpprox::amqp;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> sample_streams() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(fs::path(AMQPPROX_SAMPLES_DIR) / "amqp")) {
        const auto name = entry.path().filename().string();
        if (name.ends_with(".client.bin") || name.ends_with(".server.bin")) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

Bytes read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> chars{std::istreambuf_iterator<char>(in), {}};
    Bytes out(chars.size());
    std::memcpy(out.data(), chars.data(), chars.size());
    return out;
}

struct StreamReport {
    std::size_t frames = 0;
    std::set<std::string_view> methods;
};

StreamReport check_stream(const fs::path& path) {
    const auto stream = read_file(path);
    const bool client = path.filename().string().ends_with(".client.bin");
    FrameSplitter splitter(
        client ? FrameSplitter::Start::protocol_header : FrameSplitter::Start::frames, 0);
    splitter.feed(stream);
    StreamReport report;
    std::map<std::uint16_t, std::uint64_t> body_left;  // per channel, from the content header
    while (true) {
        auto next = splitter.next();
        REQUIRE(next);
        if (!*next) break;
        const auto frame = **next;
        ++report.frames;
        const auto wire = ByteView(stream).subspan(frame.offset, frame.wire_size());
        INFO(path.filename().string() << " frame at offset " << frame.offset);

        // Every strict prefix of the frame is "need more", never an error.
        for (std::size_t n = 0; n < wire.size() && frame.type != FrameType::protocol_header; ++n) {
            const auto prefix = parse_frame(wire.first(n), 0);
            REQUIRE(prefix);
            REQUIRE_FALSE(*prefix);
        }

        Bytes reencoded;
        switch (frame.type) {
            case FrameType::protocol_header:
                CHECK(parse_protocol_header(frame.payload).value()->accepted());
                continue;
            case FrameType::method: {
                const auto method = decode_method(frame.payload);
                REQUIRE(method);
                report.methods.insert(info(*method).name);
                Bytes payload;
                REQUIRE(encode_method(*method, payload));
                encode_frame(FrameType::method, frame.channel, payload, reencoded);
                for (std::size_t n = 0; n < frame.payload.size(); ++n) {
                    const auto prefix = decode_method(frame.payload.first(n));
                    REQUIRE_FALSE(prefix);
                    CHECK(prefix.error().code == Errc::truncated);
                }
                break;
            }
            case FrameType::header: {
                const auto header = decode_content_header(frame.payload);
                REQUIRE(header);
                body_left[frame.channel] = header->body_size;
                Bytes payload;
                REQUIRE(encode_content_header(*header, payload));
                encode_frame(FrameType::header, frame.channel, payload, reencoded);
                for (std::size_t n = 0; n < frame.payload.size(); ++n) {
                    const auto prefix = decode_content_header(frame.payload.first(n));
                    REQUIRE_FALSE(prefix);
                    CHECK(prefix.error().code == Errc::truncated);
                }
                break;
            }
            case FrameType::body:
                REQUIRE(body_left[frame.channel] >= frame.payload.size());
                body_left[frame.channel] -= frame.payload.size();
                encode_frame(FrameType::body, frame.channel, frame.payload, reencoded);
                break;
            case FrameType::heartbeat:
                encode_frame(FrameType::heartbeat, 0, frame.payload, reencoded);
                break;
        }
        CHECK(Bytes(wire.begin(), wire.end()) == reencoded);
    }
    CHECK(splitter.buffered() == 0);
    for (const auto& [channel, left] : body_left)
        CHECK(left == 0);
    return report;
}

}  // namespace

TEST_CASE("every frame of the recorded sessions re-encodes to the same bytes", "[samples]") {
    const auto files = sample_streams();
    REQUIRE(files.size() >= 4);
    std::set<std::string_view> seen;
    std::size_t frames = 0;
    for (const auto& file : files) {
        const auto report = check_stream(file);
        CHECK(report.frames > 0);
        frames += report.frames;
        seen.insert(report.methods.begin(), report.methods.end());
    }
    // What the issue asks the recorded traffic to cover.
    for (const auto* name :
         {"connection.start", "connection.start-ok", "connection.tune",    "connection.tune-ok",
          "connection.open",  "connection.open-ok",  "channel.open",       "channel.open-ok",
          "exchange.declare", "exchange.declare-ok", "queue.declare",      "queue.declare-ok",
          "queue.bind",       "queue.bind-ok",       "basic.publish",      "basic.consume",
          "basic.consume-ok", "basic.deliver",       "basic.ack",          "basic.nack",
          "basic.reject",     "basic.get",           "basic.get-ok",       "basic.get-empty",
          "basic.qos",        "basic.qos-ok",        "confirm.select",     "confirm.select-ok",
          "tx.select",        "tx.commit",           "tx.rollback",        "channel.close",
          "channel.close-ok", "connection.close",    "connection.close-ok"}) {
        INFO(name);
        CHECK(seen.count(name) == 1);
    }
    WARN(files.size() << " streams, " << frames << " frames, " << seen.size()
                      << " distinct methods");
}

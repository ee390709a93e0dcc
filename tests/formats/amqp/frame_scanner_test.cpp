#include "formats/amqp/frame_scanner.hpp"

#include <catch2/catch.hpp>

#include "test_support.hpp"

using namespace amqpprox::amqp;
using test::hex;

namespace {

using Frame = FrameScanner::Frame;

// A method frame (Basic.Publish's ids), a content header, a body split across many reads,
// a heartbeat.
Bytes sample_stream() {
    Bytes out;
    encode_frame(FrameType::method, 1, hex("003c 0028 0000 00 0474657374 00"), out);
    encode_frame(FrameType::header, 1, hex("003c 0000 0000000000000005 0000"), out);
    encode_frame(FrameType::body, 1, hex("68656c6c6f"), out);
    encode_frame(FrameType::heartbeat, 0, {}, out);
    return out;
}

struct Scanned {
    std::vector<Frame> frames;
    std::optional<Error> error;
};

Scanned scan_in_chunks(const Bytes& stream, std::size_t chunk, std::uint32_t frame_max = 0) {
    FrameScanner scanner(frame_max, 100);
    Scanned out;
    for (std::size_t i = 0; i < stream.size() && !out.error; i += chunk) {
        out.error = scanner.scan(ByteView(stream).subspan(i, std::min(chunk, stream.size() - i)),
                                 [&](const Frame& f) { out.frames.push_back(f); });
    }
    return out;
}

}  // namespace

TEST_CASE("the frame scanner finds every frame and method id, however the stream is cut") {
    const auto stream = sample_stream();
    const std::vector<Frame> expected{
        {FrameType::method, 1, 13, MethodId{60, 40}, 100},
        {FrameType::header, 1, 14, std::nullopt, 121},
        {FrameType::body, 1, 5, std::nullopt, 143},
        {FrameType::heartbeat, 0, 0, std::nullopt, 156},
    };
    for (const std::size_t chunk : {1u, 2u, 3u, 7u, 8u, 13u, 64u, 1000u}) {
        INFO("chunk " << chunk);
        const auto scanned = scan_in_chunks(stream, chunk);
        CHECK_FALSE(scanned.error);
        CHECK(scanned.frames == expected);
    }
}

TEST_CASE("the frame scanner reports what the splitter reports, where it does") {
    SECTION("a wrong end octet") {
        auto stream = sample_stream();
        stream[20] = std::byte{0x00};  // the method frame's end octet
        const auto scanned = scan_in_chunks(stream, 5);
        REQUIRE(scanned.error);
        CHECK(scanned.error->code == Errc::bad_frame_end);
        CHECK(scanned.error->offset == 120);
        CHECK(scanned.frames.empty());
    }
    SECTION("an unknown frame type, after the good frames before it") {
        auto stream = sample_stream();
        stream[43] = std::byte{0x05};  // the body frame's type
        const auto scanned = scan_in_chunks(stream, 4);
        REQUIRE(scanned.error);
        CHECK(scanned.error->code == Errc::unknown_frame_type);
        CHECK(scanned.error->offset == 143);
        CHECK(scanned.frames.size() == 2);
    }
    SECTION("a frame over frame_max, known from its header alone") {
        Bytes stream = hex("03 0001 00100000");  // a 1 MiB body frame, header only
        const auto scanned = scan_in_chunks(stream, 3, 131072);
        REQUIRE(scanned.error);
        CHECK(scanned.error->code == Errc::frame_too_large);
    }
    SECTION("errors stick") {
        FrameScanner scanner;
        const auto bad = hex("09 0000 00000000 ce");
        REQUIRE(scanner.scan(bad, [](const Frame&) {}));
        CHECK(scanner.scan(sample_stream(), [](const Frame&) { FAIL("a frame after an error"); }));
    }
}

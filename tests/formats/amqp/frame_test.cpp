#include "formats/amqp/frame.hpp"

#include <memory>

#include <catch2/catch.hpp>

#include "test_support.hpp"

using namespace amqpprox::amqp;
using test::hex;

namespace {

// A stream: protocol header, a method frame, a heartbeat, a body frame.
Bytes sample_stream() {
    Bytes out = hex("414d5150 00000901");
    encode_frame(FrameType::method, 0, hex("000a 000b"), out);
    encode_frame(FrameType::heartbeat, 0, {}, out);
    encode_frame(FrameType::body, 7, hex("68656c6c6f"), out);
    return out;
}

struct Seen {
    FrameType type;
    std::uint16_t channel;
    Bytes payload;
    std::uint64_t offset;
    bool operator==(const Seen&) const = default;
};

// Fed in chunks of `chunk` bytes, with feed() or (in_place) feed_view(), whose chunk is a
// copy that dies once the frames are taken: a view kept too long would read freed memory.
std::vector<Seen> split(const Bytes& stream, std::size_t chunk, bool in_place = false) {
    FrameSplitter splitter(FrameSplitter::Start::protocol_header);
    std::vector<Seen> frames;
    for (std::size_t i = 0; i < stream.size(); i += chunk) {
        const auto piece = ByteView(stream).subspan(i, std::min(chunk, stream.size() - i));
        auto copy = std::make_unique<Bytes>(piece.begin(), piece.end());
        if (in_place) {
            splitter.feed_view(*copy);
        } else {
            splitter.feed(*copy);
        }
        while (true) {
            auto frame = splitter.next();
            REQUIRE(frame);
            if (!*frame) break;
            const auto& f = **frame;
            frames.push_back(
                {f.type, f.channel, Bytes(f.payload.begin(), f.payload.end()), f.offset});
        }
        copy.reset();
    }
    CHECK(splitter.buffered() == 0);
    return frames;
}

}  // namespace

TEST_CASE("the splitter reads fed views in place, copying only a frame cut by a chunk", "[frame]") {
    const auto stream = sample_stream();
    const auto whole = split(stream, stream.size());
    for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
        INFO("chunk " << chunk);
        CHECK(split(stream, chunk, true) == whole);
    }
    // Views and copies mixed: a frame begun in a copy is finished from a view.
    FrameSplitter splitter(FrameSplitter::Start::protocol_header);
    splitter.feed(ByteView(stream).first(10));
    splitter.feed_view(ByteView(stream).subspan(10));
    std::vector<FrameType> types;
    while (true) {
        auto frame = splitter.next();
        REQUIRE(frame);
        if (!*frame) break;
        types.push_back((*frame)->type);
    }
    CHECK(types == std::vector{FrameType::protocol_header, FrameType::method, FrameType::heartbeat,
                               FrameType::body});
    CHECK(splitter.buffered() == 0);
    // A bad frame in a view: the error, and pending() holds the bytes from the bad frame on.
    FrameSplitter bad;
    const auto junk = hex("09 0000 00000000 ce 01");
    bad.feed_view(junk);
    CHECK_FALSE(bad.next());
    CHECK(bad.pending().size() == junk.size());
}

TEST_CASE("encode_frame writes type, channel, size, payload and 0xCE", "[frame]") {
    Bytes out;
    encode_frame(FrameType::method, 0x0102, hex("aabb"), out);
    CHECK(out == hex("01 0102 00000002 aabb ce"));
}

TEST_CASE("the splitter gives the same frames for any chunking", "[frame]") {
    const auto stream = sample_stream();
    const auto whole = split(stream, stream.size());
    REQUIRE(whole.size() == 4);
    CHECK(whole[0].type == FrameType::protocol_header);
    CHECK(whole[0].payload == hex("414d5150 00000901"));
    CHECK(whole[1].type == FrameType::method);
    CHECK(whole[1].offset == 8);
    CHECK(whole[2].type == FrameType::heartbeat);
    CHECK(whole[3].channel == 7);
    CHECK(whole[3].payload == hex("68656c6c6f"));
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 8u, 13u}) {
        INFO("chunk size " << chunk);
        CHECK(split(stream, chunk) == whole);
    }
}

TEST_CASE("parse_frame asks for more until the frame is complete", "[frame]") {
    Bytes frame;
    encode_frame(FrameType::body, 1, hex("010203"), frame);
    for (std::size_t n = 0; n < frame.size(); ++n) {
        const auto result = parse_frame(ByteView(frame).first(n), kDefaultFrameMax);
        REQUIRE(result);
        CHECK_FALSE(*result);
    }
    CHECK(parse_frame(frame, kDefaultFrameMax).value()->payload.size() == 3);
}

TEST_CASE("frame errors are values with offsets and reply codes", "[frame]") {
    SECTION("bad frame-end octet") {
        const auto r = parse_frame(hex("01 0000 00000001 00 41"), 0, 100);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::bad_frame_end);
        CHECK(r.error().offset == 108);
        CHECK(r.error().reply_code() == 501);
        CHECK(r.error().message() == "bad frame-end octet 0x41 (expected 0xCE) at offset 108");
    }
    SECTION("unknown frame type") {
        const auto r = parse_frame(hex("04 0000 00000000 ce"), 0);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::unknown_frame_type);
        CHECK(r.error().detail == 4);
    }
    SECTION("frame larger than frame_max, detected from the header alone") {
        const auto r = parse_frame(hex("03 0001 00001000"), 4096);  // 4096 + 8 > 4096
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::frame_too_large);
        CHECK(r.error().detail == 4104);
        CHECK(parse_frame(hex("03 0001 00000ff8"), 4096).value() == std::nullopt);
    }
    SECTION("heartbeat on a channel") {
        const auto r = parse_frame(hex("08 0001 00000000 ce"), 0);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::bad_heartbeat);
    }
}

TEST_CASE("splitter errors are sticky and positioned in the stream", "[frame]") {
    FrameSplitter splitter(FrameSplitter::Start::frames);
    Bytes stream;
    encode_frame(FrameType::heartbeat, 0, {}, stream);
    const auto bad = hex("01 0000 00000000 00");
    stream.insert(stream.end(), bad.begin(), bad.end());
    splitter.feed(stream);
    CHECK(splitter.next().value());
    const auto error = splitter.next();
    REQUIRE_FALSE(error);
    CHECK(error.error().offset == 15);
    CHECK_FALSE(splitter.next());
}

TEST_CASE("splitter honours a frame_max set after tuning", "[frame]") {
    FrameSplitter splitter(FrameSplitter::Start::frames, 0);
    Bytes big;
    encode_frame(FrameType::body, 1, Bytes(5000), big);
    splitter.feed(big);
    CHECK(splitter.next().value());
    splitter.set_frame_max(4096);
    splitter.feed(big);
    CHECK_FALSE(splitter.next());
}

TEST_CASE("protocol headers are recognised, legacy ones too", "[frame][protocol_header]") {
    const auto parse = [](std::string_view hexed) { return parse_protocol_header(hex(hexed)); };
    CHECK(parse("414d5150 00000901").value()->version() == ProtocolVersion::amqp_0_9_1);
    CHECK(parse("414d5150 00000901").value()->accepted());
    CHECK(parse("414d5150 01010009").value()->version() == ProtocolVersion::amqp_0_9);
    CHECK(parse("414d5150 01010009").value()->accepted());
    CHECK(parse("414d5150 01010800").value()->version() == ProtocolVersion::amqp_0_8);
    CHECK_FALSE(parse("414d5150 01010800").value()->accepted());
    CHECK(parse("414d5150 03010000").value()->to_string() == "AMQP 1.0 (SASL)");
    CHECK(parse("414d5150 04050607").value()->to_string() == "AMQP 4-5-6-7");
    CHECK(parse("414d51").value() == std::nullopt);  // need more

    const auto http = parse_protocol_header(as_bytes("GET / HTTP/1.1"));
    REQUIRE_FALSE(http);
    CHECK(http.error().code == Errc::bad_protocol_header);
    CHECK(http.error().offset == 0);
    CHECK_FALSE(parse("414d5158"));
    CHECK(looks_like_tls(hex("16 0301 0200")));
    CHECK_FALSE(looks_like_tls(hex("414d5150")));
    CHECK(kProtocolHeader091.version() == ProtocolVersion::amqp_0_9_1);
}

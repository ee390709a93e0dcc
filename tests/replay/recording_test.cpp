#include "replay/recording.hpp"

#include <catch2/catch.hpp>

#include "../capture/capture_test_support.hpp"
#include "capture/reader.hpp"
#include "formats/amqp/handshake.hpp"

using namespace amqpprox;
using namespace amqpprox::amqp;

TEST_CASE("recording: writes split back into frames, broker frames as read, one session row",
          "[replay]") {
    capture::test::TempDir dir;
    const auto path = dir.file("rec.amqpcap");
    {
        capture::WriterOptions options;
        options.overflow = capture::OverflowPolicy::block;
        capture::CaptureWriter writer(path, options);
        replay::SessionRecording recording(writer, 7, "127.0.0.1:40000", "127.0.0.1:5672", true);
        // The protocol header and a Start-Ok, written in two pieces that cut a frame.
        Bytes out;
        const auto header = ClientHandshake({}).start();
        out.insert(out.end(), header.begin(), header.end());
        append_method_frame(out, 0,
                            ConnectionStartOk{.mechanism = "PLAIN",
                                              .response = std::string("\0guest\0secret", 13),
                                              .locale = "en_US"});
        append_method_frame(out, 0, ConnectionOpen{.virtual_host = "/v"});
        recording.sent(ByteView(out).first(20));
        recording.sent(ByteView(out).subspan(20));
        Bytes payload;
        REQUIRE(encode_method(ConnectionOpenOk{}, payload));
        recording.received(FrameType::method, 0, payload);
        recording.end(capture::ClosedBy::client);
        recording.end(capture::ClosedBy::broker);  // once only
        writer.close();
    }
    auto reader = capture::CaptureReader::open(path);
    REQUIRE(reader);
    const auto sessions = reader->sessions();
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0].start.id == 7);
    CHECK(sessions[0].start.client_address == "127.0.0.1:40000");
    CHECK(sessions[0].start.backend_address == "127.0.0.1:5672");
    CHECK(sessions[0].start.backend_tls);
    CHECK(sessions[0].vhost == "/v");
    CHECK(sessions[0].user == "guest");
    CHECK(sessions[0].end_ns.has_value());
    std::vector<std::pair<capture::Direction, FrameType>> frames;
    bool password_kept = false;
    reader->for_each({}, capture::RecordOrder::session, [&](const capture::Record& r) {
        frames.emplace_back(r.direction, r.type);
        const std::string bytes(reinterpret_cast<const char*>(r.payload.data()), r.payload.size());
        password_kept = password_kept || bytes.find("secret") != std::string::npos;
        return true;
    });
    constexpr auto C = capture::Direction::client_to_broker;
    constexpr auto B = capture::Direction::broker_to_client;
    CHECK(frames ==
          std::vector<std::pair<capture::Direction, FrameType>>{{C, FrameType::protocol_header},
                                                                {C, FrameType::method},
                                                                {C, FrameType::method},
                                                                {B, FrameType::method}});
    CHECK_FALSE(password_kept);  // the writer redacts it, as for the proxy
}

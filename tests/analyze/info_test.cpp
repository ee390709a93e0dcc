#include "analyze/info.hpp"

#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../capture/capture_test_support.hpp"
#include "capture/writer.hpp"

using namespace amqpprox;
using namespace amqpprox::capture;

TEST_CASE("info describes a capture", "[analyze][info]") {
    test::TempDir dir;
    const auto path = dir.file("i.amqpcap");
    {
        WriterOptions options;
        options.overflow = OverflowPolicy::block;
        options.bodies = BodyPolicy::parse("64").value();
        CaptureWriter writer(path, options);
        writer.start_session({.id = 1, .start_ns = 1'700'000'000'000'000'000});
        const amqp::Bytes body(100, std::byte{'i'});
        writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::body, 1, body,
                            1'700'000'000'000'000'000);
        writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::body, 1, body,
                            1'700'000'002'500'000'000);
        writer.start_session({.id = 2});
    }
    std::ostringstream out, err;
    REQUIRE(analyze::print_info(path, out, err, {}) == 0);
    const auto text = out.str();
    CHECK(text.find("format:     amqpcap 2.0, written by amqpprox ") != std::string::npos);
    CHECK(text.find("policies:   bodies=64 redaction=credentials") != std::string::npos);
    CHECK(text.find("sessions:   2 (2 without an end)") != std::string::npos);
    CHECK(text.find("frames:     2 (216 bytes on the wire, 128 payload bytes stored)") !=
          std::string::npos);
    CHECK(text.find("time span:  2023-11-14T22:13:20.000000Z .. 2023-11-14T22:13:22.500000Z "
                    "(2.500 s)") != std::string::npos);
    CHECK(text.find("gaps:       none") != std::string::npos);

    std::ostringstream json_out;
    REQUIRE(analyze::print_info(path, json_out, err, {.json = true}) == 0);
    const auto json = nlohmann::json::parse(json_out.str());
    CHECK(json["frames"] == 2);
    CHECK(json["bodies"] == "64");
    CHECK(json["gaps"].empty());
}

TEST_CASE("info reports what is not a capture, exit 2", "[analyze][info]") {
    test::TempDir dir;
    std::ostringstream out, err;
    CHECK(analyze::print_info(dir.file("none.amqpcap"), out, err, {}) == 2);
    CHECK(err.str() == "amqp-analyze: " + dir.file("none.amqpcap") + ": no such file\n");
}

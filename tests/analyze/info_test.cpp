#include "analyze/info.hpp"

#include <fstream>
#include <iterator>
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
    CHECK(text.find("format:     amqpcap 2.2, written by amqpprox ") != std::string::npos);
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

TEST_CASE("info describes a pcap by what its import would hold", "[analyze][info][pcap]") {
    const std::string pcap = std::string(AMQPPROX_SAMPLES_DIR) + "/pcap/pika_lo.pcap";
    std::ostringstream out, err;
    REQUIRE(analyze::print_info(pcap, out, err, {}) == 0);
    const auto text = out.str();
    CHECK(text.find("file:       " + pcap + "\n") != std::string::npos);
    CHECK(text.find("packets:    54 in 1 TCP connection(s), 1 of them AMQP\n") !=
          std::string::npos);
    CHECK(text.find("sessions:   1\n") != std::string::npos);
    CHECK(text.find("frames:     46 (1896 bytes on the wire") != std::string::npos);
    CHECK(text.find("gaps:       none") != std::string::npos);
    CHECK(err.str().empty());

    std::ostringstream json_out;
    REQUIRE(analyze::print_info(pcap, json_out, err, {.json = true}) == 0);
    const auto json = nlohmann::json::parse(json_out.str());
    CHECK(json["format"] == "pcap");
    CHECK(json["packets"]["packets"] == 54);
    CHECK(json["packets"]["amqp_connections"] == 1);
    CHECK(json["packets"]["read_error"].is_null());
    CHECK(json["frames"] == 46);
}

TEST_CASE("info on a pcap cut by the snap length counts the cut packets and their gaps",
          "[analyze][info][pcap]") {
    const std::string pcap = std::string(AMQPPROX_SAMPLES_DIR) + "/pcap/pika_snaplen.pcap";
    std::ostringstream out, err;
    REQUIRE(analyze::print_info(pcap, out, err, {}) == 0);
    const auto text = out.str();
    CHECK(text.find("packets:    54 in 1 TCP connection(s), 1 of them AMQP; 5 cut by the snap "
                    "length\n") != std::string::npos);
    CHECK(text.find("gaps:       5, 0 frames not recorded\n") != std::string::npos);
    CHECK(text.find("  2026-11-29T03:47:53.300908Z session 1 C<-B: 0 frames, 505 bytes (missing "
                    "bytes)\n") != std::string::npos);
    CHECK(text.find("gaps:       none") == std::string::npos);
}

TEST_CASE("info on a pcap cut short says where reading stopped", "[analyze][info][pcap]") {
    test::TempDir dir;
    const std::string sample = std::string(AMQPPROX_SAMPLES_DIR) + "/pcap/pika_lo.pcap";
    const auto cut = dir.file("cut.pcap");
    {
        std::ifstream in(sample, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    }
    std::ostringstream out, err;
    REQUIRE(analyze::print_info(cut, out, err, {}) == 0);
    CHECK(out.str().find("read error: ") != std::string::npos);
}

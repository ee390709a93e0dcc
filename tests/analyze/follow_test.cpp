#include "analyze/follow.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../capture/capture_test_support.hpp"
#include "analysis_test_support.hpp"
#include "analyze/amqp_stream_follow.hpp"
#include "analyze/message_assembler.hpp"

using namespace amqpprox;
using namespace amqpprox::amqp;
using amqpprox::analyze::test::open;
using amqpprox::analyze::test::SessionBuilder;
using capture::Direction;

namespace {

constexpr auto C = Direction::client_to_broker;
constexpr auto B = Direction::broker_to_client;

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string body_of(const analyze::Message& m) {
    return {reinterpret_cast<const char*>(m.body.data()), m.body.size()};
}

// Runs the assembler over every record of a capture.
std::vector<analyze::Message> assemble(const std::string& path) {
    auto [inputs, selection] = open(path);
    std::vector<analyze::Message> messages;
    analyze::MessageAssembler assembler([&](analyze::Message&& m) { messages.push_back(m); });
    inputs.for_each(selection, [&](const analyze::SessionInfo& s, const capture::Record& r) {
        REQUIRE(assembler.add(s, r));
        return true;
    });
    assembler.finish();
    return messages;
}

}  // namespace

TEST_CASE("messages are put together from method, header and body frames", "[analyze][follow]") {
    capture::test::TempDir dir;
    const auto path = dir.file("m.amqpcap");
    const std::string big(300'000, 'b');
    {
        capture::CaptureWriter writer(path, analyze::test::blocking_writer());
        SessionBuilder s(writer, 1, 0);
        s.header(0)
            .client(1, 1, BasicPublish{.exchange = "", .routing_key = "q1", .mandatory = true})
            .content(1, C, 1, {.content_type = "text/plain", .delivery_mode = 2}, big)
            .client(2, 2, BasicConsume{.queue = "q1"})
            .broker(3, 2, BasicConsumeOk{.consumer_tag = "ctag-1"})
            .broker(4, 2,
                    BasicDeliver{.consumer_tag = "ctag-1",
                                 .delivery_tag = 1,
                                 .exchange = "",
                                 .routing_key = "q1"})
            .content(4, B, 2, {.message_id = "m-1"}, "hello")
            .client(5, 3, BasicGet{.queue = "q2"})
            .broker(
                6, 3,
                BasicGetOk{
                    .delivery_tag = 9, .redelivered = true, .exchange = "x", .routing_key = "k"})
            .content(6, B, 3, {}, "")
            .broker(7, 1,
                    BasicReturn{.reply_code = 312,
                                .reply_text = "NO_ROUTE",
                                .exchange = "",
                                .routing_key = "gone"})
            .content(7, B, 1, {}, "back");
        s.end(8);
        writer.close();
    }
    const auto messages = assemble(path);
    REQUIRE(messages.size() == 4);

    const auto& publish = messages[0];
    CHECK(publish.method == BasicPublish::id);
    CHECK(publish.status == analyze::MessageStatus::complete);
    CHECK(publish.body_size == big.size());
    CHECK(body_of(publish) == big);  // three body frames joined
    CHECK(publish.properties.content_type == "text/plain");
    CHECK(publish.properties.delivery_mode == 2);
    CHECK(publish.mandatory);
    CHECK(publish.queue == "q1");  // the default exchange routes by queue name

    const auto& deliver = messages[1];
    CHECK(deliver.method == BasicDeliver::id);
    CHECK(deliver.direction == B);
    CHECK(deliver.channel == 2);
    CHECK(deliver.queue == "q1");  // learned from Basic.Consume and its Consume-Ok
    CHECK(deliver.delivery_tag == 1);
    CHECK(body_of(deliver) == "hello");
    CHECK(deliver.properties.message_id == "m-1");

    const auto& get = messages[2];
    CHECK(get.method == BasicGetOk::id);
    CHECK(get.queue == "q2");
    CHECK(get.redelivered);
    CHECK(get.body.empty());
    CHECK(get.status == analyze::MessageStatus::complete);

    const auto& returned = messages[3];
    CHECK(returned.reply_code == 312);
    CHECK(returned.routing_key == "gone");
    CHECK(body_of(returned) == "back");
}

TEST_CASE("messages the capture holds only in part are marked", "[analyze][follow]") {
    capture::test::TempDir dir;
    const auto path = dir.file("m.amqpcap");
    {
        auto options = analyze::test::blocking_writer();
        options.bodies = {.kind = capture::BodyPolicy::Kind::first, .bytes = 4};
        capture::CaptureWriter writer(path, options);
        SessionBuilder s(writer, 1, 0);
        s.header(0)
            .client(1, 1, BasicPublish{.routing_key = "cut"})
            .content(1, C, 1, {}, "0123456789")
            // Ten bytes announced, four arrive, then the channel moves on.
            .client(2, 2, BasicPublish{.routing_key = "interrupted"})
            .content(2, C, 2, 10, 0)
            .client(3, 2, ChannelClose{.reply_code = 200})
            .client(4, 3, BasicPublish{.routing_key = "headerless"})
            .client(5, 3, BasicAck{.delivery_tag = 1})
            // Twelve bytes where the header announced ten: not one message.
            .client(6, 4, BasicPublish{.routing_key = "overlong"})
            .content(6, C, 4, 10, 12);
        s.end(7);
        writer.close();
    }
    const auto messages = assemble(path);
    REQUIRE(messages.size() >= 3);
    CHECK(messages[0].status == analyze::MessageStatus::cut);
    CHECK(body_of(messages[0]) == "0123");
    CHECK(messages[0].body_size == 10);
    CHECK(messages[1].routing_key == "interrupted");
    CHECK(messages[1].status == analyze::MessageStatus::interrupted);
    CHECK(messages[1].has_header);
    CHECK(messages[2].routing_key == "headerless");
    CHECK(messages[2].status == analyze::MessageStatus::interrupted);
    CHECK_FALSE(messages[2].has_header);
    REQUIRE(messages.size() == 4);
    CHECK(messages[3].routing_key == "overlong");
    CHECK(messages[3].status == analyze::MessageStatus::interrupted);
}

TEST_CASE("a hole in the sequence numbers interrupts the messages in flight", "[analyze][follow]") {
    analyze::SessionInfo session;
    session.key = {0, 5};
    session.label = "5";
    std::vector<analyze::Message> messages;
    analyze::MessageAssembler assembler([&](analyze::Message&& m) { messages.push_back(m); });
    const auto record = [&](std::uint64_t seq, FrameType type, const Bytes& payload) {
        capture::Record r;
        r.session = 5;
        r.seq = seq;
        r.channel = 1;
        r.type = type;
        r.payload = payload;
        r.size = static_cast<std::uint32_t>(payload.size());
        return r;
    };
    Bytes publish, header;
    REQUIRE(encode_method(BasicPublish{.routing_key = "q"}, publish));
    REQUIRE(encode_content_header({.body_size = 8}, header));
    REQUIRE(assembler.add(session, record(0, FrameType::method, publish)));
    REQUIRE(assembler.add(session, record(1, FrameType::header, header)));
    // Frames 2 and 3 (the body) were lost; frame 4 is a new publish.
    REQUIRE(assembler.add(session, record(4, FrameType::method, publish)));
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].status == analyze::MessageStatus::interrupted);
    CHECK(assembler.missing_frames() == 2);
    CHECK(assembler.missing_by_session().at(session.key) == 2);

    // The peer's Close crossing a message in flight does not cut it: only its sender can.
    Bytes close, body(8, std::byte{'b'});
    REQUIRE(encode_method(ChannelClose{.reply_code = 406}, close));
    auto crossing = record(7, FrameType::method, close);
    crossing.direction = B;
    REQUIRE(assembler.add(session, record(5, FrameType::header, header)));  // publish 4's
    REQUIRE(assembler.add(session, record(6, FrameType::method, publish)));
    REQUIRE(assembler.add(session, crossing));
    REQUIRE(assembler.add(session, record(8, FrameType::header, header)));
    REQUIRE(assembler.add(session, record(9, FrameType::body, body)));
    REQUIRE(messages.size() == 3);
    CHECK(messages[2].status == analyze::MessageStatus::complete);
    CHECK(body_of(messages[2]) == "bbbbbbbb");

    // An undecodable method is an error, and the message in flight is handed on.
    REQUIRE(assembler.add(session, record(10, FrameType::method, publish)));
    CHECK_FALSE(assembler.add(session, record(11, FrameType::method, Bytes{std::byte{0}})));
    CHECK(messages.size() == 4);
}

TEST_CASE("follow prints whole messages and writes their bodies", "[analyze][follow]") {
    capture::test::TempDir dir;
    const auto path = dir.file("m.amqpcap");
    {
        capture::CaptureWriter writer(path, analyze::test::blocking_writer());
        SessionBuilder s(writer, 3, 0);
        s.header(0)
            .client(1, 1, BasicPublish{.exchange = "orders", .routing_key = "new"})
            .content(1, C, 1, {.content_type = "application/json"}, R"({"id":1})")
            .client(2, 1, BasicPublish{.exchange = "audit", .routing_key = "x"})
            .content(2, C, 1, {}, "line\n\x01");
        s.end(3);
        writer.close();
    }
    auto [inputs, selection] = open(path);
    analyze::FollowOptions options;
    std::ostringstream out, err;
    REQUIRE(analyze::follow_messages(inputs, selection, options, out, err) == 0);
    CHECK(out.str() ==
          "2023-11-14T22:13:20.001000Z  3  C->B  ch1  Basic.Publish exchange=\"orders\" "
          "routing_key=\"new\"  8 bytes  content_type=\"application/json\"  |{\"id\":1}|\n"
          "2023-11-14T22:13:20.002000Z  3  C->B  ch1  Basic.Publish exchange=\"audit\" "
          "routing_key=\"x\"  6 bytes  |line..|\n");

    SECTION("filters select messages, not frames") {
        auto [inputs2, selection2] = open(path, {.exchange = "audit"});
        options.output_dir = dir.file("out");
        options.format = analyze::OutputFormat::json;
        std::ostringstream out2, err2;
        REQUIRE(analyze::follow_messages(inputs2, selection2, options, out2, err2) == 0);
        const auto line = nlohmann::json::parse(out2.str());
        CHECK(line["method"] == "basic.publish");
        CHECK(line["exchange"] == "audit");
        CHECK(line["body_size"] == 6);
        CHECK(line["status"] == "complete");
        CHECK(line["file"] == "000001.body");
        CHECK(read_file(dir.file("out/000001.body")) == "line\n\x01");
        CHECK(read_file(dir.file("out/messages.jsonl")) == out2.str());
    }
    SECTION("nothing matched is exit status 1") {
        auto [inputs3, selection3] = open(path, {.exchange = "none"});
        std::ostringstream out3, err3;
        CHECK(analyze::follow_messages(inputs3, selection3, options, out3, err3) == 1);
        CHECK(err3.str() == "amqp-analyze: no messages matched\n");
    }
}

namespace {

// One amqp-stream connection as the Go library speaks it, both ends in the capture when
// `server_side` is set (session 1 the client, session 2 the server); the client's end of
// stream comes back 312 when `late_end` is set, because the server had gone.
void write_amqp_stream(const std::string& path, bool server_side, bool late_end,
                       const std::string& up, const std::string& down) {
    capture::CaptureWriter writer(path, analyze::test::blocking_writer());
    SessionBuilder c(writer, 1, 0);
    const BasicProperties transient{.delivery_mode = 1};
    auto handshake = transient;
    c.header(0)
        .client(1, 1, QueueDeclare{.queue = "", .exclusive = true, .auto_delete = true})
        .broker(2, 1, QueueDeclareOk{.queue = "amq.gen-C"})
        .client(3, 1,
                BasicConsume{.queue = "amq.gen-C", .consumer_tag = "amq.gen-C", .exclusive = true})
        .broker(4, 1, BasicConsumeOk{.consumer_tag = "amq.gen-C"});
    handshake.reply_to = "amq.gen-C";
    c.client(5, 2, BasicPublish{.routing_key = "ctl", .mandatory = true})
        .content(5, C, 2, handshake, "");
    if (server_side) {
        SessionBuilder s(writer, 2, 0);
        s.header(0)
            .broker(6, 1,
                    BasicDeliver{.consumer_tag = "ctl", .delivery_tag = 1, .routing_key = "ctl"})
            .content(6, B, 1, handshake, "");
        handshake.reply_to = "amq.gen-S";
        s.client(7, 3, BasicPublish{.routing_key = "amq.gen-C", .mandatory = true})
            .content(7, C, 3, handshake, "");
        // The server's data: published on channel 3, read by the client on channel 1.
        s.client(8, 3, BasicPublish{.routing_key = "amq.gen-C", .mandatory = true})
            .content(8, C, 3, transient, down)
            .client(9, 3, BasicPublish{.routing_key = "amq.gen-C", .mandatory = true})
            .content(9, C, 3, transient, "");
        for (std::size_t i = 0; i < up.size(); i += 1000) {
            s.broker(20 + static_cast<std::int64_t>(i), 2,
                     BasicDeliver{.consumer_tag = "amq.gen-S",
                                  .delivery_tag = i + 1,
                                  .routing_key = "amq.gen-S"})
                .content(20 + static_cast<std::int64_t>(i), B, 2, transient, up.substr(i, 1000));
        }
        s.broker(4500, 2,
                 BasicDeliver{
                     .consumer_tag = "amq.gen-S", .delivery_tag = 99, .routing_key = "amq.gen-S"})
            .content(4500, B, 2, transient, "");
        s.end(5000);
    } else {
        handshake.reply_to = "amq.gen-S";
    }
    c.broker(
         10, 1,
         BasicDeliver{.consumer_tag = "amq.gen-C", .delivery_tag = 1, .routing_key = "amq.gen-C"})
        .content(10, B, 1, handshake, "")
        .broker(11, 1,
                BasicDeliver{
                    .consumer_tag = "amq.gen-C", .delivery_tag = 2, .routing_key = "amq.gen-C"})
        .content(11, B, 1, transient, down)
        .broker(12, 1,
                BasicDeliver{
                    .consumer_tag = "amq.gen-C", .delivery_tag = 3, .routing_key = "amq.gen-C"})
        .content(12, B, 1, transient, "");
    // The client writes in 1000-byte messages, then ends its direction.
    for (std::size_t i = 0; i < up.size(); i += 1000) {
        c.client(13 + static_cast<std::int64_t>(i), 2,
                 BasicPublish{.routing_key = "amq.gen-S", .mandatory = true})
            .content(13 + static_cast<std::int64_t>(i), C, 2, transient, up.substr(i, 1000));
    }
    c.client(4000, 2, BasicPublish{.routing_key = "amq.gen-S", .mandatory = true})
        .content(4000, C, 2, transient, "");
    if (late_end) {
        c.broker(
             4001, 2,
             BasicReturn{.reply_code = 312, .reply_text = "NO_ROUTE", .routing_key = "amq.gen-S"})
            .content(4001, B, 2, transient, "");
    }
    c.end(6000);
    writer.close();
}

std::string bytes_pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
    return s;
}

}  // namespace

TEST_CASE("follow --amqp-stream writes both byte streams exactly", "[analyze][follow]") {
    capture::test::TempDir dir;
    const auto path = dir.file("s.amqpcap");
    const auto up = bytes_pattern(3500);  // four messages, the last one short
    const std::string down = "HTTP/1.1 200 OK\r\n\r\n";
    const bool server_side = GENERATE(true, false);
    write_amqp_stream(path, server_side, !server_side, up, down);

    auto [inputs, selection] = open(path);
    analyze::FollowOptions options{.output_dir = dir.file("streams"), .amqp_stream = true};
    std::ostringstream out, err;
    REQUIRE(analyze::follow_amqp_streams(inputs, selection, options, out, err) == 0);
    CHECK(err.str().empty());
    CHECK(read_file(dir.file("streams/stream-1.client-to-server")) == up);
    CHECK(read_file(dir.file("streams/stream-1.server-to-client")) == down);
    const auto text = out.str();
    CHECK_THAT(text,
               Catch::Contains("stream 1  2023-11-14T22:13:20.005000Z  control queue \"ctl\""));
    CHECK_THAT(text, Catch::Contains("client: session 1, queue \"amq.gen-C\""));
    CHECK_THAT(text, Catch::Contains("client -> server: 3500 bytes in 4 messages, ended"));
    CHECK_THAT(text, Catch::Contains("server -> client: 19 bytes in 1 message, ended"));
    if (server_side) {
        CHECK_THAT(text, Catch::Contains("server: session 2, queue \"amq.gen-S\""));
        CHECK_THAT(text, Catch::Contains("ended [from deliveries]"));
    } else {
        // Only the client's connection went through the proxy: its publishes carry the
        // upstream, its deliveries the downstream; the late end of stream is no data loss.
        CHECK_THAT(text, Catch::Contains("server: session -, queue \"amq.gen-S\""));
        CHECK_THAT(text, Catch::Contains("came back 312 NO_ROUTE"));
        CHECK_THAT(text, Catch::Contains("[from publishes]"));
    }

    SECTION("JSON, and selection by control queue") {
        auto [inputs2, selection2] = open(path, {.queue = "ctl"});
        options.format = analyze::OutputFormat::json;
        options.output_dir.reset();
        std::ostringstream out2, err2;
        REQUIRE(analyze::follow_amqp_streams(inputs2, selection2, options, out2, err2) == 0);
        const auto j = nlohmann::json::parse(out2.str());
        CHECK(j["control_queue"] == "ctl");
        CHECK(j["exact"] == true);
        CHECK(j["client_to_server"]["bytes"] == 3500);
        CHECK(j["server_to_client"]["queue"] == "amq.gen-C");
        CHECK(j["server_to_client"]["ended"] == true);
    }
    SECTION("no stream is exit status 1") {
        auto [inputs3, selection3] = open(path, {.queue = "other"});
        std::ostringstream out3, err3;
        CHECK(analyze::follow_amqp_streams(inputs3, selection3, options, out3, err3) == 1);
    }
    SECTION("frame filters make no sense for streams") {
        auto [inputs4, selection4] = open(path, {.exchange = "x"});
        std::ostringstream out4, err4;
        CHECK(analyze::follow_amqp_streams(inputs4, selection4, options, out4, err4) == 2);
        CHECK_THAT(err4.str(), Catch::Contains("--amqp-stream selects streams with"));
    }
}

TEST_CASE("follow --amqp-stream says when a stream is not exact", "[analyze][follow]") {
    capture::test::TempDir dir;
    const auto path = dir.file("s.amqpcap");
    {
        auto options = analyze::test::blocking_writer();
        options.bodies = {.kind = capture::BodyPolicy::Kind::first, .bytes = 100};
        capture::CaptureWriter writer(path, options);
        SessionBuilder c(writer, 1, 0);
        BasicProperties handshake{.reply_to = "amq.gen-C"};
        c.header(0)
            .client(1, 2, BasicPublish{.routing_key = "ctl"})
            .content(1, C, 2, handshake, "");
        handshake.reply_to = "amq.gen-S";
        c.broker(2, 1, BasicDeliver{.consumer_tag = "amq.gen-C", .routing_key = "amq.gen-C"})
            .content(2, B, 1, handshake, "")
            .client(3, 2, BasicPublish{.routing_key = "amq.gen-S"})
            .content(3, C, 2, {}, std::string(1000, 'u'));
        c.end(4);
        writer.close();
    }
    auto [inputs, selection] = open(path);
    analyze::FollowOptions options{.amqp_stream = true};
    std::ostringstream out, err;
    CHECK(analyze::follow_amqp_streams(inputs, selection, options, out, err) == 2);
    CHECK_THAT(out.str(), Catch::Contains("client -> server: 100 bytes in 1 message, not ended in "
                                          "the capture, 1 message(s) incomplete in the capture"));
    CHECK_THAT(err.str(),
               Catch::Contains("stream 1: the capture holds some messages only in part"));
}

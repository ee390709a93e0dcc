// The pure parts of samples/amqp-stream: URL and HOST:PORT parsing, the publish frames the
// Go library's wire format needs, the queue and consumer shapes, the handshake check.
#include <catch2/catch.hpp>

#include "amqp_url.hpp"
#include "bridge_app.hpp"
#include "formats/amqp/frame.hpp"
#include "wire.hpp"

using namespace amqpstream;

TEST_CASE("amqp URLs: defaults, credentials, port, vhost escapes", "[amqp-stream]") {
    auto plain = parse_amqp_url("amqp://");
    REQUIRE(plain);
    CHECK(plain->host == "localhost");
    CHECK(plain->port == 5672);
    CHECK(plain->user == "guest");
    CHECK(plain->vhost == "/");

    auto full = parse_amqp_url("amqp://bob:s%40cret@broker.example:5799/%2fprod");
    REQUIRE(full);
    CHECK(full->user == "bob");
    CHECK(full->password == "s@cret");
    CHECK(full->host == "broker.example");
    CHECK(full->port == 5799);
    CHECK(full->vhost == "/prod");
    CHECK(full->display() == "amqp://bob@broker.example:5799//prod");

    CHECK(parse_amqp_url("amqp://h/")->vhost == "/");
    CHECK(parse_amqp_url("amqp://h/vh")->vhost == "vh");
}

TEST_CASE("amqp URLs: what is refused says what is accepted", "[amqp-stream]") {
    for (const auto* bad : {"http://x", "amqp://h:0", "amqp://h:99999", "amqp://h:x",
                            "amqp://h/%zz", "amqp://h/%2"}) {
        auto url = parse_amqp_url(bad);
        REQUIRE_FALSE(url);
        INFO(bad);
        CHECK_FALSE(url.error().empty());
    }
    CHECK(parse_amqp_url("ftp://x").error().find("accepted: amqp://") != std::string::npos);
    const auto tls = parse_amqp_url("amqps://bob@broker.example");
    REQUIRE(tls);
    CHECK(tls->tls);
    CHECK(tls->port == 5671);
    CHECK(tls->display() == "amqps://bob@broker.example:5671");
    CHECK(parse_amqp_url("amqps://h:5999")->port == 5999);
}

TEST_CASE("HOST:PORT for --forward", "[amqp-stream]") {
    auto v4 = parse_host_port("127.0.0.1:8080");
    REQUIRE(v4);
    CHECK(v4->first == "127.0.0.1");
    CHECK(v4->second == 8080);
    auto v6 = parse_host_port("[::1]:80");
    REQUIRE(v6);
    CHECK(v6->first == "::1");
    CHECK_FALSE(parse_host_port("8080"));
    CHECK_FALSE(parse_host_port("host:"));
    CHECK_FALSE(parse_host_port("host:70000"));
    CHECK(parse_host_port("x").error().find("accepted: HOST:PORT") != std::string::npos);
}

namespace {

std::vector<amqp::FrameView> frames_of(const amqp::Bytes& bytes) {
    std::vector<amqp::FrameView> frames;
    amqp::ByteView rest(bytes);
    std::uint64_t offset = 0;
    while (!rest.empty()) {
        auto frame = amqp::parse_frame(rest, 0, offset);
        REQUIRE(frame);
        REQUIRE(*frame);
        frames.push_back(**frame);
        rest = rest.subspan((*frame)->wire_size());
        offset += (*frame)->wire_size();
    }
    return frames;
}

}  // namespace

TEST_CASE("a publish is the Go library's: default exchange, mandatory, delivery mode 1",
          "[amqp-stream]") {
    const auto body = amqp::Bytes(10000, std::byte{0x5a});
    amqp::Bytes out;
    append_publish(out, 3, "amq.gen-peer", std::nullopt, body, 4096);
    const auto frames = frames_of(out);
    // method, header, then 10000 bytes in body frames of at most 4096 - 8 bytes.
    REQUIRE(frames.size() == 2 + 3);
    for (const auto& f : frames)
        CHECK(f.channel == 3);
    auto method = amqp::decode_method(frames[0].payload);
    REQUIRE(method);
    const auto& publish = std::get<amqp::BasicPublish>(*method);
    CHECK(publish.exchange.empty());
    CHECK(publish.routing_key == "amq.gen-peer");
    CHECK(publish.mandatory);
    CHECK_FALSE(publish.immediate);
    auto header = amqp::decode_content_header(frames[1].payload);
    REQUIRE(header);
    CHECK(header->body_size == 10000);
    amqp::BasicProperties expected;
    expected.delivery_mode = 1;
    CHECK(header->properties == expected);
    std::size_t total = 0;
    for (std::size_t i = 2; i < frames.size(); ++i) {
        CHECK(frames[i].type == amqp::FrameType::body);
        CHECK(frames[i].wire_size() <= 4096);
        total += frames[i].payload.size();
    }
    CHECK(total == body.size());
}

TEST_CASE("the handshake message is empty with a reply-to and no body frame", "[amqp-stream]") {
    amqp::Bytes out;
    append_publish(out, 1, "control", std::string("amq.gen-me"), {}, amqp::kDefaultFrameMax);
    const auto frames = frames_of(out);
    REQUIRE(frames.size() == 2);
    auto header = amqp::decode_content_header(frames[1].payload);
    REQUIRE(header);
    CHECK(header->body_size == 0);
    CHECK(header->properties.reply_to == "amq.gen-me");
    CHECK(header->properties.delivery_mode == 1);
}

TEST_CASE("queues and consumers have the Go library's flags", "[amqp-stream]") {
    const auto declare = stream_queue_declare("");
    CHECK(declare.queue.empty());
    CHECK_FALSE(declare.durable);
    CHECK(declare.exclusive);
    CHECK(declare.auto_delete);
    CHECK_FALSE(declare.passive);
    CHECK_FALSE(declare.nowait);
    CHECK(declare.arguments.entries.empty());
    const auto consume = stream_consume("amq.gen-q");
    CHECK(consume.queue == "amq.gen-q");
    CHECK(consume.consumer_tag == "amq.gen-q");
    CHECK_FALSE(consume.no_ack);
    CHECK(consume.exclusive);
    CHECK_FALSE(consume.no_local);
    CHECK_FALSE(consume.nowait);
}

TEST_CASE("connection requests and replies: empty, with a reply-to", "[amqp-stream]") {
    CHECK(check_handshake_message(0, std::string("amq.gen-x")).value() == "amq.gen-x");
    CHECK(check_handshake_message(5, std::string("amq.gen-x")).error().find("5 bytes") !=
          std::string::npos);
    CHECK_FALSE(check_handshake_message(0, std::nullopt));
    CHECK_FALSE(check_handshake_message(0, std::string()));
}

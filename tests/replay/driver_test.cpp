#include "replay/driver.hpp"

#include <catch2/catch.hpp>

#include "../capture/capture_test_support.hpp"
#include "formats/amqp/handshake.hpp"
#include "replay_test_support.hpp"

using namespace amqpprox;
using namespace amqpprox::amqp;
using Kind = replay::DriverAction::Kind;

namespace {

replay::Plan planned(const std::string& path) {
    replay::test::write_replay_session(path);
    auto opened = analyze::test::open(path);
    auto plan = replay::build_plan(opened.inputs, opened.selection);
    REQUIRE(plan);
    return std::move(*plan);
}

// The first method of the bytes a send action carries.
Method first_method(const Bytes& bytes) {
    auto frame = parse_frame(bytes, 0).value();
    REQUIRE(frame);
    return decode_method(frame->payload).value();
}

void broker(replay::SessionDriver& d, std::uint16_t channel, const Method& m) {
    Bytes payload;
    REQUIRE(encode_method(m, payload));
    d.on_broker_frame(FrameType::method, channel, payload, 0);
}

}  // namespace

TEST_CASE("driver: sends in order, waits for replies, maps what the broker assigns", "[replay]") {
    capture::test::TempDir dir;
    const auto plan = planned(dir.file("r.amqpcap"));
    replay::SessionDriver d(plan.sessions[0], {}, std::nullopt);
    auto a = d.next(0);
    REQUIRE(a.kind == Kind::send);
    CHECK(first_method(a.bytes) == Method{ChannelOpen{}});
    a = d.next(0);
    REQUIRE(a.kind == Kind::wait_broker);
    CHECK(a.wait->methods == std::vector{ChannelOpenOk::id});
    broker(d, 1, ChannelOpenOk{});
    a = d.next(0);
    REQUIRE(a.kind == Kind::send);
    CHECK(std::holds_alternative<QueueDeclare>(first_method(a.bytes)));
    CHECK(d.next(0).kind == Kind::wait_broker);
    broker(d, 1, QueueDeclareOk{.queue = "amq.gen-NEW"});
    a = d.next(0);
    REQUIRE(a.kind == Kind::send);
    CHECK(first_method(a.bytes) ==
          Method{QueueBind{.queue = "amq.gen-NEW", .exchange = "x", .routing_key = "k"}});
    // The diff sees the replay's broker frames in recorded terms.
    CHECK(d.received().size() == 2);
    CHECK(decode_method(d.received()[1].payload).value() ==
          Method{QueueDeclareOk{.queue = "amq.gen-A"}});
}

TEST_CASE("driver: --speed paces steps by their recorded offsets", "[replay]") {
    capture::test::TempDir dir;
    const auto plan = planned(dir.file("r.amqpcap"));
    replay::SessionDriver d(plan.sessions[0], {}, 2.0);
    auto a = d.next(0);
    REQUIRE(a.kind == Kind::sleep_until);
    CHECK(a.at_ns == 5'000'000);  // recorded at +10 ms, twice as fast
    CHECK(d.next(5'000'000).kind == Kind::send);
}

TEST_CASE("driver: a channel the broker closes unexpectedly is answered and skipped", "[replay]") {
    capture::test::TempDir dir;
    const auto plan = planned(dir.file("r.amqpcap"));
    replay::SessionDriver d(plan.sessions[0], {}, std::nullopt);
    REQUIRE(d.next(0).kind == Kind::send);  // channel.open
    broker(d, 1, ChannelOpenOk{});
    REQUIRE(d.next(0).kind == Kind::send);  // queue.declare
    broker(d, 1, ChannelClose{.reply_code = 403, .reply_text = "ACCESS_REFUSED"});
    auto a = d.next(0);
    REQUIRE(a.kind == Kind::send);
    CHECK(first_method(a.bytes) == Method{ChannelCloseOk{}});
    // Channel 1's steps are left out; channel 2 goes on.
    a = d.next(0);
    REQUIRE(a.kind == Kind::send);
    CHECK(first_method(a.bytes) == Method{ChannelOpen{}});
    CHECK_FALSE(d.notes().empty());
    CHECK_THAT(d.notes().front(), Catch::Contains("closed channel 1"));
}

TEST_CASE("driver: latencies of synchronous requests, recorded and replayed", "[replay]") {
    capture::test::TempDir dir;
    const auto plan = planned(dir.file("r.amqpcap"));
    replay::SessionDriver d(plan.sessions[0], {}, std::nullopt);
    REQUIRE(d.next(1'000'000).kind == Kind::send);  // channel.open, recorded at 10 ms
    Bytes payload;
    REQUIRE(encode_method(ChannelOpenOk{}, payload));
    d.on_broker_frame(FrameType::method, 1, payload, 3'000'000);  // recorded at 11 ms
    CHECK(d.latencies() ==
          std::vector<replay::LatencySample>{{"Channel.Open", 1'000'000, 2'000'000}});
}

TEST_CASE("driver: publisher confirm latencies, publish to ack or nack, recorded and replayed",
          "[replay]") {
    capture::test::TempDir dir;
    const auto path = dir.file("c.amqpcap");
    {
        constexpr auto C = capture::Direction::client_to_broker;
        capture::CaptureWriter writer(path, analyze::test::blocking_writer());
        analyze::test::SessionBuilder s(writer, 1, 0);
        s.header(0)
            .client(1, 0, ConnectionOpen{.virtual_host = "/"})
            .broker(2, 0, ConnectionOpenOk{})
            .client(3, 2, ChannelOpen{})
            .broker(4, 2, ChannelOpenOk{})
            .client(5, 2, ConfirmSelect{})
            .broker(6, 2, ConfirmSelectOk{})
            .client(7, 2, BasicPublish{.exchange = "x"})
            .content(7, C, 2, 1, 1)
            .client(8, 2, BasicPublish{.exchange = "x"})
            .content(8, C, 2, 1, 1)
            .client(9, 2, BasicPublish{.exchange = "x"})
            .content(9, C, 2, 1, 1)
            .broker(11, 2, BasicAck{.delivery_tag = 2, .multiple = true})
            .broker(19, 2, BasicNack{.delivery_tag = 3});
        s.end(20);
    }
    auto opened = analyze::test::open(path);
    const auto plan = replay::build_plan(opened.inputs, opened.selection).value();
    replay::SessionDriver d(plan.sessions[0], {}, std::nullopt);
    const auto at = [&](std::int64_t ns, const Method& m) {
        Bytes payload;
        REQUIRE(encode_method(m, payload));
        d.on_broker_frame(FrameType::method, 2, payload, ns);
    };
    REQUIRE(d.next(0).kind == Kind::send);  // channel.open
    at(0, ChannelOpenOk{});
    REQUIRE(d.next(0).kind == Kind::send);  // confirm.select
    at(0, ConfirmSelectOk{});
    for (int i = 0; i < 3; ++i)
        REQUIRE(d.next(1'000'000).kind == Kind::send);
    at(2'000'000, BasicAck{.delivery_tag = 1});
    at(3'000'000, BasicAck{.delivery_tag = 3, .multiple = true});
    std::vector<replay::LatencySample> confirms;
    for (const auto& l : d.latencies())
        if (l.method == "Basic.Publish confirm") confirms.push_back(l);
    CHECK(confirms ==
          std::vector<replay::LatencySample>{{"Basic.Publish confirm", 4'000'000, 1'000'000},
                                             {"Basic.Publish confirm", 3'000'000, 2'000'000},
                                             {"Basic.Publish confirm", 10'000'000, 2'000'000}});
}

TEST_CASE("driver: the broker's Close-Ok ends the session's answer", "[replay]") {
    capture::test::TempDir dir;
    const auto plan = planned(dir.file("r.amqpcap"));
    replay::SessionDriver d(plan.sessions[0], {}, std::nullopt);
    CHECK_FALSE(d.close_ok_received());
    broker(d, 0, ConnectionCloseOk{});
    CHECK(d.close_ok_received());
    CHECK_FALSE(d.connection_closed());  // not the broker closing on its own
}

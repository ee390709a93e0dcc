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

#include "replay/plan.hpp"

#include <catch2/catch.hpp>

#include "../capture/capture_test_support.hpp"
#include "replay_test_support.hpp"

using namespace amqpprox;
using namespace amqpprox::amqp;
using replay::Wait;
using replay::WaitReason;

namespace {

constexpr std::int64_t kMs = 1'000'000;

replay::Plan planned(const std::string& path, const analyze::SelectionOptions& options = {}) {
    replay::test::write_replay_session(path);
    auto opened = analyze::test::open(path, options);
    auto plan = replay::build_plan(opened.inputs, opened.selection);
    REQUIRE(plan);
    return std::move(*plan);
}

Wait reply_wait(std::uint16_t channel, std::vector<MethodId> methods, std::uint64_t ordinal) {
    return {WaitReason::reply, channel, std::move(methods), ordinal, ""};
}

}  // namespace

TEST_CASE("plan: steps after the handshake, with offsets and content", "[replay]") {
    capture::test::TempDir dir;
    const auto plan = planned(dir.file("r.amqpcap"));
    REQUIRE(plan.sessions.size() == 2);
    const auto& s = plan.sessions[0];
    CHECK(s.label == "1");
    CHECK(s.handshake_complete);
    CHECK_FALSE(s.cut);
    CHECK(s.start_offset_ns == 0);
    REQUIRE(s.steps.size() == 11);
    // The recorded Start-Ok, Tune-Ok and Open are not steps.
    CHECK(std::holds_alternative<ChannelOpen>(s.steps[0].method));
    CHECK(s.steps[0].offset_ns == 10 * kMs);
    CHECK(s.steps[0].waits.empty());
    CHECK(std::holds_alternative<ConnectionClose>(s.steps[10].method));
    // (d) the publish carries its header and body.
    const auto& publish = s.steps[7];
    CHECK(std::holds_alternative<BasicPublish>(publish.method));
    REQUIRE(publish.content.size() == 2);
    CHECK(publish.content[0].type == FrameType::header);
    CHECK(publish.content[1].type == FrameType::body);
    // Broker frames after Open-Ok, in order.
    CHECK(s.expected.size() == 17);
    CHECK(s.expected.front().channel == 1);

    const auto& cut = plan.sessions[1];
    CHECK(cut.cut);
    CHECK(cut.start_offset_ns == 50 * kMs);
    REQUIRE(cut.steps.size() == 2);
    CHECK(cut.steps[1].waits == std::vector{reply_wait(1, {ChannelOpenOk::id}, 1)});
}

TEST_CASE("plan: (a) a synchronous request's reply gates the channel's next method", "[replay]") {
    capture::test::TempDir dir;
    const auto plan = planned(dir.file("r.amqpcap"));
    const auto& s = plan.sessions[0];
    CHECK(s.steps[1].waits == std::vector{reply_wait(1, {ChannelOpenOk::id}, 1)});
    // Channel 2's publish waits for channel 2's open-ok, not for anything on channel 1.
    CHECK(s.steps[7].waits.front() == reply_wait(2, {ChannelOpenOk::id}, 1));
    // A get is answered by get-ok or get-empty.
    CHECK(s.steps[8].waits.front() == reply_wait(1, {BasicGetOk::id, BasicGetEmpty::id}, 1));
    // Close waits for the replies on the other channels it came after.
    auto order = [](std::uint16_t channel, std::vector<MethodId> methods) {
        return Wait{WaitReason::order, channel, std::move(methods), 1, ""};
    };
    CHECK(s.steps[10].waits ==
          std::vector<Wait>{order(1, {BasicCancelOk::id}), order(2, {ChannelOpenOk::id})});
    // Channel 2's open came after channel 1's get-empty; channel 1's reject after channel
    // 2's open-ok, once.
    CHECK(s.steps[6].waits == std::vector<Wait>{order(1, {BasicGetOk::id, BasicGetEmpty::id})});
    CHECK(s.steps[8].waits[1] == order(2, {ChannelOpenOk::id}));
    CHECK(std::count(s.steps[9].waits.begin(), s.steps[9].waits.end(),
                     order(2, {ChannelOpenOk::id})) == 0);
}

TEST_CASE("plan: (b) acks, nacks and rejects wait for their delivery", "[replay]") {
    capture::test::TempDir dir;
    const auto plan = planned(dir.file("r.amqpcap"));
    const auto& s = plan.sessions[0];
    const std::vector<MethodId> deliveries{BasicDeliver::id, BasicGetOk::id};
    // ack tag 2 multiple: the second delivery (and the consume-ok before it).
    CHECK(s.steps[4].waits ==
          std::vector<Wait>{reply_wait(1, {BasicConsumeOk::id}, 1),
                            {WaitReason::delivery, 1, deliveries, 2, "delivery-tag 2"}});
    CHECK(s.steps[8].waits.back() ==
          Wait{WaitReason::delivery, 1, deliveries, 3, "delivery-tag 3"});
}

TEST_CASE("plan: (c) server-named queues and consumer tags wait for their reply", "[replay]") {
    capture::test::TempDir dir;
    const auto plan = planned(dir.file("r.amqpcap"));
    const auto& s = plan.sessions[0];
    const Wait queue{WaitReason::server_name, 1, {QueueDeclareOk::id}, 1, "queue amq.gen-A"};
    // The bind's reply wait and its name wait are the same frame: one wait, named.
    CHECK(s.steps[2].waits == std::vector{queue});
    CHECK(s.steps[3].waits == std::vector{reply_wait(1, {QueueBindOk::id}, 1), queue});
    CHECK(s.steps[5].waits == std::vector{queue});
    // A publish to the default exchange names the queue in its routing key.
    CHECK(std::find(s.steps[7].waits.begin(), s.steps[7].waits.end(), queue) !=
          s.steps[7].waits.end());
    CHECK(s.steps[9].waits ==
          std::vector<Wait>{
              {WaitReason::server_name, 1, {BasicConsumeOk::id}, 1, "consumer-tag amq.ctag-1"}});
}

TEST_CASE("plan: frame filters choose whole sessions", "[replay]") {
    capture::test::TempDir dir;
    analyze::SelectionOptions options;
    options.exchange = "orders";
    const auto plan = planned(dir.file("r.amqpcap"), options);
    REQUIRE(plan.sessions.size() == 1);
    CHECK(plan.sessions[0].label == "2");
    CHECK(plan.sessions[0].steps.size() == 2);  // not only the matching frame
    CHECK(plan.sessions[0].start_offset_ns == 0);
}

TEST_CASE("plan: waits are satisfied by counting within their methods", "[replay]") {
    const auto progress = [](std::vector<Method> methods) {
        replay::ChannelProgress p;
        for (const auto& m : methods)
            p.add(m);
        return p;
    };
    const Wait w{WaitReason::delivery, 1, {BasicDeliver::id, BasicGetOk::id}, 2, ""};
    CHECK_FALSE(replay::satisfied(w, progress({BasicConsumeOk{}, BasicDeliver{}})));
    CHECK_FALSE(replay::satisfied(w, progress({BasicDeliver{}, BasicAck{}})));
    CHECK(replay::satisfied(w, progress({BasicDeliver{}, BasicAck{}, BasicGetOk{}})));
    // Confirms count publish sequence numbers, however the broker groups them.
    const Wait c{WaitReason::confirm, 2, {BasicAck::id, BasicNack::id}, 3, ""};
    CHECK_FALSE(
        replay::satisfied(c, progress({BasicAck{.delivery_tag = 1}, BasicAck{.delivery_tag = 2}})));
    CHECK(replay::satisfied(c, progress({BasicAck{.delivery_tag = 3, .multiple = true}})));
}

TEST_CASE("plan: other channels' confirms gate what came after them", "[replay]") {
    capture::test::TempDir dir;
    const auto path = dir.file("c.amqpcap");
    {
        constexpr auto C = capture::Direction::client_to_broker;
        capture::CaptureWriter writer(path, analyze::test::blocking_writer());
        analyze::test::SessionBuilder s(writer, 1, 0);
        s.header(0)
            .client(1, 0, ConnectionOpen{.virtual_host = "/"})
            .broker(2, 0, ConnectionOpenOk{})
            .client(3, 2, ConfirmSelect{})
            .broker(4, 2, ConfirmSelectOk{})
            .client(5, 2, BasicPublish{.exchange = "x"})
            .content(5, C, 2, 1, 1)
            .client(6, 2, BasicPublish{.exchange = "x"})
            .content(6, C, 2, 1, 1)
            .broker(7, 2, BasicAck{.delivery_tag = 2, .multiple = true})
            .client(8, 1, BasicGet{.queue = "q"})
            .client(9, 1, BasicGet{.queue = "q"});
        s.end(10);
    }
    auto opened = analyze::test::open(path);
    const auto plan = replay::build_plan(opened.inputs, opened.selection).value();
    const auto& steps = plan.sessions[0].steps;
    REQUIRE(steps.size() == 5);
    const Wait confirm{WaitReason::confirm, 2, {BasicAck::id, BasicNack::id}, 2, "publish 2"};
    // The first get waits for the confirms (and confirm.select-ok) before it, once.
    CHECK(steps[3].waits ==
          std::vector<Wait>{{WaitReason::order, 2, {ConfirmSelectOk::id}, 1, ""}, confirm});
    CHECK(steps[4].waits.empty());
    // The publishes on the confirming channel itself do not wait for their own confirms.
    CHECK(steps[2].waits.empty());
}

TEST_CASE("plan: own-channel confirms gate what is not a publish", "[replay]") {
    // pika's BlockingChannel: each publish waits for its confirm, then a get.
    capture::test::TempDir dir;
    const auto path = dir.file("o.amqpcap");
    {
        constexpr auto C = capture::Direction::client_to_broker;
        capture::CaptureWriter writer(path, analyze::test::blocking_writer());
        analyze::test::SessionBuilder s(writer, 1, 0);
        s.header(0)
            .client(1, 0, ConnectionOpen{.virtual_host = "/"})
            .broker(2, 0, ConnectionOpenOk{})
            .client(3, 1, ConfirmSelect{})
            .broker(4, 1, ConfirmSelectOk{})
            .client(5, 1, BasicPublish{.exchange = "x"})
            .content(5, C, 1, 1, 1)
            .broker(6, 1, BasicAck{.delivery_tag = 1})
            .client(7, 1, BasicPublish{.exchange = "x"})
            .content(7, C, 1, 1, 1)
            .broker(8, 1, BasicAck{.delivery_tag = 2})
            .client(9, 1, BasicGet{.queue = "q"});
        s.end(10);
    }
    auto opened = analyze::test::open(path);
    const auto plan = replay::build_plan(opened.inputs, opened.selection).value();
    const auto& steps = plan.sessions[0].steps;
    REQUIRE(steps.size() == 4);
    CHECK(steps[2].waits.empty());  // the second publish: pipelined
    CHECK(
        steps[3].waits ==
        std::vector<Wait>{{WaitReason::confirm, 1, {BasicAck::id, BasicNack::id}, 2, "publish 2"}});
}

TEST_CASE("plan: the handshake ends with both the client's Open and the broker's Open-Ok",
          "[replay]") {
    capture::test::TempDir dir;
    const auto path = dir.file("h.amqpcap");
    {
        capture::CaptureWriter writer(path, analyze::test::blocking_writer());
        analyze::test::SessionBuilder s(writer, 1, 0);
        // Frames recorded out of order (two clocks): the Open-Ok comes first.
        s.header(0)
            .broker(1, 0, ConnectionOpenOk{})
            .client(2, 0, ConnectionOpen{.virtual_host = "/"})
            .client(3, 1, ChannelOpen{})
            .broker(4, 1, ChannelOpenOk{});
        s.end(5);
        analyze::test::SessionBuilder probe(writer, 2, 10);  // a port probe: no AMQP at all
        probe.end(11);
    }
    auto opened = analyze::test::open(path);
    const auto plan = replay::build_plan(opened.inputs, opened.selection).value();
    REQUIRE(plan.sessions.size() == 2);
    CHECK(plan.sessions[0].handshake_complete);
    REQUIRE(plan.sessions[0].steps.size() == 1);
    CHECK(std::holds_alternative<ChannelOpen>(plan.sessions[0].steps[0].method));
    CHECK(plan.sessions[0].expected.size() == 1);
    CHECK_FALSE(plan.sessions[1].handshake_complete);
    CHECK(plan.sessions[1].steps.empty());
}

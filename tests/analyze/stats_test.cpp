#include "analyze/stats.hpp"

#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../capture/capture_test_support.hpp"
#include "analysis_test_support.hpp"
#include "analyze/histogram.hpp"

using namespace amqpprox;
using namespace amqpprox::amqp;
using amqpprox::analyze::test::SessionBuilder;
using capture::Direction;

namespace {

constexpr auto C = Direction::client_to_broker;
constexpr auto B = Direction::broker_to_client;
constexpr double kMsD = 1e6;

// One session whose every latency is known: times are ms after the session's start.
void write_known_session(const std::string& path) {
    capture::CaptureWriter writer(path, analyze::test::blocking_writer());
    SessionBuilder s(writer, 1, 0);
    s.header(0)
        .broker(1, 0, ConnectionStart{.mechanisms = "PLAIN", .locales = "en_US"})
        .client(2, 0, ConnectionStartOk{.mechanism = "PLAIN", .response = std::string("\0u\0p", 4)})
        .broker(3, 0, ConnectionTune{.channel_max = 2047, .frame_max = 131072, .heartbeat = 1})
        .client(4, 0, ConnectionTuneOk{.channel_max = 2047, .frame_max = 131072, .heartbeat = 1})
        .client(5, 0, ConnectionOpen{.virtual_host = "/"})
        .broker(7, 0, ConnectionOpenOk{})  // connection.open: 2 ms
        .client(10, 1, ChannelOpen{})
        .broker(11, 1, ChannelOpenOk{})  // channel.open: 1 ms
        .client(12, 1, ConfirmSelect{})
        .broker(13, 1, ConfirmSelectOk{})
        .client(14, 1, QueueDeclare{.queue = "q"})
        .broker(19, 1, QueueDeclareOk{.queue = "q"})  // queue.declare: 5 ms
        // Three confirmed publishes: a multiple ack covers 1-2, a nack the third.
        .client(20, 1, BasicPublish{.exchange = "x", .routing_key = "k"})
        .content(20, C, 1, 10, 10)
        .client(21, 1, BasicPublish{.exchange = "x", .routing_key = "k"})
        .content(21, C, 1, 20, 20)
        .client(22, 1, BasicPublish{.exchange = "x", .routing_key = "k"})
        .content(22, C, 1, 30, 30)
        .broker(30, 1, BasicAck{.delivery_tag = 2, .multiple = true})  // 10 ms, 9 ms
        .broker(32, 1, BasicNack{.delivery_tag = 3})                   // 10 ms
        .client(33, 1, BasicQos{.prefetch_count = 10})
        .broker(34, 1, BasicQosOk{})
        .client(35, 1, BasicConsume{.queue = "q"})
        .broker(36, 1, BasicConsumeOk{.consumer_tag = "ctag"})
        .broker(40, 1,
                BasicDeliver{
                    .consumer_tag = "ctag", .delivery_tag = 1, .exchange = "x", .routing_key = "k"})
        .content(40, B, 1, 5, 5)
        .broker(41, 1,
                BasicDeliver{
                    .consumer_tag = "ctag", .delivery_tag = 2, .exchange = "x", .routing_key = "k"})
        .content(41, B, 1, 5, 5)
        .broker(42, 1,
                BasicDeliver{.consumer_tag = "ctag",
                             .delivery_tag = 3,
                             .redelivered = true,
                             .exchange = "x",
                             .routing_key = "k"})
        .content(42, B, 1, 5, 5)
        .client(90, 1, BasicAck{.delivery_tag = 2, .multiple = true})  // 50 ms, 49 ms
        .client(100, 1, BasicReject{.delivery_tag = 3})                // 58 ms
        .client(101, 1, BasicGet{.queue = "q", .no_ack = true})
        .broker(104, 1, BasicGetEmpty{})  // basic.get: 3 ms
        .broker(105, 0, ConnectionBlocked{.reason = "low on memory"})
        .broker(205, 0, ConnectionUnblocked{})  // blocked 100 ms
        // 3 s of client silence with a 1 s heartbeat: a miss.
        .client(3101, 1, QueueDeclare{.queue = "missing", .passive = true})
        .broker(3102, 1,
                ChannelClose{.reply_code = 404,
                             .reply_text = "NOT_FOUND - no queue 'missing' in vhost '/'",
                             .class_id = 50,
                             .method_id = 10})
        .client(3103, 1, ChannelCloseOk{})
        // A publish whose body never arrives in full.
        .client(3104, 2, ChannelOpen{})
        .broker(3105, 2, ChannelOpenOk{})
        .client(3106, 2, BasicPublish{.exchange = "y", .routing_key = "k"})
        .content(3106, C, 2, 100, 50)
        .end(3107);
    writer.close();
}

analyze::StatsReport known_report(const std::string& path) {
    write_known_session(path);
    return analyze::compute_stats(analyze::test::open(path).inputs, {},
                                  {analyze::Dimension::exchange, analyze::Dimension::queue});
}

}  // namespace

TEST_CASE("stats counts messages, acks and confirms", "[analyze][stats]") {
    capture::test::TempDir dir;
    const auto r = known_report(dir.file("k.amqpcap"));
    const auto& t = r.overall.traffic;
    CHECK(r.sessions == 1);
    CHECK(t.published == 4);
    CHECK(t.published_bytes == 160);
    CHECK(t.delivered == 3);
    CHECK(t.delivered_bytes == 15);
    CHECK(t.acked == 2);
    CHECK(t.rejected == 1);
    CHECK(t.nacked == 0);
    CHECK(t.redelivered == 1);
    CHECK(t.confirmed == 2);
    CHECK(t.confirm_nacked == 1);
    CHECK(r.incomplete_messages == 1);
    CHECK(r.undecodable == 0);
    CHECK(r.overall.methods.at(BasicPublish::id.key()) == 4);
    CHECK(r.overall.message_sizes.count() == 7);
    CHECK(r.overall.message_sizes.max() == 100);

    const auto& by_exchange = r.groups.at(analyze::Dimension::exchange);
    CHECK(by_exchange.at("x").traffic.published == 3);
    CHECK(by_exchange.at("x").traffic.delivered == 3);
    CHECK(by_exchange.at("y").traffic.published == 1);
    const auto& q = r.groups.at(analyze::Dimension::queue).at("q");
    CHECK(q.traffic.delivered == 3);
    CHECK(q.traffic.acked == 2);
    CHECK(q.traffic.rejected == 1);
    CHECK(q.latency.consumer.count() == 3);
}

TEST_CASE("stats latencies: RPCs, confirms, consumers, gets", "[analyze][stats]") {
    capture::test::TempDir dir;
    const auto r = known_report(dir.file("k.amqpcap"));
    const auto& l = r.overall.latency;
    REQUIRE(l.rpc.count("queue.declare") == 1);
    CHECK(l.rpc.at("queue.declare").count() == 1);  // the passive one was answered by a Close
    CHECK(l.rpc.at("queue.declare").percentile(50) == 5 * analyze::test::kMs);
    CHECK(l.rpc.at("connection.open").max() == 2 * analyze::test::kMs);
    CHECK(l.rpc.at("channel.open").count() == 2);
    CHECK(l.rpc.at("basic.consume").max() == 1 * analyze::test::kMs);
    CHECK(l.confirm.count() == 3);
    CHECK(l.confirm.min() == 9 * analyze::test::kMs);
    CHECK(l.confirm.max() == 10 * analyze::test::kMs);
    CHECK(l.consumer.count() == 3);
    CHECK(l.consumer.min() == 49 * analyze::test::kMs);
    CHECK(static_cast<double>(l.consumer.percentile(50)) == Approx(50 * kMsD).epsilon(0.01));
    CHECK(l.consumer.max() == 58 * analyze::test::kMs);
    CHECK(l.get.count() == 1);
    CHECK(l.get.max() == 3 * analyze::test::kMs);
}

TEST_CASE("stats reports errors, blocking, heartbeats and consumers", "[analyze][stats]") {
    capture::test::TempDir dir;
    const auto r = known_report(dir.file("k.amqpcap"));
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].code == 404);
    CHECK(r.errors[0].channel == 1);
    CHECK(r.errors[0].sent_by == "broker");
    CHECK(r.errors[0].failed_method == "Queue.Declare");
    REQUIRE(r.blocked.size() == 1);
    CHECK(r.blocked[0].reason == "low on memory");
    CHECK(*r.blocked[0].end_ns - r.blocked[0].start_ns == 100 * analyze::test::kMs);
    REQUIRE(r.heartbeats.size() == 1);
    CHECK(r.heartbeats[0].interval_s == 1);
    CHECK(r.heartbeats[0].client_misses == 1);
    CHECK(r.heartbeats[0].longest_client_silence_ns == 3000 * analyze::test::kMs);
    REQUIRE(r.consumers.size() == 1);
    const auto& c = r.consumers[0];
    CHECK(c.consumer_tag == "ctag");
    CHECK(c.queue == "q");
    CHECK(c.prefetch == 10);
    CHECK(c.delivered == 3);
    CHECK(c.settled == 3);
    CHECK(c.max_unacked == 3);
    CHECK(c.unacked_at_end == 0);
}

TEST_CASE("stats output forms", "[analyze][stats]") {
    capture::test::TempDir dir;
    const auto path = dir.file("k.amqpcap");
    write_known_session(path);
    const auto inputs = analyze::test::open(path).inputs;
    std::ostringstream out, err;
    analyze::StatsOptions options;
    options.format = analyze::OutputFormat::json;
    REQUIRE(analyze::run_stats(inputs, {}, options, out, err) == 0);
    const auto json = nlohmann::json::parse(out.str());
    CHECK(json["overall"]["traffic"]["published"] == 4);
    CHECK(json["overall"]["latency_ns"]["rpc"]["queue.declare"]["p50"] == 5'000'000);
    CHECK(json["by"]["queue"]["q"]["traffic"]["acked"] == 2);
    CHECK(json["errors"][0]["code"] == 404);

    std::ostringstream text;
    options.format = analyze::OutputFormat::text;
    REQUIRE(analyze::run_stats(inputs, {}, options, text, err) == 0);
    CHECK(text.str().find("Messages: published 4 (160 B), delivered 3 (15 B), acked 2, nacked 0, "
                          "rejected 1, returned 0, redelivered 1, confirmed 2, confirm-nacked 1") !=
          std::string::npos);
    CHECK(text.str().find("rpc.queue.declare     1      5.000 ms") != std::string::npos);

    std::ostringstream csv;
    options.format = analyze::OutputFormat::csv;
    REQUIRE(analyze::run_stats(inputs, {}, options, csv, err) == 0);
    CHECK(csv.str().find("overall,,traffic.published,4\r\n") != std::string::npos);
    CHECK(csv.str().find("queue,q,latency_ns.consumer.max,58000000\r\n") != std::string::npos);
}

TEST_CASE("stats on a frame it cannot decode says so and exits 2", "[analyze][stats]") {
    capture::test::TempDir dir;
    const auto path = dir.file("u.amqpcap");
    {
        capture::CaptureWriter writer(path, analyze::test::blocking_writer());
        SessionBuilder s(writer, 1, 0);
        s.header(0).raw(1, C, 1, FrameType::method,
                        Bytes{std::byte{0}, std::byte{60}, std::byte{0}, std::byte{99}});
        s.end(2);
    }
    const auto inputs = analyze::test::open(path).inputs;
    std::ostringstream out, err;
    CHECK(analyze::run_stats(inputs, {}, {}, out, err) == analyze::kExitBadInput);
    CHECK(err.str().find("1 frame(s) could not be decoded") != std::string::npos);
}

TEST_CASE("histogram percentiles stay within 1%", "[analyze][histogram]") {
    analyze::Histogram h;
    for (std::uint64_t v = 1; v <= 100'000; ++v)
        h.add(v * 1000);
    CHECK(h.count() == 100'000);
    CHECK(h.min() == 1000);
    CHECK(h.max() == 100'000'000);
    CHECK(static_cast<double>(h.percentile(50)) == Approx(50'000'000.0).epsilon(0.01));
    CHECK(static_cast<double>(h.percentile(90)) == Approx(90'000'000.0).epsilon(0.01));
    CHECK(static_cast<double>(h.percentile(99)) == Approx(99'000'000.0).epsilon(0.01));
    CHECK(h.percentile(100) == 100'000'000);
    analyze::Histogram empty;
    CHECK(empty.percentile(50) == 0);
    analyze::Histogram small;
    small.add(3);
    small.add(7);
    CHECK(small.percentile(50) == 3);
    CHECK(small.percentile(99) == 7);
}

TEST_CASE("stats counts unacked deliveries per consumer, not per channel", "[analyze][stats]") {
    capture::test::TempDir dir;
    const auto path = dir.file("two.amqpcap");
    {
        capture::CaptureWriter writer(path, analyze::test::blocking_writer());
        SessionBuilder s(writer, 1, 0);
        s.header(0)
            .client(1, 1, BasicConsume{.queue = "a", .consumer_tag = "ca"})
            .broker(2, 1, BasicConsumeOk{.consumer_tag = "ca"})
            .client(3, 1, BasicConsume{.queue = "b", .consumer_tag = "cb"})
            .broker(4, 1, BasicConsumeOk{.consumer_tag = "cb"});
        // Interleaved on one channel: a gets tags 1, 3; b gets 2, 4, 5.
        for (std::uint64_t tag = 1; tag <= 5; ++tag) {
            s.broker(10 + static_cast<std::int64_t>(tag), 1,
                     BasicDeliver{.consumer_tag = tag == 1 || tag == 3 ? "ca" : "cb",
                                  .delivery_tag = tag})
                .content(10 + static_cast<std::int64_t>(tag), B, 1, 1, 1);
        }
        s.client(20, 1, BasicAck{.delivery_tag = 4, .multiple = true});  // 1-4; 5 stays
        s.end(21);
    }
    const auto r = analyze::compute_stats(analyze::test::open(path).inputs, {}, {});
    REQUIRE(r.consumers.size() == 2);
    const auto& a = r.consumers[0];
    const auto& b = r.consumers[1];
    CHECK(a.consumer_tag == "ca");
    CHECK(a.max_unacked == 2);
    CHECK(a.unacked_at_end == 0);
    CHECK(b.consumer_tag == "cb");
    CHECK(b.max_unacked == 3);
    CHECK(b.settled == 2);
    CHECK(b.unacked_at_end == 1);
}

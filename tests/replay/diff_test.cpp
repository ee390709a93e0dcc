#include "replay/diff.hpp"

#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "formats/amqp/content.hpp"
#include "replay/report.hpp"

using namespace amqpprox;
using namespace amqpprox::amqp;
using replay::DifferenceKind;
using replay::Frame;

namespace {

Frame method(std::uint16_t channel, const Method& m) {
    Frame f{.channel = channel, .type = FrameType::method};
    REQUIRE(encode_method(m, f.payload));
    f.size = static_cast<std::uint32_t>(f.payload.size());
    return f;
}

Frame header(std::uint16_t channel, const BasicProperties& properties, std::uint64_t body_size) {
    Frame f{.channel = channel, .type = FrameType::header};
    REQUIRE(encode_content_header({.body_size = body_size, .properties = properties}, f.payload));
    f.size = static_cast<std::uint32_t>(f.payload.size());
    return f;
}

Frame body(std::uint16_t channel, std::string_view text) {
    Frame f{.channel = channel, .type = FrameType::body, .payload = to_bytes(text)};
    f.size = static_cast<std::uint32_t>(f.payload.size());
    return f;
}

}  // namespace

TEST_CASE("diff: equal sessions, and what is normalised", "[replay]") {
    const std::vector<Frame> recorded{
        method(0, ConnectionStart{.version_minor = 9, .mechanisms = "PLAIN AMQPLAIN"}),
        method(1, ChannelOpenOk{}),
        method(1, QueueDeclareOk{.queue = "q", .message_count = 3, .consumer_count = 1}),
        method(1, BasicGetOk{.delivery_tag = 1, .exchange = "x", .message_count = 2}),
        header(1, {.content_type = "text/plain", .timestamp = 1'700'000'000}, 5),
        body(1, "hello"),
    };
    auto replayed = recorded;
    // Another broker, another moment.
    FieldTable server;
    server.entries.push_back({"product", FieldValue{std::string("RabbitMQ")}});
    replayed[0] = method(
        0, ConnectionStart{.version_minor = 9, .server_properties = server, .mechanisms = "PLAIN"});
    replayed[4] = header(1, {.content_type = "text/plain", .timestamp = 1'800'000'000}, 5);
    CHECK(replay::diff_frames(recorded, replayed).empty());

    // Counts differ: a difference unless loose.
    replayed[2] = method(1, QueueDeclareOk{.queue = "q", .message_count = 0});
    replayed[3] = method(1, BasicGetOk{.delivery_tag = 1, .exchange = "x", .message_count = 0});
    CHECK(replay::diff_frames(recorded, replayed).size() == 2);
    CHECK(replay::diff_frames(recorded, replayed, {.loose = true}).empty());

    // A body the capture cut compares by its start and its size.
    auto cut = recorded;
    cut[5].payload.resize(2);
    CHECK(replay::diff_frames(cut, recorded).empty());
    auto other = recorded;
    other[5] = body(1, "help!");
    CHECK(replay::diff_frames(cut, other).empty());  // same first 2 bytes
    other[5] = body(1, "world");
    CHECK(replay::diff_frames(cut, other).size() == 1);
}

TEST_CASE("diff: missing, extra and different frames with channel and position", "[replay]") {
    const std::vector<Frame> recorded{
        method(1, ChannelOpenOk{}), method(2, ChannelOpenOk{}), method(1, ExchangeDeclareOk{}),
        method(1, QueueBindOk{}),   method(2, BasicQosOk{}),
    };
    // Channel 1: the bind-ok is missing; channel 2: a channel.close where qos-ok was, and an
    // extra frame after it; channel 3 was never in the recording.
    const std::vector<Frame> replayed{
        method(1, ChannelOpenOk{}),
        method(2, ChannelOpenOk{}),
        method(1, ExchangeDeclareOk{}),
        method(2,
               ChannelClose{
                   .reply_code = 404, .reply_text = "NOT_FOUND", .class_id = 60, .method_id = 10}),
        method(2, ChannelCloseOk{}),
        method(3, ChannelOpenOk{}),
    };
    const auto d = replay::diff_frames(recorded, replayed);
    REQUIRE(d.size() == 4);
    CHECK(d[0].kind == DifferenceKind::missing);
    CHECK(d[0].channel == 1);
    CHECK(d[0].position == 3);
    CHECK(d[0].recorded == "Queue.Bind-Ok");
    CHECK(d[1].kind == DifferenceKind::different);
    CHECK(d[1].channel == 2);
    CHECK(d[1].position == 2);
    CHECK(d[1].recorded == "Basic.Qos-Ok");
    CHECK_THAT(d[1].replayed, Catch::Contains("Channel.Close") && Catch::Contains("404"));
    CHECK(d[2].kind == DifferenceKind::extra);
    CHECK(d[2].channel == 2);
    CHECK(d[2].position == 3);
    CHECK(d[3].kind == DifferenceKind::extra);
    CHECK(d[3].channel == 3);
    CHECK(d[3].position == 1);

    // An inserted frame is extra, not a cascade of differences.
    auto inserted = recorded;
    inserted.insert(inserted.begin() + 1, method(1, BasicAck{.delivery_tag = 1}));
    const auto e = replay::diff_frames(recorded, inserted);
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == DifferenceKind::extra);
    CHECK(e[0].position == 2);
}

TEST_CASE("report: text, JSON and JUnit, and the exit code", "[replay]") {
    const std::vector<Frame> recorded{method(1, ChannelOpenOk{}), method(1, QueueBindOk{})};
    const std::vector<Frame> replayed{method(1, ChannelOpenOk{})};
    replay::Report report;
    report.sessions.push_back(replay::compare_session("1", recorded, recorded, {}));
    CHECK(report.exit_code() == 0);
    report.sessions.push_back(replay::compare_session("2", recorded, replayed, {}));
    CHECK(report.exit_code() == 1);

    std::ostringstream text;
    replay::write_text(text, report);
    CHECK_THAT(text.str(), Catch::Contains("session 1: equal (2 recorded, 2 replayed"));
    CHECK_THAT(text.str(), Catch::Contains("session 2: different") &&
                               Catch::Contains("channel 1 #2 missing: expected Queue.Bind-Ok") &&
                               Catch::Contains("2 sessions: 1 equal, 1 different, 0 errors"));

    std::ostringstream json;
    replay::write_json(json, report);
    const auto j = nlohmann::json::parse(json.str());
    CHECK(j["result"] == "different");
    CHECK(j["sessions"][1]["differences"][0]["kind"] == "missing");
    CHECK(j["sessions"][1]["differences"][0]["channel"] == 1);
    CHECK(j["sessions"][1]["differences"][0]["position"] == 2);

    report.sessions.push_back({.label = "3",
                               .status = replay::SessionStatus::error,
                               .error = "connection refused <127.0.0.1:1>"});
    CHECK(report.exit_code() == 2);
    std::ostringstream junit;
    replay::write_junit(junit, report);
    CHECK_THAT(junit.str(),
               Catch::Contains("tests=\"3\" failures=\"1\" errors=\"1\"") &&
                   Catch::Contains("<testcase classname=\"amqp-replay\" name=\"session 1\"/>") &&
                   Catch::Contains("<failure message=\"1 differences\">") &&
                   Catch::Contains("connection refused &lt;127.0.0.1:1&gt;"));
}

TEST_CASE("diff: multiple confirms compare as the single confirms they stand for", "[replay]") {
    const std::vector<Frame> recorded{
        method(1, ConfirmSelectOk{}),
        method(1, BasicAck{.delivery_tag = 1}),
        method(1, BasicAck{.delivery_tag = 2}),
        method(1, BasicAck{.delivery_tag = 3}),
        method(1, BasicNack{.delivery_tag = 4}),
    };
    const std::vector<Frame> replayed{
        method(1, ConfirmSelectOk{}),
        method(1, BasicAck{.delivery_tag = 3, .multiple = true}),
        method(1, BasicNack{.delivery_tag = 4, .multiple = true}),
    };
    CHECK(replay::diff_frames(recorded, replayed).empty());
    const std::vector<Frame> fewer{
        method(1, ConfirmSelectOk{}),
        method(1, BasicAck{.delivery_tag = 2, .multiple = true}),
        method(1, BasicNack{.delivery_tag = 4, .multiple = true}),
    };
    const auto d = replay::diff_frames(recorded, fewer);
    REQUIRE(d.size() == 1);
    CHECK(d[0].kind == DifferenceKind::different);
    CHECK(d[0].position == 4);
    CHECK(d[0].recorded == "Basic.Ack delivery_tag=3 multiple=false");
}

TEST_CASE("report: a skipped session does not change the exit code", "[replay]") {
    replay::Report report;
    report.sessions.push_back({.label = "1"});
    report.sessions.push_back(
        {.label = "2", .status = replay::SessionStatus::skipped, .error = "nothing to replay"});
    CHECK(report.exit_code() == 0);
    std::ostringstream text;
    replay::write_text(text, report);
    CHECK_THAT(text.str(), Catch::Contains("session 2: skipped: nothing to replay") &&
                               Catch::Contains("0 errors, 1 skipped"));
    std::ostringstream junit;
    replay::write_junit(junit, report);
    CHECK_THAT(junit.str(), Catch::Contains("skipped=\"1\"") &&
                                Catch::Contains("<skipped message=\"nothing to replay\"/>"));
}

TEST_CASE("report: latencies per request method, with percentiles", "[replay]") {
    CHECK(replay::percentiles({}) == replay::Percentiles{});
    std::vector<std::int64_t> hundred;
    for (std::int64_t i = 100; i >= 1; --i)
        hundred.push_back(i);
    CHECK(replay::percentiles(hundred) == replay::Percentiles{50, 99, 100});

    replay::Report report;
    report.sessions.push_back({.label = "1",
                               .latencies = {{"Queue.Declare", 2'000'000, 3'000'000},
                                             {"Queue.Declare", 4'000'000, 5'000'000},
                                             {"Channel.Open", 1'000'000, 1'500'000},
                                             {"Basic.Publish confirm", 700'000, 900'000}}});
    std::ostringstream text;
    replay::write_text(text, report);
    CHECK_THAT(text.str(),
               Catch::Contains("  Queue.Declare x2: 2.000 ms -> 3.000 ms, 4.000 ms -> 5.000 ms, "
                               "4.000 ms -> 5.000 ms\n"));
    std::ostringstream json;
    replay::write_json(json, report);
    const auto j = nlohmann::json::parse(json.str());
    CHECK(j["latency_ns"]["Channel.Open"]["count"] == 1);
    CHECK(j["latency_ns"]["Queue.Declare"]["replayed"]["p50"] == 3'000'000);
    CHECK(j["latency_ns"]["Queue.Declare"]["recorded"]["max"] == 4'000'000);
    // Publisher confirms sit next to the requests, in all three forms.
    CHECK_THAT(text.str(), Catch::Contains("  Basic.Publish confirm x1: 0.700 ms -> 0.900 ms"));
    CHECK(j["latency_ns"]["Basic.Publish confirm"]["replayed"]["max"] == 900'000);
    std::ostringstream junit;
    replay::write_junit(junit, report);
    CHECK_THAT(junit.str(),
               Catch::Contains("<system-out>latency of synchronous requests and publisher "
                               "confirms") &&
                   Catch::Contains("  Basic.Publish confirm x1: 0.700 ms -&gt; 0.900 ms"));
}

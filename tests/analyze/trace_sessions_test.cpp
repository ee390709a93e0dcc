#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../capture/capture_test_support.hpp"
#include "analysis_test_support.hpp"
#include "analyze/selection_options.hpp"
#include "analyze/session_list.hpp"
#include "analyze/trace.hpp"
#include "capture/sqlite.hpp"

using namespace amqpprox;
using namespace amqpprox::amqp;
using amqpprox::analyze::test::SessionBuilder;
using capture::Direction;

namespace {

// Two short sessions: one closed by the client, one refused by the broker.
void write_two_sessions(const std::string& path) {
    capture::CaptureWriter writer(path, analyze::test::blocking_writer());
    SessionBuilder a(writer, 7, 0);
    SessionBuilder b(writer, 8, 2);
    a.header(0).broker(
        1, 0,
        ConnectionStart{
            .version_major = 0, .version_minor = 9, .mechanisms = "PLAIN", .locales = "en_US"});
    b.header(2);
    a.client(3, 0, ConnectionOpen{.virtual_host = "/"})
        .client(4, 1, BasicPublish{.exchange = "x", .routing_key = "k"})
        .content(4, Direction::client_to_broker, 1, 5, 5)
        .raw(5, Direction::client_to_broker, 0, FrameType::heartbeat, {});
    b.broker(
        6, 0,
        ConnectionClose{.reply_code = 403, .reply_text = "ACCESS_REFUSED - Login was refused"});
    b.end(7);
    a.client(8, 0, ConnectionClose{.reply_code = 200, .reply_text = "bye"})
        .broker(9, 0, ConnectionCloseOk{});
    a.end(10);
    writer.close();
}

std::size_t lines_of(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

using analyze::test::open;

}  // namespace

TEST_CASE("trace prints frames of all sessions in time order", "[analyze][trace]") {
    capture::test::TempDir dir;
    const auto path = dir.file("t.amqpcap");
    write_two_sessions(path);
    auto [inputs, selection] = open(path);
    std::ostringstream out, err;
    REQUIRE(analyze::print_trace(inputs, selection, {}, out, err) == 0);
    CHECK(out.str() ==
          "2023-11-14T22:13:20.000000Z  7  C->B  ch0  Protocol-Header AMQP 0-9-1\n"
          "2023-11-14T22:13:20.001000Z  7  C<-B  ch0  Connection.Start version_major=0 "
          "version_minor=9 server_properties={} mechanisms=\"PLAIN\" locales=\"en_US\"\n"
          "2023-11-14T22:13:20.002000Z  8  C->B  ch0  Protocol-Header AMQP 0-9-1\n"
          "2023-11-14T22:13:20.003000Z  7  C->B  ch0  Connection.Open virtual_host=\"/\"\n"
          "2023-11-14T22:13:20.004000Z  7  C->B  ch1  Basic.Publish exchange=\"x\" "
          "routing_key=\"k\" mandatory=false immediate=false\n"
          "2023-11-14T22:13:20.004000Z  7  C->B  ch1  Content-Header body_size=5\n"
          "2023-11-14T22:13:20.004000Z  7  C->B  ch1  Content-Body 5 bytes\n"
          "2023-11-14T22:13:20.006000Z  8  C<-B  ch0  Connection.Close reply_code=403 "
          "reply_text=\"ACCESS_REFUSED - Login was refused\" class_id=0 method_id=0\n"
          "2023-11-14T22:13:20.008000Z  7  C->B  ch0  Connection.Close reply_code=200 "
          "reply_text=\"bye\" class_id=0 method_id=0\n"
          "2023-11-14T22:13:20.009000Z  7  C<-B  ch0  Connection.Close-Ok\n");

    std::ostringstream with_heartbeats, bodies;
    analyze::TraceOptions options;
    options.heartbeats = true;
    REQUIRE(analyze::print_trace(inputs, selection, options, with_heartbeats, err) == 0);
    CHECK(with_heartbeats.str().find("  7  C->B  ch0  Heartbeat\n") != std::string::npos);
    options.body_preview = 3;
    REQUIRE(analyze::print_trace(inputs, selection, options, bodies, err) == 0);
    CHECK(bodies.str().find("Content-Body 5 bytes \"xxx\"") != std::string::npos);
}

TEST_CASE("trace filters and JSON lines", "[analyze][trace]") {
    capture::test::TempDir dir;
    const auto path = dir.file("t.amqpcap");
    write_two_sessions(path);
    {
        auto [inputs, selection] = open(path, {.sessions = {"8"}});
        std::ostringstream out, err;
        analyze::TraceOptions options;
        options.format = analyze::OutputFormat::json;
        REQUIRE(analyze::print_trace(inputs, selection, options, out, err) == 0);
        std::istringstream lines(out.str());
        std::string line;
        std::vector<nlohmann::json> rows;
        while (std::getline(lines, line))
            rows.push_back(nlohmann::json::parse(line));
        REQUIRE(rows.size() == 2);
        CHECK(rows[1]["session"] == "8");
        CHECK(rows[1]["from"] == "broker");
        CHECK(rows[1]["method"]["method"] == "connection.close");
        CHECK(rows[1]["method"]["arguments"]["reply_code"] == 403);
    }
    {
        auto [inputs, selection] =
            open(path, {.methods = {"Basic.Publish", "connection.close-ok"}});
        std::ostringstream out, err;
        REQUIRE(analyze::print_trace(inputs, selection, {}, out, err) == 0);
        CHECK(lines_of(out.str()) == 2);
    }
    {
        auto [inputs, selection] = open(path, {.exchange = "nope"});
        std::ostringstream out, err;
        CHECK(analyze::print_trace(inputs, selection, {}, out, err) ==
              analyze::kExitNothingMatched);
        CHECK(err.str() == "amqp-analyze: no frames matched\n");
    }
    {
        auto [inputs, selection] =
            open(path, {.from = "2023-11-14T22:13:20.004", .to = "@1700000000.006"});
        std::ostringstream out, err;
        REQUIRE(analyze::print_trace(inputs, selection, {}, out, err) == 0);
        CHECK(lines_of(out.str()) == 3);
    }
}

TEST_CASE("sessions lists who connected and how each session ended", "[analyze][sessions]") {
    capture::test::TempDir dir;
    const auto path = dir.file("t.amqpcap");
    write_two_sessions(path);
    auto [inputs, selection] = open(path);
    std::ostringstream out, err;
    REQUIRE(analyze::print_sessions(inputs, selection, {}, out, err) == 0);
    std::istringstream lines(out.str());
    std::string header, first, second;
    std::getline(lines, header);
    std::getline(lines, first);
    std::getline(lines, second);
    CHECK(header.rfind("SESSION  START", 0) == 0);
    CHECK(first.rfind("7        2023-11-14T22:13:20.000000Z  0.010 s   127.0.0.1:40000", 0) == 0);
    CHECK(first.find("  /      ") != std::string::npos);
    CHECK(first.find(" 1          0          ") != std::string::npos);  // published, delivered
    CHECK(first.substr(first.size() - 21) == "client closed 200 bye");
    CHECK(second.find("broker closed 403 ACCESS_REFUSED - Login was refused") != std::string::npos);

    std::ostringstream csv;
    REQUIRE(analyze::print_sessions(inputs, selection, {.format = analyze::OutputFormat::csv}, csv,
                                    err) == 0);
    CHECK(csv.str().find("SESSION,START,DURATION,CLIENT,BACKEND,VHOST,USER,NAME,CHANNELS,"
                         "PUBLISHED,DELIVERED,BYTES,END\r\n") == 0);

    // A frame filter keeps only the sessions with a matching frame.
    auto [inputs2, only_publishers] = open(path, {.methods = {"basic.publish"}});
    std::ostringstream filtered;
    REQUIRE(analyze::print_sessions(inputs2, only_publishers,
                                    {.format = analyze::OutputFormat::json}, filtered, err) == 0);
    const auto row = nlohmann::json::parse(filtered.str());
    CHECK(row["session"] == "7");
    CHECK(row["published"] == 1);
    CHECK(row["end"] == "client closed");
}

TEST_CASE("selection errors say what is accepted", "[analyze][selection]") {
    capture::test::TempDir dir;
    const auto path = dir.file("t.amqpcap");
    write_two_sessions(path);
    auto inputs = analyze::InputSet::open({path});
    REQUIRE(inputs);
    auto bad_method = analyze::make_selection({.methods = {"Basic.Pubish"}}, *inputs);
    REQUIRE(!bad_method);
    CHECK(bad_method.error().find("unknown method 'Basic.Pubish'") == 0);
    auto bad_time = analyze::make_selection({.from = "yesterday"}, *inputs);
    REQUIRE(!bad_time);
    CHECK(bad_time.error().find("--from: bad time 'yesterday': give UTC as") == 0);
    auto bad_session = analyze::make_selection({.sessions = {"99"}}, *inputs);
    REQUIRE(!bad_session);
    CHECK(bad_session.error().find("no session '99'") == 0);
    CHECK(analyze::parse_method_names("basic").value().size() == 18);
    CHECK(analyze::parse_time("@1.5").value() == 1'500'000'000);
    CHECK(analyze::parse_time("1970-01-01 00:00:02Z").value() == 2'000'000'000);
}

TEST_CASE("inputs: missing and non-capture files are clear errors", "[analyze][inputs]") {
    capture::test::TempDir dir;
    auto missing = analyze::InputSet::open({dir.file("nope.amqpcap")});
    REQUIRE(!missing);
    CHECK(missing.error().message.find("no such file") != std::string::npos);
    std::ofstream(dir.file("junk.amqpcap")) << "not a database at all, just some text";
    auto junk = analyze::InputSet::open({dir.file("junk.amqpcap")});
    REQUIRE(!junk);
    CHECK(junk.error().message.find("not a capture file") != std::string::npos);
}

TEST_CASE("an empty capture matches nothing; gaps show in the trace", "[analyze][trace]") {
    capture::test::TempDir dir;
    const auto empty = dir.file("e.amqpcap");
    capture::CaptureWriter(empty, analyze::test::blocking_writer()).close();
    {
        auto [inputs, selection] = open(empty);
        std::ostringstream out, err;
        CHECK(analyze::print_trace(inputs, selection, {}, out, err) ==
              analyze::kExitNothingMatched);
        CHECK(analyze::print_sessions(inputs, selection, {}, out, err) ==
              analyze::kExitNothingMatched);
        CHECK(err.str() == "amqp-analyze: no frames matched\namqp-analyze: no sessions matched\n");
    }
    const auto path = dir.file("g.amqpcap");
    write_two_sessions(path);
    {
        // What the writer records when its queue overflows (see the capture tests).
        capture::Database db(path, capture::Database::Mode::read_write_create);
        db.exec(
            "INSERT INTO gaps(session, ts_ns, direction, frames, bytes, reason) VALUES "
            "(7, 1700000000003500000, 0, 12, 3400, 'writer overflow'),"
            "(7, 1700000000003600000, NULL, 2, 300, 'writer overflow')");
    }
    auto [inputs, selection] = open(path);
    std::ostringstream out, err;
    REQUIRE(analyze::print_trace(inputs, selection, {}, out, err) == 0);
    CHECK(out.str().find("Connection.Open virtual_host=\"/\"\n"
                         "2023-11-14T22:13:20.003500Z  7  C->B  -- gap: 12 frames, 3400 bytes "
                         "not recorded (writer overflow)\n"
                         "2023-11-14T22:13:20.003600Z  7  ----  -- gap: 2 frames, 300 bytes "
                         "not recorded (writer overflow)\n"
                         "2023-11-14T22:13:20.004000Z  7  C->B  ch1  Basic.Publish") !=
          std::string::npos);
}

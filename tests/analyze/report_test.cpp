#include "analyze/report.hpp"

#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "../capture/capture_test_support.hpp"
#include "analysis_test_support.hpp"
#include "analyze/histogram.hpp"
#include "analyze/html.hpp"
#include "analyze/sequence_diagram.hpp"
#include "analyze/stats.hpp"
#include "analyze/svg_chart.hpp"

using namespace amqpprox;
using namespace amqpprox::amqp;
using amqpprox::analyze::test::SessionBuilder;
using capture::Direction;

namespace {

constexpr auto C = Direction::client_to_broker;

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// Two sessions: a quiet one, and a busy one that publishes with confirms, consumes with
// acks, and names a queue full of markup.
void write_capture(const std::string& path) {
    capture::CaptureWriter writer(path, analyze::test::blocking_writer());
    SessionBuilder quiet(writer, 1, 0);
    quiet.header(0)
        .client(1, 0, ConnectionOpen{.virtual_host = "/"})
        .broker(2, 0, ConnectionOpenOk{});
    SessionBuilder busy(writer, 2, 10);
    busy.header(10)
        .client(11, 0, ConnectionOpen{.virtual_host = "/"})
        .broker(12, 0, ConnectionOpenOk{})
        .client(13, 1, ChannelOpen{})
        .broker(14, 1, ChannelOpenOk{})
        .client(15, 1, ConfirmSelect{})
        .broker(16, 1, ConfirmSelectOk{})
        .client(17, 1, QueueDeclare{.queue = "<script>alert(1)</script>"})
        .broker(19, 1, QueueDeclareOk{.queue = "<script>alert(1)</script>"})
        .client(20, 1, BasicPublish{.exchange = "x", .routing_key = "k&\"'"})
        .content(20, C, 1, 100, 100)
        .broker(25, 1, BasicAck{.delivery_tag = 1})
        .client(30, 1, BasicConsume{.queue = "<script>alert(1)</script>"})
        .broker(31, 1, BasicConsumeOk{.consumer_tag = "ctag"})
        .broker(40, 1, BasicDeliver{.consumer_tag = "ctag", .delivery_tag = 1, .exchange = "x"})
        .content(40, Direction::broker_to_client, 1, 100, 100)
        .client(45, 1, BasicAck{.delivery_tag = 1})
        .client(50, 0, ConnectionClose{.reply_code = 200, .reply_text = "bye"})
        .broker(51, 0, ConnectionCloseOk{});
    busy.end(52);
    quiet.end(60);
    writer.close();
}

std::string report(const std::string& path, analyze::ReportOptions options = {},
                   int expected_status = 0) {
    auto [inputs, selection] = analyze::test::open(path);
    std::ostringstream out, err;
    CHECK(analyze::write_report(inputs, selection, options, out, err) == expected_status);
    return out.str() + err.str();
}

}  // namespace

TEST_CASE("html escaping makes capture text inert", "[analyze][report]") {
    using analyze::html::escape;
    CHECK(escape("plain queue.name") == "plain queue.name");
    CHECK(escape("<script>alert('x')</script>") ==
          "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    CHECK(escape("a&b \"q\"") == "a&amp;b &quot;q&quot;");
    CHECK(escape("caf\xC3\xA9") == "caf\xC3\xA9");  // UTF-8 passes
    CHECK(escape("bad\xFF"
                 "byte") ==
          "bad\xEF\xBF\xBD"
          "byte");  // not UTF-8: U+FFFD
    CHECK(escape(std::string("nul\0esc\x1B", 8)) ==
          "nul\xEF\xBF\xBD"
          "esc\xEF\xBF\xBD");
    CHECK(escape("tab\tnl\n") == "tab\tnl\n");
}

TEST_CASE("nice ticks are round and cover the maximum", "[analyze][report]") {
    using analyze::nice_ticks;
    CHECK(nice_ticks(0) == std::vector<double>{0, 1});
    CHECK(nice_ticks(10) == std::vector<double>{0, 2, 4, 6, 8, 10});
    CHECK(nice_ticks(7) == std::vector<double>{0, 2, 4, 6, 8});
    CHECK(nice_ticks(0.3).size() == 4);
    CHECK(nice_ticks(1234).back() >= 1234);
}

TEST_CASE("a line chart has axes, ticks, and one point per value", "[analyze][report]") {
    analyze::LineChart chart{"Rates <1>", "seconds", "msg/s", {}};
    chart.series.push_back({"published", "#123456", {{0, 0}, {1, 5}, {2, 10}}});
    chart.series.push_back({"acked & <b>", "#654321", {{0, 1}, {2, 2}}});
    const auto svg = analyze::render_line_chart(chart);
    CHECK(svg.starts_with("<svg class=\"chart line-chart\""));
    CHECK(svg.ends_with("</svg>\n"));
    CHECK(count(svg, "class=\"axis x-axis\"") == 1);
    CHECK(count(svg, "class=\"axis y-axis\"") == 1);
    CHECK(count(svg, "<polyline class=\"series\"") == 2);
    CHECK(count(svg, "<circle class=\"point\"") == 5);
    // y ticks 0..10 by 2; x ticks at 0, 0.5, ... 2 (nice steps of the 2 s span).
    CHECK(count(svg, "class=\"tick y-tick\"") == 6);
    CHECK(svg.find(">10</text>") != std::string::npos);
    CHECK(count(svg, "class=\"tick x-tick\"") == 5);
    // The plot is 506 wide from x=64, 224 high from y=28: (2, 10) is the top right corner.
    CHECK(svg.find("points=\"64.0,252.0 317.0,140.0 570.0,28.0\"") != std::string::npos);
    CHECK(svg.find("Rates &lt;1&gt;") != std::string::npos);
    CHECK(svg.find("acked &amp; &lt;b&gt;") != std::string::npos);
    CHECK(svg.find("<b>") == std::string::npos);
}

TEST_CASE("an empty chart says so", "[analyze][report]") {
    const auto svg = analyze::render_line_chart({"Latency", "s", "ms", {}});
    CHECK(svg.find("no data") != std::string::npos);
    CHECK(count(svg, "class=\"point\"") == 0);
    CHECK(count(analyze::render_bar_chart({"Sizes", "bytes", "count", "#000", {}}), "no data") ==
          1);
}

TEST_CASE("a bar chart draws one bar per bucket with its height", "[analyze][report]") {
    analyze::BarChart chart{"Sizes", "bytes", "count", "#123", {{"1", 4}, {"2", 2}, {"4", 0}}};
    const auto svg = analyze::render_bar_chart(chart);
    CHECK(svg.starts_with("<svg class=\"chart bar-chart\""));
    CHECK(count(svg, "<rect class=\"bar\"") == 3);
    CHECK(count(svg, "class=\"axis x-axis\"") == 1);
    CHECK(svg.find("height=\"224.0\"") != std::string::npos);  // 4 of 4: the full height
    CHECK(svg.find("height=\"112.0\"") != std::string::npos);  // 2 of 4
    CHECK(svg.find("<title>2: 2</title>") != std::string::npos);
}

TEST_CASE("histogram ranges are powers of two from min to max", "[analyze][report]") {
    analyze::Histogram h;
    CHECK(h.power_of_two_ranges().empty());
    for (const std::uint64_t v : {3u, 3u, 5u, 20u, 1000u})
        h.add(v);
    const auto ranges = h.power_of_two_ranges();
    REQUIRE(ranges.size() == 9);  // [2,4) ... [512,1024)
    CHECK(ranges[0].low == 2);
    CHECK(ranges[0].high == 4);
    CHECK(ranges[0].count == 2);
    CHECK(ranges[1].count == 1);  // 5
    CHECK(ranges[2].count == 0);  // [8,16)
    CHECK(ranges[3].count == 1);  // 20
    CHECK(ranges[8].low == 512);
    CHECK(ranges[8].count == 1);
    analyze::Histogram zero;
    zero.add(0);
    zero.add(1);
    REQUIRE(zero.power_of_two_ranges().size() == 2);
    CHECK(zero.power_of_two_ranges()[0].high == 1);
}

TEST_CASE("the stats timeline buckets messages and latencies", "[analyze][report]") {
    capture::test::TempDir dir;
    const auto path = dir.file("t.amqpcap");
    write_capture(path);
    auto [inputs, selection] = analyze::test::open(path);
    CHECK(analyze::compute_stats(inputs, selection, {}).timeline.buckets.empty());

    // 51 ms of records in at most 8 buckets: 1 ms doubles to 8 ms (buckets 0 to 6).
    const auto t = analyze::compute_stats(inputs, selection, {}, 8).timeline;
    CHECK(t.start_ns == analyze::test::kT0);
    CHECK(t.bucket_ns == 8 * analyze::test::kMs);
    REQUIRE(t.buckets.size() == 7);
    CHECK(t.buckets[2].published == 1);        // 20 ms
    CHECK(t.buckets[3].confirm.count() == 1);  // acked at 25 ms
    CHECK(t.buckets[3].confirm.max() == 5 * analyze::test::kMs);
    CHECK(t.buckets[5].delivered == 1);  // 40 ms
    CHECK(t.buckets[5].acked == 1);      // 45 ms
    CHECK(t.buckets[5].consumer.max() == 5 * analyze::test::kMs);
    std::uint64_t rpcs = 0;
    for (const auto& b : t.buckets)
        rpcs += b.rpc.count();
    // Two connection.open; channel.open, confirm.select, queue.declare, basic.consume and
    // connection.close.
    CHECK(rpcs == 7);
}

TEST_CASE("a sequence diagram draws methods in order and notes a cut", "[analyze][report]") {
    capture::test::TempDir dir;
    const auto path = dir.file("s.amqpcap");
    write_capture(path);
    auto [inputs, selection] = analyze::test::open(path);
    const auto* busy = inputs.find({0, 2});
    REQUIRE(busy);
    const auto all = analyze::collect_sequence(inputs, selection, *busy, 100);
    CHECK(all.methods == 17);  // the protocol header and 16 methods
    REQUIRE(all.arrows.size() == 17);
    CHECK(all.arrows[0].text == "Protocol-Header AMQP 0-9-1");
    CHECK(all.arrows[9].text.starts_with("Basic.Publish"));
    const auto svg = analyze::render_sequence(all);
    CHECK(count(svg, "<g class=\"arrow ") == 17);
    CHECK(count(svg, "cut-note") == 0);
    CHECK(svg.find("&lt;script&gt;") != std::string::npos);
    CHECK(svg.find("<script>") == std::string::npos);

    const auto cut = analyze::collect_sequence(inputs, selection, *busy, 5);
    CHECK(cut.methods == 17);
    CHECK(cut.arrows.size() == 5);
    const auto cut_svg = analyze::render_sequence(cut);
    CHECK(count(cut_svg, "<g class=\"arrow ") == 5);
    CHECK(cut_svg.find("first 5 of 17 methods shown") != std::string::npos);
}

TEST_CASE("report holds the sessions, charts and the busiest session's sequence",
          "[analyze][report]") {
    capture::test::TempDir dir;
    const auto path = dir.file("r.amqpcap");
    write_capture(path);
    const auto page = report(path);
    CHECK(page.starts_with("<!DOCTYPE html>"));
    CHECK(page.ends_with("</html>\n"));
    // Nothing is fetched.
    CHECK(page.find("src=") == std::string::npos);
    CHECK(page.find("href=") == std::string::npos);
    CHECK(page.find("default-src 'none'") != std::string::npos);
    // The session rows, in start order.
    const auto row1 = page.find("<tr class=\"session\" data-session=\"1\">");
    const auto row2 = page.find("<tr class=\"session\" data-session=\"2\">");
    REQUIRE(row1 != std::string::npos);
    REQUIRE(row2 != std::string::npos);
    CHECK(row1 < row2);
    CHECK(page.find("client closed 200 bye") != std::string::npos);
    // Rate and latency charts, four histograms, the sequence of session 2 (the busiest).
    CHECK(count(page, "<svg class=\"chart line-chart\"") == 2);
    CHECK(count(page, "<svg class=\"chart bar-chart\"") == 4);
    CHECK(page.find("Sequence of session 2") != std::string::npos);
    CHECK(count(page, "<g class=\"arrow ") == 17);
    // The arrows in the order of the frames.
    const std::string order[] = {"Connection.Open", "Channel.Open",  "Confirm.Select",
                                 "Queue.Declare",   "Basic.Publish", "Basic.Ack",
                                 "Basic.Consume",   "Basic.Deliver", "Connection.Close-Ok"};
    std::size_t at = page.find("<svg class=\"sequence\"");
    for (const auto& method : order) {
        const auto next = page.find(method, at);
        CHECK(next != std::string::npos);
        at = next;
    }
    // Capture text is escaped wherever it appears; the page's only script is its own.
    CHECK(page.find("<script>alert") == std::string::npos);
    CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(count(page, "<script>") == 1);
    // trace quotes it (k&\"'), then the page escapes that.
    CHECK(page.find("routing_key=&quot;k&amp;\\&quot;&#39;&quot;") != std::string::npos);
}

TEST_CASE("report options: sequence session and limit", "[analyze][report]") {
    capture::test::TempDir dir;
    const auto path = dir.file("o.amqpcap");
    write_capture(path);
    auto page = report(path, {.sequence_session = "1"});
    CHECK(page.find("Sequence of session 1") != std::string::npos);
    CHECK(count(page, "<g class=\"arrow ") == 3);
    page = report(path, {.sequence_limit = 4});
    CHECK(count(page, "<g class=\"arrow ") == 4);
    CHECK(page.find("first 4 of 17 methods shown") != std::string::npos);
    const auto bad = report(path, {.sequence_session = "99"}, analyze::kExitBadInput);
    CHECK(bad.find("--sequence-session: no session \"99\"") != std::string::npos);
    CHECK(bad.find("<html") == std::string::npos);
}

TEST_CASE("chart tick labels print whole numbers in full", "[analyze][report]") {
    analyze::LineChart chart{"Rates", "s", "msg/s", {}};
    chart.series.push_back({"published", "#123456", {{0, 0}, {0.25, 20000}}});
    const auto svg = analyze::render_line_chart(chart);
    CHECK(svg.find(">20000</text>") != std::string::npos);
    CHECK(svg.find(">0.25</text>") != std::string::npos);
    CHECK(svg.find("e+") == std::string::npos);
}

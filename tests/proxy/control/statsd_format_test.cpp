#include "proxy/control/statsd_format.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

using namespace amqpprox::control;

namespace {

bool has(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

TEST_CASE("statsd: amqpprox's names, tags and types", "[statsd]") {
    StatsSnapshot s;
    s.overall.active_connection_count = 3;
    s.overall.paused_connection_count = 1;
    s.overall.bytes_received = 1200;
    s.overall.removed_connection_graceful = 2;
    s.process.mem_rss_kb = 5000;
    s.vhosts["/"].frames_sent = 7;
    s.vhosts[""].active_connection_count = 1;
    s.sources["client.example"].packets_received = 4;
    s.backends["127.0.0.1_5672"].bytes_sent = 99;
    const auto lines = statsd_lines(s);
    CHECK(lines.front() == "amqpprox.pausedConnectionCount,rmqEndpointType=overall:1|g");
    CHECK(has(lines, "amqpprox.activeConnectionCount,rmqEndpointType=overall:3|g"));
    CHECK(has(lines, "amqpprox.authDeniedConnectionCount,rmqEndpointType=overall:0|g"));
    CHECK(has(lines, "amqpprox.limitedConnectionCount,rmqEndpointType=overall:0|g"));
    CHECK(has(lines, "amqpprox.removedConnectionGraceful,rmqEndpointType=overall:2|c"));
    CHECK(has(lines, "amqpprox.bytesReceived,rmqEndpointType=overall:1200|c"));
    CHECK(has(lines, "amqpprox.mem_rss_kb:5000|c"));
    CHECK(has(lines, "amqpprox.cpu_percent_overall:0|c"));
    CHECK(has(lines, "amqpprox.framesSent,rmqEndpointType=vhost,rmqVhostName=/:7|c"));
    CHECK(has(lines, "amqpprox.activeConnectionCount,rmqEndpointType=vhost:1|g"));
    CHECK(has(lines,
              "amqpprox.packetsReceived,rmqEndpointType=sources,rmqEndpointHostname=client."
              "example:4|c"));
    CHECK(has(lines,
              "amqpprox.bytesSent,rmqEndpointType=backends,rmqEndpointHostname=127.0.0.1_5672:"
              "99|c"));
    // 13 per view (overall, 2 vhosts, 1 source, 1 backend) + 4 process.
    CHECK(lines.size() == 13 * 5 + 4);
}

TEST_CASE("statsd: tag values cannot break the line format", "[statsd]") {
    CHECK(statsd_tag_value("a,b=c:d|e f") == "a_b_c_d_e_f");
    StatsSnapshot s;
    s.vhosts["x,y"] = {};
    const auto lines = statsd_lines(s);
    CHECK(has(lines, "amqpprox.bytesSent,rmqEndpointType=vhost,rmqVhostName=x_y:0|c"));
}

TEST_CASE("statsd: lines are packed into datagrams of at most 1400 bytes", "[statsd]") {
    StatsSnapshot s;
    for (int i = 0; i < 50; ++i)
        s.vhosts["vhost-number-" + std::to_string(i)] = {};
    const auto lines = statsd_lines(s);
    const auto datagrams = pack_datagrams(lines);
    REQUIRE(datagrams.size() > 1);
    std::vector<std::string> unpacked;
    for (const auto& d : datagrams) {
        CHECK(d.size() <= kStatsdDatagramBytes);
        CHECK(d.back() != '\n');
        std::size_t start = 0;
        while (start <= d.size()) {
            const auto end = std::min(d.find('\n', start), d.size());
            unpacked.push_back(d.substr(start, end - start));
            start = end + 1;
        }
    }
    CHECK(unpacked == lines);  // every line once, in order, none split
    // Well filled: only the last datagram may be much shorter than the limit.
    for (std::size_t i = 0; i + 1 < datagrams.size(); ++i)
        CHECK(datagrams[i].size() > kStatsdDatagramBytes - 100);
}

TEST_CASE("statsd: packing edge cases", "[statsd]") {
    CHECK(pack_datagrams({}).empty());
    CHECK(pack_datagrams({"a", "b"}, 3) == std::vector<std::string>{"a\nb"});
    CHECK(pack_datagrams({"a", "b"}, 2) == std::vector<std::string>{"a", "b"});
    CHECK(pack_datagrams({"toolong", "b"}, 3) == std::vector<std::string>{"toolong", "b"});
}

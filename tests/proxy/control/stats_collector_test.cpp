#include "proxy/control/stats_collector.hpp"

#include <catch2/catch.hpp>

using namespace amqpprox::control;

namespace {

SessionSample sample(std::uint64_t id, std::uint64_t in_bytes, std::uint64_t out_bytes) {
    SessionSample s;
    s.id = id;
    s.vhost = "v" + std::to_string(id % 2);
    s.backend = "10.0.0.1_5672";
    s.source = "127.0.0.1";
    s.traffic = {in_bytes / 10, in_bytes / 5, in_bytes, out_bytes / 10, out_bytes / 5, out_bytes};
    return s;
}

}  // namespace

TEST_CASE("stats collector: the first tick shows what sessions did so far", "[stats]") {
    StatsCollector collector;
    const auto snapshot = collector.tick({sample(1, 100, 1000), sample(2, 50, 0)});
    CHECK(snapshot.overall.active_connection_count == 2);
    CHECK(snapshot.overall.bytes_received == 150);
    CHECK(snapshot.overall.frames_received == 30);
    CHECK(snapshot.overall.packets_received == 15);
    CHECK(snapshot.overall.bytes_sent == 1000);
    CHECK(snapshot.vhosts.at("v1").bytes_received == 100);
    CHECK(snapshot.vhosts.at("v0").bytes_received == 50);
    CHECK(snapshot.backends.at("10.0.0.1_5672").active_connection_count == 2);
    CHECK(snapshot.sources.at("127.0.0.1").bytes_sent == 1000);
}

TEST_CASE("stats collector: later ticks show deltas, gauges stay", "[stats]") {
    StatsCollector collector;
    collector.tick({sample(1, 100, 1000)});
    auto snapshot = collector.tick({sample(1, 130, 1000)});
    CHECK(snapshot.overall.bytes_received == 30);
    CHECK(snapshot.overall.frames_received == 26 - 20);
    CHECK(snapshot.overall.bytes_sent == 0);
    CHECK(snapshot.overall.active_connection_count == 1);
    snapshot = collector.tick({sample(1, 130, 1000)});
    CHECK(snapshot.overall.bytes_received == 0);
    CHECK(snapshot.overall.packets_sent == 0);
    CHECK(snapshot.overall.active_connection_count == 1);
    CHECK(snapshot.vhosts.at("v1").active_connection_count == 1);
}

TEST_CASE("stats collector: paused and auth-denied sessions are gauges", "[stats]") {
    StatsCollector collector;
    auto a = sample(1, 0, 0);
    a.paused = true;
    auto b = sample(3, 0, 0);
    b.auth_denied = true;
    const auto snapshot = collector.tick({a, b, sample(5, 0, 0)});
    CHECK(snapshot.overall.paused_connection_count == 1);
    CHECK(snapshot.overall.auth_denied_connection_count == 1);
    CHECK(snapshot.overall.active_connection_count == 3);
}

TEST_CASE("stats collector: a session ending between ticks counts its last traffic once",
          "[stats]") {
    StatsCollector collector;
    collector.tick({sample(1, 100, 100), sample(2, 10, 10)});
    collector.session_ended(sample(1, 150, 400), SessionEnd::graceful);
    auto snapshot = collector.tick({sample(2, 10, 10)});
    CHECK(snapshot.overall.bytes_received == 50);
    CHECK(snapshot.overall.bytes_sent == 300);
    CHECK(snapshot.overall.removed_connection_graceful == 1);
    CHECK(snapshot.overall.active_connection_count == 1);
    CHECK(snapshot.vhosts.at("v1").removed_connection_graceful == 1);
    CHECK(snapshot.vhosts.at("v1").active_connection_count == 0);
    CHECK(snapshot.vhosts.at("v0").removed_connection_graceful == 0);
    CHECK(collector.remembered() == 1);
    // The removal is an interval figure: gone in the next one.
    snapshot = collector.tick({sample(2, 10, 10)});
    CHECK(snapshot.overall.removed_connection_graceful == 0);
    CHECK(snapshot.vhosts.count("v1") == 0);
}

TEST_CASE("stats collector: a session that lived and ended within one interval counts all",
          "[stats]") {
    StatsCollector collector;
    collector.tick({});
    collector.session_ended(sample(7, 70, 700), SessionEnd::client_snapped);
    collector.session_ended(sample(8, 0, 0), SessionEnd::broker_snapped);
    const auto snapshot = collector.tick({});
    CHECK(snapshot.overall.bytes_received == 70);
    CHECK(snapshot.overall.bytes_sent == 700);
    CHECK(snapshot.overall.removed_connection_client_snapped == 1);
    CHECK(snapshot.overall.removed_connection_broker_snapped == 1);
    CHECK(snapshot.overall.removed_connection_graceful == 0);
    CHECK(snapshot.overall.active_connection_count == 0);
    CHECK(collector.remembered() == 0);
}

TEST_CASE("stats collector: a session sampled live and reported ended counts once", "[stats]") {
    StatsCollector collector;
    collector.tick({sample(1, 100, 0)});
    collector.session_ended(sample(1, 120, 0), SessionEnd::graceful);
    const auto snapshot = collector.tick({sample(1, 120, 0)});
    CHECK(snapshot.overall.bytes_received == 20);
    CHECK(snapshot.overall.active_connection_count == 0);
    CHECK(snapshot.overall.removed_connection_graceful == 1);
    CHECK(collector.remembered() == 0);
}

TEST_CASE(
    "stats collector: sessions without vhost or backend yet only count overall and by "
    "source",
    "[stats]") {
    StatsCollector collector;
    SessionSample s;
    s.id = 1;
    s.source = "10.1.1.1";
    const auto snapshot = collector.tick({s});
    CHECK(snapshot.vhosts.empty());
    CHECK(snapshot.backends.empty());
    CHECK(snapshot.sources.at("10.1.1.1").active_connection_count == 1);
}

TEST_CASE("stats collector: backend keys have no ':'", "[stats]") {
    CHECK(backend_key("127.0.0.1:5672") == "127.0.0.1_5672");
    CHECK(backend_key("::1:5672") == "__1_5672");
    CHECK(backend_key("") == "");
}

TEST_CASE("stats collector: a connection refused by a LIMIT counts once, as it ends", "[stats]") {
    StatsCollector collector;
    auto refused = sample(3, 0, 0);
    refused.backend.clear();
    refused.limited = true;
    auto snapshot = collector.tick({refused});  // seen live, being refused
    CHECK(snapshot.overall.limited_connection_count == 0);
    collector.session_ended(refused, SessionEnd::graceful);
    snapshot = collector.tick({});
    CHECK(snapshot.overall.limited_connection_count == 1);
    CHECK(snapshot.vhosts.at("v1").limited_connection_count == 1);
    CHECK(snapshot.overall.removed_connection_graceful == 1);
    CHECK(collector.tick({}).overall.limited_connection_count == 0);
}

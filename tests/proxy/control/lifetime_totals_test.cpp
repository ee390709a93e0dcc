#include "proxy/control/lifetime_totals.hpp"

#include <catch2/catch.hpp>

using namespace amqpprox::control;

namespace {

SessionSample session(std::uint64_t id, std::string vhost, std::string backend,
                      std::uint64_t in_bytes, bool established = true) {
    SessionSample s;
    s.id = id;
    s.vhost = std::move(vhost);
    s.backend_address = std::move(backend);
    s.source = "127.0.0.1";
    s.established = established;
    s.traffic.in_bytes = in_bytes;
    s.traffic.in_frames = 1;
    s.traffic.out_bytes = 2 * in_bytes;
    return s;
}

}  // namespace

TEST_CASE("lifetime totals keep ended sessions and add the live ones", "[control]") {
    LifetimeTotals totals;
    totals.session_ended(session(1, "/", "127.0.0.1:5672", 100), SessionEnd::graceful);
    totals.session_ended(session(2, "/", "127.0.0.1:5672", 50), SessionEnd::client_snapped);
    totals.session_ended(session(3, "", "", 0, false), SessionEnd::graceful);  // refused early

    auto live = session(4, "/", "127.0.0.1:5672", 7);
    live.paused = true;
    const auto snap = totals.with_live({live, session(5, "other", "10.0.0.1:5672", 1)});
    CHECK(snap.sessions_refused == 1);
    CHECK(snap.overall.active_connections == 2);
    CHECK(snap.overall.paused_connections == 1);
    CHECK(snap.overall.ended_graceful == 2);
    CHECK(snap.overall.ended_client_snapped == 1);
    CHECK(snap.overall.traffic.in_bytes == 158);
    REQUIRE(snap.vhosts.size() == 2);
    const auto& root = snap.vhosts.at("/");
    CHECK(root.active_connections == 1);
    CHECK(root.paused_connections == 1);
    CHECK(root.ended_graceful == 1);
    CHECK(root.ended_client_snapped == 1);
    CHECK(root.traffic.in_bytes == 157);
    CHECK(root.traffic.out_bytes == 314);
    CHECK(root.traffic.in_frames == 3);
    CHECK(snap.backends.at("127.0.0.1:5672").traffic.in_bytes == 157);
    CHECK(snap.backends.at("10.0.0.1:5672").active_connections == 1);

    // Nothing live: the ended sessions' totals stay.
    const auto later = totals.with_live({});
    CHECK(later.vhosts.at("/").traffic.in_bytes == 150);
    CHECK(later.vhosts.at("/").active_connections == 0);
}

TEST_CASE("keep_monotonic never lets a counter go back, gauges may", "[control]") {
    MetricsSnapshot before;
    before.sessions_accepted = 5;
    before.overall.traffic.in_bytes = 100;
    before.overall.active_connections = 3;
    before.vhosts["/"].traffic.out_frames = 9;
    before.vhosts["gone"].ended_graceful = 2;
    before.captures.push_back({"a.amqpcap", 2, 10, 1, 0, 500, false});
    before.process = ProcessMetrics{};
    before.process->cpu_seconds = 1.5;

    MetricsSnapshot now;
    now.sessions_accepted = 6;
    now.overall.traffic.in_bytes = 90;  // a session between live and ended
    now.overall.active_connections = 1;
    now.vhosts["/"].traffic.out_frames = 8;
    now.captures.push_back({"a.amqpcap", 2, 12, 0, 0, 400, false});
    now.process = ProcessMetrics{};
    now.process->cpu_seconds = 1.25;
    keep_monotonic(now, before);
    CHECK(now.sessions_accepted == 6);
    CHECK(now.overall.traffic.in_bytes == 100);
    CHECK(now.overall.active_connections == 1);
    CHECK(now.vhosts.at("/").traffic.out_frames == 9);
    CHECK(now.vhosts.at("gone").ended_graceful == 2);
    CHECK(now.captures[0].frames_written == 12);
    CHECK(now.captures[0].frames_dropped == 1);
    CHECK(now.captures[0].bytes_written == 500);
    CHECK(now.process->cpu_seconds == 1.5);
}

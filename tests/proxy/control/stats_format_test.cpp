#include "proxy/control/stats_format.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fake_target.hpp"

using namespace amqpprox::control;

TEST_CASE("human_bytes follows amqpprox's units", "[control]") {
    CHECK(human_bytes(0) == "0 B");
    CHECK(human_bytes(1023) == "1023 B");
    CHECK(human_bytes(1024) == "1 KB");
    CHECK(human_bytes(1229) == "1.2002 KB");
    CHECK(human_bytes(1536) == "1.5 KB");
    CHECK(human_bytes(12u * 1024 * 1024) == "12 MB");
    CHECK(human_bytes(3ull << 30) == "3 GB");
    CHECK(human_bytes(1ull << 40) == "1099511627776 B");
}

TEST_CASE("STAT human: one view per line, amqpprox's labels", "[control]") {
    const auto target = testing::FakeTarget::with_canned_data();
    const auto& snap = target.snapshot;
    const std::string overall =
        "Paused: 1 Active: 2 Auth denied: 0 Limited connections: 0 Removed(Clean): 0 "
        "Removed(Broker): 0 Removed(Client): 0 IN: 1.20508 KB/s 4 pkt/s 10 frames/s OUT: "
        "5.54492 KB/s 6 pkt/s 12 frames/s\n";
    CHECK(format_stats(snap, {StatFormat::human, {StatView::Kind::overall, ""}}) == overall);
    CHECK(format_stats(snap, {StatFormat::human, {StatView::Kind::process, ""}}) ==
          "CPU%: 5 USR%: 3 SYS%: 2 RSS: 12 MB\n");
    CHECK(format_stats(snap, {StatFormat::human, {StatView::Kind::vhost, "nope"}}) ==
          "Paused: 0 Active: 0 Auth denied: 0 Limited connections: 0 Removed(Clean): 0 "
          "Removed(Broker): 0 Removed(Client): 0 IN: 0 B/s 0 pkt/s 0 frames/s OUT: 0 B/s 0 "
          "pkt/s 0 frames/s\n");
    const auto all = format_stats(snap, {StatFormat::human, {}});
    CHECK(all.starts_with("Overall:\n" + overall + "Process:\nCPU%: 5"));
    CHECK(all.find("\nVhosts:\n/: Paused: 0 Active: 1 ") != std::string::npos);
    CHECK(all.find("\nvhost-example: Paused: 1 Active: 1 ") != std::string::npos);
    CHECK(all.find("\nSources:\n10.0.0.7: ") != std::string::npos);
    CHECK(all.find("\nBackends:\n127.0.0.1_5672: ") != std::string::npos);
    CHECK(all.ends_with("Captures:\n"));
}

TEST_CASE("STAT json parses and carries every counter", "[control]") {
    auto target = testing::FakeTarget::with_canned_data();
    target.snapshot.vhosts["we\"ird"] = {};
    target.snapshot.captures.push_back(
        CaptureInfo{CaptureOptions{"/tmp/c.amqpcap"}, 2, 40, 1, 0, {}});
    const auto text = format_stats(target.snapshot, {StatFormat::json, {}});
    REQUIRE(text.ends_with("}\n"));
    const auto j = nlohmann::json::parse(text);
    CHECK(j["overall"].size() == 13);
    CHECK(j["overall"]["activeConnectionCount"] == 2);
    CHECK(j["overall"]["bytesSent"] == 5678);
    CHECK(j["process"]["mem_rss_kb"] == 12288);
    CHECK(j["vhosts"]["vhost-example"]["pausedConnectionCount"] == 1);
    CHECK(j["vhosts"].contains("we\"ird"));
    CHECK(j["backends"]["127.0.0.1_5672"]["framesReceived"] == 10);
    CHECK(j["sources"]["10.0.0.7"]["activeConnectionCount"] == 1);
    CHECK(j["captures"][0]["file"] == "/tmp/c.amqpcap");
    CHECK(j["captures"][0]["framesWritten"] == 40);
    CHECK(j["captures"][0]["framesDropped"] == 1);
    CHECK(j["captures"][0]["filters"] == "bodies=all");

    const auto overall =
        format_stats(target.snapshot, {StatFormat::json, {StatView::Kind::overall, ""}});
    CHECK(overall ==
          "{\"pausedConnectionCount\": 1, \"activeConnectionCount\": 2, "
          "\"authDeniedConnectionCount\": 0, \"limitedConnectionCount\": 0, "
          "\"removedConnectionGraceful\": 0, \"removedConnectionBrokerSnapped\": 0, "
          "\"removedConnectionClientSnapped\": 0, \"packetsReceived\": 4, \"packetsSent\": 6, "
          "\"framesReceived\": 10, \"framesSent\": 12, \"bytesReceived\": 1234, "
          "\"bytesSent\": 5678}\n");
    for (const auto kind : {StatView::Kind::process, StatView::Kind::source,
                            StatView::Kind::backend, StatView::Kind::captures}) {
        CHECK_NOTHROW(nlohmann::json::parse(
            format_stats(target.snapshot, {StatFormat::json, {kind, "10.0.0.7"}})));
    }
}

TEST_CASE("CONN and CAPTURE PRINT lines", "[control]") {
    const auto target = testing::FakeTarget::with_canned_data();
    CHECK(format_session(target.sessions[0]) ==
          "id=1 vhost=/ disconnected=N paused=N authDenied=N ingressRemote=127.0.0.1:36678 "
          "ingressLocal=127.0.0.1 egressLocal=127.0.0.1:39452 egressRemote=127.0.0.1:5672 "
          "inBytes=1234 inFrames=10 inPackets=4 inAvgLatencyMs=0 outBytes=5678 outFrames=12 "
          "outPackets=6 1700000000:42");
    CaptureOptions options{"/tmp/c.amqpcap"};
    options.vhost = "/";
    CHECK(format_capture(CaptureInfo{options, 1, 20, 0, 0, {}}) ==
          "/tmp/c.amqpcap vhost=/ bodies=all sessions=1 written=20 dropped=0");
    CHECK(format_capture(CaptureInfo{options, 1, 20, 3, 0, "disk full"}) ==
          "/tmp/c.amqpcap vhost=/ bodies=all sessions=1 written=20 dropped=3 error=disk full");
}

#include <catch2/catch.hpp>

#include "../capture/capture_test_support.hpp"
#include "replay/replay.hpp"
#include "replay_test_support.hpp"

using namespace amqpprox;

using replay::test::run_command;

TEST_CASE("dry run: the schedule, its waits and the rewrites", "[replay]") {
    capture::test::TempDir dir;
    auto o =
        replay::test::options_for_session(dir.file("r.amqpcap"), "amqp://ci:pw@localhost:5798");
    o.dry_run = true;
    o.prefix = "t.";
    o.vhost_maps = {"/=test"};
    o.rewrites = {"exchange:x=x2"};
    const auto r = run_command(o);
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    const auto& s = r.out;
    CHECK_THAT(s, Catch::Contains("target amqp://ci@localhost:5798 as user \"ci\" "
                                  "(credentials from url)"));
    CHECK_THAT(s, Catch::Contains("speed max, concurrency 8, timeout 5000 ms"));
    CHECK_THAT(s, Catch::Contains("vhost \"/\" -> \"test\"") &&
                      Catch::Contains("exchange \"x\" -> \"x2\"") &&
                      Catch::Contains("prefix \"t.\""));
    CHECK_THAT(s, Catch::Contains("session 1: vhost \"/\" -> \"test\", starts at +0.000 ms, "
                                  "11 steps (13 frames), 17 broker frames expected\n"));
    CHECK_THAT(s, Catch::Contains("  +12.000 ms ch1 Queue.Declare") &&
                      Catch::Contains("      waits for Channel.Open-Ok #1 on channel 1 (reply)\n"));
    // The user rule applies; the server-named queue is left for the replay to learn.
    CHECK_THAT(s, Catch::Contains("ch1 Queue.Bind queue=\"amq.gen-A\" exchange=\"x2\""));
    CHECK_THAT(s, Catch::Contains("waits for Queue.Declare-Ok #1 on channel 1 "
                                  "(server-name: queue amq.gen-A)"));
    CHECK_THAT(s, Catch::Contains("waits for Basic.Deliver|Basic.Get-Ok #2 on channel 1 "
                                  "(delivery: delivery-tag 2)"));
    CHECK_THAT(s, Catch::Contains("+ content (5 body bytes) reply_to=\"amq.gen-A\""));
    CHECK_THAT(s, Catch::Contains("server-assigned consumer-tag amq.ctag-1: mapped"));
    CHECK_THAT(s, Catch::Contains("session 2: vhost \"/\" -> \"test\", starts at +50.000 ms") &&
                      Catch::Contains("cut in the recording") &&
                      Catch::Contains("ch1 Exchange.Declare exchange=\"t.orders\""));
}

TEST_CASE("replay: bad options are errors that say what is accepted", "[replay]") {
    capture::test::TempDir dir;
    auto good = replay::test::options_for_session(dir.file("r.amqpcap"), "amqp://localhost");
    good.dry_run = true;
    CHECK(run_command(good).code == 0);

    auto o = good;
    o.target = "localhost";
    auto r = run_command(o);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("amqp-replay: bad --target") &&
                          Catch::Contains("accepted: amqp://"));
    o = good;
    o.speed = "fast";
    CHECK_THAT(run_command(o).err, Catch::Contains("accepted: max"));
    o = good;
    o.rewrites = {"binding:a=b"};
    CHECK_THAT(run_command(o).err, Catch::Contains("exchange:OLD=NEW"));
    o = good;
    o.selection.sessions = {"99"};
    r = run_command(o);
    CHECK(r.code == 2);
    CHECK_FALSE(r.err.empty());
    o = good;
    o.realtime = true;  // with the default --speed max
    r = run_command(o);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("--realtime is for paced replays") &&
                          Catch::Contains("--speed 1 or N"));
    o = good;
    o.selection.vhost = "nowhere";
    CHECK_THAT(run_command(o).err, Catch::Contains("no session matches"));

    // An unreachable target is a clear error per session, and exit 2.
    o = good;
    o.dry_run = false;
    o.target = "amqp://127.0.0.1:1";
    o.timeout_ms = 2000;
    r = run_command(o);
    CHECK(r.code == 2);
    CHECK_THAT(r.out, Catch::Contains("session 1: error: cannot connect to 127.0.0.1:1") &&
                          Catch::Contains("2 sessions: 0 equal, 0 different, 2 errors"));
}

// LIMIT: the window and bucket arithmetic on a fake clock, admission, the configuration's
// PRINT text and the command's grammar through the interpreter.
#include "proxy/control/limits.hpp"

#include <catch2/catch.hpp>

#include "fake_target.hpp"
#include "proxy/control/admission.hpp"
#include "proxy/control/command_interpreter.hpp"
#include "proxy/control/limit_command.hpp"
#include "proxy/control/rate_limit.hpp"

using namespace amqpprox::control;
using namespace std::chrono_literals;

namespace {

const LimitClock::time_point t0{std::chrono::hours(1)};

struct Fixture {
    ConfigStore store;
    testing::FakeTarget target;
    CommandInterpreter interpreter{store, target, testing::fake_resolver()};

    std::string run(std::string_view line) { return interpreter.execute(line).text; }
};

}  // namespace

TEST_CASE("fixed window: at most the limit per window, the window starts with an event",
          "[limits]") {
    FixedWindowCounter window;
    for (int i = 0; i < 3; ++i)
        CHECK(window.try_take(3, t0 + i * 100ms));
    CHECK_FALSE(window.try_take(3, t0 + 500ms));
    CHECK_FALSE(window.try_take(3, t0 + 999ms));  // refusals are not counted ...
    CHECK(window.try_take(3, t0 + 1000ms));       // ... and a new window opens at 1 s
    CHECK(window.window_start() == t0 + 1000ms);
    CHECK(window.try_take(3, t0 + 1999ms));
    CHECK(window.try_take(3, t0 + 1999ms));
    CHECK_FALSE(window.try_take(3, t0 + 1999ms));
    // After a quiet spell the next event starts the window, wherever it falls.
    CHECK(window.try_take(3, t0 + 5500ms));
    CHECK(window.window_start() == t0 + 5500ms);

    FixedWindowCounter none;
    CHECK_FALSE(none.try_take(0, t0));  // a limit of 0 lets nothing in

    FixedWindowCounter bytes;
    CHECK(bytes.add(100, t0) == 100);
    CHECK(bytes.add(50, t0 + 900ms) == 150);
    CHECK(bytes.add(10, t0 + 1s) == 10);
}

TEST_CASE("token bucket: debt, waiting, bursts and live rate changes", "[limits]") {
    TokenBucket bucket(1000, t0);  // 1000 B/s, burst 100 B
    CHECK(bucket.wait(t0) == 0ns);
    bucket.take(100, t0);  // the burst
    CHECK(bucket.wait(t0) == 0ns);
    bucket.take(400, t0);  // 400 B of debt: 0.4 s
    CHECK(bucket.wait(t0) > 399ms);
    CHECK(bucket.wait(t0) < 401ms);
    CHECK(bucket.wait(t0 + 200ms) > 199ms);
    CHECK(bucket.wait(t0 + 400ms) == 0ns);
    // Idle time earns at most the burst.
    bucket.take(0, t0 + 10s);
    bucket.take(150, t0 + 10s);
    CHECK(bucket.wait(t0 + 10s) > 49ms);
    CHECK(bucket.wait(t0 + 10s) < 51ms);

    // Over a long run the average is the rate: 16 KiB reads at 200 kB/s for 5 s.
    TokenBucket steady(200'000, t0);
    auto now = t0;
    std::uint64_t passed = 0;
    while (now < t0 + 5s) {
        steady.take(16384, now);
        passed += 16384;
        now += steady.wait(now);
    }
    const double rate =
        static_cast<double>(passed) / std::chrono::duration<double>(now - t0).count();
    CHECK(rate == Approx(200'000).epsilon(0.03));

    // Lowered live: the debt is paid at the new rate. Raised: faster.
    TokenBucket live(1000, t0);
    live.take(1100, t0);  // 1000 B of debt
    live.set_rate(500, t0);
    CHECK(live.wait(t0) > 1999ms);
    live.set_rate(10'000, t0 + 1s);  // 500 paid, 500 left at 10 kB/s
    CHECK(live.wait(t0 + 1s) < 51ms);
    CHECK(live.wait(t0 + 1s) > 49ms);
    live.set_rate(0, t0 + 2s);
    live.take(1, t0 + 2s);
    CHECK(live.wait(t0 + 2s) == std::chrono::nanoseconds::max());
}

TEST_CASE("limit config: a vhost's own limit, else the default; generation moves", "[limits]") {
    LimitConfig limits;
    CHECK_FALSE(limits.effective(LimitKind::conn_rate, "/"));
    const auto g0 = limits.generation();
    limits.set(LimitKind::conn_rate, std::nullopt, 100);
    limits.set(LimitKind::conn_rate, std::string("orders"), 10);
    CHECK(limits.generation() != g0);
    CHECK(limits.effective(LimitKind::conn_rate, "/") == 100u);
    CHECK(limits.effective(LimitKind::conn_rate, "orders") == 10u);
    CHECK_FALSE(limits.effective(LimitKind::data_rate, "orders"));
    limits.disable(LimitKind::conn_rate, std::string("orders"));
    CHECK(limits.effective(LimitKind::conn_rate, "orders") == 100u);
    limits.disable(LimitKind::conn_rate, std::nullopt);
    CHECK_FALSE(limits.effective(LimitKind::conn_rate, "orders"));
    CHECK(limits.print() == "No default limit configured for any vhost.\n");
    CHECK(limit_kind("DATA_RATE_ALARM") == LimitKind::data_rate_alarm);
    CHECK_FALSE(limit_kind("TOTAL_CONN"));
}

TEST_CASE("admission: rate window, open count, alarms, release", "[limits]") {
    LimitConfig limits;
    ConnectionAdmission admission(limits);
    // No limits: every connection goes through, and nothing is kept once released.
    CHECK_FALSE(admission.admit("/", t0).refusal);
    CHECK(admission.open("/") == 1);
    admission.release("/");
    CHECK(admission.open("/") == 0);

    limits.set(LimitKind::conn_rate, std::string("/"), 2);
    CHECK_FALSE(admission.admit("/", t0).refusal);
    CHECK_FALSE(admission.admit("/", t0 + 10ms).refusal);
    const auto third = admission.admit("/", t0 + 20ms);
    REQUIRE(third.refusal);
    CHECK(*third.refusal ==
          "NOT_ALLOWED - access to vhost '/' refused by amqpprox: connection rate limit (2 per "
          "second) is reached");
    CHECK(admission.open("/") == 2);
    CHECK_FALSE(admission.admit("other", t0 + 20ms).refusal);  // per vhost
    CHECK_FALSE(admission.admit("/", t0 + 1s).refusal);        // the next window

    limits.set(LimitKind::connections, std::nullopt, 3);
    const auto fourth = admission.admit("/", t0 + 1100ms);
    REQUIRE(fourth.refusal);
    CHECK(*fourth.refusal ==
          "NOT_ALLOWED - access to vhost '/' refused by amqpprox: connection limit (3) is reached");
    admission.release("/");
    CHECK_FALSE(admission.admit("/", t0 + 1200ms).refusal);

    // Alarm only: let through, with a warning naming the marker.
    limits.disable(LimitKind::conn_rate, std::string("/"));
    limits.disable(LimitKind::connections, std::nullopt);
    limits.set(LimitKind::conn_rate_alarm, std::string("alarmed"), 1);
    CHECK(admission.admit("alarmed", t0).alarms.empty());
    const auto over = admission.admit("alarmed", t0 + 1ms);
    CHECK_FALSE(over.refusal);
    REQUIRE(over.alarms.size() == 1);
    CHECK(
        over.alarms[0].starts_with("AMQPPROX_CONNECTION_LIMIT: the connection request for "
                                   "vhost 'alarmed' should be limited by Allow average 1 "
                                   "number of connections per 1 seconds"));
    CHECK(admission.open("alarmed") == 2);

    // 0 refuses everything.
    limits.set(LimitKind::connections, std::string("closed"), 0);
    CHECK(admission.admit("closed", t0).refusal);
    CHECK(admission.open("closed") == 0);
}

TEST_CASE("LIMIT sets, prints and disables", "[limits][control]") {
    Fixture f;
    CHECK(f.run("LIMIT PRINT") == "No default limit configured for any vhost.\n");
    CHECK(f.run("LIMIT PRINT orders") == "No limit configured for vhost orders.\n");
    CHECK(f.run("LIMIT CONN_RATE DEFAULT 100") ==
          "Default connection rate limit is set to 100 connections per second.\n");
    CHECK(f.run("limit conn_rate vhost Orders 10") ==
          "For vhost Orders, Allow average 10 number of connections per 1 seconds\n");
    CHECK(f.run("LIMIT CONNECTIONS VHOST Orders 50") ==
          "For vhost Orders, allow 50 total connections.\n");
    CHECK(f.run("LIMIT DATA_RATE DEFAULT 1000000") == "");
    CHECK(f.run("LIMIT DATA_RATE_ALARM VHOST Orders 5000") == "");
    CHECK(f.store.limits().effective(LimitKind::data_rate, "Orders") == 1'000'000u);
    CHECK(f.store.limits().effective(LimitKind::connections, "Orders") == 50u);
    CHECK_FALSE(f.store.limits().effective(LimitKind::connections, "orders"));  // case kept
    CHECK(f.run("LIMIT PRINT") ==
          "Default limit for any vhost, allow average 100 connections per second.\n"
          "Default data limit for any vhost, allow max 1000000 bytes per second.\n"
          "For vhost Orders, Allow average 10 number of connections per 1 seconds.\n"
          "For vhost Orders, allow 50 total connections.\n"
          "Alarm only data limit, for vhost Orders, allow max 5000 bytes per second.\n");
    CHECK(f.run("LIMIT PRINT Orders") ==
          "For vhost Orders, Allow average 10 number of connections per 1 seconds.\n"
          "For vhost Orders, allow 50 total connections.\n"
          "Alarm only data limit, for vhost Orders, allow max 5000 bytes per second.\n"
          "For vhost Orders, allow max 1000000 bytes per second.\n");
    CHECK(f.run("LIMIT PRINT other") ==
          "For vhost other, allow average 100 number of connections per second.\n"
          "For vhost other, allow max 1000000 bytes per second.\n");
    CHECK(f.run("LIMIT DISABLE CONN_RATE VHOST Orders") ==
          "Successfully disabled specific connection rate limit for vhost Orders\n");
    CHECK(f.run("LIMIT DISABLE conn_rate DEFAULT") ==
          "Successfully disabled default connection rate limit\n");
    CHECK(f.run("LIMIT DISABLE CONNECTIONS VHOST Orders") ==
          "Successfully disabled specific total connection limit for vhost Orders\n");
    CHECK(f.run("LIMIT DISABLE DATA_RATE DEFAULT") == "");
    CHECK(f.run("LIMIT DISABLE DATA_RATE_ALARM VHOST Orders") == "");
    CHECK(f.run("LIMIT PRINT") == "No default limit configured for any vhost.\n");
    CHECK(f.run("LIMIT CONN_RATE_ALARM DEFAULT 0")
              .starts_with("Default connection rate limit is set to 0 connections per second in "
                           "alarm only mode.\nThe limiter will only log"));
    CHECK(f.run("LIMIT DISABLE CONN_RATE_ALARM DEFAULT") ==
          "Successfully disabled default alarm only connection rate limit\n");
}

TEST_CASE("LIMIT errors name the problem and the grammar", "[limits][control]") {
    Fixture f;
    const std::string all = std::string("; expected ") + std::string(kLimitUsage) + "\n";
    CHECK(f.run("LIMIT") == "LIMIT: missing subcommand" + all);
    CHECK(f.run("LIMIT TOTAL_CONN DEFAULT 5") ==
          "LIMIT: subcommand 'TOTAL_CONN' not recognized" + all);
    CHECK(f.run("LIMIT CONN_RATE") ==
          "LIMIT CONN_RATE: missing DEFAULT or VHOST vhost; expected LIMIT CONN_RATE (DEFAULT | "
          "VHOST vhost) count\n");
    CHECK(f.run("LIMIT CONN_RATE VHOST") ==
          "LIMIT CONN_RATE: missing vhost; expected LIMIT CONN_RATE (DEFAULT | VHOST vhost) "
          "count\n");
    CHECK(f.run("LIMIT CONN_RATE DEFAULT") ==
          "LIMIT CONN_RATE: missing count; expected LIMIT CONN_RATE (DEFAULT | VHOST vhost) "
          "count\n");
    CHECK(f.run("LIMIT DATA_RATE VHOST / -5") ==
          "LIMIT DATA_RATE: invalid bytesPerSecond '-5' (a whole number from 0); expected LIMIT "
          "DATA_RATE (DEFAULT | VHOST vhost) bytesPerSecond\n");
    CHECK(f.run("LIMIT CONNECTIONS ALL 5") ==
          "LIMIT CONNECTIONS: 'ALL' is neither DEFAULT nor VHOST; expected LIMIT CONNECTIONS "
          "(DEFAULT | VHOST vhost) count\n");
    CHECK(f.run("LIMIT CONN_RATE DEFAULT 5 6") ==
          "LIMIT CONN_RATE: too many arguments; expected LIMIT CONN_RATE (DEFAULT | VHOST vhost) "
          "count\n");
    const std::string disable =
        "; expected LIMIT DISABLE (CONN_RATE | CONN_RATE_ALARM | DATA_RATE | DATA_RATE_ALARM | "
        "CONNECTIONS) (DEFAULT | VHOST vhost)\n";
    CHECK(f.run("LIMIT DISABLE") == "LIMIT DISABLE: missing limit type" + disable);
    CHECK(f.run("LIMIT DISABLE SPEED DEFAULT") ==
          "LIMIT DISABLE: unknown limit type 'SPEED'" + disable);
    CHECK(f.run("LIMIT DISABLE DATA_RATE") ==
          "LIMIT DISABLE: missing DEFAULT or VHOST vhost" + disable);
    CHECK(f.run("LIMIT DISABLE DATA_RATE DEFAULT 5") ==
          "LIMIT DISABLE: too many arguments" + disable);
    CHECK(f.run("LIMIT PRINT a b") ==
          "LIMIT PRINT: too many arguments; expected LIMIT PRINT [vhost]\n");
    CHECK(f.store.limits().print() == "No default limit configured for any vhost.\n");
}

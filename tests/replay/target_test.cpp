#include "replay/target.hpp"

#include <catch2/catch.hpp>

#include "replay/replay.hpp"

using namespace amqpprox;
using replay::Target;

TEST_CASE("target: AMQP URIs", "[replay]") {
    CHECK(replay::parse_target("amqp://u:p@broker:5673/prod").value() ==
          Target{.host = "broker", .port = 5673, .user = "u", .password = "p", .vhost = "prod"});
    CHECK(replay::parse_target("amqps://broker").value() ==
          Target{.tls = true, .host = "broker", .port = 5671});
    // No path: each session's own vhost; "/" alone: the empty vhost; %2f: "/".
    CHECK_FALSE(replay::parse_target("amqp://h").value().vhost);
    CHECK(replay::parse_target("amqp://h/").value().vhost == "");
    CHECK(replay::parse_target("amqp://h/%2f").value().vhost == "/");
    CHECK(replay::parse_target("AMQP://h:1/%2Ftest").value().vhost == "/test");
    // Escapes in credentials; an @ in the password is escaped, the last @ ends them.
    const auto t = replay::parse_target("amqp://us%40er:p%3Aw@[::1]:5798").value();
    CHECK(t.user == "us@er");
    CHECK(t.password == "p:w");
    CHECK(t.host == "::1");
    CHECK(t.port == 5798);
    CHECK(replay::display(t) == "amqp://us@er@[::1]:5798");  // no password
    CHECK(replay::display(replay::parse_target("amqp://h/%2f").value()) == "amqp://h:5672/%2f");
}

TEST_CASE("target: bad URIs say what is wrong and what is accepted", "[replay]") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"broker:5672", "no scheme"},
        {"http://broker", "unknown scheme 'http'"},
        {"amqp://", "no host"},
        {"amqp://u:p@:5672/", "no host"},
        {"amqp://h:", "empty port"},
        {"amqp://h:70000", "not a number in 1-65535"},
        {"amqp://h:0", "not a number in 1-65535"},
        {"amqp://h:56x", "not a number in 1-65535"},
        {"amqp://h/a/b", "one path segment"},
        {"amqp://h/%zz", "bad % escape in the vhost"},
        {"amqp://h/%2", "bad % escape in the vhost"},
        {"amqp://u%4@h", "bad % escape in the user"},
        {"amqp://h?heartbeat=5", "query parameters"},
        {"amqp://[::1", "unclosed ["},
    };
    for (const auto& [url, why] : cases) {
        INFO(url);
        const auto r = replay::parse_target(url);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error(), Catch::Contains(why) && Catch::Contains("accepted: amqp://"));
    }
}

TEST_CASE("target: credentials from the URI, the environment, or guest", "[replay]") {
    const auto env = [](const char* name) -> std::optional<std::string> {
        if (std::string_view(name) == "AMQP_REPLAY_USER") return "ci";
        if (std::string_view(name) == "AMQP_REPLAY_PASSWORD") return "secret";
        return std::nullopt;
    };
    const auto none = [](const char*) -> std::optional<std::string> { return std::nullopt; };
    CHECK(replay::resolve_credentials(*replay::parse_target("amqp://u:p@h"), env) ==
          replay::Credentials{"u", "p", "url"});
    CHECK(replay::resolve_credentials(*replay::parse_target("amqp://h"), env) ==
          replay::Credentials{"ci", "secret", "environment"});
    CHECK(replay::resolve_credentials(*replay::parse_target("amqp://h"), none) ==
          replay::Credentials{"guest", "guest", "default"});
}

TEST_CASE("speed: max, 1 or N", "[replay]") {
    CHECK_FALSE(replay::parse_speed("max").value());
    CHECK(replay::parse_speed("1").value() == 1.0);
    CHECK(replay::parse_speed("2.5").value() == 2.5);
    for (const auto* bad : {"", "0", "-1", "fast", "2x", "inf"}) {
        INFO(bad);
        const auto r = replay::parse_speed(bad);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error(), Catch::Contains("accepted: max"));
    }
}

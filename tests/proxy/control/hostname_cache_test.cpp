#include "proxy/control/hostname_cache.hpp"

#include <catch2/catch.hpp>

using namespace amqpprox::control;
using namespace std::chrono_literals;

namespace {
const HostnameCache::Clock::time_point t0 = HostnameCache::Clock::time_point{} + 1000s;
}

TEST_CASE("hostname cache: the IP is shown until a lookup answers", "[hostname]") {
    HostnameCache cache;
    auto answer = cache.lookup("10.0.0.1", t0);
    CHECK(answer.display == "10.0.0.1");
    CHECK(answer.start_lookup);
    // Pending: no second lookup, still the IP.
    answer = cache.lookup("10.0.0.1", t0 + 1s);
    CHECK(answer.display == "10.0.0.1");
    CHECK_FALSE(answer.start_lookup);
    cache.resolved("10.0.0.1", "client.example", t0 + 2s);
    answer = cache.lookup("10.0.0.1", t0 + 3s);
    CHECK(answer.display == "client.example");
    CHECK_FALSE(answer.start_lookup);
}

TEST_CASE("hostname cache: names expire and are looked up again, shown meanwhile", "[hostname]") {
    HostnameCache cache({.ttl = 10s, .failure_ttl = 5s, .capacity = 100});
    (void)cache.lookup("10.0.0.1", t0);
    cache.resolved("10.0.0.1", "a.example", t0);
    CHECK_FALSE(cache.lookup("10.0.0.1", t0 + 9s).start_lookup);
    const auto answer = cache.lookup("10.0.0.1", t0 + 10s);
    CHECK(answer.start_lookup);
    CHECK(answer.display == "a.example");
    cache.resolved("10.0.0.1", "b.example", t0 + 11s);
    CHECK(cache.lookup("10.0.0.1", t0 + 12s).display == "b.example");
}

TEST_CASE("hostname cache: failures are remembered for a while", "[hostname]") {
    HostnameCache cache({.ttl = 10s, .failure_ttl = 5s, .capacity = 100});
    (void)cache.lookup("10.0.0.2", t0);
    cache.resolved("10.0.0.2", std::nullopt, t0);
    auto answer = cache.lookup("10.0.0.2", t0 + 4s);
    CHECK(answer.display == "10.0.0.2");
    CHECK_FALSE(answer.start_lookup);
    CHECK(cache.lookup("10.0.0.2", t0 + 5s).start_lookup);
    // getnameinfo's numeric fallback is no name either.
    cache.resolved("10.0.0.2", "10.0.0.2", t0 + 6s);
    CHECK_FALSE(cache.lookup("10.0.0.2", t0 + 7s).start_lookup);
}

TEST_CASE("hostname cache: bounded, least recently used goes first", "[hostname]") {
    HostnameCache cache({.ttl = 10s, .failure_ttl = 5s, .capacity = 2});
    (void)cache.lookup("10.0.0.1", t0);
    (void)cache.lookup("10.0.0.2", t0);
    cache.resolved("10.0.0.1", "one", t0);
    cache.resolved("10.0.0.2", "two", t0);
    (void)cache.lookup("10.0.0.1", t0);  // 10.0.0.2 is now the least recent
    (void)cache.lookup("10.0.0.3", t0);
    CHECK(cache.size() == 2);
    CHECK(cache.lookup("10.0.0.1", t0).display == "one");
    const auto again = cache.lookup("10.0.0.2", t0);
    CHECK(again.display == "10.0.0.2");
    CHECK(again.start_lookup);
    // A late answer for a dropped address is ignored.
    cache.resolved("10.0.0.9", "nine", t0);
    CHECK(cache.size() == 2);
}

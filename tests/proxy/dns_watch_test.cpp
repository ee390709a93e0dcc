// DnsWatch on the real resolver: localhost answers from /etc/hosts, a .invalid name fails
// (RFC 6761 reserves it), names no longer configured are forgotten.
#include "proxy/dns_watch.hpp"

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "proxy/lookup_thread.hpp"

using namespace amqpprox::proxy;

namespace {

// What `name` resolves to, once the watch has an answer (within 5 s).
std::optional<amqpprox::control::DnsResolution> answer(DnsWatch& watch, const std::string& host,
                                                       std::uint16_t port) {
    for (int i = 0; i < 500; ++i) {
        if (auto last = watch.last(host, port)) return last;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("dns watch: resolves DNS backends' names in the background", "[dns]") {
    LookupThread lookups;
    DnsWatch watch(lookups.io(), std::chrono::seconds(30));
    CHECK_FALSE(watch.last("localhost", 5672));  // nothing before the first refresh
    watch.refresh({{"localhost", 5672}, {"no-such-host.invalid", 5672}});

    const auto local = answer(watch, "localhost", 5672);
    REQUIRE(local);
    CHECK(local->error.empty());
    REQUIRE_FALSE(local->addresses.empty());
    CHECK((std::find(local->addresses.begin(), local->addresses.end(), "127.0.0.1:5672") !=
               local->addresses.end() ||
           std::find(local->addresses.begin(), local->addresses.end(), "[::1]:5672") !=
               local->addresses.end()));
    CHECK(local->age_s < 5);

    const auto invalid = answer(watch, "no-such-host.invalid", 5672);
    REQUIRE(invalid);
    CHECK_FALSE(invalid->error.empty());
    CHECK(invalid->addresses.empty());

    // A backend deleted since: forgotten at the next refresh.
    watch.refresh({{"localhost", 5672}});
    CHECK(watch.last("localhost", 5672));
    CHECK_FALSE(watch.last("no-such-host.invalid", 5672));
}

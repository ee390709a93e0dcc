#include "proxy/control/capture_options.hpp"

#include <catch2/catch.hpp>

using namespace amqpprox::control;
using amqpprox::capture::BodyPolicy;

namespace {

tl::expected<CaptureOptions, std::string> parse(std::vector<std::string_view> words) {
    return parse_capture_options(words);
}

constexpr const char* kExpected =
    "; expected CAPTURE START file [vhost=V] [backend=B] [source=IP] [session=N] [sample=P%] "
    "[bodies=all|none|BYTES]";

}  // namespace

TEST_CASE("CAPTURE START options: defaults and every filter", "[control]") {
    const auto plain = parse({"/tmp/a.amqpcap"});
    REQUIRE(plain);
    CHECK(plain->file == "/tmp/a.amqpcap");
    CHECK_FALSE(plain->vhost);
    CHECK(plain->sample_percent == 100.0);
    CHECK(plain->bodies == BodyPolicy{});
    CHECK(plain->describe() == "bodies=all");

    const auto all = parse({"x.amqpcap", "vhost=Prod", "backend=rabbit1", "source=10.0.0.7",
                            "session=12", "sample=12.5%", "bodies=256"});
    REQUIRE(all);
    CHECK(*all->vhost == "Prod");
    CHECK(*all->backend == "rabbit1");
    CHECK(*all->source == "10.0.0.7");
    CHECK(*all->session == 12);
    CHECK(all->sample_percent == 12.5);
    CHECK(all->bodies == BodyPolicy{BodyPolicy::Kind::first, 256});
    CHECK(all->describe() ==
          "vhost=Prod backend=rabbit1 source=10.0.0.7 session=12 sample=12.5% bodies=256");

    CHECK(parse({"f", "sample=0%"})->sample_percent == 0.0);
    CHECK(parse({"f", "sample=100"})->sample_percent == 100.0);
    CHECK(parse({"f", "bodies=none"})->bodies.kind == BodyPolicy::Kind::none);
    CHECK(parse({"f", "vhost=a=b"})->vhost == "a=b");  // only the first '=' splits
}

TEST_CASE("CAPTURE START options: errors say what is accepted", "[control]") {
    CHECK(parse({}).error() == std::string("CAPTURE START: no file given") + kExpected);
    CHECK(parse({"vhost=/"}).error() ==
          std::string("CAPTURE START: the first argument must be the capture file, not "
                      "'vhost=/'") +
              kExpected);
    CHECK(parse({"f", "verbose"}).error() ==
          std::string("CAPTURE START: unexpected argument 'verbose'") + kExpected);
    CHECK(parse({"f", "colour=red"}).error() ==
          std::string("CAPTURE START: unknown option 'colour'") + kExpected);
    CHECK(parse({"f", "vhost="}).error() ==
          std::string("CAPTURE START: no value for vhost") + kExpected);
    for (const auto bad : {"sample=101%", "sample=-1%", "sample=abc", "sample=%", "sample=5%%"}) {
        CAPTURE(bad);
        const auto value = std::string_view(bad).substr(7);
        CHECK(parse({"f", bad}).error() ==
              "CAPTURE START: invalid sample '" + std::string(value) +
                  "': expected a percentage from 0 to 100, e.g. sample=10%");
    }
    CHECK(parse({"f", "session=0"}).error() ==
          "CAPTURE START: invalid session '0': expected a session id (a number from 1, as CONN "
          "shows)");
    CHECK(parse({"f", "bodies=some"}).error() ==
          "CAPTURE START: invalid body policy 'some': expected all, none or a number of bytes");
}

#include "proxy/control/config_store.hpp"

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

using namespace amqpprox::control;

namespace {

Backend make(std::string name, std::string dc) {
    Backend b;
    b.name = std::move(name);
    b.datacenter = std::move(dc);
    b.host = b.name + ".example";
    b.port = 5672;
    return b;
}

std::vector<std::string> route_names(ConfigStore& store, const std::string& vhost) {
    auto route = store.route(vhost);
    REQUIRE(route);
    std::vector<std::string> out;
    for (const auto& b : route->candidates)
        out.push_back(b.name);
    return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("route: exact vhost, then the DEFAULT farm, else the amqpprox error", "[control]") {
    ConfigStore store;
    REQUIRE(store.add_backend(make("r1", "ldn")));
    REQUIRE(store.add_backend(make("r2", "ldn")));
    REQUIRE(store.add_farm(Farm{"shared", "round-robin", {"r1", "r2"}, {}}));

    CHECK(store.route("/").error() == "No known broker mapping for vhost /");

    store.map("one", Mapping{Mapping::Kind::backend, "r2"});
    const auto one = store.route("one");
    REQUIRE(one);
    CHECK(one->mapping == Mapping{Mapping::Kind::backend, "r2"});
    CHECK(one->candidates.size() == 1);  // MAP BACKEND: exactly one attempt
    CHECK(one->candidates[0] == make("r2", "ldn"));

    store.set_default_farm("shared");
    const auto fallback = store.route("other");
    REQUIRE(fallback);
    CHECK(fallback->mapping == Mapping{Mapping::Kind::farm, "shared"});
    CHECK(route_names(store, "other") == V{"r2", "r1"});  // second connection to the farm

    store.remove_default_farm();
    CHECK(store.route("other").error() == "No known broker mapping for vhost other");
}

TEST_CASE("route: targets that are gone give a reason", "[control]") {
    ConfigStore store;
    store.map("a", Mapping{Mapping::Kind::backend, "nope"});
    store.map("b", Mapping{Mapping::Kind::farm, "nofarm"});
    CHECK(store.route("a").error() ==
          "No known broker mapping for vhost a (backend 'nope' not found)");
    CHECK(store.route("b").error() ==
          "No known broker mapping for vhost b (farm 'nofarm' not found)");

    REQUIRE(store.add_backend(make("r1", "")));
    REQUIRE(store.add_farm(Farm{"f", "round-robin", {"r1", "r1"}, {}}));
    store.map("c", Mapping{Mapping::Kind::farm, "f"});
    CHECK(route_names(store, "c") == V{"r1"});  // listed twice, tried once
    REQUIRE(store.remove_backend("r1"));
    CHECK(store.route("c").error() ==
          "No known broker mapping for vhost c (farm 'f' has no backends)");
}

TEST_CASE("farm rotation and datacenter affinity through the store", "[control]") {
    ConfigStore store;
    for (const auto& [name, dc] : {std::pair{"a", "ny"}, {"b", "ldn"}, {"c", "ny"}}) {
        REQUIRE(store.add_backend(make(name, dc)));
    }
    REQUIRE(store.add_farm(Farm{"f", "round-robin", {"a", "b", "c"}, {}}));
    store.map("/", Mapping{Mapping::Kind::farm, "f"});
    CHECK(route_names(store, "/") == V{"a", "b", "c"});
    CHECK(route_names(store, "/") == V{"b", "c", "a"});

    REQUIRE(store.add_partition_policy("f", PartitionPolicy::datacenter_affinity));
    store.set_datacenter("ny");
    CHECK(route_names(store, "/") == V{"a", "c", "b"});
    CHECK(route_names(store, "/") == V{"c", "a", "b"});
    store.set_datacenter("ldn");  // repartitions
    CHECK(route_names(store, "/") == V{"b", "a", "c"});
    CHECK(route_names(store, "/") == V{"b", "c", "a"});
    CHECK(store.add_partition_policy("g", PartitionPolicy::datacenter_affinity).error() ==
          "Farm 'g' not found");
}

TEST_CASE("farms need existing backends; re-adding replaces", "[control]") {
    ConfigStore store;
    REQUIRE(store.add_backend(make("r1", "")));
    CHECK(store.add_farm(Farm{"f", "round-robin", {"r1", "x", "y"}, {}}).error() ==
          "Backend 'x' not found\nBackend 'y' not found\n"
          "Farm not inserted due to at least one missing Backend");
    CHECK_FALSE(store.farm("f"));
    REQUIRE(store.add_farm(Farm{"f", "round-robin", {"r1"}, {}}));
    REQUIRE(store.add_backend(make("r2", "")));
    REQUIRE(store.add_farm(Farm{"f", "round-robin", {"r2"}, {}}));
    CHECK(store.farm("f")->members == V{"r2"});
    CHECK(store.remove_farm("f"));
    CHECK(store.remove_farm("f").error() == "Farm 'f' not found");
}

TEST_CASE("backends: duplicates refused, delete, sorted listing", "[control]") {
    ConfigStore store;
    REQUIRE(store.add_backend(make("zed", "")));
    REQUIRE(store.add_backend(make("abe", "")));
    CHECK(store.add_backend(make("zed", "")).error() ==
          "Backend 'zed' already exists; BACKEND DELETE it first");
    const auto all = store.backends();
    REQUIRE(all.size() == 2);
    CHECK(all[0].name == "abe");
    CHECK(store.remove_backend("abe"));
    CHECK(store.remove_backend("abe").error() == "Backend 'abe' not found");
}

TEST_CASE("pause flags", "[control]") {
    ConfigStore store;
    CHECK_FALSE(store.paused("/"));
    store.set_paused("/", true);
    CHECK(store.paused("/"));
    store.set_paused("/", false);
    CHECK_FALSE(store.paused("/"));
    CHECK(store.pause_states() == std::map<std::string, bool>{{"/", false}});
}

TEST_CASE("routing from several threads while the control thread edits", "[control]") {
    ConfigStore store;
    REQUIRE(store.add_backend(make("r1", "a")));
    REQUIRE(store.add_backend(make("r2", "b")));
    REQUIRE(store.add_farm(Farm{"f", "round-robin", {"r1", "r2"}, {}}));
    store.map("/", Mapping{Mapping::Kind::farm, "f"});
    std::atomic<int> routed{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t) {
        readers.emplace_back([&] {
            for (int i = 0; i < 2000; ++i) {
                const auto route = store.route("/");
                if (route && !route->candidates.empty()) ++routed;
            }
        });
    }
    for (int i = 0; i < 500; ++i) {
        store.set_datacenter(i % 2 ? "a" : "b");
        (void)store.add_partition_policy("f", PartitionPolicy::datacenter_affinity);
        REQUIRE(store.add_farm(Farm{"f", "round-robin", {"r2", "r1"}, {}}));
    }
    for (auto& t : readers)
        t.join();
    CHECK(routed == 6000);
}

#include "proxy/control/backend_selector.hpp"

#include <catch2/catch.hpp>

using namespace amqpprox::control;

namespace {

Backend make(std::string name, std::string dc) {
    Backend b;
    b.name = std::move(name);
    b.datacenter = std::move(dc);
    b.host = "h";
    b.port = 5672;
    return b;
}

std::vector<std::string> names(const std::vector<Backend>& backends) {
    std::vector<std::string> out;
    for (const auto& b : backends)
        out.push_back(b.name);
    return out;
}

std::vector<std::vector<std::string>> names(const std::vector<Partition>& partitions) {
    std::vector<std::vector<std::string>> out;
    for (const auto& p : partitions)
        out.push_back(names(p));
    return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("no policy: one partition in the order given", "[control]") {
    const auto parts = partition_backends({make("a", "x"), make("b", "y")}, {}, "x");
    CHECK(names(parts) == std::vector<V>{{"a", "b"}});
    CHECK(partition_backends({}, {}, "x").empty());
}

TEST_CASE("datacenter-affinity puts the proxy's datacenter first and drops empty parts",
          "[control]") {
    const std::vector<Backend> members = {make("a", "ny"), make("b", "ldn"), make("c", "ny"),
                                          make("d", "ldn")};
    const std::vector policy = {PartitionPolicy::datacenter_affinity};
    CHECK(names(partition_backends(members, policy, "ldn")) ==
          std::vector<V>{{"b", "d"}, {"a", "c"}});
    CHECK(names(partition_backends(members, policy, "ny")) ==
          std::vector<V>{{"a", "c"}, {"b", "d"}});
    // No member in the proxy's datacenter (or none set): one partition, nothing lost.
    CHECK(names(partition_backends(members, policy, "tokyo")) ==
          std::vector<V>{{"a", "b", "c", "d"}});
    CHECK(names(partition_backends(members, policy, "")) == std::vector<V>{{"a", "b", "c", "d"}});
    // Stacked policies split again; the same policy twice changes nothing.
    CHECK(names(partition_backends(members, {policy[0], policy[0]}, "ny")) ==
          std::vector<V>{{"a", "c"}, {"b", "d"}});
}

TEST_CASE("round-robin rotates the start per connection and lists every backend once",
          "[control]") {
    RoundRobinSelector selector;
    const std::vector<Partition> parts = {{make("a", ""), make("b", ""), make("c", "")}};
    CHECK(names(selector.candidates(parts)) == V{"a", "b", "c"});
    CHECK(names(selector.candidates(parts)) == V{"b", "c", "a"});
    CHECK(names(selector.candidates(parts)) == V{"c", "a", "b"});
    CHECK(names(selector.candidates(parts)) == V{"a", "b", "c"});
    selector.reset();
    CHECK(names(selector.candidates(parts)) == V{"a", "b", "c"});
}

TEST_CASE("round-robin exhausts the first partition before failing over to the next", "[control]") {
    RoundRobinSelector selector;
    const std::vector<Partition> parts = {{make("local1", ""), make("local2", "")},
                                          {make("far1", ""), make("far2", "")}};
    CHECK(names(selector.candidates(parts)) == V{"local1", "local2", "far1", "far2"});
    CHECK(names(selector.candidates(parts)) == V{"local2", "local1", "far2", "far1"});
    CHECK(names(selector.candidates(parts)) == V{"local1", "local2", "far1", "far2"});
}

TEST_CASE("round-robin copes with partitions changing shape", "[control]") {
    RoundRobinSelector selector;
    selector.candidates({{make("a", ""), make("b", ""), make("c", "")}});
    selector.candidates({{make("a", ""), make("b", ""), make("c", "")}});
    // marker is 2; a farm shrunk to two members wraps instead of running off the end
    CHECK(names(selector.candidates({{make("a", ""), make("b", "")}})) == V{"a", "b"});
    CHECK(selector.candidates({}).empty());
}

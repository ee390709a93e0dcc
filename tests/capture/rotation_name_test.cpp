#include "capture/rotation_name.hpp"

#include <catch2/catch.hpp>

using namespace amqpprox::capture;

TEST_CASE("rotation file names round-trip", "[capture][rotation]") {
    CHECK(rotation_file_name("dir/cap.amqpcap", 3) == "dir/cap.0003.amqpcap");
    CHECK(rotation_file_name("cap", 12345) == "cap.12345");
    const auto member = parse_rotation_file_name("dir/cap.0003.amqpcap");
    REQUIRE(member);
    CHECK(member->base == "dir/cap.amqpcap");
    CHECK(member->index == 3);
    const auto bare = parse_rotation_file_name("cap.0007");
    REQUIRE(bare);
    CHECK(bare->base == "cap");
    CHECK(bare->index == 7);
    CHECK(!parse_rotation_file_name("dir/cap.amqpcap"));
    CHECK(!parse_rotation_file_name("cap"));
    CHECK(!parse_rotation_file_name("dir/"));
    CHECK(!parse_rotation_file_name("cap.003.amqpcap"));  // the writer pads to four digits
    CHECK(!parse_rotation_file_name("cap.0012x.amqpcap"));
}

#include "formats/amqp/content.hpp"

#include <catch2/catch.hpp>

#include "formats/amqp/printer.hpp"
#include "test_support.hpp"

using namespace amqpprox::amqp;
using test::hex;

namespace {

ContentHeader all_properties() {
    ContentHeader h;
    h.body_size = 1234;
    auto& p = h.properties;
    p.content_type = "application/json";
    p.content_encoding = "gzip";
    p.headers = FieldTable{{{"x-retry", FieldValue{std::int32_t{3}}}}};
    p.delivery_mode = 2;
    p.priority = 9;
    p.correlation_id = "corr";
    p.reply_to = "amq.gen-abc";
    p.expiration = "60000";
    p.message_id = "m-1";
    p.timestamp = 1700000000;
    p.type = "order.created";
    p.user_id = "guest";
    p.app_id = "shop";
    p.cluster_id = "c1";
    return h;
}

}  // namespace

TEST_CASE("a content header with all 14 properties round-trips", "[content]") {
    const auto header = all_properties();
    Bytes bytes;
    REQUIRE(encode_content_header(header, bytes));
    // Flags: all 14 property bits set, reserved and continuation bits clear.
    CHECK(test::to_hex(ByteView(bytes).subspan(12, 2)) == "ff fc");
    const auto decoded = decode_content_header(bytes);
    REQUIRE(decoded);
    CHECK(*decoded == header);
    const auto size = peek_content_size(bytes);
    REQUIRE(size);
    CHECK(size->body_size == 1234);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        const auto prefix = decode_content_header(ByteView(bytes).first(n));
        REQUIRE_FALSE(prefix);
        CHECK(prefix.error().code == Errc::truncated);
    }
}

TEST_CASE("each property has its own flag bit", "[content]") {
    ContentHeader h;
    h.body_size = 5;
    h.properties.delivery_mode = 2;
    Bytes bytes;
    REQUIRE(encode_content_header(h, bytes));
    CHECK(bytes == hex("003c 0000 0000000000000005 1000 02"));
    h.properties = {};
    h.properties.cluster_id = "c";
    bytes.clear();
    REQUIRE(encode_content_header(h, bytes));
    CHECK(bytes == hex("003c 0000 0000000000000005 0004 01 63"));
}

TEST_CASE("content headers outside 0-9-1 are rejected", "[content]") {
    SECTION("a class that carries no content") {
        const auto r = decode_content_header(hex("0032 0000 0000000000000000 0000"));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::bad_content_header);
    }
    SECTION("the continuation flag") {
        const auto r = decode_content_header(hex("003c 0000 0000000000000000 0001"));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::bad_content_header);
        CHECK(r.error().offset == 12);
    }
}

TEST_CASE("content headers print their set properties", "[content][printer]") {
    ContentHeader h;
    h.body_size = 5;
    h.properties.content_type = "text/plain";
    h.properties.delivery_mode = 2;
    h.properties.timestamp = 0;
    CHECK(to_text(h) ==
          "Content-Header body_size=5 content_type=\"text/plain\" delivery_mode=2 "
          "timestamp=1970-01-01T00:00:00Z");
}

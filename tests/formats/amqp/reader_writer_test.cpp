#include <catch2/catch.hpp>

#include "formats/amqp/reader.hpp"
#include "formats/amqp/writer.hpp"
#include "test_support.hpp"

using namespace amqpprox::amqp;
using test::hex;

TEST_CASE("reader decodes big-endian integers and strings", "[reader]") {
    const auto data = hex("01 0203 04050607 08090a0b0c0d0e0f 03 616263 00000002 7879");
    Reader r(data);
    CHECK(r.u8() == 0x01);
    CHECK(r.u16() == 0x0203);
    CHECK(r.u32() == 0x04050607u);
    CHECK(r.u64() == 0x08090a0b0c0d0e0full);
    CHECK(r.short_str() == "abc");
    CHECK(r.long_str() == "xy");
    CHECK(r.ok());
    CHECK(r.at_end());
}

TEST_CASE("reader errors are sticky and carry the absolute offset", "[reader]") {
    const auto data = hex("0001 05 6162");  // shortstr claims 5 bytes, 2 present
    Reader r(data, 100);
    CHECK(r.u16() == 1);
    CHECK(r.short_str().empty());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::truncated);
    CHECK(r.error().offset == 103);
    CHECK(r.u32() == 0);  // later reads return zero, error unchanged
    CHECK(r.error().offset == 103);
}

TEST_CASE("reader's expect_end refuses bytes after the last field", "[reader]") {
    const auto data = hex("0001 0203");
    Reader done(data);
    done.u32();
    done.expect_end();
    CHECK(done.ok());
    Reader early(data, 10);
    early.u16();
    early.expect_end();
    REQUIRE_FALSE(early.ok());
    CHECK(early.error() == Error{Errc::trailing_bytes, 12, 2});
}

TEST_CASE("consecutive bits pack into one octet, least significant first", "[writer][reader]") {
    Bytes out;
    Writer w(out);
    w.bit(true);
    w.bit(false);
    w.bit(true);
    w.u8(0xAA);  // a non-bit field ends the run
    w.bit(true);
    for (int i = 0; i < 8; ++i)
        w.bit(i == 7);  // ninth bit of a run starts a new octet
    REQUIRE(w.ok());
    CHECK(out == hex("05 aa 01 01"));

    Reader r(out);
    CHECK(r.bit());
    CHECK_FALSE(r.bit());
    CHECK(r.bit());
    CHECK(r.u8() == 0xAA);
    CHECK(r.bit());
    for (int i = 0; i < 8; ++i)
        CHECK(r.bit() == (i == 7));
    CHECK(r.at_end());
}

TEST_CASE("writer refuses a shortstr over 255 bytes", "[writer]") {
    Bytes out;
    Writer w(out);
    w.short_str(std::string(255, 'a'));
    CHECK(w.ok());
    w.short_str(std::string(256, 'a'));
    REQUIRE_FALSE(w.ok());
    CHECK(w.error().code == Errc::string_too_long);
    CHECK(w.error().detail == 256);
}

TEST_CASE("writer fills in reserved lengths", "[writer]") {
    Bytes out;
    Writer w(out);
    const auto start = w.begin_length();
    w.bytes(hex("aabbcc"));
    w.end_length(start);
    CHECK(out == hex("00000003 aabbcc"));
}

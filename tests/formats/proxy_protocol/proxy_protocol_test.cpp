// The PROXY protocol header: the spec's examples, round trips of both versions and both
// families, every prefix of a header (more bytes needed), and malformed input.
#include <catch2/catch.hpp>

#include "formats/proxy_protocol/encode.hpp"
#include "formats/proxy_protocol/parse.hpp"

using namespace amqpprox::proxy_protocol;
namespace amqp = amqpprox::amqp;

namespace {

Endpoint endpoint(std::string_view ip, std::uint16_t port) {
    const auto address = IpAddress::parse(ip);
    REQUIRE(address);
    return {*address, port};
}

amqp::Bytes bytes(std::initializer_list<int> values) {
    amqp::Bytes out;
    for (const int v : values)
        out.push_back(static_cast<std::byte>(v));
    return out;
}

amqp::Bytes v2_bytes(std::initializer_list<int> after_signature) {
    amqp::Bytes out;
    for (const auto b : kV2Signature)
        out.push_back(static_cast<std::byte>(b));
    const auto rest = bytes(after_signature);
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

Header parsed(amqp::ByteView data) {
    const auto result = parse(data);
    INFO((result ? std::string("ok") : result.error().message()));
    REQUIRE(result);
    REQUIRE(*result);
    return **result;
}

Error error_of(amqp::ByteView data) {
    const auto result = parse(data);
    REQUIRE_FALSE(result);
    return result.error();
}

Error error_of(std::string_view text) {
    return error_of(amqp::as_bytes(text));
}

// Every proper prefix of a header asks for more bytes.
void check_prefixes(amqp::ByteView header) {
    for (std::size_t n = 0; n < header.size(); ++n) {
        INFO("prefix of " << n << " bytes");
        const auto result = parse(header.first(n));
        REQUIRE(result);
        CHECK_FALSE(*result);
    }
}

}  // namespace

TEST_CASE("IPv4 and IPv6 addresses, mapped and unmapped", "[proxy_protocol]") {
    CHECK(IpAddress::parse("192.168.0.1")->to_string() == "192.168.0.1");
    CHECK(IpAddress::parse("2001:db8::7")->to_string() == "2001:db8::7");
    CHECK_FALSE(IpAddress::parse("localhost"));
    CHECK_FALSE(IpAddress::parse("1.2.3"));
    CHECK_FALSE(IpAddress::parse(""));
    const auto mapped = *IpAddress::parse("::ffff:10.1.2.3");
    CHECK(mapped.is_v4_mapped());
    CHECK(mapped.unmapped() == *IpAddress::parse("10.1.2.3"));
    CHECK(IpAddress::parse("10.1.2.3")->mapped() == mapped);
    CHECK_FALSE(IpAddress::parse("::1")->is_v4_mapped());
}

TEST_CASE("tcp_header picks TCP4 for IPv4 (mapped too) and TCP6 with mapped for mixed",
          "[proxy_protocol]") {
    auto h =
        tcp_header(endpoint("::ffff:127.0.0.1", 40000), endpoint("127.0.0.2", 5672), Version::v1);
    CHECK(h.family == Family::tcp4);
    CHECK(encode_v1(h) == "PROXY TCP4 127.0.0.1 127.0.0.2 40000 5672\r\n");
    h = tcp_header(endpoint("2001:db8::7", 40000), endpoint("10.0.0.1", 5672), Version::v1);
    CHECK(h.family == Family::tcp6);
    CHECK(encode_v1(h) == "PROXY TCP6 2001:db8::7 ::ffff:10.0.0.1 40000 5672\r\n");
    CHECK(h.destination.address == *IpAddress::parse("::ffff:10.0.0.1"));
}

TEST_CASE("the spec's v1 examples parse", "[proxy_protocol]") {
    const std::string tcp4 = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
    auto h = parsed(amqp::as_bytes(tcp4));
    CHECK(h.version == Version::v1);
    CHECK(h.family == Family::tcp4);
    CHECK(h.source == endpoint("192.168.0.1", 56324));
    CHECK(h.destination == endpoint("192.168.0.11", 443));
    CHECK(h.length == tcp4.size());

    const std::string widest4 = "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
    CHECK(parsed(amqp::as_bytes(widest4)).length == 56);
    const std::string widest6 =
        "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    h = parsed(amqp::as_bytes(widest6));
    CHECK(h.length == 104);
    CHECK(h.family == Family::tcp6);
    CHECK(h.source.port == 65535);

    h = parsed(amqp::as_bytes("PROXY UNKNOWN\r\n"));
    CHECK(h.family == Family::unknown);
    CHECK(h.length == 15);
    // The longest line the spec allows: UNKNOWN with anything after it, 107 bytes.
    const std::string longest =
        "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    REQUIRE(longest.size() == kV1MaxLength);
    h = parsed(amqp::as_bytes(longest));
    CHECK(h.family == Family::unknown);
    CHECK(h.length == kV1MaxLength);
}

TEST_CASE("the bytes after a header are not part of it", "[proxy_protocol]") {
    const std::string v1 = "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nAMQP\0\0\x09\x01";
    CHECK(parsed(amqp::as_bytes(v1)).length == v1.find("AMQP"));
    auto v2 = encode_v2(tcp_header(endpoint("1.2.3.4", 1), endpoint("5.6.7.8", 2), Version::v2));
    const auto size = v2.size();
    v2.push_back(std::byte{'A'});
    CHECK(parsed(v2).length == size);
}

TEST_CASE("the spec's v2 layout: signature, 0x21, 0x11, length 12, addresses, ports",
          "[proxy_protocol]") {
    const auto expected =
        v2_bytes({0x21, 0x11, 0x00, 0x0C, 192, 168, 0, 1, 192, 168, 0, 11, 0xDC, 0x04, 0x01, 0xBB});
    const auto h =
        tcp_header(endpoint("192.168.0.1", 56324), endpoint("192.168.0.11", 443), Version::v2);
    CHECK(encode_v2(h) == expected);
    auto back = parsed(expected);
    CHECK(back.version == Version::v2);
    CHECK(back.command == Command::proxy);
    CHECK(back.family == Family::tcp4);
    CHECK(back.source == h.source);
    CHECK(back.destination == h.destination);
    CHECK(back.length == 28);
}

TEST_CASE("round trips: v1 and v2, TCP4 and TCP6, UNKNOWN and LOCAL", "[proxy_protocol]") {
    const std::vector<Header> headers{
        tcp_header(endpoint("203.0.113.7", 40000), endpoint("127.0.0.1", 5672), Version::v1),
        tcp_header(endpoint("203.0.113.7", 40000), endpoint("127.0.0.1", 5672), Version::v2),
        tcp_header(endpoint("2001:db8::7", 40000), endpoint("::1", 5672), Version::v1),
        tcp_header(endpoint("2001:db8::7", 40000), endpoint("::1", 5672), Version::v2),
        tcp_header(endpoint("2001:db8::7", 0), endpoint("10.0.0.1", 65535), Version::v2),
        Header{.version = Version::v1},
        Header{.version = Version::v2, .command = Command::local},
    };
    for (auto header : headers) {
        const auto wire = encode(header);
        INFO(std::string(amqp::as_chars(wire)));
        check_prefixes(wire);
        header.length = wire.size();
        CHECK(parsed(wire) == header);
    }
    CHECK(encode_v1(Header{}) == "PROXY UNKNOWN\r\n");
    CHECK(encode_v2(Header{.version = Version::v2}) == v2_bytes({0x20, 0x00, 0x00, 0x00}));
}

TEST_CASE("v2 TLVs are skipped; LOCAL, UNSPEC, UNIX and UDP give no addresses",
          "[proxy_protocol]") {
    // PROXY TCP4 with a 5-byte NOOP TLV after the addresses.
    const auto with_tlv = v2_bytes({0x21, 0x11, 0x00, 0x11, 10,   0,    0,    1,    10,   0,   0,
                                    2,    0x9C, 0x40, 0x16, 0x28, 0x04, 0x00, 0x02, 0xAA, 0xBB});
    auto h = parsed(with_tlv);
    CHECK(h.length == with_tlv.size());
    CHECK(h.source == endpoint("10.0.0.1", 40000));
    CHECK(h.destination == endpoint("10.0.0.2", 5672));
    // LOCAL with addresses present: they are ignored.
    h = parsed(v2_bytes({0x20, 0x11, 0x00, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2}));
    CHECK(h.command == Command::local);
    CHECK(h.family == Family::unknown);
    CHECK(h.length == 28);
    CHECK(parsed(v2_bytes({0x21, 0x00, 0x00, 0x00})).family == Family::unknown);
    CHECK(parsed(v2_bytes({0x21, 0x12, 0x00, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2})).family ==
          Family::unknown);  // UDP
    amqp::Bytes unix_header = v2_bytes({0x21, 0x31, 0x00, 0xD8});
    unix_header.resize(unix_header.size() + 216);
    CHECK(parsed(unix_header).family == Family::unknown);
}

TEST_CASE("what is not a PROXY header says so at once", "[proxy_protocol]") {
    CHECK(error_of(amqp::as_bytes(std::string_view("AMQP\0\0\x09\x01", 8))).code ==
          Errc::not_proxy);
    CHECK(parse(amqp::as_bytes("PROXY")).value() == std::nullopt);  // a prefix of "PROXY "
    CHECK(error_of("PROXX").code == Errc::not_proxy);
    CHECK(error_of("GET / HTTP/1.1\r\n").code == Errc::not_proxy);
    CHECK(error_of(bytes({0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0B}))
              .code == Errc::not_proxy);
    CHECK(error_of("PROXY-").message() ==
          "not a PROXY protocol header at offset 0: the connection did not start with a PROXY "
          "header");
}

TEST_CASE("malformed v1 lines are errors with the offending part", "[proxy_protocol]") {
    auto e = error_of("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n");
    CHECK(e.code == Errc::v1_syntax);
    CHECK(e.message() ==
          "malformed PROXY v1 header at offset 11: bad source address '1.2.3' for TCP4");
    CHECK(error_of("PROXY TCP4 ::1 5.6.7.8 1 2\r\n").detail == "bad source address '::1' for TCP4");
    CHECK(error_of("PROXY TCP6 ::1 5.6.7.8 1 2\r\n").detail ==
          "bad destination address '5.6.7.8' for TCP6");
    CHECK(error_of("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n").detail == "bad source port '65536'");
    CHECK(error_of("PROXY TCP4 1.2.3.4 5.6.7.8 1 -2\r\n").detail == "bad destination port '-2'");
    CHECK(error_of("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n").detail ==
          "expected 4 fields after TCP4, got 3");
    CHECK(error_of("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n").code == Errc::v1_syntax);
    CHECK(error_of("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n").detail == "unknown protocol 'UDP4'");
    CHECK(error_of("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n").detail == "line ends in LF without CR");
    CHECK(error_of("PROXY \r\n").code == Errc::v1_syntax);
    const std::string endless = "PROXY TCP4 " + std::string(100, '1');
    e = error_of(endless);
    CHECK(e.code == Errc::v1_too_long);
    // 106 bytes without a line end still may be a header; the 107th decides.
    CHECK(parse(amqp::as_bytes(std::string_view(endless).substr(0, 106))).value() == std::nullopt);
}

TEST_CASE("malformed v2 headers are errors as soon as the bad byte arrives", "[proxy_protocol]") {
    CHECK(error_of(v2_bytes({0x11})).code == Errc::v2_bad_version);
    CHECK(error_of(v2_bytes({0x22})).code == Errc::v2_bad_command);
    CHECK(error_of(v2_bytes({0x21, 0x41})).code == Errc::v2_bad_family);
    CHECK(error_of(v2_bytes({0x21, 0x13})).code == Errc::v2_bad_family);
    const auto e = error_of(v2_bytes({0x21, 0x21, 0x00, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2}));
    CHECK(e.code == Errc::v2_short_addresses);
    CHECK(
        e.message() ==
        "PROXY v2 length too small for its addresses at offset 14: 12 bytes, the family needs 36");
    // A length beyond what arrived waits for the rest (up to 65535 bytes).
    auto big = v2_bytes({0x21, 0x11, 0xFF, 0xFF});
    big.resize(big.size() + 65534);
    CHECK(parse(big).value() == std::nullopt);
    big.push_back(std::byte{0});
    CHECK(parsed(big).length == 16 + 65535);
}

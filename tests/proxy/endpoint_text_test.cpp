#include "proxy/endpoint_text.hpp"

#include <catch2/catch.hpp>

using amqpprox::proxy::endpoint_text;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;

TEST_CASE("endpoints read as ip:port, as Boost prints the address", "[proxy]") {
    CHECK(endpoint_text(tcp::endpoint(make_address("127.0.0.1"), 5672)) == "127.0.0.1:5672");
    CHECK(endpoint_text(tcp::endpoint(make_address("0.0.0.0"), 0)) == "0.0.0.0:0");
    CHECK(endpoint_text(tcp::endpoint(make_address("255.255.255.255"), 65535)) ==
          "255.255.255.255:65535");
    CHECK(endpoint_text(tcp::endpoint(make_address("10.20.3.40"), 80)) == "10.20.3.40:80");
    CHECK(endpoint_text(tcp::endpoint(make_address("::1"), 5671)) == "::1:5671");
    CHECK(endpoint_text(tcp::endpoint(make_address("::ffff:192.0.2.1"), 1)) ==
          "::ffff:192.0.2.1:1");
    for (const auto* text : {"192.168.100.200", "1.2.3.4", "100.0.10.1", "2001:db8::7"}) {
        const tcp::endpoint endpoint(make_address(text), 4242);
        CHECK(endpoint_text(endpoint) == endpoint.address().to_string() + ":4242");
    }
}

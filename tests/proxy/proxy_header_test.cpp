// The PROXY protocol on the proxy's sockets: the egress header built from asio endpoints
// (families, IPv4-mapped addresses), and a client's header read over real loopback sockets,
// in pieces, leaving the bytes after it unread for the AMQP (or TLS) handshake.
#include "proxy/proxy_header.hpp"

#include <catch2/catch.hpp>

using namespace amqpprox::proxy;
namespace amqp = amqpprox::amqp;
using amqpprox::control::ProxyProtocol;

namespace {

tcp::endpoint at(const char* ip, std::uint16_t port) {
    return {asio::ip::make_address(ip), port};
}

std::string text(const amqp::Bytes& bytes) {
    return std::string(amqp::as_chars(bytes));
}

using ReadResult = tl::expected<amqpprox::proxy_protocol::Header, std::string>;

awaitable<> read_into(TcpSocket& socket, ReadResult* out) {
    *out = co_await read_proxy_header(socket);
}

// Sends `pieces` one after the other (the reader runs in between), then closes when asked.
// `rest`: what the reader left in the socket.
ReadResult read_from(const std::vector<std::string>& pieces, bool close_after,
                     std::string* rest = nullptr) {
    asio::io_context io;
    TcpAcceptor acceptor(io, at("127.0.0.1", 0));
    TcpSocket peer(io);
    peer.connect(acceptor.local_endpoint());
    TcpSocket socket = acceptor.accept();
    ReadResult result = tl::unexpected(std::string("not finished"));
    asio::co_spawn(io, read_into(socket, &result), asio::detached);
    for (const auto& piece : pieces) {
        asio::write(peer, asio::buffer(piece));
        io.run_for(std::chrono::milliseconds(20));
    }
    if (close_after) peer.close();
    io.run_for(std::chrono::milliseconds(200));
    if (rest != nullptr) {
        std::string left(socket.available(), '\0');
        if (!left.empty()) asio::read(socket, asio::buffer(left));
        *rest = left;
    }
    return result;
}

}  // namespace

TEST_CASE("egress PROXY header: the client and where it connected to", "[proxy_protocol]") {
    CHECK(egress_proxy_header(ProxyProtocol::none, at("127.0.0.1", 1), at("127.0.0.1", 2)).empty());
    CHECK(text(egress_proxy_header(ProxyProtocol::v1, at("127.0.0.1", 40000),
                                   at("127.0.0.2", 5672))) ==
          "PROXY TCP4 127.0.0.1 127.0.0.2 40000 5672\r\n");
    // A dual-stack listener sees IPv4 clients as IPv4-mapped IPv6: still TCP4.
    CHECK(text(egress_proxy_header(ProxyProtocol::v1, at("::ffff:10.0.0.7", 40000),
                                   at("::ffff:10.0.0.1", 5672))) ==
          "PROXY TCP4 10.0.0.7 10.0.0.1 40000 5672\r\n");
    CHECK(text(egress_proxy_header(ProxyProtocol::v1, at("2001:db8::7", 40000),
                                   at("10.0.0.1", 5672))) ==
          "PROXY TCP6 2001:db8::7 ::ffff:10.0.0.1 40000 5672\r\n");
    const auto v2 = egress_proxy_header(ProxyProtocol::v2, at("::1", 40000), at("::1", 5672));
    REQUIRE(v2.size() == 16 + 36);
    CHECK(v2[12] == std::byte{0x21});
    CHECK(v2[13] == std::byte{0x21});
}

TEST_CASE("endpoints convert both ways; mapped addresses come back as IPv4", "[proxy_protocol]") {
    CHECK(to_tcp_endpoint(to_proxy_endpoint(at("203.0.113.7", 40000))) == at("203.0.113.7", 40000));
    CHECK(to_tcp_endpoint(to_proxy_endpoint(at("2001:db8::7", 1))) == at("2001:db8::7", 1));
    CHECK(to_tcp_endpoint(to_proxy_endpoint(at("::ffff:1.2.3.4", 5))) == at("1.2.3.4", 5));
}

TEST_CASE("read_proxy_header: a header in pieces, then AMQP", "[proxy_protocol]") {
    const std::string amqp_header("AMQP\0\0\x09\x01", 8);
    std::string rest;
    auto got = read_from({"PROXY TCP4 203.0.", "113.7 127.0.0.1 40000 5672\r", "\n" + amqp_header},
                         false, &rest);
    REQUIRE(got);
    CHECK(got->source.port == 40000);
    CHECK(to_tcp_endpoint(got->source) == at("203.0.113.7", 40000));
    CHECK(rest == amqp_header);

    got = read_from({"\r\n\r\n", std::string("\0\r\nQUIT\n\x20\x00\x00", 11),
                     std::string(1, '\0') + amqp_header},
                    false, &rest);
    REQUIRE(got);
    CHECK(got->command == amqpprox::proxy_protocol::Command::local);
    CHECK(rest == amqp_header);
}

TEST_CASE("read_proxy_header: something else, a malformed header, an early end",
          "[proxy_protocol]") {
    auto got = read_from({std::string("AMQP\0\0\x09\x01", 8)}, false);
    REQUIRE_FALSE(got);
    CHECK(got.error().starts_with("not a PROXY protocol header at offset 0"));
    got = read_from({"PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n"}, false);
    REQUIRE_FALSE(got);
    CHECK(got.error() == "malformed PROXY v1 header at offset 27: bad source port '99999'");
    got = read_from({"PROXY TCP4 1.2"}, true);
    REQUIRE_FALSE(got);
    CHECK(got.error() == "the connection ended after 14 bytes, before a complete PROXY header");
}

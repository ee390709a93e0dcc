#include "proxy_header.hpp"

#include <boost/asio/redirect_error.hpp>

#include "formats/proxy_protocol/encode.hpp"
#include "formats/proxy_protocol/parse.hpp"

namespace amqpprox::proxy {

proxy_protocol::Endpoint to_proxy_endpoint(const tcp::endpoint& endpoint) {
    proxy_protocol::Endpoint out;
    out.port = endpoint.port();
    const auto address = endpoint.address();
    if (address.is_v4()) {
        const auto bytes = address.to_v4().to_bytes();
        std::copy(bytes.begin(), bytes.end(), out.address.bytes.begin());
    } else {
        out.address.v6 = true;
        const auto bytes = address.to_v6().to_bytes();
        std::copy(bytes.begin(), bytes.end(), out.address.bytes.begin());
    }
    return out;
}

tcp::endpoint to_tcp_endpoint(const proxy_protocol::Endpoint& endpoint) {
    const auto address = endpoint.address.unmapped();
    if (!address.v6) {
        asio::ip::address_v4::bytes_type bytes{};
        std::copy_n(address.bytes.begin(), bytes.size(), bytes.begin());
        return {asio::ip::address_v4(bytes), endpoint.port};
    }
    asio::ip::address_v6::bytes_type bytes{};
    std::copy_n(address.bytes.begin(), bytes.size(), bytes.begin());
    return {asio::ip::address_v6(bytes), endpoint.port};
}

amqp::Bytes egress_proxy_header(control::ProxyProtocol version, const tcp::endpoint& client,
                                const tcp::endpoint& destination) {
    if (version == control::ProxyProtocol::none) return {};
    const auto header = proxy_protocol::tcp_header(
        to_proxy_endpoint(client), to_proxy_endpoint(destination),
        version == control::ProxyProtocol::v2 ? proxy_protocol::Version::v2
                                              : proxy_protocol::Version::v1);
    return proxy_protocol::encode(header);
}

awaitable<> send_proxy_header(TcpSocket& broker, control::ProxyProtocol version,
                              tcp::endpoint client, tcp::endpoint destination) {
    const auto bytes = egress_proxy_header(version, client, destination);
    if (!bytes.empty()) co_await asio::async_write(broker, asio::buffer(bytes), use_awaitable);
}

namespace {

// Appends exactly `n` bytes read from `socket`; false when the connection ended first (what
// did arrive is kept). Other socket errors throw.
awaitable<bool> read_exactly(TcpSocket& socket, amqp::Bytes& received, std::size_t n) {
    const auto before = received.size();
    received.resize(before + n);
    boost::system::error_code ec;
    const auto got = co_await asio::async_read(socket, asio::buffer(received.data() + before, n),
                                               asio::redirect_error(use_awaitable, ec));
    received.resize(before + got);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) co_return false;
    if (ec) throw boost::system::system_error(ec);
    co_return true;
}

}  // namespace

awaitable<tl::expected<proxy_protocol::Header, std::string>> read_proxy_header(TcpSocket& client) {
    // Exactly the header is read (a v1 line up to its CRLF, a v2 header to the length its
    // 16-byte prefix gives), so what follows, AMQP or a TLS handshake, is left for the next
    // reader. Eight bytes tell either signature from anything else.
    amqp::Bytes received;
    std::size_t want = 8;
    while (true) {
        const bool complete = co_await read_exactly(client, received, want - received.size());
        if (!complete) {
            co_return tl::unexpected("the connection ended after " +
                                     std::to_string(received.size()) +
                                     " bytes, before a complete PROXY header");
        }
        auto parsed = proxy_protocol::parse(received);
        if (!parsed) co_return tl::unexpected(parsed.error().message());
        if (*parsed) co_return **parsed;
        if (received[0] == std::byte{'\r'}) {
            want = received.size() < 16 ? 16
                                        : 16 + (std::to_integer<std::size_t>(received[14]) << 8 |
                                                std::to_integer<std::size_t>(received[15]));
        } else {
            want = received.size() + 1;  // v1: a byte at a time up to the CRLF (107 at most)
        }
    }
}

}  // namespace amqpprox::proxy

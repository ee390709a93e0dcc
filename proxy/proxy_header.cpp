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

awaitable<> send_proxy_header(tcp::socket& broker, control::ProxyProtocol version,
                              tcp::endpoint client, tcp::endpoint destination) {
    const auto bytes = egress_proxy_header(version, client, destination);
    if (!bytes.empty()) co_await asio::async_write(broker, asio::buffer(bytes), use_awaitable);
}

awaitable<tl::expected<ReceivedProxyHeader, std::string>> read_proxy_header(tcp::socket& client) {
    // Enough for any v1 header in one read; a v2 header with TLVs may take a few.
    std::vector<std::byte> buffer(4096);
    amqp::Bytes received;
    while (true) {
        boost::system::error_code ec;
        const auto n = co_await client.async_read_some(asio::buffer(buffer),
                                                       asio::redirect_error(use_awaitable, ec));
        if (ec == asio::error::eof || ec == asio::error::connection_reset) {
            co_return tl::unexpected("the connection ended after " +
                                     std::to_string(received.size()) +
                                     " bytes, before a complete PROXY header");
        }
        if (ec) throw boost::system::system_error(ec);
        received.insert(received.end(), buffer.begin(), buffer.begin() + static_cast<long>(n));
        auto parsed = proxy_protocol::parse(received);
        if (!parsed) co_return tl::unexpected(parsed.error().message());
        if (!*parsed) continue;
        ReceivedProxyHeader out{**parsed, {}};
        out.after.assign(received.begin() + static_cast<long>(out.header.length), received.end());
        co_return out;
    }
}

}  // namespace amqpprox::proxy

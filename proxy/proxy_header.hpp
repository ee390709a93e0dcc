// The PROXY protocol header on the proxy's raw TCP sockets: read from a load balancer in front
// (LISTEN START port PROXY) and sent to a backend flagged SEND-PROXY / SEND-PROXY-V2, before
// TLS and before AMQP. The wire format is formats/proxy_protocol.
#pragma once

#include "asio.hpp"
#include "formats/amqp/bytes.hpp"
#include "formats/proxy_protocol/header.hpp"
#include "proxy/control/backend.hpp"

namespace amqpprox::proxy {

proxy_protocol::Endpoint to_proxy_endpoint(const tcp::endpoint& endpoint);
// IPv4-mapped IPv6 addresses come back as IPv4, as the proxy prints its clients.
tcp::endpoint to_tcp_endpoint(const proxy_protocol::Endpoint& endpoint);

// The header a backend with `version` gets for a client at `client` that connected to
// `destination`; empty for ProxyProtocol::none.
amqp::Bytes egress_proxy_header(control::ProxyProtocol version, const tcp::endpoint& client,
                                const tcp::endpoint& destination);

// Writes egress_proxy_header(...) to a freshly connected broker socket (nothing when none).
awaitable<> send_proxy_header(TcpSocket& broker, control::ProxyProtocol version,
                              tcp::endpoint client, tcp::endpoint destination);

// Reads a client's PROXY header (v1 or v2), and not a byte more: what follows (AMQP, or TLS
// on a START_SECURE port) is still in the socket. An error: the connection ended first, or
// sent something else, or a malformed header; the text says which. Socket errors other than
// the peer closing throw, as every read in a session does.
awaitable<tl::expected<proxy_protocol::Header, std::string>> read_proxy_header(TcpSocket& client);

}  // namespace amqpprox::proxy

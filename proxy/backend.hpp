// Where a session's broker connection may go: the ordered candidates the routing chose.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "proxy/control/backend.hpp"

namespace amqpprox::proxy {

struct BackendCandidate {
    std::string name;  // the backend's name in BACKEND PRINT
    std::string host;  // name or address, resolved when connecting
    std::uint16_t port = 0;
    bool tls = false;      // TLS towards this backend (BACKEND ... TLS)
    std::string tls_name;  // the name its certificate must carry: the host as configured
    control::ProxyProtocol send_proxy = control::ProxyProtocol::none;  // header sent first
    bool operator==(const BackendCandidate&) const = default;
};

// vhost -> candidates to try in order, or why there are none ("No known broker mapping ...").
using BackendRouter =
    std::function<tl::expected<std::vector<BackendCandidate>, std::string>(const std::string&)>;

}  // namespace amqpprox::proxy

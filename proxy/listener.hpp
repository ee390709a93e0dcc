// What the AMQP listeners and the metrics endpoint share: opening a listening socket, and
// closing one or all of a port-keyed set of them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "asio.hpp"

namespace amqpprox::proxy {

// Bound to `endpoint` and listening, with address reuse so a restarted proxy binds again at
// once. Throws boost::system::system_error (in use, no permission): the caller says where.
inline std::shared_ptr<TcpAcceptor> open_listener(asio::io_context& io,
                                                  const tcp::endpoint& endpoint) {
    auto acceptor = std::make_shared<TcpAcceptor>(io);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(TcpAcceptor::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen();
    return acceptor;
}

// Closes and forgets the listener on `port`, or every one when port is empty; false when a
// port is given and not in `listeners` (a map from port to whatever `acceptor_of` opens).
template <typename Listeners, typename AcceptorOf>
bool close_listeners(Listeners& listeners, std::optional<std::uint16_t> port,
                     AcceptorOf acceptor_of) {
    if (port && listeners.count(*port) == 0) return false;
    for (auto it = listeners.begin(); it != listeners.end();) {
        if (port && it->first != *port) {
            ++it;
            continue;
        }
        boost::system::error_code ignored;
        acceptor_of(it->second).close(ignored);
        it = listeners.erase(it);
    }
    return true;
}

}  // namespace amqpprox::proxy

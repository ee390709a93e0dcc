// The UNIX control socket: one command line per connection, its reply, then the socket
// closes; STAT LISTEN keeps writing a snapshot every interval until the client leaves. The
// socket file is created owner-only (0600) and removed on exit.
#pragma once

#include <chrono>
#include <string>

#include "asio.hpp"
#include "proxy/control/command_interpreter.hpp"

namespace amqpprox::proxy {

class ControlSocket {
public:
    // Throws std::runtime_error when the path is in use by a running proxy or cannot be bound.
    ControlSocket(asio::io_context& io, std::string path, control::CommandInterpreter& interpreter,
                  control::ControlTarget& target, std::chrono::milliseconds stats_interval);
    ~ControlSocket();
    ControlSocket(const ControlSocket&) = delete;
    ControlSocket& operator=(const ControlSocket&) = delete;

    const std::string& path() const { return m_path; }

private:
    friend awaitable<> control_accept_loop(ControlSocket* self);
    friend awaitable<> control_connection(ControlSocket* self, LocalSocket socket);

    std::string m_path;
    control::CommandInterpreter& m_interpreter;
    control::ControlTarget& m_target;
    std::chrono::milliseconds m_stats_interval;
    LocalAcceptor m_acceptor;
};

}  // namespace amqpprox::proxy

#include "control_socket.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include <sys/stat.h>

#include "log.hpp"

namespace amqpprox::proxy {
namespace {

using local = asio::local::stream_protocol;

// A leftover socket file from a proxy that died is removed; a live one is an error.
void claim(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) return;
    if (!std::filesystem::is_socket(std::filesystem::symlink_status(path, ec))) {
        throw std::runtime_error(path + " exists and is not a socket");
    }
    asio::io_context io;
    LocalSocket probe(io);
    boost::system::error_code connect_error;
    probe.connect(local::endpoint(path), connect_error);
    if (!connect_error) throw std::runtime_error(path + " is in use by a running amqpprox");
    std::filesystem::remove(path, ec);
}

}  // namespace

ControlSocket::ControlSocket(asio::io_context& io, std::string path,
                             control::CommandInterpreter& interpreter,
                             control::ControlTarget& target,
                             std::chrono::milliseconds stats_interval)
    : m_path(std::move(path)),
      m_interpreter(interpreter),
      m_target(target),
      m_stats_interval(stats_interval),
      m_acceptor(io) {
    claim(m_path);
    // Owner-only from the start: no window in which others could connect.
    const auto old_mask = ::umask(0077);
    boost::system::error_code ec;
    m_acceptor.open(local(), ec);
    if (!ec) m_acceptor.bind(local::endpoint(m_path), ec);
    ::umask(old_mask);
    if (!ec) m_acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("control socket " + m_path + ": " + ec.message());
    ::chmod(m_path.c_str(), 0600);
    asio::co_spawn(io, control_accept_loop(this), asio::detached);
}

ControlSocket::~ControlSocket() {
    boost::system::error_code ignored;
    m_acceptor.close(ignored);
    std::error_code ec;
    std::filesystem::remove(m_path, ec);
}

awaitable<> control_connection(ControlSocket* self, LocalSocket socket) {
    try {
        std::string line;
        boost::system::error_code ec;
        // One command line; a client that never ends its line cannot grow this unbounded.
        co_await asio::async_read_until(socket, asio::dynamic_buffer(line, 64 * 1024), '\n',
                                        asio::redirect_error(use_awaitable, ec));
        if (ec && ec != asio::error::eof) co_return;
        if (const auto end = line.find('\n'); end != std::string::npos) line.resize(end);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        log(LogLevel::debug, "control: " + line);
        const auto reply = self->m_interpreter.execute(line);
        // Read before anything else runs on this thread (the stats tick runs on it too): the
        // interval the reply showed.
        auto shown = reply.stream ? self->m_target.stats().interval : 0;
        co_await asio::async_write(socket, asio::buffer(reply.text), use_awaitable);
        if (reply.stream) {
            // Each interval once: look a few times per interval for a new one, rather than
            // keep a timer of our own that drifts against the stats tick.
            const auto poll = std::clamp(self->m_stats_interval / 10, std::chrono::milliseconds(5),
                                         std::chrono::milliseconds(100));
            SteadyTimer timer(socket.get_executor());
            while (true) {
                timer.expires_after(poll);
                co_await timer.async_wait(use_awaitable);
                auto snapshot = self->m_target.stats();
                if (snapshot.interval == shown) continue;
                shown = snapshot.interval;
                const auto text = control::format_stats(snapshot, *reply.stream);
                co_await asio::async_write(socket, asio::buffer(text), use_awaitable);
            }
        }
    } catch (const boost::system::system_error&) {
        // The client went away (the normal end of STAT LISTEN).
    }
}

awaitable<> control_accept_loop(ControlSocket* self) {
    while (self->m_acceptor.is_open()) {
        boost::system::error_code ec;
        auto socket =
            co_await self->m_acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
        if (ec == asio::error::operation_aborted) break;
        if (ec) continue;
        asio::co_spawn(self->m_acceptor.get_executor(), control_connection(self, std::move(socket)),
                       asio::detached);
    }
}

}  // namespace amqpprox::proxy

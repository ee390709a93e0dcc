#include "metrics_server.hpp"

#include <array>
#include <atomic>

#include "listener.hpp"
#include "log.hpp"

namespace amqpprox::proxy {

// What connections share with the server; kept alive by them, so a connection may outlive a
// METRICS STOP.
struct MetricsServerShared {
    MetricsRender render;
    std::atomic<int> connections{0};
};

namespace {

constexpr std::size_t kMaxRequestBytes = 8192;
constexpr int kMaxConnections = 16;
constexpr auto kReadTimeout = std::chrono::seconds(5);
constexpr auto kWriteTimeout = std::chrono::seconds(10);
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kMaxLingerBytes = 64 * 1024;

void log_failure(std::exception_ptr error) {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        log(LogLevel::error, std::string("metrics: ") + e.what());
    }
}

// Closes the socket if the deadline passes first. The handler holds the socket, so it is
// safe whenever it runs.
void arm(SteadyTimer& timer, std::chrono::seconds after, std::shared_ptr<TcpSocket> socket) {
    timer.expires_after(after);
    timer.async_wait([socket = std::move(socket)](boost::system::error_code ec) {
        if (ec) return;
        boost::system::error_code ignored;
        socket->close(ignored);
    });
}

std::string render_or_500(const MetricsServerShared& shared, std::string_view head) {
    try {
        return metrics_http_response(head, shared.render);
    } catch (const std::exception& e) {
        log(LogLevel::error, std::string("metrics: ") + e.what());
        return http_error(500, "Internal Server Error");
    }
}

awaitable<> serve_metrics_client(std::shared_ptr<TcpSocket> socket,
                                 std::shared_ptr<MetricsServerShared> shared) {
    struct Count {
        std::atomic<int>& n;
        ~Count() { --n; }
    } count{shared->connections};
    SteadyTimer deadline(socket->get_executor());
    arm(deadline, kReadTimeout, socket);
    std::string head;
    boost::system::error_code ec;
    const auto n =
        co_await asio::async_read_until(*socket, asio::dynamic_buffer(head, kMaxRequestBytes),
                                        "\r\n\r\n", asio::redirect_error(use_awaitable, ec));
    std::string reply;
    if (!ec) {
        reply = render_or_500(*shared, std::string_view(head).substr(0, n));
    } else if (ec == asio::error::not_found) {
        reply = http_error(431, "Request Header Fields Too Large");
    } else {
        // Timed out or the client left: nothing to answer.
        deadline.cancel();
        co_return;
    }
    arm(deadline, kWriteTimeout, socket);
    co_await asio::async_write(*socket, asio::buffer(reply),
                               asio::redirect_error(use_awaitable, ec));
    // A lingering close: closing with unread request bytes would send a reset that can
    // destroy the response before the client reads it (an oversized request, say). So end
    // our side, then read and discard until the client closes, briefly.
    socket->shutdown(TcpSocket::shutdown_send, ec);
    arm(deadline, kLingerTimeout, socket);
    std::array<char, 4096> discard;
    for (std::size_t total = 0; !ec && total < kMaxLingerBytes;) {
        const auto got = co_await socket->async_read_some(asio::buffer(discard),
                                                          asio::redirect_error(use_awaitable, ec));
        total += got;
    }
    deadline.cancel();
    socket->close(ec);
}

awaitable<> metrics_accept_loop(asio::io_context* io, std::shared_ptr<TcpAcceptor> acceptor,
                                std::shared_ptr<MetricsServerShared> shared) {
    while (acceptor->is_open()) {
        boost::system::error_code ec;
        auto socket = std::make_shared<TcpSocket>(io->get_executor());
        co_await acceptor->async_accept(*socket, asio::redirect_error(use_awaitable, ec));
        if (ec == asio::error::operation_aborted) break;
        if (ec) {
            log(LogLevel::warning, "metrics accept: " + ec.message());
            continue;
        }
        if (shared->connections.fetch_add(1) >= kMaxConnections) {
            --shared->connections;
            socket->close(ec);  // busy: the scraper retries at its next interval
            continue;
        }
        asio::co_spawn(socket->get_executor(), serve_metrics_client(socket, shared), log_failure);
    }
}

std::string url(const std::string& address, std::uint16_t port) {
    const auto host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
    return "http://" + host + ":" + std::to_string(port) + "/metrics";
}

}  // namespace

MetricsServer::MetricsServer(asio::io_context& io, MetricsRender render)
    : m_io(io), m_shared(std::make_shared<MetricsServerShared>()) {
    m_shared->render = std::move(render);
}

MetricsServer::~MetricsServer() {
    (void)stop(std::nullopt);
}

tl::expected<void, std::string> MetricsServer::listen(const std::string& address,
                                                      std::uint16_t port) {
    const auto where = address + " port " + std::to_string(port);
    {
        std::lock_guard lock(m_mutex);
        if (const auto it = m_listeners.find(port); it != m_listeners.end()) {
            return tl::unexpected("Already serving metrics on " + url(it->second.address, port) +
                                  "; METRICS STOP " + std::to_string(port) + " first.");
        }
    }
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) {
        return tl::unexpected("Cannot serve metrics on " + where + ": '" + address +
                              "' is not an IP address");
    }
    try {
        auto acceptor = open_listener(m_io, tcp::endpoint(ip, port));
        {
            std::lock_guard lock(m_mutex);
            if (m_listeners.count(port) != 0) {
                return tl::unexpected("Already serving metrics on port " + std::to_string(port) +
                                      ".");
            }
            m_listeners[port] = Listener{address, acceptor};
        }
        asio::co_spawn(m_io, metrics_accept_loop(&m_io, acceptor, m_shared), log_failure);
        log(LogLevel::info, "serving metrics on " + url(address, port));
        return {};
    } catch (const boost::system::system_error& e) {
        return tl::unexpected("Cannot serve metrics on " + where + ": " + e.code().message());
    }
}

tl::expected<void, std::string> MetricsServer::stop(std::optional<std::uint16_t> port) {
    std::lock_guard lock(m_mutex);
    const auto closed = close_listeners(
        m_listeners, port, [](Listener& listener) -> TcpAcceptor& { return *listener.acceptor; });
    if (!closed)
        return tl::unexpected("Not serving metrics on port " + std::to_string(*port) + ".");
    return {};
}

std::vector<std::string> MetricsServer::urls() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> out;
    for (const auto& [port, listener] : m_listeners)
        out.push_back(url(listener.address, port));
    return out;
}

}  // namespace amqpprox::proxy

#include "bridge_app.hpp"

#include <charconv>
#include <cstdio>

#include "bridge.hpp"

namespace amqpstream {

namespace {

void log_line(const std::string& text) {
    std::fprintf(stderr, "amqp-stream: %s\n", text.c_str());
}

void log_exception(std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        log_line(std::string("internal error: ") + ex.what());
    }
}

std::string endpoint_text(const TcpSocket& socket) {
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return "?";
    return remote.address().to_string() + ":" + std::to_string(remote.port());
}

// Bridges one stream and logs its start and end.
awaitable<void> run_bridge(std::shared_ptr<Stream> stream, std::shared_ptr<TcpSocket> socket,
                           std::uint64_t id, std::string tcp_side) {
    log_line("stream " + std::to_string(id) + " open: tcp " + tcp_side + ", reads queue " +
             stream->local_queue() + ", writes queue " + stream->remote_queue());
    const auto totals = co_await bridge(stream, socket);
    log_line("stream " + std::to_string(id) + " closed: " + std::to_string(totals.to_stream) +
             " bytes tcp->stream, " + std::to_string(totals.from_stream) + " bytes stream->tcp" +
             (totals.error.empty() ? "" : ", ended by: " + totals.error));
}

awaitable<void> forward_stream(std::shared_ptr<Stream> stream, const AppOptions* options,
                               std::uint64_t id) {
    auto executor = co_await asio::this_coro::executor;
    auto socket = std::make_shared<TcpSocket>(executor);
    tcp::resolver resolver(executor);
    boost::system::error_code ec;
    const auto where = options->forward_host + ":" + std::to_string(options->forward_port);
    const auto port = std::to_string(options->forward_port);
    auto endpoints = co_await resolver.async_resolve(options->forward_host, port,
                                                     asio::redirect_error(use_awaitable, ec));
    if (!ec)
        co_await asio::async_connect(*socket, endpoints, asio::redirect_error(use_awaitable, ec));
    if (ec) {
        log_line("stream " + std::to_string(id) + " refused: cannot connect to " + where + ": " +
                 ec.message());
        close(stream);
        co_return;
    }
    socket->set_option(tcp::no_delay(true), ec);
    const auto side = "to " + where;
    co_await run_bridge(stream, socket, id, side);
}

awaitable<int> serve(const AppOptions* options) {
    auto executor = co_await asio::this_coro::executor;
    auto connection = co_await connect(executor, options->url, options->connection);
    if (!connection) {
        log_line(connection.error());
        co_return 1;
    }
    auto listener = co_await listen(*connection, options->queue, options->stream);
    if (!listener) {
        log_line(listener.error());
        (*connection)->close();
        co_return 1;
    }
    log_line("listening on control queue \"" + options->queue + "\" at " + options->url.display() +
             ", forwarding to " + options->forward_host + ":" +
             std::to_string(options->forward_port));
    for (std::uint64_t id = 1;; ++id) {
        auto stream = co_await accept(*listener);
        if (!stream) {
            log_line(stream.error());
            (*connection)->close();
            co_return 1;
        }
        asio::co_spawn(executor, forward_stream(*stream, options, id), log_exception);
    }
}

awaitable<void> dial_and_bridge(std::shared_ptr<Connection> connection,
                                std::shared_ptr<TcpSocket> socket, const AppOptions* options,
                                std::uint64_t id) {
    const auto from = endpoint_text(*socket);
    auto stream = co_await dial(connection, options->queue, options->stream);
    if (!stream) {
        log_line("stream " + std::to_string(id) + " from " + from + " failed: " + stream.error());
        boost::system::error_code ignored;
        socket->close(ignored);
        co_return;
    }
    const auto side = "from " + from;
    co_await run_bridge(*stream, socket, id, side);
}

// Ends the accept loop when the AMQP connection is lost: streams cannot be dialled then.
awaitable<void> watch_connection(std::shared_ptr<Connection> connection,
                                 std::shared_ptr<TcpAcceptor> acceptor) {
    SteadyTimer timer(connection->executor());
    while (!connection->error()) {
        timer.expires_after(std::chrono::milliseconds(200));
        co_await timer.async_wait(use_awaitable);
    }
    boost::system::error_code ignored;
    acceptor->close(ignored);
}

awaitable<int> serve_clients(const AppOptions* options) {
    auto executor = co_await asio::this_coro::executor;
    auto connection = co_await connect(executor, options->url, options->connection);
    if (!connection) {
        log_line(connection.error());
        co_return 1;
    }
    auto acceptor = std::make_shared<TcpAcceptor>(executor);
    boost::system::error_code ec;
    const tcp::endpoint endpoint(asio::ip::make_address(options->bind, ec), options->listen_port);
    if (ec) {
        log_line("bad --bind address " + options->bind + ": " + ec.message());
        co_return 2;
    }
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(TcpAcceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        log_line("cannot listen on " + options->bind + ":" + std::to_string(options->listen_port) +
                 ": " + ec.message());
        co_return 1;
    }
    log_line("listening on " + options->bind + ":" + std::to_string(options->listen_port) +
             ", streams to control queue \"" + options->queue + "\" at " + options->url.display());
    asio::co_spawn(executor, watch_connection(*connection, acceptor), log_exception);
    for (std::uint64_t id = 1;; ++id) {
        auto socket = std::make_shared<TcpSocket>(executor);
        co_await acceptor->async_accept(*socket, asio::redirect_error(use_awaitable, ec));
        if (ec) {
            log_line("the broker connection is lost: " +
                     (*connection)->error().value_or(ec.message()));
            co_return 1;
        }
        socket->set_option(tcp::no_delay(true), ec);
        asio::co_spawn(executor, dial_and_bridge(*connection, socket, options, id), log_exception);
    }
}

int run(awaitable<int> main_task) {
    asio::io_context io;
    int code = 0;
    asio::co_spawn(io, std::move(main_task), [&](std::exception_ptr e, int result) {
        log_exception(e);
        code = e ? 1 : result;
        io.stop();
    });
    io.run();
    return code;
}

}  // namespace

tl::expected<std::pair<std::string, std::uint16_t>, std::string> parse_host_port(
    std::string_view text) {
    const auto colon = text.rfind(':');
    const std::string accepted = " (accepted: HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)";
    if (colon == std::string_view::npos || colon == 0)
        return tl::unexpected("\"" + std::string(text) + "\" has no host and port" + accepted);
    auto host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const auto port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535)
        return tl::unexpected("bad port in \"" + std::string(text) + "\"" + accepted);
    return std::pair{std::string(host), static_cast<std::uint16_t>(port)};
}

int run_server(const AppOptions& options) {
    return run(serve(&options));
}
int run_client(const AppOptions& options) {
    return run(serve_clients(&options));
}

}  // namespace amqpstream

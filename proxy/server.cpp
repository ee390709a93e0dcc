#include "server.hpp"

#include "log.hpp"

namespace amqpprox::proxy {
namespace {

amqp::FieldTable server_properties() {
    using amqp::FieldValue;
    amqp::FieldTable capabilities{{
        {"publisher_confirms", FieldValue{true}},
        {"exchange_exchange_bindings", FieldValue{true}},
        {"basic.nack", FieldValue{true}},
        {"consumer_cancel_notify", FieldValue{true}},
        {"connection.blocked", FieldValue{true}},
        {"consumer_priorities", FieldValue{true}},
        {"authentication_failure_close", FieldValue{true}},
        {"per_consumer_qos", FieldValue{true}},
        {"direct_reply_to", FieldValue{true}},
    }};
    return amqp::FieldTable{{
        {"capabilities", FieldValue{capabilities}},
        {"cluster_name", FieldValue{std::string("amqpprox")}},
        {"product", FieldValue{std::string("amqpprox")}},
        {"version", FieldValue{std::string(AMQPPROX_VERSION)}},
        {"platform", FieldValue{std::string("C++20/Boost.Asio")}},
        {"information", FieldValue{std::string("AMQP 0.9.1 recording proxy")}},
    }};
}

}  // namespace

Server::Server(asio::io_context& io, BackendRouter router, ServerOptions options)
    : m_io(io),
      m_router(std::move(router)),
      m_options(std::move(options)),
      m_server_properties(server_properties()) {}

Server::~Server() {
    stop_listening();
}

awaitable<> accept_loop(Server* server, std::shared_ptr<tcp::acceptor> acceptor) {
    while (acceptor->is_open()) {
        boost::system::error_code ec;
        auto socket = co_await acceptor->async_accept(asio::make_strand(server->m_io),
                                                      asio::redirect_error(use_awaitable, ec));
        if (ec == asio::error::operation_aborted) break;
        if (ec) {
            log(LogLevel::warning, "accept: " + ec.message());
            continue;
        }
        server->start_session(std::move(socket));
    }
}

void Server::listen(const std::string& address, std::uint16_t port) {
    const tcp::endpoint endpoint(asio::ip::make_address(address), port);
    auto acceptor = std::make_shared<tcp::acceptor>(m_io);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen();
    {
        std::lock_guard lock(m_mutex);
        m_acceptors.push_back(acceptor);
    }
    asio::co_spawn(m_io, accept_loop(this, acceptor), asio::detached);
    log(LogLevel::info, "listening on " + address + ":" + std::to_string(port));
}

void Server::stop_listening() {
    std::lock_guard lock(m_mutex);
    for (auto& acceptor : m_acceptors) {
        boost::system::error_code ignored;
        acceptor->close(ignored);
    }
    m_acceptors.clear();
}

void Server::start_session(tcp::socket socket) {
    SessionConfig config;
    config.handshake.server_properties = m_server_properties;
    config.handshake_timeout = m_options.handshake_timeout;
    config.proxy_hostname = m_options.proxy_hostname;
    std::shared_ptr<Session> session;
    {
        std::lock_guard lock(m_mutex);
        config.id = m_next_id++;
        session = std::make_shared<Session>(std::move(socket), std::move(config), *this);
        m_sessions[session->id()] = session;
    }
    session->start();
}

void Server::add_capture(std::shared_ptr<capture::CaptureWriter> writer) {
    std::lock_guard lock(m_mutex);
    m_captures.push_back(std::move(writer));
}

void Server::remove_captures() {
    std::lock_guard lock(m_mutex);
    m_captures.clear();
}

void Server::disconnect_all() {
    std::vector<std::shared_ptr<Session>> sessions;
    {
        std::lock_guard lock(m_mutex);
        for (auto& [id, weak] : m_sessions) {
            if (auto s = weak.lock()) sessions.push_back(std::move(s));
        }
    }
    for (auto& s : sessions)
        s->force_disconnect();
}

std::size_t Server::session_count() const {
    std::lock_guard lock(m_mutex);
    return m_sessions.size();
}

tl::expected<std::vector<BackendCandidate>, std::string> Server::route(const std::string& vhost) {
    return m_router(vhost);
}

std::vector<std::shared_ptr<capture::CaptureWriter>> Server::captures_for(std::uint64_t,
                                                                          const std::string&,
                                                                          const std::string&,
                                                                          const std::string&) {
    std::lock_guard lock(m_mutex);
    return m_captures;
}

void Server::session_ended(std::uint64_t session) {
    std::lock_guard lock(m_mutex);
    m_sessions.erase(session);
}

}  // namespace amqpprox::proxy

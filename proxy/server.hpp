// The proxy: listeners, the sessions they accept, the captures that record them. Runs on an
// io_context with any number of threads; each session is serialized on its own strand.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "asio.hpp"
#include "backend.hpp"
#include "session.hpp"

namespace amqpprox::proxy {

struct ServerOptions {
    std::chrono::milliseconds handshake_timeout{10'000};
    std::string proxy_hostname;
};

class Server : public SessionEnvironment {
public:
    Server(asio::io_context& io, BackendRouter router, ServerOptions options);
    ~Server() override;

    // Accepts AMQP clients on address:port (throws when the address cannot be bound).
    void listen(const std::string& address, std::uint16_t port);
    void stop_listening();
    // Records every session from now on into `writer`.
    void add_capture(std::shared_ptr<capture::CaptureWriter> writer);
    void remove_captures();
    // Closes every session's sockets.
    void disconnect_all();
    std::size_t session_count() const;

    tl::expected<std::vector<BackendCandidate>, std::string> route(
        const std::string& vhost) override;
    std::vector<std::shared_ptr<capture::CaptureWriter>> captures_for(
        std::uint64_t session, const std::string& vhost, const std::string& backend,
        const std::string& client_address) override;
    void session_ended(std::uint64_t session) override;

private:
    friend awaitable<> accept_loop(Server* server, std::shared_ptr<tcp::acceptor> acceptor);
    void start_session(tcp::socket socket);

    asio::io_context& m_io;
    BackendRouter m_router;
    ServerOptions m_options;
    amqp::FieldTable m_server_properties;

    mutable std::mutex m_mutex;
    std::vector<std::shared_ptr<tcp::acceptor>> m_acceptors;
    std::map<std::uint64_t, std::weak_ptr<Session>> m_sessions;
    std::uint64_t m_next_id = 1;
    std::vector<std::shared_ptr<capture::CaptureWriter>> m_captures;
};

}  // namespace amqpprox::proxy

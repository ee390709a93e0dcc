// A session from its client's connection to pass-through: the PROXY header and TLS when
// the listener asks for them, the handshake as the server up to Connection.Open, LIMIT and
// VHOST PAUSE, routing with failover, the handshake as the client to the chosen broker,
// then the two pumps. The sequence is in docs/handshake.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "session.hpp"

namespace amqpprox::proxy {

struct SessionSetup {
    // Runs the session's set-up under its handshake deadline, then leaves it to the pumps.
    static awaitable<> run(std::shared_ptr<Session> session);

private:
    struct Connected {
        const BackendCandidate* backend = nullptr;
        std::string address;  // of the broker, as "ip:port"
        tcp::endpoint local;  // the proxy's end of the broker connection
    };

    // Each phase is false (or an error) when the session ended in it; it has then closed
    // the sockets, after telling the client why where there was a client to tell.
    static awaitable<bool> accept_proxy_header(std::shared_ptr<Session> session);
    static awaitable<bool> accept_tls(std::shared_ptr<Session> session);
    static awaitable<bool> serve_handshake(std::shared_ptr<Session> session,
                                           amqp::ServerHandshake& server);
    static awaitable<bool> admit(std::shared_ptr<Session> session);
    // The first candidate, and address, that connects (with its PROXY header and TLS), now
    // the session's backend; else why each failed.
    static awaitable<tl::expected<Connected, std::string>> connect_backend(
        std::shared_ptr<Session> session, const std::vector<BackendCandidate>& candidates);
    // `attempt` closes the broker's socket once connect_timeout has passed (a dropped SYN, a
    // stalled TLS handshake), which ends whatever waits on it; cancel() it when done.
    static void arm_connect_timeout(SteadyTimer& attempt, const std::shared_ptr<Session>& session);
    static awaitable<std::string> connect_to(std::shared_ptr<Session> session,
                                             const BackendCandidate& candidate,
                                             tcp::endpoint endpoint);
    static awaitable<std::string> egress_tls(std::shared_ptr<Session> session,
                                             BackendCandidate candidate);
    static awaitable<bool> broker_handshake(std::shared_ptr<Session> session,
                                            const amqp::ServerHandshake& server,
                                            const Connected& connected);
    static awaitable<> start_pass_through(std::shared_ptr<Session> session,
                                          std::uint32_t frame_max);
};

}  // namespace amqpprox::proxy

// One client connection and its broker connection. Plays the server to the client until
// Connection.Open names the vhost, connects to a backend (failing over through the
// candidates), replays the handshake to it, then passes frames through unchanged both ways,
// recording them when a capture wants this session.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "asio.hpp"
#include "backend.hpp"
#include "capture/writer.hpp"
#include "formats/amqp/handshake.hpp"
#include "session_recorder.hpp"

namespace amqpprox::proxy {

// What a session asks of the server it belongs to.
class SessionEnvironment {
public:
    virtual ~SessionEnvironment() = default;
    virtual tl::expected<std::vector<BackendCandidate>, std::string> route(
        const std::string& vhost) = 0;
    // The captures that record a session with these properties.
    virtual std::vector<std::shared_ptr<capture::CaptureWriter>> captures_for(
        std::uint64_t session, const std::string& vhost, const std::string& backend,
        const std::string& client_address) = 0;
    virtual void session_ended(std::uint64_t session) = 0;
};

struct SessionConfig {
    std::uint64_t id = 0;
    amqp::ServerHandshake::Config handshake;
    std::chrono::milliseconds handshake_timeout{10'000};
    std::chrono::milliseconds connect_timeout{5'000};
    std::string proxy_hostname;
};

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket client, SessionConfig config, SessionEnvironment& environment);
    // Ends the session's recording and tells the server; runs when both directions are done.
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start();
    // Closes both sockets now, without an AMQP Close.
    void force_disconnect();
    std::uint64_t id() const { return m_config.id; }

private:
    friend awaitable<> run_session(std::shared_ptr<Session> session);
    friend awaitable<> pump(std::shared_ptr<Session> session, capture::Direction direction);
    friend awaitable<> refuse(std::shared_ptr<Session> session, std::uint16_t code,
                              std::string text);

    void close_sockets();
    // Records a frame and notes who sent a Connection.Close first.
    void record(capture::Direction direction, const amqp::FrameView& frame);
    // Records frames the proxy itself sends the client (Start, Tune, Close).
    void record_output(const amqp::Bytes& bytes);
    // Records every complete frame buffered for `direction`; an error for malformed input.
    std::optional<amqp::Error> drain(capture::Direction direction);

    tcp::socket m_client;
    tcp::socket m_broker;
    asio::steady_timer m_deadline;
    SessionConfig m_config;
    SessionEnvironment& m_environment;
    amqp::FrameSplitter m_from_client{amqp::FrameSplitter::Start::protocol_header};
    amqp::FrameSplitter m_from_broker{amqp::FrameSplitter::Start::frames};
    SessionRecorder m_recorder;
    std::string m_client_address;
    std::string m_vhost;
    capture::ClosedBy m_closed_by = capture::ClosedBy::unknown;
};

}  // namespace amqpprox::proxy

// One client connection and its broker connection. Plays the server to the client until
// Connection.Open names the vhost, connects to a backend (failing over through the
// candidates), replays the handshake to it, then passes frames through unchanged both ways,
// recording them when a capture wants this session.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "asio.hpp"
#include "backend.hpp"
#include "capture/writer.hpp"
#include "formats/amqp/frame_scanner.hpp"
#include "formats/amqp/handshake.hpp"
#include "leg.hpp"
#include "proxy/control/stats_collector.hpp"
#include "session_limits.hpp"
#include "session_recorder.hpp"

namespace amqpprox::proxy {

class Session;

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
    // Called from the session's destructor: its counters are final, its addresses still
    // readable, end_reason() decided.
    virtual void session_ended(const Session& session) = 0;
    // TLS towards a backend flagged TLS: the EGRESS context, and whether the certificate must
    // name the backend (VERIFY_MODE PEER).
    struct EgressTls {
        std::shared_ptr<ssl::context> context;
        bool check_name = false;
    };
    virtual EgressTls egress_tls() = 0;
    // VHOST PAUSE: new sessions of the vhost wait after Connection.Open.
    virtual bool vhost_paused(const std::string& vhost) = 0;
    // LIMIT: admits a new session of `vhost` (the limits returned live as long as it does,
    // on `executor`) or refuses it with the text of its Connection.Close.
    virtual tl::expected<std::shared_ptr<SessionLimits>, std::string> admit(
        std::uint64_t session, const std::string& vhost, const Executor& executor) = 0;
};

struct SessionConfig {
    std::uint64_t id = 0;
    std::shared_ptr<const amqp::ServerHandshake::Offer> handshake;
    std::chrono::milliseconds handshake_timeout{10'000};
    std::chrono::milliseconds connect_timeout{5'000};
    std::string proxy_hostname;
    // Set when the client came in on a LISTEN START_SECURE port: it speaks TLS first.
    std::shared_ptr<ssl::context> ingress_tls;
    // The listener is behind a load balancer: a PROXY protocol header comes first and names
    // the real client (LISTEN START port PROXY).
    bool proxy_protocol = false;
    // Where the client connected from, as accept() told, and to: the listener's address, or
    // unspecified when it listens on any address and the socket must be asked.
    tcp::endpoint client_endpoint;
    tcp::endpoint destination;
    // A capture was running when the session started. A capture records only the sessions
    // that start after it, so without one the session holds no handshake frames for later.
    bool capturing = false;
};

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(TcpSocket client, SessionConfig config, SessionEnvironment& environment);
    // Ends the session's recording and tells the server; runs when both directions are done.
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start();
    // Closes both sockets now, without an AMQP Close.
    void force_disconnect();
    // Closes only the broker's socket; the client sees its connection drop.
    void backend_disconnect();
    // Connection.Close 200 to the client; its Close-Ok makes the proxy close the broker
    // connection the same way; other frames are discarded meanwhile.
    void disconnect_graceful();
    // Paused: the client's frames are not read (TCP backpressure); the broker's still flow.
    void set_paused(bool paused);
    bool paused() const { return m_paused_flag; }
    // Paused and past the handshake (VHOST UNPAUSE disconnects these, as amqpprox does).
    bool paused_established() const { return m_paused_established; }
    std::uint64_t id() const { return m_config.id; }
    // Refused by a LIMIT (readable from any thread).
    bool limited() const { return m_limited; }

    // For CONN and STAT, readable from any thread. Traffic after the handshake only, as
    // amqpprox counts it: a packet is one read that was passed on.
    struct Counters {
        std::atomic<std::uint64_t> in_bytes{0}, in_frames{0}, in_packets{0};
        std::atomic<std::uint64_t> out_bytes{0}, out_frames{0}, out_packets{0};
    };
    const Counters& counters() const { return m_counters; }
    std::string vhost() const;
    std::string client_address() const;
    std::string proxy_address() const { return m_proxy_address; }
    std::string broker_address() const;
    std::string broker_local_address() const;
    std::string backend() const;
    std::int64_t started_ns() const { return m_started_ns; }
    // How the session ended, for STAT's removedConnection* counters; meaningful once it has.
    control::SessionEnd end_reason() const;
    // The handshake finished (frames passed through); for session_ended, on the ending thread.
    bool established() const { return m_open; }

private:
    // The session's two stages work on its state directly: session_setup.cpp until the
    // handshakes are done, pass_through.cpp after.
    friend struct SessionSetup;
    friend struct PassThrough;

    void close_sockets();
    // Records a frame, then observe()s it.
    // `ts_ns` 0: now.
    void record(capture::Direction direction, const amqp::FrameView& frame, std::int64_t ts_ns = 0);
    // Adds to the frame counters, once the handshake is done.
    void count_frames(capture::Direction direction, std::uint64_t frames);
    // Notes the Close exchange (who sent a Connection.Close first).
    void observe(capture::Direction direction, amqp::FrameType type,
                 const std::optional<amqp::MethodId>& method);
    // Records frames the proxy itself sends the client (Start, Tune, Close).
    void record_output(const amqp::Bytes& bytes);
    // Records every complete frame buffered for `direction`, without observe(): take() has
    // seen them. Stops at malformed input.
    void drain(capture::Direction direction, std::int64_t ts_ns);
    // After the handshake: bytes read from one side, scanned in place (frame checks, frame
    // counts, observe()); an error for malformed input. Nothing is copied or recorded.
    std::optional<amqp::Error> take(capture::Direction direction, amqp::ByteView bytes);
    // The same bytes for the captures, once they are on their way: a recorded session's
    // frames are split and queued for the writers, timed `ts_ns` (when they were read).
    void record_read(capture::Direction direction, amqp::ByteView bytes, std::int64_t ts_ns);
    // A socket failed or reached its end: the first side to do so without an AMQP Close and
    // before the proxy closed anything is the one that snapped.
    void note_dropped(bool client_side);

    Leg m_client;
    Leg m_broker;
    SteadyTimer m_deadline;
    // Everything below is used on the session's thread only (its IoPool context).
    // Never expire; cancel() wakes whoever waits on them: a resumed client reader, writers
    // waiting for a side to be free.
    SteadyTimer m_resume;
    SteadyTimer m_client_free;
    SteadyTimer m_broker_free;
    bool m_writing_client = false;
    bool m_writing_broker = false;
    bool m_open = false;                     // the handshake is done, frames pass through
    bool m_closed = false;                   // close_sockets() ran
    std::atomic<bool> m_paused_flag{false};  // m_paused, for readers on other threads
    std::atomic<bool> m_paused_established{false};
    std::atomic<bool> m_limited{false};
    bool m_paused = false;
    bool m_graceful = false;        // DISCONNECT_GRACEFUL under way
    bool m_client_closing = false;  // the client answered the proxy's Close
    bool m_broker_close_sent = false;
    bool m_broker_closed = false;  // the broker answered with Close-Ok
    enum class Dropped : std::uint8_t { none, client, broker };
    Dropped m_dropped = Dropped::none;
    SessionConfig m_config;
    SessionEnvironment& m_environment;
    // The handshake's frames, and after it a recorded session's frames for the captures.
    amqp::FrameSplitter m_from_client{amqp::FrameSplitter::Start::protocol_header};
    amqp::FrameSplitter m_from_broker{amqp::FrameSplitter::Start::frames};
    // After the handshake: every read's checks, counts and Close exchange, in place.
    amqp::FrameScanner m_scan_client;
    amqp::FrameScanner m_scan_broker;
    // The client and where it connected to: the socket's ends, or what a load balancer's
    // PROXY header says they are. Set on the session's thread before routing; m_client_address is
    // written under m_mutex as CONN reads it from the control thread.
    tcp::endpoint m_client_endpoint;
    tcp::endpoint m_client_destination;
    std::string m_client_address;
    std::string m_proxy_address;
    std::int64_t m_started_ns = 0;
    SessionRecorder m_recorder;  // after the fields its SessionStart is made of
    Counters m_counters;
    // Once admitted (LIMIT): the session's place in its vhost's count, its read pacing.
    std::shared_ptr<SessionLimits> m_limits;
    mutable std::mutex m_mutex;  // guards the strings below, set on the session's thread
    std::string m_vhost;
    std::string m_backend;
    std::string m_broker_address;
    std::string m_broker_local_address;
    capture::ClosedBy m_closed_by = capture::ClosedBy::unknown;
};

}  // namespace amqpprox::proxy

#include "session.hpp"

#include <array>

#include <boost/asio/redirect_error.hpp>

#include "endpoint_text.hpp"
#include "log.hpp"
#include "proxy_header.hpp"
#include "tls_context.hpp"

namespace amqpprox::proxy {
namespace {

using amqp::HandshakeStep;
using capture::Direction;
using Next = HandshakeStep::Next;

constexpr std::size_t kReadSize = 16 * 1024;

// Where a socket is connected from; the default endpoint when it cannot tell.
tcp::endpoint local_endpoint_of(const TcpSocket& socket) {
    boost::system::error_code ec;
    return socket.local_endpoint(ec);
}

// "ip:port", or `unknown` for an endpoint the socket could not tell.
std::string text_or(const tcp::endpoint& endpoint, const char* unknown) {
    return endpoint == tcp::endpoint() ? std::string(unknown) : endpoint_text(endpoint);
}

// The next complete frame from `socket`, reading as needed; views are valid until the next
// read. Throws on socket errors (end of stream included).
awaitable<amqp::Result<amqp::FrameView>> read_frame(Leg& socket, amqp::FrameSplitter& splitter) {
    std::unique_ptr<std::byte[]> buffer;
    while (true) {
        auto frame = splitter.next();
        if (!frame) co_return tl::unexpected(frame.error());
        if (*frame) co_return **frame;
        if (!buffer) buffer = std::make_unique_for_overwrite<std::byte[]>(kReadSize);
        const auto n =
            co_await socket.async_read_some(asio::buffer(buffer.get(), kReadSize), use_awaitable);
        splitter.feed(amqp::ByteView(buffer.get(), n));
    }
}

amqp::FieldValue text_value(std::string text) {
    return amqp::FieldValue{std::move(text)};
}

}  // namespace

Session::Session(TcpSocket client, SessionConfig config, SessionEnvironment& environment)
    : m_client(std::move(client)),
      m_broker(m_client.get_executor()),
      m_deadline(m_client.get_executor()),
      m_resume(m_client.get_executor(), SteadyTimer::time_point::max()),
      m_client_free(m_client.get_executor(), SteadyTimer::time_point::max()),
      m_broker_free(m_client.get_executor(), SteadyTimer::time_point::max()),
      m_config(std::move(config)),
      m_environment(environment),
      m_client_endpoint(m_config.client_endpoint),
      m_client_destination(m_config.destination.address().is_unspecified()
                               ? local_endpoint_of(m_client.socket())
                               : m_config.destination),
      m_client_address(text_or(m_client_endpoint, "?")),
      m_proxy_address(text_or(m_client_destination, "")),
      m_started_ns(capture::now_ns()),
      m_recorder(capture::SessionStart{.id = m_config.id,
                                       .start_ns = m_started_ns,
                                       .client_address = m_client_address,
                                       .proxy_address = m_proxy_address,
                                       .client_tls = m_config.ingress_tls != nullptr},
                 m_config.capturing) {}

std::string Session::client_address() const {
    std::lock_guard lock(m_mutex);
    return m_client_address;
}

std::string Session::vhost() const {
    std::lock_guard lock(m_mutex);
    return m_vhost;
}

std::string Session::backend() const {
    std::lock_guard lock(m_mutex);
    return m_backend;
}

std::string Session::broker_address() const {
    std::lock_guard lock(m_mutex);
    return m_broker_address;
}

std::string Session::broker_local_address() const {
    std::lock_guard lock(m_mutex);
    return m_broker_local_address;
}

void Session::disconnect_graceful() {
    asio::co_spawn(m_client.get_executor(), graceful_close(shared_from_this()), asio::detached);
}

void Session::set_paused(bool paused) {
    asio::dispatch(m_client.get_executor(), [self = shared_from_this(), paused] {
        self->m_paused = paused;
        self->m_paused_flag = paused;
        self->m_paused_established = paused && self->m_open;
        if (!paused) self->m_resume.cancel();
    });
}

void Session::backend_disconnect() {
    asio::dispatch(m_client.get_executor(),
                   [self = shared_from_this()] { self->m_broker.close(); });
}

Session::~Session() {
    if (!m_recorder.chosen()) {
        // Never routed (a failed handshake): recorded by the captures that take any session.
        m_recorder.choose(m_environment.captures_for(m_config.id, m_vhost, "", m_client_address),
                          "", "");
    }
    m_recorder.end(m_closed_by);
    m_environment.session_ended(*this);
}

control::SessionEnd Session::end_reason() const {
    // Someone sent Connection.Close: a clean end, whoever started it.
    if (m_closed_by != capture::ClosedBy::unknown) return control::SessionEnd::graceful;
    switch (m_dropped) {
        case Dropped::client:
            return control::SessionEnd::client_snapped;
        case Dropped::broker:
            return control::SessionEnd::broker_snapped;
        case Dropped::none:
            break;
    }
    return control::SessionEnd::graceful;  // the proxy closed it (FORCE_DISCONNECT, timeouts)
}

void Session::note_dropped(bool client_side) {
    if (m_closed || m_dropped != Dropped::none || m_closed_by != capture::ClosedBy::unknown) return;
    m_dropped = client_side ? Dropped::client : Dropped::broker;
}

void Session::start() {
    asio::co_spawn(m_client.get_executor(), run_session(shared_from_this()),
                   [id = m_config.id](std::exception_ptr error) {
                       if (!error) return;
                       try {
                           std::rethrow_exception(error);
                       } catch (const std::exception& e) {
                           log(LogLevel::error, "session " + std::to_string(id) + ": " + e.what());
                       }
                   });
}

void Session::force_disconnect() {
    asio::dispatch(m_client.get_executor(), [self = shared_from_this()] { self->close_sockets(); });
}

void Session::close_sockets() {
    m_closed = true;
    m_deadline.cancel();
    m_resume.cancel();
    m_client_free.cancel();
    m_broker_free.cancel();
    if (m_limits) m_limits->cancel();
    m_client.close();
    m_broker.close();
}

void Session::record(Direction direction, const amqp::FrameView& frame, std::int64_t ts_ns) {
    m_recorder.frame(direction, frame.type, frame.channel, frame.payload, ts_ns);
    std::optional<amqp::MethodId> method;
    if (frame.type == amqp::FrameType::method) {
        if (const auto id = amqp::peek_method_id(frame.payload)) method = *id;
    }
    observe(direction, frame.type, method);
    count_frames(direction, 1);
}

void Session::count_frames(Direction direction, std::uint64_t frames) {
    if (!m_open || frames == 0) return;
    // Relaxed: STAT and CONN read totals; nothing is ordered by them.
    (direction == Direction::client_to_broker ? m_counters.in_frames : m_counters.out_frames)
        .fetch_add(frames, std::memory_order_relaxed);
}

void Session::observe(Direction direction, amqp::FrameType type,
                      const std::optional<amqp::MethodId>& id) {
    if (type != amqp::FrameType::method) return;
    if (m_graceful && id) {
        const bool close = *id == amqp::ConnectionClose::id;
        const bool close_ok = *id == amqp::ConnectionCloseOk::id;
        if (direction == Direction::client_to_broker && (close || close_ok))
            m_client_closing = true;
        if (direction == Direction::broker_to_client && close_ok) m_broker_closed = true;
    }
    if (m_closed_by != capture::ClosedBy::unknown) return;
    if (id && *id == amqp::ConnectionClose::id) {
        m_closed_by = direction == Direction::client_to_broker ? capture::ClosedBy::client
                                                               : capture::ClosedBy::broker;
    }
}

void Session::record_output(const amqp::Bytes& bytes) {
    amqp::ByteView rest(bytes);
    while (auto frame = amqp::parse_frame(rest, 0)) {
        if (!*frame) break;
        record(Direction::broker_to_client, **frame);
        rest = rest.subspan((*frame)->wire_size());
    }
}

void Session::drain(Direction direction, std::int64_t ts_ns) {
    auto& splitter = direction == Direction::client_to_broker ? m_from_client : m_from_broker;
    while (true) {
        auto frame = splitter.next();
        if (!frame || !*frame) return;
        m_recorder.frame(direction, (*frame)->type, (*frame)->channel, (*frame)->payload, ts_ns);
    }
}

void Session::record_read(Direction direction, amqp::ByteView bytes, std::int64_t ts_ns) {
    // Not copied: drain() takes every frame before the read buffer is used again.
    (direction == Direction::client_to_broker ? m_from_client : m_from_broker).feed_view(bytes);
    drain(direction, ts_ns);
}

std::optional<amqp::Error> Session::take(Direction direction, amqp::ByteView bytes) {
    const bool from_client = direction == Direction::client_to_broker;
    std::uint64_t frames = 0;  // one atomic add per read, not per frame
    auto error =
        (from_client ? m_scan_client : m_scan_broker)
            .scan(bytes, [this, direction, &frames](const amqp::FrameScanner::Frame& frame) {
                ++frames;
                // Only method frames matter to observe(); the id goes by reference, as a copy
                // of the optional stalled on store forwarding (perf: 13 % of a 100 B pass-through).
                if (frame.type == amqp::FrameType::method)
                    observe(direction, frame.type, frame.method);
            });
    count_frames(direction, frames);
    return error;
}

// The handshake's writes (six a connection). What a plain leg takes at once goes with one
// send, without the reactor's round trip of an async write; the rest waits for the socket.
awaitable<> send(Leg& socket, const amqp::Bytes& bytes) {
    boost::system::error_code error;
    const auto rest = socket.write_what_fits(bytes, error);
    if (error) throw boost::system::system_error(error);  // as a failed async_write would
    if (!rest.empty()) {
        co_await asio::async_write(socket, asio::buffer(rest.data(), rest.size()), use_awaitable);
    }
}

// Writes to one side once no other write to it is in progress, so bytes the proxy adds (a
// Close) never land inside a frame being passed through.
awaitable<> write_to(std::shared_ptr<Session> session, bool to_client, amqp::ByteView bytes) {
    auto& s = *session;
    auto& busy = to_client ? s.m_writing_client : s.m_writing_broker;
    auto& free = to_client ? s.m_client_free : s.m_broker_free;
    while (busy) {
        boost::system::error_code ignored;
        co_await free.async_wait(asio::redirect_error(use_awaitable, ignored));
    }
    busy = true;
    try {
        co_await asio::async_write(to_client ? s.m_client : s.m_broker,
                                   asio::buffer(bytes.data(), bytes.size()), use_awaitable);
    } catch (...) {
        busy = false;
        free.cancel();
        throw;
    }
    busy = false;
    free.cancel();
}

awaitable<> graceful_close(std::shared_ptr<Session> session) {
    auto& s = *session;
    if (!s.m_open || s.m_graceful) {
        s.close_sockets();
        co_return;
    }
    s.m_graceful = true;
    s.m_paused = false;
    s.m_paused_flag = false;
    s.m_resume.cancel();
    if (s.m_closed_by == capture::ClosedBy::unknown) s.m_closed_by = capture::ClosedBy::proxy;
    const auto close = amqp::connection_close_frame(amqp::reply::success, "OK");
    s.record_output(close);
    try {
        co_await write_to(session, true, close);
    } catch (const boost::system::system_error&) {
        s.close_sockets();
        co_return;
    }
    // A client that never answers still lets go of the broker, after a while.
    s.m_deadline.expires_after(std::chrono::seconds(5));
    s.m_deadline.async_wait([weak = std::weak_ptr<Session>(session)](boost::system::error_code ec) {
        if (auto self = weak.lock(); self && !ec) self->close_sockets();
    });
}

// Tells the client why the proxy closes, records it, and lets the destructor do the rest.
awaitable<> refuse(std::shared_ptr<Session> session, std::uint16_t code, std::string text) {
    auto& s = *session;
    log(LogLevel::warning, "session " + std::to_string(s.id()) + " from " + s.m_client_address +
                               ": closing with " + std::to_string(code) + ": " + text);
    const auto close = amqp::connection_close_frame(code, text);
    s.record_output(close);
    if (s.m_closed_by == capture::ClosedBy::unknown || s.m_closed_by == capture::ClosedBy::broker) {
        s.m_closed_by = capture::ClosedBy::proxy;
    }
    co_await write_to(session, true, close);
}

// What of `bytes` a plain leg takes at once when no other write to it is in progress; the
// rest is for write_to(). `error` is set when the leg is gone (would_block is not an error).
amqp::ByteView write_now(Session& s, bool to_client, amqp::ByteView bytes,
                         boost::system::error_code& error) {
    if (to_client ? s.m_writing_client : s.m_writing_broker) return bytes;
    return (to_client ? s.m_client : s.m_broker).write_what_fits(bytes, error);
}

awaitable<> pump(std::shared_ptr<Session> session, Direction direction) {
    auto& s = *session;
    const bool from_client = direction == Direction::client_to_broker;
    auto& from = from_client ? s.m_client : s.m_broker;
    // An idle plain leg waits with a small read of its own and holds no large buffer: it
    // takes one when bytes keep coming, and gives it back once a read drains the socket
    // (1,000 idle clients: 10 KiB each instead of 44). A TLS leg keeps its buffer: OpenSSL
    // may hold decrypted bytes the socket no longer shows. Waiting with async_wait instead
    // would cost an epoll_ctl per wait: Asio re-arms the socket for every such wait.
    std::array<std::byte, 512> idle_buffer;
    std::unique_ptr<std::byte[]> buffer;
    if (from.tls()) buffer = std::make_unique_for_overwrite<std::byte[]>(kReadSize);
    // While bytes keep coming a plain leg is read with read_now(), as HAProxy does: no trip
    // through the reactor per read. Every kReadsInARow-th read goes through it all the same,
    // so that a busy session lets the others on its thread have their turn.
    constexpr int kReadsInARow = 16;
    int in_a_row = 0;
    try {
        while (true) {
            boost::system::error_code read_error;
            std::size_t n = 0;
            std::byte* data = buffer.get();
            if (!buffer) {
                data = idle_buffer.data();
                n = co_await from.async_read_some(asio::buffer(idle_buffer),
                                                  asio::redirect_error(use_awaitable, read_error));
                in_a_row = 0;
                if (n == idle_buffer.size())
                    buffer = std::make_unique_for_overwrite<std::byte[]>(kReadSize);
            } else if (!from.tls() && ++in_a_row < kReadsInARow) {
                n = from.read_now(asio::buffer(data, kReadSize), read_error);
                if (read_error == asio::error::would_block) {
                    buffer.reset();
                    continue;
                }
            } else {
                in_a_row = 0;
                n = co_await from.async_read_some(asio::buffer(data, kReadSize),
                                                  asio::redirect_error(use_awaitable, read_error));
            }
            if (read_error) {
                s.note_dropped(from_client);
                break;
            }
            // Paused: what was read waits here and nothing more is read, so TCP pushes back.
            while (from_client && s.m_paused && !s.m_graceful && !s.m_closed) {
                boost::system::error_code ignored;
                co_await s.m_resume.async_wait(asio::redirect_error(use_awaitable, ignored));
            }
            if (s.m_closed) break;
            auto& bytes = from_client ? s.m_counters.in_bytes : s.m_counters.out_bytes;
            auto& packets = from_client ? s.m_counters.in_packets : s.m_counters.out_packets;
            // Relaxed: STAT and CONN read totals; nothing is ordered by them.
            bytes.fetch_add(n, std::memory_order_relaxed);
            packets.fetch_add(1, std::memory_order_relaxed);
            const amqp::ByteView read(data, n);
            // The frames of one read arrived together: one clock reading for all of them.
            const auto read_ns = s.m_recorder.recording() ? capture::now_ns() : 0;
            if (const auto error = s.take(direction, read)) {
                // Recorded up to the bad frame: the capture shows what the Close is about.
                if (read_ns != 0) s.record_read(direction, read, read_ns);
                if (from_client) {
                    co_await refuse(session, error->reply_code(), error->message());
                } else {
                    log(LogLevel::error,
                        "session " + std::to_string(s.id()) +
                            ": broker sent a malformed frame: " + error->message());
                }
                break;
            }
            if (s.m_graceful) {
                if (read_ns != 0) s.record_read(direction, read, read_ns);
                // Closing: nothing passes; the client's answer turns into the broker's Close.
                if (s.m_client_closing && !s.m_broker_close_sent) {
                    s.m_broker_close_sent = true;
                    co_await write_to(session, false,
                                      amqp::connection_close_frame(amqp::reply::success, "OK"));
                }
                if (s.m_broker_closed) break;
                continue;
            }
            boost::system::error_code write_error;
            const auto rest = write_now(s, !from_client, read, write_error);
            // Recording waits until the bytes are on their way: a read of many small frames
            // would otherwise hold them (and the other side's answers) for its recording.
            // What was read is recorded even when the other side is gone.
            if (read_ns != 0) s.record_read(direction, read, read_ns);
            // As a failed async_write would.
            if (write_error) throw boost::system::system_error(write_error);
            if (!rest.empty()) co_await write_to(session, !from_client, rest);
            // A short read drained the socket: wait with the small read again (another recv
            // now would only find nothing).
            if (!from.tls() && data == buffer.get() && n < kReadSize) buffer.reset();
            // LIMIT DATA_RATE: the next read from the client waits for its share.
            if (from_client && s.m_limits) co_await pace(s.m_limits, n);
        }
    } catch (const boost::system::system_error&) {
        // Writing failed: almost always the side written to (a Close to the client during
        // refuse() is the exception, and rare).
        s.note_dropped(!from_client);
    }
    s.close_sockets();
}

// TLS over the broker connection just made: SNI, the name check when asked, the handshake
// under the connect timeout. Empty when it worked, else why not.
awaitable<std::string> egress_tls(std::shared_ptr<Session> session, BackendCandidate candidate) {
    auto& s = *session;
    // Asked for here, not at the session's start: OpenSSL is set up only once TLS is used.
    auto egress = s.m_environment.egress_tls();
    auto& tls = s.m_broker.start_tls(*egress.context);
    const auto& name = candidate.tls_name.empty() ? candidate.host : candidate.tls_name;
    if (auto ready = prepare_client_tls(tls.native_handle(), name, egress.check_name); !ready) {
        co_return ready.error();
    }
    SteadyTimer attempt(s.m_client.get_executor());
    attempt.expires_after(s.m_config.connect_timeout);
    attempt.async_wait([weak = std::weak_ptr<Session>(session)](boost::system::error_code error) {
        if (error) return;
        if (auto self = weak.lock()) {
            boost::system::error_code ignored;
            self->m_broker.socket().close(ignored);
        }
    });
    boost::system::error_code ec;
    co_await tls.async_handshake(ssl::stream_base::client, asio::redirect_error(use_awaitable, ec));
    const bool timed_out = attempt.cancel() == 0 && ec;
    if (!ec) co_return std::string();
    if (timed_out) {
        co_return "TLS handshake not finished within " +
            std::to_string(s.m_config.connect_timeout.count()) + " ms";
    }
    std::string text = "TLS handshake failed: " + ec.message();
    if (text.find("certificate verify failed") != std::string::npos) {
        text += " (TLS EGRESS CA_CERT_FILE trusts the broker's CA; the certificate must name " +
                name + ")";
    }
    co_return text;
}

// A listener behind a load balancer: the PROXY header names the client. Without one (or with
// a malformed one) the connection is dropped: the peer speaks no AMQP yet, so no Close.
awaitable<bool> accept_proxy_header(std::shared_ptr<Session> session) {
    auto& s = *session;
    const auto id_text = "session " + std::to_string(s.id());
    auto received = co_await read_proxy_header(s.m_client.socket());
    if (!received) {
        log(LogLevel::warning,
            id_text + " from " + s.m_client_address +
                ": no valid PROXY protocol header, dropped: " + received.error());
        s.close_sockets();
        co_return false;
    }
    const auto& header = *received;
    if (header.family == proxy_protocol::Family::unknown) {
        // v1 UNKNOWN, v2 LOCAL (the balancer's own health check): the socket's ends stand.
        log(LogLevel::debug, id_text + " from " + s.m_client_address +
                                 ": PROXY header without addresses, keeping the connection's");
    } else {
        const auto client = to_tcp_endpoint(header.source);
        const auto address = endpoint_text(client);
        log(LogLevel::info, id_text + " from " + s.m_client_address + ": PROXY v" +
                                std::to_string(static_cast<int>(header.version)) +
                                " header: client " + address);
        s.m_client_endpoint = client;
        s.m_client_destination = to_tcp_endpoint(header.destination);
        s.m_recorder.set_client_address(address);
        std::lock_guard lock(s.m_mutex);
        s.m_client_address = address;
    }
    co_return true;
}

awaitable<> run_session(std::shared_ptr<Session> session) {
    auto& s = *session;
    const auto id_text = "session " + std::to_string(s.id());
    s.m_deadline.expires_after(s.m_config.handshake_timeout);
    s.m_deadline.async_wait([weak = std::weak_ptr<Session>(session)](boost::system::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock()) {
            log(LogLevel::warning, "session " + std::to_string(self->id()) +
                                       ": handshake not finished in time, dropped");
            self->close_sockets();
        }
    });
    try {
        // 0. Behind a load balancer: its PROXY header, under the handshake deadline, then TLS
        // on a LISTEN START_SECURE port. The header is read exactly, so TLS starts after it.
        if (s.m_config.proxy_protocol) {
            const bool accepted = co_await accept_proxy_header(session);
            if (!accepted) co_return;
        }
        if (s.m_config.ingress_tls) {
            auto& tls = s.m_client.start_tls(*s.m_config.ingress_tls);
            boost::system::error_code ec;
            co_await tls.async_handshake(ssl::stream_base::server,
                                         asio::redirect_error(use_awaitable, ec));
            if (ec) {
                log(LogLevel::warning, id_text + " from " + s.client_address() +
                                           ": TLS handshake failed: " + ec.message());
                s.close_sockets();
                co_return;
            }
        }
        // 1. The client's half: header, Start, Start-Ok, Tune, Tune-Ok, Open.
        amqp::ServerHandshake server(s.m_config.handshake);
        while (true) {
            auto frame = co_await read_frame(s.m_client, s.m_from_client);
            HandshakeStep step;
            if (!frame) {
                step = server.on_error(frame.error());
            } else {
                s.record(Direction::client_to_broker, *frame);
                step = frame->type == amqp::FrameType::protocol_header
                           ? server.on_protocol_header(
                                 *amqp::parse_protocol_header(frame->payload).value())
                           : server.on_frame(*frame);
            }
            s.record_output(step.output);
            co_await send(s.m_client, step.output);
            if (step.next == Next::close) {
                if (step.close_code && s.m_closed_by == capture::ClosedBy::unknown) {
                    s.m_closed_by = capture::ClosedBy::proxy;
                }
                log(LogLevel::info, id_text + " from " + s.m_client_address +
                                        ": handshake ended: " + step.close_text);
                s.close_sockets();
                co_return;
            }
            if (step.next == Next::done) break;
        }
        {
            std::lock_guard lock(s.m_mutex);
            s.m_vhost = server.open().virtual_host;
        }

        // LIMIT: over the vhost's connection rate or count, refused before any broker connection.
        auto admitted = s.m_environment.admit(s.id(), s.m_vhost, s.m_client.get_executor());
        if (!admitted) {
            s.m_limited = true;
            co_await refuse(session, amqp::reply::not_allowed, admitted.error());
            s.close_sockets();
            co_return;
        }
        s.m_limits = std::move(*admitted);

        // A paused vhost holds its new sessions here, before any broker connection.
        if (s.m_environment.vhost_paused(s.m_vhost)) {
            s.m_paused = true;
            s.m_paused_flag = true;
            s.m_deadline.cancel();
            log(LogLevel::info, id_text + ": vhost '" + s.m_vhost + "' is paused: holding");
            while (s.m_paused && !s.m_closed) {
                boost::system::error_code ignored;
                co_await s.m_resume.async_wait(asio::redirect_error(use_awaitable, ignored));
            }
            if (s.m_closed) co_return;
        }

        // 2. Routing and failover.
        auto candidates = s.m_environment.route(s.m_vhost);
        if (!candidates) {
            co_await refuse(session, amqp::reply::resource_error, candidates.error());
            s.close_sockets();
            co_return;
        }
        tcp::resolver resolver(s.m_client.get_executor());
        std::string failures;
        const BackendCandidate* chosen = nullptr;
        tcp::endpoint broker_endpoint;  // of the connection made
        for (const auto& candidate : *candidates) {
            boost::system::error_code ec;
            const auto port_text = std::to_string(candidate.port);
            // An address needs no lookup: the resolver's thread hand-off per connection was
            // a tenth of the proxy's CPU at high connection rates.
            const auto address = asio::ip::make_address(candidate.host, ec);
            tcp::resolver::results_type endpoints;
            if (!ec) {
                endpoints = tcp::resolver::results_type::create(
                    tcp::endpoint(address, candidate.port), candidate.host, port_text);
            } else {
                ec = {};
                endpoints = co_await resolver.async_resolve(
                    candidate.host, port_text, asio::redirect_error(use_awaitable, ec));
            }
            if (ec) {
                failures +=
                    " " + candidate.name + " (" + candidate.host + ": " + ec.message() + ")";
                continue;
            }
            for (const auto& entry : endpoints) {
                // A backend that never answers (a dropped SYN) must not hold up failover.
                SteadyTimer attempt(s.m_client.get_executor());
                attempt.expires_after(s.m_config.connect_timeout);
                attempt.async_wait(
                    [weak = std::weak_ptr<Session>(session)](boost::system::error_code error) {
                        if (error) return;
                        if (auto self = weak.lock()) {
                            boost::system::error_code ignored;
                            self->m_broker.socket().close(ignored);
                        }
                    });
                s.m_broker.open(entry.endpoint().protocol(), ec);
                if (!ec) {
                    co_await s.m_broker.socket().async_connect(
                        entry.endpoint(), asio::redirect_error(use_awaitable, ec));
                }
                const bool timed_out = attempt.cancel() == 0 && ec;
                // SEND-PROXY(-V2): the real client and where it connected to, before TLS/AMQP.
                if (!ec) {
                    co_await send_proxy_header(s.m_broker.socket(), candidate.send_proxy,
                                               s.m_client_endpoint, s.m_client_destination);
                }
                std::string tls_failure;
                if (!ec && candidate.tls) tls_failure = co_await egress_tls(session, candidate);
                if (!tls_failure.empty()) {
                    failures += " " + candidate.name + " (" + endpoint_text(entry.endpoint()) +
                                ": " + tls_failure + ")";
                    ec = asio::error::connection_refused;  // this address failed: try the next
                    boost::system::error_code ignored;
                    s.m_broker.socket().close(ignored);
                    s.m_broker.drop_tls();
                    continue;
                }
                if (!ec) {
                    broker_endpoint = entry.endpoint();
                    break;
                }
                failures +=
                    " " + candidate.name + " (" + endpoint_text(entry.endpoint()) + ": " +
                    (timed_out ? "no answer within " +
                                     std::to_string(s.m_config.connect_timeout.count()) + " ms"
                               : ec.message()) +
                    ")";
                boost::system::error_code ignored;
                s.m_broker.socket().close(ignored);
                s.m_broker.drop_tls();
            }
            if (!ec) {
                chosen = &candidate;
                break;
            }
        }
        if (chosen == nullptr) {
            co_await refuse(
                session, amqp::reply::resource_error,
                "RESOURCE_ERROR - no backend reachable for vhost '" + s.m_vhost + "':" + failures);
            s.close_sockets();
            co_return;
        }
        s.m_client.socket().set_option(tcp::no_delay(true));
        s.m_broker.socket().set_option(tcp::no_delay(true));
        const auto broker_address = endpoint_text(broker_endpoint);
        const auto egress = local_endpoint_of(s.m_broker.socket());
        {
            std::lock_guard lock(s.m_mutex);
            s.m_backend = chosen->name;
            s.m_broker_address = broker_address;
            s.m_broker_local_address = text_or(egress, "");
        }
        s.m_recorder.choose(
            s.m_environment.captures_for(s.id(), s.m_vhost, chosen->name, s.m_client_address),
            chosen->name, broker_address, s.m_broker.tls());
        if (log_enabled(LogLevel::info)) {  // a line per connection: built only when kept
            log(LogLevel::info, id_text + ": " + s.m_client_address + " -> " + chosen->name + " " +
                                    broker_address + " vhost '" + s.m_vhost + "'");
        }

        // 3. The broker's half: the client's Start-Ok (with where it came from), Tune-Ok, Open.
        amqp::FieldTable added;
        added.entries.push_back(
            {"amqpprox_client", text_value(s.m_client_address + (s.m_client.tls() ? " TLS" : ""))});
        added.entries.push_back(
            {"amqpprox_host",
             text_value(s.m_config.proxy_hostname + ":" +
                        (egress.port() == 0 ? "?" : std::to_string(egress.port())))});
        // The server handshake checked this payload whole, so the splice cannot fail.
        auto start_ok_frame = amqp::start_ok_frame_adding(server.start_ok_payload(), added);
        amqp::ClientHandshake client({.start_ok = {.mechanism = server.mechanism()},
                                      .tuned = server.tuned(),
                                      .open = server.open(),
                                      .start_ok_frame = std::move(start_ok_frame).value()});
        HandshakeStep step;
        std::string dropped;  // why the broker's connection failed mid-handshake, if it did
        try {
            co_await send(s.m_broker, client.start());
            while (step.next == Next::more) {
                auto frame = co_await read_frame(s.m_broker, s.m_from_broker);
                step = frame ? client.on_frame(*frame) : client.on_error(frame.error());
                co_await send(s.m_broker, step.output);
            }
        } catch (const boost::system::system_error& e) {
            dropped = e.code() == asio::error::eof ? std::string("it closed the connection")
                                                   : e.code().message();
        }
        if (!dropped.empty()) {
            // A broker that drops the handshake (a TLS alert such as a missing client
            // certificate, a restart): the client hears why, not a bare TCP close.
            co_await refuse(session, amqp::reply::resource_error,
                            "RESOURCE_ERROR - backend " + chosen->name + " (" + broker_address +
                                ") failed during the AMQP handshake: " + dropped);
            s.close_sockets();
            co_return;
        }
        if (step.next == Next::close) {
            if (const auto& refusal = client.refusal()) {
                // The broker's own words (a 403 login refusal, a 530 vhost refusal).
                const auto close =
                    amqp::connection_close_frame(refusal->reply_code, refusal->reply_text,
                                                 {refusal->class_id, refusal->method_id});
                s.record_output(close);
                s.m_closed_by = capture::ClosedBy::broker;
                co_await send(s.m_client, close);
            } else {
                co_await refuse(session, amqp::reply::connection_forced,
                                "CONNECTION_FORCED - " + step.close_text);
            }
            s.close_sockets();
            co_return;
        }
        s.record_output(client.open_ok_frame());
        co_await send(s.m_client, client.open_ok_frame());
        s.m_deadline.cancel();
        s.m_open = true;

        // 4. Pass-through. Bytes that arrived behind the handshake go first.
        const auto frame_max = server.tuned().frame_max;
        s.m_from_client.set_frame_max(frame_max);
        s.m_from_broker.set_frame_max(frame_max);
        const amqp::Bytes early_client(s.m_from_client.pending().begin(),
                                       s.m_from_client.pending().end());
        const amqp::Bytes early_broker(s.m_from_broker.pending().begin(),
                                       s.m_from_broker.pending().end());
        // Errors stick in the scanners, so the pumps' first take() reports them.
        s.m_scan_client = amqp::FrameScanner(frame_max, s.m_from_client.offset());
        s.m_scan_broker = amqp::FrameScanner(frame_max, s.m_from_broker.offset());
        s.take(Direction::client_to_broker, early_client);
        s.take(Direction::broker_to_client, early_broker);
        if (s.m_recorder.recording()) {
            // Complete frames are recorded now; a partial one stays in the splitter.
            const auto now = capture::now_ns();
            s.drain(Direction::client_to_broker, now);
            s.drain(Direction::broker_to_client, now);
        }
        if (!early_client.empty()) {
            s.m_counters.in_bytes += early_client.size();
            ++s.m_counters.in_packets;
        }
        if (!early_broker.empty()) {
            s.m_counters.out_bytes += early_broker.size();
            ++s.m_counters.out_packets;
        }
        co_await send(s.m_broker, early_client);
        co_await send(s.m_client, early_broker);
        // Both pumps on their own, so this frame (both handshakes, the routing) goes now
        // rather than living as long as the session.
        asio::co_spawn(s.m_client.get_executor(), pump(session, Direction::broker_to_client),
                       asio::detached);
        asio::co_spawn(s.m_client.get_executor(), pump(session, Direction::client_to_broker),
                       asio::detached);
    } catch (const boost::system::system_error& e) {
        log(LogLevel::debug, id_text + ": " + e.what());
        // Before a broker connection only the client can have gone; after, the broker's
        // half of the handshake is what is being waited for.
        s.note_dropped(!s.m_broker.socket().is_open());
        s.close_sockets();
    }
}

}  // namespace amqpprox::proxy

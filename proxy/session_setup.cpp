#include "session_setup.hpp"

#include <boost/asio/redirect_error.hpp>

#include "endpoint_text.hpp"
#include "log.hpp"
#include "pass_through.hpp"
#include "proxy_header.hpp"
#include "tls_context.hpp"

namespace amqpprox::proxy {
namespace {

using amqp::HandshakeStep;
using capture::Direction;
using Next = HandshakeStep::Next;

constexpr std::size_t kHandshakeReadSize = 16 * 1024;

// The next complete frame from `socket`, reading as needed; views are valid until the next
// read. Throws on socket errors (end of stream included).
awaitable<amqp::Result<amqp::FrameView>> read_frame(Leg& socket, amqp::FrameSplitter& splitter) {
    std::unique_ptr<std::byte[]> buffer;
    while (true) {
        auto frame = splitter.next();
        if (!frame) co_return tl::unexpected(frame.error());
        if (*frame) co_return **frame;
        if (!buffer) buffer = std::make_unique_for_overwrite<std::byte[]>(kHandshakeReadSize);
        const auto n = co_await socket.async_read_some(
            asio::buffer(buffer.get(), kHandshakeReadSize), use_awaitable);
        splitter.feed(amqp::ByteView(buffer.get(), n));
    }
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

amqp::FieldValue text_value(std::string text) {
    return amqp::FieldValue{std::move(text)};
}

}  // namespace

awaitable<> SessionSetup::run(std::shared_ptr<Session> session) {
    auto& s = *session;
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
        if (s.m_config.proxy_protocol && !co_await accept_proxy_header(session)) co_return;
        if (s.m_config.ingress_tls && !co_await accept_tls(session)) co_return;
        // 1. The client's half: header, Start, Start-Ok, Tune, Tune-Ok, Open.
        amqp::ServerHandshake server(s.m_config.handshake);
        if (!co_await serve_handshake(session, server)) co_return;
        {
            std::lock_guard lock(s.m_mutex);
            s.m_vhost = server.open().virtual_host;
        }
        if (!co_await admit(session)) co_return;

        // 2. Routing and failover.
        auto candidates = s.m_environment.route(s.m_vhost);
        if (!candidates) {
            co_await PassThrough::refuse(session, amqp::reply::resource_error, candidates.error());
            co_return;
        }
        const auto connected = co_await connect_backend(session, *candidates);
        if (!connected) {
            co_await PassThrough::refuse(session, amqp::reply::resource_error,
                                         "RESOURCE_ERROR - no backend reachable for vhost '" +
                                             s.m_vhost + "':" + connected.error());
            co_return;
        }

        // 3. The broker's half, and Open-Ok to the client; 4. the pumps.
        if (!co_await broker_handshake(session, server, *connected)) co_return;
        co_await start_pass_through(session, server.tuned().frame_max);
    } catch (const boost::system::system_error& e) {
        log(LogLevel::debug, "session " + std::to_string(s.id()) + ": " + e.what());
        // Before a broker connection only the client can have gone; after, the broker's
        // half of the handshake is what is being waited for.
        s.note_dropped(!s.m_broker.socket().is_open());
        s.close_sockets();
    }
}

// A listener behind a load balancer: the PROXY header names the client. Without one (or with
// a malformed one) the connection is dropped: the peer speaks no AMQP yet, so no Close.
awaitable<bool> SessionSetup::accept_proxy_header(std::shared_ptr<Session> session) {
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

awaitable<bool> SessionSetup::accept_tls(std::shared_ptr<Session> session) {
    auto& s = *session;
    auto& tls = s.m_client.start_tls(*s.m_config.ingress_tls);
    boost::system::error_code ec;
    co_await tls.async_handshake(ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
    if (!ec) co_return true;
    log(LogLevel::warning, "session " + std::to_string(s.id()) + " from " + s.client_address() +
                               ": TLS handshake failed: " + ec.message());
    s.close_sockets();
    co_return false;
}

awaitable<bool> SessionSetup::serve_handshake(std::shared_ptr<Session> session,
                                              amqp::ServerHandshake& server) {
    auto& s = *session;
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
        if (step.next == Next::done) co_return true;
        if (step.next == Next::close) {
            if (step.close_code && s.m_closed_by == capture::ClosedBy::unknown) {
                s.m_closed_by = capture::ClosedBy::proxy;
            }
            log(LogLevel::info, "session " + std::to_string(s.id()) + " from " +
                                    s.m_client_address + ": handshake ended: " + step.close_text);
            s.close_sockets();
            co_return false;
        }
    }
}

// LIMIT: over the vhost's connection rate or count, refused before any broker connection.
// VHOST PAUSE: held here, before any broker connection, until unpaused.
awaitable<bool> SessionSetup::admit(std::shared_ptr<Session> session) {
    auto& s = *session;
    auto admitted = s.m_environment.admit(s.id(), s.m_vhost, s.m_client.get_executor());
    if (!admitted) {
        s.m_limited = true;
        co_await PassThrough::refuse(session, amqp::reply::not_allowed, admitted.error());
        co_return false;
    }
    s.m_limits = std::move(*admitted);
    if (s.m_environment.vhost_paused(s.m_vhost)) {
        s.m_paused = true;
        s.m_paused_flag = true;
        s.m_deadline.cancel();
        log(LogLevel::info,
            "session " + std::to_string(s.id()) + ": vhost '" + s.m_vhost + "' is paused: holding");
        while (s.m_paused && !s.m_closed) {
            boost::system::error_code ignored;
            co_await s.m_resume.async_wait(asio::redirect_error(use_awaitable, ignored));
        }
        if (s.m_closed) co_return false;
    }
    co_return true;
}

void SessionSetup::arm_connect_timeout(SteadyTimer& attempt,
                                       const std::shared_ptr<Session>& session) {
    attempt.expires_after(session->m_config.connect_timeout);
    attempt.async_wait([weak = std::weak_ptr<Session>(session)](boost::system::error_code error) {
        if (error) return;
        if (auto self = weak.lock()) {
            boost::system::error_code ignored;
            self->m_broker.socket().close(ignored);
        }
    });
}

// TLS over the broker connection just made: SNI, the name check when asked, the handshake
// under the connect timeout. Empty when it worked, else why not.
awaitable<std::string> SessionSetup::egress_tls(std::shared_ptr<Session> session,
                                                BackendCandidate candidate) {
    auto& s = *session;
    // Asked for here, not at the session's start: OpenSSL is set up only once TLS is used.
    auto egress = s.m_environment.egress_tls();
    auto& tls = s.m_broker.start_tls(*egress.context);
    const auto& name = candidate.tls_name.empty() ? candidate.host : candidate.tls_name;
    if (auto ready = prepare_client_tls(tls.native_handle(), name, egress.check_name); !ready) {
        co_return ready.error();
    }
    SteadyTimer attempt(s.m_client.get_executor());
    arm_connect_timeout(attempt, session);
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

// One address of `candidate`: connected, with the PROXY header and TLS when the backend asks
// for them. Empty when it worked, else why not (the socket closed again, for the next).
awaitable<std::string> SessionSetup::connect_to(std::shared_ptr<Session> session,
                                                const BackendCandidate& candidate,
                                                tcp::endpoint endpoint) {
    auto& s = *session;
    // A backend that never answers (a dropped SYN) must not hold up failover.
    SteadyTimer attempt(s.m_client.get_executor());
    arm_connect_timeout(attempt, session);
    boost::system::error_code ec;
    s.m_broker.open(endpoint.protocol(), ec);
    if (!ec) {
        co_await s.m_broker.socket().async_connect(endpoint,
                                                   asio::redirect_error(use_awaitable, ec));
    }
    const bool timed_out = attempt.cancel() == 0 && ec;
    std::string failure;
    if (ec) {
        failure = timed_out ? "no answer within " +
                                  std::to_string(s.m_config.connect_timeout.count()) + " ms"
                            : ec.message();
    } else {
        // SEND-PROXY(-V2): the real client and where it connected to, before TLS/AMQP.
        co_await send_proxy_header(s.m_broker.socket(), candidate.send_proxy, s.m_client_endpoint,
                                   s.m_client_destination);
        if (candidate.tls) failure = co_await egress_tls(session, candidate);
    }
    if (!failure.empty()) {
        boost::system::error_code ignored;
        s.m_broker.socket().close(ignored);
        s.m_broker.drop_tls();
    }
    co_return failure;
}

// Failover: every candidate in turn, and every address of each.
awaitable<tl::expected<SessionSetup::Connected, std::string>> SessionSetup::connect_backend(
    std::shared_ptr<Session> session, const std::vector<BackendCandidate>& candidates) {
    auto& s = *session;
    tcp::resolver resolver(s.m_client.get_executor());
    std::string failures;
    const BackendCandidate* chosen = nullptr;
    tcp::endpoint broker_endpoint;  // of the connection made
    for (const auto& candidate : candidates) {
        boost::system::error_code ec;
        const auto port_text = std::to_string(candidate.port);
        // An address needs no lookup: the resolver's thread hand-off per connection was
        // a tenth of the proxy's CPU at high connection rates.
        const auto address = asio::ip::make_address(candidate.host, ec);
        tcp::resolver::results_type endpoints;
        if (!ec) {
            endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, candidate.port),
                                                            candidate.host, port_text);
        } else {
            ec = {};
            endpoints = co_await resolver.async_resolve(candidate.host, port_text,
                                                        asio::redirect_error(use_awaitable, ec));
        }
        if (ec) {
            failures += " " + candidate.name + " (" + candidate.host + ": " + ec.message() + ")";
            continue;
        }
        for (const auto& entry : endpoints) {
            const auto failure = co_await connect_to(session, candidate, entry.endpoint());
            if (failure.empty()) {
                chosen = &candidate;
                broker_endpoint = entry.endpoint();
                break;
            }
            failures += " " + candidate.name + " (" + endpoint_text(entry.endpoint()) + ": " +
                        failure + ")";
        }
        if (chosen != nullptr) break;
    }
    if (chosen == nullptr) co_return tl::unexpected(failures);

    // The session has its backend: for CONN, the captures and the log.
    s.m_client.socket().set_option(tcp::no_delay(true));
    s.m_broker.socket().set_option(tcp::no_delay(true));
    const auto broker_address = endpoint_text(broker_endpoint);
    const auto egress = local_endpoint_of(s.m_broker.socket());
    {
        std::lock_guard lock(s.m_mutex);
        s.m_backend = chosen->name;
        s.m_broker_address = broker_address;
        s.m_broker_local_address = endpoint_text_or(egress, "");
    }
    s.m_recorder.choose(
        s.m_environment.captures_for(s.id(), s.m_vhost, chosen->name, s.m_client_address),
        chosen->name, broker_address, s.m_broker.tls());
    if (log_enabled(LogLevel::info)) {  // a line per connection: built only when kept
        log(LogLevel::info, "session " + std::to_string(s.id()) + ": " + s.m_client_address +
                                " -> " + chosen->name + " " + broker_address + " vhost '" +
                                s.m_vhost + "'");
    }
    co_return Connected{chosen, broker_address, egress};
}

// The chosen broker's half: the client's Start-Ok (with where it came from), Tune-Ok and
// Open, replayed; then the broker's Open-Ok, or its refusal, to the client.
awaitable<bool> SessionSetup::broker_handshake(std::shared_ptr<Session> session,
                                               const amqp::ServerHandshake& server,
                                               const Connected& connected) {
    auto& s = *session;
    const auto* chosen = connected.backend;
    const auto& broker_address = connected.address;
    const auto& egress = connected.local;
    amqp::FieldTable added;
    added.entries.push_back(
        {"amqpprox_client", text_value(s.m_client_address + (s.m_client.tls() ? " TLS" : ""))});
    added.entries.push_back(
        {"amqpprox_host", text_value(s.m_config.proxy_hostname + ":" +
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
        co_await PassThrough::refuse(session, amqp::reply::resource_error,
                                     "RESOURCE_ERROR - backend " + chosen->name + " (" +
                                         broker_address +
                                         ") failed during the AMQP handshake: " + dropped);
        co_return false;
    }
    if (step.next == Next::close) {
        if (const auto& refusal = client.refusal()) {
            // The broker's own words (a 403 login refusal, a 530 vhost refusal).
            const auto close = amqp::connection_close_frame(
                refusal->reply_code, refusal->reply_text, {refusal->class_id, refusal->method_id});
            s.record_output(close);
            s.m_closed_by = capture::ClosedBy::broker;
            co_await send(s.m_client, close);
            s.close_sockets();
        } else {
            co_await PassThrough::refuse(session, amqp::reply::connection_forced,
                                         "CONNECTION_FORCED - " + step.close_text);
        }
        co_return false;
    }
    s.record_output(client.open_ok_frame());
    co_await send(s.m_client, client.open_ok_frame());
    s.m_deadline.cancel();
    s.m_open = true;
    co_return true;
}

// Bytes that arrived behind the handshake go first, then the two pumps.
awaitable<> SessionSetup::start_pass_through(std::shared_ptr<Session> session,
                                             std::uint32_t frame_max) {
    auto& s = *session;
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
    asio::co_spawn(s.m_client.get_executor(),
                   PassThrough::pump(session, Direction::broker_to_client), asio::detached);
    asio::co_spawn(s.m_client.get_executor(),
                   PassThrough::pump(session, Direction::client_to_broker), asio::detached);
}

}  // namespace amqpprox::proxy

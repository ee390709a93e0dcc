#include "server.hpp"

#include "listener.hpp"
#include "log.hpp"
#include "proxy/control/statsd_format.hpp"
#include "tls_context.hpp"

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

std::string without_port(const std::string& address) {
    const auto colon = address.rfind(':');
    return colon == std::string::npos ? address : address.substr(0, colon);
}

// The same session is in or out of a sample every time it is asked, and sessions spread
// evenly: a multiplicative hash of the id.
bool sampled(std::uint64_t session, double percent) {
    if (percent >= 100.0) return true;
    const auto bucket = (session * 0x9E3779B97F4A7C15ull) >> 40;  // 24 bits
    return static_cast<double>(bucket) < percent / 100.0 * static_cast<double>(1u << 24);
}

}  // namespace

Server::Server(IoPool& pool, control::ConfigStore& config, ServerOptions options)
    : m_pool(pool),
      m_io(pool.main()),
      m_config(config),
      m_options(std::move(options)),
      m_offer(std::make_shared<const amqp::ServerHandshake::Offer>(
          amqp::ServerHandshake::Config{.server_properties = server_properties()})) {}

std::shared_ptr<ssl::context> Server::tls_context(control::TlsDirection direction) {
    // Made on first use: OpenSSL's set-up costs a proxy that never uses TLS about 4 MiB.
    // Settings already loaded once, so making them again cannot fail; empty ones neither
    // (unconfigured egress TLS encrypts without verifying, as in amqpprox).
    auto& tls = m_tls[static_cast<int>(direction)];
    if (!tls.context) tls.context = make_tls_context(direction, tls.settings).value();
    return tls.context;
}

SessionEnvironment::EgressTls Server::egress_tls() {
    std::lock_guard lock(m_mutex);
    const auto& settings = m_tls[static_cast<int>(control::TlsDirection::egress)].settings;
    return {tls_context(control::TlsDirection::egress),
            (settings.verify & control::tls_verify_peer) != 0};
}

Server::~Server() {
    m_lookups.stop();
    (void)listen_stop(std::nullopt);
    close_captures();
}

awaitable<> accept_loop(Server* server, std::shared_ptr<TcpAcceptor> acceptor, bool secure,
                        bool proxy_protocol) {
    boost::system::error_code ec;
    const auto destination = acceptor->local_endpoint(ec);
    while (acceptor->is_open()) {
        tcp::endpoint client;
        auto socket = co_await acceptor->async_accept(server->m_pool.next(), client,
                                                      asio::redirect_error(use_awaitable, ec));
        if (ec == asio::error::operation_aborted) break;
        if (ec) {
            log(LogLevel::warning, "accept: " + ec.message());
            continue;
        }
        server->start_session(std::move(socket), client, destination, secure, proxy_protocol);
    }
}

void Server::start_session(TcpSocket socket, const tcp::endpoint& client,
                           const tcp::endpoint& destination, bool secure, bool proxy_protocol) {
    SessionConfig config;
    config.client_endpoint = client;
    config.destination = destination;
    config.proxy_protocol = proxy_protocol;
    config.handshake = m_offer;
    config.handshake_timeout = m_options.handshake_timeout;
    config.connect_timeout = m_options.connect_timeout;
    config.proxy_hostname = m_options.proxy_hostname;
    std::shared_ptr<Session> session;
    {
        std::lock_guard lock(m_mutex);
        if (secure) config.ingress_tls = tls_context(control::TlsDirection::ingress);
        config.id = m_next_id++;
        config.capturing = !m_captures.empty();
        session = std::make_shared<Session>(std::move(socket), std::move(config), *this);
        m_sessions[session->id()] = session;
    }
    session->start();
}

std::vector<std::shared_ptr<Session>> Server::live_sessions() const {
    std::vector<std::shared_ptr<Session>> sessions;
    std::lock_guard lock(m_mutex);
    for (const auto& [id, weak] : m_sessions) {
        if (auto s = weak.lock()) sessions.push_back(std::move(s));
    }
    return sessions;
}

tl::expected<std::vector<BackendCandidate>, std::string> Server::route(const std::string& vhost) {
    auto route = m_config.route(vhost);
    if (!route) return tl::unexpected(route.error());
    std::vector<BackendCandidate> candidates;
    for (const auto& backend : route->candidates) {
        // ADD_DNS backends resolve on every connection; ADD backends use their stored address.
        const auto& host = backend.dns || backend.ip.empty() ? backend.host : backend.ip;
        candidates.push_back(
            {backend.name, host, backend.port, backend.tls, backend.host, backend.send_proxy});
    }
    return candidates;
}

tl::expected<std::shared_ptr<SessionLimits>, std::string> Server::admit(std::uint64_t session,
                                                                        const std::string& vhost,
                                                                        const Executor& executor) {
    auto decision = m_admission.admit(vhost, control::LimitClock::now());
    for (const auto& alarm : decision.alarms)
        log(LogLevel::warning, "session " + std::to_string(session) + ": " + alarm);
    if (decision.refusal) return tl::unexpected(std::move(*decision.refusal));
    return std::make_shared<SessionLimits>(executor, m_config.limits(), m_admission, session,
                                           vhost);
}

std::vector<std::shared_ptr<capture::CaptureWriter>> Server::captures_for(
    std::uint64_t session, const std::string& vhost, const std::string& backend,
    const std::string& client_address) {
    std::vector<std::shared_ptr<capture::CaptureWriter>> writers;
    std::lock_guard lock(m_mutex);
    for (auto& c : m_captures) {
        const auto& o = c.options;
        if (session < c.first_session) continue;  // it started before the capture
        if (o.vhost && *o.vhost != vhost) continue;
        if (o.backend && *o.backend != backend) continue;
        if (o.source && *o.source != without_port(client_address)) continue;
        if (o.session && *o.session != session) continue;
        if (!sampled(session, o.sample_percent)) continue;
        ++c.sessions;
        writers.push_back(c.writer);
    }
    return writers;
}

void Server::session_ended(const Session& session) {
    {
        std::lock_guard lock(m_mutex);
        m_sessions.erase(session.id());
    }
    auto last = sample(session);
    last.established = session.established();
    std::lock_guard lock(m_stats_mutex);
    m_lifetime.session_ended(last, session.end_reason());
    m_collector.session_ended(std::move(last), session.end_reason());
}

control::SessionSample Server::sample(const Session& session) {
    const auto& c = session.counters();
    control::SessionSample s;
    s.id = session.id();
    s.vhost = session.vhost();
    s.backend_address = session.broker_address();
    s.backend = control::backend_key(s.backend_address);
    s.source = m_hostnames.display(without_port(session.client_address()));
    s.paused = session.paused();
    s.limited = session.limited();
    s.traffic = {c.in_packets, c.in_frames, c.in_bytes, c.out_packets, c.out_frames, c.out_bytes};
    return s;
}

void Server::collect_stats() {
    std::vector<control::SessionSample> live;
    for (const auto& s : live_sessions())
        live.push_back(sample(*s));
    const auto process = m_process_usage.sample();
    control::StatsSnapshot snapshot;
    {
        std::lock_guard lock(m_stats_mutex);
        m_latest = m_collector.tick(live);
        m_latest.process = process;
        m_latest.interval = ++m_intervals;
        snapshot = m_latest;
    }
    if (m_statsd.active()) m_statsd.send(control::pack_datagrams(control::statsd_lines(snapshot)));
    std::vector<DnsWatch::Name> dns_names;
    for (const auto& backend : m_config.backends()) {
        if (backend.dns) dns_names.emplace_back(backend.host, backend.port);
    }
    m_dns.refresh(dns_names);
}

control::Status Server::listen_start(std::uint16_t port, bool secure, bool proxy_protocol) {
    {
        std::lock_guard lock(m_mutex);
        if (secure && !has_certificate(*tls_context(control::TlsDirection::ingress))) {
            return tl::unexpected(std::string(
                "LISTEN START_SECURE needs a certificate and its key first: TLS INGRESS "
                "CERT_CHAIN_FILE file, TLS INGRESS KEY_FILE file"));
        }
        if (m_acceptors.count(port) != 0) {
            return tl::unexpected("Already listening on port " + std::to_string(port) + ".");
        }
    }
    try {
        auto acceptor = open_listener(
            m_io, tcp::endpoint(asio::ip::make_address(m_options.listen_address), port));
        {
            std::lock_guard lock(m_mutex);
            if (m_acceptors.count(port) != 0) {
                return tl::unexpected("Already listening on port " + std::to_string(port) + ".");
            }
            m_acceptors[port] = acceptor;
        }
        asio::co_spawn(m_io, accept_loop(this, acceptor, secure, proxy_protocol), asio::detached);
        log(LogLevel::info, std::string(secure ? "listening with TLS on " : "listening on ") +
                                m_options.listen_address + ":" + std::to_string(port) +
                                (proxy_protocol ? " (PROXY protocol header required)" : ""));
        return {};
    } catch (const boost::system::system_error& e) {
        return tl::unexpected("Cannot listen on " + m_options.listen_address + ":" +
                              std::to_string(port) + ": " + e.code().message());
    }
}

control::Status Server::listen_stop(std::optional<std::uint16_t> port) {
    std::lock_guard lock(m_mutex);
    const auto closed = close_listeners(m_acceptors, port,
                                        [](auto& acceptor) -> TcpAcceptor& { return *acceptor; });
    if (!closed) return tl::unexpected("Not listening on port " + std::to_string(*port) + ".");
    return {};
}

control::Status Server::tls_configure(control::TlsDirection direction,
                                      const control::TlsSettings& settings) {
    auto context = make_tls_context(direction, settings);
    if (!context) return tl::unexpected(context.error());
    std::lock_guard lock(m_mutex);
    m_tls[static_cast<int>(direction)] = {settings, std::move(*context)};
    return {};
}

control::TlsSettings Server::tls_settings(control::TlsDirection direction) {
    std::lock_guard lock(m_mutex);
    return m_tls[static_cast<int>(direction)].settings;
}

std::vector<std::string> Server::tls_ciphers(control::TlsDirection direction) {
    std::shared_ptr<ssl::context> context;
    {
        std::lock_guard lock(m_mutex);
        context = tls_context(direction);
    }
    return cipher_names(*context);
}

std::vector<control::SessionSummary> Server::connections() {
    std::vector<control::SessionSummary> out;
    const auto now = capture::now_ns();
    for (const auto& s : live_sessions()) {
        const auto& c = s->counters();
        control::SessionSummary summary;
        summary.id = s->id();
        summary.vhost = s->vhost();
        summary.paused = s->paused();
        summary.ingress_remote = m_hostnames.display_address(s->client_address());
        summary.ingress_local = without_port(s->proxy_address());
        summary.egress_local = s->broker_local_address();
        summary.egress_remote = s->broker_address();
        summary.in_bytes = c.in_bytes;
        summary.in_frames = c.in_frames;
        summary.in_packets = c.in_packets;
        summary.out_bytes = c.out_bytes;
        summary.out_frames = c.out_frames;
        summary.out_packets = c.out_packets;
        summary.started_unix_s = s->started_ns() / 1'000'000'000;
        summary.duration_s = (now - s->started_ns()) / 1'000'000'000;
        out.push_back(std::move(summary));
    }
    return out;
}

control::Status Server::session_action(std::uint64_t id, control::SessionAction action) {
    std::shared_ptr<Session> session;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_sessions.find(id);
        if (it != m_sessions.end()) session = it->second.lock();
    }
    if (!session) return tl::unexpected(std::string("Session not found."));
    switch (action) {
        case control::SessionAction::force_disconnect:
            session->force_disconnect();
            return {};
        case control::SessionAction::disconnect_graceful:
            session->disconnect_graceful();
            return {};
        case control::SessionAction::pause:
            session->set_paused(true);
            return {};
    }
    return {};
}

control::Status Server::vhost_action(const std::string& vhost, control::VhostAction action) {
    for (const auto& s : live_sessions()) {
        if (s->vhost() != vhost) continue;
        switch (action) {
            case control::VhostAction::pause:
                s->set_paused(true);
                break;
            case control::VhostAction::unpause:
                // As amqpprox: held sessions connect now; established paused ones are
                // disconnected (the vhost moved: clients reconnect to the new mapping).
                if (s->paused_established()) {
                    s->force_disconnect();
                } else {
                    s->set_paused(false);
                }
                break;
            case control::VhostAction::backend_disconnect:
                s->backend_disconnect();
                break;
            case control::VhostAction::force_disconnect:
                s->force_disconnect();
                break;
        }
    }
    return {};
}

control::StatsSnapshot Server::stats() {
    control::StatsSnapshot snapshot;
    {
        std::lock_guard lock(m_stats_mutex);
        snapshot = m_latest;
    }
    snapshot.captures = captures();
    return snapshot;
}

control::Status Server::stat_send(const std::string& host, std::uint16_t port) {
    m_statsd.start(host, port);
    return {};
}

control::Status Server::stat_stop_send() {
    m_statsd.stop();
    return {};
}

control::Status Server::set_log_level(control::LogSink sink, int level) {
    if (sink == control::LogSink::file) {
        if (!set_file_log_level(static_cast<LogLevel>(level))) {
            return tl::unexpected(
                std::string("LOG FILE: no log directory is open (start amqpprox with "
                            "--logDirectory DIR)"));
        }
        return {};
    }
    set_console_log_level(static_cast<LogLevel>(level));
    return {};
}

control::Status Server::set_log_format(control::LogFormat format) {
    proxy::set_log_format(format == control::LogFormat::json ? LogFormat::json : LogFormat::text);
    return {};
}

control::Status Server::enable_hostname_mapping() {
    m_hostnames.enable();
    return {};
}

control::Status Server::add_capture(const control::CaptureOptions& options) {
    capture::WriterOptions writer_options;
    writer_options.bodies = options.bodies;
    writer_options.priority = m_options.capture_priority;
    writer_options.spool_age = m_options.capture_spool_age;
    try {
        auto writer = std::make_shared<capture::CaptureWriter>(options.file, writer_options);
        std::lock_guard lock(m_mutex);
        m_captures.push_back({options, std::move(writer), 0, m_next_id});
        return {};
    } catch (const std::exception& e) {
        return tl::unexpected(std::string("Cannot start capture: ") + e.what());
    }
}

control::Status Server::capture_start(const control::CaptureOptions& options) {
    {
        std::lock_guard lock(m_mutex);
        for (const auto& c : m_captures) {
            if (c.options.file == options.file) {
                return tl::unexpected("Already capturing into " + options.file + ".");
            }
        }
    }
    return add_capture(options);
}

tl::expected<std::vector<std::string>, std::string> Server::capture_stop(
    const std::optional<std::string>& file) {
    std::vector<ActiveCapture> stopping;
    {
        std::lock_guard lock(m_mutex);
        for (auto it = m_captures.begin(); it != m_captures.end();) {
            if (file && it->options.file != *file) {
                ++it;
                continue;
            }
            stopping.push_back(std::move(*it));
            it = m_captures.erase(it);
        }
    }
    if (file && stopping.empty()) return tl::unexpected("Not capturing into " + *file + ".");
    std::vector<std::string> files;
    for (auto& c : stopping) {
        // Sessions still running keep a reference and end their rows; close() flushes what
        // was submitted so far and any later frames count as dropped.
        c.writer->close();
        files.push_back(c.options.file);
    }
    return files;
}

void Server::close_captures() {
    (void)capture_stop(std::nullopt);
}

std::vector<control::CaptureInfo> Server::captures() {
    std::lock_guard lock(m_mutex);
    std::vector<control::CaptureInfo> out;
    for (const auto& c : m_captures) {
        const auto stats = c.writer->stats();
        out.push_back({c.options, c.sessions, stats.frames_committed, stats.frames_dropped,
                       stats.frames_spooled, stats.error});
    }
    return out;
}

void Server::request_exit() {
    (void)listen_stop(std::nullopt);
    for (const auto& s : live_sessions())
        s->disconnect_graceful();
    if (m_exit_handler) m_exit_handler();
}

}  // namespace amqpprox::proxy

// The proxy: listeners, the sessions they accept, routing through the configuration, and the
// captures that record sessions. It is the control plane's ControlTarget. Network work runs
// on an IoPool: listeners on its main context, each session on one context of its own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "asio.hpp"
#include "hostname_mapper.hpp"
#include "io_pool.hpp"
#include "lookup_thread.hpp"
#include "metrics_server.hpp"
#include "process_usage.hpp"
#include "proxy/control/admission.hpp"
#include "proxy/control/config_store.hpp"
#include "proxy/control/control_target.hpp"
#include "proxy/control/lifetime_totals.hpp"
#include "proxy/control/stats_collector.hpp"
#include "proxy/dns_watch.hpp"
#include "session.hpp"
#include "statsd_sender.hpp"
#include "tls_context.hpp"

namespace amqpprox::proxy {

struct ServerOptions {
    std::string listen_address = "0.0.0.0";  // where LISTEN START binds
    std::chrono::milliseconds handshake_timeout{10'000};
    std::string proxy_hostname;
    std::chrono::milliseconds connect_timeout{5'000};  // per backend address tried
    // Of every capture's writer and checkpoint threads (--captureIdlePriority).
    capture::ThreadPriority capture_priority = capture::ThreadPriority::normal;
    // How late a capture may write a busy time's rows (--captureSpoolSeconds; 0: never late).
    std::chrono::seconds capture_spool_age{10};
};

class Server : public SessionEnvironment, public control::ControlTarget {
public:
    Server(IoPool& pool, control::ConfigStore& config, ServerOptions options);
    ~Server() override;

    // Records matching sessions that open from now on (CAPTURE START, --capture).
    control::Status add_capture(const control::CaptureOptions& options);
    // Flushes and closes every capture.
    void close_captures();
    // Called once the proxy should stop: io_context work ends after this.
    void set_exit_handler(std::function<void()> handler) { m_exit_handler = std::move(handler); }
    // One stats interval (--cleanupIntervalMs), on the control thread: the snapshot STAT
    // LISTEN shows until the next one, and the StatsD datagrams when STAT SEND is on.
    void collect_stats();
    // What GET /metrics shows now (server_metrics.cpp): totals since start, counters that
    // never go back between calls.
    control::MetricsSnapshot metrics_snapshot();

    // SessionEnvironment
    tl::expected<std::vector<BackendCandidate>, std::string> route(
        const std::string& vhost) override;
    std::vector<std::shared_ptr<capture::CaptureWriter>> captures_for(
        std::uint64_t session, const std::string& vhost, const std::string& backend,
        const std::string& client_address) override;
    void session_ended(const Session& session) override;
    EgressTls egress_tls() override;
    bool vhost_paused(const std::string& vhost) override { return m_config.paused(vhost); }
    tl::expected<std::shared_ptr<SessionLimits>, std::string> admit(
        std::uint64_t session, const std::string& vhost, const Executor& executor) override;

    // ControlTarget
    control::Status listen_start(std::uint16_t port, bool secure, bool proxy_protocol) override;
    control::Status listen_stop(std::optional<std::uint16_t> port) override;
    std::optional<control::DnsResolution> dns_resolution(const std::string& host,
                                                         std::uint16_t port) override {
        return m_dns.last(host, port);
    }
    std::vector<control::SessionSummary> connections() override;
    control::Status session_action(std::uint64_t id, control::SessionAction action) override;
    control::Status vhost_action(const std::string& vhost, control::VhostAction action) override;
    control::StatsSnapshot stats() override;
    control::Status stat_send(const std::string& host, std::uint16_t port) override;
    control::Status stat_stop_send() override;
    control::Status set_log_level(control::LogSink sink, int level) override;
    control::Status set_log_format(control::LogFormat format) override;
    control::Status enable_hostname_mapping() override;
    control::Status capture_start(const control::CaptureOptions& options) override;
    tl::expected<std::vector<std::string>, std::string> capture_stop(
        const std::optional<std::string>& file) override;
    std::vector<control::CaptureInfo> captures() override;
    control::Status tls_configure(control::TlsDirection direction,
                                  const control::TlsSettings& settings) override;
    control::TlsSettings tls_settings(control::TlsDirection direction) override;
    std::vector<std::string> tls_ciphers(control::TlsDirection direction) override;
    control::Status metrics_listen(std::uint16_t port, const std::string& address) override {
        return m_metrics.listen(address, port);
    }
    control::Status metrics_stop(std::optional<std::uint16_t> port) override {
        return m_metrics.stop(port);
    }
    std::vector<std::string> metrics_urls() override { return m_metrics.urls(); }
    void request_exit() override;

private:
    friend awaitable<> accept_loop(Server* server, std::shared_ptr<TcpAcceptor> acceptor,
                                   bool secure, bool proxy_protocol);
    struct ActiveCapture {
        control::CaptureOptions options;
        std::shared_ptr<capture::CaptureWriter> writer;
        std::uint64_t sessions = 0;
        std::uint64_t first_session = 0;  // the id of the first session it may record
    };
    // `secure`: LISTEN START_SECURE, the client speaks TLS first; `proxy_protocol`:
    // LISTEN ... PROXY, a load balancer's PROXY header comes before anything else.
    void start_session(TcpSocket socket, const tcp::endpoint& client,
                       const tcp::endpoint& destination, bool secure, bool proxy_protocol);
    std::vector<std::shared_ptr<Session>> live_sessions() const;
    control::SessionSample sample(const Session& session);
    std::string metrics_text();

    IoPool& m_pool;
    asio::io_context& m_io;  // m_pool.main()
    control::ConfigStore& m_config;
    control::ConnectionAdmission m_admission{m_config.limits()};
    ServerOptions m_options;
    std::shared_ptr<const amqp::ServerHandshake::Offer> m_offer;  // to every client
    std::function<void()> m_exit_handler;

    mutable std::mutex m_mutex;
    std::map<std::uint16_t, std::shared_ptr<TcpAcceptor>> m_acceptors;
    std::map<std::uint64_t, std::weak_ptr<Session>> m_sessions;
    std::uint64_t m_next_id = 1;
    std::vector<ActiveCapture> m_captures;
    struct Tls {
        control::TlsSettings settings;
        std::shared_ptr<asio::ssl::context> context;  // made from settings; sessions share it
    };
    Tls m_tls[2];  // by control::TlsDirection; contexts made on first use
    // The direction's context, made now if it was not yet. Called with m_mutex held.
    std::shared_ptr<ssl::context> tls_context(control::TlsDirection direction);

    std::mutex m_stats_mutex;  // guards the collector, the lifetime totals and the latest snapshot
    control::StatsCollector m_collector;
    control::LifetimeTotals m_lifetime;  // fed with m_collector, for GET /metrics
    control::StatsSnapshot m_latest;     // without captures: those are read live
    std::uint64_t m_intervals = 0;
    ProcessUsage m_process_usage;  // control thread only
    LookupThread m_lookups;  // stopped first thing in ~Server: its handlers use the three below
    HostnameMapper m_hostnames{m_lookups.io()};
    StatsdSender m_statsd{m_lookups.io()};
    DnsWatch m_dns{m_lookups.io(), std::chrono::seconds(30)};
    std::mutex m_metrics_mutex;  // one scrape at a time; guards the last one shown
    control::MetricsSnapshot m_last_metrics;
    // Last: its listeners close before anything a scrape reads goes away.
    MetricsServer m_metrics{m_io, [this] { return metrics_text(); }};
};

}  // namespace amqpprox::proxy

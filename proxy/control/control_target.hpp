// What the control interpreter needs from the running proxy: everything that acts on
// listeners, sessions, statistics, logging and captures. The asio server implements it; tests
// use a fake. Configuration (backends, farms, maps, datacenter, vhost pause flags) lives in
// ConfigStore instead and is changed by the interpreter itself.
//
// Calls come from the control thread; an implementation dispatches onto its network threads as
// it needs. Failures are returned as one line of text that is shown to the user as it is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "proxy/control/backend.hpp"
#include "proxy/control/capture_options.hpp"
#include "proxy/control/tls_settings.hpp"

namespace amqpprox::control {

using Status = tl::expected<void, std::string>;

// One session as CONN prints it. Addresses are "ip:port" (ingress_local: ip only, as amqpprox
// prints it); empty while not known yet (egress before a backend is connected).
struct SessionSummary {
    std::uint64_t id = 0;
    std::string vhost;
    bool disconnected = false;
    bool paused = false;
    bool auth_denied = false;
    std::string ingress_remote;  // the client
    std::string ingress_local;   // the proxy's listening address
    std::string egress_local;    // the proxy's side of the broker connection
    std::string egress_remote;   // the broker
    std::uint64_t in_bytes = 0;  // client to broker, totals since the session started
    std::uint64_t in_frames = 0;
    std::uint64_t in_packets = 0;
    std::uint64_t in_avg_latency_ms = 0;
    std::uint64_t out_bytes = 0;  // broker to client
    std::uint64_t out_frames = 0;
    std::uint64_t out_packets = 0;
    std::int64_t started_unix_s = 0;  // when the client connected
    std::int64_t duration_s = 0;      // how long it has been (or was) connected

    bool operator==(const SessionSummary&) const = default;
};

enum class SessionAction : std::uint8_t { pause, disconnect_graceful, force_disconnect };

// The interpreter has already updated the vhost's pause flag in ConfigStore for pause/unpause;
// the target applies it to live sessions (pause: stop reading from their clients; unpause:
// connect the held ones, force-disconnect the paused established ones).
enum class VhostAction : std::uint8_t { pause, unpause, backend_disconnect, force_disconnect };

// The ConnectionStats counters of one view. Traffic counters are per stats interval
// ("Received" is client to broker, "Sent" broker to client); connection counts are gauges.
struct ConnectionStats {
    std::uint64_t paused_connection_count = 0;
    std::uint64_t active_connection_count = 0;
    std::uint64_t auth_denied_connection_count = 0;
    std::uint64_t limited_connection_count = 0;
    std::uint64_t removed_connection_graceful = 0;
    std::uint64_t removed_connection_broker_snapped = 0;
    std::uint64_t removed_connection_client_snapped = 0;
    std::uint64_t packets_received = 0;
    std::uint64_t packets_sent = 0;
    std::uint64_t frames_received = 0;
    std::uint64_t frames_sent = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;

    bool operator==(const ConnectionStats&) const = default;
};

struct ProcessStats {
    std::uint64_t cpu_percent_overall = 0;
    std::uint64_t cpu_percent_user = 0;
    std::uint64_t cpu_percent_system = 0;
    std::uint64_t mem_rss_kb = 0;

    bool operator==(const ProcessStats&) const = default;
};

// One running capture, for CAPTURE PRINT and STAT.
struct CaptureInfo {
    CaptureOptions options;
    std::uint64_t sessions = 0;        // sessions recorded so far
    std::uint64_t frames_written = 0;  // committed to the file
    std::uint64_t frames_dropped = 0;  // lost to writer overflow (recorded as gaps)
    std::uint64_t frames_spooled = 0;  // of those written, still spooled, not yet rows
    std::string error;                 // set when the writer stopped on a disk error

    bool operator==(const CaptureInfo&) const = default;
};

// One stats interval. Keys: vhost name; backend "<host|ip>_<port>"; source client host or IP.
struct StatsSnapshot {
    ConnectionStats overall;
    std::map<std::string, ConnectionStats> vhosts;
    std::map<std::string, ConnectionStats> backends;
    std::map<std::string, ConnectionStats> sources;
    ProcessStats process;
    std::vector<CaptureInfo> captures;
    // Which stats interval this is (0: none has ended yet), so a STAT LISTEN stream shows each
    // interval exactly once. Not printed.
    std::uint64_t interval = 0;

    bool operator==(const StatsSnapshot&) const = default;
};

enum class LogSink : std::uint8_t { console, file };
enum class LogFormat : std::uint8_t { text, json };

class ControlTarget {
public:
    virtual ~ControlTarget() = default;

    // LISTEN START / START_SECURE: bind 0.0.0.0:port. Error e.g. "Address already in use";
    // START_SECURE also needs an INGRESS certificate and key. proxy_protocol (LISTEN ...
    // PROXY): every connection must start with a PROXY protocol header (v1 or v2), whose
    // source becomes the session's client address.
    virtual Status listen_start(std::uint16_t port, bool secure, bool proxy_protocol) = 0;
    // LISTEN STOP: one listener, or every listener when port is empty. Sessions stay.
    virtual Status listen_stop(std::optional<std::uint16_t> port) = 0;

    // BACKEND PRINT: what an ADD_DNS backend's name last resolved to (nullopt: not yet).
    virtual std::optional<DnsResolution> dns_resolution(const std::string& host,
                                                        std::uint16_t port) = 0;

    // CONN: every session the proxy knows, in id order.
    virtual std::vector<SessionSummary> connections() = 0;
    // SESSION id ...: error "Session not found." when there is no such id.
    virtual Status session_action(std::uint64_t id, SessionAction action) = 0;
    // VHOST PAUSE|UNPAUSE|BACKEND_DISCONNECT|FORCE_DISCONNECT vhost.
    virtual Status vhost_action(const std::string& vhost, VhostAction action) = 0;

    // STAT LISTEN: the latest interval (the interpreter formats it).
    virtual StatsSnapshot stats() = 0;
    // STAT SEND host port: start StatsD over UDP; STAT STOP SEND.
    virtual Status stat_send(const std::string& host, std::uint16_t port) = 0;
    virtual Status stat_stop_send() = 0;

    // LOG CONSOLE|FILE level, level 0-5 = FATAL..TRACE (validated by the interpreter).
    virtual Status set_log_level(LogSink sink, int level) = 0;
    // LOG FORMAT text|json: how every log line is written from now on, console and file.
    virtual Status set_log_format(LogFormat format) = 0;
    // MAPHOSTNAME DNS: reverse-resolve endpoints for logs, stats keys and client properties.
    virtual Status enable_hostname_mapping() = 0;

    // TLS INGRESS|EGRESS ...: the direction's settings as a whole. Files are loaded now, so an
    // error (a missing file, a key that does not match the certificate) keeps the old settings.
    // New sessions use the new ones; running sessions keep theirs.
    virtual Status tls_configure(TlsDirection direction, const TlsSettings& settings) = 0;
    virtual TlsSettings tls_settings(TlsDirection direction) = 0;
    // TLS ... CIPHERS PRINT: the TLS 1.2 suites the direction offers, most preferred first
    // (TLS 1.3 suites are OpenSSL's and not set by CIPHERS).
    virtual std::vector<std::string> tls_ciphers(TlsDirection direction) = 0;

    // CAPTURE START: open the file and start recording matching sessions that open from now.
    virtual Status capture_start(const CaptureOptions& options) = 0;
    // CAPTURE STOP [file]: flush and close one capture, or all when file is empty. Returns the
    // files stopped; error when the named file is not being captured.
    virtual tl::expected<std::vector<std::string>, std::string> capture_stop(
        const std::optional<std::string>& file) = 0;
    // CAPTURE PRINT: running captures, in start order.
    virtual std::vector<CaptureInfo> captures() = 0;

    // METRICS LISTEN port [address]: serve GET /metrics (Prometheus text) on address:port.
    // Error e.g. "Cannot serve metrics on 127.0.0.1 port 9187: Address already in use".
    virtual Status metrics_listen(std::uint16_t port, const std::string& address) = 0;
    // METRICS STOP [port]: one metrics listener, or all when port is empty.
    virtual Status metrics_stop(std::optional<std::uint16_t> port) = 0;
    // METRICS PRINT: where scrapes go, "http://127.0.0.1:9187/metrics", in port order.
    virtual std::vector<std::string> metrics_urls() = 0;

    // EXIT: graceful: stop listening, close sessions with Connection.Close, flush captures,
    // exit 0. Called after the reply is decided; the server sends it before stopping.
    virtual void request_exit() = 0;
};

}  // namespace amqpprox::control

// A ControlTarget that records what the interpreter asked for and answers with canned data,
// plus a resolver that knows a few fixed names. Shared by the control tests and the doc test.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "proxy/control/config_store.hpp"
#include "proxy/control/control_target.hpp"

namespace amqpprox::control::testing {

class FakeTarget : public ControlTarget {
public:
    std::vector<std::string> calls;  // one line per call, e.g. "listen_start 5673 plain"
    std::vector<SessionSummary> sessions;
    StatsSnapshot snapshot;
    std::vector<CaptureInfo> running;
    std::string fail_next;  // when set, the next fallible call fails with this text
    std::map<std::string, DnsResolution> resolutions;  // by "host:port"
    TlsSettings tls[2];                                // by TlsDirection
    std::vector<std::string> metrics;                  // METRICS PRINT's URLs, kept by listen/stop

    Status listen_start(std::uint16_t port, bool secure, bool proxy_protocol) override;
    Status listen_stop(std::optional<std::uint16_t> port) override;
    std::optional<DnsResolution> dns_resolution(const std::string& host,
                                                std::uint16_t port) override {
        const auto it = resolutions.find(host + ":" + std::to_string(port));
        if (it == resolutions.end()) return std::nullopt;
        return it->second;
    }
    std::vector<SessionSummary> connections() override { return sessions; }
    Status session_action(std::uint64_t id, SessionAction action) override;
    Status vhost_action(const std::string& vhost, VhostAction action) override;
    StatsSnapshot stats() override;
    Status stat_send(const std::string& host, std::uint16_t port) override;
    Status stat_stop_send() override;
    Status set_log_level(LogSink sink, int level) override;
    Status set_log_format(LogFormat format) override;
    Status enable_hostname_mapping() override;
    Status capture_start(const CaptureOptions& options) override;
    tl::expected<std::vector<std::string>, std::string> capture_stop(
        const std::optional<std::string>& file) override;
    std::vector<CaptureInfo> captures() override { return running; }
    Status tls_configure(TlsDirection direction, const TlsSettings& settings) override;
    TlsSettings tls_settings(TlsDirection direction) override {
        return tls[static_cast<int>(direction)];
    }
    std::vector<std::string> tls_ciphers(TlsDirection direction) override;
    Status metrics_listen(std::uint16_t port, const std::string& address) override;
    Status metrics_stop(std::optional<std::uint16_t> port) override;
    std::vector<std::string> metrics_urls() override { return metrics; }
    void request_exit() override { calls.push_back("request_exit"); }

    // Two sessions and one capture, the canned data the docs' examples show.
    static FakeTarget with_canned_data();

private:
    Status result(std::string call);
};

// localhost and rabbit*.example -> 127.0.0.x; anything else fails like getaddrinfo does.
Resolver fake_resolver();

}  // namespace amqpprox::control::testing

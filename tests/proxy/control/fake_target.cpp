#include "fake_target.hpp"

#include <algorithm>

namespace amqpprox::control::testing {

Status FakeTarget::result(std::string call) {
    calls.push_back(std::move(call));
    if (fail_next.empty()) return {};
    auto error = std::move(fail_next);
    fail_next.clear();
    return tl::unexpected(std::move(error));
}

Status FakeTarget::listen_start(std::uint16_t port, bool secure, bool proxy_protocol) {
    return result("listen_start " + std::to_string(port) + (secure ? " secure" : " plain") +
                  (proxy_protocol ? " proxy" : ""));
}

Status FakeTarget::tls_configure(TlsDirection direction, const TlsSettings& settings) {
    const auto status = result(std::string("tls_configure ") +
                               (direction == TlsDirection::ingress ? "ingress" : "egress"));
    if (status) tls[static_cast<int>(direction)] = settings;
    return status;
}

std::vector<std::string> FakeTarget::tls_ciphers(TlsDirection direction) {
    const auto& list = tls[static_cast<int>(direction)].ciphers;
    if (list.empty()) return {"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"};
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start <= list.size()) {
        const auto end = std::min(list.find(':', start), list.size());
        names.push_back(list.substr(start, end - start));
        start = end + 1;
    }
    return names;
}

Status FakeTarget::listen_stop(std::optional<std::uint16_t> port) {
    return result("listen_stop " + (port ? std::to_string(*port) : std::string("all")));
}

Status FakeTarget::session_action(std::uint64_t id, SessionAction action) {
    const char* names[] = {"pause", "disconnect_graceful", "force_disconnect"};
    calls.push_back("session_action " + std::to_string(id) + " " + names[static_cast<int>(action)]);
    const bool known = std::any_of(sessions.begin(), sessions.end(),
                                   [id](const SessionSummary& s) { return s.id == id; });
    if (!known) return tl::unexpected(std::string("Session not found."));
    return {};
}

Status FakeTarget::vhost_action(const std::string& vhost, VhostAction action) {
    const char* names[] = {"pause", "unpause", "backend_disconnect", "force_disconnect"};
    return result("vhost_action " + vhost + " " + names[static_cast<int>(action)]);
}

StatsSnapshot FakeTarget::stats() {
    calls.push_back("stats");
    auto copy = snapshot;
    copy.captures = running;
    return copy;
}

Status FakeTarget::stat_send(const std::string& host, std::uint16_t port) {
    return result("stat_send " + host + " " + std::to_string(port));
}

Status FakeTarget::stat_stop_send() {
    return result("stat_stop_send");
}

Status FakeTarget::set_log_level(LogSink sink, int level) {
    return result(std::string("set_log_level ") +
                  (sink == LogSink::console ? "console " : "file ") + std::to_string(level));
}

Status FakeTarget::set_log_format(LogFormat format) {
    return result(std::string("set_log_format ") + (format == LogFormat::json ? "json" : "text"));
}

Status FakeTarget::metrics_listen(std::uint16_t port, const std::string& address) {
    const auto url = "http://" +
                     (address.find(':') != std::string::npos ? "[" + address + "]" : address) +
                     ":" + std::to_string(port) + "/metrics";
    for (const auto& m : metrics) {
        if (m.ends_with(":" + std::to_string(port) + "/metrics")) {
            calls.push_back("metrics_listen " + std::to_string(port) + " " + address);
            return tl::unexpected("Already serving metrics on " + m + "; METRICS STOP " +
                                  std::to_string(port) + " first.");
        }
    }
    auto status = result("metrics_listen " + std::to_string(port) + " " + address);
    if (status) {
        metrics.push_back(url);
        std::sort(metrics.begin(), metrics.end());
    }
    return status;
}

Status FakeTarget::metrics_stop(std::optional<std::uint16_t> port) {
    calls.push_back("metrics_stop " + (port ? std::to_string(*port) : std::string("all")));
    if (!port) {
        metrics.clear();
        return {};
    }
    const auto suffix = ":" + std::to_string(*port) + "/metrics";
    const auto it = std::find_if(metrics.begin(), metrics.end(),
                                 [&](const std::string& m) { return m.ends_with(suffix); });
    if (it == metrics.end()) {
        return tl::unexpected("Not serving metrics on port " + std::to_string(*port) + ".");
    }
    metrics.erase(it);
    return {};
}

Status FakeTarget::enable_hostname_mapping() {
    return result("enable_hostname_mapping");
}

Status FakeTarget::capture_start(const CaptureOptions& options) {
    for (const auto& capture : running) {
        if (capture.options.file == options.file) {
            calls.push_back("capture_start " + options.file);
            return tl::unexpected("Already capturing into " + options.file + ".");
        }
    }
    auto status = result("capture_start " + options.file + " " + options.describe());
    if (status) running.push_back(CaptureInfo{options, 0, 0, 0, 0, {}});
    return status;
}

tl::expected<std::vector<std::string>, std::string> FakeTarget::capture_stop(
    const std::optional<std::string>& file) {
    calls.push_back("capture_stop " + file.value_or("all"));
    std::vector<std::string> stopped;
    std::vector<CaptureInfo> kept;
    for (auto& capture : running) {
        if (!file || capture.options.file == *file) {
            stopped.push_back(capture.options.file);
        } else {
            kept.push_back(std::move(capture));
        }
    }
    running = std::move(kept);
    if (file && stopped.empty()) return tl::unexpected("Not capturing into " + *file + ".");
    return stopped;
}

FakeTarget FakeTarget::with_canned_data() {
    FakeTarget target;
    SessionSummary one;
    one.id = 1;
    one.vhost = "/";
    one.ingress_remote = "127.0.0.1:36678";
    one.ingress_local = "127.0.0.1";
    one.egress_local = "127.0.0.1:39452";
    one.egress_remote = "127.0.0.1:5672";
    one.in_bytes = 1234;
    one.in_frames = 10;
    one.in_packets = 4;
    one.out_bytes = 5678;
    one.out_frames = 12;
    one.out_packets = 6;
    one.started_unix_s = 1700000000;
    one.duration_s = 42;
    SessionSummary two;
    two.id = 2;
    two.vhost = "vhost-example";
    two.paused = true;
    two.ingress_remote = "10.0.0.7:51000";
    two.ingress_local = "10.0.0.1";
    two.started_unix_s = 1700000030;
    two.duration_s = 12;
    target.sessions = {one, two};

    ConnectionStats overall;
    overall.active_connection_count = 2;
    overall.paused_connection_count = 1;
    overall.packets_received = 4;
    overall.packets_sent = 6;
    overall.frames_received = 10;
    overall.frames_sent = 12;
    overall.bytes_received = 1234;
    overall.bytes_sent = 5678;
    target.snapshot.overall = overall;
    target.snapshot.vhosts["/"] = overall;
    target.snapshot.vhosts["/"].paused_connection_count = 0;
    target.snapshot.vhosts["/"].active_connection_count = 1;
    target.snapshot.vhosts["vhost-example"].active_connection_count = 1;
    target.snapshot.vhosts["vhost-example"].paused_connection_count = 1;
    target.snapshot.backends["127.0.0.1_5672"] = target.snapshot.vhosts["/"];
    target.snapshot.sources["127.0.0.1"] = target.snapshot.vhosts["/"];
    target.snapshot.sources["10.0.0.7"] = target.snapshot.vhosts["vhost-example"];
    target.snapshot.process = ProcessStats{5, 3, 2, 12288};
    return target;
}

Resolver fake_resolver() {
    return [](const std::string& host) -> tl::expected<std::vector<std::string>, std::string> {
        if (host == "localhost") return std::vector<std::string>{"127.0.0.1", "::1"};
        if (host == "rabbit1.example") return std::vector<std::string>{"127.0.0.11"};
        if (host == "rabbit2.example") return std::vector<std::string>{"127.0.0.12"};
        if (host == "rabbit3.example") return std::vector<std::string>{"127.0.0.13"};
        return tl::unexpected(std::string("Name or service not known"));
    };
}

}  // namespace amqpprox::control::testing

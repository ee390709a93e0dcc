#include "proxy/control/stats_format.hpp"

#include <cstdio>

#include "formats/text/escape.hpp"

namespace amqpprox::control {

namespace {

const char* yes_no(bool flag) {
    return flag ? "Y" : "N";
}

std::string human(const ConnectionStats& s) {
    std::string out;
    out += "Paused: " + std::to_string(s.paused_connection_count);
    out += " Active: " + std::to_string(s.active_connection_count);
    out += " Auth denied: " + std::to_string(s.auth_denied_connection_count);
    out += " Limited connections: " + std::to_string(s.limited_connection_count);
    out += " Removed(Clean): " + std::to_string(s.removed_connection_graceful);
    out += " Removed(Broker): " + std::to_string(s.removed_connection_broker_snapped);
    out += " Removed(Client): " + std::to_string(s.removed_connection_client_snapped);
    out += " IN: " + human_bytes(s.bytes_received) + "/s " + std::to_string(s.packets_received) +
           " pkt/s " + std::to_string(s.frames_received) + " frames/s";
    out += " OUT: " + human_bytes(s.bytes_sent) + "/s " + std::to_string(s.packets_sent) +
           " pkt/s " + std::to_string(s.frames_sent) + " frames/s";
    return out;
}

std::string human(const ProcessStats& p) {
    return "CPU%: " + std::to_string(p.cpu_percent_overall) +
           " USR%: " + std::to_string(p.cpu_percent_user) +
           " SYS%: " + std::to_string(p.cpu_percent_system) +
           " RSS: " + human_bytes(p.mem_rss_kb * 1024);
}

std::string human(const std::map<std::string, ConnectionStats>& map) {
    std::string out;
    for (const auto& [key, stats] : map)
        out += key + ": " + human(stats) + "\n";
    return out;
}

void field(std::string& out, const char* name, std::uint64_t value, bool last = false) {
    out += '"';
    out += name;
    out += "\": " + std::to_string(value);
    if (!last) out += ", ";
}

std::string json(const ConnectionStats& s) {
    std::string out = "{";
    field(out, "pausedConnectionCount", s.paused_connection_count);
    field(out, "activeConnectionCount", s.active_connection_count);
    field(out, "authDeniedConnectionCount", s.auth_denied_connection_count);
    field(out, "limitedConnectionCount", s.limited_connection_count);
    field(out, "removedConnectionGraceful", s.removed_connection_graceful);
    field(out, "removedConnectionBrokerSnapped", s.removed_connection_broker_snapped);
    field(out, "removedConnectionClientSnapped", s.removed_connection_client_snapped);
    field(out, "packetsReceived", s.packets_received);
    field(out, "packetsSent", s.packets_sent);
    field(out, "framesReceived", s.frames_received);
    field(out, "framesSent", s.frames_sent);
    field(out, "bytesReceived", s.bytes_received);
    field(out, "bytesSent", s.bytes_sent, true);
    return out + "}";
}

std::string json(const ProcessStats& p) {
    std::string out = "{";
    field(out, "cpu_percent_overall", p.cpu_percent_overall);
    field(out, "cpu_percent_user", p.cpu_percent_user);
    field(out, "cpu_percent_system", p.cpu_percent_system);
    field(out, "mem_rss_kb", p.mem_rss_kb, true);
    return out + "}";
}

std::string json(const std::map<std::string, ConnectionStats>& map) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, stats] : map) {
        if (!first) out += ", ";
        first = false;
        text::append_json_string(out, key);
        out += ": " + json(stats);
    }
    return out + "}";
}

std::string json(const CaptureInfo& c) {
    std::string out = "{\"file\": ";
    text::append_json_string(out, c.options.file);
    out += ", \"filters\": ";
    text::append_json_string(out, c.options.describe());
    out += ", ";
    field(out, "sessions", c.sessions);
    field(out, "framesWritten", c.frames_written);
    field(out, "framesDropped", c.frames_dropped);
    field(out, "framesSpooled", c.frames_spooled);
    out += "\"error\": ";
    text::append_json_string(out, c.error);
    return out + "}";
}

std::string json(const std::vector<CaptureInfo>& captures) {
    std::string out = "[";
    for (std::size_t i = 0; i < captures.size(); ++i) {
        if (i != 0) out += ", ";
        out += json(captures[i]);
    }
    return out + "]";
}

const ConnectionStats& find(const std::map<std::string, ConnectionStats>& map,
                            const std::string& key) {
    static const ConnectionStats zero;
    const auto it = map.find(key);
    return it == map.end() ? zero : it->second;
}

std::string format_json(const StatsSnapshot& s, const StatView& view) {
    switch (view.kind) {
        case StatView::Kind::all:
            return "{\"overall\": " + json(s.overall) + ", \"process\": " + json(s.process) +
                   ", \"vhosts\": " + json(s.vhosts) + ", \"sources\": " + json(s.sources) +
                   ", \"backends\": " + json(s.backends) + ", \"captures\": " + json(s.captures) +
                   "}";
        case StatView::Kind::overall:
            return json(s.overall);
        case StatView::Kind::process:
            return json(s.process);
        case StatView::Kind::vhost:
            return json(find(s.vhosts, view.name));
        case StatView::Kind::backend:
            return json(find(s.backends, view.name));
        case StatView::Kind::source:
            return json(find(s.sources, view.name));
        case StatView::Kind::captures:
            return json(s.captures);
    }
    return "{}";
}

std::string format_human(const StatsSnapshot& s, const StatView& view) {
    std::string captures;
    for (const auto& capture : s.captures)
        captures += format_capture(capture) + "\n";
    switch (view.kind) {
        case StatView::Kind::all:
            return "Overall:\n" + human(s.overall) + "\nProcess:\n" + human(s.process) +
                   "\nVhosts:\n" + human(s.vhosts) + "Sources:\n" + human(s.sources) +
                   "Backends:\n" + human(s.backends) + "Captures:\n" + captures;
        case StatView::Kind::overall:
            return human(s.overall) + "\n";
        case StatView::Kind::process:
            return human(s.process) + "\n";
        case StatView::Kind::vhost:
            return human(find(s.vhosts, view.name)) + "\n";
        case StatView::Kind::backend:
            return human(find(s.backends, view.name)) + "\n";
        case StatView::Kind::source:
            return human(find(s.sources, view.name)) + "\n";
        case StatView::Kind::captures:
            return captures;
    }
    return "";
}

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
    constexpr std::uint64_t kb = 1024;
    constexpr std::uint64_t mb = kb * kb;
    constexpr std::uint64_t gb = mb * kb;
    constexpr std::uint64_t tb = gb * kb;
    const auto scaled = [bytes](std::uint64_t unit, const char* suffix) {
        char buffer[48];
        std::snprintf(buffer, sizeof buffer, "%g %s",
                      static_cast<double>(bytes) / static_cast<double>(unit), suffix);
        return std::string(buffer);
    };
    if (bytes < kb || bytes >= tb) return std::to_string(bytes) + " B";
    if (bytes < mb) return scaled(kb, "KB");
    if (bytes < gb) return scaled(mb, "MB");
    return scaled(gb, "GB");
}

std::string format_stats(const StatsSnapshot& snapshot, const StatListen& listen) {
    if (listen.format == StatFormat::json) return format_json(snapshot, listen.view) + "\n";
    return format_human(snapshot, listen.view);
}

std::string format_session(const SessionSummary& s) {
    return "id=" + std::to_string(s.id) + " vhost=" + s.vhost +
           " disconnected=" + yes_no(s.disconnected) + " paused=" + yes_no(s.paused) +
           " authDenied=" + yes_no(s.auth_denied) + " ingressRemote=" + s.ingress_remote +
           " ingressLocal=" + s.ingress_local + " egressLocal=" + s.egress_local +
           " egressRemote=" + s.egress_remote + " inBytes=" + std::to_string(s.in_bytes) +
           " inFrames=" + std::to_string(s.in_frames) +
           " inPackets=" + std::to_string(s.in_packets) +
           " inAvgLatencyMs=" + std::to_string(s.in_avg_latency_ms) +
           " outBytes=" + std::to_string(s.out_bytes) +
           " outFrames=" + std::to_string(s.out_frames) +
           " outPackets=" + std::to_string(s.out_packets) + " " + std::to_string(s.started_unix_s) +
           ":" + std::to_string(s.duration_s);
}

std::string format_capture(const CaptureInfo& c) {
    std::string out = c.options.file + " " + c.options.describe() +
                      " sessions=" + std::to_string(c.sessions) +
                      " written=" + std::to_string(c.frames_written) +
                      " dropped=" + std::to_string(c.frames_dropped);
    if (c.frames_spooled > 0) out += " spooled=" + std::to_string(c.frames_spooled);
    if (!c.error.empty()) out += " error=" + c.error;
    return out;
}

}  // namespace amqpprox::control

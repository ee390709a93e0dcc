#include "proxy/control/statsd_format.hpp"

namespace amqpprox::control {
namespace {

void metric(std::vector<std::string>& out, const char* name, const std::string& tags,
            std::uint64_t value, char type) {
    out.push_back(std::string("amqpprox.") + name + tags + ":" + std::to_string(value) + "|" +
                  type);
}

void connection_metrics(std::vector<std::string>& out, const ConnectionStats& s,
                        const std::string& tags) {
    metric(out, "pausedConnectionCount", tags, s.paused_connection_count, 'g');
    metric(out, "activeConnectionCount", tags, s.active_connection_count, 'g');
    metric(out, "authDeniedConnectionCount", tags, s.auth_denied_connection_count, 'g');
    metric(out, "limitedConnectionCount", tags, s.limited_connection_count, 'g');
    metric(out, "removedConnectionGraceful", tags, s.removed_connection_graceful, 'c');
    metric(out, "removedConnectionBrokerSnapped", tags, s.removed_connection_broker_snapped, 'c');
    metric(out, "removedConnectionClientSnapped", tags, s.removed_connection_client_snapped, 'c');
    metric(out, "packetsReceived", tags, s.packets_received, 'c');
    metric(out, "packetsSent", tags, s.packets_sent, 'c');
    metric(out, "framesReceived", tags, s.frames_received, 'c');
    metric(out, "framesSent", tags, s.frames_sent, 'c');
    metric(out, "bytesReceived", tags, s.bytes_received, 'c');
    metric(out, "bytesSent", tags, s.bytes_sent, 'c');
}

}  // namespace

std::string statsd_tag_value(const std::string& value) {
    std::string out = value;
    for (auto& c : out) {
        if (c == ',' || c == '=' || c == ':' || c == '|' || c == ' ' || c == '\n' || c == '\r')
            c = '_';
    }
    return out;
}

std::vector<std::string> statsd_lines(const StatsSnapshot& s) {
    std::vector<std::string> out;
    connection_metrics(out, s.overall, ",rmqEndpointType=overall");
    metric(out, "cpu_percent_overall", "", s.process.cpu_percent_overall, 'c');
    metric(out, "cpu_percent_user", "", s.process.cpu_percent_user, 'c');
    metric(out, "cpu_percent_system", "", s.process.cpu_percent_system, 'c');
    metric(out, "mem_rss_kb", "", s.process.mem_rss_kb, 'c');
    for (const auto& [vhost, stats] : s.vhosts) {
        // As amqpprox: the default "" vhost has no name tag.
        connection_metrics(out, stats,
                           vhost.empty()
                               ? ",rmqEndpointType=vhost"
                               : ",rmqEndpointType=vhost,rmqVhostName=" + statsd_tag_value(vhost));
    }
    for (const auto& [source, stats] : s.sources) {
        connection_metrics(
            out, stats, ",rmqEndpointType=sources,rmqEndpointHostname=" + statsd_tag_value(source));
    }
    for (const auto& [backend, stats] : s.backends) {
        connection_metrics(
            out, stats,
            ",rmqEndpointType=backends,rmqEndpointHostname=" + statsd_tag_value(backend));
    }
    return out;
}

std::vector<std::string> pack_datagrams(const std::vector<std::string>& lines,
                                        std::size_t max_bytes) {
    std::vector<std::string> datagrams;
    std::string current;
    for (const auto& line : lines) {
        if (!current.empty() && current.size() + 1 + line.size() > max_bytes) {
            datagrams.push_back(std::move(current));
            current.clear();
        }
        if (!current.empty()) current += '\n';
        current += line;
    }
    if (!current.empty()) datagrams.push_back(std::move(current));
    return datagrams;
}

}  // namespace amqpprox::control

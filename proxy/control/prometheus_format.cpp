#include "proxy/control/prometheus_format.hpp"

#include <charconv>
#include <functional>
#include <utility>
#include <vector>

namespace amqpprox::control {
namespace {

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

std::string number(std::uint64_t value) {
    return std::to_string(value);
}

// Shortest text that reads back as the same double.
std::string number(double value) {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return ec == std::errc{} ? std::string(buf, end) : std::string("NaN");
}

class Writer {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        m_name = name;
        m_out += "# HELP ";
        m_out += name;
        m_out += ' ';
        m_out += escape_help(help);
        m_out += "\n# TYPE ";
        m_out += name;
        m_out += ' ';
        m_out += type;
        m_out += '\n';
    }

    template <typename Number>
    void sample(const Labels& labels, Number value) {
        m_out += m_name;
        if (!labels.empty()) {
            m_out += '{';
            for (std::size_t i = 0; i < labels.size(); ++i) {
                if (i != 0) m_out += ',';
                m_out += labels[i].first;
                m_out += "=\"";
                m_out += escape_label_value(labels[i].second);
                m_out += '"';
            }
            m_out += '}';
        }
        m_out += ' ';
        m_out += number(value);
        m_out += '\n';
    }

    std::string take() { return std::move(m_out); }

private:
    std::string m_out;
    std::string m_name;
};

// "in" is client to broker, "out" broker to client, as STAT's Received and Sent.
void traffic_families(Writer& w, std::string_view prefix, std::string_view label,
                      const std::map<std::string, ViewTotals>& views) {
    struct Family {
        const char* suffix;
        const char* help;
        std::uint64_t SessionTraffic::*in;
        std::uint64_t SessionTraffic::*out;
    };
    const Family families[] = {
        {"_bytes_total",
         "Bytes passed through after the handshake, by direction (in: client to "
         "broker, out: broker to client)",
         &SessionTraffic::in_bytes, &SessionTraffic::out_bytes},
        {"_frames_total", "AMQP frames passed through after the handshake, by direction",
         &SessionTraffic::in_frames, &SessionTraffic::out_frames},
        {"_packets_total", "Socket reads passed through after the handshake, by direction",
         &SessionTraffic::in_packets, &SessionTraffic::out_packets},
    };
    for (const auto& f : families) {
        const auto name = std::string(prefix) + f.suffix;
        w.family(name, "counter", f.help);
        for (const auto& [key, view] : views) {
            w.sample({{label, key}, {"direction", "in"}}, view.traffic.*f.in);
            w.sample({{label, key}, {"direction", "out"}}, view.traffic.*f.out);
        }
    }
}

void ended_samples(Writer& w, const Labels& labels, const ViewTotals& view) {
    const std::pair<const char*, std::uint64_t> reasons[] = {
        {"graceful", view.ended_graceful},
        {"broker_snapped", view.ended_broker_snapped},
        {"client_snapped", view.ended_client_snapped},
    };
    for (const auto& [reason, count] : reasons) {
        auto with_reason = labels;
        with_reason.emplace_back("reason", reason);
        w.sample(with_reason, count);
    }
}

constexpr std::string_view kEndedHelp =
    "Sessions ended, by reason (graceful: a Connection.Close or the proxy closed it; "
    "broker_snapped, client_snapped: that side's connection dropped without a Close)";

void view_families(Writer& w, std::string_view what, std::string_view label,
                   const std::map<std::string, ViewTotals>& views) {
    const auto prefix = "amqpprox_" + std::string(what);
    w.family(prefix + "_connections", "gauge",
             "Client sessions open now, per " + std::string(what));
    for (const auto& [key, view] : views)
        w.sample({{label, key}}, view.active_connections);
    w.family(prefix + "_paused_connections", "gauge",
             "Client sessions open now and paused, per " + std::string(what));
    for (const auto& [key, view] : views)
        w.sample({{label, key}}, view.paused_connections);
    traffic_families(w, prefix, label, views);
    w.family(prefix + "_sessions_ended_total", "counter", kEndedHelp);
    for (const auto& [key, view] : views)
        ended_samples(w, {{label, key}}, view);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string escape_help(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_prometheus(const MetricsSnapshot& s) {
    Writer w;
    w.family("amqpprox_build_info", "gauge", "Always 1; the version label says which amqpprox");
    w.sample({{"version", s.version}}, std::uint64_t{1});
    w.family("amqpprox_sessions_accepted_total", "counter",
             "Client connections the listeners accepted");
    w.sample({}, s.sessions_accepted);
    w.family("amqpprox_sessions_refused_total", "counter",
             "Sessions that ended before their handshake finished (no route, no backend, the "
             "broker refused, a timeout, the client left early)");
    w.sample({}, s.sessions_refused);
    w.family("amqpprox_sessions_ended_total", "counter", kEndedHelp);
    ended_samples(w, {}, s.overall);
    w.family("amqpprox_connections", "gauge", "Client sessions open now");
    w.sample({}, s.overall.active_connections);
    w.family("amqpprox_paused_connections", "gauge", "Client sessions open now and paused");
    w.sample({}, s.overall.paused_connections);
    view_families(w, "vhost", "vhost", s.vhosts);
    view_families(w, "backend", "backend", s.backends);

    struct CaptureFamily {
        const char* name;
        const char* type;
        const char* help;
        std::function<std::uint64_t(const CaptureMetrics&)> value;
    };
    const CaptureFamily captures[] = {
        {"amqpprox_capture_sessions_total", "counter", "Sessions a running capture records",
         [](const CaptureMetrics& c) { return c.sessions; }},
        {"amqpprox_capture_frames_written_total", "counter",
         "Frames a running capture committed to its file",
         [](const CaptureMetrics& c) { return c.frames_written; }},
        {"amqpprox_capture_frames_dropped_total", "counter",
         "Frames a running capture lost to writer overflow (recorded as gaps)",
         [](const CaptureMetrics& c) { return c.frames_dropped; }},
        {"amqpprox_capture_frames_spooled", "gauge",
         "Frames a running capture holds in its spool, to be written as rows once the host is "
         "quiet",
         [](const CaptureMetrics& c) { return c.frames_spooled; }},
        {"amqpprox_capture_written_bytes_total", "counter",
         "Frame payload bytes a running capture committed to its file",
         [](const CaptureMetrics& c) { return c.bytes_written; }},
        {"amqpprox_capture_failed", "gauge",
         "1 when a running capture's writer stopped on a disk or database error",
         [](const CaptureMetrics& c) { return std::uint64_t{c.failed ? 1u : 0u}; }},
    };
    for (const auto& family : captures) {
        w.family(family.name, family.type, family.help);
        for (const auto& c : s.captures)
            w.sample({{"file", c.file}}, family.value(c));
    }

    if (s.process) {
        const auto& p = *s.process;
        w.family("process_cpu_seconds_total", "counter",
                 "Total user and system CPU time spent in seconds.");
        w.sample({}, p.cpu_seconds);
        w.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        w.sample({}, p.resident_memory_bytes);
        w.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
        w.sample({}, p.virtual_memory_bytes);
        w.family("process_open_fds", "gauge", "Number of open file descriptors.");
        w.sample({}, p.open_fds);
        w.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
        w.sample({}, p.max_fds);
        w.family("process_start_time_seconds", "gauge",
                 "Start time of the process since unix epoch in seconds.");
        w.sample({}, p.start_time_seconds);
    }
    return w.take();
}

}  // namespace amqpprox::control

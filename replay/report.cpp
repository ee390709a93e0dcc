#include "report.hpp"

#include <cstdio>
#include <sstream>

#include "analyze/html.hpp"
#include "formats/text/json_writer.hpp"

namespace amqpprox::replay {

std::string_view to_string(SessionStatus status) {
    switch (status) {
        case SessionStatus::equal:
            return "equal";
        case SessionStatus::different:
            return "different";
        case SessionStatus::error:
            return "error";
        case SessionStatus::skipped:
            return "skipped";
    }
    return "?";
}

SessionResult compare_session(std::string label, const std::vector<Frame>& recorded,
                              const std::vector<Frame>& replayed, const DiffOptions& options) {
    SessionResult result{.label = std::move(label),
                         .recorded_frames = recorded.size(),
                         .replayed_frames = replayed.size()};
    result.differences = diff_frames(recorded, replayed, options);
    result.status = result.differences.empty() ? SessionStatus::equal : SessionStatus::different;
    return result;
}

int Report::exit_code() const {
    int code = 0;
    for (const auto& s : sessions) {
        if (s.status == SessionStatus::error) return 2;
        if (s.status == SessionStatus::different) code = 1;
    }
    return code;
}

namespace {

struct Counts {
    std::size_t equal = 0, different = 0, error = 0, skipped = 0;
};

Counts count(const Report& report) {
    Counts c;
    for (const auto& s : report.sessions) {
        switch (s.status) {
            case SessionStatus::equal:
                ++c.equal;
                break;
            case SessionStatus::different:
                ++c.different;
                break;
            case SessionStatus::error:
                ++c.error;
                break;
            case SessionStatus::skipped:
                ++c.skipped;
                break;
        }
    }
    return c;
}

std::string difference_line(const Difference& d) {
    std::string line = "channel " + std::to_string(d.channel) + " #" + std::to_string(d.position) +
                       " " + std::string(to_string(d.kind)) + ": ";
    switch (d.kind) {
        case DifferenceKind::missing:
            line += "expected " + d.recorded;
            break;
        case DifferenceKind::extra:
            line += "received " + d.replayed;
            break;
        case DifferenceKind::different:
            line += "expected " + d.recorded + "; received " + d.replayed;
            break;
    }
    return line;
}

std::vector<LatencySample> all_latencies(const Report& report) {
    std::vector<LatencySample> all;
    for (const auto& s : report.sessions)
        all.insert(all.end(), s.latencies.begin(), s.latencies.end());
    return all;
}

std::string ms(std::int64_t ns) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f ms", static_cast<double>(ns) / 1e6);
    return buffer;
}

// Synchronous requests by method, then "Basic.Publish confirm" (publish to ack or nack).
void write_latencies(std::ostream& out, const Report& report) {
    const auto latencies = summarize(all_latencies(report));
    if (latencies.empty()) return;
    out << "latency of synchronous requests and publisher confirms, recorded -> replayed (p50, "
           "p99, max):\n";
    for (const auto& [method, l] : latencies) {
        out << "  " << method << " x" << l.count << ": " << ms(l.recorded.p50) << " -> "
            << ms(l.replayed.p50) << ", " << ms(l.recorded.p99) << " -> " << ms(l.replayed.p99)
            << ", " << ms(l.recorded.max) << " -> " << ms(l.replayed.max) << '\n';
    }
}

// JUnit XML carries names from captures: the report's escaping (character references, and
// U+FFFD for invalid UTF-8 and control characters, which XML 1.0 cannot carry) serves it too.
std::string xml_escape(std::string_view text) {
    return analyze::html::escape(text);
}

}  // namespace

void write_text(std::ostream& out, const Report& report) {
    for (const auto& s : report.sessions) {
        out << "session " << s.label << ": " << to_string(s.status);
        if (s.status == SessionStatus::error || s.status == SessionStatus::skipped) {
            out << ": " << s.error;
        } else {
            out << " (" << s.recorded_frames << " recorded, " << s.replayed_frames
                << " replayed broker frames)";
        }
        if (s.cut_in_recording) out << " [cut in the recording]";
        out << '\n';
        for (const auto& d : s.differences)
            out << "  " << difference_line(d) << '\n';
        for (const auto& n : s.notes)
            out << "  note: " << n << '\n';
    }
    const auto c = count(report);
    out << report.sessions.size() << " sessions: " << c.equal << " equal, " << c.different
        << " different, " << c.error << " errors";
    if (c.skipped > 0) out << ", " << c.skipped << " skipped";
    out << '\n';
    write_latencies(out, report);
}

void write_json(std::ostream& out, const Report& report) {
    std::string text;
    text::JsonWriter json(text);
    const auto c = count(report);
    json.begin_object();
    json.key("result").value(report.exit_code() == 0   ? "equal"
                             : report.exit_code() == 1 ? "different"
                                                       : "error");
    json.key("equal").value(c.equal).key("different").value(c.different);
    json.key("errors").value(c.error).key("skipped").value(c.skipped);
    json.key("sessions").begin_array();
    for (const auto& s : report.sessions) {
        json.begin_object();
        json.key("session").value(s.label).key("status").value(to_string(s.status));
        if (!s.error.empty()) json.key("error").value(s.error);
        json.key("cut_in_recording").value(s.cut_in_recording);
        json.key("recorded_frames").value(s.recorded_frames);
        json.key("replayed_frames").value(s.replayed_frames);
        json.key("replay_ns").value(s.replay_ns);
        json.key("differences").begin_array();
        for (const auto& d : s.differences) {
            json.begin_object();
            json.key("kind").value(to_string(d.kind)).key("channel").value(d.channel);
            json.key("position").value(d.position);
            if (d.kind != DifferenceKind::extra) json.key("recorded").value(d.recorded);
            if (d.kind != DifferenceKind::missing) json.key("replayed").value(d.replayed);
            json.end_object();
        }
        json.end_array();
        json.key("notes").begin_array();
        for (const auto& n : s.notes)
            json.value(n);
        json.end_array();
        json.end_object();
    }
    json.end_array();
    json.key("latency_ns").begin_object();
    for (const auto& [method, l] : summarize(all_latencies(report))) {
        json.key(method).begin_object().key("count").value(l.count);
        for (const auto& [name, p] :
             {std::pair{"recorded", l.recorded}, {"replayed", l.replayed}}) {
            json.key(name).begin_object();
            json.key("p50").value(p.p50).key("p99").value(p.p99).key("max").value(p.max);
            json.end_object();
        }
        json.end_object();
    }
    json.end_object();
    json.end_object();
    out << text << '\n';
}

void write_junit(std::ostream& out, const Report& report) {
    const auto c = count(report);
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<testsuite name=\"amqp-replay\" tests=\"" << report.sessions.size() << "\" failures=\""
        << c.different << "\" errors=\"" << c.error << "\" skipped=\"" << c.skipped << "\">\n";
    for (const auto& s : report.sessions) {
        out << "  <testcase classname=\"amqp-replay\" name=\"session " << xml_escape(s.label)
            << "\"";
        if (s.status == SessionStatus::equal) {
            out << "/>\n";
            continue;
        }
        out << ">\n";
        if (s.status == SessionStatus::skipped) {
            out << "    <skipped message=\"" << xml_escape(s.error) << "\"/>\n";
        } else if (s.status == SessionStatus::error) {
            out << "    <error message=\"" << xml_escape(s.error) << "\"/>\n";
        } else {
            out << "    <failure message=\"" << s.differences.size() << " differences\">";
            for (const auto& d : s.differences)
                out << xml_escape(difference_line(d)) << '\n';
            out << "</failure>\n";
        }
        out << "  </testcase>\n";
    }
    std::ostringstream latencies;
    write_latencies(latencies, report);
    if (!latencies.str().empty())
        out << "  <system-out>" << xml_escape(latencies.str()) << "</system-out>\n";
    out << "</testsuite>\n";
}

}  // namespace amqpprox::replay

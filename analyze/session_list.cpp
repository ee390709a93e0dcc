#include "session_list.hpp"

#include <map>
#include <ostream>
#include <set>

#include "formats/amqp/methods.hpp"
#include "formats/text/json_writer.hpp"
#include "formats/text/time.hpp"
#include "table.hpp"

namespace amqpprox::analyze {
namespace {

using capture::ClosedBy;

struct Activity {
    std::set<std::uint16_t> channels;
    std::uint64_t published = 0;
    std::uint64_t delivered = 0;  // deliveries and get-oks
};

constexpr std::uint32_t kChannelOpen = amqp::MethodId{20, 10}.key();
constexpr std::uint32_t kBasicPublish = amqp::MethodId{60, 40}.key();
constexpr std::uint32_t kBasicDeliver = amqp::MethodId{60, 60}.key();
constexpr std::uint32_t kBasicGetOk = amqp::MethodId{60, 71}.key();

std::string end_state(const capture::SessionRow& row) {
    if (!row.end_ns) return "open";
    switch (row.closed_by) {
        case ClosedBy::client:
            return "client closed";
        case ClosedBy::broker:
            return "broker closed";
        case ClosedBy::proxy:
            return "proxy closed";
        case ClosedBy::unknown:
            break;
    }
    return "dropped";
}

// How a session ended, in words: "client closed 200 Normal shutdown", "dropped", "open".
std::string describe_end(const capture::SessionRow& row) {
    auto out = end_state(row);
    if (row.close_code) {
        out += ' ' + std::to_string(*row.close_code);
        if (!row.close_text.empty()) out += ' ' + row.close_text;
    }
    return out;
}

}  // namespace

std::vector<SessionSummary> list_sessions(const InputSet& inputs, const Selection& selection) {
    auto sessions = inputs.selected_sessions(selection);
    if (selection.frame_filters()) {
        std::set<SessionKey> matched;
        inputs.for_each(selection, [&](const SessionInfo& s, const capture::Record&) {
            matched.insert(s.key);
            return true;
        });
        std::erase_if(sessions, [&](const SessionInfo* s) { return !matched.contains(s->key); });
    }
    if (sessions.empty()) return {};

    // What each session did, from its channel-open, publish and delivery frames alone.
    Selection activity_selection;
    for (const auto* s : sessions)
        activity_selection.sessions.push_back(s->key);
    activity_selection.records.methods = {kChannelOpen, kBasicPublish, kBasicDeliver, kBasicGetOk};
    std::map<SessionKey, Activity> activity;
    inputs.for_each(activity_selection, [&](const SessionInfo& s, const capture::Record& r) {
        auto& a = activity[s.key];
        if (r.method == kChannelOpen) a.channels.insert(r.channel);
        if (r.method == kBasicPublish) ++a.published;
        if (r.method == kBasicDeliver || r.method == kBasicGetOk) ++a.delivered;
        return true;
    });
    std::vector<SessionSummary> summaries;
    summaries.reserve(sessions.size());
    for (const auto* s : sessions) {
        const auto& a = activity[s->key];
        summaries.push_back({s, a.channels.size(), a.published, a.delivered});
    }
    return summaries;
}

std::vector<std::string> session_columns() {
    return {"SESSION", "START",    "DURATION",  "CLIENT",    "BACKEND", "VHOST", "USER",
            "NAME",    "CHANNELS", "PUBLISHED", "DELIVERED", "BYTES",   "END"};
}

std::vector<std::string> session_cells(const SessionSummary& summary) {
    const auto& s = *summary.info;
    const auto& row = s.row;
    auto backend = row.start.backend_address.empty() ? std::string("-") : row.start.backend_address;
    if (!row.start.backend.empty() && row.start.backend != row.start.backend_address)
        backend += " (" + row.start.backend + ")";
    auto end = describe_end(row);
    if (row.frames_lost > 0) end += " [" + std::to_string(row.frames_lost) + " frames lost]";
    return {s.label,
            text::format_utc_ns(row.start.start_ns),
            row.end_ns ? text::format_duration_ns(*row.end_ns - row.start.start_ns) : "-",
            row.start.client_address,
            backend,
            row.vhost.empty() ? "-" : row.vhost,
            row.user.empty() ? "-" : row.user,
            row.connection_name.empty() ? "-" : row.connection_name,
            std::to_string(summary.channels),
            std::to_string(summary.published),
            std::to_string(summary.delivered),
            std::to_string(row.bytes),
            end};
}

int print_sessions(const InputSet& inputs, const Selection& selection,
                   const SessionListOptions& options, std::ostream& out, std::ostream& err) {
    const auto sessions = list_sessions(inputs, selection);
    if (sessions.empty()) {
        err << "amqp-analyze: no sessions matched\n";
        return kExitNothingMatched;
    }

    if (options.format == OutputFormat::json) {
        for (const auto& summary : sessions) {
            const auto* s = summary.info;
            const auto& row = s->row;
            std::string line;
            text::JsonWriter json(line);
            json.begin_object();
            json.key("session").value(s->label);
            json.key("start_ns").value(row.start.start_ns);
            json.key("start").value(text::format_utc_ns(row.start.start_ns));
            json.key("end_ns");
            row.end_ns ? json.value(*row.end_ns) : json.null();
            json.key("client").value(row.start.client_address);
            json.key("proxy").value(row.start.proxy_address);
            json.key("backend").value(row.start.backend);
            json.key("backend_address").value(row.start.backend_address);
            json.key("client_tls").value(row.start.client_tls);
            json.key("backend_tls").value(row.start.backend_tls);
            json.key("vhost").value(row.vhost);
            json.key("user").value(row.user);
            json.key("connection_name").value(row.connection_name);
            json.key("channels").value(summary.channels);
            json.key("published").value(summary.published);
            json.key("delivered").value(summary.delivered);
            json.key("frames").value(row.frames);
            json.key("bytes").value(row.bytes);
            json.key("frames_lost").value(row.frames_lost);
            json.key("end").value(end_state(row));
            json.key("close_code");
            row.close_code ? json.value(*row.close_code) : json.null();
            json.key("close_text").value(row.close_text);
            json.end_object();
            out << line << '\n';
        }
        return kExitOk;
    }

    Table table(session_columns());
    for (const auto& summary : sessions)
        table.add(session_cells(summary));
    options.format == OutputFormat::csv ? table.print_csv(out) : table.print_text(out);
    return kExitOk;
}

}  // namespace amqpprox::analyze

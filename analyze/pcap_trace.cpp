#include "pcap_trace.hpp"

#include <algorithm>
#include <deque>
#include <ostream>
#include <tuple>
#include <unordered_map>

#include "capture/frame_facts.hpp"
#include "formats/amqp/methods.hpp"
#include "trace_printer.hpp"

namespace amqpprox::analyze {
namespace {

using capture::Direction;
using capture::SessionId;

constexpr std::uint32_t kConnectionClass = 10;

// Lines formatted as the frames are found, held until no earlier line can still come, then
// written in time order. A capture's time order puts a gap before frames of its timestamp,
// and otherwise keeps the order things were found in: the key says the same.
class ReorderBuffer {
public:
    explicit ReorderBuffer(OutputBuffer& out) : m_out(out) {}

    // Where the next line is formatted; then `add` says what it was.
    std::string& arena() { return m_arena; }
    std::size_t mark() const { return m_arena.size(); }
    void add(std::int64_t ts_ns, bool is_gap, std::size_t begin) {
        if (begin == m_arena.size()) return;  // nothing printed (a hidden heartbeat)
        const Line line{{ts_ns, is_gap ? 0 : 1, m_next++}, begin, m_arena.size()};
        if (m_lines.empty() || !(line.key < m_lines.back().key)) {
            m_lines.push_back(line);
            return;
        }
        const auto at =
            std::upper_bound(m_lines.begin(), m_lines.end(), line,
                             [](const Line& a, const Line& b) { return a.key < b.key; });
        m_lines.insert(at, line);
    }

    // Writes every line earlier than `ts_ns` (all, with INT64_MAX).
    void release_before(std::int64_t ts_ns) {
        auto& text = m_out.text();
        while (!m_lines.empty() && std::get<0>(m_lines.front().key) < ts_ns) {
            const auto& line = m_lines.front();
            text.append(m_arena, line.begin, line.end - line.begin);
            m_lines.pop_front();
        }
        m_out.flush_if_full();
        if (m_lines.empty()) {
            m_arena.clear();
        } else if (m_arena.size() > kCompactAt) {
            compact();
        }
    }

private:
    static constexpr std::size_t kCompactAt = 1u << 20;
    using Key = std::tuple<std::int64_t, int, std::uint64_t>;  // time, gap first, found
    struct Line {
        Key key;
        std::size_t begin = 0;
        std::size_t end = 0;
    };

    // Drops the text of lines already written from the front of the arena.
    void compact() {
        std::size_t first = m_arena.size();
        for (const auto& line : m_lines)
            first = std::min(first, line.begin);
        if (first == 0) return;
        m_arena.erase(0, first);
        for (auto& line : m_lines) {
            line.begin -= first;
            line.end -= first;
        }
    }

    OutputBuffer& m_out;
    std::string m_arena;
    std::deque<Line> m_lines;
    std::uint64_t m_next = 0;
};

// The frames as the capture writer would have stored them (sequence numbers, redacted
// credentials, indexed arguments for the filters), printed through the reorder buffer.
class DirectTrace final : public capture::PcapSessionSink {
public:
    DirectTrace(const Selection& selection, const TraceOptions& options, OutputBuffer& out)
        : m_filter(selection.records), m_printer(options), m_lines(out) {}

    void start_session(const capture::SessionStart& start) override {
        m_sessions[start.id] = Session{std::to_string(start.id), 0};
    }

    void frame(SessionId id, Direction direction, amqp::FrameType type, std::uint16_t channel,
               amqp::ByteView payload, std::int64_t ts_ns) override {
        auto* session = find(id);
        if (!session) return;
        const auto seq = session->next_seq++;
        if (!time_selected(ts_ns)) return;
        if (m_filter.channel && *m_filter.channel != channel) return;
        std::optional<amqp::Bytes> redacted;
        const auto size = static_cast<std::uint32_t>(payload.size());
        if (type == amqp::FrameType::method) {
            const auto id_of = amqp::peek_method_id(payload);
            if (!m_filter.methods.empty() &&
                (!id_of || std::find(m_filter.methods.begin(), m_filter.methods.end(),
                                     id_of->key()) == m_filter.methods.end()))
                return;
            const bool connection = id_of && id_of->class_id == kConnectionClass;
            if (connection || needs_arguments()) {
                if (auto method = amqp::decode_method(payload)) {
                    if (needs_arguments() && !arguments_selected(*method)) return;
                    // The writer keeps no credentials: neither does its trace.
                    if (connection) {
                        redacted = capture::redacted_payload(*method);
                    }
                } else if (needs_arguments()) {
                    return;  // no arguments stored, so no filter on them matches
                }
            }
        } else if (!m_filter.methods.empty() || needs_arguments()) {
            return;
        }
        if (redacted) payload = *redacted;
        ++m_matched;
        const auto begin = m_lines.mark();
        m_printer.frame(m_lines.arena(), session->label,
                        {ts_ns, seq, direction, channel, type, size, payload});
        m_lines.add(ts_ns, false, begin);
    }

    void gap(const capture::Gap& g) override {
        if (!g.session || !time_selected(g.ts_ns)) return;
        const auto* session = find(*g.session);
        if (!session) return;
        const auto begin = m_lines.mark();
        m_printer.gap(m_lines.arena(), session->label, g);
        m_lines.add(g.ts_ns, true, begin);
    }

    void end_session(SessionId, std::int64_t) override {}

    void settled(std::int64_t ts_ns) { m_lines.release_before(ts_ns); }
    std::uint64_t matched() const { return m_matched; }
    const TracePrinter& printer() const { return m_printer; }

private:
    struct Session {
        std::string label;
        std::uint64_t next_seq = 0;
    };

    Session* find(SessionId id) {
        if (m_last && m_last_id == id) return m_last;
        const auto it = m_sessions.find(id);
        if (it == m_sessions.end()) return nullptr;
        m_last_id = id;
        m_last = &it->second;
        return m_last;
    }

    bool time_selected(std::int64_t ts_ns) const {
        return (!m_filter.from_ns || ts_ns >= *m_filter.from_ns) &&
               (!m_filter.to_ns || ts_ns < *m_filter.to_ns);
    }
    bool needs_arguments() const {
        return m_filter.exchange || m_filter.routing_key || m_filter.queue;
    }
    // As the capture's columns answer `exchange = ?`: a method without the argument never
    // matches.
    bool arguments_selected(const amqp::Method& method) const {
        capture::Record r;
        capture::extract_indexed_arguments(method, r);
        auto same = [](const std::optional<std::string>& want,
                       const std::optional<std::string>& have) {
            return !want || (have && *have == *want);
        };
        return same(m_filter.exchange, r.exchange) && same(m_filter.routing_key, r.routing_key) &&
               same(m_filter.queue, r.queue);
    }

    const capture::RecordFilter& m_filter;
    TracePrinter m_printer;
    ReorderBuffer m_lines;
    std::unordered_map<SessionId, Session> m_sessions;  // node-based: m_last stays valid
    Session* m_last = nullptr;
    SessionId m_last_id = 0;
    std::uint64_t m_matched = 0;
};

}  // namespace

bool can_trace_pcap_directly(const std::vector<std::string>& inputs,
                             const SelectionOptions& selection, const TraceOptions& options) {
    return inputs.size() == 1 && !options.follow && selection.sessions.empty() &&
           !selection.vhost && capture::looks_like_packet_capture(inputs.front());
}

std::optional<int> trace_pcap_directly(const std::string& path,
                                       const capture::PcapImportOptions& pcap,
                                       const Selection& selection, const TraceOptions& options,
                                       std::ostream& out, std::ostream& err) {
    OutputBuffer buffer(out);
    DirectTrace trace(selection, options, buffer);
    auto stats = capture::stream_pcap_sessions(path, trace, pcap,
                                               [&](std::int64_t ts) { trace.settled(ts); });
    if (!stats) return std::nullopt;
    trace.settled(INT64_MAX);
    buffer.flush();
    if (stats->tls_connections > 0) {
        err << "amqp-analyze: " << path << ": " << stats->tls_connections
            << " TLS connection(s) on AMQP ports are encrypted and not shown\n";
    }
    return finish_trace(trace.printer(), trace.matched(), err);
}

}  // namespace amqpprox::analyze

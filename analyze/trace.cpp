#include "trace.hpp"

#include <filesystem>
#include <ostream>
#include <thread>

#include "capture/rotation_name.hpp"
#include "formats/text/json_writer.hpp"
#include "formats/text/time.hpp"
#include "frame_text.hpp"

namespace amqpprox::analyze {
namespace {

using capture::Direction;
using capture::Record;

class TracePrinter {
public:
    TracePrinter(const TraceOptions& options, std::ostream& out) : m_options(options), m_out(out) {}

    void record(std::string_view session, const Record& r) {
        if (r.type == amqp::FrameType::heartbeat && !m_options.heartbeats) return;
        const DescribeOptions text_options{.body_preview = m_options.body_preview};
        if (m_options.format == OutputFormat::json) {
            std::string line;
            text::JsonWriter json(line);
            begin_line(json, r.ts_ns, session);
            json.key("seq").value(r.seq);
            json.key("from").value(capture::to_string(r.direction));
            json.key("channel").value(r.channel);
            json.key("type").value(amqp::to_string(r.type));
            json.key("size").value(r.size);
            if (auto ok = describe_json(json, FrameText::of(r), text_options); !ok) {
                ++m_undecodable;
                json.key("error").value(ok.error().message());
            }
            json.end_object();
            m_out << line << '\n';
            return;
        }
        m_out << text::format_utc_ns(r.ts_ns) << "  " << session << "  " << arrow(r.direction)
              << "  ch" << r.channel << "  ";
        if (auto line = describe(FrameText::of(r), text_options)) {
            m_out << *line << '\n';
        } else {
            ++m_undecodable;
            m_out << "!! undecodable " << amqp::to_string(r.type) << " frame, " << r.size
                  << " bytes: " << line.error().message() << '\n';
        }
    }

    void gap(std::string_view session, const capture::Gap& g) {
        if (m_options.format == OutputFormat::json) {
            std::string line;
            text::JsonWriter json(line);
            begin_line(json, g.ts_ns, session);
            json.key("gap").begin_object();
            json.key("frames").value(g.frames);
            json.key("bytes").value(g.bytes);
            json.key("reason").value(capture::to_string(g.reason));
            json.end_object();
            json.end_object();
            m_out << line << '\n';
            return;
        }
        m_out << text::format_utc_ns(g.ts_ns) << "  " << session << "  ----  -- gap: " << g.frames
              << " frames, " << g.bytes << " bytes not recorded (" << capture::to_string(g.reason)
              << ")\n";
    }

    std::uint64_t undecodable() const { return m_undecodable; }

private:
    // What every JSON line starts with: when, and which session.
    static void begin_line(text::JsonWriter& json, std::int64_t ts_ns, std::string_view session) {
        json.begin_object();
        json.key("ts_ns").value(ts_ns);
        json.key("time").value(text::format_utc_ns(ts_ns));
        json.key("session").value(session);
    }

    const TraceOptions& m_options;
    std::ostream& m_out;
    std::uint64_t m_undecodable = 0;
};

int finish(const TracePrinter& printer, std::uint64_t matched, std::ostream& err) {
    if (printer.undecodable() > 0) {
        err << "amqp-analyze: " << printer.undecodable()
            << " frame(s) could not be decoded; they are marked in the trace\n";
        return kExitBadInput;
    }
    if (matched == 0) {
        err << "amqp-analyze: no frames matched\n";
        return kExitNothingMatched;
    }
    return kExitOk;
}

// The file that follows `path` in its rotation ("cap.0002.amqpcap" after "cap.0001.amqpcap").
std::optional<std::string> next_in_rotation(const std::string& path) {
    const auto member = capture::parse_rotation_file_name(path);
    if (!member) return std::nullopt;
    return capture::rotation_file_name(member->base, member->index + 1);
}

int follow(const InputSet& inputs, const Selection& selection, const TraceOptions& options,
           std::ostream& out, std::ostream& err) {
    if (inputs.series_count() != 1) {
        err << "amqp-analyze: --follow reads one capture (or one rotation), not several\n";
        return kExitBadInput;
    }
    TracePrinter printer(options, out);
    auto filter = selection.records;
    for (const auto& key : selection.sessions)
        filter.sessions.push_back(key.id);
    std::string path = inputs.files().back().path;
    auto reader = capture::CaptureReader::open(path);
    if (!reader) {
        err << "amqp-analyze: " << reader.error().message << '\n';
        return kExitBadInput;
    }
    filter.after_row = 0;
    std::uint64_t matched = 0;
    auto idle = std::chrono::milliseconds(0);
    while (true) {
        bool got = false;
        auto cursor = reader->records(filter, capture::RecordOrder::row);
        while (const auto* r = cursor.next()) {
            printer.record(std::to_string(r->session), *r);
            filter.after_row = cursor.row();
            ++matched;
            got = true;
        }
        out.flush();
        if (got) {
            idle = {};
            continue;
        }
        // The writer moves on to the next file of a rotation only after committing this one.
        const auto next = next_in_rotation(path);
        if (next && !reader->meta().file_index.empty() && std::filesystem::exists(*next)) {
            if (auto opened = capture::CaptureReader::open(*next)) {
                path = *next;
                reader = std::move(opened);
                filter.after_row = 0;
                continue;
            }
        }
        if (options.idle_exit.count() > 0 && idle >= options.idle_exit) break;
        std::this_thread::sleep_for(options.poll);
        idle += options.poll;
    }
    return finish(printer, matched, err);
}

}  // namespace

int print_trace(const InputSet& inputs, const Selection& selection, const TraceOptions& options,
                std::ostream& out, std::ostream& err) {
    if (options.follow) return follow(inputs, selection, options, out, err);
    TracePrinter printer(options, out);
    // Gaps are few: print each before the first frame that comes after it.
    const auto gaps = inputs.gaps(selection);
    std::size_t next_gap = 0;
    auto gaps_until = [&](std::int64_t ts) {
        for (; next_gap < gaps.size() && gaps[next_gap].gap.ts_ns <= ts; ++next_gap) {
            const auto* s = gaps[next_gap].session;
            printer.gap(s ? std::string_view(s->label) : std::string_view("-"), gaps[next_gap].gap);
        }
    };
    const auto matched = inputs.for_each(selection, [&](const SessionInfo& s, const Record& r) {
        gaps_until(r.ts_ns);
        printer.record(s.label, r);
        return true;
    });
    gaps_until(INT64_MAX);
    return finish(printer, matched, err);
}

}  // namespace amqpprox::analyze

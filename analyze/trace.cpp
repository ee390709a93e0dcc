#include "trace.hpp"

#include <filesystem>
#include <ostream>
#include <thread>

#include "capture/rotation_name.hpp"
#include "trace_printer.hpp"

namespace amqpprox::analyze {
namespace {

using capture::Direction;
using capture::Record;

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
    TracePrinter printer(options);
    OutputBuffer buffer(out);
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
            printer.frame(buffer.text(), std::to_string(r->session), TraceFrame::of(*r));
            buffer.flush_if_full();
            filter.after_row = cursor.row();
            ++matched;
            got = true;
        }
        buffer.flush();
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
    buffer.flush();
    return finish_trace(printer, matched, err);
}

}  // namespace

int print_trace(const InputSet& inputs, const Selection& selection, const TraceOptions& options,
                std::ostream& out, std::ostream& err) {
    if (options.follow) return follow(inputs, selection, options, out, err);
    TracePrinter printer(options);
    OutputBuffer buffer(out);
    // Gaps are few: print each before the first frame that comes after it.
    const auto gaps = inputs.gaps(selection);
    std::size_t next_gap = 0;
    auto gaps_until = [&](std::int64_t ts) {
        for (; next_gap < gaps.size() && gaps[next_gap].gap.ts_ns <= ts; ++next_gap) {
            const auto* s = gaps[next_gap].session;
            printer.gap(buffer.text(), s ? std::string_view(s->label) : std::string_view("-"),
                        gaps[next_gap].gap);
        }
    };
    const auto matched = inputs.for_each(selection, [&](const SessionInfo& s, const Record& r) {
        gaps_until(r.ts_ns);
        printer.frame(buffer.text(), s.label, TraceFrame::of(r));
        buffer.flush_if_full();
        return true;
    });
    gaps_until(INT64_MAX);
    buffer.flush();
    return finish_trace(printer, matched, err);
}

}  // namespace amqpprox::analyze

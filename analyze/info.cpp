#include "info.hpp"

#include <ostream>

#include "capture/reader.hpp"
#include "capture/sqlite.hpp"
#include "formats/text/json_writer.hpp"
#include "formats/text/time.hpp"

namespace amqpprox::analyze {
namespace {

using capture::CaptureReader;

constexpr std::size_t kGapLines = 10;

void print_text(const CaptureReader& reader, std::ostream& out) {
    const auto& meta = reader.meta();
    const auto totals = reader.totals();
    out << "file:       " << reader.path() << '\n';
    out << "format:     " << meta.format << ' ' << meta.format_version << ", written by "
        << meta.producer << ' ' << meta.producer_version << " on "
        << text::format_utc_ns(meta.created_ns) << '\n';
    out << "source:     " << meta.source << '\n';
    out << "policies:   bodies=" << meta.bodies << " redaction=" << meta.redaction << '\n';
    out << "sessions:   " << totals.sessions;
    if (totals.open_sessions > 0) out << " (" << totals.open_sessions << " without an end)";
    out << '\n';
    out << "frames:     " << totals.frames << " (" << totals.wire_bytes << " bytes on the wire, "
        << totals.stored_bytes << " payload bytes stored)\n";
    out << "time span:  ";
    if (totals.first_ns) {
        out << text::format_utc_ns(*totals.first_ns) << " .. "
            << text::format_utc_ns(*totals.last_ns) << " ("
            << text::format_duration_ns(*totals.last_ns - *totals.first_ns) << ")\n";
    } else {
        out << "no frames\n";
    }
    out << "gaps:       ";
    if (totals.gaps == 0) {
        out << "none: every frame seen was recorded\n";
        return;
    }
    out << totals.gaps << ", " << totals.frames_lost << " frames not recorded\n";
    const auto gaps = reader.gaps();
    for (std::size_t i = 0; i < gaps.size() && i < kGapLines; ++i) {
        const auto& g = gaps[i];
        out << "  " << text::format_utc_ns(g.ts_ns) << " session "
            << (g.session ? std::to_string(*g.session) : "-") << ": " << g.frames << " frames, "
            << g.bytes << " bytes (" << capture::to_string(g.reason) << ")\n";
    }
    if (gaps.size() > kGapLines) out << "  ... " << gaps.size() - kGapLines << " more\n";
}

void print_json(const CaptureReader& reader, std::ostream& out) {
    const auto& meta = reader.meta();
    const auto totals = reader.totals();
    std::string s;
    text::JsonWriter json(s);
    json.begin_object();
    json.key("file").value(reader.path());
    json.key("format").value(meta.format);
    json.key("format_version").value(meta.format_version);
    json.key("producer").value(meta.producer);
    json.key("producer_version").value(meta.producer_version);
    json.key("created_ns").value(meta.created_ns);
    json.key("source").value(meta.source);
    json.key("bodies").value(meta.bodies);
    json.key("redaction").value(meta.redaction);
    json.key("sessions").value(totals.sessions);
    json.key("open_sessions").value(totals.open_sessions);
    json.key("frames").value(totals.frames);
    json.key("wire_bytes").value(totals.wire_bytes);
    json.key("stored_bytes").value(totals.stored_bytes);
    json.key("first_ns");
    totals.first_ns ? json.value(*totals.first_ns) : json.null();
    json.key("last_ns");
    totals.last_ns ? json.value(*totals.last_ns) : json.null();
    json.key("gaps").begin_array();
    for (const auto& g : reader.gaps()) {
        json.begin_object();
        json.key("session");
        g.session ? json.value(*g.session) : json.null();
        json.key("ts_ns").value(g.ts_ns);
        json.key("frames").value(g.frames);
        json.key("bytes").value(g.bytes);
        json.key("reason").value(capture::to_string(g.reason));
        json.end_object();
    }
    json.end_array();
    json.end_object();
    out << s << '\n';
}

}  // namespace

int print_info(const std::string& path, std::ostream& out, std::ostream& err,
               const InfoOptions& options) {
    auto reader = CaptureReader::open(path);
    if (!reader) {
        err << "amqp-analyze: " << reader.error().message << '\n';
        return 2;
    }
    try {
        options.json ? print_json(*reader, out) : print_text(*reader, out);
    } catch (const capture::SqliteError& e) {
        err << "amqp-analyze: " << e.what() << '\n';
        return 2;
    }
    return 0;
}

}  // namespace amqpprox::analyze

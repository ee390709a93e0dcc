#include "info.hpp"

#include <ostream>

#include "analyze/frame_text.hpp"
#include "analyze/inputs.hpp"
#include "capture/pcap_source.hpp"
#include "capture/reader.hpp"
#include "capture/sqlite.hpp"
#include "formats/text/json_writer.hpp"
#include "formats/text/time.hpp"

namespace amqpprox::analyze {
namespace {

using capture::CaptureReader;

constexpr std::size_t kGapLines = 10;

// A pcap is described by the capture its import writes; `packets` says what the import
// read. Null for a capture file.
struct Described {
    std::string path;
    const capture::PcapImportStats* packets = nullptr;
};

void print_text(const CaptureReader& reader, const Described& file, std::ostream& out) {
    const auto& meta = reader.meta();
    const auto totals = reader.totals();
    out << "file:       " << file.path << '\n';
    if (const auto* p = file.packets) {
        out << "format:     packet capture, described as amqp-analyze import would write it\n";
        out << "packets:    " << p->packets << " in " << p->connections << " TCP connection(s), "
            << p->sessions << " of them AMQP";
        if (p->tls_connections > 0) out << ", " << p->tls_connections << " TLS (not decoded)";
        if (p->bad_packets > 0) out << "; " << p->bad_packets << " could not be parsed";
        if (p->cut_packets > 0) out << "; " << p->cut_packets << " cut by the snap length";
        out << '\n';
        if (!p->file_error.empty())
            out << "read error: " << p->file_error << " (what came before is described)\n";
    } else {
        out << "format:     " << meta.format << ' ' << meta.format_version << ", written by "
            << meta.producer << ' ' << meta.producer_version << " on "
            << text::format_utc_ns(meta.created_ns) << '\n';
        out << "source:     " << meta.source << '\n';
        out << "policies:   bodies=" << meta.bodies << " redaction=" << meta.redaction << '\n';
    }
    out << "sessions:   " << totals.sessions;
    if (totals.open_sessions > 0) out << " (" << totals.open_sessions << " without an end)";
    out << '\n';
    out << "frames:     " << totals.frames << " (" << totals.wire_bytes << " bytes on the wire, "
        << totals.stored_bytes << " payload bytes stored)\n";
    if (totals.spooled_frames > 0) {
        out << "spooled:    " << totals.spooled_frames
            << " frames not yet rows (a running proxy writes them once the host is quiet; "
               "after a crash: amqp-analyze recover "
            << file.path << ")\n";
    }
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
            << (g.session ? std::to_string(*g.session) : "-");
        if (g.direction) out << ' ' << arrow(*g.direction);
        out << ": " << g.frames << " frames, " << g.bytes << " bytes ("
            << capture::to_string(g.reason) << ")\n";
    }
    if (gaps.size() > kGapLines) out << "  ... " << gaps.size() - kGapLines << " more\n";
}

void print_json(const CaptureReader& reader, const Described& file, std::ostream& out) {
    const auto& meta = reader.meta();
    const auto totals = reader.totals();
    std::string s;
    text::JsonWriter json(s);
    json.begin_object();
    json.key("file").value(file.path);
    if (const auto* p = file.packets) {
        json.key("format").value("pcap");
        json.key("packets").begin_object();
        json.key("packets").value(p->packets);
        json.key("bad_packets").value(p->bad_packets);
        json.key("cut_packets").value(p->cut_packets);
        json.key("connections").value(p->connections);
        json.key("amqp_connections").value(p->sessions);
        json.key("tls_connections").value(p->tls_connections);
        json.key("read_error");
        p->file_error.empty() ? json.null() : json.value(p->file_error);
        json.end_object();
    } else {
        json.key("format").value(meta.format);
        json.key("format_version").value(meta.format_version);
        json.key("producer").value(meta.producer);
        json.key("producer_version").value(meta.producer_version);
        json.key("created_ns").value(meta.created_ns);
        json.key("source").value(meta.source);
        json.key("bodies").value(meta.bodies);
        json.key("redaction").value(meta.redaction);
    }
    json.key("sessions").value(totals.sessions);
    json.key("open_sessions").value(totals.open_sessions);
    json.key("frames").value(totals.frames);
    json.key("wire_bytes").value(totals.wire_bytes);
    json.key("stored_bytes").value(totals.stored_bytes);
    json.key("spooled_frames").value(totals.spooled_frames);
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
        if (g.direction) json.key("from").value(capture::to_string(*g.direction));
        json.key("frames").value(g.frames);
        json.key("bytes").value(g.bytes);
        json.key("reason").value(capture::to_string(g.reason));
        json.end_object();
    }
    json.end_array();
    json.end_object();
    out << s << '\n';
}

int describe(const CaptureReader& reader, const Described& file, std::ostream& out,
             std::ostream& err, const InfoOptions& options) {
    try {
        options.json ? print_json(reader, file, out) : print_text(reader, file, out);
    } catch (const capture::SqliteError& e) {
        err << "amqp-analyze: " << e.what() << '\n';
        return 2;
    }
    return 0;
}

}  // namespace

int print_info(const std::string& path, std::ostream& out, std::ostream& err,
               const InfoOptions& options) {
    if (!capture::looks_like_packet_capture(path)) {
        auto reader = CaptureReader::open(path);
        if (!reader) {
            err << "amqp-analyze: " << reader.error().message << '\n';
            return 2;
        }
        return describe(*reader, {path}, out, err, options);
    }
    // Described by what its import holds, read the way every other command reads a pcap.
    capture::PcapImportOptions pcap;
    pcap.ports.insert(pcap.ports.end(), options.ports.begin(), options.ports.end());
    const auto inputs = InputSet::open({path}, pcap);
    if (!inputs) {
        err << "amqp-analyze: " << inputs.error().message << '\n';
        return 2;
    }
    const auto& file = inputs->files().front();
    return describe(file.reader, {path, &*file.packets}, out, err, options);
}

}  // namespace amqpprox::analyze

#include "trace_printer.hpp"

#include <charconv>
#include <ostream>

#include "formats/text/json_writer.hpp"
#include "frame_text.hpp"

namespace amqpprox::analyze {
namespace {

void append_number(std::string& out, std::uint64_t n) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out.append(digits, end);
}

// What every JSON line starts with: when, and which session.
void begin_line(text::JsonWriter& json, std::int64_t ts_ns, std::string_view session) {
    json.begin_object();
    json.key("ts_ns").value(ts_ns);
    json.key("time").value(text::format_utc_ns(ts_ns));
    json.key("session").value(session);
}

}  // namespace

void TracePrinter::frame(std::string& out, std::string_view session, const TraceFrame& f) {
    if (f.type == amqp::FrameType::heartbeat && !m_options.heartbeats) return;
    const DescribeOptions text_options{.body_preview = m_options.body_preview};
    const FrameText frame{f.type, f.payload, f.size, 0};
    if (m_options.format == OutputFormat::json) {
        std::string line;
        text::JsonWriter json(line);
        begin_line(json, f.ts_ns, session);
        json.key("seq").value(f.seq);
        json.key("from").value(capture::to_string(f.direction));
        json.key("channel").value(f.channel);
        json.key("type").value(amqp::to_string(f.type));
        json.key("size").value(f.size);
        if (auto ok = describe_json(json, frame, text_options); !ok) {
            ++m_undecodable;
            json.key("error").value(ok.error().message());
        }
        json.end_object();
        out += line;
        out += '\n';
        return;
    }
    m_time.append(out, f.ts_ns);
    out += "  ";
    out += session;
    out += "  ";
    out += arrow(f.direction);
    out += "  ch";
    append_number(out, f.channel);
    out += "  ";
    if (f.type == amqp::FrameType::body && m_options.body_preview == 0) {
        // describe()'s body line without its temporary strings: bodies are most frames.
        out += "Content-Body ";
        append_number(out, f.size);
        out += " bytes";
        if (f.payload.size() < f.size) {
            out += " (";
            append_number(out, f.payload.size());
            out += " stored)";
        }
        out += '\n';
        return;
    }
    if (auto line = describe(frame, text_options)) {
        out += *line;
        out += '\n';
    } else {
        ++m_undecodable;
        out += "!! undecodable ";
        out += amqp::to_string(f.type);
        out += " frame, ";
        append_number(out, f.size);
        out += " bytes: ";
        out += line.error().message();
        out += '\n';
    }
}

void TracePrinter::gap(std::string& out, std::string_view session, const capture::Gap& g) {
    if (m_options.format == OutputFormat::json) {
        std::string line;
        text::JsonWriter json(line);
        begin_line(json, g.ts_ns, session);
        if (g.direction) json.key("from").value(capture::to_string(*g.direction));
        json.key("gap").begin_object();
        json.key("frames").value(g.frames);
        json.key("bytes").value(g.bytes);
        json.key("reason").value(capture::to_string(g.reason));
        json.end_object();
        json.end_object();
        out += line;
        out += '\n';
        return;
    }
    m_time.append(out, g.ts_ns);
    out += "  ";
    out += session;
    out += "  ";
    out += g.direction ? arrow(*g.direction) : "----";  // a gap of no one direction: overflow
    out += "  -- gap: ";
    append_number(out, g.frames);
    out += " frames, ";
    append_number(out, g.bytes);
    out += " bytes not recorded (";
    out += capture::to_string(g.reason);
    out += ")\n";
}

void OutputBuffer::flush() {
    if (m_text.empty()) return;
    m_out.write(m_text.data(), static_cast<std::streamsize>(m_text.size()));
    m_text.clear();
}

int finish_trace(const TracePrinter& printer, std::uint64_t matched, std::ostream& err) {
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

}  // namespace amqpprox::analyze
